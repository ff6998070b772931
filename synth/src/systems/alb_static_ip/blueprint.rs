//! The alb-static-ip blueprint: its part of the blueprint schema (doc comments become descriptions).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::blueprint::{Architecture, default_log_retention, default_true};

/// A Network Load Balancer with static addresses in front of an existing Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlbStaticIp {
    /// The VPC of the load balancers, such as `vpc-0123456789abcdef0`.
    pub vpc_id: String,
    #[serde(default)]
    pub load_balancer: NetworkLoadBalancer,
    /// The Application Load Balancer the static addresses lead to.
    pub alb: AlbReference,
    /// TCP listeners of the Network Load Balancer, each forwarding to a port of the ALB.
    #[schemars(length(min = 1, max = 10))]
    pub listeners: Vec<PortMapping>,
    /// `native` (default): an `alb` target group, managed by AWS, no function. `sync`: an `ip` target
    /// group kept equal to the ALB's addresses by a scheduled function (for cross-VPC set-ups or
    /// protocols the native target type does not support).
    #[serde(default)]
    pub mode: StaticIpMode,
    /// Settings of the sync function (mode `sync` only).
    #[serde(default)]
    pub sync: Option<SyncSettings>,
    /// CPU architecture of the sync function.
    #[serde(default)]
    pub architecture: Architecture,
    /// Days to keep the sync function's logs.
    #[serde(default = "default_log_retention")]
    pub log_retention_days: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkLoadBalancer {
    /// Use this existing Network Load Balancer (its ARN) instead of creating one.
    #[serde(default)]
    pub existing_arn: Option<String>,
    #[serde(default)]
    pub scheme: Scheme,
    /// One subnet per zone, such as `subnet-0123456789abcdef0` (public subnets when internet-facing).
    #[serde(default)]
    pub subnets: Vec<String>,
    /// Allocate one Elastic IP per subnet, so the addresses survive replacement (internet-facing only).
    #[serde(default = "default_true")]
    pub elastic_ips: bool,
    /// Refuse deletion of the load balancer.
    #[serde(default)]
    pub deletion_protection: bool,
}

impl Default for NetworkLoadBalancer {
    fn default() -> NetworkLoadBalancer {
        NetworkLoadBalancer {
            existing_arn: None,
            scheme: Scheme::default(),
            subnets: Vec::new(),
            elastic_ips: true,
            deletion_protection: false,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    #[default]
    InternetFacing,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlbReference {
    /// ARN of the Application Load Balancer.
    pub arn: String,
    /// Its DNS name (needed for DNS discovery in mode `sync`).
    #[serde(default)]
    pub dns_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortMapping {
    /// Port of the Network Load Balancer's TCP listener.
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// Port of the ALB listener traffic goes to (default: the same port).
    #[serde(default)]
    pub alb_port: Option<u16>,
    /// Use this existing target group (and the listener that already forwards to it) instead of
    /// creating both; in mode `sync` the function keeps it in sync.
    #[serde(default)]
    pub existing_target_group_arn: Option<String>,
}

impl PortMapping {
    pub fn target_port(&self) -> u16 {
        self.alb_port.unwrap_or(self.port)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StaticIpMode {
    #[default]
    Native,
    Sync,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    /// How the ALB's addresses are found.
    #[serde(default)]
    pub discovery: Discovery,
    /// Name servers for DNS discovery as `ip` or `ip:port`; empty asks the ALB zone's authoritative servers.
    #[serde(default)]
    pub dns_servers: Vec<String>,
    /// How often the function runs.
    #[serde(default = "default_sync_schedule")]
    pub schedule: String,
    /// Consecutive runs an address must be missing before its target is deregistered.
    #[serde(default = "default_miss_threshold")]
    #[schemars(range(min = 1, max = 60))]
    pub miss_threshold: u32,
    /// At most this many targets are deregistered per run and target group.
    #[serde(default = "default_max_deregistrations")]
    #[schemars(range(min = 1, max = 100))]
    pub max_deregistrations_per_run: u32,
    /// Also deregister targets the function did not register (by default they are left alone).
    #[serde(default)]
    pub manage_foreign_targets: bool,
    /// The ALB is in another VPC (peered or via Transit Gateway): targets get `AvailabilityZone: all`.
    #[serde(default)]
    pub cross_vpc: bool,
}

impl Default for SyncSettings {
    fn default() -> SyncSettings {
        SyncSettings {
            discovery: Discovery::default(),
            dns_servers: Vec::new(),
            schedule: default_sync_schedule(),
            miss_threshold: default_miss_threshold(),
            max_deregistrations_per_run: default_max_deregistrations(),
            manage_foreign_targets: false,
            cross_vpc: false,
        }
    }
}

fn default_sync_schedule() -> String {
    "rate(1 minute)".to_owned()
}

fn default_miss_threshold() -> u32 {
    3
}

fn default_max_deregistrations() -> u32 {
    2
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Discovery {
    /// Query DNS until the answer set is stable (the ALB's name returns at most 8 addresses per answer).
    #[default]
    Dns,
    /// List the ALB's network interfaces (complete, needs `ec2:DescribeNetworkInterfaces`).
    NetworkInterfaces,
}
