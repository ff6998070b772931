//! The function behind the internal ALB: echoes what it received, so a caller can see routing work.
//!
//! ALB rules it follows:
//! - When the target group has multi-value headers enabled, the request carries `multiValueHeaders`
//!   (and `multiValueQueryStringParameters`) and the response must use `multiValueHeaders` too: the
//!   load balancer ignores single-value `headers` then.
//! - Request bodies may be base64-encoded (`isBase64Encoded`); their decoded length is reported.
//! - A response over 1 MB becomes a 502, so the request body is reported by length, never echoed;
//!   the rest of the echo is bounded by the load balancer's own limits on the request line.
//! - Query parameters are echoed as the load balancer forwards them, that is still percent-encoded.
//! - Any method token is accepted: this is an echo service that proves the path works.

use std::collections::BTreeMap;

use aws_lambda_events::alb::{AlbTargetGroupRequest, AlbTargetGroupResponse};
use aws_lambda_events::encodings::Body;
use base64::Engine;
use http::HeaderValue;
use http::header::CONTENT_TYPE;
use lambda_runtime::LambdaEvent;
use serde::Serialize;

use crate::HandlerError;

/// What the handler borrows: the configuration read once at start.
#[derive(Debug, Clone)]
pub struct Protected {
    pub target_name: String,
}

impl Protected {
    pub fn from_env() -> Result<Protected, contract::MissingEnv> {
        Protected::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the contract's variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Protected, contract::MissingEnv> {
        Ok(Protected { target_name: contract::private_lambda::protected::TARGET_NAME.read_from(lookup)? })
    }
}

#[derive(Debug, Serialize)]
struct Echo<'a> {
    target: &'a str,
    method: &'a str,
    path: &'a str,
    query: BTreeMap<String, Vec<String>>,
    body_bytes: usize,
    request_id: &'a str,
}

/// Answers one forwarded request with a JSON echo, in the header mode the request used.
pub async fn handle(
    p: &Protected,
    event: LambdaEvent<AlbTargetGroupRequest>,
) -> Result<AlbTargetGroupResponse, HandlerError> {
    let req = &event.payload;
    let multi_value =
        !req.multi_value_headers.is_empty() || !req.multi_value_query_string_parameters.is_empty();
    let body_bytes = match (&req.body, req.is_base64_encoded) {
        (None, _) => 0,
        (Some(b), false) => b.len(),
        (Some(b), true) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .map_err(|e| {
                HandlerError::InvalidEvent(format!("body is marked base64 but does not decode: {e}"))
            })?
            .len(),
    };
    let source =
        if multi_value { &req.multi_value_query_string_parameters } else { &req.query_string_parameters };
    let mut query = BTreeMap::new();
    for (k, _) in source.iter() {
        let values: Vec<String> = source.all(k).unwrap_or_default().into_iter().map(str::to_owned).collect();
        query.insert(k.to_owned(), values);
    }
    let echo = Echo {
        target: &p.target_name,
        method: req.http_method.as_str(),
        path: req.path.as_deref().unwrap_or("/"),
        query,
        body_bytes,
        request_id: &event.context.request_id,
    };
    tracing::info!(
        method = echo.method,
        path = echo.path,
        body_bytes,
        multi_value,
        "answering the load balancer"
    );
    // A struct of strings, numbers and a string-keyed map always serializes.
    let body = serde_json::to_string(&echo).expect("the echo serializes to JSON");

    let mut res = AlbTargetGroupResponse::default();
    res.status_code = 200;
    res.status_description = Some("200 OK".to_owned());
    let json = HeaderValue::from_static("application/json");
    if multi_value {
        res.multi_value_headers.insert(CONTENT_TYPE, json);
    } else {
        res.headers.insert(CONTENT_TYPE, json);
    }
    res.body = Some(Body::Text(body));
    res.is_base64_encoded = false;
    Ok(res)
}
