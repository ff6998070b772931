//! DynamoDB tables.

use serde::Serialize;

use crate::cfn::{Expr, Tag};

/// A key attribute and its type (S, N or B).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDefinition {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_type: Option<Expr>,
}

/// A key element: HASH or RANGE.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeySchema {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_type: Option<Expr>,
}

/// Attributes copied into an index.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Projection {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projection_type: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub non_key_attributes: Vec<Expr>,
}

/// A global secondary index.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GlobalSecondaryIndex {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_name: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key_schema: Vec<KeySchema>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projection: Option<Projection>,
}

/// Server-side encryption settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SseSpecification {
    #[serde(rename = "SSEEnabled", skip_serializing_if = "Option::is_none")]
    pub sse_enabled: Option<Expr>,
    #[serde(rename = "SSEType", skip_serializing_if = "Option::is_none")]
    pub sse_type: Option<Expr>,
    #[serde(rename = "KMSMasterKeyId", skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<Expr>,
}

/// Continuous backups.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PointInTimeRecoverySpecification {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point_in_time_recovery_enabled: Option<Expr>,
}

/// Expiry of items by an epoch-seconds attribute.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeToLiveSpecification {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<Expr>,
}

/// A change stream; `StreamViewType` says what each record carries.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSpecification {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_view_type: Option<Expr>,
}

/// `AWS::DynamoDB::Table`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Table {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_name: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attribute_definitions: Vec<AttributeDefinition>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key_schema: Vec<KeySchema>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_mode: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub global_secondary_indexes: Vec<GlobalSecondaryIndex>,
    #[serde(rename = "SSESpecification", skip_serializing_if = "Option::is_none")]
    pub sse_specification: Option<SseSpecification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point_in_time_recovery_specification: Option<PointInTimeRecoverySpecification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_live_specification: Option<TimeToLiveSpecification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_specification: Option<StreamSpecification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_protection_enabled: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}
