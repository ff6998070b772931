//! Blueprint input types shared by every system: the file's top level, output options, and parts
//! systems reuse (a VPC carved from a CIDR, a CPU architecture). Each system's own types live in
//! `systems/<name>/blueprint.rs`; together with these they are the only `Deserialize` types in `synth`.
//!
//! A blueprint is one deployable system, written in YAML under `blueprints/`.
//! Its JSON Schema is generated from these types (`out/schema/blueprint.schema.json`), and loading
//! validates the YAML against that schema before deserializing, so every problem is reported at once
//! with its location (see `load`).
//! Doc comments here become the schema's descriptions, which editors show on hover.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

pub use crate::systems::System;

/// One deployable system: a CloudFormation stack and the functions it runs.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Blueprint")]
pub struct Blueprint {
    /// Stack name: letters, digits and hyphens, starting with a letter. Environments append `-<env>`.
    pub name: String,
    /// Template description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags applied to every resource that supports them.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// How the template is rendered.
    #[serde(default)]
    pub output: OutputOptions,
    /// The system this blueprint deploys.
    pub system: System,
    /// Who hears about alarms: every alarm in the stack notifies one SNS topic when it goes to ALARM
    /// and when it returns to OK. Without this the stack creates an encrypted topic with no
    /// subscriptions (subscribe to its `AlarmTopicArn` output).
    #[serde(default)]
    pub notifications: Notifications,
    /// Per-environment overrides, selected with `--env NAME`: each is a partial blueprint
    /// (for example `system.private-lambda.network.cidr`) merged over this one.
    /// Mappings merge key by key; scalars and lists replace.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Map<String, serde_json::Value>>")]
    pub environments: BTreeMap<String, serde_json::Value>,
}

/// Where alarms notify: an existing SNS topic, or a topic the stack creates with e-mail subscriptions.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notifications {
    /// An existing SNS topic, such as `arn:aws:sns:eu-west-1:123456789012:ops-alarms`, instead of one
    /// the stack creates. If it is encrypted, its key policy must let `cloudwatch.amazonaws.com` use
    /// the key (`kms:Decrypt`, `kms:GenerateDataKey*`), or notifications are silently dropped.
    #[serde(default)]
    pub topic_arn: Option<String>,
    /// E-mail addresses subscribed to the topic the stack creates; each receives a confirmation
    /// message first.
    #[serde(default)]
    pub emails: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputOptions {
    /// Template syntax.
    #[serde(default)]
    pub format: Format,
    /// `cloudformation` (default) or `sam`: functions as `AWS::Serverless::Function` with their events,
    /// under the SAM transform.
    #[serde(default)]
    pub flavour: Flavour,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    #[default]
    Cloudformation,
    Sam,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Yaml,
    Json,
}

/// The VPC: public and private subnets carved by synth from one CIDR, one of each per zone.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// IPv4 CIDR of the VPC, from /16 to /28, for example `10.20.0.0/16`.
    pub cidr: String,
    /// Number of availability zones; the load balancer needs at least two.
    #[serde(default = "default_azs")]
    #[schemars(range(min = 1, max = 6))]
    pub availability_zones: u8,
    /// Prefix length of each subnet. The VPC is split into equal slots of this size: private subnets take
    /// the first half, public subnets the second, so adding a zone later never renumbers a subnet.
    #[serde(default = "default_subnet_prefix")]
    #[schemars(range(min = 16, max = 28))]
    pub subnet_prefix: u8,
    /// Explicit subnet CIDRs, one per zone, instead of carving them from `subnet_prefix`.
    #[serde(default)]
    pub subnets: Option<SubnetCidrs>,
    /// NAT gateways for outbound internet access from the private subnets.
    #[serde(default)]
    pub nat: NatMode,
    /// Interface endpoints (PrivateLink) in the private subnets, with private DNS.
    #[serde(default)]
    pub interface_endpoints: Vec<InterfaceEndpoint>,
    /// Gateway endpoints attached to the private route tables (free of charge).
    #[serde(default = "default_gateway_endpoints")]
    pub gateway_endpoints: Vec<GatewayEndpoint>,
}

fn default_azs() -> u8 {
    2
}

fn default_subnet_prefix() -> u8 {
    24
}

fn default_gateway_endpoints() -> Vec<GatewayEndpoint> {
    vec![GatewayEndpoint::S3, GatewayEndpoint::Dynamodb]
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubnetCidrs {
    /// One CIDR per availability zone, in zone order.
    pub private: Vec<String>,
    /// One CIDR per availability zone, in zone order.
    pub public: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NatMode {
    /// No NAT gateway: the private subnets reach AWS only through endpoints.
    None,
    /// One NAT gateway in the first zone (cheaper; egress fails if that zone does).
    #[default]
    Single,
    /// One NAT gateway per zone (zone-independent egress; one Elastic IP each, default quota is 5).
    PerAz,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InterfaceEndpoint {
    Logs,
    Monitoring,
    Sts,
    Ssm,
    Secretsmanager,
    Kms,
    Lambda,
    Sqs,
    Sns,
    Events,
    EcrApi,
    EcrDkr,
}

impl InterfaceEndpoint {
    /// The service name suffix after `com.amazonaws.<region>.`.
    pub fn service(self) -> &'static str {
        match self {
            InterfaceEndpoint::Logs => "logs",
            InterfaceEndpoint::Monitoring => "monitoring",
            InterfaceEndpoint::Sts => "sts",
            InterfaceEndpoint::Ssm => "ssm",
            InterfaceEndpoint::Secretsmanager => "secretsmanager",
            InterfaceEndpoint::Kms => "kms",
            InterfaceEndpoint::Lambda => "lambda",
            InterfaceEndpoint::Sqs => "sqs",
            InterfaceEndpoint::Sns => "sns",
            InterfaceEndpoint::Events => "events",
            InterfaceEndpoint::EcrApi => "ecr.api",
            InterfaceEndpoint::EcrDkr => "ecr.dkr",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GatewayEndpoint {
    S3,
    Dynamodb,
}

impl GatewayEndpoint {
    pub fn service(self) -> &'static str {
        match self {
            GatewayEndpoint::S3 => "s3",
            GatewayEndpoint::Dynamodb => "dynamodb",
        }
    }
}

pub(crate) fn default_log_retention() -> u32 {
    30
}

pub(crate) fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    #[default]
    Arm64,
    X86_64,
}

impl Architecture {
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::Arm64 => "arm64",
            Architecture::X86_64 => "x86_64",
        }
    }
}

/// The blueprint's JSON Schema, as written to `out/schema/blueprint.schema.json`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Blueprint)).unwrap_or_default()
}
