//! `cargo xtask`: the project's automation, one binary (see README.md for the commands).
//!
//! - `synth`: render every blueprint into `out/` (`--check` verifies `out/` is fresh);
//! - `emulator`: start the local AWS emulator (moto) and print its endpoint;
//! - `ci`: everything CI runs, installing what it needs;
//! - `bench`: synth time and peak memory per blueprint, in release mode.

mod bench;
mod ci;
mod emulator;
mod python;
mod synth;
mod validators;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "Project automation", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render blueprints into out/ (templates, READMEs, the blueprint schema).
    Synth {
        /// Fail if out/ differs from what synth would write, instead of writing.
        #[arg(long)]
        check: bool,
        /// Render only this environment of each blueprint.
        #[arg(long)]
        env: Option<String>,
        /// Blueprint files (default: every file in blueprints/).
        blueprints: Vec<PathBuf>,
    },
    /// Run cfn-lint and checkov on every template in out/ (suppressions: tools/validators/suppressions.toml).
    Lint,
    /// Start the local AWS emulator (moto with the project's plugins) and print its endpoint.
    Emulator,
    /// Everything CI runs: fmt, clippy, tests, synth --check, validators, emulator tests.
    Ci,
    /// Synth time and peak memory per blueprint, and the static-IP sync against the emulator, in release mode.
    Bench {
        /// Only the synth benchmark (no emulator, no release build of the AWS SDK).
        #[arg(long)]
        synth_only: bool,
    },
}

/// The workspace root: xtask lives one level below it.
pub(crate) fn project_root() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    dir.parent().unwrap_or(dir).to_path_buf()
}

/// The cargo that runs xtask, so nested builds use the same toolchain.
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = project_root();
    let result = match cli.command {
        Command::Synth { check, env, blueprints } => {
            synth::run(&root, &synth::SynthArgs { check, env, blueprints })
        }
        Command::Lint => python::ensure_venv(&root).and_then(|venv| validators::run(&venv, &root)),
        Command::Emulator => {
            python::ensure_venv(&root).and_then(|venv| emulator::run_foreground(&venv, &root))
        }
        Command::Ci => ci::run_all(&root, &cargo()),
        Command::Bench { synth_only } => bench::run(&root, &cargo())
            .and_then(|()| if synth_only { Ok(()) } else { bench::run_sync(&root, &cargo()) }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
