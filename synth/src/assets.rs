//! The function code a template needs: which binary each function runs, for which architecture, and
//! which parameter carries the S3 key of its zip.
//!
//! Synth records this as resource metadata on every function, so it can be read back both from a
//! freshly synthesized template and from the template of a deployed stack (`cargo xtask invoke` and
//! `deploy --hotswap` work from what is deployed, not from the blueprint on disk).

//! The metadata's shape is `contract::assets::AssetMetadata`: synth writes it here and reads it back
//! here, for `cargo xtask`.

use contract::assets::AssetMetadata;
pub use contract::assets::METADATA_KEY;
use serde::Deserialize;
use serde_json::Value;
/// The stack parameter naming the S3 bucket that holds function code.
pub const ASSETS_BUCKET_PARAMETER: &str = crate::constructs::function::ASSETS_BUCKET;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionAsset {
    /// Logical ID of the `AWS::Lambda::Function` (or `AWS::Serverless::Function`).
    pub logical_id: String,
    /// The runtime binary (a `contract::FunctionSpec::binary`).
    pub binary: String,
    /// `arm64` or `x86_64`.
    pub architecture: String,
    /// The template parameter carrying the S3 key of the code zip.
    pub code_key_parameter: String,
}

/// The metadata synth records on a function: [`AssetMetadata`] as template data.
pub(crate) fn metadata(asset: &AssetMetadata) -> crate::cfn::Expr {
    crate::cfn::json::data(asset)
}

/// Every function of `template` (a CloudFormation template as JSON), sorted by logical ID.
/// Functions without asset metadata (not built by this project) are left out.
pub fn functions(template: &Value) -> Vec<FunctionAsset> {
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out: Vec<FunctionAsset> = resources
        .iter()
        .filter_map(|(logical_id, resource)| {
            let asset = resource.get("Metadata")?.get(METADATA_KEY)?;
            let AssetMetadata { architecture, binary, code_key_parameter } =
                AssetMetadata::deserialize(asset).ok()?;
            Some(FunctionAsset { logical_id: logical_id.clone(), binary, architecture, code_key_parameter })
        })
        .collect();
    out.sort_by(|a, b| a.logical_id.cmp(&b.logical_id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_asset_metadata_and_skips_foreign_functions() {
        let t = serde_json::json!({"Resources": {
            "SyncFunction": {"Type": "AWS::Lambda::Function", "Metadata": {METADATA_KEY: {
                "Binary": "alb-static-ip-sync", "Architecture": "arm64", "CodeKeyParameter": "SyncCodeKey"}}},
            "Other": {"Type": "AWS::Lambda::Function"},
        }});
        assert_eq!(
            functions(&t),
            vec![FunctionAsset {
                logical_id: "SyncFunction".into(),
                binary: "alb-static-ip-sync".into(),
                architecture: "arm64".into(),
                code_key_parameter: "SyncCodeKey".into(),
            }]
        );
    }
}
