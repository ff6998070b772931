//! The Fargate mirror function against the emulator (with its `traffic_mirroring` and `ecs_tasks`
//! plugins): real Fargate tasks from RunTask, their interfaces, sessions checked as AWS checks them.
//! Every recorded call must be allowed by the policy synth generates for the function's role.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, Compatibility, ContainerDefinition, LaunchType,
    NetworkConfiguration, NetworkMode,
};
use aws_smithy_types::retry::RetryConfig;
use contract::fargate_mirror::mirror::{NotMirrorable, Selection, SessionOptions, TAG_STACK, TAG_TASK};
use lambda_runtime::{Context, LambdaEvent};
use runtime::fargate_mirror::plan::Desired;
use runtime::fargate_mirror::{self, Clients, Config, Report};
use serde_json::{Value, json};

use crate::support::{self, Recorder, faults, iam, unique, world};

const ACCOUNT: &str = "123456789012";

/// A VPC with a subnet and group, a cluster with the `web` task definition, a mirror target (an
/// interface) and filter, and a stop-budget table, in `region`.
struct World {
    clients: Clients,
    rec: Recorder,
    config: Config,
    subnet: String,
    group: String,
    cluster: String,
}

async fn world_in(region: &'static str) -> World {
    let conf = support::sdk_config_in(region).await;
    // Lambda's standard retries, with millisecond backoff.
    let conf = conf
        .into_builder()
        .retry_config(
            RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1)),
        )
        .build();
    let setup = support::fargate_mirror_clients(&conf, &Recorder::default());
    let ec2 = &setup.ec2;
    let vpc = ec2.create_vpc().cidr_block("10.30.0.0/16").send().await.expect("vpc");
    let vpc = vpc.vpc().and_then(|v| v.vpc_id()).expect("vpc id").to_owned();
    // moto's RunTask needs DNS hostnames in awsvpc mode.
    ec2.modify_vpc_attribute()
        .vpc_id(&vpc)
        .enable_dns_hostnames(aws_sdk_ec2::types::AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .expect("dns hostnames");
    let subnet = ec2.create_subnet().vpc_id(&vpc).cidr_block("10.30.1.0/24").send().await.expect("subnet");
    let subnet = subnet.subnet().and_then(|s| s.subnet_id()).expect("subnet id").to_owned();
    let group_name = unique("tasks");
    let group =
        ec2.create_security_group().group_name(&group_name).description("tasks").vpc_id(&vpc).send().await;
    let group = group.expect("group").group_id().expect("group id").to_owned();
    let sink = ec2.create_network_interface().subnet_id(&subnet).send().await.expect("sink");
    let sink = sink.network_interface().and_then(|n| n.network_interface_id()).expect("sink id").to_owned();
    let target = ec2.create_traffic_mirror_target().network_interface_id(&sink).send().await.expect("target");
    let target =
        target.traffic_mirror_target().and_then(|t| t.traffic_mirror_target_id()).expect("id").to_owned();
    let filter = ec2.create_traffic_mirror_filter().send().await.expect("filter");
    let filter =
        filter.traffic_mirror_filter().and_then(|f| f.traffic_mirror_filter_id()).expect("id").to_owned();

    let cluster_name = unique("app");
    let cluster = setup.ecs.create_cluster().cluster_name(&cluster_name).send().await.expect("cluster");
    let cluster = cluster.cluster().and_then(|c| c.cluster_arn()).expect("cluster arn").to_owned();
    for family in ["web", "batch"] {
        setup
            .ecs
            .register_task_definition()
            .family(family)
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .cpu("256")
            .memory("512")
            .container_definitions(
                ContainerDefinition::builder().name(family).image("nginx").memory(512).build(),
            )
            .send()
            .await
            .expect("task definition");
    }
    let table = unique("stops");
    world::state_table(&setup.dynamodb, &table, contract::fargate_mirror::mirror::STATE_KEY_ATTRIBUTE)
        .await
        .expect("table");
    let rec = Recorder::default();
    let clients = support::fargate_mirror_clients(&conf, &rec);
    let config = Config {
        desired: Desired {
            stack: unique("mirror"),
            target,
            filter,
            selection: Selection { services: vec!["web".into()], ..Selection::default() },
            session: SessionOptions { number: 10, packet_length: None, virtual_network_id: None },
        },
        clusters: vec![cluster.clone()],
        not_mirrorable: NotMirrorable::StopTask { per_service_per_hour: 1 },
        table,
        namespace: "FargateMirror".into(),
    };
    World { clients, rec, config, subnet, group, cluster }
}

