//! `cargo xtask synth [--check] [--env NAME] [BLUEPRINT...]`: renders blueprints into `out/`.
//!
//! Every blueprint is synthesized for its default and for each environment it defines, then the whole
//! output set is compared with `out/`. Nothing is written unless every blueprint succeeded, and a full
//! run removes files no blueprint produces any more, so `out/` always equals what synth would make.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The first line of every blueprint: editors with the YAML language server then complete and check
/// the file against the generated schema.
pub(crate) const SCHEMA_COMMENT: &str = "# yaml-language-server: $schema=../out/schema/blueprint.schema.json";

/// The generated files, keyed by path relative to `out/`.
pub(crate) type Outputs = BTreeMap<String, String>;

#[derive(Debug, Clone, Default)]
pub(crate) struct SynthArgs {
    pub(crate) check: bool,
    pub(crate) env: Option<String>,
    pub(crate) blueprints: Vec<PathBuf>,
}

/// All blueprint files, sorted.
pub(crate) fn blueprint_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let dir = root.join("blueprints");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Path as shown in messages and docs: relative to the project root, with `/` separators.
pub(crate) fn display_path(root: &Path, path: &Path) -> String {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    abs.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// Synthesizes the given blueprints (all when empty) and returns the files, or every error found.
///
/// Without `env`, each blueprint renders its default and every environment it defines. With `env`,
/// only that environment renders, of the listed blueprints or of every blueprint that defines it.
pub(crate) fn generate(root: &Path, env: Option<&str>, only: &[PathBuf]) -> anyhow::Result<Outputs> {
    let files = if only.is_empty() { blueprint_files(root)? } else { only.to_vec() };
    let mut outputs = Outputs::new();
    outputs.insert("schema/blueprint.schema.json".to_owned(), synth::schema_json());
    let mut errors = Vec::new();
    let mut rendered = 0;
    for file in &files {
        let shown = display_path(root, file);
        let source =
            std::fs::read_to_string(file).with_context(|| format!("cannot read blueprint {shown}"))?;
        if shown.starts_with("blueprints/") && !source.starts_with(SCHEMA_COMMENT) {
            errors.push(format!(
                "{shown}:1:1: error: a blueprint starts with `{SCHEMA_COMMENT}` so editors complete and check it"
            ));
        }
        let base = match synth::synthesize(&shown, &source, None) {
            Ok(stacks) => stacks,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        let envs: Vec<String> = match env {
            None => base[0].environments.clone(),
            // Listed explicitly: an unknown environment is an error, reported by synth with a hint.
            Some(e) if !only.is_empty() || base[0].environments.iter().any(|b| b == e) => vec![e.to_owned()],
            Some(_) => continue,
        };
        let mut artifacts = if env.is_none() { vec![Ok(base)] } else { Vec::new() };
        artifacts.extend(envs.iter().map(|e| synth::synthesize(&shown, &source, Some(e))));
        for artifact in artifacts {
            match artifact {
                Ok(stacks) => {
                    rendered += 1;
                    for (path, contents) in stacks.into_iter().flat_map(|a| a.files) {
                        if outputs.insert(path.clone(), contents).is_some() {
                            errors.push(format!(
                                "{shown}: two blueprints write out/{path}: give them distinct names"
                            ));
                        }
                    }
                }
                Err(e) => errors.push(e.to_string()),
            }
        }
    }
    if let Some(env) = env
        && rendered == 0
        && errors.is_empty()
    {
        bail!("no blueprint defines environment '{env}'");
    }
    if !errors.is_empty() {
        bail!("{}\nnothing was written", errors.join("\n\n"));
    }
    Ok(outputs)
}

fn existing(out: &Path) -> anyhow::Result<BTreeMap<String, PathBuf>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(out) {
                found.insert(rel.to_string_lossy().replace('\\', "/"), p.clone());
            }
        }
    }
    Ok(found)
}

pub(crate) fn run(root: &Path, args: &SynthArgs) -> anyhow::Result<()> {
    let outputs = generate(root, args.env.as_deref(), &args.blueprints)?;
    let out = root.join("out");
    let full = args.env.is_none() && args.blueprints.is_empty();
    let on_disk = existing(&out)?;
    let mut stale = Vec::new();
    for (path, contents) in &outputs {
        let target = out.join(path);
        let current = std::fs::read_to_string(&target).ok();
        if current.as_deref() != Some(contents.as_str()) {
            stale.push(format!("out/{path}"));
            if !args.check {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&target, contents)
                    .with_context(|| format!("cannot write {}", target.display()))?;
            }
        }
    }
    let mut extra = Vec::new();
    if full {
        for (rel, path) in &on_disk {
            if !outputs.contains_key(rel) {
                extra.push(format!("out/{rel}"));
                if !args.check {
                    std::fs::remove_file(path)?;
                }
            }
        }
        if !args.check {
            remove_empty_dirs(&out);
        }
    }
    if args.check {
        if !stale.is_empty() || !extra.is_empty() {
            let mut msg = String::new();
            for s in &stale {
                msg.push_str(&format!("{s} was not up-to-date\n"));
            }
            for s in &extra {
                msg.push_str(&format!("{s} is not generated by any blueprint\n"));
            }
            bail!("{msg}run `cargo xtask synth` and commit the result");
        }
        eprintln!("out/ is up-to-date ({} files)", outputs.len());
    } else {
        eprintln!(
            "synthesized {} files into out/: {} changed, {} removed",
            outputs.len(),
            stale.len(),
            extra.len()
        );
    }
    Ok(())
}

fn remove_empty_dirs(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                remove_empty_dirs(&p);
                // Fails (harmlessly) when the directory still has files.
                let _ = std::fs::remove_dir(&p);
            }
        }
    }
}
