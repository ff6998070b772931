//! IAM roles and policies, with typed policy documents.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cfn::{Expr, Tag};

/// An IAM policy document. The version is always `2012-10-17` (the only one with policy variables).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    pub version: &'static str,
    pub statement: Vec<Statement>,
}

impl Default for PolicyDocument {
    fn default() -> PolicyDocument {
        PolicyDocument::new(Vec::new())
    }
}

impl PolicyDocument {
    /// A document with these statements, in the current policy language version.
    pub fn new(statement: Vec<Statement>) -> PolicyDocument {
        PolicyDocument { version: "2012-10-17", statement }
    }

    /// A trust policy letting one AWS service assume the role.
    pub fn assume_role(service: &str) -> PolicyDocument {
        PolicyDocument::new(vec![Statement {
            principal: Some(Principal::Service(vec![service.to_owned()])),
            ..Statement::allow(vec!["sts:AssumeRole".to_owned()], Vec::new())
        }])
    }
}

/// Whether a statement grants or refuses; an explicit `Deny` wins over any `Allow`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Effect {
    #[default]
    Allow,
    Deny,
}

/// Who a trust or resource policy statement applies to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Principal {
    Service(Vec<String>),
    #[serde(rename = "AWS")]
    Aws(Vec<Expr>),
    /// A principal chosen by an intrinsic (`Fn::If` between an account and a service, say).
    #[serde(untagged)]
    Expr(Expr),
}

/// One policy statement. `Resource` is omitted when empty (trust policies have none).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: Effect,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    pub action: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<Expr>,
    /// Operator -> condition key -> value, e.g. `StringEquals` -> `aws:SourceAccount` -> account.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<String, BTreeMap<String, Expr>>,
}

impl Statement {
    /// Allows `action` on `resource`, with no principal (identity policies name none) and no condition.
    pub fn allow(action: Vec<String>, resource: Vec<Expr>) -> Statement {
        Statement { effect: Effect::Allow, action, resource, ..Statement::default() }
    }
}

/// An inline policy of a role.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RolePolicy {
    pub policy_name: Expr,
    pub policy_document: PolicyDocument,
}

/// `AWS::IAM::Role`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assume_role_policy_document: Option<PolicyDocument>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<RolePolicy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_session_duration: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::IAM::Policy`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<Expr>,
    pub policy_document: PolicyDocument,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Expr>,
}

/// `AWS::IAM::InstanceProfile`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_profile_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Expr>,
}
