//! One region's sg-sync stack: the prefix list and one ingress rule per port referencing it, the
//! lifecycle hooks on the region's group, the state table (deterministic name, stream), the sync
//! function with its lifecycle rule, true-up schedule and stream mapping, dead-letter queue,
//! alarms, and a policy scoped to this stack's group, prefix list and tables.

use std::collections::BTreeMap;

use contract::sg_sync::sync;

use super::{Protocol, SgSync, rules};
use crate::cfn::resources::iam::Statement;
use crate::cfn::resources::{autoscaling, ec2, lambda};
use crate::cfn::{Expr, LogicalId, Template};
use crate::constructs::alarms::{Alarms, Evaluation, Metric};
use crate::constructs::event_rule::{EventRule, Trigger};
use crate::constructs::function::{self, Function, FunctionProps};
use crate::constructs::security_group::SecurityGroup;
use crate::constructs::state_table::StateTable;
use crate::constructs::{BuildError, Ctx, bounded_name, id, output};

/// Namespace of the function's embedded-format metrics; the alarms select them by the
/// `AutoScalingGroupName` dimension (the region's group).
pub const METRIC_NAMESPACE: &str = "SgSync";
/// The dimension of the function's metrics (the contract's, which the function writes).
pub const METRIC_DIMENSION: &str = contract::sg_sync::sync::METRIC_DIMENSION;

/// The function's timeout. One run is a handful of calls (a group, its instances, two or three
/// items, the prefix list and its modification, the peers' copies); a prefix list still being
/// modified by a concurrent run is waited for, so this leaves room for several re-observations.
pub const TIMEOUT_SECONDS: u32 = 60;
/// Lambda retries a failed asynchronous invocation twice, about one and then two minutes later.
const ASYNC_ATTEMPTS: u32 = 3;
const ASYNC_RETRY_DELAYS_SECONDS: u32 = 180;
/// The lifecycle hooks' heartbeat: longer than the function's worst case for one lifecycle event,
/// 3 attempts x 60 s + 180 s of retry delays = 360 s, plus 240 s for EventBridge's own delivery
/// retries when Lambda throttles. Only a failed event waits this long: a run that admitted the
/// instance completes the action at once.
pub const HEARTBEAT_SECONDS: u32 = ASYNC_ATTEMPTS * TIMEOUT_SECONDS + ASYNC_RETRY_DELAYS_SECONDS + 240;
// Whatever the constants become, a hook never expires while the function may still be retrying.
const _: () = assert!(HEARTBEAT_SECONDS > ASYNC_ATTEMPTS * TIMEOUT_SECONDS + ASYNC_RETRY_DELAYS_SECONDS);
/// What a launch becomes when the function never completes it: an instance whose address was
/// not admitted in every region must not serve, so it is abandoned (the group launches another).
pub const LAUNCH_DEFAULT_RESULT: &str = "ABANDON";
/// What a termination becomes when the function never completes it: the instance goes anyway (the
/// true-up removes its address), never held back by a failure here.
pub const TERMINATE_DEFAULT_RESULT: &str = "CONTINUE";

/// Stream batches: a failing batch is split to find the record, retried a few times, then sent to
/// the dead-letter queue (alarmed); the schedule reconverges whatever was dropped.
const STREAM_RETRIES: u32 = 3;
const STREAM_MAX_RECORD_AGE_SECONDS: u32 = 3600;

/// The state table's name in every region: the base stack name (without region), so a peer's
/// table is known without its stack's outputs.
pub fn table_name(base_stack: &str) -> String {
    format!("{base_stack}-addresses")
}

