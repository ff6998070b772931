//! The alb-static-ip template: the Network Load Balancer, its listeners and target groups, and in mode
//! `sync` the sync function with its state table and alarms.

use std::collections::BTreeMap;

use contract::alb_static_ip::sync;

use super::{AlbStaticIp, Discovery, Scheme, StaticIpMode};
use crate::cfn::resources::ec2;
use crate::cfn::resources::elbv2::{self, Action, Attribute, SubnetMapping, TargetDescription};
use crate::cfn::resources::iam::Statement;
use crate::cfn::{Expr, LogicalId, Template};
use crate::constructs::alarms::{Alarms, Evaluation};
use crate::constructs::function::{self, FunctionProps};
use crate::constructs::state_table::StateTable;
use crate::constructs::{BuildError, Ctx, id, output};

/// Namespace of the sync function's embedded-format metrics.
pub const METRIC_NAMESPACE: &str = "AlbStaticIp";

pub(super) fn build(ctx: &Ctx, description: Option<&str>, s: &AlbStaticIp) -> Result<Template, BuildError> {
    let mut t = Template {
        description: Some(description.map_or_else(
            || format!("{}: static IP addresses for an Application Load Balancer", ctx.stack),
            str::to_owned,
        )),
        ..Template::default()
    };
    let attr = |k: &str, v: String| Attribute { key: Some(k.into()), value: Some(v.into()) };

    let (nlb_arn, nlb_id) = match &s.load_balancer.existing_arn {
        Some(arn) => (Expr::str(arn), None),
        None => {
            let nlb = id(&["LoadBalancer"])?;
            let mut mappings = Vec::new();
            for (i, subnet) in s.load_balancer.subnets.iter().enumerate() {
                let n = (i + 1).to_string();
                let allocation =
                    if s.load_balancer.elastic_ips && s.load_balancer.scheme == Scheme::InternetFacing {
                        let eip = id(&["StaticIp", &n])?;
                        t.add(
                            &eip,
                            ec2::Eip {
                                domain: Some("vpc".into()),
                                tags: ctx.tags_named(&format!("static-ip-{n}")),
                                ..Default::default()
                            },
                        )?
                        // Addresses are the point of this stack: keep them if the stack or the EIP goes away.
                        .retain();
                        Some(Expr::get_att(&eip, "AllocationId"))
                    } else {
                        None
                    };
                mappings.push(SubnetMapping {
                    subnet_id: Some(subnet.into()),
                    allocation_id: allocation,
                    ..Default::default()
                });
            }
            t.add(
                &nlb,
                elbv2::LoadBalancer {
                    r#type: Some("network".into()),
                    scheme: Some(match s.load_balancer.scheme {
                        Scheme::InternetFacing => "internet-facing".into(),
                        Scheme::Internal => "internal".into(),
                    }),
                    ip_address_type: Some("ipv4".into()),
                    subnet_mappings: mappings,
                    load_balancer_attributes: vec![
                        attr("deletion_protection.enabled", s.load_balancer.deletion_protection.to_string()),
                        attr("load_balancing.cross_zone.enabled", "true".to_owned()),
                    ],
                    tags: ctx.tags(),
                    ..Default::default()
                },
            )?;
            (Expr::r#ref(&nlb), Some(nlb))
        }
    };

    // Each group as an expression (a Ref to a created group, or an existing ARN) and its ALB port.
    let mut groups: Vec<(Expr, u16)> = Vec::new();
    for l in &s.listeners {
        if let Some(arn) = &l.existing_target_group_arn {
            groups.push((Expr::str(arn), l.target_port()));
            continue;
        }
        let port = l.port.to_string();
        let tg = id(&["Port", &port, "Targets"])?;
        let native = s.mode == StaticIpMode::Native;
        t.add(
            &tg,
            elbv2::TargetGroup {
                target_type: Some(if native { "alb" } else { "ip" }.into()),
                protocol: Some("TCP".into()),
                port: Some(l.target_port().into()),
                vpc_id: Some(Expr::str(&s.vpc_id)),
                targets: if native {
                    vec![TargetDescription {
                        id: Some(Expr::str(&s.alb.arn)),
                        port: Some(l.target_port().into()),
                        ..Default::default()
                    }]
                } else {
                    Vec::new()
                },
                tags: ctx.tags(),
                ..Default::default()
            },
        )?;
        t.add(
            &id(&["Port", &port, "Listener"])?,
            elbv2::Listener {
                load_balancer_arn: Some(nlb_arn.clone()),
                port: Some(l.port.into()),
                protocol: Some("TCP".into()),
                default_actions: vec![Action {
                    r#type: Some("forward".into()),
                    target_group_arn: Some(Expr::r#ref(&tg)),
                    ..Default::default()
                }],
                ..Default::default()
            },
        )?;
        groups.push((Expr::r#ref(&tg), l.target_port()));
    }

    if s.mode == StaticIpMode::Sync {
        sync_function(&mut t, ctx, s, &groups)?;
    }

    let eips: Vec<Expr> = (1..=s.load_balancer.subnets.len())
        .filter_map(|n| LogicalId::new(format!("StaticIp{n}")).ok())
        .filter(|e| t.resources.contains_key(e))
        .map(|e| Expr::r#ref(&e))
        .collect();
    let mut out = |name: &str, description: &str, value: Expr| output(&mut t, name, description, value);
    if let Some(nlb) = &nlb_id {
        out("LoadBalancerDnsName", "DNS name of the Network Load Balancer", Expr::get_att(nlb, "DNSName"))?;
    }
    out("LoadBalancerArn", "The Network Load Balancer", nlb_arn)?;
    if !eips.is_empty() {
        out("StaticIps", "The static public addresses, comma-separated", Expr::join(",", eips))?;
    }
    out(
        "TargetGroupArns",
        "Target groups, comma-separated",
        Expr::join(",", groups.iter().map(|(g, _)| g.clone())),
    )?;
    Ok(t)
}

fn sync_function(
    t: &mut Template,
    ctx: &Ctx,
    s: &AlbStaticIp,
    groups: &[(Expr, u16)],
) -> Result<(), BuildError> {
    let settings = s.sync.clone().unwrap_or_default();
    let table = StateTable::add(t, ctx, "SyncState", sync::STATE_KEY_ATTRIBUTE)?;

    let target_groups = sync::TargetGroup::format_with(
        groups.iter().map(|(arn, port)| sync::TargetGroup { arn: arn.clone(), port: *port }),
        Expr::str,
        Expr::join,
    );
    let dns_servers = sync::DnsServers::Listed(settings.dns_servers.clone()).format();
    let discovery = match settings.discovery {
        Discovery::Dns => sync::Discovery::Dns,
        Discovery::NetworkInterfaces => sync::Discovery::NetworkInterfaces,
    };
    let env = BTreeMap::from([
        (sync::TARGET_GROUPS.name, target_groups),
        (sync::ALB_ARN.name, Expr::str(&s.alb.arn)),
        (sync::ALB_DNS_NAME.name, Expr::str(s.alb.dns_name.clone().unwrap_or_default())),
        (sync::DISCOVERY.name, Expr::str(discovery.as_str())),
        (sync::DNS_SERVERS.name, Expr::str(dns_servers)),
        (sync::STATE_TABLE.name, table.name()),
        (sync::MISS_THRESHOLD.name, Expr::str(settings.miss_threshold.to_string())),
        (sync::MAX_DEREGISTRATIONS.name, Expr::str(settings.max_deregistrations_per_run.to_string())),
        (sync::MANAGE_FOREIGN_TARGETS.name, Expr::str(settings.manage_foreign_targets.to_string())),
        (sync::CROSS_VPC.name, Expr::str(settings.cross_vpc.to_string())),
        (sync::METRIC_NAMESPACE.name, Expr::str(METRIC_NAMESPACE)),
    ]);
    let f = function::build(
        t,
        ctx,
        &FunctionProps {
            name: "Sync",
            spec: &sync::FUNCTION,
            description: format!("{}: keeps the NLB target groups equal to the ALB's addresses", ctx.stack),
            env,
            memory_mb: 256,
            timeout_seconds: 60,
            architecture: s.architecture,
            log_retention_days: s.log_retention_days,
            vpc: None,
            // One run at a time: overlapping runs would race on the same targets.
            reserved_concurrency: Some(1),
            dead_letter_queue: true,
            schedule: Some((settings.schedule.clone(), format!("{}: runs the target-group sync", ctx.stack))),
        },
    )?;
    f.grant(
        t,
        Statement::allow(
            vec![
                "elasticloadbalancing:RegisterTargets".into(),
                "elasticloadbalancing:DeregisterTargets".into(),
            ],
            groups.iter().map(|(g, _)| g.clone()).collect(),
        ),
    );
    // Describe* calls of ELB and EC2 have no resource-level permissions: "*" is the only valid resource.
    let mut describe = vec!["elasticloadbalancing:DescribeTargetHealth".to_owned()];
    if settings.discovery == Discovery::NetworkInterfaces {
        describe.push("ec2:DescribeNetworkInterfaces".to_owned());
    }
    f.grant(t, Statement::allow(describe, vec![Expr::str("*")]));
    table.grant_versioned_items(t, &f);

    let alarms = Alarms::new(ctx, Evaluation { periods: 3, datapoints: Some(2) });
    alarms.errors(t, &f, "The target-group sync is failing")?;
    alarms.dead_letters(t, &f, "Sync runs failed after retries and landed in the dead-letter queue")?;
    Ok(())
}
