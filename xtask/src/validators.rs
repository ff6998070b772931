//! `cargo xtask lint`: cfn-lint and checkov over every template in `out/`, minus the reasoned
//! suppressions in `tools/validators/suppressions.toml`.
//!
//! cfn-lint must report nothing (errors and warnings alike: a warning is cheap to fix at synth), and
//! checkov nothing that is not suppressed. Entries that match nothing are reported as stale.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::Value;

use crate::python::Venv;

pub(crate) const SUPPRESSIONS: &str = "tools/validators/suppressions.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    suppress: Vec<Suppression>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Suppression {
    tool: Tool,
    check: String,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    stacks: Vec<String>,
    reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum Tool {
    #[serde(rename = "checkov")]
    Checkov,
    #[serde(rename = "cfn-lint")]
    CfnLint,
}

/// One finding of a validator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    tool: Tool,
    check: String,
    /// The directory under `out/`.
    stack: String,
    resource: String,
    message: String,
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => text
            .strip_prefix(head)
            .is_some_and(|rest| (0..=rest.len()).any(|i| rest.is_char_boundary(i) && glob(tail, &rest[i..]))),
    }
}

impl Suppression {
    fn matches(&self, f: &Finding) -> bool {
        self.tool == f.tool
            && self.check == f.check
            && (self.resources.is_empty() || self.resources.iter().any(|p| glob(p, &f.resource)))
            && (self.stacks.is_empty() || self.stacks.iter().any(|p| glob(p, &f.stack)))
    }
}

pub(crate) fn load_suppressions(text: &str) -> anyhow::Result<Vec<Suppression>> {
    let file: File = toml::from_str(text).with_context(|| format!("invalid {SUPPRESSIONS}"))?;
    for (i, s) in file.suppress.iter().enumerate() {
        if s.reason.trim().is_empty() {
            bail!(
                "{SUPPRESSIONS}: entry {} ({}) has no reason: every suppression must say why",
                i + 1,
                s.check
            );
        }
    }
    Ok(file.suppress)
}

