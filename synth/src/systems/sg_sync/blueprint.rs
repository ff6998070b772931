//! The sg-sync blueprint: its part of the blueprint schema (doc comments become descriptions).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::blueprint::{Architecture, default_log_retention};

/// Security groups that admit the addresses of Auto Scaling groups in several regions.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SgSync {
    /// The regions, each with its Auto Scaling group and security group; one stack per region,
    /// deployed in the order listed here (at least two regions).
    pub regions: BTreeMap<String, Region>,
    /// What each region's security group admits from every region's instances: one ingress rule per
    /// entry, referencing the stack's prefix list.
    #[schemars(length(min = 1, max = 50))]
    pub ports: Vec<Port>,
    /// Which address of an instance is admitted: `public`, or `private` for networks connected by
    /// peering, a transit gateway or VPN.
    pub addresses: Addresses,
    /// The most instances one region's group ever has. Each prefix list holds
    /// regions x this many entries; a region with more instances fails loudly and changes nothing.
    pub max_instances_per_region: u32,
    /// The account's quota of inbound rules per security group (60 unless raised). A prefix list
    /// counts as its maximum entries once per rule that references it.
    #[serde(default = "default_rules_per_security_group")]
    pub rules_per_security_group: u32,
    /// How often each region's function re-reads its group and every table, so anything an event
    /// missed converges (these runs never complete lifecycle actions).
    #[serde(default = "default_true_up")]
    pub true_up: String,
    /// CPU architecture of the function.
    #[serde(default)]
    pub architecture: Architecture,
    /// Days to keep the function's logs.
    #[serde(default = "default_log_retention")]
    pub log_retention_days: u32,
}

pub(crate) fn default_rules_per_security_group() -> u32 {
    60
}

fn default_true_up() -> String {
    "rate(5 minutes)".to_owned()
}

/// One region's group and the security group that admits every region's instances.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// The existing Auto Scaling group's name; the stack adds a launch and a terminate hook to it.
    pub auto_scaling_group: String,
    /// The security group the rules go in: exactly one of `existing` and `create`.
    pub security_group: SecurityGroupChoice,
}

/// Exactly one of the two.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupChoice {
    /// An existing security group, such as `sg-0123456789abcdef0`. Its other rules are never touched.
    #[serde(default)]
    pub existing: Option<String>,
    /// A new group the stack creates, closed but for the rules of `ports` (attach it to the
    /// instances yourself, in their launch template).
    #[serde(default)]
    pub create: Option<CreateSecurityGroup>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSecurityGroup {
    /// The VPC of the new group, such as `vpc-0123456789abcdef0`.
    pub vpc: String,
}

/// A port, or a range of ports, for one protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Port {
    pub protocol: Protocol,
    /// One port (tcp and udp); or give `from` and `to`.
    #[serde(default)]
    pub port: Option<u16>,
    /// First port of an inclusive range (tcp and udp).
    #[serde(default)]
    pub from: Option<u16>,
    /// Last port of an inclusive range (tcp and udp).
    #[serde(default)]
    pub to: Option<u16>,
}

impl Port {
    /// The inclusive range this entry admits; `None` for a protocol without ports (or an entry
    /// validation refuses).
    pub fn range(&self) -> Option<(u16, u16)> {
        match (self.port, self.from, self.to) {
            (Some(p), None, None) => Some((p, p)),
            (None, Some(from), Some(to)) => Some((from, to)),
            _ => None,
        }
    }
}

/// `tcp` and `udp` take ports; `icmp` admits every ICMP type, `all` every protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    All,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
            Protocol::All => "all",
        }
    }

    pub fn takes_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }
}

/// Which address of an instance is admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Addresses {
    /// The instance's public IPv4 address (an instance without one contributes nothing).
    Public,
    /// The primary private IPv4 address.
    Private,
}

impl Addresses {
    pub fn contract(self) -> contract::sg_sync::sync::AddressKind {
        match self {
            Addresses::Public => contract::sg_sync::sync::AddressKind::Public,
            Addresses::Private => contract::sg_sync::sync::AddressKind::Private,
        }
    }
}
