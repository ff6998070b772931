//! `cargo xtask lint`: cfn-lint, checkov and cloudformation-validate over CloudFormation templates,
//! minus the reasoned suppressions in `tools/validators/suppressions.toml`.
//!
//! - SAM templates (`Transform: AWS::Serverless-2016-10-31`, or named `*.sam.yaml`/`*.sam.json`) are
//!   first translated offline with aws-sam-translator (`tools/validators/sam_translate.py`); cfn-lint
//!   checks both the SAM template and its translation (cfn-lint 1.x no longer translates SAM itself).
//! - cfn-lint (one invocation over every file) must report nothing: errors and warnings alike, since
//!   a warning is cheap to fix at synth.
//! - checkov (one invocation, `--framework cloudformation`) must report no failed check, and must
//!   parse every template.
//! - cloudformation-validate (AWS's Rust engine, `tools/validators/cfn_validate.py`) must report no
//!   warning or error.
//!
//! The three run in parallel. `deploy` validates through [`run_cached`]: a template that passed once
//! (same bytes, same tools, same suppressions) is not validated again.
//!
//! A finding matched by a suppression is accepted; a suppression that matched nothing in the run is
//! reported as stale. Every other finding fails the run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::Value;

use crate::python::Venv;

/// The suppressions file, relative to the workspace root.
pub(crate) const SUPPRESSIONS: &str = "tools/validators/suppressions.toml";
const SAM_TRANSLATE: &str = "tools/validators/sam_translate.py";
const CFN_VALIDATE: &str = "tools/validators/cfn_validate.py";
const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuppressionFile {
    #[serde(default)]
    suppress: Vec<Suppression>,
}

/// One `[[suppress]]` entry of the suppressions file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Suppression {
    tool: Tool,
    check: String,
    /// Logical ids (`*` matches any run of characters); absent: every resource and the template itself.
    resources: Option<Vec<String>>,
    /// Directories under `out/` (`*` allowed); absent: every template.
    blueprints: Option<Vec<String>>,
    reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum Tool {
    #[serde(rename = "cfn-lint")]
    CfnLint,
    #[serde(rename = "checkov")]
    Checkov,
    #[serde(rename = "cloudformation-validate")]
    CfnValidate,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::CfnLint => "cfn-lint",
            Tool::Checkov => "checkov",
            Tool::CfnValidate => "cloudformation-validate",
        }
    }

    fn index(self) -> usize {
        match self {
            Tool::CfnLint => 0,
            Tool::Checkov => 1,
            Tool::CfnValidate => 2,
        }
    }
}

/// One finding of a validator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    tool: Tool,
    /// The check or rule id, such as `CKV_AWS_117` or `W3010`.
    check: String,
    /// The template as shown to the user (relative to the workspace root when inside it).
    file: String,
    /// The template's directory name: `out/<blueprint>/template.yaml`.
    blueprint: String,
    /// The logical id of the resource, when the finding is about one.
    resource: Option<String>,
    /// Where in the template, when it is not a resource (such as `Outputs/Url`).
    location: Option<String>,
    line: Option<u64>,
    /// The check name (checkov) or the message (cfn-lint).
    message: String,
    /// cfn-lint's level (`Error`, `Warning`, `Informational`); empty for checkov.
    level: String,
}

impl Finding {
    fn describe(&self) -> String {
        let what = match (&self.resource, &self.location) {
            (Some(r), _) => r.clone(),
            (None, Some(l)) => l.clone(),
            (None, None) => "the template".to_owned(),
        };
        let line = self.line.map(|l| format!(" (line {l})")).unwrap_or_default();
        format!("{}: {} {} on {what}{line}", self.file, self.check, self.message)
    }
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
            && self.resources.as_ref().is_none_or(|patterns| {
                f.resource.as_ref().is_some_and(|r| patterns.iter().any(|p| glob(p, r)))
            })
            && self.blueprints.as_ref().is_none_or(|patterns| patterns.iter().any(|p| glob(p, &f.blueprint)))
    }

    fn describe(&self) -> String {
        let mut s = format!("{} {}", self.tool.name(), self.check);
        if let Some(r) = &self.resources {
            s.push_str(&format!(" resources={r:?}"));
        }
        if let Some(b) = &self.blueprints {
            s.push_str(&format!(" blueprints={b:?}"));
        }
        s
    }
}

