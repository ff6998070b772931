//! Two regions' sg-sync stacks around existing Auto Scaling groups, as the tests and the bench
//! build them: per region a VPC whose subnet gives public addresses, a security group with the stack's
//! rule (referencing the prefix list) and an operator's rule, the prefix list, the state table (same
//! name in both regions), the group with launch and terminate hooks, and the queue EventBridge
//! delivers its lifecycle actions to (real tokens). Each region's function runs in-process with
//! recorded clients; [`Region::stream`] stands for the table's event source mapping.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_ec2::types::{AttributeBooleanValue, IpPermission, IpRange, PrefixListId};
use aws_smithy_types::retry::RetryConfig;
use contract::sg_sync::sync::{AddressKind, Hooks, Peer, STATE_KEY_ATTRIBUTE};
use lambda_runtime::{Context, LambdaEvent};
use runtime::sg_sync::{self, Clients, Config, Report};
use serde_json::{Value, json};

use super::{Recorder, unique, world};

pub(crate) const ACCOUNT: &str = "123456789012";
pub(crate) const MAX_PER_REGION: usize = 8;
const FIRST_OCTET: u8 = 81;
pub(crate) const OFFICE: &str = "203.0.113.0/24";

/// One region's stack, as synth renders it, around an existing group.
pub(crate) struct Region {
    pub(crate) name: &'static str,
    /// Whether this is the pair's first region (it stands for the blueprint's first region).
    pub(crate) first: bool,
    pub(crate) clients: Clients,
    pub(crate) rec: Recorder,
    pub(crate) config: Config,
    /// Not recorded: what the test does is not the function's business.
    pub(crate) test: Clients,
    pub(crate) sqs: aws_sdk_sqs::Client,
    pub(crate) queue: String,
    pub(crate) security_group: String,
    pub(crate) events: std::sync::Mutex<BTreeMap<String, Value>>,
}

/// Two regions that sync with each other.
pub(crate) struct Pair {
    pub(crate) a: Region,
    pub(crate) b: Region,
}

pub(crate) fn retry_conf(conf: aws_config::SdkConfig) -> aws_config::SdkConfig {
    // Lambda's standard retries, with millisecond backoff.
    conf.into_builder()
        .retry_config(
            RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1)),
        )
        .build()
}

pub(crate) fn clients(conf: &aws_config::SdkConfig, rec: &Recorder, peers: &[Peer]) -> Clients {
    let dynamodb = |conf: aws_sdk_dynamodb::config::Builder| {
        aws_sdk_dynamodb::Client::from_conf(conf.interceptor(rec.clone()).build())
    };
    Clients {
        autoscaling: aws_sdk_autoscaling::Client::from_conf(
            aws_sdk_autoscaling::config::Builder::from(conf).interceptor(rec.clone()).build(),
        ),
        ec2: aws_sdk_ec2::Client::from_conf(
            aws_sdk_ec2::config::Builder::from(conf).interceptor(rec.clone()).build(),
        ),
        dynamodb: dynamodb(aws_sdk_dynamodb::config::Builder::from(conf)),
        peers: peers
            .iter()
            .map(|p| {
                let b = aws_sdk_dynamodb::config::Builder::from(conf)
                    .region(aws_config::Region::new(p.region.clone()));
                (p.region.clone(), dynamodb(b))
            })
            .collect(),
    }
}

