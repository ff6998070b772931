//! Firewall-style appliances in an Auto Scaling group (FortiGate-style), each instance given extra
//! network interfaces, public addresses, a role and a licence by a lifecycle function.
//!
//! The group has a launch hook (default result ABANDON: an appliance without its interfaces must
//! not take traffic) and a terminate hook (CONTINUE: termination proceeds; the scheduled sweep
//! cleans up whatever a failed run left), both with a heartbeat timeout that validation checks
//! against the function's timeout and retries. EventBridge delivers the group's lifecycle actions to
//! the function; a schedule runs the sweep. State (members, the primary, licence leases) lives in a
//! DynamoDB table written only with conditional writes.
//!
//! IAM: EC2 writes are scoped by resource tags where EC2 supports it: the function may only attach to
//! instances of its own group, and only modify, detach, delete or release interfaces and addresses it
//! tagged at creation. `Describe*` calls, which IAM cannot scope, are the only `*` resources.

use std::collections::BTreeMap;

use contract::appliance_asg::lifecycle as env;

use crate::blueprint::{ApplianceAsg, DefaultResult, Licences, PublicIpSetting};
use crate::cfn::resources::iam::{PolicyDocument, Principal, Statement};
use crate::cfn::resources::{autoscaling, cloudwatch, dynamodb, ec2, events, lambda, s3};
use crate::cfn::{Expr, Template};
use crate::constructs::function::{self, FunctionProps};
use crate::constructs::{BuildError, Ctx, id, output};
use crate::validate::APPLIANCE_FUNCTION_TIMEOUT_SECONDS;

/// Tags the function puts on what it creates (see `runtime::appliance_asg::network`).
const INSTANCE_TAG: &str = "iac:appliance-instance";