/// Parses and checks the suppressions file: known keys only, a non-empty reason and check for each
/// entry, and no empty lists (leave a key out to mean "everywhere").
pub(crate) fn load_suppressions(text: &str) -> anyhow::Result<Vec<Suppression>> {
    let file: SuppressionFile = toml::from_str(text).with_context(|| format!("invalid {SUPPRESSIONS}"))?;
    for (i, s) in file.suppress.iter().enumerate() {
        let entry = format!("{SUPPRESSIONS}: entry {} ({} {:?})", i + 1, s.tool.name(), s.check);
        if s.check.trim().is_empty() {
            bail!("{entry}: `check` is empty");
        }
        if s.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            bail!("{entry}: `reason` is missing or empty: every suppression must say why it is acceptable");
        }
        for (key, list) in [("resources", &s.resources), ("blueprints", &s.blueprints)] {
            if let Some(list) = list
                && (list.is_empty() || list.iter().any(|p| p.trim().is_empty()))
            {
                bail!("{entry}: `{key}` must list non-empty names (leave the key out to mean everywhere)");
            }
        }
    }
    Ok(file.suppress)
}

/// Every template under `<root>/out/`: `out/<blueprint>/template.{yaml,json}` and `*.sam.{yaml,json}`,
/// relative to `root`, sorted.
pub(crate) fn templates(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let out = root.join("out");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&out).context("cannot read out/: run `cargo xtask synth` first")? {
        let dir = entry?.path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir)? {
            let path = file?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let is_template =
                ["template.yaml", "template.json"].contains(&name.as_str()) || is_sam_name(&name);
            if is_template && path.is_file() {
                found.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
            }
        }
    }
    found.sort();
    Ok(found)
}

fn is_sam_name(name: &str) -> bool {
    name.ends_with(".sam.yaml") || name.ends_with(".sam.yml") || name.ends_with(".sam.json")
}

/// A template being validated: where it is, how it is shown, and the blueprint it belongs to.
#[derive(Debug, Clone)]
struct Template {
    path: PathBuf,
    shown: String,
    blueprint: String,
}

impl Template {
    fn new(root: &Path, path: &Path) -> Template {
        let path = root.join(path);
        let shown = path.strip_prefix(root).unwrap_or(&path).display().to_string();
        let blueprint = path
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Template { path, shown, blueprint }
    }
}

/// A temporary directory, removed when dropped.
#[derive(Debug)]
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `cargo xtask lint`: every template under `out/` ([`templates`]).
pub(crate) fn run(venv: &Venv, root: &Path) -> anyhow::Result<()> {
    let templates = templates(root)?;
    if templates.is_empty() {
        bail!("no templates in out/: run `cargo xtask synth` first");
    }
    run_on(venv, root, &templates)
}

