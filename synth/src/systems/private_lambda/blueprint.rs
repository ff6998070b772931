//! The private-lambda blueprint: its part of the blueprint schema (doc comments become descriptions).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::blueprint::{Architecture, Network, default_log_retention};

/// Private Lambda functions behind an internal ALB.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivateLambda {
    pub network: Network,
    #[serde(default)]
    pub load_balancer: LoadBalancer,
    /// Functions behind the load balancer, matched in list order (the first match wins).
    #[schemars(length(min = 1, max = 50))]
    pub targets: Vec<Target>,
    #[serde(default)]
    pub caller: Caller,
    /// CPU architecture of every function.
    #[serde(default)]
    pub architecture: Architecture,
    /// Days to keep function logs; one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...).
    #[serde(default = "default_log_retention")]
    pub log_retention_days: u32,
}

/// The internal Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// Listener port.
    #[serde(default = "default_port")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// Listener protocol; `https` needs `certificate_arn`.
    #[serde(default)]
    pub protocol: Protocol,
    /// ACM certificate for an `https` listener.
    #[serde(default)]
    pub certificate_arn: Option<String>,
    /// Name callers use for an `https` listener; it must match the certificate, and you point it at the
    /// load balancer (for example with an alias record in a private hosted zone).
    #[serde(default)]
    pub domain_name: Option<String>,
    /// Seconds a connection may stay idle.
    #[serde(default = "default_idle_timeout")]
    #[schemars(range(min = 1, max = 4000))]
    pub idle_timeout_seconds: u16,
    /// Refuse deletion of the load balancer (turn off before `destroy`).
    #[serde(default)]
    pub deletion_protection: bool,
    /// Write access logs (one line per request) to a bucket the stack creates: encrypted, versioned,
    /// TLS-only, and kept when the stack is deleted.
    #[serde(default)]
    pub access_logs: bool,
}

impl Default for LoadBalancer {
    fn default() -> LoadBalancer {
        LoadBalancer {
            port: default_port(),
            protocol: Protocol::default(),
            certificate_arn: None,
            domain_name: None,
            idle_timeout_seconds: default_idle_timeout(),
            deletion_protection: false,
            access_logs: false,
        }
    }
}

fn default_port() -> u16 {
    80
}

fn default_idle_timeout() -> u16 {
    60
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    #[default]
    Http,
    Https,
}

/// A function behind the load balancer, in its own `lambda` target group.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Lowercase letters, digits and hyphens; part of logical IDs, so renaming replaces the function.
    pub name: String,
    /// Path patterns routed to this function, such as `/orders/*` (at most 5).
    #[schemars(length(min = 1, max = 5))]
    pub path_patterns: Vec<String>,
    #[serde(default = "default_memory")]
    #[schemars(range(min = 128, max = 10240))]
    pub memory_mb: u32,
    #[serde(default = "default_target_timeout")]
    #[schemars(range(min = 1, max = 900))]
    pub timeout_seconds: u32,
    /// Send and expect `multiValueHeaders` (the target group attribute `lambda.multi_value_headers.enabled`).
    #[serde(default)]
    pub multi_value_headers: bool,
    /// Reserved concurrency; unset leaves the function in the account's shared pool.
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
}

fn default_memory() -> u32 {
    256
}

fn default_target_timeout() -> u32 {
    10
}

/// The VPC-attached function that calls the load balancer.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Caller {
    #[serde(default = "default_memory")]
    #[schemars(range(min = 128, max = 10240))]
    pub memory_mb: u32,
    #[serde(default = "default_caller_timeout")]
    #[schemars(range(min = 1, max = 900))]
    pub timeout_seconds: u32,
    /// Timeout of one request to the load balancer; must be shorter than `timeout_seconds`.
    #[serde(default = "default_request_timeout")]
    #[schemars(range(min = 100, max = 900000))]
    pub request_timeout_ms: u32,
    /// Path requested when the invocation names none.
    #[serde(default = "default_path")]
    pub default_path: String,
    /// Run the caller on a schedule as a synthetic probe, e.g. `rate(5 minutes)`.
    #[serde(default)]
    pub schedule: Option<String>,
}

impl Default for Caller {
    fn default() -> Caller {
        Caller {
            memory_mb: default_memory(),
            timeout_seconds: default_caller_timeout(),
            request_timeout_ms: default_request_timeout(),
            default_path: default_path(),
            schedule: None,
        }
    }
}

fn default_caller_timeout() -> u32 {
    15
}

fn default_request_timeout() -> u32 {
    5000
}

fn default_path() -> String {
    "/".to_owned()
}
