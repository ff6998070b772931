//! The configuration contract shared by `synth` and `runtime`.
//!
//! Every Lambda function the project deploys is described here once: its binary name and the
//! environment variables it reads.
//! `synth` writes exactly these variables into the template (and fails if one is missing or extra),
//! and `runtime` reads them through [`EnvVar::read`], so the two cannot drift apart.
//!
//! Architecture Invariant: this crate has no dependencies, so both sides can use it without
//! pulling the AWS SDK into `synth` or template code into `runtime`.

use std::fmt;

/// One environment variable a function reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVar {
    pub name: &'static str,
    pub doc: &'static str,
}

/// A function the project deploys: the binary in `runtime/src/bin/` and its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionSpec {
    /// The cargo binary name, also the base of the artefact name (`<binary>.zip`).
    pub binary: &'static str,
    pub summary: &'static str,
    pub env: &'static [EnvVar],
}

/// A required environment variable is absent or not valid unicode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingEnv {
    pub name: &'static str,
}

impl fmt::Display for MissingEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "environment variable '{}' is not set: the function's template must define it", self.name)
    }
}

impl std::error::Error for MissingEnv {}

impl EnvVar {
    /// Reads the variable from the process environment.
    pub fn read(&self) -> Result<String, MissingEnv> {
        std::env::var(self.name).map_err(|_| MissingEnv { name: self.name })
    }

    /// Reads the variable from any lookup function (tests pass a map instead of the process env).
    pub fn read_from(&self, lookup: impl Fn(&str) -> Option<String>) -> Result<String, MissingEnv> {
        lookup(self.name).ok_or(MissingEnv { name: self.name })
    }
}

/// The private-Lambda system: a protected function behind an internal ALB and a caller in the VPC.
pub mod private_lambda {
    use super::{EnvVar, FunctionSpec};

    /// The function behind the internal ALB's `lambda` target group.
    pub mod protected {
        use super::*;

        /// The name of the target this function serves, echoed in responses so callers can see routing.
        pub const TARGET_NAME: EnvVar =
            EnvVar { name: "TARGET_NAME", doc: "the blueprint name of the ALB target this function serves" };

        pub const FUNCTION: FunctionSpec = FunctionSpec {
            binary: "private-lambda-protected",
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
            summary: "calls the internal ALB by DNS name and reports status and latency",
            env: &[TARGET_BASE_URL, DEFAULT_PATH, REQUEST_TIMEOUT_MS],
        };
    }
}

/// Every function the project deploys, for tools that iterate over all of them (build, docs, tests).
pub const ALL_FUNCTIONS: &[FunctionSpec] =
    &[private_lambda::protected::FUNCTION, private_lambda::caller::FUNCTION];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_binaries_and_env_names_are_unique() {
        let mut binaries: Vec<_> = ALL_FUNCTIONS.iter().map(|f| f.binary).collect();
        binaries.sort_unstable();
        binaries.dedup();
        assert_eq!(binaries.len(), ALL_FUNCTIONS.len());
        for f in ALL_FUNCTIONS {
            let mut names: Vec<_> = f.env.iter().map(|e| e.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), f.env.len(), "duplicate env var in {}", f.binary);
            // Lambda reserves the AWS_ prefix for its own variables.
            assert!(names.iter().all(|n| !n.starts_with("AWS_")), "{} uses a reserved name", f.binary);
        }
    }

    #[test]
    fn read_from_reports_the_missing_name() {
        let err = private_lambda::caller::TARGET_BASE_URL.read_from(|_| None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable 'TARGET_BASE_URL' is not set: the function's template must define it"
        );
    }
}