impl World {
    /// Starts a task of `family` as service `service` would (group `service:<name>`); `tags` on its interface.
    async fn run_task(&self, family: &str, group: &str, eni_tags: &[(&str, &str)]) -> (String, String) {
        let (task, enis) = self.start(family, group, &[]).await;
        let eni = enis.into_iter().next().expect("task interface");
        if !eni_tags.is_empty() {
            let mut req = self.clients.ec2.create_tags().resources(&eni);
            for (k, v) in eni_tags {
                req = req.tags(Tag::builder().key(*k).value(*v).build());
            }
            req.send().await.expect("tag interface");
        }
        self.rec.clear();
        (task, eni)
    }

    /// Runs a task with `tags` on the task; its ARN and every interface of its attachments.
    async fn start(&self, family: &str, group: &str, tags: &[(&str, &str)]) -> (String, Vec<String>) {
        let mut req = self.clients.ecs.run_task();
        for (k, v) in tags {
            req = req.tags(aws_sdk_ecs::types::Tag::builder().key(*k).value(*v).build());
        }
        let out = req
            .cluster(&self.cluster)
            .task_definition(family)
            .launch_type(LaunchType::Fargate)
            .group(group)
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(
                        AwsVpcConfiguration::builder()
                            .subnets(&self.subnet)
                            .security_groups(&self.group)
                            .assign_public_ip(AssignPublicIp::Disabled)
                            .build()
                            .expect("awsvpc"),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("run task");
        let task = &out.tasks()[0];
        let enis = task
            .attachments()
            .iter()
            .flat_map(|a| a.details())
            .filter(|d| d.name() == Some("networkInterfaceId"))
            .filter_map(|d| d.value())
            .map(str::to_owned)
            .collect();
        self.rec.clear();
        (task.task_arn().expect("arn").to_owned(), enis)
    }

    async fn handle(&self, event: Value) -> Result<Report, runtime::HandlerError> {
        fargate_mirror::handle(&self.clients, &self.config, LambdaEvent::new(event, Context::default())).await
    }

    fn event(&self, task: &str, last_status: &str) -> Value {
        json!({
            "version": "0", "id": "e1", "detail-type": "ECS Task State Change", "source": "aws.ecs",
            "account": ACCOUNT, "region": "us-east-1", "resources": [task],
            "detail": {"clusterArn": self.cluster, "taskArn": task, "lastStatus": last_status, "desiredStatus": "RUNNING"}
        })
    }

    /// Every session on `eni`, as (number, stack tag, task tag).
    async fn sessions(&self, eni: &str) -> Vec<(i32, Option<String>, Option<String>)> {
        let out = self
            .clients
            .ec2
            .describe_traffic_mirror_sessions()
            .filters(Filter::builder().name("network-interface-id").values(eni).build())
            .send()
            .await
            .expect("sessions");
        let mut v: Vec<_> = out
            .traffic_mirror_sessions()
            .iter()
            .map(|s| {
                let tags: BTreeMap<&str, &str> =
                    s.tags().iter().filter_map(|t| Some((t.key()?, t.value()?))).collect();
                (
                    s.session_number().unwrap_or_default(),
                    tags.get(TAG_STACK).map(|v| (*v).to_owned()),
                    tags.get(TAG_TASK).map(|v| (*v).to_owned()),
                )
            })
            .collect();
        v.sort();
        v
    }

    async fn foreign_session(&self, eni: &str, number: i32) {
        self.clients
            .ec2
            .create_traffic_mirror_session()
            .network_interface_id(eni)
            .traffic_mirror_target_id(&self.config.desired.target)
            .traffic_mirror_filter_id(&self.config.desired.filter)
            .session_number(number)
            .send()
            .await
            .expect("foreign session");
    }

    async fn last_status(&self, task: &str) -> String {
        let out = self
            .clients
            .ecs
            .describe_tasks()
            .cluster(&self.cluster)
            .tasks(task)
            .send()
            .await
            .expect("describe");
        out.tasks()[0].last_status().unwrap_or_default().to_owned()
    }

    #[track_caller]
    fn assert_calls_allowed(&self) {
        let allowed = iam::allowed_actions("blueprints/fargate-mirror.yaml", None, "MirrorRole");
        iam::assert_allowed(&self.rec.actions(), &allowed);
    }
}

#[tokio::test]
async fn a_task_first_seen_running_gets_a_session_tagged_for_the_stack() {
    let w = world_in("us-east-1").await;
    let (task, eni) = w.run_task("web", "service:web", &[]).await;
    let report = w.handle(w.event(&task, "RUNNING")).await.expect("mirrored");
    assert_eq!(report.created.len(), 1);
    assert_eq!(w.sessions(&eni).await, [(10, Some(w.config.desired.stack.clone()), Some(task.clone()))]);
    w.assert_calls_allowed();
}

#[tokio::test]
async fn the_same_event_three_times_and_two_copies_at_once_make_one_session() {
    let w = world_in("us-east-1").await;
    let (task, eni) = w.run_task("web", "service:web", &[]).await;
    let (a, b) = tokio::join!(w.handle(w.event(&task, "RUNNING")), w.handle(w.event(&task, "RUNNING")));
    a.expect("first copy");
    b.expect("second copy");
    for _ in 0..3 {
        let again = w.handle(w.event(&task, "ACTIVATING")).await.expect("redelivered");
        assert!(again.created.is_empty() && again.deleted.is_empty(), "{again:?}");
    }
    assert_eq!(w.sessions(&eni).await.len(), 1);
    w.assert_calls_allowed();
}

#[tokio::test]
async fn a_task_with_two_interfaces_gets_a_session_on_each() {
    let w = world_in("us-east-1").await;
    // The emulator's stand-in for a task with two ENI attachments (see ecs_tasks.py).
    let (task, enis) = w.start("web", "service:web", &[("iac-emulator:interfaces", "2")]).await;
    assert_eq!(enis.len(), 2, "{enis:?}");
    let report = w.handle(w.event(&task, "RUNNING")).await.expect("mirrored");
    assert_eq!(report.created.len(), 2, "{report:?}");
    for eni in &enis {
        assert_eq!(w.sessions(eni).await, [(10, Some(w.config.desired.stack.clone()), Some(task.clone()))]);
    }
    w.assert_calls_allowed();
    w.clients.ecs.stop_task().cluster(&w.cluster).task(&task).send().await.expect("stop");
    w.rec.clear();
    w.handle(w.event(&task, "STOPPED")).await.expect("cleaned up");
    for eni in &enis {
        assert!(w.sessions(eni).await.is_empty());
    }
    w.assert_calls_allowed();
}

#[tokio::test]
async fn tasks_that_are_not_selected_are_left_alone() {
    let w = world_in("us-east-1").await;
    let (task, eni) = w.run_task("batch", "family:batch", &[]).await;
    let report = w.handle(w.event(&task, "RUNNING")).await.expect("nothing to do");
    assert!(report.created.is_empty());
    assert!(w.sessions(&eni).await.is_empty());
}

#[tokio::test]
async fn a_full_interface_is_reported_and_a_taken_number_gives_the_lowest_free_one() {
    let w = world_in("us-east-1").await;
    let (full_task, full_eni) = w.run_task("web", "service:web", &[]).await;
    for n in [1, 2, 3] {
        w.foreign_session(&full_eni, n).await;
    }
    let report = w.handle(w.event(&full_task, "RUNNING")).await.expect("reported, not retried");
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.counts.sessions_failed, 1);
    assert_eq!(w.sessions(&full_eni).await.len(), 3);

