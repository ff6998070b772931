//! Systems Manager parameters.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cfn::Expr;

/// `AWS::SSM::Parameter`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_type: Option<Expr>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, Expr>,
}
