//! The fargate-mirror template: the traffic mirror target, filter and rules, the mirror function
//! with its event rule (ECS task state changes of the clusters) and reconcile schedule, the stop
//! budget table, alarms, and an IAM policy that creates sessions only with this stack's target,
//! filter and tag, deletes only sessions with that tag, and stops tasks only in the clusters.

use std::collections::BTreeMap;

use contract::fargate_mirror::mirror;

use super::{Direction, FargateMirror, NetworkService, NotMirrorableAction, RuleAction};
use crate::cfn::resources::ec2;
use crate::cfn::resources::iam::Statement;
use crate::cfn::{Expr, Template};
use crate::constructs::alarms::{Alarms, Evaluation, Metric};
use crate::constructs::event_rule::{EventRule, Trigger};
use crate::constructs::function::{self, FunctionProps};
use crate::constructs::state_table::StateTable;
use crate::constructs::{BuildError, Ctx, id, output};

/// Namespace of the function's embedded-format metrics.
pub const METRIC_NAMESPACE: &str = "FargateMirror";

/// Task states the function acts on: running ones get sessions, the others lose theirs. ECS may
/// skip or coalesce states, so every state on both sides is listed.
const TASK_STATES: &[&str] =
    &["PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"];

/// Metrics that need an operator, each with its alarm's description.
const ALARMED_METRICS: &[(&str, &str)] = &[
    (
        "StopBudgetExhausted",
        "A task that cannot be mirrored was left running: its service's stop budget is spent",
    ),
    ("NotMirrorable", "A task runs on capacity that cannot be mirrored (reported, not stopped)"),
    (
        "SessionsFailed",
        "A session could not be created for a reason a retry will not fix (quota, foreign sessions, target)",
    ),
];

