//! EventBridge rules.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cfn::Expr;

/// Where events that could not be delivered go.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadLetterConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<Expr>,
}

/// How long and how often delivery is retried.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RetryPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_event_age_in_seconds: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<Expr>,
}

/// Reshapes the event before delivery: JSON paths bound to names, then a template using `<name>`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InputTransformer {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub input_paths_map: BTreeMap<String, Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_template: Option<Expr>,
}

/// Where a rule sends matching events.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Target {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_path: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_transformer: Option<InputTransformer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_letter_config: Option<DeadLetterConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_policy: Option<RetryPolicy>,
}

/// `AWS::Events::Rule`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_bus_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_pattern: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
}
