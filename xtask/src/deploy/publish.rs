//! `cargo xtask publish`: function zips (and templates over the inline limit) uploaded to the asset
//! bucket under content-hash keys; keys already present are skipped.
//!
//! The asset bucket, `iac-assets-<account>-<region>`, is created on first use with the settings the
//! templates' own buckets get: public access blocked, default encryption, bucket-owner-enforced
//! ownership, and a policy refusing requests without TLS. Each stack's objects live under
//! `<stack>/`, which is what `destroy` empties.

use std::path::Path;

use anyhow::Context;
use aws_sdk_s3::primitives::ByteStream;

use super::build::{Package, human};
use super::session::{Session, sdk};

pub(crate) fn bucket_name(session: &Session) -> String {
    format!("iac-assets-{}-{}", session.account, session.region)
}

/// The prefix every object a stack owns lives under.
pub(crate) fn stack_prefix(stack: &str) -> String {
    format!("{stack}/")
}

/// Creates the asset bucket if it does not exist, and returns its name.
pub(crate) async fn ensure_bucket(session: &Session) -> anyhow::Result<String> {
    let bucket = bucket_name(session);
    let s3 = &session.s3;
    match s3.head_bucket().bucket(&bucket).send().await {
        Ok(_) => return Ok(bucket),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => {}
        Err(e) => {
            return Err(sdk(e)).with_context(|| format!("cannot check asset bucket {bucket}"));
        }
    }
    eprintln!("publish: creating asset bucket {bucket} (private, encrypted, TLS only)");
    let mut create = s3.create_bucket().bucket(&bucket);
    if session.region != "us-east-1" {
        use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(session.region.as_str()))
                .build(),
        );
    }
    match create.send().await {
        Ok(_) => {}
        // Another deploy created it a moment ago.
        Err(e) if e.as_service_error().is_some_and(|e| e.is_bucket_already_owned_by_you()) => {
            return Ok(bucket);
        }
        Err(e) => return Err(sdk(e)).with_context(|| format!("cannot create asset bucket {bucket}")),
    }
    secure(session, &bucket).await.with_context(|| format!("cannot secure asset bucket {bucket}"))?;
    Ok(bucket)
}

async fn secure(session: &Session, bucket: &str) -> anyhow::Result<()> {
    use aws_sdk_s3::types::{
        ObjectOwnership, OwnershipControls, OwnershipControlsRule, PublicAccessBlockConfiguration,
        ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
        ServerSideEncryptionRule,
    };
    let s3 = &session.s3;
    s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .block_public_policy(true)
                .ignore_public_acls(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(sdk)?;
    let by_default =
        ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::Aes256).build()?;
    s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(by_default)
                        .build(),
                )
                .build()?,
        )
        .send()
        .await
        .map_err(sdk)?;
    s3.put_bucket_ownership_controls()
        .bucket(bucket)
        .ownership_controls(
            OwnershipControls::builder()
                .rules(
                    OwnershipControlsRule::builder()
                        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                        .build()?,
                )
                .build()?,
        )
        .send()
        .await
        .map_err(sdk)?;
    // The same policy on the local target: the emulator evaluates it as AWS does for the SDK's TLS
    // requests (tools/emulator/moto_plugins/s3_policies.py).
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    });
    s3.put_bucket_policy().bucket(bucket).policy(policy.to_string()).send().await.map_err(sdk)?;
    Ok(())
}

/// Uploads `bytes` to `key` unless an object is already there (keys name their content).
/// Returns whether it uploaded.
pub(crate) async fn put_if_absent(
    session: &Session,
    bucket: &str,
    key: &str,
    body: ByteStream,
) -> anyhow::Result<bool> {
    match session.s3.head_object().bucket(bucket).key(key).send().await {
        Ok(_) => return Ok(false),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => {}
        Err(e) => return Err(sdk(e)).with_context(|| format!("cannot check s3://{bucket}/{key}")),
    }
    session
        .s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(body)
        .send()
        .await
        .map_err(sdk)
        .with_context(|| format!("cannot upload s3://{bucket}/{key}"))?;
    Ok(true)
}

