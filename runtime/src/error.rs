//! Handler errors and their stable Lambda error types.
//!
//! The `error_type` is what alarms, retries and dashboards key on, so it is a fixed string per variant,
//! never a Rust type name.
//! An event that can never succeed is `NonRetryable`; the private-Lambda caller reports a reachable but
//! failing load balancer as `BadStatus` and one it could not talk to as `Unreachable`.

use lambda_runtime::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The event cannot be acted on; retrying the same event cannot succeed.
    #[error("invalid event: {0}")]
    InvalidEvent(String),
    /// The peer answered with a status that is neither a success nor a redirection.
    #[error("{method} '{url}' answered {status} after {latency_ms} ms")]
    BadStatus { method: String, url: String, status: u16, latency_ms: u64 },
    /// No complete response came back: the connection failed (DNS, refused, TLS, reset) or timed out.
    #[error("{method} '{url}' unreachable after {latency_ms} ms: {reason}")]
    Unreachable { method: String, url: String, latency_ms: u64, reason: Unreachable },
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
    /// Every licence of the pool is leased; retried, as a terminating instance may return one.
    #[error("licence pool empty: {0}")]
    LicencePoolEmpty(String),
    /// An appliance could not be configured (unreachable, refused, or its certificate rejected).
    #[error("appliance not configured: {0}")]
    Appliance(String),
    /// More addresses than the prefix list (or a region's share of it) holds; nothing was changed.
    #[error("over capacity: {0}")]
    OverCapacity(String),
    /// Local work is done, but copying it to another region failed; the retry copies again.
    #[error("copy to region '{region}' failed: {message}")]
    PeerCopyFailed { region: String, message: String },
}

/// Why a peer counts as unreachable; the message says which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreachable {
    /// No complete response (headers and body) within the request timeout.
    Timeout { limit_ms: u64 },
    /// The connection could not be made or broke; the error chain, outermost first.
    Connection(String),
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreachable::Timeout { limit_ms } => {
                write!(f, "timed out (no complete response within the {limit_ms} ms request timeout)")
            }
            Unreachable::Connection(chain) => write!(f, "connection failed: {chain}"),
        }
    }
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
            HandlerError::InvalidEvent(_) => "NonRetryable",
            HandlerError::BadStatus { .. } => "BadStatus",
            HandlerError::Unreachable { .. } => "Unreachable",
            HandlerError::Aws { .. } => "AwsError",
            HandlerError::Discovery(_) => "DiscoveryFailed",
            HandlerError::EmptyDiscovery(_) => "EmptyDiscovery",
            HandlerError::ConcurrentUpdate(_) => "ConcurrentUpdate",
            HandlerError::CorruptState(_) => "CorruptState",
            HandlerError::LicencePoolEmpty(_) => "LicencePoolEmpty",
            HandlerError::Appliance(_) => "ApplianceNotConfigured",
            HandlerError::OverCapacity(_) => "OverCapacity",
            HandlerError::PeerCopyFailed { .. } => "PeerCopyFailed",
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
    use expect_test::{Expect, expect};

    use super::*;

    #[track_caller]
    fn check(err: HandlerError, expect: Expect) {
        let d = Diagnostic::from(err);
        expect.assert_eq(&format!("{}: {}", d.error_type, d.error_message));
    }

    #[test]
    fn error_types_are_stable_names() {
        check(
            HandlerError::InvalidEvent("invalid path 'x'".into()),
            expect!["NonRetryable: invalid event: invalid path 'x'"],
        );
        check(
            HandlerError::BadStatus {
                method: "GET".into(),
                url: "http://x:80/a".into(),
                status: 503,
                latency_ms: 12,
            },
            expect!["BadStatus: GET 'http://x:80/a' answered 503 after 12 ms"],
        );
        check(
            HandlerError::Unreachable {
                method: "GET".into(),
                url: "http://x:80/a".into(),
                latency_ms: 151,
                reason: Unreachable::Timeout { limit_ms: 150 },
            },
            expect![
                "Unreachable: GET 'http://x:80/a' unreachable after 151 ms: timed out (no complete response within the 150 ms request timeout)"
            ],
        );
        check(
            HandlerError::Unreachable {
                method: "POST".into(),
                url: "https://x/a".into(),
                latency_ms: 3,
                reason: Unreachable::Connection("client error (Connect): connection refused".into()),
            },
            expect![
                "Unreachable: POST 'https://x/a' unreachable after 3 ms: connection failed: client error (Connect): connection refused"
            ],
        );
        check(HandlerError::CorruptState("x".into()), expect!["CorruptState: corrupt state: x"]);
        check(
            HandlerError::LicencePoolEmpty("all 3 licences are leased".into()),
            expect!["LicencePoolEmpty: licence pool empty: all 3 licences are leased"],
        );
    }

    #[test]
    fn only_invalid_events_and_corrupt_state_are_final() {
        assert!(!HandlerError::InvalidEvent("x".into()).is_retryable());
        assert!(!HandlerError::CorruptState("x".into()).is_retryable());
        let unreachable = HandlerError::Unreachable {
            method: "GET".into(),
            url: "http://x".into(),
            latency_ms: 1,
            reason: Unreachable::Timeout { limit_ms: 1 },
        };
        assert!(unreachable.is_retryable());
    }
}
