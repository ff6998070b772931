//! The private-lambda template: network, internal load balancer, target functions and caller.

use std::collections::BTreeMap;

use contract::private_lambda::{caller, protected};

use super::{PrivateLambda, Protocol};
use crate::cfn::resources::elbv2::{self, Action, FixedResponseConfig, PathPatternConfig, RuleCondition};
use crate::cfn::resources::lambda;
use crate::cfn::{Expr, Pseudo, Template};
use crate::cidr;
use crate::constructs::access_log_bucket;
use crate::constructs::alarms::{Alarms, Evaluation};
use crate::constructs::function::{self, FunctionProps, VpcAttachment};
use crate::constructs::network::{self, NetworkProps};
use crate::constructs::security_group::SecurityGroup;
use crate::constructs::{BuildError, Ctx, bounded_name, id, output};

/// Target group names are limited to 32 characters.
const MAX_TARGET_GROUP_NAME: usize = 32;
/// TLS policy for https listeners: TLS 1.3 and 1.2 only.
const SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

pub(super) fn build(
    ctx: &Ctx,
    description: Option<&str>,
    pl: &PrivateLambda,
) -> Result<Template, BuildError> {
    let mut t = Template {
        description: Some(description.map_or_else(
            || {
                format!(
                    "{}: private Lambda functions behind an internal Application Load Balancer",
                    ctx.stack
                )
            },
            str::to_owned,
        )),
        ..Template::default()
    };
    // Validation ran before building, so the plan exists; an error here is a bug, reported as one.
    let plan = cidr::plan(&pl.network).map_err(|_| {
        BuildError::InvalidId(crate::cfn::InvalidLogicalId {
            id: format!("network plan for '{}' (validation should have rejected it)", pl.network.cidr),
        })
    })?;
    let net = network::build(
        &mut t,
        ctx,
        &NetworkProps {
            plan: &plan,
            nat: pl.network.nat,
            gateway_endpoints: &pl.network.gateway_endpoints,
            interface_endpoints: &pl.network.interface_endpoints,
        },
    )?;

    let lb_spec = &pl.load_balancer;
    let caller_sg = SecurityGroup::add(
        &mut t,
        ctx,
        "Caller",
        "Caller function: may reach the internal load balancer",
        Expr::r#ref(&net.vpc),
    )?;
    let alb_sg = SecurityGroup::add(
        &mut t,
        ctx,
        "LoadBalancer",
        "Internal load balancer: admits the caller function only",
        Expr::r#ref(&net.vpc),
    )?;
    alb_sg.allow_from(&mut t, &caller_sg, lb_spec.port, "Caller function to the load balancer listener")?;
    if let Some(ep_sg) = &net.endpoint_security_group {
        ep_sg.allow_from(&mut t, &caller_sg, 443, "Caller function to the VPC interface endpoints")?;
    }
    if net.has_nat {
        caller_sg.allow_egress_anywhere(
            &mut t,
            443,
            "Caller function to HTTPS services through the NAT gateway",
        )?;
    }

    let alb = id(&["LoadBalancer"])?;
    let attr = |k: &str, v: Expr| elbv2::Attribute { key: Some(k.into()), value: Some(v) };
    let access_logs = if lb_spec.access_logs {
        Some(access_log_bucket::add(&mut t, ctx, "AccessLog", "load-balancer")?)
    } else {
        None
    };
    let mut attributes = vec![
        attr("deletion_protection.enabled", Expr::str(lb_spec.deletion_protection.to_string())),
        attr("idle_timeout.timeout_seconds", Expr::str(lb_spec.idle_timeout_seconds.to_string())),
        attr("routing.http.drop_invalid_header_fields.enabled", Expr::str("true")),
    ];
    if let Some(logs) = &access_logs {
        attributes.extend(logs.load_balancer_attributes().into_iter().map(|(k, v)| attr(&k, v)));
    }
    let lb = t.add(
        &alb,
        elbv2::LoadBalancer {
            r#type: Some("application".into()),
            scheme: Some("internal".into()),
            ip_address_type: Some("ipv4".into()),
            subnets: net.private_subnets.iter().map(Expr::r#ref).collect(),
            security_groups: vec![Expr::get_att(&alb_sg.id, "GroupId")],
            load_balancer_attributes: attributes,
            tags: ctx.tags(),
            ..Default::default()
        },
    )?;
    if let Some(logs) = &access_logs {
        lb.depends_on(logs.policy());
    }

    let listener = id(&["Listener"])?;
    let https = lb_spec.protocol == Protocol::Https;
    t.add(
        &listener,
        elbv2::Listener {
            load_balancer_arn: Some(Expr::r#ref(&alb)),
            port: Some(lb_spec.port.into()),
            protocol: Some(if https { "HTTPS" } else { "HTTP" }.into()),
            certificates: lb_spec
                .certificate_arn
                .iter()
                .map(|arn| elbv2::Certificate { certificate_arn: Some(arn.into()) })
                .collect(),
            ssl_policy: https.then(|| SSL_POLICY.into()),
            default_actions: vec![Action {
                r#type: Some("fixed-response".into()),
                fixed_response_config: Some(FixedResponseConfig {
                    status_code: Some("404".into()),
                    content_type: Some("application/json".into()),
                    message_body: Some(r#"{"error":"no target matches this path"}"#.into()),
                }),
                ..Default::default()
            }],
            ..Default::default()
        },
    )?;

    // A failing target answers 502; a few failed requests in a row are worth a look, one is not.
    let alarms = Alarms::new(ctx, Evaluation { periods: 3, datapoints: Some(2) });
    let mut target_outputs = Vec::new();
    for (i, target) in pl.targets.iter().enumerate() {
        let name = id(&[&target.name, "Target"])?;
        let f = function::build(
            &mut t,
            ctx,
            &FunctionProps {
                name: name.as_str(),
                spec: &protected::FUNCTION,
                description: format!("{}: target '{}' of the internal load balancer", ctx.stack, target.name),
                env: BTreeMap::from([(protected::TARGET_NAME.name, Expr::str(&target.name))]),
                memory_mb: target.memory_mb,
                timeout_seconds: target.timeout_seconds,
                architecture: pl.architecture,
                log_retention_days: pl.log_retention_days,
                vpc: None,
                reserved_concurrency: target.reserved_concurrency,
                dead_letter_queue: false,
                schedule: None,
            },
        )?;
        let tg_name = bounded_name(&format!("{}-{}", ctx.stack, target.name), MAX_TARGET_GROUP_NAME);
        let permission = id(&[name.as_str(), "InvokePermission"])?;
        t.add(
            &permission,
            lambda::Permission {
                action: Some("lambda:InvokeFunction".into()),
                function_name: Some(f.arn()),
                principal: Some("elasticloadbalancing.amazonaws.com".into()),
                source_arn: Some(Expr::arn("elasticloadbalancing", &format!("targetgroup/{tg_name}/*"))),
                source_account: Some(Expr::pseudo(Pseudo::AccountId)),
                ..Default::default()
            },
        )?;
        let tg = id(&[name.as_str(), "Group"])?;
        t.add(
            &tg,
            elbv2::TargetGroup {
                name: Some(tg_name.into()),
                target_type: Some("lambda".into()),
                targets: vec![elbv2::TargetDescription { id: Some(f.arn()), ..Default::default() }],
                target_group_attributes: vec![attr(
                    "lambda.multi_value_headers.enabled",
                    Expr::str(target.multi_value_headers.to_string()),
                )],
                health_check_enabled: Some(false.into()),
                tags: ctx.tags(),
                ..Default::default()
            },
        )?
        .depends_on(&permission);
        let rule = id(&[name.as_str(), "Rule"])?;
        t.add(
            &rule,
            elbv2::ListenerRule {
                listener_arn: Some(Expr::r#ref(&listener)),
                priority: Some(u32::try_from(i + 1).unwrap_or(u32::MAX).into()),
                conditions: vec![RuleCondition {
                    field: Some("path-pattern".into()),
                    path_pattern_config: Some(PathPatternConfig {
                        values: target.path_patterns.iter().map(Expr::from).collect(),
                    }),
                    ..Default::default()
                }],
                actions: vec![Action {
                    r#type: Some("forward".into()),
                    target_group_arn: Some(Expr::r#ref(&tg)),
                    ..Default::default()
                }],
            },
        )?;
        alarms.errors(
            &mut t,
            &f,
            &format!("Target '{}' of the internal load balancer is failing requests", target.name),
        )?;
        target_outputs.push((name, f.id.clone()));
    }

    let base_url = match (&lb_spec.domain_name, https) {
        (Some(domain), true) => Expr::str(format!("https://{domain}:{}", lb_spec.port)),
        _ => Expr::join(
            "",
            [Expr::str("http://"), Expr::get_att(&alb, "DNSName"), Expr::str(format!(":{}", lb_spec.port))],
        ),
    };
    let c = &pl.caller;
    let caller_fn = function::build(
        &mut t,
        ctx,
        &FunctionProps {
            name: "Caller",
            spec: &caller::FUNCTION,
            description: format!("{}: calls the internal load balancer from the VPC", ctx.stack),
            env: BTreeMap::from([
                (caller::TARGET_BASE_URL.name, base_url.clone()),
                (caller::DEFAULT_PATH.name, Expr::str(&c.default_path)),
                (caller::REQUEST_TIMEOUT_MS.name, Expr::str(c.request_timeout_ms.to_string())),
            ]),
            memory_mb: c.memory_mb,
            timeout_seconds: c.timeout_seconds,
            architecture: pl.architecture,
            log_retention_days: pl.log_retention_days,
            vpc: Some(VpcAttachment::owned(&net.private_subnets, std::slice::from_ref(&caller_sg.id))),
            reserved_concurrency: None,
            dead_letter_queue: c.schedule.is_some(),
            schedule: c
                .schedule
                .clone()
                .map(|expr| (expr, format!("{}: runs the caller as a synthetic probe", ctx.stack))),
        },
    )?;
    alarms.errors(
        &mut t,
        &caller_fn,
        "The caller function is failing (the load balancer or a target may be down)",
    )?;
    alarms.dead_letters(
        &mut t,
        &caller_fn,
        "Scheduled caller runs failed after retries and landed in the dead-letter queue",
    )?;
    let mut out = |name: &str, description: &str, value: Expr| output(&mut t, name, description, value);
    out("VpcId", "The VPC", Expr::r#ref(&net.vpc))?;
    out(
        "PrivateSubnetIds",
        "Private subnets, comma-separated",
        Expr::join(",", net.private_subnets.iter().map(Expr::r#ref)),
    )?;
    out(
        "LoadBalancerDnsName",
        "DNS name of the internal load balancer (resolvable inside the VPC)",
        Expr::get_att(&alb, "DNSName"),
    )?;
    out(
        "LoadBalancerSecurityGroupId",
        "Security group of the load balancer: admit more callers here",
        Expr::get_att(&alb_sg.id, "GroupId"),
    )?;
    out(
        "CallerSecurityGroupId",
        "Security group of the caller function",
        Expr::get_att(&caller_sg.id, "GroupId"),
    )?;
    out("TargetBaseUrl", "Base URL the caller uses", base_url)?;
    out("CallerFunctionName", "Name of the caller function", Expr::r#ref(&caller_fn.id))?;
    for (name, fid) in target_outputs {
        out(&format!("{name}FunctionName"), "Name of a target function", Expr::r#ref(&fid))?;
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use crate::cfn::{Expr, ResourceProps, Template};

    fn synth(network: &str) -> Template {
        let source = format!(
            "name: t\nsystem:\n  private-lambda:\n    network:\n{network}\n    targets:\n      - name: hello\n        path_patterns: [/hello]\n"
        );
        crate::synthesize("t.yaml", &source, None).unwrap().remove(0).template
    }

    fn count(t: &Template, ty: &str) -> usize {
        t.resources.values().filter(|r| r.props.type_name() == ty).count()
    }

    #[test]
    fn invoke_permission_is_scoped_to_the_target_group_name_without_a_cycle() {
        let t = synth("      cidr: 10.0.0.0/16");
        let ResourceProps::Permission(p) =
            &t.resources[&crate::cfn::LogicalId::new("HelloTargetInvokePermission").unwrap()].props
        else {
            panic!("permission missing")
        };
        let Some(Expr::Sub { template, .. }) = &p.source_arn else { panic!("unscoped permission") };
        assert!(template.ends_with(":targetgroup/t-hello/*"), "{template}");
        let tg = &t.resources[&crate::cfn::LogicalId::new("HelloTargetGroup").unwrap()];
        let ResourceProps::TargetGroup(g) = &tg.props else { panic!() };
        assert_eq!(g.name, Some(Expr::str("t-hello")));
        assert!(tg.depends_on.iter().any(|d| d.as_str() == "HelloTargetInvokePermission"));
        assert!(crate::check::template(&t).is_empty());
    }

    #[test]
    fn load_balancer_admits_only_the_caller_security_group() {
        let t = synth("      cidr: 10.0.0.0/16");
        let ingress: Vec<_> = t
            .resources
            .values()
            .filter_map(|r| match &r.props {
                ResourceProps::SecurityGroupIngress(i) => Some(i),
                _ => None,
            })
            .collect();
        assert_eq!(ingress.len(), 1, "only the caller -> ALB rule exists without interface endpoints");
        let rule = ingress[0];
        assert_eq!(
            rule.group_id,
            Some(Expr::get_att(&crate::cfn::LogicalId::new("LoadBalancerSecurityGroup").unwrap(), "GroupId"))
        );
        assert_eq!(
            rule.source_security_group_id,
            Some(Expr::get_att(&crate::cfn::LogicalId::new("CallerSecurityGroup").unwrap(), "GroupId"))
        );
        assert_eq!(rule.cidr_ip, None);
    }

    #[test]
    fn security_groups_replace_the_default_allow_all_egress() {
        let t = synth("      cidr: 10.0.0.0/16\n      interface_endpoints: [logs]");
        for r in t.resources.values() {
            if let ResourceProps::SecurityGroup(g) = &r.props {
                assert_eq!(g.security_group_egress.len(), 1);
                assert_eq!(g.security_group_egress[0].cidr_ip, Some(Expr::str("255.255.255.255/32")));
            }
        }
    }

    #[test]
    fn nat_modes_create_the_expected_gateways_and_egress() {
        let none = synth("      cidr: 10.0.0.0/16\n      nat: none");
        assert_eq!(count(&none, "AWS::EC2::NatGateway"), 0);
        assert_eq!(count(&none, "AWS::EC2::SecurityGroupEgress"), 1, "caller -> ALB only");
        let single = synth("      cidr: 10.0.0.0/16\n      availability_zones: 3");
        assert_eq!(count(&single, "AWS::EC2::NatGateway"), 1);
        assert_eq!(count(&single, "AWS::EC2::Route"), 4, "public default + one per private table");
        let per_az = synth("      cidr: 10.0.0.0/16\n      availability_zones: 3\n      nat: per-az");
        assert_eq!(count(&per_az, "AWS::EC2::NatGateway"), 3);
        assert_eq!(count(&per_az, "AWS::EC2::EIP"), 3);
    }

    #[test]
    fn load_balancer_is_internal_and_in_the_private_subnets() {
        let t = synth("      cidr: 10.0.0.0/16");
        let lb = t.resources.values().find_map(|r| match &r.props {
            ResourceProps::LoadBalancer(lb) => Some(lb),
            _ => None,
        });
        let lb = lb.unwrap();
        assert_eq!(lb.scheme, Some(Expr::str("internal")));
        let ids: Vec<String> = lb.subnets.iter().map(|s| serde_json::to_string(s).unwrap()).collect();
        assert_eq!(ids, [r#"{"Ref":"PrivateSubnet1"}"#, r#"{"Ref":"PrivateSubnet2"}"#]);
    }

    #[test]
    fn access_logs_go_to_a_kept_bucket_the_load_balancer_waits_for() {
        let source = "name: t\nsystem:\n  private-lambda:\n    network: {cidr: 10.0.0.0/16}\n    load_balancer:\n      access_logs: true\n      protocol: https\n      port: 443\n      certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/abc\n      domain_name: api.internal.example.com\n    targets:\n      - name: hello\n        path_patterns: [/hello]\n";
        let a = crate::synthesize("t.yaml", source, None).unwrap().remove(0);
        let t = &a.template;
        assert!(crate::check::template(t).is_empty());
        let id = |s: &str| crate::cfn::LogicalId::new(s).unwrap();
        let lb = &t.resources[&id("LoadBalancer")];
        assert!(lb.depends_on.contains(&id("AccessLogBucketPolicy")));
        assert!(t.resources[&id("AccessLogBucket")].deletion_policy.is_some());
        let yaml = &a.files[0].1;
        assert!(yaml.contains("- Service: logdelivery.elasticloadbalancing.amazonaws.com"), "{yaml}");
        assert!(yaml.contains("eu-west-1:\n      Account: \"156460612806\""), "{yaml}");
        assert_eq!(
            a.external,
            vec![crate::external::External::Certificate {
                arn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc".to_owned(),
                domain_name: "api.internal.example.com".to_owned(),
            }]
        );
    }
}
