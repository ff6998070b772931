//! `cargo xtask bench`: synth time and peak RSS per blueprint, in release mode.
//!
//! Each blueprint is measured twice in fresh processes: `load` (parse, schema check, semantic checks:
//! the baseline) and `full` (everything `cargo xtask synth` does in memory). Figures are reported
//! as absolute values and as the ratio full/load measured in the same run, so they compare across
//! machines. Targets from the foundation issue: <= 50 ms and <= 30 MiB for `private-lambda`.
//!
//! The static-IP sync is measured against the emulator for an ALB with 10 and 100 addresses: process
//! start to the first completed AWS call, handler wall time (first sync and steady state), AWS calls
//! per run and peak RSS, each in a fresh release process. The baseline is the same binary starting and
//! exiting without AWS work, measured in the same run.
//!
//! The appliance lifecycle function is measured against the emulator for a three-interface appliance
//! with a licence: launch and terminate handler wall time and AWS calls, one at a time, and five
//! launches at once. The baseline is one emulator round trip, measured in the same run.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::emulator::Emulator;
use crate::python;
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

fn example(root: &Path, name: &str) -> std::path::PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => Path::new(&dir).join("release/examples").join(name),
        None => root.join("target/release/examples").join(name),
    }
}

fn measure(root: &Path, file: &str, mode: &str) -> anyhow::Result<Sample> {
    let exe = example(root, "synth_bench");
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
    let status = crate::cargo_command(cargo)
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

/// Runs `exe args` with `env`, returning stdout lines each with the time since spawn.
fn timed_lines(
    exe: &Path,
    args: &[&str],
    env: &[(&'static str, String)],
) -> anyhow::Result<Vec<(f64, String)>> {
    use std::io::BufRead;
    let started = std::time::Instant::now();
    let mut child = Command::new(exe)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    let stdout = child.stdout.take().context("stdout")?;
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(stdout).lines() {
        lines.push((started.elapsed().as_secs_f64() * 1000.0, line?));
    }
    if !child.wait()?.success() {
        bail!("{} {} failed", exe.display(), args.join(" "));
    }
    Ok(lines)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// The static-IP sync against the emulator.
pub(crate) fn run_sync(root: &Path, cargo: &str) -> anyhow::Result<()> {
    let venv = python::ensure_venv(root)?;
    eprintln!(
        "building the sync bench binary in release mode (the AWS SDK takes several minutes the first time)..."
    );
    let status = crate::cargo_command(cargo)
        .args(["build", "--release", "--quiet", "-p", "runtime", "--example", "sync_bench"])
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("release build of sync_bench failed");
    }
    let exe = example(root, "sync_bench");
    let emulator = Emulator::start(&venv, root)?;
    let env = emulator.env();
    // Baseline: the same binary starting and exiting (usage error), no AWS work.
    let mut floor = Vec::new();
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let _ = Command::new(&exe).output()?;
        floor.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let floor = median(floor);
    println!();
    println!(
        "| ALB addresses | start to first AWS call | first sync: handler | calls | steady state: handler | calls | peak RSS |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for ips in [10usize, 100] {
        let setup = timed_lines(&exe, &["setup", &ips.to_string()], &env)?;
        let ids: Vec<String> =
            setup.last().map(|(_, l)| l.split_whitespace().map(str::to_owned).collect()).unwrap_or_default();
        let [tg, table, alb] = ids.as_slice() else { bail!("sync_bench setup printed {setup:?}") };
        let lines = timed_lines(&exe, &["run", tg, table, alb], &env)?;
        let first_call = lines
            .iter()
            .find(|(_, l)| l == "FIRST_CALL_DONE")
            .map(|(t, _)| *t)
            .context("no FIRST_CALL_DONE")?;
        let json = lines
            .iter()
            .rev()
            .find(|(_, l)| l.starts_with('{'))
            .map(|(_, l)| l.clone())
            .context("no figures")?;
        let v: serde_json::Value = serde_json::from_str(&json)?;
        let f = |a: &str, b: &str| v[a][b].as_f64().unwrap_or(0.0);
        println!(
            "| {ips} | {first_call:.1} ms ({:.1}x process floor) | {:.1} ms | {} | {:.1} ms | {} | {:.1} MiB |",
            first_call / floor,
            f("first", "handler_ms"),
            f("first", "aws_calls"),
            f("steady", "handler_ms"),
            f("steady", "aws_calls"),
            v["peak_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0,
        );
    }
    println!("process floor (start and exit, same binary): {floor:.1} ms");
    Ok(())
}

/// The appliance lifecycle function against the emulator.
pub(crate) fn run_appliance(root: &Path, cargo: &str) -> anyhow::Result<()> {
    let venv = python::ensure_venv(root)?;
    eprintln!("building the appliance bench binary in release mode...");
    let status = crate::cargo_command(cargo)
        .args(["build", "--release", "--quiet", "-p", "runtime", "--example", "appliance_bench"])
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("release build of appliance_bench failed");
    }
    let exe = example(root, "appliance_bench");
    let emulator = Emulator::start(&venv, root)?;
    let out = Command::new(&exe).arg("5").envs(emulator.env()).current_dir(root).output()?;
    if !out.status.success() {
        bail!("appliance_bench failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    // The handler's metric lines come first; the figures are the last line.
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let line = stdout.lines().rev().find(|l| l.starts_with("{\"instances\"")).unwrap_or_default();
    let v: serde_json::Value =
        serde_json::from_str(line).with_context(|| format!("no figures in the bench output: {stdout}"))?;
    let f = |k: &str| v[k].as_f64().unwrap_or(0.0);
    println!();
    println!("| appliance (3 interfaces, licence) | handler | AWS calls | emulator round trips |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| launch | {:.1} ms | {} | {:.1}x |",
        f("launch_ms"),
        f("launch_calls"),
        f("launch_round_trips")
    );
    println!(
        "| terminate | {:.1} ms | {} | {:.1}x |",
        f("terminate_ms"),
        f("terminate_calls"),
        f("terminate_round_trips")
    );
    println!(
        "five launches at once: {:.1} ms ({:.1}x one launch); one emulator round trip: {:.2} ms",
        f("concurrent_launches_ms"),
        f("concurrent_launches_ms") / f("launch_ms").max(f64::MIN_POSITIVE),
        f("round_trip_ms")
    );
    Ok(())
}

/// The Fargate mirror function against the emulator.
pub(crate) fn run_mirror(root: &Path, cargo: &str) -> anyhow::Result<()> {
    let venv = python::ensure_venv(root)?;
    eprintln!("building the mirror bench binary in release mode...");
    let status = crate::cargo_command(cargo)
        .args(["build", "--release", "--quiet", "-p", "runtime", "--example", "mirror_bench"])
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("release build of mirror_bench failed");
    }
    let exe = example(root, "mirror_bench");
    let emulator = Emulator::start(&venv, root)?;
    let out = Command::new(&exe).arg("10").envs(emulator.env()).current_dir(root).output()?;
    if !out.status.success() {
        bail!("mirror_bench failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let line = stdout.lines().rev().find(|l| l.starts_with("{\"reconcile")).unwrap_or_default();
    let v: serde_json::Value =
        serde_json::from_str(line).with_context(|| format!("no figures in the bench output: {stdout}"))?;
    let f = |k: &str| v[k].as_f64().unwrap_or(0.0);
    println!();
    println!("| fargate mirror (one interface per task) | handler | AWS calls | emulator round trips |");
    println!("| --- | --- | --- | --- |");
    for (what, key) in
        [("task start", "start"), ("task stop", "stop"), ("reconcile, 10 tasks, nothing to do", "reconcile")]
    {
        println!(
            "| {what} | {:.1} ms | {} | {:.1}x |",
            f(&format!("{key}_ms")),
            f(&format!("{key}_calls")),
            f(&format!("{key}_round_trips"))
        );
    }
    println!("one emulator round trip: {:.2} ms", f("round_trip_ms"));
    Ok(())
}

/// The sg-sync bench (`runtime/examples/sg_sync_bench.rs`): AWS calls per launch, handler wall time in
/// emulator round trips, and how long the second region takes to converge.
pub(crate) fn run_sg_sync(root: &Path, cargo: &str) -> anyhow::Result<()> {
    let venv = python::ensure_venv(root)?;
    eprintln!("building the sg-sync bench binary in release mode...");
    let status = crate::cargo_command(cargo)
        .args(["build", "--release", "--quiet", "-p", "runtime", "--example", "sg_sync_bench"])
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("release build of sg_sync_bench failed");
    }
    let exe = example(root, "sg_sync_bench");
    let emulator = Emulator::start(&venv, root)?;
    let out = Command::new(&exe).arg("5").envs(emulator.env()).current_dir(root).output()?;
    if !out.status.success() {
        bail!("sg_sync_bench failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    // serde_json orders keys by name; the metric lines the handler prints have no `launch_calls`.
    let line = stdout.lines().rev().find(|l| l.contains("\"launch_calls\"")).unwrap_or_default();
    let v: serde_json::Value =
        serde_json::from_str(line).with_context(|| format!("no figures in the bench output: {stdout}"))?;
    let f = |k: &str| v[k].as_f64().unwrap_or(0.0);
    println!();
    println!("| sg-sync (two regions) | handler | AWS calls | emulator round trips |");
    println!("| --- | --- | --- | --- |");
    for (what, key) in [
        ("launch (own list, table, action, copy)", "launch"),
        ("second region (stream record)", "peer"),
        ("true-up, nothing to do", "true_up"),
    ] {
        println!(
            "| {what} | {:.1} ms | {} | {:.1}x |",
            f(&format!("{key}_ms")),
            f(&format!("{key}_calls")),
            f(&format!("{key}_round_trips"))
        );
    }
    println!(
        "second region converged {:.1} ms after the launch event ({:.1} round trips)",
        f("converge_ms"),
        f("converge_round_trips")
    );
    println!("one emulator round trip: {:.2} ms", f("round_trip_ms"));
    Ok(())
}
