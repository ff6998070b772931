//! Failure paths of the static-IP sync that only a faulty AWS produces, through the emulator's fault
//! injection (`support::faults`): throttled registrations, retried by the SDK's standard retry policy
//! as in Lambda. Each test works in a region of its own, so its fault rules match no other test's
//! requests on the shared emulator.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_smithy_types::retry::RetryConfig;
use lambda_runtime::{Context, LambdaEvent};
use runtime::Clients;
use runtime::alb_static_ip::{self, Config, Discovery, Group};
use serde_json::json;

use crate::support::{self, Recorder, faults, unique, world};

/// The standard retry policy's three attempts, with millisecond backoff so the test stays fast.
fn retry() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1))
}

/// An ALB with one address (10.0.1.5, found by its network interface), an `ip` target group and a
/// state table, all in `region`.
async fn world_in(region: &'static str) -> (Clients, Config) {
    let conf = support::sdk_config_in(region).await;
    let conf: SdkConfig = conf.into_builder().retry_config(retry()).build();
    let clients = support::core_clients(&conf, &Recorder::default());
    let alb_arn = format!(
        "arn:aws:elasticloadbalancing:{region}:123456789012:loadbalancer/app/{}/50dc6c495c0c9188",
        unique("web")
    );
    let description = alb_static_ip::observe::interface_description(&alb_arn).expect("description");
    let vpc = clients.ec2.create_vpc().cidr_block("10.0.0.0/16").send().await.expect("vpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).expect("vpc id").to_owned();
    let subnet =
        clients.ec2.create_subnet().vpc_id(&vpc_id).cidr_block("10.0.1.0/24").send().await.expect("subnet");
    let subnet_id = subnet.subnet().and_then(|s| s.subnet_id()).expect("subnet id");
    clients
        .ec2
        .create_network_interface()
        .subnet_id(subnet_id)
        .private_ip_address("10.0.1.5")
        .description(&description)
        .send()
        .await
        .expect("the ALB's interface");
    let tg_arn = world::ip_target_group(&clients.elbv2, &vpc_id).await.expect("target group");
    let table = unique("state");
    world::state_table(&clients.dynamodb, &table, contract::alb_static_ip::sync::STATE_KEY_ATTRIBUTE)
        .await
        .expect("table");
    let config = Config {
        groups: vec![Group { arn: tg_arn, port: 443 }],
        alb_arn,
        discovery: Discovery::NetworkInterfaces { description },
        table,
        miss_threshold: 3,
        max_deregistrations: 2,
        manage_foreign: false,
        cross_vpc: false,
        namespace: "AlbStaticIpFaults".to_owned(),
    };
    (clients, config)
}

async fn run(clients: &Clients, config: &Config) -> Result<alb_static_ip::Report, runtime::HandlerError> {
    alb_static_ip::handle(clients, config, LambdaEvent::new(json!({}), Context::default())).await
}

fn throttle_register_targets(region: &str, count: u64) {
    faults::inject(&json!({
        "service": "elasticloadbalancing", "operation": "RegisterTargets", "region": region,
        "status": 400, "code": "Throttling", "message": "Rate exceeded", "count": count,
    }));
}

async fn registered(clients: &Clients, config: &Config) -> Vec<String> {
    let health = clients
        .elbv2
        .describe_target_health()
        .target_group_arn(&config.groups[0].arn)
        .send()
        .await
        .expect("health");
    health
        .target_health_descriptions()
        .iter()
        .filter(|d| d.target_health().and_then(|h| h.state()).is_none_or(|s| s.as_str() != "draining"))
        .filter_map(|d| d.target()?.id().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn throttled_registration_is_retried_by_the_sdk_then_succeeds() {
    const REGION: &str = "eu-west-3";
    let (clients, config) = world_in(REGION).await;
    throttle_register_targets(REGION, 2);
    let report = run(&clients, &config).await.expect("succeeds on the third attempt");
    assert_eq!(report.groups[0].registered, ["10.0.1.5"]);
    assert_eq!(registered(&clients, &config).await, ["10.0.1.5"]);
    assert_eq!(faults::calls("elasticloadbalancing", "RegisterTargets", REGION), 3);
    assert_eq!(faults::calls("dynamodb", "PutItem", REGION), 1, "the registration is recorded once");
}

#[tokio::test]
async fn persistent_throttling_fails_the_run_retryably_without_writing_state() {
    const REGION: &str = "eu-south-1";
    let (clients, config) = world_in(REGION).await;
    throttle_register_targets(REGION, 3);
    let err = run(&clients, &config).await.expect_err("throttled out");
    assert_eq!(err.error_type(), "AwsError");
    assert!(err.is_retryable());
    assert!(err.to_string().starts_with("RegisterTargets failed"), "{err}");
    assert_eq!(
        faults::calls("elasticloadbalancing", "RegisterTargets", REGION),
        3,
        "the SDK tried three times"
    );
    assert_eq!(
        faults::calls("dynamodb", "PutItem", REGION),
        0,
        "state must not claim targets that were not registered"
    );
    assert!(registered(&clients, &config).await.is_empty());

    // Lambda's retry of the failed invocation finds AWS well again and finishes the job.
    let retried = run(&clients, &config).await.expect("the retry succeeds");
    assert_eq!(retried.groups[0].registered, ["10.0.1.5"]);
}