/// Validates the given templates (relative to `root`, or absolute) in one cfn-lint and one checkov
/// run, prints a summary line per tool, and fails on any finding no suppression accepts.
pub(crate) fn run_on(venv: &Venv, root: &Path, templates: &[PathBuf]) -> anyhow::Result<()> {
    let suppressions_path = root.join(SUPPRESSIONS);
    let suppressions = load_suppressions(
        &std::fs::read_to_string(&suppressions_path)
            .with_context(|| format!("cannot read {}", suppressions_path.display()))?,
    )?;
    let mut sources: Vec<Template> = Vec::new();
    for t in templates {
        let t = Template::new(root, t);
        if !t.path.is_file() {
            bail!("{}: no such template", t.shown);
        }
        if !sources.iter().any(|s| s.path == t.path) {
            sources.push(t);
        }
    }
    if sources.is_empty() {
        bail!("no templates to validate");
    }

    // checkov and cloudformation-validate need no translation: they run in parallel with the SAM
    // translation and cfn-lint.
    let (checkov_result, lint_result, validate_result) = std::thread::scope(|scope| {
        let checkov = scope.spawn(|| {
            let started = Instant::now();
            checkov(venv, root, &sources).map(|r| (r, started.elapsed()))
        });
        let validate = scope.spawn(|| {
            let started = Instant::now();
            cfn_validate(venv, root, &sources).map(|r| (r, started.elapsed()))
        });
        let lint = (|| {
            let mut failures: Vec<String> = Vec::new();
            let (translations, tmp) = translate_sam(venv, root, &sources, &mut failures)?;
            let started = Instant::now();
            let mut linted = sources.clone();
            linted.extend(translations.iter().cloned());
            let findings = cfn_lint(venv, root, &linted)?;
            drop(tmp);
            anyhow::Ok((findings, failures, linted.len(), translations.len(), started.elapsed()))
        })();
        let checkov = checkov.join().unwrap_or_else(|_| Err(anyhow::anyhow!("the checkov thread panicked")));
        let validate = validate
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the cloudformation-validate thread panicked")));
        (checkov, lint, validate)
    });
    let (lint_findings, mut failures, linted, translated, lint_time) = lint_result?;
    let ((scan, parse_errors), checkov_time) = checkov_result?;
    let (validated, validate_time) = validate_result?;
    failures.extend(parse_errors);
    let mut findings = lint_findings;
    findings.extend(scan);
    findings.extend(validated);
    let summaries = [
        (Tool::CfnLint, linted, lint_time),
        (Tool::Checkov, sources.len(), checkov_time),
        (Tool::CfnValidate, sources.len(), validate_time),
    ];

    let mut used = vec![0_usize; suppressions.len()];
    let mut remaining: Vec<&Finding> = Vec::new();
    let mut suppressed_by_tool = [0_usize; 3];
    for f in &findings {
        match suppressions.iter().position(|s| s.matches(f)) {
            Some(i) => {
                used[i] += 1;
                suppressed_by_tool[f.tool.index()] += 1;
            }
            None => remaining.push(f),
        }
    }
    for (tool, files, took) in summaries {
        let of_tool: Vec<&Finding> = findings.iter().filter(|f| f.tool == tool).collect();
        let files = if tool == Tool::CfnLint && translated > 0 {
            format!("{files} templates ({translated} SAM translations)")
        } else {
            format!("{files} templates")
        };
        let detail = match tool {
            Tool::CfnLint => {
                let level = |l: &str| of_tool.iter().filter(|f| f.level == l).count();
                format!("{} errors, {} warnings", level("Error"), level("Warning"))
                    + &match of_tool.len() - level("Error") - level("Warning") {
                        0 => String::new(),
                        n => format!(", {n} other"),
                    }
            }
            Tool::Checkov => format!("{} failed checks", of_tool.len()),
            Tool::CfnValidate => {
                let errors = of_tool.iter().filter(|f| f.level == "ERROR" || f.level == "FATAL").count();
                format!("{errors} errors, {} warnings", of_tool.len() - errors)
            }
        };
        let kept = suppressed_by_tool[tool.index()];
        eprintln!(
            "{}: {files}: {detail}; {kept} suppressed, {} remaining ({:.1}s)",
            tool.name(),
            of_tool.len() - kept,
            took.as_secs_f64()
        );
    }
    // A suppression can only be called stale when every template was checked.
    let complete = templates.len() >= self::templates(root).map(|all| all.len()).unwrap_or(usize::MAX);
    for (s, n) in suppressions.iter().zip(&used) {
        if *n == 0 && complete {
            eprintln!(
                "warning: stale suppression in {SUPPRESSIONS}: {} matched nothing; remove it",
                s.describe()
            );
        }
    }
    failures.extend(remaining.iter().map(|f| f.describe()));
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("  {f}");
        }
        bail!(
            "{} validator finding(s) above: fix the template in synth, or add a suppression with a reason \
             to {SUPPRESSIONS}",
            failures.len()
        );
    }
    Ok(())
}

