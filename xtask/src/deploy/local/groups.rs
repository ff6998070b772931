//! Local stand-ins for an existing Auto Scaling group and an existing security group, created in the
//! region of the stack that refers to them (the session's): a real emulator group whose instances
//! launch with public addresses, as a group in a public subnet does, and a security group under the
//! blueprint's id. Idempotent; they outlive stacks, as the real ones would.

use anyhow::{Context, bail};
use aws_sdk_ec2::types::{
    Filter, LaunchTemplateInstanceNetworkInterfaceSpecificationRequest, RequestLaunchTemplateData,
    ResourceType, Tag, TagSpecification,
};

use crate::deploy::session::{Session, sdk};

/// The tag the emulator plugin reads to give a VPC, subnet or security group a chosen id
/// (`tools/emulator/moto_plugins/stand_in_ids.py`).
const CUSTOM_ID_TAG: &str = "emulator:id";
const STAND_IN_CIDR: &str = "10.200.0.0/16";
/// Instances the stand-in group runs: one, so a true-up finds an address to admit.
const DESIRED: i32 = 1;
const MAX_SIZE: i32 = 4;

/// Ids derived from the group's name, so the next deploy finds what the last one made.
fn derived_id(prefix: &str, seed: &str) -> String {
    format!("{prefix}-{}", &crate::deploy::build::sha256_hex(seed.as_bytes())[..17])
}

/// The VPC a stand-in group launches into when the blueprint names none.
pub(crate) fn group_vpc_id(group: &str) -> String {
    derived_id("vpc", &format!("auto-scaling-group-vpc:{group}"))
}

/// The public subnet of a stand-in group.
pub(crate) fn group_subnet_id(group: &str) -> String {
    derived_id("subnet", &format!("auto-scaling-group-subnet:{group}"))
}

/// The stand-in group's subnet range: a /24 at the top of the VPC's /16 (the blueprint's own subnet
/// stand-ins count up from the bottom).
pub(crate) fn group_subnet_cidr(vpc_cidr: &str) -> anyhow::Result<String> {
    let (net, bits) = vpc_cidr.split_once('/').with_context(|| format!("'{vpc_cidr}' is not a CIDR"))?;
    let octets: Vec<&str> = net.split('.').collect();
    if bits != "16" || octets.len() != 4 {
        bail!("the VPC's range '{vpc_cidr}' is not a /16: cannot place a stand-in group's subnet in it");
    }
    Ok(format!("{}.{}.250.0/24", octets[0], octets[1]))
}

