//! The VPC-attached function that calls the internal ALB by its DNS name and reports the outcome.
//!
//! It is both a template for real callers and a synthetic probe (the blueprint can schedule it).
//! A success or redirection status gives a [`Report`]; any other status fails the invocation as
//! `BadStatus`, and a failed connection or a timeout as `Unreachable`, so Lambda's error metrics and
//! alarms see it.
//! An event naming a malformed path or method is `NonRetryable`, and no request is made.
//!
//! The HTTP client is [`crate::http_client`] (hyper over rustls), built once in `main`.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Empty};
use lambda_runtime::LambdaEvent;
use serde::{Deserialize, Serialize};

use crate::error::{HandlerError, Unreachable};
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

pub use crate::config::ConfigError;

impl Caller {
    /// Reads the contract's variables from the process environment.
    pub fn from_env(client: HttpClient) -> Result<Caller, ConfigError> {
        Caller::from_lookup(client, crate::config::process_env)
    }

    /// Reads the contract's variables through `lookup` and checks them.
    pub fn from_lookup(
        client: HttpClient,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Caller, ConfigError> {
        use contract::private_lambda::caller::{DEFAULT_PATH, REQUEST_TIMEOUT_MS, TARGET_BASE_URL};
        let base_url = TARGET_BASE_URL.read_from(&lookup)?.trim_end_matches('/').to_owned();
        let usable = base_url.parse::<Uri>().is_ok_and(|uri| {
            matches!(uri.scheme_str(), Some("http" | "https"))
                && uri.host().is_some_and(|h| !h.is_empty())
                && uri.query().is_none()
        });
        if !usable {
            return Err(ConfigError::invalid(TARGET_BASE_URL, &base_url, "expected http(s)://<host>:<port>"));
        }
        let default_path = DEFAULT_PATH.read_from(&lookup)?;
        if check_path(&default_path).is_err() {
            return Err(ConfigError::invalid(
                DEFAULT_PATH,
                &default_path,
                "expected an absolute path such as /hello",
            ));
        }
        let timeout = REQUEST_TIMEOUT_MS.read_from(&lookup)?;
        let Some(ms) = timeout.trim().parse::<u64>().ok().filter(|ms| *ms > 0) else {
            return Err(ConfigError::invalid(
                REQUEST_TIMEOUT_MS,
                &timeout,
                "expected a positive number of milliseconds",
            ));
        };
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

/// The outcome of one successful request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub url: String,
    pub method: String,
    pub status: u16,
    /// From sending the request to the end of the response body.
    pub latency_ms: u64,
    pub body_bytes: usize,
}

/// Checks a path from the event or the configuration: absolute, and valid in a request line.
fn check_path(path: &str) -> Result<(), HandlerError> {
    let valid = path.starts_with('/') && path.parse::<Uri>().is_ok_and(|uri| uri.authority().is_none());
    if valid {
        Ok(())
    } else {
        Err(HandlerError::InvalidEvent(format!(
            "invalid path '{path}': expected an absolute path such as /hello, percent-encoded"
        )))
    }
}

/// Parses a method name; case is ignored, so `get` means `GET`.
fn parse_method(method: &str) -> Result<Method, HandlerError> {
    Method::from_bytes(method.to_ascii_uppercase().as_bytes()).map_err(|_| {
        HandlerError::InvalidEvent(format!(
            "invalid method '{method}': expected an HTTP method such as GET or POST"
        ))
    })
}

/// Makes one request to the load balancer and reports it; the outcome is also logged.
pub async fn handle(caller: &Caller, event: LambdaEvent<CallerEvent>) -> Result<Report, HandlerError> {
    let result = call(caller, event.payload).await;
    match &result {
        Ok(r) => tracing::info!(
            url = %r.url, method = %r.method, status = r.status, latency_ms = r.latency_ms,
            body_bytes = r.body_bytes, "the load balancer answered"
        ),
        Err(e) => {
            tracing::error!(error_type = e.error_type(), error = %e, "calling the load balancer failed")
        }
    }
    result
}

async fn call(caller: &Caller, event: CallerEvent) -> Result<Report, HandlerError> {
    let path = event.path.unwrap_or_else(|| caller.default_path.clone());
    check_path(&path)?;
    let method = parse_method(event.method.as_deref().unwrap_or("GET"))?;
    let url = format!("{}{path}", caller.base_url);
    let request = Request::builder()
        .method(method.clone())
        .uri(&url)
        .header(http::header::USER_AGENT, contract::private_lambda::caller::FUNCTION.binary)
        .body(Empty::<Bytes>::new())
        .map_err(|e| HandlerError::InvalidEvent(format!("cannot build a request for '{url}': {e}")))?;

    let start = Instant::now();
    let exchange = async {
        let response = caller.client.request(request).await.map_err(|e| error_chain(&e))?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| error_chain(&e))?;
        Ok::<_, String>((status, body.to_bytes().len()))
    };
    let outcome = tokio::time::timeout(caller.request_timeout, exchange).await;
    let latency_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (status, body_bytes) = match outcome {
        Ok(Ok(done)) => done,
        Ok(Err(chain)) => {
            let reason = Unreachable::Connection(chain);
            return Err(HandlerError::Unreachable { method: method.to_string(), url, latency_ms, reason });
        }
        Err(_elapsed) => {
            let limit_ms = u64::try_from(caller.request_timeout.as_millis()).unwrap_or(u64::MAX);
            let reason = Unreachable::Timeout { limit_ms };
            return Err(HandlerError::Unreachable { method: method.to_string(), url, latency_ms, reason });
        }
    };
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

/// An error and its sources, outermost first (`client error (Connect): tcp connect error: ...`).
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let part = e.to_string();
        // Some layers repeat their source's text in their own; print each message once.
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = e.source();
    }
    text
}
