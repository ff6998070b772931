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
fn keys_that_pascal_case_would_misspell() {
    let lb = elbv2::LoadBalancer {
        r#type: Some("network".into()),
        subnet_mappings: vec![elbv2::SubnetMapping {
            subnet_id: Some("subnet-1".into()),
            allocation_id: Some("eipalloc-1".into()),
            private_ipv4_address: Some("10.0.0.10".into()),
            ipv6_address: None,
        }],
        enforce_security_group_inbound_rules_on_private_link_traffic: Some("off".into()),
        ..Default::default()
    };
    expect![[r#"{"Type":"AWS::ElasticLoadBalancingV2::LoadBalancer","Properties":{"Type":"network","SubnetMappings":[{"SubnetId":"subnet-1","AllocationId":"eipalloc-1","PrivateIPv4Address":"10.0.0.10"}],"EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic":"off"}}"#]]
        .assert_eq(&json(lb));

    let alarm = cloudwatch::Alarm {
        alarm_actions: vec![Expr::str("topic")],
        ok_actions: vec![Expr::str("topic")],
        ..Default::default()
    };
    expect![[
        r#"{"Type":"AWS::CloudWatch::Alarm","Properties":{"AlarmActions":["topic"],"OKActions":["topic"]}}"#
    ]]
    .assert_eq(&json(alarm));

    let hook = autoscaling::LifecycleHook {
        notification_target_arn: Some("q".into()),
        role_arn: Some("r".into()),
        ..Default::default()
    };
    expect![[r#"{"Type":"AWS::AutoScaling::LifecycleHook","Properties":{"NotificationTargetARN":"q","RoleARN":"r"}}"#]]
        .assert_eq(&json(hook));

    let permission = lambda::Permission {
        action: Some("lambda:InvokeFunction".into()),
        principal: Some("elasticloadbalancing.amazonaws.com".into()),
        principal_org_id: Some("o-1".into()),
        ..Default::default()
    };
    expect![[r#"{"Type":"AWS::Lambda::Permission","Properties":{"Action":"lambda:InvokeFunction","Principal":"elasticloadbalancing.amazonaws.com","PrincipalOrgID":"o-1"}}"#]]
        .assert_eq(&json(permission));

    let bucket = s3::Bucket {
        bucket_encryption: Some(s3::BucketEncryption {
            server_side_encryption_configuration: vec![s3::ServerSideEncryptionRule {
                server_side_encryption_by_default: Some(s3::ServerSideEncryptionByDefault {
                    sse_algorithm: Some("aws:kms".into()),
                    kms_master_key_id: Some("key".into()),
                }),
                bucket_key_enabled: Some(true.into()),
            }],
        }),
        ..Default::default()
    };
    expect![[r#"{"Type":"AWS::S3::Bucket","Properties":{"BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"key"},"BucketKeyEnabled":true}]}}}"#]]
        .assert_eq(&json(bucket));
}

#[test]
fn nested_property_types_render_typed() {
    let rule = elbv2::ListenerRule {
        listener_arn: Some("listener".into()),
        priority: Some(10.into()),
        conditions: vec![elbv2::RuleCondition {
            field: Some("path-pattern".into()),
            path_pattern_config: Some(elbv2::PathPatternConfig { values: vec!["/health".into()] }),
            ..Default::default()
        }],
        actions: vec![elbv2::Action {
            r#type: Some("fixed-response".into()),
            fixed_response_config: Some(elbv2::FixedResponseConfig {
                status_code: Some("200".into()),
                content_type: Some("text/plain".into()),
                message_body: Some("ok".into()),
            }),
            ..Default::default()
        }],
    };
    expect![[r#"{"Type":"AWS::ElasticLoadBalancingV2::ListenerRule","Properties":{"ListenerArn":"listener","Priority":10,"Conditions":[{"Field":"path-pattern","PathPatternConfig":{"Values":["/health"]}}],"Actions":[{"Type":"fixed-response","FixedResponseConfig":{"StatusCode":"200","ContentType":"text/plain","MessageBody":"ok"}}]}}"#]]
        .assert_eq(&json(rule));

    let lt = ec2::LaunchTemplate {
        launch_template_data: Some(ec2::LaunchTemplateData {
            metadata_options: Some(ec2::MetadataOptions {
                http_tokens: Some("required".into()),
                ..Default::default()
            }),
            network_interfaces: vec![ec2::LaunchTemplateNetworkInterface {
                device_index: Some(0.into()),
                groups: vec!["sg-1".into()],
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    expect![[r#"{"Type":"AWS::EC2::LaunchTemplate","Properties":{"LaunchTemplateData":{"MetadataOptions":{"HttpTokens":"required"},"NetworkInterfaces":[{"DeviceIndex":0,"Groups":["sg-1"]}]}}}"#]]
        .assert_eq(&json(lt));

    let mut statement = iam::Statement::allow(vec!["sqs:SendMessage".to_owned()], vec![Expr::str("queue")]);
    statement.principal = Some(iam::Principal::Aws(vec![Expr::str("arn:aws:iam::111122223333:root")]));
    statement
        .condition
        .entry("StringEquals".to_owned())
        .or_default()
        .insert("aws:SourceAccount".to_owned(), Expr::pseudo(crate::cfn::Pseudo::AccountId));
    expect![[r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"]},"Action":["sqs:SendMessage"],"Resource":["queue"],"Condition":{"StringEquals":{"aws:SourceAccount":{"Ref":"AWS::AccountId"}}}}]}"#]]
        .assert_eq(&serde_json::to_string(&iam::PolicyDocument::new(vec![statement])).unwrap());

    let parameter = ssm::Parameter {
        r#type: Some("String".into()),
        tags: [("team".to_owned(), Expr::str("net"))].into(),
        ..Default::default()
    };
    expect![[r#"{"Type":"AWS::SSM::Parameter","Properties":{"Type":"String","Tags":{"team":"net"}}}"#]]
        .assert_eq(&json(parameter));
}

#[test]
fn absent_optional_properties_are_omitted_not_null() {
    let f = serverless::Function {
        code_uri: Some(serverless::CodeUri { bucket: Some("b".into()), key: None }),
        dead_letter_queue: Some(serverless::DeadLetterQueue::default()),
        events: [(
            "Tick".to_owned(),
            serverless::EventSource::Schedule(serverless::ScheduleEvent::default()),
        )]
        .into(),
        ..Default::default()
    };
    expect![[r#"{"Type":"AWS::Serverless::Function","Properties":{"CodeUri":{"Bucket":"b"},"DeadLetterQueue":{},"Events":{"Tick":{"Type":"Schedule","Properties":{}}}}}"#]]
        .assert_eq(&json(f));
}

#[test]
fn type_names_are_unique_and_well_formed() {
    let mut names: Vec<&str> = ALL_TYPES.iter().map(|(n, _)| *n).collect();
    for n in &names {
        let parts: Vec<&str> = n.split("::").collect();
        let segment_ok = |s: &&str| {
            s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
        };
        assert!(parts.len() == 3 && parts[0] == "AWS" && parts[1..].iter().all(segment_ok), "{n}");
    }
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
}

#[test]
fn attribute_lists_are_sorted_unique_and_match_the_variants() {
    for (name, attrs) in ALL_TYPES {
        assert!(attrs.windows(2).all(|w| w[0] < w[1]), "{name}: {attrs:?}");
        assert!(attrs.iter().all(|a| !a.is_empty() && !a.contains(' ')), "{name}: {attrs:?}");
    }
    let vpc = ResourceProps::from(ec2::Vpc::default());
    assert_eq!(vpc.type_name(), "AWS::EC2::VPC");
    assert!(ALL_TYPES.contains(&(vpc.type_name(), vpc.attributes())));
}
