//! The check that every cargo invocation the project makes compiles each shared crate once.
//!
//! Cargo resolves features per invocation, from the packages it builds: `cargo xtask` builds xtask,
//! `deploy` builds runtime's binaries, `cargo test --workspace` and clippy add every package and their
//! dev-dependencies. When a crate ends up with different features in two of them, it is compiled
//! twice, and so is every crate above it: for the AWS SDK that is minutes per crate (aws-sdk-ec2 alone
//! is about seven on two cores). `workspace-hack/Cargo.toml` lists the union; this check proves the
//! union complete by asking `cargo tree` for each invocation's resolved features and comparing them.
//!
//! Profiles are not compared: a release or `lambda` build is a separate compilation by design.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, bail};

/// A cargo invocation the project makes, as the `cargo tree` arguments that resolve the same features.
#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    pub(crate) label: String,
    pub(crate) tree_args: Vec<String>,
}

/// The dev-profile invocations of the README's two commands: `cargo xtask ...` itself, deploy's
/// build of each system's functions (`deploy/build.rs`: only the blueprint's systems), and CI's tests
/// and clippy (which add dev-dependencies).
pub(crate) fn invocations() -> Vec<Invocation> {
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut out = vec![Invocation {
        label: "cargo xtask (xtask)".to_owned(),
        tree_args: args(&["--package", "xtask", "--edges", "normal,build"]),
    }];
    let mut systems: Vec<&str> = contract::ALL_FUNCTIONS.iter().map(|f| f.feature).collect();
    systems.sort_unstable();
    systems.dedup();
    for system in systems {
        out.push(Invocation {
            label: format!("deploy ({system} functions)"),
            tree_args: args(&[
                "--package",
                "runtime",
                "--edges",
                "normal,build",
                "--no-default-features",
                "--features",
                system,
            ]),
        });
    }
    out.push(Invocation {
        label: "deploy/build (every function)".to_owned(),
        tree_args: args(&["--package", "runtime", "--edges", "normal,build"]),
    });
    out.push(Invocation {
        label: "cargo test/clippy --workspace".to_owned(),
        tree_args: args(&["--workspace", "--edges", "normal,build,dev"]),
    });
    out
}

/// Resolved features: package id (`name vVERSION`) -> the feature sets it is built with (more than
/// one when it is both a host dependency and a normal one).
pub(crate) type Resolved = BTreeMap<String, BTreeSet<String>>;

/// A crate that two invocations would compile with different features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Divergence {
    pub(crate) package: String,
    /// Invocation label -> the feature sets it resolves.
    pub(crate) by_invocation: BTreeMap<String, BTreeSet<String>>,
}

impl Divergence {
    /// The features the invocations with fewer features lack: what workspace-hack must add.
    pub(crate) fn missing(&self) -> BTreeSet<String> {
        let all: BTreeSet<String> = self
            .by_invocation
            .values()
            .flatten()
            .flat_map(|set| set.split(',').filter(|f| !f.is_empty()).map(str::to_owned))
            .collect();
        let common: BTreeSet<String> = self
            .by_invocation
            .values()
            .flatten()
            .map(|set| set.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect::<BTreeSet<_>>())
            .reduce(|a, b| a.intersection(&b).cloned().collect())
            .unwrap_or_default();
        all.difference(&common).cloned().collect()
    }
}

/// Parses `cargo tree --prefix none --format "{p} [{f}]"` output.
pub(crate) fn parse_tree(text: &str) -> Resolved {
    let mut out = Resolved::new();
    for line in text.lines() {
        let line = line.trim_end_matches(" (*)").trim_end_matches(" (proc-macro)").trim();
        let Some((head, features)) = line.rsplit_once(" [") else { continue };
        let Some(features) = features.strip_suffix(']') else { continue };
        // `name vX.Y.Z`, or `name vX.Y.Z (/path)` for the workspace's own packages: those are compiled
        // per feature set by design (runtime once per system a deploy builds) and are cheap; only
        // dependencies must resolve alike.
        let head = head.replace(" (proc-macro)", "");
        if head.contains(" (") {
            continue;
        }
        let mut words = head.split_whitespace();
        let (Some(name), Some(version)) = (words.next(), words.next()) else { continue };
        let mut sorted: Vec<&str> = features.split(',').filter(|f| !f.is_empty()).collect();
        sorted.sort_unstable();
        out.entry(format!("{name} {version}")).or_default().insert(sorted.join(","));
    }
    out
}

