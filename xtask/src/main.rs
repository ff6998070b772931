//! `cargo xtask`: the project's automation, one binary (see README.md for the commands).
//!
//! - `synth`: render every blueprint into `out/` (`--check` verifies `out/` is fresh);
//! - `emulator`: start the local AWS emulator (moto) and print its endpoint;
//! - `ci`: everything CI runs, installing what it needs;
//! - `bench`: synth time and peak memory per blueprint, in release mode;
//! - `logs`: what the deployed functions wrote (CloudWatch Logs, on either target);
//! - `build | publish | deploy | diff | invoke | destroy`: from a blueprint to a running stack, on the
//!   local emulator (default) or AWS (see [`deploy`]).

mod bench;
mod ci;
mod deploy;
mod emulator;
mod features;
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
    Emulator {
        /// Stop the background emulator the local target started, instead.
        #[arg(long)]
        stop: bool,
    },
    /// Compile every function and zip it as a Lambda bootstrap named by its content hash.
    Build {
        /// Only the functions of this blueprint (a file, or a name in blueprints/).
        blueprint: Option<String>,
        /// `aws`: cross-compiled with cargo-lambda for each function's architecture; `local`: for this machine.
        #[arg(long, value_enum, default_value = "aws")]
        target: deploy::Target,
    },
    /// Build and upload a blueprint's function zips to the asset bucket (present keys are skipped).
    Publish {
        blueprint: String,
        #[command(flatten)]
        on: On,
    },
    /// Synth, validate, build, publish, show the diff, then create or update the stack.
    Deploy {
        /// A blueprint file, or a name in blueprints/.
        blueprint: String,
        #[command(flatten)]
        on: On,
        /// Deploy without asking for confirmation.
        #[arg(long)]
        yes: bool,
        /// When only function code changed, update it directly (no stack update).
        #[arg(long)]
        hotswap: bool,
        /// Validate the template even if the same bytes passed validation before.
        #[arg(long)]
        revalidate: bool,
    },
    /// Show what deploy would change, without changing anything (exit code 2 when there are changes).
    Diff {
        blueprint: String,
        #[command(flatten)]
        on: On,
    },
    /// Run a deployed function once with an event (a file, or a sample name from runtime/events/).
    Invoke {
        blueprint: String,
        /// The function: its logical ID, that ID without `Function`, or its binary name.
        function: String,
        /// A JSON file, or the name of a sample event of the function.
        #[arg(long)]
        event: String,
        #[command(flatten)]
        on: On,
    },
    /// Delete a deployed stack and the asset objects it owns.
    Destroy {
        blueprint: String,
        #[command(flatten)]
        on: On,
        /// Delete without asking for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Print what the deployed functions logged (CloudWatch Logs; on the local target, the emulator's runs).
    Logs {
        blueprint: String,
        /// One function: its logical ID, that ID without `Function`, or its binary name (default: all).
        function: Option<String>,
        /// Keep printing new lines as they arrive, until interrupted.
        #[arg(long)]
        follow: bool,
        /// How far back to start: 30s, 10m, 2h, 1d.
        #[arg(long, default_value = "10m")]
        since: String,
        #[command(flatten)]
        on: On,
    },
    /// Everything CI runs: fmt, clippy, tests, synth --check, validators, emulator tests.
    Ci,
    /// Synth time and peak memory per blueprint, and the static-IP sync against the emulator, in release mode.
    Bench {
        /// Only the synth benchmark (no emulator, no release build of the AWS SDK).
        #[arg(long)]
        synth_only: bool,
    },
}

