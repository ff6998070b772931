//! CloudWatch Logs log groups.

use serde::Serialize;

use crate::cfn::{Expr, Tag};

/// `AWS::Logs::LogGroup`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group_class: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}
