//! Benchmark of the Fargate mirror function against the emulator; run through `cargo xtask bench`.
//!
//! One process, against the emulator named by `AWS_ENDPOINT_URL`: a VPC, a cluster, a mirror target
//! and filter, a stop-budget table, and `<tasks>` Fargate tasks started with RunTask. Then the handler
//! for each task's start event (one at a time), a reconcile run with nothing to do, and each task's
//! stop event after StopTask. The baseline, measured in the same run, is one emulator round trip
//! (DescribeTrafficMirrorSessions). Prints one JSON line of figures.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use aws_sdk_ecs::types::{
    AwsVpcConfiguration, Compatibility, ContainerDefinition, LaunchType, NetworkConfiguration, NetworkMode,
};
use contract::fargate_mirror::mirror::{NotMirrorable, Selection, SessionOptions};
use lambda_runtime::{Context, LambdaEvent};
use runtime::fargate_mirror::plan::Desired;
use runtime::fargate_mirror::{self, Config};
use serde_json::json;
use support::{Recorder, world};

type Error = Box<dyn std::error::Error + Send + Sync>;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or_default()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let tasks: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(10);
    let conf = runtime::clients::load_config().await;
    let rec = Recorder::default();
    let clients = support::fargate_mirror_clients(&conf, &rec);
    let name = format!("bench-{}", std::process::id());
    let ec2 = &clients.ec2;
    let vpc = ec2.create_vpc().cidr_block("10.31.0.0/16").send().await?;
    let vpc = vpc.vpc().and_then(|v| v.vpc_id()).ok_or("vpc")?.to_owned();
    ec2.modify_vpc_attribute()
        .vpc_id(&vpc)
        .enable_dns_hostnames(aws_sdk_ec2::types::AttributeBooleanValue::builder().value(true).build())
        .send()
        .await?;
    let subnet = ec2.create_subnet().vpc_id(&vpc).cidr_block("10.31.0.0/20").send().await?;
    let subnet = subnet.subnet().and_then(|s| s.subnet_id()).ok_or("subnet")?.to_owned();
    let group =
        ec2.create_security_group().group_name(&name).description("tasks").vpc_id(&vpc).send().await?;
    let group = group.group_id().ok_or("group")?.to_owned();
    let target = ec2
        .create_traffic_mirror_target()
        .network_load_balancer_arn(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/ids/4f1e2d3c4b5a6978",
        )
        .send()
        .await?;
    let target =
        target.traffic_mirror_target().and_then(|t| t.traffic_mirror_target_id()).ok_or("target")?.to_owned();
    let filter = ec2.create_traffic_mirror_filter().send().await?;
    let filter =
        filter.traffic_mirror_filter().and_then(|f| f.traffic_mirror_filter_id()).ok_or("filter")?.to_owned();
    let cluster = clients.ecs.create_cluster().cluster_name(&name).send().await?;
    let cluster = cluster.cluster().and_then(|c| c.cluster_arn()).ok_or("cluster")?.to_owned();
    clients
        .ecs
        .register_task_definition()
        .family("web")
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(ContainerDefinition::builder().name("web").image("nginx").memory(512).build())
        .send()
        .await?;
    world::state_table(&clients.dynamodb, &name, contract::fargate_mirror::mirror::STATE_KEY_ATTRIBUTE)
        .await?;
    let config = Config {
        desired: Desired {
            stack: name.clone(),
            target,
            filter,
            selection: Selection::default(),
            session: SessionOptions { number: 1, packet_length: None, virtual_network_id: None },
        },
        clusters: vec![cluster.clone()],
        not_mirrorable: NotMirrorable::StopTask { per_service_per_hour: 3 },
        table: name.clone(),
        namespace: "FargateMirror".into(),
    };
    let mut arns = Vec::new();
    for _ in 0..tasks {
        let out = clients
            .ecs
            .run_task()
            .cluster(&cluster)
            .task_definition("web")
            .launch_type(LaunchType::Fargate)
            .group("service:web")
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(
                        AwsVpcConfiguration::builder().subnets(&subnet).security_groups(&group).build()?,
                    )
                    .build(),
            )
            .send()
            .await?;
        arns.push(out.tasks()[0].task_arn().ok_or("task")?.to_owned());
    }
    let event = |task: &str, status: &str| {
        json!({"source": "aws.ecs", "detail-type": "ECS Task State Change",
               "detail": {"clusterArn": cluster, "taskArn": task, "lastStatus": status}})
    };
    let handle = |e: serde_json::Value| {
        fargate_mirror::handle(&clients, &config, LambdaEvent::new(e, Context::default()))
    };

    // Baseline: one emulator round trip.
    let mut trips = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        ec2.describe_traffic_mirror_sessions().send().await?;
        trips.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let round_trip = median(trips);

    let (mut start_ms, mut start_calls) = (Vec::new(), Vec::new());
    for arn in &arns {
        rec.clear();
        let t = Instant::now();
        let r = handle(event(arn, "RUNNING")).await?;
        start_ms.push(t.elapsed().as_secs_f64() * 1e3);
        start_calls.push(rec.calls() as f64);
        assert_eq!(r.created.len(), 1);
    }
    rec.clear();
    let t = Instant::now();
    let r = handle(json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}})).await?;
    let reconcile_ms = t.elapsed().as_secs_f64() * 1e3;
    let reconcile_calls = rec.calls();
    assert!(r.created.is_empty() && r.deleted.is_empty());
    let (mut stop_ms, mut stop_calls) = (Vec::new(), Vec::new());
    for arn in &arns {
        clients.ecs.stop_task().cluster(&cluster).task(arn).send().await?;
        rec.clear();
        let t = Instant::now();
        handle(event(arn, "STOPPED")).await?;
        stop_ms.push(t.elapsed().as_secs_f64() * 1e3);
        stop_calls.push(rec.calls() as f64);
    }
    let (start, stop) = (median(start_ms), median(stop_ms));
    println!(
        "{}",
        json!({
            "tasks": tasks,
            "round_trip_ms": round_trip,
            "start_ms": start, "start_calls": median(start_calls), "start_round_trips": start / round_trip,
            "stop_ms": stop, "stop_calls": median(stop_calls), "stop_round_trips": stop / round_trip,
            "reconcile_ms": reconcile_ms, "reconcile_calls": reconcile_calls, "reconcile_round_trips": reconcile_ms / round_trip,
        })
    );
    Ok(())
}