/// Translates every SAM template into a temporary directory; returns the translations (shown as
/// `<source> (SAM translation)`, same blueprint) and the directory guard. Translation errors become
/// failures (they are never suppressible).
fn translate_sam(
    venv: &Venv,
    root: &Path,
    sources: &[Template],
    failures: &mut Vec<String>,
) -> anyhow::Result<(Vec<Template>, TempDir)> {
    let tmp = TempDir(std::env::temp_dir().join(format!("xtask-sam-{}", std::process::id())));
    let mut translations = Vec::new();
    let started = Instant::now();
    let mut count = 0;
    for (i, t) in sources.iter().enumerate() {
        let text = std::fs::read_to_string(&t.path).with_context(|| format!("cannot read {}", t.shown))?;
        let name = t.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !(is_sam_name(&name) || text.contains(SAM_TRANSFORM)) {
            continue;
        }
        count += 1;
        let dir = tmp.0.join(format!("{i}-{}", t.blueprint));
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let target = dir.join("template.json");
        let output = Command::new(venv.python())
            .arg(root.join(SAM_TRANSLATE))
            .arg(&t.path)
            .arg(&target)
            .current_dir(root)
            .output()
            .with_context(|| format!("cannot run {SAM_TRANSLATE}"))?;
        if output.status.success() {
            translations.push(Template {
                path: target,
                shown: format!("{} (SAM translation)", t.shown),
                blueprint: t.blueprint.clone(),
            });
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            if lines.is_empty() {
                failures.push(format!("{}: SAM translation failed ({})", t.shown, output.status));
            }
            // The script prefixes its messages with the path it was given (absolute); show ours.
            let source = t.path.display().to_string();
            failures.extend(lines.iter().map(|l| l.replace(&source, &t.shown)));
        }
    }
    if count > 0 {
        eprintln!(
            "sam-translate: {count} SAM templates, {} translated ({:.1}s)",
            translations.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok((translations, tmp))
}

fn cfn_lint(venv: &Venv, root: &Path, templates: &[Template]) -> anyhow::Result<Vec<Finding>> {
    let output = Command::new(venv.bin("cfn-lint"))
        .args(["--format", "json", "--"])
        .args(templates.iter().map(|t| &t.path))
        .current_dir(root)
        .output()
        .context("cannot run cfn-lint from .venv")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let parsed: Value = serde_json::from_str(stdout.trim()).with_context(|| {
        format!(
            "cannot parse cfn-lint's output ({}):\n{}\n{}",
            output.status,
            tail(&stdout, 20),
            tail(&String::from_utf8_lossy(&output.stderr), 20)
        )
    })?;
    let findings = parse_cfn_lint(&parsed, templates)?;
    if findings.is_empty() && !output.status.success() {
        bail!(
            "cfn-lint failed ({}) without findings:\n{}",
            output.status,
            tail(&String::from_utf8_lossy(&output.stderr), 20)
        );
    }
    Ok(findings)
}

/// cfn-lint's `--format json`: a list of matches, each with `Rule.Id`, `Level`, `Message`,
/// `Filename` (as given on the command line, or null for configuration errors), `Location.Path`
/// (such as `["Resources", "Vpc", "Properties"]`), `Location.Start.LineNumber`, `Id` and `ParentId`.
/// A schema failure under `anyOf`/`oneOf` comes as one parent and dozens of children (one per
/// alternative); children whose parent is reported are folded into it.
fn parse_cfn_lint(parsed: &Value, templates: &[Template]) -> anyhow::Result<Vec<Finding>> {
    let matches = parsed.as_array().context("cfn-lint's JSON output is not a list")?;
    let ids: Vec<&str> = matches.iter().filter_map(|m| m["Id"].as_str()).collect();
    fn parent<'a>(m: &'a Value, ids: &[&str]) -> Option<&'a str> {
        m["ParentId"].as_str().filter(|p| ids.contains(p))
    }
    let parent_of = |m: &Value| parent(m, &ids).map(str::to_owned);
    Ok(matches
        .iter()
        .filter(|m| parent_of(m).is_none())
        .map(|m| {
            let children = m["Id"]
                .as_str()
                .map_or(0, |id| matches.iter().filter(|c| parent_of(c).as_deref() == Some(id)).count());
            let filename = m["Filename"].as_str().unwrap_or("");
            let template = templates.iter().find(|t| t.path.as_os_str() == filename);
            let path: Vec<String> = m["Location"]["Path"]
                .as_array()
                .map(|a| a.iter().map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned)).collect())
                .unwrap_or_default();
            let (resource, location) = match path.as_slice() {
                [section, id, ..] if section == "Resources" => (Some(id.clone()), None),
                [] => (None, None),
                p => (None, Some(p.iter().take(2).cloned().collect::<Vec<_>>().join("/"))),
            };
            let mut message = m["Message"].as_str().unwrap_or("").to_owned();
            if children > 0 {
                message.push_str(&format!(" [{children} more details: run cfn-lint on the file]"));
            }
            Finding {
                tool: Tool::CfnLint,
                check: m["Rule"]["Id"].as_str().unwrap_or("?").to_owned(),
                file: template.map_or_else(
                    || if filename.is_empty() { "cfn-lint".to_owned() } else { filename.to_owned() },
                    |t| t.shown.clone(),
                ),
                blueprint: template.map(|t| t.blueprint.clone()).unwrap_or_default(),
                resource,
                location,
                line: m["Location"]["Start"]["LineNumber"].as_u64(),
                message,
                level: m["Level"].as_str().unwrap_or("").to_owned(),
            }
        })
        .collect())
}

