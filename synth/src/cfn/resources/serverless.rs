//! AWS SAM resources, rendered only for blueprints that ask for the SAM flavour.
//!
//! A template using them carries `Transform: AWS::Serverless-2016-10-31`; CloudFormation (and CI,
//! through aws-sam-translator) expands them into plain resources.

use std::collections::BTreeMap;

use serde::Serialize;

use super::lambda::{Environment, LoggingConfig, VpcConfig};
use crate::cfn::Expr;

/// Where SAM finds the code: an S3 object.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeUri {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Expr>,
}

/// SAM's dead-letter target: `Type` is `SQS` or `SNS`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadLetterQueue {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_arn: Option<Expr>,
}

/// An event source of a SAM function. Only the schedule source is used by the project.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "Type", content = "Properties")]
pub enum EventSource {
    Schedule(ScheduleEvent),
}

/// The properties of a `Schedule` event source: SAM turns it into an EventBridge rule and an invoke permission.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduleEvent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<Expr>,
}

/// `AWS::Serverless::Function`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Function {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub architectures: Vec<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_uri: Option<CodeUri>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_size: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<VpcConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_config: Option<LoggingConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_letter_queue: Option<DeadLetterQueue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_concurrent_executions: Option<Expr>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub events: BTreeMap<String, EventSource>,
    /// SAM takes tags as a map, unlike `AWS::Lambda::Function`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, Expr>,
}
