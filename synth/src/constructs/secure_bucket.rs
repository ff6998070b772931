//! A private S3 bucket: encrypted (SSE-S3), versioned, public access blocked, bucket-owner-enforced
//! object ownership, and a bucket policy refusing any request not made over TLS.
//!
//! Statements other resources need in the bucket policy (log delivery, for example) are passed to
//! [`SecureBucket::add`]; grants add identity-policy statements to a function's role.

use std::collections::BTreeMap;

use crate::cfn::resources::iam::{Effect, PolicyDocument, Principal, Statement};
use crate::cfn::resources::s3;
use crate::cfn::{Expr, LogicalId, Template};

use super::function::Function;
use super::{BuildError, Ctx, id};

/// What [`SecureBucket::add`] created.
#[derive(Debug, Clone)]
pub struct SecureBucket {
    pub id: LogicalId,
    pub policy: LogicalId,
}

impl SecureBucket {
    /// Adds the bucket `<name>Bucket` and its policy `<name>BucketPolicy`: the TLS-only refusal
    /// first, then `statements`, each built from the bucket's ARN.
    pub fn add(
        t: &mut Template,
        ctx: &Ctx,
        name: &str,
        statements: impl FnOnce(&Expr) -> Vec<Statement>,
    ) -> Result<SecureBucket, BuildError> {
        let bucket = id(&[name, "Bucket"])?;
        t.add(
            &bucket,
            s3::Bucket {
                bucket_encryption: Some(s3::BucketEncryption {
                    server_side_encryption_configuration: vec![s3::ServerSideEncryptionRule {
                        server_side_encryption_by_default: Some(s3::ServerSideEncryptionByDefault {
                            sse_algorithm: Some("AES256".into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }],
                }),
                public_access_block_configuration: Some(s3::PublicAccessBlockConfiguration {
                    block_public_acls: Some(true.into()),
                    block_public_policy: Some(true.into()),
                    ignore_public_acls: Some(true.into()),
                    restrict_public_buckets: Some(true.into()),
                }),
                versioning_configuration: Some(s3::VersioningConfiguration {
                    status: Some("Enabled".into()),
                }),
                ownership_controls: Some(s3::OwnershipControls {
                    rules: vec![s3::OwnershipRule { object_ownership: Some("BucketOwnerEnforced".into()) }],
                }),
                tags: ctx.tags(),
                ..Default::default()
            },
        )?;
        let b = SecureBucket { id: bucket, policy: id(&[name, "BucketPolicy"])? };
        let mut deny = Statement {
            sid: Some("TlsOnly".into()),
            effect: Effect::Deny,
            principal: Some(Principal::Aws(vec![Expr::str("*")])),
            action: vec!["s3:*".into()],
            resource: vec![b.arn(), b.objects("*")],
            ..Statement::default()
        };
        deny.condition
            .insert("Bool".into(), BTreeMap::from([("aws:SecureTransport".to_owned(), Expr::str("false"))]));
        let mut all = vec![deny];
        all.extend(statements(&b.arn()));
        t.add(
            &b.policy,
            s3::BucketPolicy { bucket: Some(Expr::r#ref(&b.id)), policy_document: PolicyDocument::new(all) },
        )?;
        Ok(b)
    }

    pub fn arn(&self) -> Expr {
        Expr::get_att(&self.id, "Arn")
    }

    /// The ARN of the objects matching `key` (such as `*` or `logs/*`).
    pub fn objects(&self, key: &str) -> Expr {
        Expr::join("", [self.arn(), format!("/{key}").into()])
    }

    /// List the bucket and read every object.
    pub fn grant_read(&self, t: &mut Template, f: &Function) {
        f.grant(t, Statement::allow(vec!["s3:ListBucket".into()], vec![self.arn()]));
        f.grant(t, Statement::allow(vec!["s3:GetObject".into()], vec![self.objects("*")]));
    }
}

impl SecureBucket {
    /// Keeps the bucket (and what is in it) when the stack or the resource goes away.
    pub fn retain(&self, t: &mut Template) {
        if let Some(r) = t.resources.get_mut(&self.id) {
            r.retain();
        }
    }
}
