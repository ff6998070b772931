//! The configuration contract shared by `synth` and `runtime` (and `xtask`, through `synth::assets`).
//!
//! Every Lambda function the project deploys is described here once: its binary name and the
//! environment variables it reads.
//! `synth` writes exactly these variables into the template (and fails if one is missing or extra),
//! and `runtime` reads them through [`EnvVar::read`], so the two cannot drift apart.
//!
//! The values that cross from a template to a function are described here too, as types both sides
//! use: synth serializes them (or formats them, for the comma-separated lists), runtime deserializes
//! (or parses) the same types. A structured value is JSON of a serde type (the appliance `INTERFACES`
//! and configuration parameter); a field that synth fills with a CloudFormation intrinsic is a type
//! parameter, so synth instantiates it with its expression type and runtime with `String`.
//! `runtime/tests/it/contract_round_trip.rs` reads every function of every template in `out/` back
//! through its runtime configuration reader.
//!
//! Architecture Invariant: this crate depends on `serde` (derive) alone, so both sides can use it
//! without pulling the AWS SDK into `synth` or template code into `runtime`.

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
    /// The `runtime` cargo feature that builds it (its system): a deploy compiles only the systems
    /// of the blueprint's functions, and so only the AWS SDK crates they call.
    pub feature: &'static str,
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

pub mod alb_static_ip;
pub mod appliance_asg;
pub mod assets;
pub mod events;
pub mod fargate_mirror;
pub mod private_lambda;
pub mod sg_sync;

/// Every function the project deploys, for tools that iterate over all of them (build, docs, tests).
pub const ALL_FUNCTIONS: &[FunctionSpec] = &[
    private_lambda::protected::FUNCTION,
    private_lambda::caller::FUNCTION,
    alb_static_ip::sync::FUNCTION,
    appliance_asg::lifecycle::FUNCTION,
    appliance_asg::configure::FUNCTION,
    fargate_mirror::mirror::FUNCTION,
    sg_sync::sync::FUNCTION,
];

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