/// Every package that the invocations in `resolved` would not compile identically.
pub(crate) fn divergences(resolved: &[(&str, Resolved)]) -> Vec<Divergence> {
    let packages: BTreeSet<&String> = resolved.iter().flat_map(|(_, r)| r.keys()).collect();
    let mut out = Vec::new();
    for package in packages {
        let by_invocation: BTreeMap<String, BTreeSet<String>> = resolved
            .iter()
            .filter_map(|(label, r)| r.get(package).map(|sets| ((*label).to_owned(), sets.clone())))
            .collect();
        let distinct: BTreeSet<&BTreeSet<String>> = by_invocation.values().collect();
        if distinct.len() > 1 {
            out.push(Divergence { package: package.clone(), by_invocation });
        }
    }
    out
}

/// Runs `cargo tree` for every invocation and fails, naming each crate and the features to add to
/// `workspace-hack/Cargo.toml`, when any crate would be compiled twice.
pub(crate) fn check(root: &Path, cargo: &str) -> anyhow::Result<()> {
    let invocations = invocations();
    let mut resolved = Vec::new();
    for inv in &invocations {
        let mut cmd = crate::cargo_command(cargo);
        cmd.args(["tree", "--locked", "--prefix", "none", "--format", "{p} [{f}]"])
            .args(&inv.tree_args)
            .current_dir(root);
        let out = cmd.output().with_context(|| format!("cannot run cargo tree for {}", inv.label))?;
        if !out.status.success() {
            bail!("cargo tree for {} failed: {}", inv.label, String::from_utf8_lossy(&out.stderr).trim());
        }
        let tree = parse_tree(&String::from_utf8_lossy(&out.stdout));
        if tree.is_empty() {
            bail!("cargo tree for {} listed no packages", inv.label);
        }
        resolved.push((inv.label.as_str(), tree));
    }
    let found = divergences(&resolved);
    if found.is_empty() {
        let count = resolved.iter().flat_map(|(_, r)| r.keys()).collect::<BTreeSet<_>>().len();
        eprintln!("    {count} packages resolve to one feature set in all {} invocations", invocations.len());
        return Ok(());
    }
    let mut msg = String::from(
        "these crates would be compiled more than once (once per feature set) by the project's cargo invocations:\n",
    );
    for d in &found {
        msg.push_str(&format!("  {}: add features [{}]\n", d.package, join(&d.missing())));
        for (label, sets) in &d.by_invocation {
            for set in sets {
                msg.push_str(&format!("      {label:<34} [{set}]\n"));
            }
        }
    }
    msg.push_str("add the missing features to the crate's entry in workspace-hack/Cargo.toml (a new entry if it has none)");
    bail!(msg)
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const XTASK: &str = "\
xtask v0.1.0 (/work/xtask) [default]
tokio v1.54.1 [bytes,default,process,rt]
syn v2.0.119 [full,parsing] (*)
serde_derive v1.0.229 (proc-macro) [default]
";
    const RUNTIME: &str = "\
runtime v0.1.0 (/elsewhere/runtime) [default]
tokio v1.54.1 [rt,bytes,default,rt-multi-thread]
syn v2.0.119 [parsing,full]
";

    #[test]
    fn parse_tree_keys_by_name_and_version_and_sorts_features() {
        let r = parse_tree(RUNTIME);
        assert_eq!(r["tokio v1.54.1"], BTreeSet::from(["bytes,default,rt,rt-multi-thread".to_owned()]));
        assert!(!r.contains_key("runtime v0.1.0"), "workspace packages are not compared");
        assert_eq!(parse_tree(XTASK)["serde_derive v1.0.229"], BTreeSet::from(["default".to_owned()]));
    }

    #[test]
    fn a_crate_with_different_features_in_two_invocations_is_reported_with_what_to_add() {
        let found = divergences(&[("xtask", parse_tree(XTASK)), ("runtime", parse_tree(RUNTIME))]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].package, "tokio v1.54.1");
        assert_eq!(found[0].missing(), BTreeSet::from(["process".to_owned(), "rt-multi-thread".to_owned()]));
    }

    #[test]
    fn crates_built_by_one_invocation_only_or_identically_are_not_reported() {
        let same = divergences(&[("a", parse_tree(XTASK)), ("b", parse_tree(XTASK))]);
        assert!(same.is_empty(), "{same:#?}");
    }

    #[test]
    fn a_host_and_target_split_must_match_across_invocations_too() {
        let host_split = "syn v2.0.119 [full]\nsyn v2.0.119 [full,visit]\n";
        let found = divergences(&[("a", parse_tree(host_split)), ("b", parse_tree("syn v2.0.119 [full]\n"))]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].missing(), BTreeSet::from(["visit".to_owned()]));
    }
}
