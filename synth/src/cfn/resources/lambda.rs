//! Lambda functions and their invoke permissions.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cfn::{Expr, Tag};

/// Where the function code is.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Code {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_bucket: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_key: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_object_version: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_file: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_uri: Option<Expr>,
}

/// Environment variables, as the function contract defines them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, Expr>,
}

/// Subnets and security groups of a VPC-attached function.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subnet_ids: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_allowed_for_dual_stack: Option<Expr>,
}

/// Log format and destination.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_log_level: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_log_level: Option<Expr>,
}

/// Where failed asynchronous invocations go.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadLetterConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_arn: Option<Expr>,
}

/// X-Ray tracing mode.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TracingConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<Expr>,
}

/// Size of `/tmp` in MB (512 to 10240).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EphemeralStorage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<Expr>,
}

/// `AWS::Lambda::Function`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Function {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub architectures: Vec<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
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
    pub dead_letter_config: Option<DeadLetterConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_concurrent_executions: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracing_config: Option<TracingConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage: Option<EphemeralStorage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::Lambda::Permission`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Permission {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_account: Option<Expr>,
    #[serde(rename = "PrincipalOrgID", skip_serializing_if = "Option::is_none")]
    pub principal_org_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_source_token: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_url_auth_type: Option<Expr>,
}

/// Where a stream event source mapping sends the records of a batch that failed every retry.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OnFailure {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<Expr>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DestinationConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<OnFailure>,
}

/// `AWS::Lambda::EventSourceMapping`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventSourceMapping {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_source_arn: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_position: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_batching_window_in_seconds: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bisect_batch_on_function_error: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_record_age_in_seconds: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_config: Option<DestinationConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}