/// The stack a template belongs to: the name of its directory (`out/<stack>/template.yaml`).
fn stack_of(path: &str) -> String {
    Path::new(path)
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// Translates every SAM template with aws-sam-translator into `<tmp>/iac-sam/<stack>/template.json`,
/// so cfn-lint also checks what CloudFormation would deploy.
fn translate_sam(venv: &Venv, root: &Path, templates: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for t in templates {
        let text = std::fs::read_to_string(root.join(t))?;
        if !text.contains(synth::cfn::SAM_TRANSFORM) {
            continue;
        }
        let stack = stack_of(&t.to_string_lossy());
        let dir = std::env::temp_dir().join("iac-sam").join(&stack);
        std::fs::create_dir_all(&dir)?;
        let target = dir.join("template.json");
        let result = Command::new(venv.python())
            .arg(root.join("tools/validators/sam_translate.py"))
            .arg(root.join(t))
            .arg(&target)
            .current_dir(root)
            .output()
            .context("cannot run tools/validators/sam_translate.py")?;
        if !result.status.success() {
            bail!("SAM translation of {} failed:\n{}", t.display(), String::from_utf8_lossy(&result.stderr));
        }
        out.push(target);
    }
    Ok(out)
}

fn cfn_lint(venv: &Venv, root: &Path, templates: &[PathBuf]) -> anyhow::Result<Vec<Finding>> {
    let out = Command::new(venv.bin("cfn-lint"))
        .args(["--format", "json", "--"])
        .args(templates)
        .current_dir(root)
        .output()
        .context("cannot run cfn-lint from .venv")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let findings: Vec<Value> = serde_json::from_str(text.trim()).with_context(|| {
        format!("cannot parse cfn-lint output: {text}\n{}", String::from_utf8_lossy(&out.stderr))
    })?;
    Ok(findings
        .iter()
        .map(|f| {
            let path: Vec<&str> = f["Location"]["Path"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            Finding {
                tool: Tool::CfnLint,
                check: f["Rule"]["Id"].as_str().unwrap_or("?").to_owned(),
                stack: stack_of(f["Filename"].as_str().unwrap_or("")),
                resource: if path.first() == Some(&"Resources") {
                    path.get(1).copied().unwrap_or("").to_owned()
                } else {
                    String::new()
                },
                message: f["Message"].as_str().unwrap_or("").to_owned(),
            }
        })
        .collect())
}

fn checkov(venv: &Venv, root: &Path) -> anyhow::Result<Vec<Finding>> {
    let out = Command::new(venv.bin("checkov"))
        .args(["-d", "out", "--framework", "cloudformation", "--quiet", "--skip-download", "-o", "json"])
        .current_dir(root)
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .context("cannot run checkov from .venv")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let parsed: Value = serde_json::from_str(text.trim()).with_context(|| {
        format!("cannot parse checkov output: {text}\n{}", String::from_utf8_lossy(&out.stderr))
    })?;
    let reports = match parsed {
        Value::Array(a) => a,
        other => vec![other],
    };
    let mut findings = Vec::new();
    for r in &reports {
        for f in r["results"]["failed_checks"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let resource = f["resource"].as_str().unwrap_or("");
            findings.push(Finding {
                tool: Tool::Checkov,
                check: f["check_id"].as_str().unwrap_or("?").to_owned(),
                stack: stack_of(f["file_path"].as_str().unwrap_or("")),
                resource: resource.rsplit('.').next().unwrap_or(resource).to_owned(),
                message: f["check_name"].as_str().unwrap_or("").to_owned(),
            });
        }
    }
    Ok(findings)
}

/// Every template under `out/`.
pub(crate) fn templates(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(root.join("out")).context("cannot read out/: run `cargo xtask synth` first")? {
        let dir = e?.path();
        for ext in ["yaml", "json"] {
            let t = dir.join(format!("template.{ext}"));
            if t.is_file() {
                found.push(t.strip_prefix(root).unwrap_or(&t).to_path_buf());
            }
        }
    }
    found.sort();
    Ok(found)
}

pub(crate) fn run(venv: &Venv, root: &Path) -> anyhow::Result<()> {
    let suppressions = load_suppressions(&std::fs::read_to_string(root.join(SUPPRESSIONS))?)?;
    let templates = templates(root)?;
    if templates.is_empty() {
        bail!("no templates in out/: run `cargo xtask synth` first");
    }
    let translated = translate_sam(venv, root, &templates)?;
    let mut linted = templates.clone();
    linted.extend(translated.iter().cloned());
    let mut used = vec![false; suppressions.len()];
    let mut failures = Vec::new();
    for (tool, name) in [(Tool::CfnLint, "cfn-lint"), (Tool::Checkov, "checkov")] {
        let started = Instant::now();
        let findings = match tool {
            Tool::CfnLint => cfn_lint(venv, root, &linted)?,
            Tool::Checkov => checkov(venv, root)?,
        };
        let mut suppressed = 0;
        for f in &findings {
            match suppressions.iter().position(|s| s.matches(f)) {
                Some(i) => {
                    used[i] = true;
                    suppressed += 1;
                }
                None => failures.push(format!(
                    "out/{}: {} {} on {}",
                    f.stack,
                    f.check,
                    f.message,
                    if f.resource.is_empty() { "the template" } else { &f.resource }
                )),
            }
        }
        let scanned = match tool {
            Tool::CfnLint => format!("{} templates ({} translated from SAM)", linted.len(), translated.len()),
            Tool::Checkov => format!("{} templates", templates.len()),
        };
        eprintln!(
            "{name}: {scanned}, {} findings, {suppressed} suppressed with a reason, {:.1}s",
            findings.len(),
            started.elapsed().as_secs_f64()
        );
    }
    for (s, used) in suppressions.iter().zip(&used) {
        if !used {
            eprintln!(
                "warning: stale suppression in {SUPPRESSIONS}: {:?} {} matched nothing; remove it",
                s.tool, s.check
            );
        }
    }
    if !failures.is_empty() {
        bail!(
            "{} validator findings:\n  {}\nfix the template in synth, or add a suppression with a reason to {SUPPRESSIONS}",
            failures.len(),
            failures.join("\n  ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(check: &str, stack: &str, resource: &str) -> Finding {
        Finding {
            tool: Tool::Checkov,
            check: check.into(),
            stack: stack.into(),
            resource: resource.into(),
            message: String::new(),
        }
    }

    #[test]
    fn suppressions_match_by_tool_check_resource_and_stack() {
        let s = load_suppressions(
            "[[suppress]]\ntool = \"checkov\"\ncheck = \"CKV_AWS_117\"\nresources = [\"*TargetFunction\"]\nstacks = [\"private-*\"]\nreason = \"r\"\n",
        )
        .unwrap_or_default();
        assert!(s[0].matches(&finding("CKV_AWS_117", "private-lambda", "HelloTargetFunction")));
        assert!(!s[0].matches(&finding("CKV_AWS_117", "private-lambda", "CallerFunction")));
        assert!(!s[0].matches(&finding("CKV_AWS_117", "static-ip", "HelloTargetFunction")));
        assert!(!s[0].matches(&finding("CKV_AWS_116", "private-lambda", "HelloTargetFunction")));
    }

    #[test]
    fn a_suppression_needs_a_reason_and_known_keys() {
        let no_reason =
            load_suppressions("[[suppress]]\ntool = \"checkov\"\ncheck = \"X\"\nreason = \" \"\n");
        assert!(no_reason.is_err());
        let unknown = load_suppressions(
            "[[suppress]]\ntool = \"checkov\"\ncheck = \"X\"\nreason = \"r\"\nresource = [\"A\"]\n",
        );
        assert!(unknown.is_err());
    }

    #[test]
    fn the_project_suppression_file_is_valid() {
        let text = include_str!("../../tools/validators/suppressions.toml");
        assert!(load_suppressions(text).is_ok_and(|s| !s.is_empty()));
    }

    #[test]
    fn glob_matches_runs_of_characters() {
        assert!(glob("*Function", "CallerFunction"));
        assert!(glob("a*c*e", "abcde"));
        assert!(!glob("a*c", "abd"));
        assert!(glob("exact", "exact"));
    }
}