    let (task, eni) = w.run_task("web", "service:web", &[]).await;
    w.foreign_session(&eni, 10).await;
    w.foreign_session(&eni, 1).await;
    w.handle(w.event(&task, "RUNNING")).await.expect("mirrored");
    let numbers: Vec<i32> = w.sessions(&eni).await.iter().map(|s| s.0).collect();
    assert_eq!(numbers, [1, 2, 10]);
    w.assert_calls_allowed();
}

#[tokio::test]
async fn a_task_that_cannot_be_mirrored_is_stopped_within_the_budget() {
    let w = world_in("us-east-1").await;
    let unsupported = [("emulator:not-mirrorable", "true")];
    let (first, _) = w.run_task("web", "service:web", &unsupported).await;
    let (second, _) = w.run_task("web", "service:web", &unsupported).await;
    let report = w.handle(w.event(&first, "RUNNING")).await.expect("stopped");
    assert_eq!(report.stopped.as_slice(), std::slice::from_ref(&first));
    assert_eq!(w.last_status(&first).await, "STOPPED");
    // Redelivered: the task is stopped, nothing more happens.
    let again = w.handle(w.event(&first, "RUNNING")).await.expect("redelivered");
    assert!(again.stopped.is_empty() && again.counts.stop_budget_exhausted == 0, "{again:?}");
    // The budget is one stop per service and hour: the second task stays, with a metric.
    let report = w.handle(w.event(&second, "RUNNING")).await.expect("over budget");
    assert!(report.stopped.is_empty());
    assert_eq!(report.counts.stop_budget_exhausted, 1);
    assert_eq!(w.last_status(&second).await, "RUNNING");
    w.assert_calls_allowed();
}

