//! SQS queues (dead-letter queues).

use serde::Serialize;

use crate::cfn::{Expr, Tag};

/// Where messages go after too many receives.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RedrivePolicy {
    #[serde(rename = "deadLetterTargetArn", skip_serializing_if = "Option::is_none")]
    pub dead_letter_target_arn: Option<Expr>,
    #[serde(rename = "maxReceiveCount", skip_serializing_if = "Option::is_none")]
    pub max_receive_count: Option<Expr>,
}

/// `AWS::SQS::Queue`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Queue {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_retention_period: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility_timeout: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sqs_managed_sse_enabled: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_data_key_reuse_period_seconds: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receive_message_wait_time_seconds: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_seconds: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_message_size: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fifo_queue: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_based_deduplication: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redrive_policy: Option<RedrivePolicy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}