/// Runs checkov over the templates; returns its failed checks and, separately, failures for
/// templates it could not parse (which it would otherwise skip silently).
fn checkov(venv: &Venv, root: &Path, templates: &[Template]) -> anyhow::Result<(Vec<Finding>, Vec<String>)> {
    let output = Command::new(venv.bin("checkov"))
        .arg("-f")
        .args(templates.iter().map(|t| &t.path))
        .args(["--framework", "cloudformation", "--quiet", "--compact", "--skip-download", "-o", "json"])
        .current_dir(root)
        // No mapping download from the vendor's API (the network is not needed and may be absent).
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .context("cannot run checkov from .venv")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let parsed: Value = serde_json::from_str(stdout.trim()).with_context(|| {
        format!(
            "cannot parse checkov's output ({}):\n{}\n{}",
            output.status,
            tail(&stdout, 20),
            tail(&stderr, 20)
        )
    })?;
    let (findings, parsing_errors) = parse_checkov(&parsed, templates);
    let mut failures = Vec::new();
    if parsing_errors > 0 {
        failures.push(format!("checkov could not parse {parsing_errors} template(s); it reported:"));
        failures.extend(stderr.lines().filter(|l| l.contains("[ERROR]")).map(|l| format!("  {}", l.trim())));
    }
    if findings.is_empty() && parsing_errors == 0 && !output.status.success() {
        bail!("checkov failed ({}) without findings:\n{}", output.status, tail(&stderr, 20));
    }
    Ok((findings, failures))
}

/// checkov's `-o json`: one report object per framework, or a list of them when several ran; a report
/// has `results.failed_checks` (each with `check_id`, `check_name`, `resource` such as
/// `AWS::S3::Bucket.Logs`, `file_abs_path`, `file_line_range`) and `summary.parsing_errors`. With
/// nothing to scan it is a bare summary object without `results`.
fn parse_checkov(parsed: &Value, templates: &[Template]) -> (Vec<Finding>, u64) {
    let reports: Vec<&Value> = match parsed {
        Value::Array(reports) => reports.iter().collect(),
        report => vec![report],
    };
    let mut findings = Vec::new();
    let mut parsing_errors = 0;
    for report in reports {
        let summary = if report["summary"].is_object() { &report["summary"] } else { report };
        parsing_errors += summary["parsing_errors"].as_u64().unwrap_or(0);
        for f in report["results"]["failed_checks"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let abs = f["file_abs_path"].as_str().unwrap_or("");
            let rel = f["file_path"].as_str().unwrap_or("");
            let template = templates.iter().find(|t| t.path.as_os_str() == abs).or_else(|| {
                templates.iter().find(|t| !rel.is_empty() && t.path.ends_with(rel.trim_start_matches('/')))
            });
            let resource = f["resource"].as_str().unwrap_or("");
            findings.push(Finding {
                tool: Tool::Checkov,
                check: f["check_id"].as_str().unwrap_or("?").to_owned(),
                file: template.map_or_else(|| abs.to_owned(), |t| t.shown.clone()),
                blueprint: template.map(|t| t.blueprint.clone()).unwrap_or_default(),
                resource: Some(resource.rsplit('.').next().unwrap_or(resource).to_owned())
                    .filter(|r| !r.is_empty()),
                location: None,
                line: f["file_line_range"][0].as_u64(),
                message: f["check_name"].as_str().unwrap_or("").to_owned(),
                level: String::new(),
            });
        }
    }
    (findings, parsing_errors)
}

/// Runs cloudformation-validate over the templates (`tools/validators/cfn_validate.py`).
fn cfn_validate(venv: &Venv, root: &Path, templates: &[Template]) -> anyhow::Result<Vec<Finding>> {
    let output = Command::new(venv.python())
        .arg(root.join(CFN_VALIDATE))
        .args(templates.iter().map(|t| &t.path))
        .current_dir(root)
        .output()
        .context("cannot run cloudformation-validate from .venv")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "cloudformation-validate failed ({}):\n{}",
            output.status,
            tail(&String::from_utf8_lossy(&output.stderr), 20)
        );
    }
    let parsed: Value = serde_json::from_str(stdout.trim())
        .with_context(|| format!("cannot parse cloudformation-validate's output:\n{}", tail(&stdout, 20)))?;
    parse_cfn_validate(&parsed, templates)
}

