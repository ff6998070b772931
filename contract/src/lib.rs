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

/// Static IPs for an Application Load Balancer: an NLB whose `ip` target group is kept in sync.
pub mod alb_static_ip {
    /// The scheduled function that keeps the NLB's target groups equal to the ALB's addresses.
    pub mod sync {
        use crate::{EnvVar, FunctionSpec};

        /// The target groups to keep in sync, `<target group arn>=<ALB port>` separated by commas.
        pub const TARGET_GROUPS: EnvVar = EnvVar {
            name: "TARGET_GROUPS",
            doc: "target groups to keep in sync, as <arn>=<port> pairs separated by commas",
        };
        /// The ALB whose addresses are mirrored (state key, and the network-interface description).
        pub const ALB_ARN: EnvVar = EnvVar { name: "ALB_ARN", doc: "ARN of the application load balancer" };
        /// The ALB's DNS name, for DNS discovery.
        pub const ALB_DNS_NAME: EnvVar =
            EnvVar { name: "ALB_DNS_NAME", doc: "DNS name of the application load balancer (DNS discovery)" };
        /// `dns` or `network-interfaces`.
        pub const DISCOVERY: EnvVar =
            EnvVar { name: "DISCOVERY", doc: "how addresses are discovered: dns or network-interfaces" };
        /// `authoritative`, or name servers as `ip[:port]` separated by commas.
        pub const DNS_SERVERS: EnvVar = EnvVar {
            name: "DNS_SERVERS",
            doc: "authoritative, or the name servers to query as ip[:port] separated by commas",
        };
        /// The DynamoDB table holding which targets the function registered and their miss counts.
        pub const STATE_TABLE: EnvVar = EnvVar { name: "STATE_TABLE", doc: "DynamoDB table of sync state" };
        /// Consecutive runs an address must be missing before its target is deregistered.
        pub const MISS_THRESHOLD: EnvVar =
            EnvVar { name: "MISS_THRESHOLD", doc: "runs an address must be missing before deregistration" };
        /// At most this many deregistrations per run and target group (blast-radius guard).
        pub const MAX_DEREGISTRATIONS: EnvVar =
            EnvVar { name: "MAX_DEREGISTRATIONS", doc: "deregistrations allowed per run and target group" };
        /// `true` to also deregister targets the function did not register.
        pub const MANAGE_FOREIGN_TARGETS: EnvVar = EnvVar {
            name: "MANAGE_FOREIGN_TARGETS",
            doc: "true to also manage targets the function did not register",
        };
        /// `true` when the ALB's addresses are outside the target group's VPC (`AvailabilityZone: all`).
        pub const CROSS_VPC: EnvVar =
            EnvVar { name: "CROSS_VPC", doc: "true to register targets with AvailabilityZone all" };
        /// The partition key attribute of the state table, which synth declares and the function reads.
        pub const STATE_KEY_ATTRIBUTE: &str = "pk";

        /// CloudWatch namespace of the embedded-format metrics.
        pub const METRIC_NAMESPACE: EnvVar =
            EnvVar { name: "METRIC_NAMESPACE", doc: "CloudWatch namespace of the function's metrics" };

        pub const FUNCTION: FunctionSpec = FunctionSpec {
            binary: "alb-static-ip-sync",
            summary: "keeps an NLB ip target group equal to an ALB's addresses",
            env: &[
                TARGET_GROUPS,
                ALB_ARN,
                ALB_DNS_NAME,
                DISCOVERY,
                DNS_SERVERS,
                STATE_TABLE,
                MISS_THRESHOLD,
                MAX_DEREGISTRATIONS,
                MANAGE_FOREIGN_TARGETS,
                CROSS_VPC,
                METRIC_NAMESPACE,
            ],
        };
    }
}

/// The multi-ENI appliance Auto Scaling system.
pub mod appliance_asg {
    /// Handles the group's lifecycle actions: interfaces and addresses, membership, the primary, licences.
    pub mod lifecycle {
        use crate::{EnvVar, FunctionSpec};

