//! The appliance-asg blueprint: its part of the blueprint schema (doc comments become descriptions).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::blueprint::{Architecture, default_log_retention, default_true};

/// Appliances in an Auto Scaling group with extra interfaces per instance.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplianceAsg {
    /// The VPC of the appliances, such as `vpc-0123456789abcdef0`.
    pub vpc_id: String,
    /// The appliance image, such as `ami-0123456789abcdef0`.
    pub image_id: String,
    /// Such as `c6i.xlarge` (enough interfaces for the configured device indexes).
    pub instance_type: String,
    /// An EC2 key pair for SSH to the appliances, if any.
    #[serde(default)]
    pub key_name: Option<String>,
    pub capacity: Capacity,
    /// Availability zones the group spans, at least two; every subnet list below follows this order.
    #[schemars(length(min = 2, max = 6))]
    pub zones: Vec<String>,
    /// Device index 0, attached at boot by the launch template.
    pub boot_interface: BootInterface,
    /// Extra interfaces (device index 1 and up), attached by the lifecycle function before the
    /// instance goes in service.
    #[schemars(length(min = 1, max = 14))]
    pub interfaces: Vec<ApplianceInterface>,
    #[serde(default)]
    pub lifecycle: LifecycleSettings,
    /// Protect the primary from scale-in, so the group never removes it while others remain.
    #[serde(default = "default_true")]
    pub primary_scale_in_protection: bool,
    /// `files`: a private bucket of licence files (`*.lic`) and token lists (`*.json`), one licence
    /// leased to each instance.
    #[serde(default)]
    pub licences: Licences,
    /// CPU architecture of the lifecycle function.
    #[serde(default)]
    pub architecture: Architecture,
    /// Days to keep the function's logs.
    #[serde(default = "default_log_retention")]
    pub log_retention_days: u32,
    /// Configuration pushed to each appliance over HTTPS once its interfaces, role and licence are in
    /// place (and again to the remaining members when the primary changes). Without it the appliances
    /// keep whatever their image and the licence give them.
    #[serde(default)]
    pub configuration: Option<ApplianceConfiguration>,
}

/// Appliance configuration: a template rendered per instance by the lifecycle function and pushed,
/// with the admin password and the licence, by a configure function attached to the VPC (the
/// appliance API is private).
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplianceConfiguration {
    /// The appliance configuration (such as FortiOS CLI text), a minijinja template rendered for each
    /// instance with these variables:
    /// `instance_id`; `zone` (its availability zone); `role` (`primary` or `secondary`); `is_primary`
    /// (true or false); `primary_ip` (the private API address of the primary); `interfaces` (a list,
    /// device 0 included, of `device_index`, `description`, `private_ip`, `public_ip` (none without
    /// one) and `subnet_id`); `licence` (the leased licence's name, or none); `variables` (below).
    /// Any other name is an error. Running appliances get a changed template at their next
    /// configuration (a launch, or a change of primary), not when the stack updates.
    /// It is stored with `variables` in an SSM parameter: up to 4096 bytes as a Standard parameter,
    /// up to 8192 as an Advanced one (charged per month, and Parameter Store never turns an Advanced
    /// parameter back into a Standard one).
    #[schemars(length(min = 1))]
    pub template: String,
    /// Values the template reads as `variables.<name>`: any YAML (strings, numbers, lists,
    /// mappings), such as the tunnel peers of each zone.
    #[serde(default)]
    pub variables: BTreeMap<String, serde_json::Value>,
    /// The interface whose private address serves the appliance API: 0 (the boot interface) or the
    /// `device_index` of one of `interfaces`. The stack adds its API security group to that interface,
    /// so it may list at most four of its own.
    #[serde(default)]
    #[schemars(range(min = 0, max = 15))]
    pub api_device_index: u32,
    /// TCP port of the appliance's HTTPS API.
    #[serde(default = "default_api_port")]
    #[schemars(range(min = 1, max = 65535))]
    pub api_port: u16,
    /// The administrator the configure function logs in as.
    #[serde(default = "default_admin_user")]
    #[schemars(length(min = 1, max = 64))]
    pub admin_user: String,
    /// An existing Secrets Manager secret (its full ARN, with the six-character suffix Secrets Manager
    /// adds) whose string is the admin password; it must be
    /// encrypted with the AWS managed key, or the lifecycle role needs `kms:Decrypt` on its key.
    /// Without it the stack creates a secret with a generated 32-character password (letters and
    /// digits only: appliance CLIs choke on quotes).
    #[serde(default)]
    pub admin_secret_arn: Option<String>,
    /// SHA-256 fingerprints of the certificates the appliances present, as 64 hex digits, with or
    /// without colons, in any case (`openssl x509 -noout -fingerprint -sha256` prints one). Empty: the
    /// certificate must chain to a public CA and name the appliance's IP address.
    #[serde(default)]
    pub tls_fingerprints: Vec<String>,
    /// Seconds the configure function waits for a launching appliance's API to answer. The configure
    /// function's timeout is this plus 60, and the lifecycle function's timeout grows by as much, so
    /// `lifecycle.heartbeat_timeout_seconds` must be at least 3 × (this + 180) + 180.
    #[serde(default = "default_boot_timeout")]
    #[schemars(range(min = 30, max = 600))]
    pub boot_timeout_seconds: u32,
}