/// `cfn_validate.py`'s output: `{"version", "diagnostics": [{"file", "rule", "severity",
/// "logical_id", "path", "line", "message"}]}`, WARN and above only.
fn parse_cfn_validate(parsed: &Value, templates: &[Template]) -> anyhow::Result<Vec<Finding>> {
    let diagnostics = parsed["diagnostics"]
        .as_array()
        .context("cloudformation-validate's output has no diagnostics list")?;
    Ok(diagnostics
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap_or("");
            let template = templates.iter().find(|t| t.path.as_os_str() == file);
            Finding {
                tool: Tool::CfnValidate,
                check: d["rule"].as_str().unwrap_or("?").to_owned(),
                file: template.map_or_else(|| file.to_owned(), |t| t.shown.clone()),
                blueprint: template.map(|t| t.blueprint.clone()).unwrap_or_default(),
                resource: d["logical_id"].as_str().map(str::to_owned),
                location: d["path"].as_str().map(str::to_owned),
                line: d["line"].as_u64(),
                message: d["message"].as_str().unwrap_or("").to_owned(),
                level: d["severity"].as_str().unwrap_or("").to_owned(),
            }
        })
        .collect())
}

/// Validates one template unless the same bytes already passed with the same tools and
/// suppressions (a stamp under `target/xtask/validated/`); `revalidate` runs the validators anyway.
/// Returns whether the validators ran.
pub(crate) fn run_cached(
    venv: &Venv,
    root: &Path,
    template: &Path,
    revalidate: bool,
) -> anyhow::Result<bool> {
    let key = cache_key(root, template)?;
    let stamp = root.join("target/xtask/validated").join(&key);
    if !revalidate && stamp.is_file() {
        eprintln!(
            "validate: {} passed cfn-lint, checkov and cloudformation-validate before, unchanged since \
             (--revalidate runs them again)",
            crate::synth::display_path(root, template)
        );
        return Ok(false);
    }
    run_on(venv, root, std::slice::from_ref(&template.to_path_buf()))?;
    if let Some(dir) = stamp.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&stamp, format!("{}\n", crate::synth::display_path(root, template)))
        .with_context(|| format!("cannot write {}", stamp.display()))?;
    Ok(true)
}

