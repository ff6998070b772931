//! Secrets Manager secrets.

use serde::Serialize;

use crate::cfn::{Expr, Tag};

/// How Secrets Manager generates the secret value.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateSecretString {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_string_template: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_string_key: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_length: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_characters: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_punctuation: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_numbers: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_uppercase: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_lowercase: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_space: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_each_included_type: Option<Expr>,
}

/// `AWS::SecretsManager::Secret`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Secret {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_string: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_secret_string: Option<GenerateSecretString>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}