pub(crate) async fn region(name: &'static str, peer: &'static str, stack: &str, octet: u8) -> Region {
    let first = octet == FIRST_OCTET;
    let conf = retry_conf(super::sdk_config_in(name).await);
    let table = format!("{stack}-addresses");
    let peers = vec![Peer { region: peer.to_owned(), table: table.clone() }];
    let test = clients(&conf, &Recorder::default(), &peers);
    let ec2 = &test.ec2;
    let zone = format!("{name}a");
    let (vpc, subnets) = world::vpc_with_subnets(ec2, octet, 0..1, &[zone.as_str()]).await.expect("vpc");
    let subnet = subnets[&0][&zone].clone();
    ec2.modify_subnet_attribute()
        .subnet_id(&subnet)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .expect("public ips");
    let group = unique("web");
    let security_group = world::security_group(ec2, &vpc, &group, "web").await.expect("sg");
    let pl = ec2
        .create_managed_prefix_list()
        .prefix_list_name(format!("{stack}-{name}"))
        .address_family("IPv4")
        .max_entries(i32::try_from(2 * MAX_PER_REGION).expect("small"))
        .send()
        .await
        .expect("prefix list");
    let pl = pl.prefix_list().and_then(|p| p.prefix_list_id()).expect("pl id").to_owned();
    // The stack's rule per port references the list; the operator's own rule sits beside it.
    ec2.authorize_security_group_ingress()
        .group_id(&security_group)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .prefix_list_ids(PrefixListId::builder().prefix_list_id(&pl).build())
                .build(),
        )
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip(OFFICE).description("office").build())
                .build(),
        )
        .send()
        .await
        .expect("rules");
    world::state_table(&test.dynamodb, &table, STATE_KEY_ATTRIBUTE).await.expect("table");
    let hooks = Hooks { launch: format!("{stack}-launch"), terminate: format!("{stack}-terminate") };
    world::auto_scaling_group(
        ec2,
        &test.autoscaling,
        &world::Group {
            name: &group,
            instance_type: aws_sdk_ec2::types::InstanceType::T3Micro,
            subnets: vec![subnet],
            max_size: 20,
            hooks: &[
                (&hooks.launch, "autoscaling:EC2_INSTANCE_LAUNCHING", "ABANDON"),
                (&hooks.terminate, "autoscaling:EC2_INSTANCE_TERMINATING", "CONTINUE"),
            ],
            heartbeat_timeout: 900,
        },
    )
    .await
    .expect("group");
    let (sqs, queue) = world::lifecycle_queue(
        &conf,
        &group,
        &["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"],
    )
    .await
    .expect("queue");
    let rec = Recorder::default();
    let config = Config {
        region: name.to_owned(),
        group,
        hooks,
        addresses: AddressKind::Public,
        max_per_region: MAX_PER_REGION,
        prefix_list: pl,
        table,
        peers: peers.clone(),
        namespace: "SgSync".into(),
    };
    Region {
        name,
        first,
        clients: clients(&conf, &rec, &peers),
        rec,
        config,
        test,
        sqs,
        queue,
        security_group,
        events: std::sync::Mutex::new(BTreeMap::new()),
    }
}

pub(crate) async fn pair(a: &'static str, b: &'static str) -> Pair {
    let stack = unique("sg");
    Pair { a: region(a, b, &stack, FIRST_OCTET).await, b: region(b, a, &stack, FIRST_OCTET + 1).await }
}

impl Region {
    pub(crate) async fn handle(&self, event: Value) -> Result<Report, runtime::HandlerError> {
        sg_sync::handle(&self.clients, &self.config, LambdaEvent::new(event, Context::default())).await
    }

    /// Runs the function on a record of its table's stream (a peer's copy, or its own write, arrived).
    pub(crate) async fn stream(&self) -> Result<Report, runtime::HandlerError> {
        let arn = format!(
            "arn:aws:dynamodb:{}:{ACCOUNT}:table/{}/stream/2026-12-02T00:00:00.000",
            self.name, self.config.table
        );
        self.handle(json!({"Records": [{"eventID": "1", "eventName": "MODIFY", "eventSource": "aws:dynamodb",
            "awsRegion": self.name, "eventSourceARN": arn, "dynamodb": {"Keys": {"region": {"S": "x"}}}}]}))
            .await
    }

