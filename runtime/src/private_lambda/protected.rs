//! The function behind the internal ALB: echoes what it received, so a caller can see routing work.
//!
//! ALB rules it follows: when the target group has multi-value headers enabled, the request carries
//! `multiValueHeaders` and the response must use them too (single-value `headers` would be ignored);
//! bodies may be base64-encoded; responses over 1 MB become a 502, so the request body is reported by
//! length, never echoed.

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
        Ok(Protected { target_name: contract::private_lambda::protected::TARGET_NAME.read()? })
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
    let body = serde_json::to_string(&echo).map_err(|e| HandlerError::InvalidEvent(e.to_string()))?;

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