pub(super) fn build(ctx: &Ctx, description: Option<&str>, s: &FargateMirror) -> Result<Template, BuildError> {
    let mut t = Template {
        description: Some(description.map_or_else(
            || format!("{}: traffic mirroring for ECS Fargate tasks", ctx.stack),
            str::to_owned,
        )),
        ..Template::default()
    };

    let target = id(&["MirrorTarget"])?;
    t.add(
        &target,
        ec2::TrafficMirrorTarget {
            description: Some(format!("{}: mirrored traffic of ECS tasks", ctx.stack).into()),
            network_interface_id: s.target.network_interface_id.as_deref().map(Expr::str),
            network_load_balancer_arn: s.target.network_load_balancer_arn.as_deref().map(Expr::str),
            gateway_load_balancer_endpoint_id: s
                .target
                .gateway_load_balancer_endpoint_id
                .as_deref()
                .map(Expr::str),
            tags: ctx.tags_named("mirror-target"),
        },
    )?;
    let filter = id(&["MirrorFilter"])?;
    t.add(
        &filter,
        ec2::TrafficMirrorFilter {
            description: Some(format!("{}: what is mirrored", ctx.stack).into()),
            network_services: s
                .filter
                .network_services
                .iter()
                .map(|n| match n {
                    NetworkService::AmazonDns => "amazon-dns".into(),
                })
                .collect(),
            tags: ctx.tags_named("mirror-filter"),
        },
    )?;
    for rule in &s.filter.rules {
        // Named by direction and number, which are unique: reordering the list replaces nothing.
        let direction = match rule.direction {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        };
        let ports = |r: Option<super::PortRange>| {
            r.map(|r| ec2::TrafficMirrorPortRange {
                from_port: Some(r.from.into()),
                to_port: Some(r.to.into()),
            })
        };
        t.add(
            &id(&["MirrorFilterRule", direction, &rule.number.to_string()])?,
            ec2::TrafficMirrorFilterRule {
                traffic_mirror_filter_id: Some(Expr::r#ref(&filter)),
                traffic_direction: Some(rule.direction.as_str().into()),
                rule_number: Some(rule.number.into()),
                rule_action: Some(
                    match rule.action {
                        RuleAction::Accept => "accept",
                        RuleAction::Reject => "reject",
                    }
                    .into(),
                ),
                protocol: rule.protocol.number().map(|p| u32::from(p).into()),
                source_cidr_block: Some(rule.source_cidr.as_str().into()),
                destination_cidr_block: Some(rule.destination_cidr.as_str().into()),
                source_port_range: ports(rule.source_ports),
                destination_port_range: ports(rule.destination_ports),
                description: rule.description.as_deref().map(Expr::str),
                ..Default::default()
            },
        )?;
    }

    let table = StateTable::add(&mut t, ctx, "StopBudget", mirror::STATE_KEY_ATTRIBUTE)?;
    table.expire(&mut t, mirror::STATE_TTL_ATTRIBUTE);

    let selection = mirror::Selection {
        services: s.select.services.clone(),
        families: s.select.families.clone(),
        tags: s.select.tags.clone(),
    };
    let session = mirror::SessionOptions {
        number: u16::try_from(s.session.number).unwrap_or(1),
        packet_length: s.session.packet_length,
        virtual_network_id: s.session.virtual_network_id,
    };
    let not_mirrorable = match s.not_mirrorable.action {
        NotMirrorableAction::StopTask => mirror::NotMirrorable::StopTask {
            per_service_per_hour: s.not_mirrorable.stops_per_service_per_hour,
        },
        NotMirrorableAction::Report => mirror::NotMirrorable::Report,
    };
    let env = BTreeMap::from([
        (mirror::TARGET_ID.name, Expr::r#ref(&target)),
        (mirror::FILTER_ID.name, Expr::r#ref(&filter)),
        (mirror::CLUSTERS.name, Expr::str(s.clusters.join(","))),
        (mirror::SELECTION.name, json(&selection)),
        (mirror::SESSION.name, json(&session)),
        (mirror::NOT_MIRRORABLE.name, json(&not_mirrorable)),
        (mirror::STACK_NAME.name, Expr::pseudo(crate::cfn::Pseudo::StackName)),
        (mirror::STATE_TABLE.name, table.name()),
        (mirror::METRIC_NAMESPACE.name, Expr::str(METRIC_NAMESPACE)),
    ]);
    let f = function::build(
        &mut t,
        ctx,
        &FunctionProps {
            name: "Mirror",
            spec: &mirror::FUNCTION,
            description: format!("{}: mirrors the traffic of ECS tasks", ctx.stack),
            env,
            memory_mb: 256,
            timeout_seconds: 60,
            architecture: s.architecture,
            log_retention_days: s.log_retention_days,
            vpc: None,
            // No reserved concurrency: duplicates are made harmless by client tokens and tag checks,
            // and a burst of task starts should not queue behind one another.
            reserved_concurrency: None,
            dead_letter_queue: true,
            schedule: Some((
                s.reconcile_schedule.clone(),
                format!("{}: mirrors running tasks without a session and removes orphans", ctx.stack),
            )),
        },
    )?;
    EventRule {
        id: id(&["TaskStateRule"])?,
        description: format!("{}: task state changes in the mirrored clusters", ctx.stack),
        trigger: Trigger::Pattern(Expr::map([
            ("source", Expr::List(vec!["aws.ecs".into()])),
            ("detail-type", Expr::List(vec!["ECS Task State Change".into()])),
            (
                "detail",
                Expr::map([
                    ("clusterArn", Expr::List(s.clusters.iter().map(|c| c.as_str().into()).collect())),
                    ("lastStatus", Expr::List(TASK_STATES.iter().map(|st| (*st).into()).collect())),
                ]),
            ),
        ])),
        target_id: "Mirror".to_owned(),
        dead_letter_queue: None,
        retry: None,
    }
    .invoke(&mut t, f.arn())?;

    grants(&mut t, &f, s, &target, &filter);
    table.grant_counters(&mut t, &f);

    // A retried transient failure (an interface not visible yet) is one error: alarm on a pattern.
    let alarms = Alarms::new(ctx, Evaluation { periods: 3, datapoints: Some(2) });
    alarms.errors(
        &mut t,
        &f,
        "The mirror function is failing (each failed event is retried, then dead-lettered)",
    )?;
    alarms.dead_letters(
        &mut t,
        &f,
        "Task events failed after retries and landed in the dead-letter queue",
    )?;
    // Each of these needs an operator at once.
    let alarms = Alarms::new(ctx, Evaluation { periods: 1, datapoints: None });
    for (name, description) in ALARMED_METRICS {
        let metric = Metric {
            namespace: METRIC_NAMESPACE,
            name,
            dimension: ("Stack", Expr::pseudo(crate::cfn::Pseudo::StackName)),
            statistic: "Sum",
        };
        alarms.metric(&mut t, name, &metric, description)?;
    }

    output(&mut t, "MirrorTargetId", "The traffic mirror target", Expr::r#ref(&target))?;
    output(&mut t, "MirrorFilterId", "The traffic mirror filter", Expr::r#ref(&filter))?;
    output(&mut t, "MirrorFunctionArn", "The mirror function", f.arn())?;
    Ok(t)
}

type Condition = BTreeMap<String, BTreeMap<String, Expr>>;

fn cond(op: &str, key: &str, value: Expr) -> Condition {
    BTreeMap::from([(op.to_owned(), BTreeMap::from([(key.to_owned(), value)]))])
}

fn with(mut s: Statement, condition: Condition) -> Statement {
    s.condition = condition;
    s
}

fn grants(
    t: &mut Template,
    f: &function::Function,
    s: &FargateMirror,
    target: &crate::cfn::LogicalId,
    filter: &crate::cfn::LogicalId,
) {
    let ec2 = |resource: &str| Expr::arn("ec2", resource);
    let stack = Expr::pseudo(crate::cfn::Pseudo::StackName);
    let create = || vec!["ec2:CreateTrafficMirrorSession".to_owned()];
    // CreateTrafficMirrorSession is authorized on each resource it names: the new session only
    // with the stack tag, and only this stack's target and filter (any source interface: task
    // interfaces are created by ECS and cannot be named in advance).
    f.grant(
        t,
        with(
            Statement::allow(create(), vec![ec2("traffic-mirror-session/*")]),
            cond("StringEquals", &format!("aws:RequestTag/{}", mirror::TAG_STACK), stack.clone()),
        ),
    );
    f.grant(
        t,
        Statement::allow(
            create(),
            vec![
                Expr::sub_with(
                    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:traffic-mirror-target/${Target}",
                    [("Target".to_owned(), Expr::r#ref(target))],
                ),
                Expr::sub_with(
                    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:traffic-mirror-filter/${Filter}",
                    [("Filter".to_owned(), Expr::r#ref(filter))],
                ),
                ec2("network-interface/*"),
            ],
        ),
    );
    f.grant(
        t,
        with(
            Statement::allow(vec!["ec2:CreateTags".into()], vec![ec2("traffic-mirror-session/*")]),
            cond("StringEquals", "ec2:CreateAction", Expr::str("CreateTrafficMirrorSession")),
        ),
    );
    f.grant(
        t,
        with(
            Statement::allow(
                vec!["ec2:DeleteTrafficMirrorSession".into()],
                vec![ec2("traffic-mirror-session/*")],
            ),
            cond("StringEquals", &format!("ec2:ResourceTag/{}", mirror::TAG_STACK), stack),
        ),
    );
    // Describe calls have no resource-level permissions.
    f.grant(
        t,
        Statement::allow(
            vec!["ec2:DescribeTrafficMirrorSessions".into(), "ec2:DescribeNetworkInterfaces".into()],
            vec![Expr::str("*")],
        ),
    );
    let clusters = Expr::List(s.clusters.iter().map(|c| c.as_str().into()).collect());
    let tasks: Vec<Expr> = s
        .clusters
        .iter()
        .filter_map(|arn| {
            arn.split_once(":cluster/").map(|(head, name)| Expr::str(format!("{head}:task/{name}/*")))
        })
        .collect();
    let mut task_actions = vec!["ecs:DescribeTasks".to_owned()];
    if s.not_mirrorable.action == NotMirrorableAction::StopTask {
        task_actions.push("ecs:StopTask".to_owned());
    }
    f.grant(
        t,
        with(Statement::allow(task_actions, tasks), cond("ArnEquals", "ecs:cluster", clusters.clone())),
    );
    f.grant(
        t,
        with(
            Statement::allow(vec!["ecs:ListTasks".into()], vec![Expr::str("*")]),
            cond("ArnEquals", "ecs:cluster", clusters),
        ),
    );
}

/// A contract value, as the JSON text the function reads.
fn json<T: serde::Serialize>(value: &T) -> Expr {
    Expr::str(serde_json::to_string(value).unwrap_or_default())
}
