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

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use lambda_runtime::{Context, LambdaEvent};
use runtime::appliance_asg::interfaces::{InterfaceSpec, PublicIp};
use runtime::appliance_asg::{self, Clients, Config, state};

type Error = Box<dyn std::error::Error + Send + Sync>;

const ZONE: &str = "us-east-1a";

/// Counts completed AWS calls.
#[derive(Debug, Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "Counter"
    }

    fn read_after_execution(
        &self,
        _ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

async fn clients(counter: &Counter) -> Clients {
    let conf = runtime::clients::load_config().await;
    let c = counter.clone();
    Clients {
        core: runtime::Clients {
            dynamodb: aws_sdk_dynamodb::Client::from_conf(
                aws_sdk_dynamodb::config::Builder::from(&conf).interceptor(c.clone()).build(),
            ),
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(&conf).interceptor(c.clone()).build(),
            ),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(&conf),
        },
        autoscaling: aws_sdk_autoscaling::Client::from_conf(
            aws_sdk_autoscaling::config::Builder::from(&conf).interceptor(c.clone()).build(),
        ),
        s3: aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).interceptor(c).build(),
        ),
        lambda: aws_sdk_lambda::Client::new(&conf),
        secretsmanager: aws_sdk_secretsmanager::Client::new(&conf),
        ssm: aws_sdk_ssm::Client::new(&conf),
    }
}

struct Bench {
    clients: Clients,
    config: Config,
    sqs: aws_sdk_sqs::Client,
    queue: String,
}

async fn setup(instances: usize, counter: &Counter) -> Result<Bench, Error> {
    let clients = clients(counter).await;
    let conf = runtime::clients::load_config().await;
    let ec2 = &clients.core.ec2;
    let name = format!("bench-{}", std::process::id());
    let vpc = ec2.create_vpc().cidr_block("10.90.0.0/16").send().await?;
    let vpc = vpc.vpc().and_then(|v| v.vpc_id()).ok_or("vpc id")?.to_owned();
    let mut subnets = Vec::new();
    for d in 0..3 {
        let s = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("10.90.{d}.0/24"))
            .availability_zone(ZONE)
            .send()
            .await?;
        subnets.push(s.subnet().and_then(|s| s.subnet_id()).ok_or("subnet id")?.to_owned());
    }
    let group =
        ec2.create_security_group().group_name(&name).description("bench").vpc_id(&vpc).send().await?;
    let group = group.group_id().ok_or("group id")?.to_owned();
    clients
        .core
        .dynamodb
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(state::KEY)
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .key_schema(KeySchemaElement::builder().attribute_name(state::KEY).key_type(KeyType::Hash).build()?)
        .send()
        .await?;
    clients.s3.create_bucket().bucket(&name).send().await?;
    for i in 0..instances {
        clients
            .s3
            .put_object()
            .bucket(&name)
            .key(format!("fgt-{i}.lic"))
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"licence"))
            .send()
            .await?;
    }
    let image = ec2.describe_images().send().await?;
    let image = image.images().first().and_then(|i| i.image_id()).ok_or("an image")?.to_owned();
    let lt = ec2
        .create_launch_template()
        .launch_template_name(&name)
        .launch_template_data(
            aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                .image_id(image)
                .instance_type(aws_sdk_ec2::types::InstanceType::C6iXlarge)
                .build(),
        )
        .send()
        .await?;
    let lt = lt.launch_template().and_then(|l| l.launch_template_id()).ok_or("launch template")?.to_owned();
    let asg = aws_sdk_autoscaling::Client::new(&conf);
    asg.create_auto_scaling_group()
        .auto_scaling_group_name(&name)
        .launch_template(
            aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder().launch_template_id(lt).build(),
        )
        .min_size(0)
        .max_size(i32::try_from(instances)?)
        .desired_capacity(0)
        .vpc_zone_identifier(&subnets[0])
        .send()
        .await?;
    for (hook, transition) in [
        ("launch", "autoscaling:EC2_INSTANCE_LAUNCHING"),
        ("terminate", "autoscaling:EC2_INSTANCE_TERMINATING"),
    ] {
        asg.put_lifecycle_hook()
            .auto_scaling_group_name(&name)
            .lifecycle_hook_name(hook)
            .lifecycle_transition(transition)
            .default_result("ABANDON")
            .heartbeat_timeout(1800)
            .send()
            .await?;
    }
    let sqs = aws_sdk_sqs::Client::new(&conf);
    let queue = sqs.create_queue().queue_name(&name).send().await?.queue_url().ok_or("queue")?.to_owned();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&queue)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await?
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn).cloned())
        .ok_or("queue arn")?;
    let events = aws_sdk_eventbridge::Client::new(&conf);
    let pattern =
        serde_json::json!({"source": ["aws.autoscaling"], "detail": {"AutoScalingGroupName": [name]}});
    events.put_rule().name(&name).event_pattern(pattern.to_string()).send().await?;
    events
        .put_targets()
        .rule(&name)
        .targets(aws_sdk_eventbridge::types::Target::builder().id("queue").arn(arn).build()?)
        .send()
        .await?;
    let spec = |d: usize, public_ip: PublicIp, source_dest_check: bool| InterfaceSpec {
        device_index: u32::try_from(d).unwrap_or_default(),
        subnets: [(ZONE.to_owned(), subnets[d].clone())].into(),
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
    let counter = Counter::default();
    let b = setup(instances, &counter).await?;
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
        let before = counter.0.load(Ordering::SeqCst);
        let t = Instant::now();
        let report = b.handle(event.clone()).await?;
        launch_ms.push(ms(t));
        launch_calls.push((counter.0.load(Ordering::SeqCst) - before) as f64);
        if report.outcomes.first().map(|(_, o)| o.as_str()) != Some("continue") {
            return Err(format!("launch not continued: {:?}", report.outcomes).into());
        }
    }
    b.scale(0).await?;
    let terminates = b.events("EC2 Instance-terminate Lifecycle Action", instances).await?;
    let (mut terminate_ms, mut terminate_calls) = (Vec::new(), Vec::new());
    for event in &terminates {
        let before = counter.0.load(Ordering::SeqCst);
        let t = Instant::now();
        b.handle(event.clone()).await?;
        terminate_ms.push(ms(t));
        terminate_calls.push((counter.0.load(Ordering::SeqCst) - before) as f64);
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