#[tokio::test]
async fn a_stopped_task_loses_the_sessions_this_stack_tagged_for_it() {
    let w = world_in("us-east-1").await;
    let (task, eni) = w.run_task("web", "service:web", &[]).await;
    w.handle(w.event(&task, "RUNNING")).await.expect("mirrored");
    // A session of this stack for the task on another interface, and one of someone else.
    let other = w.clients.ec2.create_network_interface().subnet_id(&w.subnet).send().await.expect("eni");
    let other = other.network_interface().and_then(|n| n.network_interface_id()).expect("id").to_owned();
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
    w.clients
        .ec2
        .create_traffic_mirror_session()
        .network_interface_id(&other)
        .traffic_mirror_target_id(&w.config.desired.target)
        .traffic_mirror_filter_id(&w.config.desired.filter)
        .session_number(10)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::TrafficMirrorSession)
                .tags(tag(TAG_STACK, &w.config.desired.stack))
                .tags(tag(TAG_TASK, &task))
                .build(),
        )
        .send()
        .await
        .expect("session");
    w.foreign_session(&other, 11).await;
    w.clients.ecs.stop_task().cluster(&w.cluster).task(&task).send().await.expect("stop");
    w.rec.clear();
    let report = w.handle(w.event(&task, "STOPPED")).await.expect("cleaned up");
    assert_eq!(report.deleted.len(), 1, "{report:?}");
    assert_eq!(w.sessions(&other).await, [(11, None, None)]);
    assert!(w.sessions(&eni).await.is_empty());
    w.assert_calls_allowed();
}

#[tokio::test]
async fn reconcile_mirrors_a_task_older_than_the_stack_and_removes_an_orphan() {
    let w = world_in("us-east-1").await;
    let (_older, eni) = w.run_task("web", "service:web", &[]).await;
    let (gone, gone_eni) = w.run_task("web", "service:web", &[]).await;
    w.handle(w.event(&gone, "RUNNING")).await.expect("mirrored");
    // The orphan: its task stops and the event is lost; its session is kept by a stand-in interface.
    let orphan_eni = w.clients.ec2.create_network_interface().subnet_id(&w.subnet).send().await.expect("eni");
    let orphan_eni =
        orphan_eni.network_interface().and_then(|n| n.network_interface_id()).expect("id").to_owned();
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
    w.clients
        .ec2
        .create_traffic_mirror_session()
        .network_interface_id(&orphan_eni)
        .traffic_mirror_target_id(&w.config.desired.target)
        .traffic_mirror_filter_id(&w.config.desired.filter)
        .session_number(10)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::TrafficMirrorSession)
                .tags(tag(TAG_STACK, &w.config.desired.stack))
                .tags(tag(TAG_TASK, &gone))
                .build(),
        )
        .send()
        .await
        .expect("orphan");
    w.clients.ecs.stop_task().cluster(&w.cluster).task(&gone).send().await.expect("stop");
    w.rec.clear();
    let schedule = json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
    let report = w.handle(schedule.clone()).await.expect("reconciled");
    assert_eq!((report.created.len(), report.deleted.len()), (1, 1), "{report:?}");
    assert_eq!(report.counts.drift_found, 2);
    assert_eq!(w.sessions(&eni).await.len(), 1);
    assert!(w.sessions(&orphan_eni).await.is_empty());
    assert!(w.sessions(&gone_eni).await.is_empty());
    let again = w.handle(schedule).await.expect("reconciled again");
    assert!(again.created.is_empty() && again.deleted.is_empty(), "{again:?}");
    w.assert_calls_allowed();
}

#[tokio::test]
async fn a_malformed_event_makes_no_aws_call() {
    let w = world_in("us-east-1").await;
    for event in [
        json!({"source": "aws.ecs", "detail-type": "ECS Task State Change", "detail": {"taskArn": "x"}}),
        json!({"source": "aws.ecs", "detail-type": "ECS Task State Change",
               "detail": {"clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/other", "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/other/1"}}),
        json!("hello"),
    ] {
        let err = w.handle(event).await.expect_err("refused");
        assert_eq!(err.error_type(), "NonRetryable");
    }
    assert!(w.rec.actions().is_empty(), "{:?}", w.rec.actions());
}

#[tokio::test]
async fn an_interface_not_found_fails_the_invocation_and_the_retry_mirrors_it() {
    let region = "eu-north-1";
    let w = world_in(region).await;
    let (task, eni) = w.run_task("web", "service:web", &[]).await;
    faults::inject(&json!({"service": "ec2", "operation": "CreateTrafficMirrorSession", "region": region,
        "code": "InvalidNetworkInterfaceID.NotFound", "message": format!("The networkInterface ID '{eni}' does not exist"), "count": 1}));
    let err = w.handle(w.event(&task, "RUNNING")).await.expect_err("retried by Lambda");
    assert!(err.is_retryable(), "{err}");
    assert!(w.sessions(&eni).await.is_empty());
    w.handle(w.event(&task, "RUNNING")).await.expect("mirrored on retry");
    assert_eq!(w.sessions(&eni).await.len(), 1);
    w.assert_calls_allowed();
}