/// What a validation result depends on: the template's bytes, the suppressions, the pinned tools and
/// the scripts that run them, and this program's reading of their output.
fn cache_key(root: &Path, template: &Path) -> anyhow::Result<String> {
    let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
    let inputs = [root.join(template)].into_iter().chain(
        [SUPPRESSIONS, crate::python::REQUIREMENTS, SAM_TRANSLATE, CFN_VALIDATE].map(|s| root.join(s)),
    );
    for file in inputs {
        let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        hash.update(&(bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    hash.update(include_bytes!("validators.rs"));
    Ok(crate::deploy::build::hex(hash.finish().as_ref())[..32].to_owned())
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(tool: Tool, check: &str, blueprint: &str, resource: Option<&str>) -> Finding {
        Finding {
            tool,
            check: check.into(),
            file: format!("out/{blueprint}/template.yaml"),
            blueprint: blueprint.into(),
            resource: resource.map(str::to_owned),
            location: None,
            line: None,
            message: String::new(),
            level: String::new(),
        }
    }

    fn one(text: &str) -> Suppression {
        let mut all = load_suppressions(text).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(all.len(), 1);
        all.remove(0)
    }

    #[test]
    fn suppressions_match_by_tool_check_resource_and_blueprint() {
        let s = one(r#"
            [[suppress]]
            tool = "checkov"
            check = "CKV_AWS_117"
            resources = ["*TargetFunction", "Caller"]
            blueprints = ["private-*"]
            reason = "r"
            "#);
        let hit = |check, blueprint, resource| s.matches(&finding(Tool::Checkov, check, blueprint, resource));
        assert!(hit("CKV_AWS_117", "private-lambda", Some("HelloTargetFunction")));
        assert!(hit("CKV_AWS_117", "private-lambda-prod", Some("Caller")));
        assert!(!hit("CKV_AWS_117", "private-lambda", Some("CallerFunction")));
        assert!(!hit("CKV_AWS_117", "private-lambda", None));
        assert!(!hit("CKV_AWS_117", "static-ip", Some("HelloTargetFunction")));
        assert!(!hit("CKV_AWS_116", "private-lambda", Some("HelloTargetFunction")));
        assert!(!s.matches(&finding(
            Tool::CfnLint,
            "CKV_AWS_117",
            "private-lambda",
            Some("HelloTargetFunction")
        )));
    }

    #[test]
    fn absent_resources_and_blueprints_mean_everywhere() {
        let s = one("[[suppress]]\ntool = \"cfn-lint\"\ncheck = \"W3005\"\nreason = \"r\"\n");
        assert!(s.matches(&finding(Tool::CfnLint, "W3005", "a", Some("X"))));
        assert!(s.matches(&finding(Tool::CfnLint, "W3005", "b", None)));
        assert!(!s.matches(&finding(Tool::Checkov, "W3005", "a", Some("X"))));
    }

    #[test]
    fn an_entry_needs_a_reason_known_keys_and_a_known_tool() {
        let base = "[[suppress]]\ntool = \"checkov\"\ncheck = \"X\"\n";
        assert!(load_suppressions(base).is_err(), "missing reason");
        assert!(load_suppressions(&format!("{base}reason = \"  \"\n")).is_err(), "blank reason");
        assert!(load_suppressions(&format!("{base}reason = \"r\"\nresource = [\"A\"]\n")).is_err(), "typo");
        assert!(load_suppressions(&format!("{base}reason = \"r\"\nstacks = [\"a\"]\n")).is_err(), "old key");
        assert!(load_suppressions(&format!("{base}reason = \"r\"\nresources = []\n")).is_err(), "empty list");
        assert!(
            load_suppressions("[[suppress]]\ntool = \"tflint\"\ncheck = \"X\"\nreason = \"r\"\n").is_err()
        );
        assert!(
            load_suppressions("[[suppress]]\ntool = \"checkov\"\ncheck = \"\"\nreason = \"r\"\n").is_err()
        );
        assert!(load_suppressions("[suppress]\ntool = \"checkov\"\n").is_err(), "a table, not an array");
        assert!(load_suppressions("other = 1\n").is_err(), "unknown top-level key");
        assert!(load_suppressions("# only comments\n").is_ok_and(|s| s.is_empty()));
    }

    #[test]
    fn the_project_suppression_file_is_valid() {
        let text = include_str!("../../tools/validators/suppressions.toml");
        if let Err(e) = load_suppressions(text) {
            panic!("{e:#}");
        }
    }

    #[test]
    fn glob_matches_runs_of_characters() {
        assert!(glob("*Function", "CallerFunction"));
        assert!(glob("a*c*e", "abcde"));
        assert!(glob("*", ""));
        assert!(!glob("a*c", "abd"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
    }

    fn template(path: &str) -> Template {
        Template::new(Path::new("/repo"), Path::new(path))
    }

    #[test]
    fn cfn_lint_json_is_read_per_resource_and_location() {
        let templates = [template("out/bad/template.yaml")];
        let json = serde_json::json!([
            {"Filename": "/repo/out/bad/template.yaml", "Level": "Error", "Message": "CidrBlok was unexpected",
             "Location": {"Path": ["Resources", "Vpc", "Properties", "CidrBlok"], "Start": {"LineNumber": 6}},
             "Rule": {"Id": "E3002"}},
            {"Filename": "/repo/out/bad/template.yaml", "Level": "Error", "Message": "'Nothing' is not one of",
             "Location": {"Path": ["Outputs", "Missing", "Value", "Ref"], "Start": {"LineNumber": 24}},
             "Rule": {"Id": "E6101"}},
            {"Filename": null, "Level": "Error", "Message": "x could not be processed",
             "Location": {"Path": null, "Start": {"LineNumber": 1}}, "Rule": {"Id": "E0003"}},
            {"Id": "p", "ParentId": null, "Filename": "/repo/out/bad/template.yaml", "Level": "Error",
             "Message": "not valid under any of the given schemas",
             "Location": {"Path": ["Resources", "Fn", "Properties"], "Start": {"LineNumber": 11}},
             "Rule": {"Id": "E3017"}},
            {"Id": "c1", "ParentId": "p", "Filename": "/repo/out/bad/template.yaml", "Level": "Error",
             "Message": "'Scheduel' is not one of ['S3']",
             "Location": {"Path": ["Resources", "Fn", "Properties"], "Start": {"LineNumber": 12}},
             "Rule": {"Id": "E3030"}},
            {"Id": "c2", "ParentId": "p", "Filename": "/repo/out/bad/template.yaml", "Level": "Error",
             "Message": "'Scheduel' is not one of ['SNS']",
             "Location": {"Path": ["Resources", "Fn", "Properties"], "Start": {"LineNumber": 12}},
             "Rule": {"Id": "E3030"}},
            {"Id": "o", "ParentId": "elsewhere", "Filename": "/repo/out/bad/template.yaml", "Level": "Warning",
             "Message": "orphan", "Location": {"Path": ["Resources", "Fn"], "Start": {"LineNumber": 9}},
             "Rule": {"Id": "W1001"}}
        ]);
        let found = parse_cfn_lint(&json, &templates).unwrap_or_default();
        let shown: Vec<String> = found.iter().map(Finding::describe).collect();
        assert_eq!(
            shown,
            [
                "out/bad/template.yaml: E3002 CidrBlok was unexpected on Vpc (line 6)",
                "out/bad/template.yaml: E6101 'Nothing' is not one of on Outputs/Missing (line 24)",
                "cfn-lint: E0003 x could not be processed on the template (line 1)",
                "out/bad/template.yaml: E3017 not valid under any of the given schemas \
                 [2 more details: run cfn-lint on the file] on Fn (line 11)",
                "out/bad/template.yaml: W1001 orphan on Fn (line 9)",
            ]
        );
        assert_eq!(found[0].blueprint, "bad");
        assert!(parse_cfn_lint(&serde_json::json!({}), &templates).is_err());
    }

    #[test]
    fn checkov_json_is_read_as_one_report_a_list_or_a_bare_summary() {
        let templates = [template("out/bad/template.yaml")];
        let report = serde_json::json!({
            "check_type": "cloudformation",
            "results": {"failed_checks": [{
                "check_id": "CKV_AWS_24", "check_name": "Ensure no security groups allow ingress from 0.0.0.0:0 to port 22",
                "resource": "AWS::EC2::SecurityGroup.Sg", "file_path": "/repo/out/bad/template.yaml",
                "file_abs_path": "/repo/out/bad/template.yaml", "file_line_range": [13, 19]}]},
            "summary": {"passed": 1, "failed": 1, "parsing_errors": 0}
        });
        let (one, errors) = parse_checkov(&report, &templates);
        assert_eq!(errors, 0);
        assert_eq!(
            one.iter().map(Finding::describe).collect::<Vec<_>>(),
            [
                "out/bad/template.yaml: CKV_AWS_24 Ensure no security groups allow ingress from 0.0.0.0:0 to port 22 on Sg (line 13)"
            ]
        );
        assert_eq!(one[0].blueprint, "bad");
        let (listed, _) = parse_checkov(
            &serde_json::json!([report, {"check_type": "secrets", "results": {"failed_checks": []}}]),
            &templates,
        );
        assert_eq!(listed, one);
        let (none, errors) =
            parse_checkov(&serde_json::json!({"passed": 0, "failed": 0, "parsing_errors": 1}), &templates);
        assert!(none.is_empty());
        assert_eq!(errors, 1);
    }

    #[test]
    fn cloudformation_validate_json_is_read_per_resource() {
        let templates = [template("out/bad/template.yaml")];
        let report = serde_json::json!({"version": "1.14.0", "diagnostics": [{
            "file": "/repo/out/bad/template.yaml", "rule": "W9002", "severity": "WARN",
            "logical_id": "Permission", "path": "Properties.SourceArn", "line": 12,
            "message": "Property 'SourceArn' has a hardcoded ARN"}]});
        let found = parse_cfn_validate(&report, &templates).expect("parses");
        assert_eq!(
            found.iter().map(Finding::describe).collect::<Vec<_>>(),
            ["out/bad/template.yaml: W9002 Property 'SourceArn' has a hardcoded ARN on Permission (line 12)"]
        );
        assert_eq!(found[0].blueprint, "bad");
        assert!(parse_cfn_validate(&serde_json::json!({"version": "1"}), &templates).is_err());
    }

    #[test]
    fn the_validation_cache_key_follows_the_template_bytes() {
        let root = std::env::temp_dir().join(format!("xtask-validate-key-{}", std::process::id()));
        for file in [SUPPRESSIONS, crate::python::REQUIREMENTS, SAM_TRANSLATE, CFN_VALIDATE] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, file).expect("write");
        }
        let template = Path::new("out/a/template.yaml");
        std::fs::create_dir_all(root.join("out/a")).expect("mkdir");
        std::fs::write(root.join(template), "Resources: {}\n").expect("write");
        let first = cache_key(&root, template).expect("key");
        assert_eq!(cache_key(&root, template).expect("key"), first, "stable for the same bytes");
        std::fs::write(root.join(template), "Resources: {A: {}}\n").expect("write");
        let changed = cache_key(&root, template).expect("key");
        assert_ne!(changed, first, "a changed template is validated again");
        std::fs::write(root.join(SUPPRESSIONS), "# another reason\n").expect("write");
        assert_ne!(cache_key(&root, template).expect("key"), changed, "so is one with new suppressions");
        let _ = std::fs::remove_dir_all(&root);
    }
}
