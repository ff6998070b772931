//! What tests and benches build in the emulator before they run a function: VPCs with subnets per
//! device index and zone, state tables, licence buckets, Auto Scaling groups with lifecycle hooks, and
//! the queue EventBridge delivers lifecycle events to (for their real action tokens).
//!
//! Errors are returned rather than panicked on, so the benches can report them.

use std::collections::BTreeMap;
use std::ops::Range;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// Subnets by device index, then zone.
pub(crate) type Subnets = BTreeMap<u32, BTreeMap<String, String>>;

/// A pay-per-request table keyed by the string attribute `key`, as the stacks create state tables.
pub(crate) async fn state_table(
    dynamodb: &aws_sdk_dynamodb::Client,
    name: &str,
    key: &str,
) -> Result<(), Error> {
    dynamodb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(key)
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .key_schema(KeySchemaElement::builder().attribute_name(key).key_type(KeyType::Hash).build()?)
        .send()
        .await?;
    Ok(())
}

/// A TCP `ip` target group on port 443 in `vpc_id`, with a name no other test uses, as the static-IP
/// stacks create; returns its ARN.
pub(crate) async fn ip_target_group(
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    vpc_id: &str,
) -> Result<String, Error> {
    use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetTypeEnum};
    let created = elbv2
        .create_target_group()
        .name(super::unique("tg"))
        .protocol(ProtocolEnum::Tcp)
        .port(443)
        .vpc_id(vpc_id)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await?;
    Ok(created
        .target_groups()
        .first()
        .and_then(|g| g.target_group_arn())
        .ok_or("no target group ARN")?
        .to_owned())
}

/// A VPC `10.<octet>.0.0/16` with a subnet `10.<octet>.<10 * device + zone position>.0/24` per device
/// index in `devices` and zone in `zones`. Returns the VPC ID and the subnets.
pub(crate) async fn vpc_with_subnets(
    ec2: &aws_sdk_ec2::Client,
    octet: u8,
    devices: Range<u32>,
    zones: &[&str],
) -> Result<(String, Subnets), Error> {
    let vpc = ec2.create_vpc().cidr_block(format!("10.{octet}.0.0/16")).send().await?;
    let vpc = vpc.vpc().and_then(|v| v.vpc_id()).ok_or("no vpc id")?.to_owned();
    let mut subnets = Subnets::new();
    for d in devices {
        for (z, zone) in zones.iter().enumerate() {
            let s = ec2
                .create_subnet()
                .vpc_id(&vpc)
                .cidr_block(format!("10.{octet}.{}.0/24", d * 10 + u32::try_from(z)?))
                .availability_zone(*zone)
                .send()
                .await?;
            let id = s.subnet().and_then(|s| s.subnet_id()).ok_or("no subnet id")?;
            subnets.entry(d).or_default().insert((*zone).to_owned(), id.to_owned());
        }
    }
    Ok((vpc, subnets))
}

/// A security group in `vpc`; returns its ID.
pub(crate) async fn security_group(
    ec2: &aws_sdk_ec2::Client,
    vpc: &str,
    name: &str,
    description: &str,
) -> Result<String, Error> {
    let group =
        ec2.create_security_group().group_name(name).description(description).vpc_id(vpc).send().await?;
    Ok(group.group_id().ok_or("no group id")?.to_owned())
}

/// The first image the emulator offers.
pub(crate) async fn image(ec2: &aws_sdk_ec2::Client) -> Result<String, Error> {
    let images = ec2.describe_images().send().await?;
    Ok(images.images().first().and_then(|i| i.image_id()).ok_or("no image")?.to_owned())
}

/// A licence bucket holding `licences` licence files, `fgt-<i>.lic`.
pub(crate) async fn licence_bucket(
    s3: &aws_sdk_s3::Client,
    name: &str,
    licences: usize,
) -> Result<(), Error> {
    let mut create = s3.create_bucket().bucket(name);
    // Outside us-east-1, S3 wants the bucket's region named (IllegalLocationConstraintException).
    if let Some(region) = s3.config().region().map(|r| r.as_ref().to_owned()).filter(|r| r != "us-east-1") {
        create = create.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region.as_str()))
                .build(),
        );
    }
    create.send().await?;
    for i in 0..licences {
        s3.put_object()
            .bucket(name)
            .key(format!("fgt-{i}.lic"))
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"licence"))
            .send()
            .await?;
    }
    Ok(())
}

/// A lifecycle hook: its name, transition and default result.
pub(crate) type Hook<'a> = (&'a str, &'a str, &'a str);

/// An Auto Scaling group with no instances yet.
#[derive(Debug, Clone)]
pub(crate) struct Group<'a> {
    pub(crate) name: &'a str,
    pub(crate) instance_type: aws_sdk_ec2::types::InstanceType,
    /// The subnets it launches into.
    pub(crate) subnets: Vec<String>,
    pub(crate) max_size: i32,
    pub(crate) hooks: &'a [Hook<'a>],
    pub(crate) heartbeat_timeout: i32,
}

/// Creates the group's launch template (named after it), the group and its lifecycle hooks.
pub(crate) async fn auto_scaling_group(
    ec2: &aws_sdk_ec2::Client,
    autoscaling: &aws_sdk_autoscaling::Client,
    group: &Group<'_>,
) -> Result<(), Error> {
    let lt = ec2
        .create_launch_template()
        .launch_template_name(group.name)
        .launch_template_data(
            aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                .image_id(image(ec2).await?)
                .instance_type(group.instance_type.clone())
                .build(),
        )
        .send()
        .await?;
    let lt = lt.launch_template().and_then(|l| l.launch_template_id()).ok_or("no launch template id")?;
    autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(group.name)
        .launch_template(
            aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder().launch_template_id(lt).build(),
        )
        .min_size(0)
        .max_size(group.max_size)
        .desired_capacity(0)
        .vpc_zone_identifier(group.subnets.join(","))
        .send()
        .await?;
    for (hook, transition, result) in group.hooks {
        autoscaling
            .put_lifecycle_hook()
            .auto_scaling_group_name(group.name)
            .lifecycle_hook_name(*hook)
            .lifecycle_transition(*transition)
            .default_result(*result)
            .heartbeat_timeout(group.heartbeat_timeout)
            .send()
            .await?;
    }
    Ok(())
}

/// A queue named `name` that receives the group `name`'s lifecycle events (of `detail_types`, or all
/// when empty), as the deployed rule delivers them to the function. Returns the client and its URL.
pub(crate) async fn lifecycle_queue(
    conf: &SdkConfig,
    name: &str,
    detail_types: &[&str],
) -> Result<(aws_sdk_sqs::Client, String), Error> {
    let sqs = aws_sdk_sqs::Client::new(conf);
    let queue =
        sqs.create_queue().queue_name(name).send().await?.queue_url().ok_or("no queue url")?.to_owned();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&queue)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await?
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn).cloned())
        .ok_or("no queue arn")?;
    let mut pattern =
        serde_json::json!({"source": ["aws.autoscaling"], "detail": {"AutoScalingGroupName": [name]}});
    if !detail_types.is_empty() {
        pattern["detail-type"] = serde_json::json!(detail_types);
    }
    let events = aws_sdk_eventbridge::Client::new(conf);
    events.put_rule().name(name).event_pattern(pattern.to_string()).send().await?;
    events
        .put_targets()
        .rule(name)
        .targets(aws_sdk_eventbridge::types::Target::builder().id("queue").arn(arn).build()?)
        .send()
        .await?;
    Ok((sqs, queue))
}