    pub(crate) async fn true_up(&self) -> Result<Report, runtime::HandlerError> {
        self.handle(json!({"version": "0", "id": "s", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": ACCOUNT, "time": "2026-12-02T12:00:00Z", "region": self.name, "resources": [], "detail": {}}))
            .await
    }

    /// Scales the group by `n` and returns the new instances, waiting in `Pending:Wait`.
    pub(crate) async fn scale_out(&self, n: i32) -> Vec<String> {
        let before: BTreeSet<String> = self.members().await.into_keys().collect();
        self.test
            .autoscaling
            .set_desired_capacity()
            .auto_scaling_group_name(&self.config.group)
            .desired_capacity(i32::try_from(before.len()).expect("small") + n)
            .honor_cooldown(false)
            .send()
            .await
            .expect("scale");
        let new: Vec<String> = self
            .members()
            .await
            .into_iter()
            .filter(|(id, state)| !before.contains(id) && state == "Pending:Wait")
            .map(|(id, _)| id)
            .collect();
        assert_eq!(new.len(), usize::try_from(n).expect("n"), "new instances wait for their launch action");
        self.collect("launch", &new).await;
        new
    }

    /// Has the group terminate `instance` (it waits in `Terminating:Wait`).
    pub(crate) async fn scale_in(&self, instance: &str) {
        self.test
            .autoscaling
            .terminate_instance_in_auto_scaling_group()
            .instance_id(instance)
            .should_decrement_desired_capacity(true)
            .send()
            .await
            .expect("terminate");
        assert_eq!(self.members().await.get(instance).map(String::as_str), Some("Terminating:Wait"));
        self.collect("terminate", &[instance.to_owned()]).await;
    }

    /// The group's members and their lifecycle states.
    pub(crate) async fn members(&self) -> BTreeMap<String, String> {
        let out = self
            .test
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(&self.config.group)
            .send()
            .await
            .expect("describe group");
        out.auto_scaling_groups()[0]
            .instances()
            .iter()
            .filter_map(|i| Some((i.instance_id()?.to_owned(), i.lifecycle_state()?.as_str().to_owned())))
            .collect()
    }

    /// Waits for the events EventBridge delivered for `instances`.
    pub(crate) async fn collect(&self, kind: &str, instances: &[String]) {
        let key = |i: &str| format!("{kind}:{i}");
        for _ in 0..30 {
            if instances.iter().all(|i| self.events.lock().expect("lock").contains_key(&key(i))) {
                return;
            }
            let out =
                self.sqs.receive_message().queue_url(&self.queue).max_number_of_messages(10).send().await;
            for m in out.expect("receive").messages() {
                let event: Value = serde_json::from_str(m.body().unwrap_or_default()).expect("event JSON");
                let instance = event["detail"]["EC2InstanceId"].as_str().expect("instance").to_owned();
                let kind = if event["detail-type"].as_str().is_some_and(|t| t.contains("terminate")) {
                    "terminate"
                } else {
                    "launch"
                };
                self.events.lock().expect("lock").insert(format!("{kind}:{instance}"), event);
            }
        }
        panic!("no {kind} events for {instances:?}");
    }

    pub(crate) fn event(&self, kind: &str, instance: &str) -> Value {
        self.events.lock().expect("lock").get(&format!("{kind}:{instance}")).cloned().expect("the event")
    }

    pub(crate) async fn launch(&self, instance: &str) -> Result<Report, runtime::HandlerError> {
        self.handle(self.event("launch", instance)).await
    }

    pub(crate) async fn terminate(&self, instance: &str) -> Result<Report, runtime::HandlerError> {
        self.handle(self.event("terminate", instance)).await
    }

    /// The prefix list's entries: CIDR -> description.
    pub(crate) async fn entries(&self) -> BTreeMap<String, String> {
        let out = self
            .test
            .ec2
            .get_managed_prefix_list_entries()
            .prefix_list_id(&self.config.prefix_list)
            .send()
            .await
            .expect("entries");
        out.entries()
            .iter()
            .map(|e| {
                (e.cidr().unwrap_or_default().to_owned(), e.description().unwrap_or_default().to_owned())
            })
            .collect()
    }

    pub(crate) async fn cidrs(&self) -> BTreeSet<String> {
        self.entries().await.into_keys().collect()
    }

    /// `instance`'s public address as a /32.
    pub(crate) async fn cidr(&self, instance: &str) -> String {
        let out = self.test.ec2.describe_instances().instance_ids(instance).send().await.expect("describe");
        let ip = out.reservations()[0].instances()[0].public_ip_address().expect("a public ip");
        format!("{ip}/32")
    }

    /// Items of this region's table: region -> (version, CIDRs).
    pub(crate) async fn table(&self) -> BTreeMap<String, (u64, BTreeSet<String>)> {
        let out = self.test.dynamodb.scan().table_name(&self.config.table).send().await.expect("scan");
        out.items()
            .iter()
            .map(|i| {
                let region = i["region"].as_s().expect("region").clone();
                let version = i["version"].as_n().expect("version").parse().expect("number");
                let cidrs = i["addresses"].as_m().expect("addresses").keys().cloned().collect();
                (region, (version, cidrs))
            })
            .collect()
    }

    /// The operator's rule is as it was, and the stack's rule still references the list.
    pub(crate) async fn assert_rules_intact(&self) {
        let out = self
            .test
            .ec2
            .describe_security_groups()
            .group_ids(&self.security_group)
            .send()
            .await
            .expect("sg");
        let perms = out.security_groups()[0].ip_permissions();
        let office = perms.iter().find(|p| p.from_port() == Some(22)).expect("the operator's rule");
        assert_eq!(office.ip_ranges().len(), 1);
        assert_eq!(office.ip_ranges()[0].cidr_ip(), Some(OFFICE));
        assert_eq!(office.ip_ranges()[0].description(), Some("office"));
        let managed = perms.iter().find(|p| p.from_port() == Some(443)).expect("the stack's rule");
        assert_eq!(managed.prefix_list_ids()[0].prefix_list_id(), Some(self.config.prefix_list.as_str()));
        assert!(managed.ip_ranges().is_empty());
    }
}