fn default_api_port() -> u16 {
    443
}

fn default_admin_user() -> String {
    "admin".to_owned()
}

fn default_boot_timeout() -> u32 {
    300
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    #[schemars(range(min = 1, max = 100))]
    pub min: u32,
    #[schemars(range(min = 1, max = 100))]
    pub max: u32,
    #[schemars(range(min = 1, max = 100))]
    pub desired: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BootInterface {
    /// One subnet per zone, in the order of `zones`.
    pub subnets: Vec<String>,
    #[schemars(length(min = 1, max = 5))]
    pub security_groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplianceInterface {
    #[schemars(range(min = 1, max = 15))]
    pub device_index: u32,
    /// One subnet per zone, in the order of `zones`.
    pub subnets: Vec<String>,
    #[schemars(length(min = 1, max = 5))]
    pub security_groups: Vec<String>,
    /// `false` for interfaces that forward traffic not addressed to them (data ports behind routes).
    #[serde(default = "default_true")]
    pub source_dest_check: bool,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub public_ip: PublicIpSetting,
}

/// Where an interface's public address comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicIpSetting {
    /// No public address.
    #[default]
    None,
    /// An Elastic IP from Amazon's pool, allocated at launch and released at termination.
    Amazon,
    /// An Elastic IP from this BYOIP pool (`ipv4pool-ec2-...`), allocated and released likewise.
    ByoipPool(String),
    /// One of these Elastic IPs you own (`eipalloc-...`), associated while the instance lives and
    /// never released.
    ElasticIps(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecycleSettings {
    /// Seconds an instance may wait for the function in each transition; the function records
    /// heartbeats, and validation checks this outlasts its timeout and retries.
    #[schemars(range(min = 30, max = 7200))]
    #[serde(default = "default_heartbeat")]
    pub heartbeat_timeout_seconds: u32,
    /// What happens to a launching instance the function never completed: `abandon` (default:
    /// an appliance without its interfaces must not take traffic) or `continue`.
    #[serde(default)]
    pub launch_default_result: DefaultResult,
}

impl Default for LifecycleSettings {
    fn default() -> Self {
        LifecycleSettings {
            heartbeat_timeout_seconds: default_heartbeat(),
            launch_default_result: DefaultResult::Abandon,
        }
    }
}

fn default_heartbeat() -> u32 {
    600
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DefaultResult {
    #[default]
    Abandon,
    Continue,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Licences {
    /// The appliances need no licence file.
    #[default]
    None,
    /// A licence bucket; each instance leases one licence, returned when it terminates: a `*.lic`
    /// file, or a token from a `*.json` token list (a JSON list of strings).
    Files,
}
