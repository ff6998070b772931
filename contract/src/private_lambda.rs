//! The private-Lambda system: a protected function behind an internal ALB and a caller in the VPC.

use super::{EnvVar, FunctionSpec};

/// The function behind the internal ALB's `lambda` target group.
pub mod protected {
    use super::*;

    /// The name of the target this function serves, echoed in responses so callers can see routing.
    pub const TARGET_NAME: EnvVar =
        EnvVar { name: "TARGET_NAME", doc: "the blueprint name of the ALB target this function serves" };

    pub const FUNCTION: FunctionSpec = FunctionSpec {
        binary: "private-lambda-protected",
        feature: "private-lambda",
        summary: "answers HTTP requests forwarded by the internal ALB",
        env: &[TARGET_NAME],
    };
}

/// The VPC-attached function that calls the internal ALB by its DNS name.
pub mod caller {
    use super::*;

    /// Base URL of the internal ALB listener, `http(s)://<dns name>:<port>`.
    pub const TARGET_BASE_URL: EnvVar = EnvVar {
        name: "TARGET_BASE_URL",
        doc: "scheme, DNS name and port of the internal load balancer listener",
    };

    /// Path requested when the event does not name one.
    pub const DEFAULT_PATH: EnvVar =
        EnvVar { name: "DEFAULT_PATH", doc: "path requested when the invocation event names none" };

    /// Per-request timeout in milliseconds, kept below the function timeout so a slow ALB is reported.
    pub const REQUEST_TIMEOUT_MS: EnvVar = EnvVar {
        name: "REQUEST_TIMEOUT_MS",
        doc: "timeout of one request to the load balancer, in milliseconds",
    };

    pub const FUNCTION: FunctionSpec = FunctionSpec {
        binary: "private-lambda-caller",
        feature: "private-lambda",
        summary: "calls the internal ALB by DNS name and reports status and latency",
        env: &[TARGET_BASE_URL, DEFAULT_PATH, REQUEST_TIMEOUT_MS],
    };
}
