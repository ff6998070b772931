//! `cargo xtask ci`: everything CI checks, in the order that fails fastest.
//!
//! Installs what it needs (the pinned Python tools in `.venv/`, in the background while cargo works),
//! then: one feature set per shared crate (so nothing below compiles an SDK crate twice), formatting,
//! clippy with warnings denied, the test suite, `out/` freshness, cfn-lint and checkov on every
//! template, and the emulator tests (moto plugins, and every template deployed to the emulator). One
//! emulator serves the whole run; its endpoint reaches tests through the standard AWS variables.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::emulator::Emulator;
use crate::{features, python, synth, validators};

fn step<T>(name: &str, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    eprintln!("==> {name}");
    let started = Instant::now();
    let result = f().with_context(|| format!("step '{name}' failed"));
    eprintln!(
        "    {name}: {} in {:.1}s",
        if result.is_ok() { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    result
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("cannot run {shown}"))?;
    if !status.success() {
        bail!("{shown} exited with {status}");
    }
    Ok(())
}

pub(crate) fn run_all(root: &Path, cargo: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    let cargo_cmd = |args: &[&str]| {
        let mut c = crate::cargo_command(cargo);
        c.args(args).current_dir(root);
        c
    };
    // pip is network- and disk-bound: it overlaps with cargo's compiling instead of preceding it.
    let python_tools = {
        let root = root.to_path_buf();
        std::thread::spawn(move || python::ensure_venv(&root))
    };
    step("one feature set per crate", || features::check(root, cargo))?;
    step("fmt", || run(&mut cargo_cmd(&["fmt", "--all", "--check"])))?;
    step("clippy", || {
        run(&mut cargo_cmd(&["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"]))
    })?;
    let venv = step("python tools", || {
        python_tools.join().map_err(|_| anyhow::anyhow!("the python tools installer panicked"))?
    })?;
    let emulator = step("emulator", || Emulator::start(&venv, root))?;
    eprintln!("    emulator at {}", emulator.endpoint());
    step("tests", || {
        let mut c = cargo_cmd(&["test", "--workspace", "--locked"]);
        c.envs(emulator.env());
        run(&mut c)
    })?;
    step("synth --check", || synth::run(root, &synth::SynthArgs { check: true, ..Default::default() }))?;
    step("cfn-lint and checkov", || validators::run(&venv, root))?;
    step("emulator tests", || {
        emulator.reset()?;
        let mut c = Command::new(venv.python());
        c.args(["-m", "unittest", "discover", "-s", "tools/emulator"]).current_dir(root);
        c.envs(emulator.env());
        run(&mut c)
    })?;
    eprintln!("ci passed in {:.0}s", started.elapsed().as_secs_f64());
    Ok(())
}
