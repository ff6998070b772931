//! Failure paths the emulator cannot produce, with the SDK's own mock interceptor: throttling
//! sequences on the write calls. Everything else is tested against the emulator (`alb_static_ip.rs`).

use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
use aws_sdk_ec2::operation::describe_network_interfaces::DescribeNetworkInterfacesOutput;
use aws_sdk_ec2::types::{NetworkInterface, NetworkInterfacePrivateIpAddress};
use aws_sdk_elasticloadbalancingv2::operation::describe_target_health::DescribeTargetHealthOutput;
use aws_sdk_elasticloadbalancingv2::operation::register_targets::RegisterTargetsOutput;
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
use aws_smithy_types::retry::RetryConfig;
use lambda_runtime::{Context, LambdaEvent};
use runtime::Clients;
use runtime::alb_static_ip::{self, Config, Discovery, Group};

const ALB_ARN: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
const THROTTLED: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>";

fn interceptor(rules: &[&Rule]) -> MockResponseInterceptor {
    rules.iter().fold(MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny), |i, r| i.with_rule(r))
}

/// Three attempts with millisecond backoff: the SDK's standard retry policy, fast enough for a test.
fn retry() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1))
}

macro_rules! client {
    ($krate:ident, $rules:expr) => {
        $krate::Client::from_conf(
            $krate::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("test", "test", None, None, "mock"))
                .retry_config(retry())
                .http_client(create_mock_http_client())
                .interceptor(interceptor($rules))
                .build(),
        )
    };
}

fn enis() -> Rule {
    mock!(aws_sdk_ec2::Client::describe_network_interfaces).then_output(|| {
        DescribeNetworkInterfacesOutput::builder()
            .network_interfaces(
                NetworkInterface::builder()
                    .private_ip_addresses(
                        NetworkInterfacePrivateIpAddress::builder().private_ip_address("10.0.1.5").build(),
                    )
                    .build(),
            )
            .build()
    })
}

fn config() -> Config {
    Config {
        groups: vec![Group {
            arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1".into(),
            port: 443,
        }],
        alb_arn: ALB_ARN.into(),
        discovery: Discovery::NetworkInterfaces { description: "ELB app/web/50dc6c495c0c9188".into() },
        table: "state".into(),
        miss_threshold: 3,
        max_deregistrations: 2,
        manage_foreign: false,
        cross_vpc: false,
        namespace: "Test".into(),
    }
}

async fn run(register: &Rule, put: &Rule) -> Result<alb_static_ip::Report, runtime::HandlerError> {
    let enis = enis();
    let health = mock!(aws_sdk_elasticloadbalancingv2::Client::describe_target_health)
        .then_output(|| DescribeTargetHealthOutput::builder().build());
    let get = mock!(aws_sdk_dynamodb::Client::get_item).then_output(|| GetItemOutput::builder().build());
    let clients = Clients {
        ec2: client!(aws_sdk_ec2, &[&enis]),
        elbv2: client!(aws_sdk_elasticloadbalancingv2, &[&health, register]),
        dynamodb: client!(aws_sdk_dynamodb, &[&get, put]),
    };
    alb_static_ip::handle(&clients, &config(), LambdaEvent::new(serde_json::json!({}), Context::default()))
        .await
}

#[tokio::test]
async fn throttled_registration_is_retried_by_the_sdk_then_succeeds() {
    let register = mock!(aws_sdk_elasticloadbalancingv2::Client::register_targets)
        .sequence()
        .http_status(400, Some(THROTTLED.to_owned()))
        .times(2)
        .output(|| RegisterTargetsOutput::builder().build())
        .build();
    let put = mock!(aws_sdk_dynamodb::Client::put_item).then_output(|| PutItemOutput::builder().build());
    let report = run(&register, &put).await.expect("succeeds on the third attempt");
    assert_eq!(report.groups[0].registered, ["10.0.1.5"]);
    assert_eq!(register.num_calls(), 3);
    assert_eq!(put.num_calls(), 1);
}

#[tokio::test]
async fn persistent_throttling_fails_the_run_retryably_without_writing_state() {
    let register = mock!(aws_sdk_elasticloadbalancingv2::Client::register_targets)
        .sequence()
        .http_status(400, Some(THROTTLED.to_owned()))
        .times(3)
        .build();
    let put = mock!(aws_sdk_dynamodb::Client::put_item).then_output(|| PutItemOutput::builder().build());
    let err = run(&register, &put).await.expect_err("throttled out");
    assert_eq!(err.error_type(), "AwsError");
    assert!(err.is_retryable());
    assert!(err.to_string().starts_with("RegisterTargets failed"), "{err}");
    assert_eq!(put.num_calls(), 0, "state must not claim targets that were not registered");
}
