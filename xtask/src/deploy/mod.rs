//! `cargo xtask build | publish | deploy | diff | invoke | destroy`: from a blueprint to a running stack.
//!
//! Two targets share one code path: `local` (the default) talks to the project's emulator, started in
//! the background by the first command that needs it and reused by the next ones, so the whole flow
//! runs without an AWS account or docker; `aws` uses the standard AWS configuration (profile, region,
//! credential chain). Only [`local`] knows about the emulator; the rest is plain AWS API usage.
//!
//! Exit codes: 0 success (including "no changes"), 1 failure, 2 `diff` found changes.

pub(crate) mod build;
pub(crate) mod changes;
pub(crate) mod destroy;
pub(crate) mod diff;
pub(crate) mod events;
pub(crate) mod flow;
pub(crate) mod invoke;
pub(crate) mod local;
pub(crate) mod logs;
pub(crate) mod publish;
pub(crate) mod session;
pub(crate) mod stacks;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Where a command deploys to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Target {
    /// The local emulator (moto with the project's plugins): no AWS account, no docker.
    Local,
    /// AWS, through the standard configuration (AWS_PROFILE, AWS_REGION, the credential chain).
    Aws,
}

impl Target {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Target::Local => "local",
            Target::Aws => "aws",
        }
    }
}

/// A blueprint given on the command line as a path (`blueprints/x.yaml`) or a name (`x`).
#[derive(Debug, Clone)]
pub(crate) struct BlueprintRef {
    pub(crate) path: PathBuf,
    /// The path as shown in messages and passed to synth (relative to the root when inside it).
    pub(crate) shown: String,
    pub(crate) source: String,
}

impl BlueprintRef {
    pub(crate) fn resolve(root: &Path, arg: &str) -> anyhow::Result<BlueprintRef> {
        let direct = PathBuf::from(arg);
        let candidates = [
            direct.clone(),
            root.join(&direct),
            root.join("blueprints").join(format!("{arg}.yaml")),
            root.join("blueprints").join(format!("{arg}.yml")),
        ];
        let Some(path) = candidates.into_iter().find(|p| p.is_file()) else {
            let known = crate::synth::blueprint_files(root)
                .unwrap_or_default()
                .iter()
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect::<Vec<_>>();
            bail!(
                "no blueprint '{arg}': expected a file or the name of one in blueprints/ ({})",
                known.join(", ")
            );
        };
        let shown = crate::synth::display_path(root, &path);
        let source = std::fs::read_to_string(&path).with_context(|| format!("cannot read {shown}"))?;
        Ok(BlueprintRef { path, shown, source })
    }

    /// Synthesizes the blueprint for `env` (its base when `None`): its stacks, in deploy order.
    pub(crate) fn synthesize_stacks(&self, env: Option<&str>) -> anyhow::Result<Vec<synth::Artifact>> {
        synth::synthesize(&self.shown, &self.source, env).map_err(|e| anyhow::anyhow!("{e}"))
    }
}

/// Asks `question` on the terminal; without a terminal, refuses and names the flag that skips it.
pub(crate) fn confirm(question: &str, flag: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("{question} needs confirmation, and stdin is not a terminal: pass {flag} to go ahead");
    }
    print!("{question} [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// A failure that carries its own exit code (1 unless said otherwise).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct Exit {
    pub(crate) code: u8,
    pub(crate) message: String,
}

/// `diff` found changes: not an error, but a distinct exit code for scripts.
pub(crate) const CHANGES_PENDING: u8 = 2;
