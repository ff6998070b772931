use expect_test::expect;

use super::*;
use crate::cfn::{Expr, LogicalId, Resource};

fn json(props: impl Into<ResourceProps>) -> String {
    serde_json::to_string(&Resource::new(props.into())).unwrap()
}

#[test]
fn resources_serialize_as_type_and_properties_with_spec_spellings() {
    let asg = autoscaling::AutoScalingGroup {
        min_size: Some("1".into()),
        max_size: Some("2".into()),
        vpc_zone_identifier: vec![Expr::str("subnet-1")],
        target_group_arns: vec![Expr::str("tg")],
        ..Default::default()
    };
    expect![[r#"{"Type":"AWS::AutoScaling::AutoScalingGroup","Properties":{"MinSize":"1","MaxSize":"2","VPCZoneIdentifier":["subnet-1"],"TargetGroupARNs":["tg"]}}"#]]
        .assert_eq(&json(asg));

    let table = dynamodb::Table {
        billing_mode: Some("PAY_PER_REQUEST".into()),
        sse_specification: Some(dynamodb::SseSpecification {
            sse_enabled: Some(true.into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    expect![[r#"{"Type":"AWS::DynamoDB::Table","Properties":{"BillingMode":"PAY_PER_REQUEST","SSESpecification":{"SSEEnabled":true}}}"#]]
        .assert_eq(&json(table));

    let queue = sqs::Queue {
        redrive_policy: Some(sqs::RedrivePolicy {
            dead_letter_target_arn: Some(Expr::get_att(&LogicalId::new("Dlq").unwrap(), "Arn")),
            max_receive_count: Some(3u32.into()),
        }),
        ..Default::default()
    };
    expect![[r#"{"Type":"AWS::SQS::Queue","Properties":{"RedrivePolicy":{"deadLetterTargetArn":{"Fn::GetAtt":["Dlq","Arn"]},"maxReceiveCount":3}}}"#]]
        .assert_eq(&json(queue));

    let role = iam::Role {
        assume_role_policy_document: Some(iam::PolicyDocument::assume_role("lambda.amazonaws.com")),
        ..Default::default()
    };
    expect![[r#"{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}}}"#]]
        .assert_eq(&json(role));

    let sub = ec2::Subnet { map_public_ip_on_launch: Some(false.into()), ..Default::default() };
    expect![[r#"{"Type":"AWS::EC2::Subnet","Properties":{"MapPublicIpOnLaunch":false}}"#]]
        .assert_eq(&json(sub));
    expect![[r#"{"Type":"AWS::EC2::InternetGateway","Properties":{}}"#]]
        .assert_eq(&json(ec2::InternetGateway::default()));
}

#[test]
fn type_names_are_unique_and_well_formed() {
    let mut names: Vec<&str> = ALL_TYPES.iter().map(|(n, _)| *n).collect();
    for n in &names {
        let parts: Vec<&str> = n.split("::").collect();
        assert!(parts.len() == 3 && parts[0] == "AWS", "{n}");
    }
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
}
