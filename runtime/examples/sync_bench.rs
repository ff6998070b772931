//! Benchmark of the static-IP sync against the emulator; run through `cargo xtask bench`.
//!
//! `sync_bench setup <ips>`: creates a VPC, the ALB's network interfaces holding `<ips>` addresses, an
//! `ip` target group and a state table in the emulator named by `AWS_ENDPOINT_URL`; prints the config.
//! `sync_bench run <config>`: one process = one cold start: loads the AWS config, runs the handler
//! twice (first sync, then steady state) and prints `FIRST_CALL_DONE` the moment the first AWS call
//! completes (the parent times process start to that line), then one JSON line of figures.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetTypeEnum};
use lambda_runtime::{Context, LambdaEvent};
use runtime::Clients;
use runtime::alb_static_ip::{self, Config, Discovery, Group, observe};
use support::{Recorder, world};

type Error = Box<dyn std::error::Error + Send + Sync>;

const ALB_ARN: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/bench/50dc6c495c0c9188";

async fn setup(ips: usize) -> Result<(), Error> {
    let c = Clients::from_conf(&runtime::clients::load_config().await);
    let suffix = std::process::id();
    let vpc = c.ec2.create_vpc().cidr_block("10.8.0.0/16").send().await?;
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).ok_or("no vpc id")?.to_owned();
    let subnet = c.ec2.create_subnet().vpc_id(&vpc_id).cidr_block("10.8.0.0/20").send().await?;
    let subnet_id = subnet.subnet().and_then(|s| s.subnet_id()).ok_or("no subnet id")?.to_owned();
    let alb = format!(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/bench{suffix}x{ips}/50dc6c495c0c9188"
    );
    let description = observe::interface_description(&alb).ok_or("bad arn")?;
    for i in 0..ips {
        let ip = format!("10.8.{}.{}", i / 200, 10 + i % 200);
        c.ec2
            .create_network_interface()
            .subnet_id(&subnet_id)
            .private_ip_address(ip)
            .description(&description)
            .send()
            .await?;
    }
    let tg = c
        .elbv2
        .create_target_group()
        .name(format!("bench-{suffix}-{ips}"))
        .protocol(ProtocolEnum::Tcp)
        .port(443)
        .vpc_id(&vpc_id)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await?;
    let tg_arn = tg.target_groups().first().and_then(|g| g.target_group_arn()).ok_or("no tg")?.to_owned();
    let table = format!("bench-{suffix}-{ips}");
    world::state_table(&c.dynamodb, &table, contract::alb_static_ip::sync::STATE_KEY_ATTRIBUTE).await?;
    println!("{tg_arn} {table} {alb}");
    Ok(())
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn run(tg_arn: &str, table: &str, alb: &str) -> Result<(), Error> {
    let recorder = Recorder::announcing_first_call();
    let c = support::core_clients(&runtime::clients::load_config().await, &recorder);
    let config = Config {
        groups: vec![Group { arn: tg_arn.to_owned(), port: 443 }],
        alb_arn: alb.to_owned(),
        discovery: Discovery::NetworkInterfaces {
            description: observe::interface_description(alb).ok_or("bad arn")?,
        },
        table: table.to_owned(),
        miss_threshold: 3,
        max_deregistrations: 2,
        manage_foreign: false,
        cross_vpc: false,
        namespace: "AlbStaticIpBench".to_owned(),
    };
    let mut figures = Vec::new();
    for label in ["first", "steady"] {
        let before = recorder.calls();
        let started = Instant::now();
        let report =
            alb_static_ip::handle(&c, &config, LambdaEvent::new(serde_json::json!({}), Context::default()))
                .await?;
        let wall = started.elapsed();
        figures.push(format!(
            r#""{label}":{{"handler_ms":{:.2},"aws_calls":{},"registered":{}}}"#,
            wall.as_secs_f64() * 1000.0,
            recorder.calls() - before,
            report.groups.first().map_or(0, |g| g.registered.len()),
        ));
    }
    println!("{{{},\"peak_rss_kib\":{}}}", figures.join(","), peak_rss_kib());
    Ok(())
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    match args.get(1).map(String::as_str) {
        Some("setup") => rt.block_on(setup(args.get(2).ok_or("ips")?.parse()?)),
        Some("run") => {
            rt.block_on(run(args.get(2).ok_or("tg")?, args.get(3).ok_or("table")?, args.get(4).ok_or("alb")?))
        }
        _ => Err(format!(
            "usage: sync_bench setup <ips> | run <tg arn> <table> <alb arn> (ALB_ARN example: {ALB_ARN})"
        )
        .into()),
    }
}