pub fn build(ctx: &Ctx, description: Option<&str>, a: &ApplianceAsg) -> Result<Template, BuildError> {
    let mut t = Template {
        description: Some(description.map_or_else(
            || format!("{}: appliances in an Auto Scaling group with extra network interfaces", ctx.stack),
            str::to_owned,
        )),
        ..Template::default()
    };
    // The group's name is fixed so the function's permissions can name it before it exists.
    let asg_name = ctx.stack.clone();

    let launch_template = id(&["LaunchTemplate"])?;
    t.add(
        &launch_template,
        ec2::LaunchTemplate {
            launch_template_data: Some(ec2::LaunchTemplateData {
                image_id: Some((&a.image_id).into()),
                instance_type: Some((&a.instance_type).into()),
                key_name: a.key_name.as_ref().map(Into::into),
                metadata_options: Some(ec2::MetadataOptions {
                    http_tokens: Some("required".into()),
                    http_endpoint: Some("enabled".into()),
                    ..Default::default()
                }),
                network_interfaces: vec![ec2::LaunchTemplateNetworkInterface {
                    device_index: Some(0.into()),
                    groups: a.boot_interface.security_groups.iter().map(Into::into).collect(),
                    delete_on_termination: Some(true.into()),
                    associate_public_ip_address: Some(false.into()),
                    description: Some("boot interface (device 0)".into()),
                    ..Default::default()
                }],
                // No block device mapping: the root device's name and size belong to the appliance
                // image (naming a device the image lacks adds a volume AWS rejects without a size);
                // encrypt with the account's EBS encryption by default.
                tag_specifications: vec![ec2::TagSpecification {
                    resource_type: Some("instance".into()),
                    tags: ctx.tags(),
                }],
                ..Default::default()
            }),
            ..Default::default()
        },
    )?;

    let heartbeat = a.lifecycle.heartbeat_timeout_seconds;
    let hook = |name: &str, transition: &str, result: &str| autoscaling::LifecycleHookSpecification {
        lifecycle_hook_name: Some(name.into()),
        lifecycle_transition: Some(transition.into()),
        default_result: Some(result.into()),
        heartbeat_timeout: Some(heartbeat.into()),
        ..Default::default()
    };
    let launch_default = match a.lifecycle.launch_default_result {
        DefaultResult::Abandon => "ABANDON",
        DefaultResult::Continue => "CONTINUE",
    };
    let group = id(&["Group"])?;
    let mut tags: Vec<autoscaling::AsgTag> = ctx
        .tags
        .iter()
        .map(|(k, v)| autoscaling::AsgTag {
            key: Some(k.into()),
            value: Some(v.into()),
            propagate_at_launch: Some(true.into()),
        })
        .collect();
    tags.push(autoscaling::AsgTag {
        key: Some("Name".into()),
        value: Some(asg_name.as_str().into()),
        propagate_at_launch: Some(true.into()),
    });
    t.add(
        &group,
        autoscaling::AutoScalingGroup {
            auto_scaling_group_name: Some(asg_name.as_str().into()),
            launch_template: Some(autoscaling::LaunchTemplateSpecification {
                launch_template_id: Some(Expr::r#ref(&launch_template)),
                version: Some(Expr::get_att(&launch_template, "LatestVersionNumber")),
                ..Default::default()
            }),
            min_size: Some(a.capacity.min.to_string().into()),
            max_size: Some(a.capacity.max.to_string().into()),
            desired_capacity: Some(a.capacity.desired.to_string().into()),
            vpc_zone_identifier: a.boot_interface.subnets.iter().map(Into::into).collect(),
            lifecycle_hook_specification_list: vec![
                hook("launch", "autoscaling:EC2_INSTANCE_LAUNCHING", launch_default),
                hook("terminate", "autoscaling:EC2_INSTANCE_TERMINATING", "CONTINUE"),
            ],
            metrics_collection: vec![autoscaling::MetricsCollection {
                granularity: Some("1Minute".into()),
                metrics: Vec::new(),
            }],
            tags,
            ..Default::default()
        },
    )?
    // The hooks must exist before the first instance launches, and the function before the first
    // event: instances wait for the rule, the rule for the function.
    .depends_on
    .insert(id(&["LifecycleRule"])?);

    let table = id(&["State"])?;
    t.add(
        &table,
        dynamodb::Table {
            attribute_definitions: vec![dynamodb::AttributeDefinition {
                attribute_name: Some(env::STATE_KEY_ATTRIBUTE.into()),
                attribute_type: Some("S".into()),
            }],
            key_schema: vec![dynamodb::KeySchema {
                attribute_name: Some(env::STATE_KEY_ATTRIBUTE.into()),
                key_type: Some("HASH".into()),
            }],
            billing_mode: Some("PAY_PER_REQUEST".into()),
            sse_specification: Some(dynamodb::SseSpecification {
                sse_enabled: Some(true.into()),
                ..Default::default()
            }),
            point_in_time_recovery_specification: Some(dynamodb::PointInTimeRecoverySpecification {
                point_in_time_recovery_enabled: Some(true.into()),
            }),
            tags: ctx.tags(),
            ..Default::default()
        },
    )?;

    let licence_bucket = match a.licences {
        Licences::None => None,
        Licences::Files => Some(licence_bucket(&mut t, ctx)?),
    };

    let zones = &a.zones;
    let specs: Vec<serde_json::Value> = a
        .interfaces
        .iter()
        .map(|i| {
            let public_ip = match &i.public_ip {
                PublicIpSetting::None => serde_json::json!("none"),
                PublicIpSetting::Amazon => serde_json::json!({"allocate": {"pool": null}}),
                PublicIpSetting::ByoipPool(p) => serde_json::json!({"allocate": {"pool": p}}),
                PublicIpSetting::ElasticIps(ids) => serde_json::json!({"existing": {"allocation_ids": ids}}),
            };
            serde_json::json!({
                "device_index": i.device_index,
                "subnets": zones.iter().cloned().zip(i.subnets.iter().cloned()).collect::<BTreeMap<_, _>>(),
                "security_groups": i.security_groups,
                "source_dest_check": i.source_dest_check,
                "description": i.description.clone().unwrap_or_else(|| format!("{} device {}", asg_name, i.device_index)),
                "public_ip": public_ip,
            })
        })
        .collect();
    let env = BTreeMap::from([
        (env::ASG_NAME.name, Expr::str(&asg_name)),
        (env::STATE_TABLE.name, Expr::r#ref(&table)),
        (env::INTERFACES.name, Expr::str(serde_json::Value::Array(specs).to_string())),
        (env::LICENCE_BUCKET.name, licence_bucket.as_ref().map_or_else(|| Expr::str(""), Expr::r#ref)),
        (env::SCALE_IN_PROTECTION.name, Expr::str(a.primary_scale_in_protection.to_string())),
    ]);
    let f = function::build(
        &mut t,
        ctx,
        &FunctionProps {
            name: "Lifecycle",
            spec: &env::FUNCTION,
            description: format!("{}: interfaces, addresses, role and licence of each appliance", ctx.stack),
            env,
            memory_mb: 256,
            timeout_seconds: APPLIANCE_FUNCTION_TIMEOUT_SECONDS,
            architecture: a.architecture,
            log_retention_days: a.log_retention_days,
            vpc: None,
            reserved_concurrency: None,
            dead_letter_queue: true,
            schedule: Some((
                "rate(10 minutes)".to_owned(),
                format!("{}: cleans up appliances that vanished", ctx.stack),
            )),
        },
    )?;

    let rule = id(&["LifecycleRule"])?;
    t.add(
        &rule,
        events::Rule {
            description: Some(format!("{}: lifecycle actions of the appliance group", ctx.stack).into()),
            event_pattern: Some(Expr::map([
                ("source", Expr::List(vec!["aws.autoscaling".into()])),
                (
                    "detail-type",
                    Expr::List(vec![
                        "EC2 Instance-launch Lifecycle Action".into(),
                        "EC2 Instance-terminate Lifecycle Action".into(),
                    ]),
                ),
                ("detail", Expr::map([("AutoScalingGroupName", Expr::List(vec![asg_name.as_str().into()]))])),
            ])),
            state: Some("ENABLED".into()),
            targets: vec![events::Target {
                id: Some("Lifecycle".into()),
                arn: Some(Expr::get_att(&f.id, "Arn")),
                ..Default::default()
            }],
            ..Default::default()
        },
    )?;
    t.add(
        &id(&["LifecycleRulePermission"])?,
        lambda::Permission {
            action: Some("lambda:InvokeFunction".into()),
            function_name: Some(Expr::get_att(&f.id, "Arn")),
            principal: Some("events.amazonaws.com".into()),
            source_arn: Some(Expr::get_att(&rule, "Arn")),
            ..Default::default()
        },
    )?;

    grants(&mut t, &f, a, &asg_name, &table, licence_bucket.as_ref());
    alarms(&mut t, a, &f)?;

    let mut out = |name: &str, description: &str, value: Expr| output(&mut t, name, description, value);
    out("GroupName", "The appliance Auto Scaling group", Expr::str(&asg_name))?;
    out("StateTable", "Members, primary and licence leases", Expr::r#ref(&table))?;
    if let Some(bucket) = &licence_bucket {
        out("LicenceBucket", "Put licence files (*.lic) here, one per instance", Expr::r#ref(bucket))?;
    }
    Ok(t)
}

fn licence_bucket(t: &mut Template, ctx: &Ctx) -> Result<crate::cfn::LogicalId, BuildError> {
    let bucket = id(&["LicenceBucket"])?;
    t.add(
        &bucket,
        s3::Bucket {
            bucket_encryption: Some(s3::BucketEncryption {
                server_side_encryption_configuration: vec![s3::ServerSideEncryptionRule {
                    server_side_encryption_by_default: Some(s3::ServerSideEncryptionByDefault {
                        sse_algorithm: Some("AES256".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                }],
            }),
            public_access_block_configuration: Some(s3::PublicAccessBlockConfiguration {
                block_public_acls: Some(true.into()),
                block_public_policy: Some(true.into()),
                ignore_public_acls: Some(true.into()),
                restrict_public_buckets: Some(true.into()),
            }),
            versioning_configuration: Some(s3::VersioningConfiguration { status: Some("Enabled".into()) }),
            ownership_controls: Some(s3::OwnershipControls {
                rules: vec![s3::OwnershipRule { object_ownership: Some("BucketOwnerEnforced".into()) }],
            }),
            tags: ctx.tags(),
            ..Default::default()
        },
    )?
    // Licences are paid for: never delete them with the stack.
    .retain();
    let mut deny = Statement {
        sid: Some("TlsOnly".into()),
        effect: crate::cfn::resources::iam::Effect::Deny,
        principal: Some(Principal::Aws(vec![Expr::str("*")])),
        action: vec!["s3:*".into()],
        resource: vec![
            Expr::get_att(&bucket, "Arn"),
            Expr::join("", [Expr::get_att(&bucket, "Arn"), "/*".into()]),
        ],
        ..Statement::default()
    };
    deny.condition
        .insert("Bool".into(), BTreeMap::from([("aws:SecureTransport".to_owned(), Expr::str("false"))]));
    t.add(
        &id(&["LicenceBucketPolicy"])?,
        s3::BucketPolicy {
            bucket: Some(Expr::r#ref(&bucket)),
            policy_document: PolicyDocument::new(vec![deny]),
        },
    )?;
    Ok(bucket)
}

fn grants(
    t: &mut Template,
    f: &function::Function,
    a: &ApplianceAsg,
    asg_name: &str,
    table: &crate::cfn::LogicalId,
    licence_bucket: Option<&crate::cfn::LogicalId>,
) {
    let arn = |resource: &str| Expr::arn("ec2", resource);
    let cond = |op: &str, key: &str, value: Expr| {
        BTreeMap::from([(op.to_owned(), BTreeMap::from([(key.to_owned(), value)]))])
    };
    let tagged_by_function = cond("StringLike", &format!("ec2:ResourceTag/{INSTANCE_TAG}"), Expr::str("i-*"));

    f.grant(
        t,
        Statement::allow(
            vec![
                "autoscaling:CompleteLifecycleAction".into(),
                "autoscaling:RecordLifecycleActionHeartbeat".into(),
                "autoscaling:SetInstanceProtection".into(),
            ],
            vec![Expr::sub(format!(
                "arn:${{AWS::Partition}}:autoscaling:${{AWS::Region}}:${{AWS::AccountId}}:autoScalingGroup:*:autoScalingGroupName/{asg_name}"
            ))],
        ),
    );
    // Describe calls cannot be scoped to resources.
    f.grant(
        t,
        Statement::allow(
            vec![
                "autoscaling:DescribeAutoScalingInstances".into(),
                "ec2:DescribeInstances".into(),
                "ec2:DescribeNetworkInterfaces".into(),
                "ec2:DescribeAddresses".into(),
            ],
            vec![Expr::str("*")],
        ),
    );
    // New interfaces: only in the configured subnets and groups, and only tagged for an instance.
    let mut subnets: Vec<&String> = a.interfaces.iter().flat_map(|i| i.subnets.iter()).collect();
    subnets.sort();
    subnets.dedup();
    let mut groups: Vec<&String> = a.interfaces.iter().flat_map(|i| i.security_groups.iter()).collect();
    groups.sort();
    groups.dedup();
    let mut create =
        Statement::allow(vec!["ec2:CreateNetworkInterface".into()], vec![arn("network-interface/*")]);
    create.condition = cond("StringLike", &format!("aws:RequestTag/{INSTANCE_TAG}"), Expr::str("i-*"));
    f.grant(t, create);
    f.grant(
        t,
        Statement::allow(
            vec!["ec2:CreateNetworkInterface".into()],
            subnets
                .iter()
                .map(|s| arn(&format!("subnet/{s}")))
                .chain(groups.iter().map(|g| arn(&format!("security-group/{g}"))))
                .collect(),
        ),
    );
    let mut tag_on_create = Statement::allow(
        vec!["ec2:CreateTags".into()],
        vec![arn("network-interface/*"), arn("elastic-ip/*")],
    );
    tag_on_create.condition = cond(
        "StringEquals",
        "ec2:CreateAction",
        Expr::List(vec!["CreateNetworkInterface".into(), "AllocateAddress".into()]),
    );
    f.grant(t, tag_on_create);
    // Attach only to the group's own instances, and only interfaces the function created.
    let mut attach_to = Statement::allow(
        vec!["ec2:AttachNetworkInterface".into(), "ec2:DetachNetworkInterface".into()],
        vec![arn("instance/*")],
    );
    attach_to.condition =
        cond("StringEquals", "ec2:ResourceTag/aws:autoscaling:groupName", Expr::str(asg_name));
    f.grant(t, attach_to);
    let mut own_interfaces = Statement::allow(
        vec![
            "ec2:AttachNetworkInterface".into(),
            "ec2:DetachNetworkInterface".into(),
            "ec2:ModifyNetworkInterfaceAttribute".into(),
            "ec2:DeleteNetworkInterface".into(),
        ],
        vec![arn("network-interface/*")],
    );
    own_interfaces.condition = tagged_by_function.clone();
    f.grant(t, own_interfaces);

    // Addresses: allocate tagged ones; associate, disassociate and release only those; associate the
    // user's own listed addresses, which are never released.
    let public: Vec<&PublicIpSetting> = a.interfaces.iter().map(|i| &i.public_ip).collect();
    if public.iter().any(|p| matches!(p, PublicIpSetting::Amazon | PublicIpSetting::ByoipPool(_))) {
        let mut allocate = Statement::allow(vec!["ec2:AllocateAddress".into()], vec![arn("elastic-ip/*")]);
        allocate.condition = cond("StringLike", &format!("aws:RequestTag/{INSTANCE_TAG}"), Expr::str("i-*"));
        f.grant(t, allocate);
        let pools: Vec<Expr> = public
            .iter()
            .filter_map(|p| match p {
                PublicIpSetting::ByoipPool(pool) => Some(arn(&format!("ipv4pool-ec2/{pool}"))),
                _ => None,
            })
            .collect();
        if !pools.is_empty() {
            f.grant(t, Statement::allow(vec!["ec2:AllocateAddress".into()], pools));
        }
        let mut own_addresses = Statement::allow(
            vec![
                "ec2:AssociateAddress".into(),
                "ec2:DisassociateAddress".into(),
                "ec2:ReleaseAddress".into(),
            ],
            vec![arn("elastic-ip/*")],
        );
        own_addresses.condition = tagged_by_function.clone();
        f.grant(t, own_addresses);
    }
    let users: Vec<Expr> = public
        .iter()
        .filter_map(|p| match p {
            PublicIpSetting::ElasticIps(ids) => Some(ids.iter().map(|id| arn(&format!("elastic-ip/{id}")))),
            _ => None,
        })
        .flatten()
        .collect();
    if !users.is_empty() {
        f.grant(
            t,
            Statement::allow(vec!["ec2:AssociateAddress".into(), "ec2:DisassociateAddress".into()], users),
        );
    }
    if public.iter().any(|p| !matches!(p, PublicIpSetting::None)) {
        let mut into_own =
            Statement::allow(vec!["ec2:AssociateAddress".into()], vec![arn("network-interface/*")]);
        into_own.condition = tagged_by_function;
        f.grant(t, into_own);
    }

    f.grant(
        t,
        Statement::allow(
            vec![
                "dynamodb:GetItem".into(),
                "dynamodb:PutItem".into(),
                "dynamodb:UpdateItem".into(),
                "dynamodb:DeleteItem".into(),
                "dynamodb:Scan".into(),
            ],
            vec![Expr::get_att(table, "Arn")],
        ),
    );
    if let Some(bucket) = licence_bucket {
        f.grant(t, Statement::allow(vec!["s3:ListBucket".into()], vec![Expr::get_att(bucket, "Arn")]));
        // Token lists (`*.json`) are read to count their tokens.
        f.grant(
            t,
            Statement::allow(
                vec!["s3:GetObject".into()],
                vec![Expr::join("", [Expr::get_att(bucket, "Arn"), "/*".into()])],
            ),
        );
    }
}

fn alarms(t: &mut Template, a: &ApplianceAsg, f: &function::Function) -> Result<(), BuildError> {
    let actions: Vec<Expr> = a.alarm_topic_arn.iter().map(Expr::from).collect();
    let alarm =
        |description: &str, namespace: &str, metric: &str, dimension: (&str, Expr), statistic: &str| {
            cloudwatch::Alarm {
                alarm_description: Some(description.into()),
                namespace: Some(namespace.into()),
                metric_name: Some(metric.into()),
                dimensions: vec![cloudwatch::Dimension {
                    name: Some(dimension.0.into()),
                    value: Some(dimension.1),
                }],
                statistic: Some(statistic.into()),
                period: Some(60.into()),
                evaluation_periods: Some(1.into()),
                threshold: Some(0.into()),
                comparison_operator: Some("GreaterThanThreshold".into()),
                treat_missing_data: Some("notBreaching".into()),
                alarm_actions: actions.clone(),
                ok_actions: actions.clone(),
                ..Default::default()
            }
        };
    t.add(
        &id(&["LifecycleErrorsAlarm"])?,
        alarm(
            "The appliance lifecycle function failed (an instance may be abandoned, or the licence pool is empty)",
            "AWS/Lambda",
            "Errors",
            ("FunctionName", Expr::r#ref(&f.id)),
            "Sum",
        ),
    )?;
    if let Some(dlq) = &f.dead_letter_queue {
        t.add(
            &id(&["LifecycleDeadLettersAlarm"])?,
            alarm(
                "Lifecycle events failed after retries and landed in the dead-letter queue",
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                ("QueueName", Expr::get_att(dlq, "QueueName")),
                "Maximum",
            ),
        )?;
    }
    Ok(())
}
