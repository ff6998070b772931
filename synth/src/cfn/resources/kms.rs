//! KMS keys.

use serde::Serialize;

use crate::cfn::resources::iam::PolicyDocument;
use crate::cfn::{Expr, Tag};

/// `AWS::KMS::Key`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Key {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_key_rotation: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_policy: Option<PolicyDocument>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_window_in_days: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}
