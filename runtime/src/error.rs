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
    /// An AWS call failed; the run is retried.
    #[error("{operation} failed: {message}")]
    Aws { operation: &'static str, message: String },
    /// Discovery of the load balancer's addresses failed.
    #[error("discovery failed: {0}")]
    Discovery(String),
    /// Discovery succeeded but found nothing; nothing was changed.
    #[error("{0}")]
    EmptyDiscovery(String),
    /// State changed between read and write (a concurrent run); the retry re-plans.
    #[error("concurrent update: {0}")]
    ConcurrentUpdate(String),
    /// Stored state cannot be read; fix or delete the item.
    #[error("corrupt state: {0}")]
    CorruptState(String),
}

/// An AWS SDK error as a [`HandlerError`], with the full error chain in the message.
pub fn aws<E: std::error::Error + 'static>(operation: &'static str, err: &E) -> HandlerError {
    HandlerError::Aws {
        operation,
        message: aws_smithy_types::error::display::DisplayErrorContext(err).to_string(),
    }
}

impl HandlerError {
    /// The stable error type reported to Lambda.
    pub fn error_type(&self) -> &'static str {
        match self {
            HandlerError::InvalidEvent(_) => "InvalidEvent",
            HandlerError::BadStatus { .. } => "BadStatus",
            HandlerError::Unreachable { .. } => "Unreachable",
            HandlerError::Aws { .. } => "AwsError",
            HandlerError::Discovery(_) => "DiscoveryFailed",
            HandlerError::EmptyDiscovery(_) => "EmptyDiscovery",
            HandlerError::ConcurrentUpdate(_) => "ConcurrentUpdate",
            HandlerError::CorruptState(_) => "CorruptState",
        }
    }

    /// Whether running the same event again may succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, HandlerError::InvalidEvent(_) | HandlerError::CorruptState(_))
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
