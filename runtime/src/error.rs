//! Handler errors and their stable Lambda error types.
//!
//! The `error_type` is what alarms, retries and dashboards key on, so it is a fixed string per variant,
//! never a Rust type name.

use lambda_runtime::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The event cannot be acted on; retrying the same event cannot succeed.
    #[error("invalid event: {0}")]
    InvalidEvent(String),
    /// The peer answered with a status that is not a success.
    #[error("{method} {url} answered {status} after {latency_ms} ms")]
    BadStatus { method: String, url: String, status: u16, latency_ms: u64 },
    /// The peer could not be reached (connection refused, DNS, TLS, timeout).
    #[error("{method} {url} failed after {latency_ms} ms: {reason}")]
    Unreachable { method: String, url: String, latency_ms: u64, reason: String },
}

impl HandlerError {
    /// The stable error type reported to Lambda.
    pub fn error_type(&self) -> &'static str {
        match self {
            HandlerError::InvalidEvent(_) => "InvalidEvent",
            HandlerError::BadStatus { .. } => "BadStatus",
            HandlerError::Unreachable { .. } => "Unreachable",
        }
    }

    /// Whether running the same event again may succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, HandlerError::InvalidEvent(_))
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(e: HandlerError) -> Diagnostic {
        Diagnostic { error_type: e.error_type().to_owned(), error_message: e.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_are_stable_names() {
        let d: Diagnostic = HandlerError::BadStatus {
            method: "GET".into(),
            url: "http://x:80/a".into(),
            status: 503,
            latency_ms: 12,
        }
        .into();
        assert_eq!(d.error_type, "BadStatus");
        assert_eq!(d.error_message, "GET http://x:80/a answered 503 after 12 ms");
        assert_eq!(Diagnostic::from(HandlerError::InvalidEvent("x".into())).error_type, "InvalidEvent");
        assert!(!HandlerError::InvalidEvent("x".into()).is_retryable());
    }
}
