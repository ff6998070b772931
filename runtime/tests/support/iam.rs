//! The contract test between a function and its template: the IAM policy synth generates for the
//! function's role must allow every call the function made (as [`super::Recorder`] recorded them).

use std::collections::BTreeSet;
use std::path::Path;

/// The IAM action of a recorded operation (IAM names a few differently).
pub(crate) fn iam_action(operation: &str) -> String {
    match operation {
        "s3:ListObjectsV2" => "s3:ListBucket".to_owned(),
        "lambda:Invoke" => "lambda:InvokeFunction".to_owned(),
        _ => operation.to_owned(),
    }
}

/// The IAM actions of recorded operations.
pub(crate) fn iam_actions(recorded: &[String]) -> BTreeSet<String> {
    recorded.iter().map(|op| iam_action(op)).collect()
}

/// The IAM actions the role `role` allows in the template synth generates from `blueprint` (a path
/// from the workspace root) for environment `env`.
pub(crate) fn allowed_actions(blueprint: &str, env: Option<&str>, role: &str) -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
    let source = std::fs::read_to_string(root.join(blueprint)).expect("the blueprint");
    let artifact = synth::synthesize(blueprint, &source, env).expect("synth").remove(0);
    role_actions(&artifact, role)
}

/// [`allowed_actions`] for the stack of a multi-region blueprint that deploys to `region`.
pub(crate) fn allowed_actions_in(
    blueprint: &str,
    env: Option<&str>,
    role: &str,
    region: &str,
) -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
    let source = std::fs::read_to_string(root.join(blueprint)).expect("the blueprint");
    let artifacts = synth::synthesize(blueprint, &source, env).expect("synth");
    let artifact = artifacts
        .iter()
        .find(|a| a.region.as_deref() == Some(region))
        .unwrap_or_else(|| panic!("{blueprint} has no stack in {region}"));
    role_actions(artifact, role)
}

fn role_actions(artifact: &synth::Artifact, role: &str) -> BTreeSet<String> {
    use synth::cfn::resources::iam::Effect;
    use synth::cfn::{LogicalId, ResourceProps};
    let resource = &artifact.template.resources[&LogicalId::new(role).expect("id")];
    let ResourceProps::Role(r) = &resource.props else { panic!("{role} is not a role") };
    r.policies
        .iter()
        .flat_map(|p| p.policy_document.statement.iter())
        .filter(|s| s.effect == Effect::Allow)
        .flat_map(|s| s.action.iter().cloned())
        .collect()
}

/// Asserts that calls were recorded and that `allowed` allows every one of them.
#[track_caller]
pub(crate) fn assert_allowed(recorded: &[String], allowed: &BTreeSet<String>) {
    assert!(!recorded.is_empty());
    let denied: BTreeSet<String> =
        iam_actions(recorded).into_iter().filter(|a| !allowed.contains(a)).collect();
    assert!(denied.is_empty(), "the synthesized policy does not allow {denied:?} (allowed: {allowed:?})");
}
