//! Benchmark of the appliance lifecycle function against the emulator; run through `cargo xtask bench`.
//!
//! One process, against the emulator named by `AWS_ENDPOINT_URL`: sets up a VPC with three subnets
//! per zone, a security group, a state table, a licence bucket, and an Auto Scaling group with launch
//! and terminate hooks whose actions EventBridge delivers to an SQS queue (for their real tokens).
//! Then, for `<instances>` instances of a three-interface appliance (boot interface, a data port with
//! an address from Amazon's pool, a forwarding port) with a licence each: the launch handler one
//! instance at a time, the terminate handler one at a time, and all launches at once. The baseline,
//! measured in the same run, is one emulator round trip (DescribeAutoScalingInstances).
//! Appliance configuration is left out: its cost is the appliance's, not AWS's.
//! Prints one JSON line of figures.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Instant;

use lambda_runtime::{Context, LambdaEvent};
use runtime::appliance_asg::interfaces::{InterfaceSpec, PublicIp};
use runtime::appliance_asg::{self, Clients, Config, state};
use support::{Recorder, world};

type Error = Box<dyn std::error::Error + Send + Sync>;

const ZONE: &str = "us-east-1a";

struct Bench {
    clients: Clients,
    config: Config,
    sqs: aws_sdk_sqs::Client,
    queue: String,
}

async fn setup(instances: usize, recorder: &Recorder) -> Result<Bench, Error> {
    let conf = runtime::clients::load_config().await;
    let clients = support::appliance_clients(&conf, recorder, None);
    let ec2 = &clients.core.ec2;
    let name = format!("bench-{}", std::process::id());
    let (vpc, subnets) = world::vpc_with_subnets(ec2, 90, 0..3, &[ZONE]).await?;
    let group = world::security_group(ec2, &vpc, &name, "bench").await?;
    world::state_table(&clients.core.dynamodb, &name, state::KEY).await?;
    world::licence_bucket(&clients.s3, &name, instances).await?;
    let asg = world::Group {
        name: &name,
        instance_type: aws_sdk_ec2::types::InstanceType::C6iXlarge,
        subnets: vec![subnets[&0][ZONE].clone()],
        max_size: i32::try_from(instances)?,
        hooks: &[
            ("launch", "autoscaling:EC2_INSTANCE_LAUNCHING", "ABANDON"),
            ("terminate", "autoscaling:EC2_INSTANCE_TERMINATING", "ABANDON"),
        ],
        heartbeat_timeout: 1800,
    };
    world::auto_scaling_group(ec2, &aws_sdk_autoscaling::Client::new(&conf), &asg).await?;
    let (sqs, queue) = world::lifecycle_queue(&conf, &name, &[]).await?;
    let spec = |d: u32, public_ip: PublicIp, source_dest_check: bool| InterfaceSpec {
        device_index: d,
        subnets: subnets[&d].clone(),
        security_groups: vec![group.clone()],
        source_dest_check,
        description: format!("port{}", d + 1),
        public_ip,
    };
    let config = Config {
        asg_name: name.clone(),
        table: name.clone(),
        interfaces: vec![spec(1, PublicIp::Allocate { pool: None }, true), spec(2, PublicIp::None, false)],
        licence_bucket: Some(name),
        // A protected primary would keep scale-in to zero from terminating every instance.
        scale_in_protection: false,
        configuration: None,
    };
    Ok(Bench { clients, config, sqs, queue })
}

impl Bench {
    /// Waits for `n` lifecycle events of `detail_type` from the queue.
    async fn events(&self, detail_type: &str, n: usize) -> Result<Vec<serde_json::Value>, Error> {
        let mut found = Vec::new();
        for _ in 0..50 {
            if found.len() >= n {
                break;
            }
            let out =
                self.sqs.receive_message().queue_url(&self.queue).max_number_of_messages(10).send().await?;
            for m in out.messages() {
                let event: serde_json::Value = serde_json::from_str(m.body().unwrap_or_default())?;
                if event["detail-type"] == detail_type {
                    found.push(event);
                }
                if let Some(r) = m.receipt_handle() {
                    self.sqs.delete_message().queue_url(&self.queue).receipt_handle(r).send().await?;
                }
            }
        }
        if found.len() < n {
            return Err(format!("{} of {n} '{detail_type}' events arrived", found.len()).into());
        }
        Ok(found)
    }

    async fn scale(&self, n: usize) -> Result<(), Error> {
        let conf = runtime::clients::load_config().await;
        aws_sdk_autoscaling::Client::new(&conf)
            .set_desired_capacity()
            .auto_scaling_group_name(&self.config.asg_name)
            .desired_capacity(i32::try_from(n)?)
            .honor_cooldown(false)
            .send()
            .await?;
        Ok(())
    }

    async fn handle(&self, event: serde_json::Value) -> Result<appliance_asg::Report, Error> {
        Ok(appliance_asg::handle(&self.clients, &self.config, LambdaEvent::new(event, Context::default()))
            .await?)
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

async fn run(instances: usize) -> Result<(), Error> {
    let recorder = Recorder::default();
    let b = setup(instances, &recorder).await?;
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;

    let mut round_trips = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        b.clients.autoscaling.describe_auto_scaling_instances().send().await?;
        round_trips.push(ms(t));
    }

    // One at a time.
    b.scale(instances).await?;
    let launches = b.events("EC2 Instance-launch Lifecycle Action", instances).await?;
    let (mut launch_ms, mut launch_calls) = (Vec::new(), Vec::new());
    for event in &launches {
        let before = recorder.calls();
        let t = Instant::now();
        let report = b.handle(event.clone()).await?;
        launch_ms.push(ms(t));
        launch_calls.push((recorder.calls() - before) as f64);
        if report.outcomes.first().map(|(_, o)| o.as_str()) != Some("continue") {
            return Err(format!("launch not continued: {:?}", report.outcomes).into());
        }
    }
    b.scale(0).await?;
    let terminates = b.events("EC2 Instance-terminate Lifecycle Action", instances).await?;
    let (mut terminate_ms, mut terminate_calls) = (Vec::new(), Vec::new());
    for event in &terminates {
        let before = recorder.calls();
        let t = Instant::now();
        b.handle(event.clone()).await?;
        terminate_ms.push(ms(t));
        terminate_calls.push((recorder.calls() - before) as f64);
    }

    // All at once, as a scale-out delivers them.
    b.scale(instances).await?;
    let launches = b.events("EC2 Instance-launch Lifecycle Action", instances).await?;
    let t = Instant::now();
    let b = Arc::new(b);
    let tasks: Vec<_> = launches
        .into_iter()
        .map(|e| {
            let b = Arc::clone(&b);
            tokio::spawn(async move { b.handle(e).await })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let concurrent_ms = ms(t);

    let round_trip = median(round_trips);
    println!(
        "{}",
        serde_json::json!({
            "instances": instances,
            "round_trip_ms": round_trip,
            "launch_ms": median(launch_ms.clone()),
            "launch_calls": median(launch_calls),
            "launch_round_trips": median(launch_ms) / round_trip,
            "terminate_ms": median(terminate_ms.clone()),
            "terminate_calls": median(terminate_calls),
            "terminate_round_trips": median(terminate_ms) / round_trip,
            "concurrent_launches_ms": concurrent_ms,
        })
    );
    Ok(())
}

fn main() -> Result<(), Error> {
    let instances: usize = std::env::args().nth(1).map_or(Ok(5), |a| a.parse())?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(run(instances))
}
