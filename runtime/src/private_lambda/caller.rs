//! The VPC-attached function that calls the internal ALB by its DNS name and reports the outcome.
//!
//! It is both a template for real callers and a synthetic probe (the blueprint can schedule it).
//! A success status gives a report; any other status, a timeout or a connection failure fails the
//! invocation with a stable error type, so Lambda's error metrics and the DLQ see it.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Empty};
use lambda_runtime::LambdaEvent;
use serde::{Deserialize, Serialize};

use crate::HandlerError;
use crate::http_client::HttpClient;

/// What the handler borrows: configuration and the pooled client, built once per process.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client: HttpClient,
    /// `http(s)://<dns name>:<port>`, without a trailing slash.
    pub base_url: String,
    pub default_path: String,
    pub request_timeout: Duration,
}

/// Configuration that is present but unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Missing(#[from] contract::MissingEnv),
    #[error("invalid {name} '{value}': {expected}")]
    Invalid { name: &'static str, value: String, expected: &'static str },
}

impl Caller {
    pub fn from_env(client: HttpClient) -> Result<Caller, ConfigError> {
        Caller::from_lookup(client, |name| std::env::var(name).ok())
    }

    /// Reads the contract's variables through `lookup` and checks them.
    pub fn from_lookup(
        client: HttpClient,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Caller, ConfigError> {
        use contract::private_lambda::caller::{DEFAULT_PATH, REQUEST_TIMEOUT_MS, TARGET_BASE_URL};
        let base_url = TARGET_BASE_URL.read_from(&lookup)?.trim_end_matches('/').to_owned();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://"))
            || base_url.parse::<Uri>().is_err()
        {
            return Err(ConfigError::Invalid {
                name: TARGET_BASE_URL.name,
                value: base_url,
                expected: "expected http(s)://<host>:<port>",
            });
        }
        let default_path = DEFAULT_PATH.read_from(&lookup)?;
        check_path(&default_path).map_err(|_| ConfigError::Invalid {
            name: DEFAULT_PATH.name,
            value: default_path.clone(),
            expected: "expected a path starting with '/'",
        })?;
        let timeout = REQUEST_TIMEOUT_MS.read_from(&lookup)?;
        let ms: u64 = timeout.parse().ok().filter(|ms| *ms > 0).ok_or_else(|| ConfigError::Invalid {
            name: REQUEST_TIMEOUT_MS.name,
            value: timeout.clone(),
            expected: "expected a positive number of milliseconds",
        })?;
        Ok(Caller { client, base_url, default_path, request_timeout: Duration::from_millis(ms) })
    }
}

/// A direct invocation (`{"path": "/x", "method": "GET"}`, both optional) or any other event, such as
/// an EventBridge schedule, whose other fields are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct CallerEvent {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub url: String,
    pub method: String,
    pub status: u16,
    pub latency_ms: u64,
    pub body_bytes: usize,
}

fn check_path(path: &str) -> Result<(), HandlerError> {
    if path.starts_with('/') && path.parse::<Uri>().is_ok() {
        Ok(())
    } else {
        Err(HandlerError::InvalidEvent(format!("invalid path '{path}': expected a path starting with '/'")))
    }
}

pub async fn handle(caller: &Caller, event: LambdaEvent<CallerEvent>) -> Result<Report, HandlerError> {
    let path = event.payload.path.unwrap_or_else(|| caller.default_path.clone());
    check_path(&path)?;
    let method_text = event.payload.method.unwrap_or_else(|| "GET".to_owned());
    let method = Method::from_bytes(method_text.to_ascii_uppercase().as_bytes()).map_err(|_| {
        HandlerError::InvalidEvent(format!(
            "invalid method '{method_text}': expected an HTTP method such as GET"
        ))
    })?;
    let url = format!("{}{path}", caller.base_url);
    let request = Request::builder()
        .method(method.clone())
        .uri(&url)
        .header(http::header::USER_AGENT, contract::private_lambda::caller::FUNCTION.binary)
        .body(Empty::<Bytes>::new())
        .map_err(|e| HandlerError::InvalidEvent(format!("cannot build a request for '{url}': {e}")))?;

    let start = Instant::now();
    let elapsed = |start: Instant| u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let unreachable = |reason: String| HandlerError::Unreachable {
        method: method.to_string(),
        url: url.clone(),
        latency_ms: elapsed(start),
        reason,
    };
    let exchange = async {
        let response = caller.client.request(request).await.map_err(|e| format!("{e:#}"))?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| format!("reading the body: {e}"))?;
        Ok::<_, String>((status, body.to_bytes().len()))
    };
    let (status, body_bytes) = match tokio::time::timeout(caller.request_timeout, exchange).await {
        Err(_) => {
            return Err(unreachable(format!(
                "no complete response within {} ms",
                caller.request_timeout.as_millis()
            )));
        }
        Ok(Err(reason)) => return Err(unreachable(reason)),
        Ok(Ok(done)) => done,
    };
    let latency_ms = elapsed(start);
    tracing::info!(url = %url, status = status.as_u16(), latency_ms, "called the load balancer");
    if !(status.is_success() || status.is_redirection()) {
        return Err(HandlerError::BadStatus {
            method: method.to_string(),
            url,
            status: status.as_u16(),
            latency_ms,
        });
    }
    Ok(Report { url, method: method.to_string(), status: status.as_u16(), latency_ms, body_bytes })
}
