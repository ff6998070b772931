//! S3 buckets and bucket policies.

use serde::Serialize;

use crate::cfn::{Expr, Tag};

/// Default encryption algorithm and key.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerSideEncryptionByDefault {
    #[serde(rename = "SSEAlgorithm", skip_serializing_if = "Option::is_none")]
    pub sse_algorithm: Option<Expr>,
    #[serde(rename = "KMSMasterKeyID", skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<Expr>,
}

/// One encryption rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerSideEncryptionRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_side_encryption_by_default: Option<ServerSideEncryptionByDefault>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_key_enabled: Option<Expr>,
}

/// Default encryption of new objects.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEncryption {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub server_side_encryption_configuration: Vec<ServerSideEncryptionRule>,
}

/// Blocks every form of public access when all four are true.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicAccessBlockConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_public_acls: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_public_policy: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_public_acls: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restrict_public_buckets: Option<Expr>,
}

/// Object versioning.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersioningConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Expr>,
}

/// Object ownership; `BucketOwnerEnforced` disables ACLs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_ownership: Option<Expr>,
}

/// Object ownership rules.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControls {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<OwnershipRule>,
}

/// Expiry of old object versions.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoncurrentVersionExpiration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noncurrent_days: Option<Expr>,
}

/// Cleanup of abandoned uploads.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbortIncompleteMultipartUpload {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_after_initiation: Option<Expr>,
}

/// One lifecycle rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_in_days: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noncurrent_version_expiration: Option<NoncurrentVersionExpiration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abort_incomplete_multipart_upload: Option<AbortIncompleteMultipartUpload>,
}

/// Object lifecycle rules.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleConfiguration {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<LifecycleRule>,
}

/// Server access logging.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_bucket_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_file_prefix: Option<Expr>,
}

/// `AWS::S3::Bucket`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bucket {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_name: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_encryption: Option<BucketEncryption>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_access_block_configuration: Option<PublicAccessBlockConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versioning_configuration: Option<VersioningConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ownership_controls: Option<OwnershipControls>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_configuration: Option<LifecycleConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_configuration: Option<LoggingConfiguration>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::S3::BucketPolicy`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<Expr>,
    pub policy_document: crate::cfn::resources::iam::PolicyDocument,
}
