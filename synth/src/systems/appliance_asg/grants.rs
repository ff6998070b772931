//! The lifecycle function's Auto Scaling and EC2 permissions. EC2 writes are scoped by resource tags
//! where EC2 supports it: the function attaches only to its group's instances, and modifies, detaches,
//! deletes or releases only interfaces and addresses it tagged at creation. `Describe*` calls, which
//! IAM cannot scope, are the only `*` resources. (The table, bucket, secret, parameter and configure
//! function grant their own access: see `build.rs`.)

use std::collections::BTreeMap;

use contract::appliance_asg::lifecycle::TAG_INSTANCE as INSTANCE_TAG;

use super::{ApplianceAsg, PublicIpSetting};
use crate::cfn::resources::iam::Statement;
use crate::cfn::{Expr, Template};
use crate::constructs::function::Function;

type Condition = BTreeMap<String, BTreeMap<String, Expr>>;

fn arn(resource: &str) -> Expr {
    Expr::arn("ec2", resource)
}

fn cond(op: &str, key: &str, value: Expr) -> Condition {
    BTreeMap::from([(op.to_owned(), BTreeMap::from([(key.to_owned(), value)]))])
}

/// Interfaces and addresses the function created carry its instance tag.
fn tagged_by_function() -> Condition {
    cond("StringLike", &format!("ec2:ResourceTag/{INSTANCE_TAG}"), Expr::str("i-*"))
}

/// Everything the lifecycle function does to the group and to EC2. `api_group` is the API security
/// group's ID when an extra interface (not the boot interface) carries it.
pub(super) fn lifecycle(
    t: &mut Template,
    f: &Function,
    a: &ApplianceAsg,
    asg_name: &str,
    api_group: Option<Expr>,
) {
    group(t, f, asg_name);
    interfaces(t, f, a, asg_name, api_group);
    addresses(t, f, a);
}

fn group(t: &mut Template, f: &Function, asg_name: &str) {
    f.grant(
        t,
        Statement::allow(
            vec![
                "autoscaling:CompleteLifecycleAction".into(),
                "autoscaling:RecordLifecycleActionHeartbeat".into(),
                "autoscaling:SetInstanceProtection".into(),
                "autoscaling:SetInstanceHealth".into(),
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
                // The successor of a leaving primary is an instance in service.
                "autoscaling:DescribeAutoScalingGroups".into(),
                "ec2:DescribeInstances".into(),
                "ec2:DescribeNetworkInterfaces".into(),
                "ec2:DescribeAddresses".into(),
            ],
            vec![Expr::str("*")],
        ),
    );
}

fn interfaces(t: &mut Template, f: &Function, a: &ApplianceAsg, asg_name: &str, api_group: Option<Expr>) {
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
    // The API group joins an extra interface's groups when the API is not on the boot interface.
    let api_group = api_group.map(|g| {
        Expr::sub_with(
            "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/${Group}",
            [("Group".to_owned(), g)],
        )
    });
    f.grant(
        t,
        Statement::allow(
            vec!["ec2:CreateNetworkInterface".into()],
            subnets
                .iter()
                .map(|s| arn(&format!("subnet/{s}")))
                .chain(groups.iter().map(|g| arn(&format!("security-group/{g}"))))
                .chain(api_group)
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
    own_interfaces.condition = tagged_by_function();
    f.grant(t, own_interfaces);
}

fn addresses(t: &mut Template, f: &Function, a: &ApplianceAsg) {
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
        own_addresses.condition = tagged_by_function();
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
        into_own.condition = tagged_by_function();
        f.grant(t, into_own);
    }
}