fn id_tags(kind: ResourceType, id: &str, what: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .tags(Tag::builder().key(CUSTOM_ID_TAG).value(id).build())
        .tags(
            Tag::builder()
                .key("Name")
                .value(format!("stand-in created by cargo xtask (local target): {what}"))
                .build(),
        )
        .build()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// A VPC under `id`, unless present. Returns its range.
async fn ensure_vpc(session: &Session, id: &str, what: &str) -> anyhow::Result<String> {
    let found = session.ec2.describe_vpcs().filters(filter("vpc-id", id)).send().await.map_err(sdk)?;
    if let Some(vpc) = found.vpcs().first() {
        return Ok(vpc.cidr_block().unwrap_or(STAND_IN_CIDR).to_owned());
    }
    session
        .ec2
        .create_vpc()
        .cidr_block(STAND_IN_CIDR)
        .tag_specifications(id_tags(ResourceType::Vpc, id, what))
        .send()
        .await
        .map_err(sdk)
        .with_context(|| format!("cannot create a stand-in for {id}"))?;
    eprintln!("local: created a stand-in for {id} ({what}) in {}", session.region);
    Ok(STAND_IN_CIDR.to_owned())
}

/// Stand-ins for the existing security groups and Auto Scaling groups a stack names, in one VPC of
/// the stack's region: the blueprint's own VPC where it names one, else one of the first group's. The
/// groups' instances are in the security groups, as the system expects of the real ones.
pub(crate) async fn ensure(
    session: &Session,
    blueprint_vpc: Option<&str>,
    security_groups: &[String],
    auto_scaling_groups: &[String],
) -> anyhow::Result<()> {
    let seed = auto_scaling_groups.first().or(security_groups.first());
    let Some(seed) = seed else { return Ok(()) };
    let mut vpc = blueprint_vpc.map_or_else(|| group_vpc_id(seed), str::to_owned);
    for (i, id) in security_groups.iter().enumerate() {
        let actual = ensure_security_group(session, id, &vpc).await?;
        // An earlier deploy's stand-in stays where it is; the instances go where it is.
        if i == 0 {
            vpc = actual;
        }
    }
    for name in auto_scaling_groups {
        ensure_auto_scaling_group(session, name, &vpc, security_groups).await?;
    }
    Ok(())
}

/// An existing security group `id`, created in `vpc_id` unless present; returns the VPC it is in.
async fn ensure_security_group(session: &Session, id: &str, vpc_id: &str) -> anyhow::Result<String> {
    let found =
        session.ec2.describe_security_groups().filters(filter("group-id", id)).send().await.map_err(sdk)?;
    if let Some(existing) = found.security_groups().first() {
        return Ok(existing.vpc_id().unwrap_or(vpc_id).to_owned());
    }
    ensure_vpc(session, vpc_id, "the VPC of the blueprint's security group").await?;
    session
        .ec2
        .create_security_group()
        .group_name(format!("stand-in-{id}"))
        .description("stand-in created by cargo xtask (local target) for the blueprint's security group")
        .vpc_id(vpc_id)
        .tag_specifications(id_tags(ResourceType::SecurityGroup, id, "the blueprint's security group"))
        .send()
        .await
        .map_err(sdk)
        .with_context(|| format!("cannot create a stand-in for security group {id}"))?;
    eprintln!("local: created a stand-in for security group {id} (in {vpc_id}, {})", session.region);
    Ok(vpc_id.to_owned())
}

/// An existing Auto Scaling group `name`: a launch template whose instances get public addresses,
/// a public subnet in `vpc`, one running instance. `groups`: the security groups its instances are in.
async fn ensure_auto_scaling_group(
    session: &Session,
    name: &str,
    vpc: &str,
    groups: &[String],
) -> anyhow::Result<()> {
    let found = session
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .map_err(sdk)
        .with_context(|| format!("cannot look for Auto Scaling group {name}"))?;
    if !found.auto_scaling_groups().is_empty() {
        return Ok(());
    }
    let cidr = ensure_vpc(session, vpc, &format!("the VPC of Auto Scaling group {name}")).await?;
    let subnet = group_subnet_id(name);
    let present =
        session.ec2.describe_subnets().filters(filter("subnet-id", &subnet)).send().await.map_err(sdk)?;
    if present.subnets().is_empty() {
        session
            .ec2
            .create_subnet()
            .vpc_id(vpc)
            .cidr_block(group_subnet_cidr(&cidr)?)
            .availability_zone(format!("{}a", session.region))
            .tag_specifications(id_tags(ResourceType::Subnet, &subnet, &format!("Auto Scaling group {name}")))
            .send()
            .await
            .map_err(sdk)
            .with_context(|| format!("cannot create a subnet for the stand-in group {name}"))?;
    }
    // A public subnet, as the group's instances have public addresses.
    session
        .ec2
        .modify_subnet_attribute()
        .subnet_id(&subnet)
        .map_public_ip_on_launch(aws_sdk_ec2::types::AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .map_err(sdk)?;
    let template = launch_template(session, name, groups).await?;
    session
        .autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_template(
            aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                .launch_template_id(&template)
                .version("$Latest")
                .build(),
        )
        .min_size(0)
        .max_size(MAX_SIZE)
        .desired_capacity(DESIRED)
        .vpc_zone_identifier(&subnet)
        .send()
        .await
        .map_err(sdk)
        .with_context(|| format!("cannot create a stand-in for Auto Scaling group {name}"))?;
    eprintln!(
        "local: created a stand-in for Auto Scaling group {name} in {} ({DESIRED} instance with a public \
         address, subnet {subnet} of {vpc})",
        session.region
    );
    Ok(())
}

/// The stand-in group's launch template (`<group>-stand-in`), made unless present; returns its id.
async fn launch_template(session: &Session, group: &str, groups: &[String]) -> anyhow::Result<String> {
    let name = format!("{group}-stand-in");
    let existing = session.ec2.describe_launch_templates().launch_template_names(&name).send().await;
    if let Ok(found) = existing
        && let Some(id) = found.launch_templates().first().and_then(|t| t.launch_template_id())
    {
        return Ok(id.to_owned());
    }
    let images = session.ec2.describe_images().max_results(5).send().await.map_err(sdk)?;
    let image = images
        .images()
        .first()
        .and_then(|i| i.image_id())
        .context("the emulator offers no machine image for the stand-in group")?
        .to_owned();
    let interface = LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
        .device_index(0)
        .associate_public_ip_address(true)
        .set_groups((!groups.is_empty()).then(|| groups.to_vec()))
        .build();
    let made = session
        .ec2
        .create_launch_template()
        .launch_template_name(&name)
        .launch_template_data(
            RequestLaunchTemplateData::builder()
                .image_id(image)
                .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
                .network_interfaces(interface)
                .build(),
        )
        .send()
        .await
        .map_err(sdk)
        .with_context(|| format!("cannot create launch template {name} for the stand-in group {group}"))?;
    made.launch_template()
        .and_then(|t| t.launch_template_id())
        .map(str::to_owned)
        .context("CreateLaunchTemplate returned no id")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_in_ids_are_stable_per_group_and_well_formed() {
        assert_eq!(group_vpc_id("web"), group_vpc_id("web"));
        assert_ne!(group_vpc_id("web"), group_vpc_id("api"));
        let subnet = group_subnet_id("web");
        assert!(subnet.starts_with("subnet-") && subnet.len() == "subnet-".len() + 17, "{subnet}");
        assert!(group_vpc_id("web").len() == "vpc-".len() + 17);
    }

    #[test]
    fn the_group_subnet_sits_at_the_top_of_a_16() {
        assert_eq!(group_subnet_cidr("10.200.0.0/16").expect("/16"), "10.200.250.0/24");
        assert!(group_subnet_cidr("10.0.0.0/24").is_err_and(|e| e.to_string().contains("'10.0.0.0/24'")));
    }
}
