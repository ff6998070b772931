//! `cargo xtask bench`: synth time and peak RSS per blueprint, in release mode.
//!
//! Each blueprint is measured twice in fresh processes: `load` (parse, schema check, semantic checks:
//! the baseline) and `full` (everything `cargo xtask synth` does in memory). Figures are reported
//! as absolute values and as the ratio full/load measured in the same run, so they compare across
//! machines. Targets from the foundation issue: <= 50 ms and <= 30 MiB for `private-lambda`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::synth::{blueprint_files, display_path};

const ITERATIONS: &str = "200";

struct Sample {
    median_us: f64,
    p95_us: f64,
    peak_rss_kib: f64,
}

fn field(line: &str, name: &str) -> Option<f64> {
    let at = line.find(&format!("\"{name}\":"))? + name.len() + 3;
    line[at..].split([',', '}']).next()?.trim().parse().ok()
}

fn measure(root: &Path, file: &str, mode: &str) -> anyhow::Result<Sample> {
    let exe = root.join("target/release/examples/synth_bench");
    let exe = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => Path::new(&dir).join("release/examples/synth_bench"),
        None => exe,
    };
    let out = Command::new(&exe)
        .args([file, mode, ITERATIONS])
        .current_dir(root)
        .output()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    if !out.status.success() {
        bail!("synth_bench failed on {file}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let line = String::from_utf8_lossy(&out.stdout).to_string();
    let get = |n| field(&line, n).with_context(|| format!("no '{n}' in bench output: {line}"));
    Ok(Sample { median_us: get("median_us")?, p95_us: get("p95_us")?, peak_rss_kib: get("peak_rss_kib")? })
}

pub(crate) fn run(root: &Path, cargo: &str) -> anyhow::Result<()> {
    eprintln!("building the bench binary in release mode...");
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", "synth", "--example", "synth_bench"])
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("release build of synth_bench failed");
    }
    println!(
        "| blueprint | load median | full median | full p95 | full/load | peak RSS load | peak RSS full |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for file in blueprint_files(root)? {
        let shown = display_path(root, &file);
        let load = measure(root, &shown, "load")?;
        let full = measure(root, &shown, "full")?;
        println!(
            "| {shown} | {:.2} ms | {:.2} ms | {:.2} ms | {:.1}x | {:.1} MiB | {:.1} MiB |",
            load.median_us / 1000.0,
            full.median_us / 1000.0,
            full.p95_us / 1000.0,
            full.median_us / load.median_us.max(f64::MIN_POSITIVE),
            load.peak_rss_kib / 1024.0,
            full.peak_rss_kib / 1024.0,
        );
    }
    Ok(())
}