pub(super) fn build(ctx: &Ctx, description: Option<&str>, s: &SgSync) -> Result<Template, BuildError> {
    let no_region = || BuildError::NoRegion { system: "sg-sync" };
    let region_name = ctx.region.as_deref().ok_or_else(no_region)?;
    let region = s.regions.get(region_name).ok_or_else(no_region)?;
    let base = ctx.stack.strip_suffix(&format!("-{region_name}")).unwrap_or(&ctx.stack);
    let group = region.auto_scaling_group.as_str();

    let mut t = Template {
        description: Some(description.map_or_else(
            || format!("{}: security groups that admit every region's {group} instances", ctx.stack),
            |d| format!("{d} ({region_name})"),
        )),
        ..Template::default()
    };

    let entries = rules::max_entries(s);
    let prefix_list = id(&["AddressesPrefixList"])?;
    t.add(
        &prefix_list,
        ec2::PrefixList {
            prefix_list_name: Some(ctx.stack.as_str().into()),
            address_family: Some("IPv4".into()),
            max_entries: Some(Expr::from(u32::try_from(entries).unwrap_or(u32::MAX))),
            // No entries: the function owns them (CloudFormation would reset them on every update).
            entries: Vec::new(),
            tags: ctx.tags_named("addresses"),
        },
    )?;

    let group_id = match (&region.security_group.existing, &region.security_group.create) {
        (Some(existing), _) => Expr::str(existing),
        (None, Some(create)) => {
            let sg = SecurityGroup::add(
                &mut t,
                ctx,
                "Peers",
                &format!("{}: admits the instances of the groups in every region", ctx.stack),
                Expr::str(&create.vpc),
            )?;
            Expr::get_att(&sg.id, "GroupId")
        }
        (None, None) => return Err(no_region()),
    };
    for port in &s.ports {
        let (ip_protocol, ports, name) = match (port.protocol, port.range()) {
            (Protocol::Tcp | Protocol::Udp, Some((from, to))) => {
                let name = if from == to { from.to_string() } else { format!("{from}To{to}") };
                (port.protocol.as_str(), Some((i32::from(from), i32::from(to))), name)
            }
            (Protocol::Icmp, _) => ("icmp", Some((-1, -1)), String::new()),
            _ => ("-1", None, String::new()),
        };
        let label = match port.protocol {
            Protocol::Tcp => "Tcp",
            Protocol::Udp => "Udp",
            Protocol::Icmp => "Icmp",
            Protocol::All => "All",
        };
        t.add(
            &id(&["Ingress", label, &name])?,
            ec2::SecurityGroupIngress {
                group_id: Some(group_id.clone()),
                ip_protocol: Some(ip_protocol.into()),
                from_port: ports.map(|p| p.0.into()),
                to_port: ports.map(|p| p.1.into()),
                source_prefix_list_id: Some(Expr::r#ref(&prefix_list)),
                description: Some(format!("{base}: instances of the groups in every region").into()),
                ..Default::default()
            },
        )?;
    }

    let hooks = sync::Hooks {
        launch: bounded_name(&format!("{}-launch", ctx.stack), 255),
        terminate: bounded_name(&format!("{}-terminate", ctx.stack), 255),
    };
    for (logical, name, transition, result) in [
        ("LaunchHook", &hooks.launch, "autoscaling:EC2_INSTANCE_LAUNCHING", LAUNCH_DEFAULT_RESULT),
        ("TerminateHook", &hooks.terminate, "autoscaling:EC2_INSTANCE_TERMINATING", TERMINATE_DEFAULT_RESULT),
    ] {
        // No notification target: Auto Scaling sends lifecycle actions to EventBridge by itself.
        t.add(
            &id(&[logical])?,
            autoscaling::LifecycleHook {
                auto_scaling_group_name: Some(group.into()),
                lifecycle_hook_name: Some(name.as_str().into()),
                lifecycle_transition: Some(transition.into()),
                default_result: Some(result.into()),
                heartbeat_timeout: Some(HEARTBEAT_SECONDS.into()),
                ..Default::default()
            },
        )?;
    }

    let table = StateTable::add(&mut t, ctx, "StateTable", sync::STATE_KEY_ATTRIBUTE)?;
    table.name_it(&mut t, &table_name(base));
    table.stream(&mut t);

    let peers: Vec<sync::Peer> = s
        .regions
        .keys()
        .filter(|r| r.as_str() != region_name)
        .map(|r| sync::Peer { region: r.clone(), table: table_name(base) })
        .collect();
    let env = BTreeMap::from([
        (sync::REGION.name, Expr::str(region_name)),
        (sync::AUTO_SCALING_GROUP.name, Expr::str(group)),
        (sync::HOOKS.name, json(&hooks)),
        (sync::ADDRESSES.name, Expr::str(s.addresses.contract().as_str())),
        (sync::MAX_ADDRESSES_PER_REGION.name, Expr::str(s.max_instances_per_region.to_string())),
        (sync::PREFIX_LIST_ID.name, Expr::r#ref(&prefix_list)),
        (sync::STATE_TABLE.name, table.name()),
        (sync::PEERS.name, json(&peers)),
        (sync::METRIC_NAMESPACE.name, Expr::str(METRIC_NAMESPACE)),
    ]);
    let f = function::build(
        &mut t,
        ctx,
        &FunctionProps {
            name: "Sync",
            spec: &sync::FUNCTION,
            description: format!("{}: admits every region's {group} instances", ctx.stack),
            env,
            memory_mb: 256,
            timeout_seconds: TIMEOUT_SECONDS,
            architecture: s.architecture,
            log_retention_days: s.log_retention_days,
            vpc: None,
            // Concurrent runs are safe (version conditions on items and on the prefix list), and a
            // burst of launches should not queue behind one another.
            reserved_concurrency: None,
            dead_letter_queue: true,
            schedule: Some((
                s.true_up.clone(),
                format!("{}: true-up of the region's addresses and the prefix list", ctx.stack),
            )),
        },
    )?;
    EventRule {
        id: id(&["LifecycleRule"])?,
        description: format!("{}: lifecycle actions of {group}", ctx.stack),
        trigger: Trigger::Pattern(Expr::map([
            ("source", Expr::List(vec![contract::events::AUTOSCALING_SOURCE.into()])),
            (
                "detail-type",
                Expr::List(vec![
                    contract::events::LAUNCH_LIFECYCLE_ACTION.into(),
                    contract::events::TERMINATE_LIFECYCLE_ACTION.into(),
                ]),
            ),
            (
                "detail",
                Expr::map([
                    ("AutoScalingGroupName", Expr::List(vec![group.into()])),
                    (
                        "LifecycleHookName",
                        Expr::List(vec![hooks.launch.as_str().into(), hooks.terminate.as_str().into()]),
                    ),
                ]),
            ),
        ])),
        target_id: "Sync".to_owned(),
        dead_letter_queue: None,
        retry: None,
    }
    .invoke(&mut t, f.arn())?;

    let dlq = f.dead_letter_queue.clone().ok_or_else(no_region)?;
    t.add(
        &id(&["StateStreamMapping"])?,
        lambda::EventSourceMapping {
            event_source_arn: Some(table.stream_arn()),
            function_name: Some(Expr::r#ref(&f.id)),
            enabled: Some(true.into()),
            // From the oldest record: a peer's copy written before the mapping existed still counts.
            starting_position: Some("TRIM_HORIZON".into()),
            batch_size: Some(10.into()),
            bisect_batch_on_function_error: Some(true.into()),
            maximum_retry_attempts: Some(STREAM_RETRIES.into()),
            maximum_record_age_in_seconds: Some(STREAM_MAX_RECORD_AGE_SECONDS.into()),
            destination_config: Some(lambda::DestinationConfig {
                on_failure: Some(lambda::OnFailure { destination: Some(Expr::get_att(&dlq, "Arn")) }),
            }),
            tags: ctx.tags(),
            ..Default::default()
        },
    )?;

    grants(&mut t, &f, s, region_name, group, &prefix_list, &table, base);

    let alarms = Alarms::new(ctx, Evaluation { periods: 3, datapoints: Some(2) });
    alarms.errors(
        &mut t,
        &f,
        "The sync function is failing (lifecycle events and stream batches are retried, then dead-lettered)",
    )?;
    alarms.dead_letters(
        &mut t,
        &f,
        "Lifecycle events or stream batches failed every retry and landed in the dead-letter queue",
    )?;
    let metric = |name| Metric {
        namespace: METRIC_NAMESPACE,
        name,
        dimension: (METRIC_DIMENSION, Expr::str(group)),
        statistic: "Sum",
    };
    Alarms::new(ctx, Evaluation { periods: 1, datapoints: None }).metric(
        &mut t,
        sync::METRIC_OVER_CAPACITY,
        &metric(sync::METRIC_OVER_CAPACITY),
        "More addresses than the prefix list holds: nothing was changed (raise max_instances_per_region, mind the rule quota)",
    )?;
    // A peer region that is briefly unreachable heals by retry and the true-up; one that stays
    // unreachable for minutes needs an operator.
    Alarms::new(ctx, Evaluation { periods: 5, datapoints: Some(3) }).metric(
        &mut t,
        sync::METRIC_PEER_COPY_FAILED,
        &metric(sync::METRIC_PEER_COPY_FAILED),
        "This region's addresses could not be copied to a peer region's table for several minutes",
    )?;

    output(&mut t, "PrefixListId", "The prefix list of every region's addresses", Expr::r#ref(&prefix_list))?;
    output(&mut t, "SecurityGroupId", "The security group the rules are in", group_id)?;
    output(&mut t, "StateTableName", "This region's state table", table.name())?;
    output(&mut t, "SyncFunctionArn", "The sync function", f.arn())?;
    Ok(t)
}

#[allow(clippy::too_many_arguments)]
fn grants(
    t: &mut Template,
    f: &Function,
    s: &SgSync,
    region: &str,
    group: &str,
    prefix_list: &LogicalId,
    table: &StateTable,
    base: &str,
) {
    // Describe calls have no resource-level permissions: the only wildcards.
    f.grant(
        t,
        Statement::allow(
            vec![
                "autoscaling:DescribeAutoScalingGroups".into(),
                "ec2:DescribeInstances".into(),
                "ec2:DescribeManagedPrefixLists".into(),
            ],
            vec![Expr::str("*")],
        ),
    );
    f.grant(
        t,
        Statement::allow(
            vec!["autoscaling:CompleteLifecycleAction".into()],
            vec![Expr::arn("autoscaling", &format!("autoScalingGroup:*:autoScalingGroupName/{group}"))],
        ),
    );
    f.grant(
        t,
        Statement::allow(
            vec!["ec2:GetManagedPrefixListEntries".into(), "ec2:ModifyManagedPrefixList".into()],
            vec![Expr::get_att(prefix_list, "Arn")],
        ),
    );
    // Its own item: a conditional put; every region's item: a consistent scan. Nothing else: the
    // function reads items only by scanning and writes whole items only.
    f.grant(t, Statement::allow(vec!["dynamodb:PutItem".into(), "dynamodb:Scan".into()], vec![table.arn()]));
    // What the stream mapping reads with the function's role.
    f.grant(
        t,
        Statement::allow(
            vec![
                "dynamodb:DescribeStream".into(),
                "dynamodb:GetRecords".into(),
                "dynamodb:GetShardIterator".into(),
                "dynamodb:ListStreams".into(),
            ],
            // Any stream of the table: re-enabling a stream gives it a new ARN.
            vec![Expr::sub(format!("${{{}.Arn}}/stream/*", table.id.as_str()))],
        ),
    );
    // The peers' tables by their deterministic names: conditional copies only, never a read.
    let peers: Vec<Expr> = s
        .regions
        .keys()
        .filter(|r| r.as_str() != region)
        .map(|r| {
            Expr::sub(format!(
                "arn:${{AWS::Partition}}:dynamodb:{r}:${{AWS::AccountId}}:table/{}",
                table_name(base)
            ))
        })
        .collect();
    f.grant(t, Statement::allow(vec!["dynamodb:PutItem".into()], peers));
}

/// A contract value, as the JSON text the function reads.
fn json<T: serde::Serialize>(value: &T) -> Expr {
    Expr::str(serde_json::to_string(value).unwrap_or_default())
}
