//! The function code a template needs, recorded by synth as resource metadata on every function and
//! read back by `cargo xtask` (build, publish, invoke, hotswap) through `synth::assets`.

use serde::{Deserialize, Serialize};

/// Resource metadata key holding a function's [`AssetMetadata`].
pub const METADATA_KEY: &str = "iac:asset";

/// Which binary a function runs, for which architecture, and which stack parameter carries the S3
/// key of its zip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssetMetadata {
    /// `arm64` or `x86_64`.
    pub architecture: String,
    /// The runtime binary (a [`FunctionSpec::binary`](crate::FunctionSpec::binary)).
    pub binary: String,
    /// The template parameter carrying the S3 key of the code zip.
    pub code_key_parameter: String,
}