        /// The Auto Scaling group whose events the function accepts (others are rejected untouched).
        pub const ASG_NAME: EnvVar =
            EnvVar { name: "ASG_NAME", doc: "name of the appliance Auto Scaling group" };
        /// The DynamoDB table of members, the primary and licence leases.
        pub const STATE_TABLE: EnvVar = EnvVar {
            name: "STATE_TABLE",
            doc: "DynamoDB table of cluster membership, primary and licence leases",
        };
        /// The extra interfaces of every instance, as JSON (`runtime::appliance_asg::interfaces::InterfaceSpec`).
        pub const INTERFACES: EnvVar =
            EnvVar { name: "INTERFACES", doc: "JSON list of the extra interfaces each instance gets" };
        /// The bucket of licence files (`*.lic`), empty when the appliances need no licence.
        pub const LICENCE_BUCKET: EnvVar =
            EnvVar { name: "LICENCE_BUCKET", doc: "S3 bucket of licence files, or empty for no licences" };
        /// `true` to protect the primary from scale-in.
        pub const SCALE_IN_PROTECTION: EnvVar =
            EnvVar { name: "SCALE_IN_PROTECTION", doc: "true to protect the primary instance from scale-in" };
        /// The function that pushes configuration to the appliances (inside the VPC), empty for none.
        pub const CONFIGURE_FUNCTION: EnvVar = EnvVar {
            name: "CONFIGURE_FUNCTION",
            doc: "name of the function that configures the appliances over HTTPS, or empty for none",
        };
        /// The SSM parameter holding the configuration template and its variables, as JSON
        /// (`{"template": "...", "variables": {...}}`), empty when `CONFIGURE_FUNCTION` is.
        pub const CONFIG_PARAMETER: EnvVar = EnvVar {
            name: "CONFIG_PARAMETER",
            doc: "SSM parameter holding the appliance configuration template and variables (JSON), or empty",
        };
        /// The Secrets Manager secret whose string is the appliances' admin password.
        pub const ADMIN_SECRET: EnvVar = EnvVar {
            name: "ADMIN_SECRET",
            doc: "ARN of the Secrets Manager secret holding the appliances' admin password, or empty",
        };
        /// The device index of the interface whose private address serves the appliance API.
        pub const API_DEVICE_INDEX: EnvVar = EnvVar {
            name: "API_DEVICE_INDEX",
            doc: "device index of the interface whose private address serves the appliance API",
        };
        /// The partition key attribute of the state table.
        pub const STATE_KEY_ATTRIBUTE: &str = "pk";
        /// CloudWatch namespace of the function's embedded-format metrics (dimension
        /// `AutoScalingGroupName`); synth's alarms read them.
        pub const METRIC_NAMESPACE: &str = "ApplianceAsg";
        /// The metric counting launches abandoned because every licence was leased.
        pub const LICENCE_POOL_EMPTY_METRIC: &str = "LicencePoolEmpty";

        pub const FUNCTION: FunctionSpec = FunctionSpec {
            binary: "appliance-asg-lifecycle",
            summary: "gives appliance instances their interfaces, addresses, role and licence",
            env: &[
                ASG_NAME,
                STATE_TABLE,
                INTERFACES,
                LICENCE_BUCKET,
                SCALE_IN_PROTECTION,
                CONFIGURE_FUNCTION,
                CONFIG_PARAMETER,
                ADMIN_SECRET,
                API_DEVICE_INDEX,
            ],
        };
    }

    /// Pushes the rendered configuration, licence and admin password to one appliance over HTTPS.
    /// Runs in the VPC (the appliance API is private) and is invoked only by the lifecycle function,
    /// which passes the password: this function's role reads nothing.
    pub mod configure {
        use crate::{EnvVar, FunctionSpec};

        /// The TCP port of the appliance's HTTPS API.
        pub const API_PORT: EnvVar = EnvVar { name: "API_PORT", doc: "TCP port of the appliance HTTPS API" };
        /// The administrator account the function logs in as.
        pub const ADMIN_USER: EnvVar =
            EnvVar { name: "ADMIN_USER", doc: "administrator user name on the appliances" };
        /// Accepted certificate fingerprints (SHA-256, hex, comma-separated); empty to verify the
        /// certificate against the public CAs for the appliance's IP address.
        pub const TLS_FINGERPRINTS: EnvVar = EnvVar {
            name: "TLS_FINGERPRINTS",
            doc: "SHA-256 fingerprints of accepted appliance certificates, comma-separated, or empty for CA verification",
        };
        /// How long to wait for a launching appliance's API to answer.
        pub const BOOT_TIMEOUT_SECONDS: EnvVar = EnvVar {
            name: "BOOT_TIMEOUT_SECONDS",
            doc: "seconds to wait for a launching appliance's API to answer",
        };

        pub const FUNCTION: FunctionSpec = FunctionSpec {
            binary: "appliance-asg-configure",
            summary: "pushes password, licence and configuration to an appliance over verified HTTPS",
            env: &[API_PORT, ADMIN_USER, TLS_FINGERPRINTS, BOOT_TIMEOUT_SECONDS],
        };
    }
}

/// Every function the project deploys, for tools that iterate over all of them (build, docs, tests).
pub const ALL_FUNCTIONS: &[FunctionSpec] = &[
    private_lambda::protected::FUNCTION,
    private_lambda::caller::FUNCTION,
    alb_static_ip::sync::FUNCTION,
    appliance_asg::lifecycle::FUNCTION,
    appliance_asg::configure::FUNCTION,
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