/// Uploads each package under the stack's prefix; returns the key of each, in order.
pub(crate) async fn packages(
    session: &Session,
    bucket: &str,
    stack: &str,
    packages: &[Package],
) -> anyhow::Result<Vec<String>> {
    let mut keys = Vec::new();
    for p in packages {
        let key = p.key(&stack_prefix(stack));
        let body = ByteStream::from_path(&p.zip)
            .await
            .with_context(|| format!("cannot read {}", p.zip.display()))?;
        let uploaded = put_if_absent(session, bucket, &key, body).await?;
        eprintln!(
            "publish: s3://{bucket}/{key} {}",
            if uploaded {
                format!("uploaded ({})", human(p.zip_bytes))
            } else {
                "already present, skipped".to_owned()
            }
        );
        keys.push(key);
    }
    Ok(keys)
}

/// Uploads a template too large to pass inline; returns the URL CloudFormation reads it from.
pub(crate) async fn template(
    session: &Session,
    bucket: &str,
    stack: &str,
    body: &str,
    extension: &str,
) -> anyhow::Result<String> {
    let hash = super::build::sha256_hex(body.as_bytes());
    let key = format!("{}templates/{}.{extension}", stack_prefix(stack), &hash[..32]);
    let uploaded = put_if_absent(session, bucket, &key, ByteStream::from(body.as_bytes().to_vec())).await?;
    eprintln!(
        "publish: template is {} bytes, over the 51,200-byte inline limit: s3://{bucket}/{key} {}",
        body.len(),
        if uploaded { "uploaded" } else { "already present" }
    );
    Ok(format!("https://s3.{}.amazonaws.com/{bucket}/{key}", session.region))
}

/// What `artifact`'s functions are built as on `target`: (binary, flavour), sorted, once each.
pub(crate) fn wanted(
    artifact: &synth::Artifact,
    target: super::Target,
) -> anyhow::Result<Vec<(String, super::build::Flavour)>> {
    let template = serde_json::to_value(&artifact.template)?;
    let mut wanted = Vec::new();
    for f in synth::assets::functions(&template) {
        wanted.push((f.binary.clone(), super::build::Flavour::for_target(target, &f.architecture)?));
    }
    wanted.sort();
    wanted.dedup();
    Ok(wanted)
}

/// `cargo xtask publish`: build the functions of one blueprint environment once, and upload them for
/// each stack to the asset bucket of the stack's region (Lambda reads code only from a bucket in the
/// function's own region).
pub(crate) async fn run(
    root: &Path,
    cargo: &str,
    session: &Session,
    artifacts: &[synth::Artifact],
) -> anyhow::Result<()> {
    let mut all = Vec::new();
    for artifact in artifacts {
        all.extend(wanted(artifact, session.target)?);
    }
    all.sort();
    all.dedup();
    if all.is_empty() {
        eprintln!("publish: no functions to publish");
        return Ok(());
    }
    let built = super::build::build(root, cargo, &all)?;
    for (i, artifact) in artifacts.iter().enumerate() {
        if let Some(heading) = super::stacks::heading("publish", artifact, i, artifacts.len()) {
            eprintln!("{heading}");
        }
        upload(&session.in_region(artifact.region.as_deref()), artifact, &built).await?;
    }
    Ok(())
}

/// Uploads the built packages of `artifact`'s functions (keys already present are skipped) and
/// returns each function with its object key.
pub(crate) async fn upload(
    session: &Session,
    artifact: &synth::Artifact,
    built: &[Package],
) -> anyhow::Result<Vec<(synth::assets::FunctionAsset, String)>> {
    let template = serde_json::to_value(&artifact.template)?;
    let functions = synth::assets::functions(&template);
    if functions.is_empty() {
        return Ok(Vec::new());
    }
    let bucket = ensure_bucket(session).await?;
    let keys = packages(session, &bucket, &artifact.stack, built).await?;
    let mut out = Vec::new();
    for f in functions {
        let flavour = super::build::Flavour::for_target(session.target, &f.architecture)?;
        let i = built
            .iter()
            .position(|p| p.binary == f.binary && p.flavour == flavour)
            .context("a function was not built")?;
        out.push((f, keys[i].clone()));
    }
    Ok(out)
}