/// Where a deployment command goes.
#[derive(Debug, Clone, clap::Args)]
struct On {
    /// The blueprint environment (default: its base).
    #[arg(long)]
    env: Option<String>,
    /// `local`: the emulator started by xtask, no AWS account needed; `aws`: the standard AWS configuration.
    #[arg(long, value_enum, default_value = "local")]
    target: deploy::Target,
    /// Only the stack of this region, for a blueprint with one stack per region (default: every
    /// stack, in the blueprint's order; `invoke` needs one). Each stack goes to its own region.
    #[arg(long)]
    region: Option<String>,
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

/// A nested cargo command without the variables `cargo run` set for xtask itself: build scripts
/// (ring's, through the cc crate) rerun when `CARGO_PKG_NAME` or `CARGO_MANIFEST_DIR` change, so
/// inheriting xtask's values would rebuild them, and everything above them, on every switch
/// between a nested and a direct cargo command.
pub(crate) fn cargo_command(cargo: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(cargo);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || ["CARGO_CRATE_NAME", "CARGO_BIN_NAME", "CARGO_PRIMARY_PACKAGE", "OUT_DIR"]
                .contains(&name.as_ref())
        {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = project_root();
    let result = match cli.command {
        Command::Synth { check, env, blueprints } => {
            synth::run(&root, &synth::SynthArgs { check, env, blueprints })
        }
        Command::Lint => python::ensure_venv(&root).and_then(|venv| validators::run(&venv, &root)),
        Command::Emulator { stop: true } => deploy::local::stop(&root),
        Command::Emulator { stop: false } => {
            python::ensure_venv(&root).and_then(|venv| emulator::run_foreground(&venv, &root))
        }
        Command::Build { blueprint, target } => {
            deploy::build::run(&root, &cargo(), target, blueprint.as_deref())
        }
        Command::Publish { blueprint, on } => block_on(async {
            let bp = deploy::BlueprintRef::resolve(&root, &blueprint)?;
            let stacks = deploy::stacks::select(
                bp.synthesize_stacks(on.env.as_deref())?,
                on.region.as_deref(),
                deploy::stacks::Order::Deploy,
                &bp.shown,
            )?;
            let session = deploy::session::Session::open(&root, on.target).await?;
            deploy::publish::run(&root, &cargo(), &session, &stacks).await
        }),
        Command::Deploy { blueprint, on, yes, hotswap, revalidate } => {
            let args = deploy::flow::Args {
                blueprint,
                env: on.env,
                target: on.target,
                yes,
                hotswap,
                revalidate,
                diff_only: false,
                region: on.region,
            };
            return exit(block_on(deploy::flow::run(&root, &cargo(), &args)));
        }
        Command::Diff { blueprint, on } => {
            let args = deploy::flow::Args {
                blueprint,
                env: on.env,
                target: on.target,
                yes: false,
                hotswap: false,
                revalidate: false,
                diff_only: true,
                region: on.region,
            };
            return exit(block_on(deploy::flow::run(&root, &cargo(), &args)));
        }
        Command::Invoke { blueprint, function, event, on } => {
            let args = deploy::invoke::Args {
                blueprint,
                function,
                event,
                env: on.env,
                target: on.target,
                region: on.region,
            };
            block_on(deploy::invoke::run(&root, &args))
        }
        Command::Destroy { blueprint, on, yes } => {
            let args =
                deploy::destroy::Args { blueprint, env: on.env, target: on.target, yes, region: on.region };
            block_on(deploy::destroy::run(&root, &args))
        }
        Command::Logs { blueprint, function, follow, since, on } => {
            let args = deploy::logs::Args {
                blueprint,
                function,
                follow,
                since,
                env: on.env,
                target: on.target,
                region: on.region,
            };
            block_on(deploy::logs::run(&root, &args))
        }
        Command::Ci => ci::run_all(&root, &cargo()),
        Command::Bench { synth_only } => bench::run(&root, &cargo())
            .and_then(|()| if synth_only { Ok(()) } else { bench::run_sync(&root, &cargo()) })
            .and_then(|()| if synth_only { Ok(()) } else { bench::run_appliance(&root, &cargo()) })
            .and_then(|()| if synth_only { Ok(()) } else { bench::run_mirror(&root, &cargo()) })
            .and_then(|()| if synth_only { Ok(()) } else { bench::run_sg_sync(&root, &cargo()) }),
    };
    exit(result.map(|()| 0))
}

fn block_on<T>(f: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(f)
}

/// The exit code: the command's own on success, an [`deploy::Exit`]'s code, or 1.
fn exit(result: anyhow::Result<u8>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => match e.downcast_ref::<deploy::Exit>() {
            Some(exit) => {
                eprintln!("error: {}", exit.message);
                ExitCode::from(exit.code)
            }
            None => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}
