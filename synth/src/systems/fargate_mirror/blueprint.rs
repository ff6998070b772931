//! The fargate-mirror blueprint: its part of the blueprint schema (doc comments become descriptions).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::blueprint::{Architecture, default_log_retention};

/// Mirrors the traffic of ECS Fargate tasks to a VPC Traffic Mirror target.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FargateMirror {
    /// The ECS clusters whose tasks are mirrored, by ARN
    /// (`arn:aws:ecs:<region>:<account>:cluster/<name>`).
    #[schemars(length(min = 1, max = 20))]
    pub clusters: Vec<String>,
    /// Which tasks are mirrored: every task when absent or empty, otherwise a task that matches any
    /// of the listed services, task-definition families or tags.
    #[serde(default)]
    pub select: Select,
    /// Where mirrored traffic goes: exactly one of an existing Network Load Balancer, Gateway Load
    /// Balancer endpoint or network interface. The stack creates the `TrafficMirrorTarget`.
    pub target: Target,
    /// What is mirrored. The stack creates the `TrafficMirrorFilter` and its rules; by default all
    /// traffic in both directions except Amazon DNS.
    #[serde(default)]
    pub filter: Filter,
    /// Options of the sessions the function creates.
    #[serde(default)]
    pub session: Session,
    /// What happens to a task AWS cannot mirror (`NetworkInterfaceNotSupported`: its capacity is
    /// not Nitro-based).
    #[serde(default)]
    pub not_mirrorable: NotMirrorable,
    /// How often every running task is checked: tasks without a session (including tasks older than
    /// the stack) are mirrored, and sessions of stopped tasks are removed.
    #[serde(default = "default_reconcile_schedule")]
    pub reconcile_schedule: String,
    /// CPU architecture of the function.
    #[serde(default)]
    pub architecture: Architecture,
    /// Days to keep the function's logs.
    #[serde(default = "default_log_retention")]
    pub log_retention_days: u32,
}

fn default_reconcile_schedule() -> String {
    "rate(15 minutes)".to_owned()
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Select {
    /// Service names, such as `web`.
    #[serde(default)]
    pub services: Vec<String>,
    /// Task-definition families, such as `api`.
    #[serde(default)]
    pub families: Vec<String>,
    /// Task tags that must all match (key: value).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// Exactly one of the three.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// An existing Network Load Balancer (its ARN): no source quota, suits large services.
    #[serde(default)]
    pub network_load_balancer_arn: Option<String>,
    /// An existing Gateway Load Balancer endpoint, such as `vpce-0123456789abcdef0`.
    #[serde(default)]
    pub gateway_load_balancer_endpoint_id: Option<String>,
    /// An existing network interface, such as `eni-0123456789abcdef0` (accepts 10 sources, or 100
    /// on some instance types).
    #[serde(default)]
    pub network_interface_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// The filter's rules; evaluated per direction from the lowest rule number.
    #[serde(default = "default_rules")]
    pub rules: Vec<FilterRule>,
    /// Network services to mirror as well (`amazon-dns`); none by default.
    #[serde(default)]
    pub network_services: Vec<NetworkService>,
}

impl Default for Filter {
    fn default() -> Filter {
        Filter { rules: default_rules(), network_services: Vec::new() }
    }
}

/// Accept everything, in both directions.
fn default_rules() -> Vec<FilterRule> {
    [Direction::Ingress, Direction::Egress]
        .into_iter()
        .map(|direction| FilterRule {
            number: 100,
            direction,
            action: RuleAction::Accept,
            protocol: Protocol::All,
            source_cidr: "0.0.0.0/0".to_owned(),
            destination_cidr: "0.0.0.0/0".to_owned(),
            source_ports: None,
            destination_ports: None,
            description: None,
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkService {
    AmazonDns,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterRule {
    /// Rule number, 1 to 32766, unique per direction; lower numbers are evaluated first.
    pub number: u32,
    pub direction: Direction,
    pub action: RuleAction,
    /// `all` (default), `tcp`, `udp` or `icmp`.
    #[serde(default)]
    pub protocol: Protocol,
    /// Source CIDR block.
    #[serde(default = "any_cidr")]
    pub source_cidr: String,
    /// Destination CIDR block.
    #[serde(default = "any_cidr")]
    pub destination_cidr: String,
    /// Source ports (tcp and udp only).
    #[serde(default)]
    pub source_ports: Option<PortRange>,
    /// Destination ports (tcp and udp only).
    #[serde(default)]
    pub destination_ports: Option<PortRange>,
    #[serde(default)]
    pub description: Option<String>,
}

fn any_cidr() -> String {
    "0.0.0.0/0".to_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RuleAction {
    Accept,
    Reject,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    #[default]
    All,
    Tcp,
    Udp,
    Icmp,
}

impl Protocol {
    /// The IANA protocol number CloudFormation takes; `None` for all protocols.
    pub fn number(self) -> Option<u8> {
        match self {
            Protocol::All => None,
            Protocol::Icmp => Some(1),
            Protocol::Tcp => Some(6),
            Protocol::Udp => Some(17),
        }
    }
}

/// An inclusive port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// Preferred session number, 1 to 32766 (lower numbers are evaluated first on an interface);
    /// when another session holds it on an interface, the lowest free number is used.
    #[serde(default = "default_session_number")]
    pub number: u32,
    /// Bytes of each packet to mirror (1 to 8500); whole packets when absent.
    #[serde(default)]
    pub packet_length: Option<u32>,
    /// VXLAN network identifier (0 to 16777215); AWS assigns one when absent.
    #[serde(default)]
    pub virtual_network_id: Option<u32>,
}

impl Default for Session {
    fn default() -> Session {
        Session { number: default_session_number(), packet_length: None, virtual_network_id: None }
    }
}

fn default_session_number() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotMirrorable {
    /// `stop-task` (default): stop the task so its service replaces it, hoping for mirrorable
    /// capacity, within the budget. `report`: a metric and an alarm only.
    #[serde(default)]
    pub action: NotMirrorableAction,
    /// Stops allowed per service (or task group) per clock hour; over budget, the task is left
    /// running and an alarm fires.
    #[serde(default = "default_stops")]
    pub stops_per_service_per_hour: u32,
}

impl Default for NotMirrorable {
    fn default() -> NotMirrorable {
        NotMirrorable { action: NotMirrorableAction::default(), stops_per_service_per_hour: default_stops() }
    }
}

fn default_stops() -> u32 {
    3
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NotMirrorableAction {
    #[default]
    StopTask,
    Report,
}
