//! Benchmark of the security-group sync function against the emulator; run through `cargo xtask bench`.
//!
//! One process, against the emulator named by `AWS_ENDPOINT_URL`: two regions' stacks around existing
//! groups (`support::sg_sync`), then `<launches>` launches in the first region, one at a time: the
//! first region's handler for the launch action (its list, its table, the action, the copy), then the
//! second region's handler for the stream record the copy makes (its list). Then a true-up with
//! nothing to do. The baseline, measured in the same run, is one emulator round trip
//! (DescribeManagedPrefixLists). AWS calls are counted by the emulator (`/_iac/calls`, both regions).
//! Prints one JSON line of figures.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use serde_json::json;
use support::{faults, sg_sync};

type Error = Box<dyn std::error::Error + Send + Sync>;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Every AWS call the emulator saw in `regions`.
fn calls(regions: &[&str]) -> u64 {
    regions.iter().map(|r| faults::calls_in(r).values().sum::<u64>()).sum()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let launches: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(5);
    let p = sg_sync::pair("us-east-1", "eu-west-1").await;
    let regions = [p.a.name, p.b.name];

    // Baseline: one emulator round trip.
    let mut trips = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        p.a.test.ec2.describe_managed_prefix_lists().prefix_list_ids(&p.a.config.prefix_list).send().await?;
        trips.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let round_trip = median(trips);

    let (mut launch_ms, mut launch_calls, mut peer_ms, mut converge_ms, mut peer_calls) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..launches {
        let [instance] = <[String; 1]>::try_from(p.a.scale_out(1).await).map_err(|_| "one instance")?;
        let before = calls(&regions);
        let t = Instant::now();
        let r = p.a.launch(&instance).await?;
        let local = t.elapsed().as_secs_f64() * 1e3;
        let after_launch = calls(&regions);
        let t2 = Instant::now();
        let s = p.b.stream().await?;
        let peer = t2.elapsed().as_secs_f64() * 1e3;
        let after_peer = calls(&regions);
        assert_eq!((r.completed, s.added.len()), (Some(true), 1));
        launch_ms.push(local);
        peer_ms.push(peer);
        converge_ms.push(t.elapsed().as_secs_f64() * 1e3);
        launch_calls.push((after_launch - before) as f64);
        peer_calls.push((after_peer - after_launch) as f64);
    }
    let before = calls(&regions);
    let t = Instant::now();
    let r = p.a.true_up().await?;
    let true_up_ms = t.elapsed().as_secs_f64() * 1e3;
    let true_up_calls = calls(&regions) - before;
    assert!(r.added.is_empty() && r.removed.is_empty() && !r.wrote);

    let (launch, peer, converge) = (median(launch_ms), median(peer_ms), median(converge_ms));
    println!(
        "{}",
        json!({
            "launches": launches,
            "round_trip_ms": round_trip,
            "launch_ms": launch, "launch_calls": median(launch_calls), "launch_round_trips": launch / round_trip,
            "peer_ms": peer, "peer_calls": median(peer_calls), "peer_round_trips": peer / round_trip,
            "converge_ms": converge, "converge_round_trips": converge / round_trip,
            "true_up_ms": true_up_ms, "true_up_calls": true_up_calls, "true_up_round_trips": true_up_ms / round_trip,
        })
    );
    Ok(())
}
