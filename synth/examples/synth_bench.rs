//! Measures synthesis of one blueprint in this process: `synth_bench <blueprint> <mode> <iterations>`.
//!
//! `mode` is `load` (parse and validate only: the baseline) or `full` (load, build, check, render,
//! docs). Prints one JSON line with the median and p95 wall time per run and the process's peak RSS
//! (VmHWM), so each mode is measured in a fresh process. Run through `cargo xtask bench`.

use std::time::Instant;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, file, mode, iterations] = args.as_slice() else {
        return Err("usage: synth_bench <blueprint> <load|full> <iterations>".into());
    };
    let iterations: usize = iterations.parse()?;
    let source = std::fs::read_to_string(file)?;
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations.max(1) {
        let start = Instant::now();
        match mode.as_str() {
            "load" => drop(synth::load::load(file, &source, None)?),
            "full" => drop(synth::synthesize(file, &source, None)?),
            other => return Err(format!("unknown mode '{other}': expected load or full").into()),
        }
        times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
    println!(
        r#"{{"blueprint":"{file}","mode":"{mode}","iterations":{},"median_us":{median:.1},"p95_us":{p95:.1},"peak_rss_kib":{}}}"#,
        times.len(),
        peak_rss_kib()
    );
    Ok(())
}
