//! SNS topics.

use serde::Serialize;

use crate::cfn::{Expr, Tag};

/// A subscription declared on its topic.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subscription {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Expr>,
}

/// `AWS::SNS::Topic`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Topic {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subscription: Vec<Subscription>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}
