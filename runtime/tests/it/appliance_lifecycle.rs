//! The appliance lifecycle function end to end against the emulator: a real Auto Scaling group whose
//! instances wait in `Pending:Wait` for launch actions (the project's moto plugin), lifecycle events
//! as EventBridge delivers them, and every AWS call checked against the synthesized IAM policy.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::Filter;
use lambda_runtime::{Context, LambdaEvent};
use runtime::appliance_asg::interfaces::{InterfaceSpec, PublicIp};
use runtime::appliance_asg::network::INSTANCE_TAG;
use runtime::appliance_asg::{self, Clients, Config, Configuration, state};
use serde_json::json;

use crate::support::{self, Recorder, iam, world};

const REGION: &str = "us-east-1";

struct World {
    clients: Clients,
    recorder: Recorder,
    config: Config,
    /// Where EventBridge delivers the group's launch actions (as the deployed rule would to the function).
    queue: String,
    sqs: aws_sdk_sqs::Client,
    /// Not recorded: what the test itself does to the group is not the function's business.
    test_autoscaling: aws_sdk_autoscaling::Client,
    /// Launch events received so far, by instance.
    events: std::sync::Mutex<BTreeMap<String, serde_json::Value>>,
    subnets: BTreeMap<u32, BTreeMap<String, String>>,
    group: String,
    region: &'static str,
}

async fn recorded() -> (Clients, Recorder) {
    recorded_with_lambda(None, REGION).await
}

/// Clients whose operations are recorded; the Lambda client, if `lambda` is given, talks to that
/// endpoint (the emulator cannot run functions).
async fn recorded_with_lambda(lambda: Option<&str>, region: &'static str) -> (Clients, Recorder) {
    let rec = Recorder::default();
    (support::appliance_clients(&support::sdk_config_in(region).await, &rec, lambda), rec)
}

/// A VPC with subnets per device index and zone, a state table, a licence bucket with `licences`
/// files, and an Auto Scaling group (no instances yet) with launch and terminate hooks.
async fn world(licences: usize, public_ip: PublicIp) -> World {
    world_with_lambda(licences, public_ip, None).await
}

async fn world_with_lambda(licences: usize, public_ip: PublicIp, lambda: Option<&str>) -> World {
    world_in(REGION, licences, public_ip, lambda).await
}

/// [`world`] in `region`: tests that inject faults or switch the emulator's eventual consistency on
/// work in a region of their own.
async fn world_in(region: &'static str, licences: usize, public_ip: PublicIp, lambda: Option<&str>) -> World {
    let (clients, recorder) = recorded_with_lambda(lambda, region).await;
    let ec2 = &clients.core.ec2;
    let name = support::unique("fw");
    let zones = [format!("{region}a"), format!("{region}b")];
    let zones = [zones[0].as_str(), zones[1].as_str()];
    let (vpc, subnets) = world::vpc_with_subnets(ec2, 70, 0..3, &zones).await.expect("vpc");
    let group = world::security_group(ec2, &vpc, &name, "data").await.expect("sg");
    let table = name.clone();
    world::state_table(&clients.core.dynamodb, &table, state::KEY).await.expect("table");
    let bucket = name.to_lowercase();
    world::licence_bucket(&clients.s3, &bucket, licences).await.expect("licences");
    let asg = world::Group {
        name: &name,
        instance_type: aws_sdk_ec2::types::InstanceType::T3Micro,
        subnets: subnets[&0].values().cloned().collect(),
        max_size: 20,
        hooks: &[
            ("launch", "autoscaling:EC2_INSTANCE_LAUNCHING", "ABANDON"),
            ("terminate", "autoscaling:EC2_INSTANCE_TERMINATING", "CONTINUE"),
        ],
        heartbeat_timeout: 900,
    };
    world::auto_scaling_group(ec2, &clients.autoscaling, &asg).await.expect("group");
    let spec = |d: u32, public_ip: PublicIp, sdc: bool| InterfaceSpec {
        device_index: d,
        subnets: subnets[&d].clone(),
        security_groups: vec![group.clone()],
        source_dest_check: sdc,
        description: format!("port{}", d + 1),
        public_ip,
    };
    let config = Config {
        asg_name: name,
        table,
        interfaces: vec![spec(1, public_ip, true), spec(2, PublicIp::None, false)],
        licence_bucket: (licences > 0).then_some(bucket),
        scale_in_protection: true,
        configuration: None,
    };
    // The deployed rule sends lifecycle actions to the function; here they go to a queue the test reads.
    let conf = support::sdk_config_in(region).await;
    let (sqs, queue) = world::lifecycle_queue(
        &conf,
        &config.asg_name,
        &["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"],
    )
    .await
    .expect("queue");
    recorder.clear();
    let test_autoscaling = aws_sdk_autoscaling::Client::new(&conf);
    World {
        clients,
        recorder,
        config,
        subnets,
        group,
        queue,
        sqs,
        test_autoscaling,
        events: std::sync::Mutex::new(BTreeMap::new()),
        region,
    }
}

impl World {
    /// Scales the group to `n` and returns the instances waiting for their launch action.
    async fn scale_to(&self, n: i32) -> Vec<String> {
        self.test_autoscaling
            .set_desired_capacity()
            .auto_scaling_group_name(&self.config.asg_name)
            .desired_capacity(n)
            .send()
            .await
            .expect("scale");
        let waiting = self.instances_in("Pending:Wait").await;
        self.collect_events(&waiting).await;
        waiting
    }

    /// Collects the lifecycle events EventBridge delivered for `instances`, by instance (the
    /// latest one of each: a terminate action follows the launch).
    async fn collect_events(&self, instances: &[String]) {
        self.collect_events_of(instances, "launch").await;
    }

    async fn collect_events_of(&self, instances: &[String], kind: &str) {
        let key = |i: &str| format!("{kind}:{i}");
        for _ in 0..20 {
            if instances.iter().all(|i| self.events.lock().expect("lock").contains_key(&key(i))) {
                break;
            }
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queue)
                .max_number_of_messages(10)
                .send()
                .await
                .expect("receive");
            for m in out.messages() {
                let event: serde_json::Value =
                    serde_json::from_str(m.body().unwrap_or_default()).expect("event JSON");
                let instance = event["detail"]["EC2InstanceId"].as_str().expect("instance").to_owned();
                let kind = if event["detail-type"].as_str().is_some_and(|t| t.contains("terminate")) {
                    "terminate"
                } else {
                    "launch"
                };
                self.events.lock().expect("lock").insert(format!("{kind}:{instance}"), event);
            }
        }
    }

    /// Has the group terminate `instance` (it waits in `Terminating:Wait`) and handles the
    /// terminate action EventBridge delivered, with its real token.
    async fn terminate_pending(
        &self,
        instance: &str,
    ) -> Result<appliance_asg::Report, runtime::HandlerError> {
        self.test_autoscaling
            .terminate_instance_in_auto_scaling_group()
            .instance_id(instance)
            .should_decrement_desired_capacity(true)
            .send()
            .await
            .expect("terminate");
        assert_eq!(self.lifecycle_state(instance).await.as_deref(), Some("Terminating:Wait"));
        self.collect_events_of(&[instance.to_owned()], "terminate").await;
        let event = self
            .events
            .lock()
            .expect("lock")
            .get(&format!("terminate:{instance}"))
            .cloned()
            .expect("a terminate event for the instance");
        self.handle(event).await
    }

    /// The instance's lifecycle state in the group (None: no longer in it).
    async fn lifecycle_state(&self, instance: &str) -> Option<String> {
        let out = self
            .test_autoscaling
            .describe_auto_scaling_instances()
            .instance_ids(instance)
            .send()
            .await
            .expect("describe");
        out.auto_scaling_instances().first().and_then(|i| i.lifecycle_state()).map(str::to_owned)
    }

    async fn protected(&self, instance: &str) -> bool {
        let out = self
            .test_autoscaling
            .describe_auto_scaling_instances()
            .instance_ids(instance)
            .send()
            .await
            .expect("describe");
        out.auto_scaling_instances().first().and_then(|i| i.protected_from_scale_in()).unwrap_or(false)
    }

    async fn instances_in(&self, state: &str) -> Vec<String> {
        let out = self
            .test_autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(&self.config.asg_name)
            .send()
            .await
            .expect("describe group");
        let mut ids: Vec<String> = out.auto_scaling_groups()[0]
            .instances()
            .iter()
            .filter(|i| i.lifecycle_state().map(|s| s.as_str()) == Some(state))
            .filter_map(|i| i.instance_id().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    }

    fn event(&self, detail_type: &str, hook: &str, instance: &str) -> serde_json::Value {
        json!({"version": "0", "id": "e", "detail-type": detail_type, "source": "aws.autoscaling",
            "account": "123456789012", "time": "2026-11-22T12:00:00Z", "region": self.region, "resources": [],
            "detail": {"LifecycleActionToken": format!("token-{instance}"), "AutoScalingGroupName": self.config.asg_name,
                "LifecycleHookName": hook, "EC2InstanceId": instance}})
    }

    async fn handle(&self, event: serde_json::Value) -> Result<appliance_asg::Report, runtime::HandlerError> {
        appliance_asg::handle(&self.clients, &self.config, LambdaEvent::new(event, Context::default())).await
    }

    /// Handles the launch event EventBridge delivered for `instance` (with its real action token).
    async fn launch(&self, instance: &str) -> Result<appliance_asg::Report, runtime::HandlerError> {
        let event = self
            .events
            .lock()
            .expect("lock")
            .get(&format!("launch:{instance}"))
            .cloned()
            .expect("a launch event for the instance");
        self.handle(event).await
    }

    async fn terminate(&self, instance: &str) -> Result<appliance_asg::Report, runtime::HandlerError> {
        self.handle(self.event("EC2 Instance-terminate Lifecycle Action", "terminate", instance)).await
    }

    /// The interfaces attached to `instance`, as EC2 describes them.
    async fn attached(&self, instance: &str) -> Vec<aws_sdk_ec2::types::NetworkInterface> {
        let out = self
            .clients
            .core
            .ec2
            .describe_network_interfaces()
            .filters(Filter::builder().name("attachment.instance-id").values(instance).build())
            .send()
            .await
            .expect("describe");
        out.network_interfaces().to_vec()
    }

    async fn interfaces_of(&self, instance: &str) -> BTreeMap<i32, String> {
        self.attached(instance)
            .await
            .iter()
            .filter_map(|i| Some((i.attachment()?.device_index()?, i.network_interface_id()?.to_owned())))
            .collect()
    }

    /// Completes an action as Auto Scaling does when its heartbeat times out (the function never ran).
    async fn time_out(&self, hook: &str, instance: &str) {
        self.test_autoscaling
            .complete_lifecycle_action()
            .auto_scaling_group_name(&self.config.asg_name)
            .lifecycle_hook_name(hook)
            .instance_id(instance)
            .lifecycle_action_result("CONTINUE")
            .send()
            .await
            .expect("complete");
    }

    async fn tagged(&self, instance: &str) -> (usize, usize) {
        let tag = Filter::builder().name(format!("tag:{INSTANCE_TAG}")).values(instance).build();
        let enis = self
            .clients
            .core
            .ec2
            .describe_network_interfaces()
            .filters(tag.clone())
            .send()
            .await
            .expect("enis");
        let eips = self.clients.core.ec2.describe_addresses().filters(tag).send().await.expect("eips");
        (enis.network_interfaces().len(), eips.addresses().len())
    }
}

#[tokio::test]
async fn launch_gives_each_device_one_interface_and_a_redelivered_event_changes_nothing() {
    let w = world(1, PublicIp::Allocate { pool: None }).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one waiting instance");
    let report = w.launch(&instance).await.expect("launch");
    assert_eq!(report.outcomes, vec![(instance.clone(), "continue".to_owned())]);
    assert_eq!(report.role.as_deref(), Some("primary"));
    assert_eq!(report.licence.as_deref(), Some("fgt-0.lic"));
    assert_eq!(w.instances_in("InService").await, vec![instance.clone()]);
    let attached = w.interfaces_of(&instance).await;
    assert_eq!(attached.keys().copied().collect::<Vec<_>>(), vec![0, 1, 2]);

    let again = w.launch(&instance).await.expect("redelivered");
    assert_eq!(again.outcomes, vec![(instance.clone(), "skipped: no active launch action".to_owned())]);
    assert_eq!(w.interfaces_of(&instance).await, attached, "one interface per device index");
    assert_eq!(w.tagged(&instance).await, (2, 1));
}

#[tokio::test]
async fn ten_concurrent_launches_elect_one_primary_and_keep_every_member() {
    let w = world(0, PublicIp::None).await;
    let instances = w.scale_to(10).await;
    assert_eq!(instances.len(), 10);
    let w = std::sync::Arc::new(w);
    let tasks: Vec<_> = instances
        .iter()
        .map(|i| {
            let (w, i) = (std::sync::Arc::clone(&w), i.clone());
            tokio::spawn(async move { w.launch(&i).await })
        })
        .collect();
    let mut roles = Vec::new();
    for t in tasks {
        roles.push(t.await.expect("task").expect("launch").role.expect("role"));
    }
    assert_eq!(roles.iter().filter(|r| *r == "primary").count(), 1, "{roles:?}");
    let members = state::members(&w.clients.core, &w.config.table).await.expect("members");
    assert_eq!(members.iter().map(|m| m.instance_id.clone()).collect::<Vec<_>>(), instances);
    assert_eq!(w.instances_in("InService").await, instances);
}

#[tokio::test]
async fn the_primary_terminating_hands_over_and_frees_its_licence() {
    let w = world(2, PublicIp::None).await;
    let instances = w.scale_to(2).await;
    w.launch(&instances[0]).await.expect("first");
    w.launch(&instances[1]).await.expect("second");
    let primary = state::primary(&w.clients.core, &w.config.table).await.expect("primary").expect("one");
    let other = instances.iter().find(|i| **i != primary).expect("other").clone();
    let report = w.terminate_pending(&primary).await.expect("terminate");
    assert_eq!(report.outcomes, vec![(primary.clone(), "continue".to_owned())]);
    assert_eq!(w.lifecycle_state(&primary).await, None, "its terminate action was completed");
    assert_eq!(state::primary(&w.clients.core, &w.config.table).await.expect("primary"), Some(other.clone()));
    assert!(w.protected(&other).await, "the new primary is protected from scale-in");
    let leases = state::leases(&w.clients.core, &w.config.table).await.expect("leases");
    assert_eq!(
        leases.values().cloned().collect::<Vec<_>>(),
        vec![other],
        "the terminated primary's licence is back"
    );
}

#[tokio::test]
async fn an_exhausted_licence_pool_abandons_the_launch_and_fails_loudly() {
    let w = world(1, PublicIp::Allocate { pool: None }).await;
    let instances = w.scale_to(2).await;
    w.launch(&instances[0]).await.expect("first gets the licence");
    let err = w.launch(&instances[1]).await.expect_err("no licence left");
    assert_eq!(err.error_type(), "LicencePoolEmpty", "{err}");
    assert_eq!(w.tagged(&instances[1]).await, (0, 0), "its interfaces and address were undone");
    assert!(state::member(&w.clients.core, &w.config.table, &instances[1]).await.expect("get").is_none());
    assert!(!w.instances_in("InService").await.contains(&instances[1]), "abandoned");
    // The retry Lambda makes finds no action waiting and changes nothing.
    let retry = w.launch(&instances[1]).await.expect("retry");
    assert_eq!(retry.outcomes, vec![(instances[1].clone(), "skipped: no active launch action".to_owned())]);
}

#[tokio::test]
async fn token_lists_join_the_licence_pool() {
    let w = world(1, PublicIp::None).await;
    let bucket = w.config.licence_bucket.clone().expect("bucket");
    w.clients
        .s3
        .put_object()
        .bucket(&bucket)
        .key("tokens.json")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(br#"["TOKEN-A", "TOKEN-B"]"#))
        .send()
        .await
        .expect("token list");
    let instances = w.scale_to(4).await;
    let mut leased = Vec::new();
    for i in &instances[..3] {
        leased.push(w.launch(i).await.expect("launch").licence.expect("a licence"));
    }
    leased.sort();
    assert_eq!(leased, vec!["fgt-0.lic", "tokens.json#0", "tokens.json#1"]);
    let err = w.launch(&instances[3]).await.expect_err("pool of three");
    assert_eq!(err.error_type(), "LicencePoolEmpty");
    let recorded: BTreeSet<String> = w.recorder.actions().into_iter().collect();
    assert!(recorded.contains("s3:GetObject") && allowed_actions().contains("s3:GetObject"), "{recorded:?}");

    // A token list that is not a list of strings stops launches loudly.
    w.clients
        .s3
        .put_object()
        .bucket(&bucket)
        .key("broken.json")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"{\"tokens\": 1}"))
        .send()
        .await
        .expect("broken list");
    let pool = appliance_asg::licences::pool(&w.clients, &bucket).await.expect_err("broken");
    assert_eq!(pool.error_type(), "CorruptState", "{pool}");
}

#[tokio::test]
async fn terminate_keeps_the_users_elastic_ip() {
    let user = {
        let (clients, _) = recorded().await;
        clients
            .core
            .ec2
            .allocate_address()
            .send()
            .await
            .expect("user's EIP")
            .allocation_id()
            .expect("id")
            .to_owned()
    };
    let w = world(0, PublicIp::Existing { allocation_ids: vec![user.clone()] }).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    w.launch(&instance).await.expect("launch");
    w.terminate(&instance).await.expect("terminate");
    let out =
        w.clients.core.ec2.describe_addresses().allocation_ids(&user).send().await.expect("still allocated");
    assert_eq!(out.addresses().len(), 1);
    assert!(out.addresses()[0].association_id().is_none());
}

#[tokio::test]
async fn a_failure_mid_launch_is_undone_and_abandoned() {
    let mut w = world(0, PublicIp::Allocate { pool: None }).await;
    // Device 2's subnets do not exist: device 1 is created, then device 2 fails.
    for s in w.config.interfaces[1].subnets.values_mut() {
        *s = "subnet-0000000000000dead".to_owned();
    }
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    // A misconfiguration abandons every launch: the invocation fails too, for the errors alarm.
    let err = w.launch(&instance).await.expect_err("abandoned, loudly");
    assert!(err.to_string().starts_with("CreateNetworkInterface failed"), "{err}");
    assert_eq!(w.tagged(&instance).await, (0, 0), "nothing left behind");
    assert!(!w.instances_in("InService").await.contains(&instance));
    let _ = (&w.subnets, &w.group);
}

#[tokio::test]
async fn a_malformed_event_makes_no_aws_call() {
    let w = world(0, PublicIp::None).await;
    for event in [
        json!({"detail-type": "EC2 Instance-launch Lifecycle Action", "detail": {"EC2InstanceId": "i-1"}}),
        w.event("EC2 Instance-launch Lifecycle Action", "launch", "not-an-instance"),
        json!("hello"),
    ] {
        let err = w.handle(event).await.expect_err("rejected");
        assert_eq!(err.error_type(), "NonRetryable");
    }
    assert_eq!(w.recorder.actions(), Vec::<String>::new());
}

/// IAM actions of the synthesized LifecycleRole.
fn allowed_actions() -> BTreeSet<String> {
    iam::allowed_actions("blueprints/appliance-asg.yaml", None, "LifecycleRole")
}

#[tokio::test]
async fn every_call_is_allowed_by_the_synthesized_policy() {
    let w = world(1, PublicIp::Allocate { pool: None }).await;
    let instances = w.scale_to(2).await;
    w.launch(&instances[0]).await.expect("launch");
    let _ = w.launch(&instances[1]).await; // pool empty: abandon path
    w.terminate(&instances[0]).await.expect("terminate");
    w.handle(json!({"detail-type": "Scheduled Event", "detail": {}})).await.expect("sweep");
    // IAM names an operation's permission differently in a few places.
    let recorded: BTreeSet<String> = iam::iam_actions(&w.recorder.actions());
    for op in [
        "ec2:CreateNetworkInterface",
        "ec2:AllocateAddress",
        "ec2:ReleaseAddress",
        "autoscaling:CompleteLifecycleAction",
        "dynamodb:Scan",
    ] {
        assert!(recorded.contains(op), "{op} not exercised: {recorded:?}");
    }
    iam::assert_allowed(&w.recorder.actions(), &allowed_actions());
}

const TEMPLATE: &str = "\
config system global
  set hostname {{ instance_id }}
end
config system interface
{%- for i in interfaces %}
  edit port{{ i.device_index + 1 }}
    set ip {{ i.private_ip }}
  next
{%- endfor %}
end
config system auto-scale
  set role {{ role }}
{%- if not is_primary %}
  set primary-ip {{ primary_ip }}
{%- endif %}
  set psk {{ variables.psk }}
end
";

/// A world whose appliances are configured: the template in an SSM parameter, the admin password in
/// a secret, and a configure function (run in-process behind a local Invoke endpoint) that pushes to
/// one fake appliance per instance.
async fn configured_world(licences: usize, refuse: bool) -> (World, support::appliance::Fleet) {
    configured_world_with(licences, refuse, PublicIp::None).await
}

async fn configured_world_with(
    licences: usize,
    refuse: bool,
    public_ip: PublicIp,
) -> (World, support::appliance::Fleet) {
    let (lambda, fleet) = support::appliance::lambda_endpoint(refuse).await;
    let mut w = world_with_lambda(licences, public_ip, Some(&lambda)).await;
    let name = w.config.asg_name.clone();
    let source = json!({"template": TEMPLATE, "variables": {"psk": "cluster-key"}});
    w.clients
        .ssm
        .put_parameter()
        .name(format!("/{name}/configuration"))
        .value(source.to_string())
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .expect("parameter");
    let secret = w
        .clients
        .secretsmanager
        .create_secret()
        .name(format!("{name}-admin"))
        .secret_string("admin-password-from-the-secret")
        .send()
        .await
        .expect("secret");
    w.config.configuration = Some(Configuration {
        function: format!("{name}-configure"),
        parameter: format!("/{name}/configuration"),
        admin_secret: secret.arn().expect("arn").to_owned(),
        api_device_index: 0,
    });
    w.recorder.clear();
    (w, fleet)
}

impl World {
    /// The private address of an instance's boot interface (where its API listens).
    async fn api_address(&self, instance: &str) -> String {
        self.attached(instance)
            .await
            .iter()
            .find(|i| i.attachment().and_then(|a| a.device_index()) == Some(0))
            .and_then(|i| i.private_ip_address())
            .expect("a boot interface")
            .to_owned()
    }
}

fn pushed(fleet: &support::appliance::Fleet, address: &str) -> support::appliance::ApplianceState {
    let fleet = fleet.lock().expect("lock");
    let appliance = fleet.get(address).unwrap_or_else(|| panic!("nothing was pushed to {address}"));
    appliance.lock().expect("lock").clone()
}

#[tokio::test]
async fn launches_configure_each_appliance_for_its_role_before_it_goes_in_service() {
    let (w, fleet) = configured_world(2, false).await;
    let instances = w.scale_to(2).await;
    let first = w.launch(&instances[0]).await.expect("first");
    let second = w.launch(&instances[1]).await.expect("second");
    assert_eq!(first.role.as_deref(), Some("primary"));
    assert_eq!(second.role.as_deref(), Some(format!("secondary of {}", instances[0]).as_str()));
    let primary_ip = w.api_address(&instances[0]).await;
    let primary = pushed(&fleet, &primary_ip);
    assert_eq!(primary.password, "admin-password-from-the-secret", "the initial password was replaced");
    let config = primary.configuration.expect("configured");
    assert!(config.contains(&format!("set hostname {}", instances[0])), "{config}");
    assert!(config.contains("set role primary") && !config.contains("primary-ip"), "{config}");
    assert!(config.contains("edit port3") && config.contains("set psk cluster-key"), "{config}");
    assert_eq!(primary.licence.as_ref().map(|l| l["kind"].clone()), Some(json!("file")));

    let secondary = pushed(&fleet, &w.api_address(&instances[1]).await);
    let config = secondary.configuration.expect("configured");
    assert!(config.contains(&format!("set role secondary\n  set primary-ip {primary_ip}\n")), "{config}");
    assert_eq!(w.instances_in("InService").await, instances);

    // A redelivered launch finds no waiting action and pushes nothing.
    let before = pushed(&fleet, &primary_ip).requests.len();
    w.launch(&instances[0]).await.expect("redelivered");
    assert_eq!(pushed(&fleet, &primary_ip).requests.len(), before);
}

#[tokio::test]
async fn a_new_primary_is_reconfigured_once_after_a_hand_over() {
    let (w, fleet) = configured_world(0, false).await;
    let instances = w.scale_to(3).await;
    for i in &instances {
        w.launch(i).await.expect("launch");
    }
    let report = w.terminate_pending(&instances[0]).await.expect("terminate the primary");
    assert_eq!(
        report.outcomes,
        vec![
            (instances[0].clone(), "continue".to_owned()),
            (instances[1].clone(), format!("reconfigured for primary {}", instances[1])),
            (instances[2].clone(), format!("reconfigured for primary {}", instances[1])),
        ]
    );
    let new_primary = pushed(&fleet, &w.api_address(&instances[1]).await);
    assert!(new_primary.configuration.expect("configured").contains("set role primary"));
    let other = pushed(&fleet, &w.api_address(&instances[2]).await);
    let ip = w.api_address(&instances[1]).await;
    assert!(other.configuration.expect("configured").contains(&format!("set primary-ip {ip}")));

    assert!(w.protected(&instances[1]).await, "the new primary is protected from scale-in");

    // Redelivered, and the sweep: nothing is pushed again.
    let event = w.events.lock().expect("lock").get(&format!("terminate:{}", instances[0])).cloned();
    let again = w.handle(event.expect("the terminate event")).await.expect("redelivered");
    assert_eq!(
        again.outcomes,
        vec![(instances[0].clone(), "cleaned; the action was no longer pending".to_owned())]
    );
    let sweep = w.handle(json!({"detail-type": "Scheduled Event", "detail": {}})).await.expect("sweep");
    assert!(sweep.outcomes.iter().all(|(_, o)| !o.starts_with("reconfigured")), "{:?}", sweep.outcomes);
}

#[tokio::test]
async fn an_appliance_refusing_its_configuration_is_undone_and_abandoned() {
    let (w, fleet) = configured_world(1, true).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    let err = w.launch(&instance).await.expect_err("refused");
    assert_eq!(err.error_type(), "ApplianceNotConfigured", "{err}");
    assert!(err.to_string().contains("refused the configuration: 500"), "{err}");
    assert_eq!(w.tagged(&instance).await, (0, 0), "its interfaces were undone");
    assert!(state::member(&w.clients.core, &w.config.table, &instance).await.expect("get").is_none());
    assert!(
        state::leases(&w.clients.core, &w.config.table).await.expect("leases").is_empty(),
        "licence back"
    );
    assert!(!w.instances_in("InService").await.contains(&instance), "abandoned");
    assert_eq!(fleet.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn configuring_calls_are_allowed_by_the_synthesized_policy() {
    let (w, _fleet) = configured_world(2, false).await;
    let instances = w.scale_to(2).await;
    for i in &instances {
        w.launch(i).await.expect("launch");
    }
    w.terminate(&instances[0]).await.expect("terminate");
    let recorded: BTreeSet<String> = iam::iam_actions(&w.recorder.actions());
    for op in ["lambda:InvokeFunction", "secretsmanager:GetSecretValue", "ssm:GetParameter", "s3:GetObject"] {
        assert!(recorded.contains(op), "{op} not exercised: {recorded:?}");
    }
    iam::assert_allowed(&w.recorder.actions(), &allowed_actions());
}

#[tokio::test]
async fn an_instance_in_service_without_being_made_whole_is_replaced() {
    let w = world(0, PublicIp::None).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    // The launch action times out with a CONTINUE default result: the function never ran for it.
    w.time_out("launch", &instance).await;
    let event = |detail_type: &str| {
        json!({"detail-type": detail_type, "source": "aws.autoscaling", "detail": {
            "AutoScalingGroupName": w.config.asg_name, "EC2InstanceId": instance, "StatusCode": "InProgress"}})
    };
    let report = w.handle(event("EC2 Instance Launch Successful")).await.expect("handled");
    assert_eq!(
        report.outcomes,
        vec![(instance.clone(), "replaced: in service without being made whole".to_owned())]
    );
    let out = w
        .test_autoscaling
        .describe_auto_scaling_instances()
        .instance_ids(&instance)
        .send()
        .await
        .expect("describe");
    let health = out.auto_scaling_instances()[0].health_status().unwrap_or_default();
    assert!(health.eq_ignore_ascii_case("unhealthy"), "{health}");
    iam::assert_allowed(&w.recorder.actions(), &allowed_actions());
}

#[tokio::test]
async fn a_terminated_instance_is_cleaned_up_without_its_terminate_action() {
    let w = world(1, PublicIp::Allocate { pool: None }).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    w.launch(&instance).await.expect("launch");
    let in_service = json!({"detail-type": "EC2 Instance Launch Successful", "source": "aws.autoscaling",
        "detail": {"AutoScalingGroupName": w.config.asg_name, "EC2InstanceId": instance}});
    let report = w.handle(in_service).await.expect("in service");
    assert_eq!(report.outcomes, vec![(instance.clone(), "in service".to_owned())]);

    // Terminated while the function was not looking: its terminate action timed out (CONTINUE).
    w.test_autoscaling
        .terminate_instance_in_auto_scaling_group()
        .instance_id(&instance)
        .should_decrement_desired_capacity(true)
        .send()
        .await
        .expect("terminate");
    w.time_out("terminate", &instance).await;
    let terminated = json!({"detail-type": "EC2 Instance Terminate Successful", "source": "aws.autoscaling",
        "detail": {"AutoScalingGroupName": w.config.asg_name, "EC2InstanceId": instance}});
    let report = w.handle(terminated.clone()).await.expect("terminated");
    assert_eq!(report.outcomes, vec![(instance.clone(), "cleaned".to_owned())]);
    assert_eq!(w.tagged(&instance).await, (0, 0), "interfaces and the allocated address are gone");
    assert!(state::member(&w.clients.core, &w.config.table, &instance).await.expect("get").is_none());
    assert!(state::leases(&w.clients.core, &w.config.table).await.expect("leases").is_empty());
    assert_eq!(state::primary(&w.clients.core, &w.config.table).await.expect("primary"), None);
    w.handle(terminated).await.expect("redelivered: nothing left to do");
}

/// Guards the cost of the common path: the AWS calls one launch and one terminate of a
/// three-interface appliance (boot interface, a public data port, a private forwarding port) make,
/// with a licence and configuration.
#[tokio::test]
async fn aws_calls_per_launch_and_terminate_of_a_three_interface_appliance() {
    let (w, _fleet) = configured_world_with(1, false, PublicIp::Allocate { pool: None }).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    w.recorder.clear();
    w.launch(&instance).await.expect("launch");
    let launch = w.recorder.actions();
    w.recorder.clear();
    w.terminate(&instance).await.expect("terminate");
    let terminate = w.recorder.actions();
    let show = |calls: &[String]| format!("{} calls: {}", calls.len(), calls.join(" "));
    expect_test::expect!["31 calls: autoscaling:DescribeAutoScalingInstances dynamodb:PutItem ec2:DescribeInstances ec2:DescribeNetworkInterfaces ec2:DescribeNetworkInterfaces ec2:DescribeAddresses autoscaling:RecordLifecycleActionHeartbeat ec2:CreateNetworkInterface ec2:AttachNetworkInterface ec2:ModifyNetworkInterfaceAttribute ec2:AllocateAddress ec2:AssociateAddress ec2:CreateNetworkInterface ec2:AttachNetworkInterface ec2:ModifyNetworkInterfaceAttribute ec2:ModifyNetworkInterfaceAttribute dynamodb:UpdateItem dynamodb:PutItem autoscaling:SetInstanceProtection s3:ListObjectsV2 dynamodb:Scan dynamodb:PutItem autoscaling:RecordLifecycleActionHeartbeat ssm:GetParameter secretsmanager:GetSecretValue ec2:DescribeNetworkInterfaces s3:GetObject lambda:Invoke dynamodb:UpdateItem autoscaling:CompleteLifecycleAction dynamodb:DeleteItem"].assert_eq(&show(&launch));
    expect_test::expect!["19 calls: dynamodb:PutItem ec2:DescribeInstances ec2:DescribeNetworkInterfaces ec2:DescribeNetworkInterfaces ec2:DescribeAddresses ec2:DisassociateAddress ec2:ReleaseAddress dynamodb:Scan dynamodb:DeleteItem dynamodb:UpdateItem dynamodb:GetItem autoscaling:DescribeAutoScalingGroups dynamodb:GetItem dynamodb:Scan dynamodb:DeleteItem dynamodb:DeleteItem autoscaling:CompleteLifecycleAction dynamodb:DeleteItem dynamodb:GetItem"].assert_eq(&show(&terminate));
}

#[tokio::test]
async fn reconfiguration_stops_before_the_deadline_and_the_retry_finishes_it() {
    let (w, fleet) = configured_world(0, false).await;
    let instances = w.scale_to(3).await;
    for i in &instances {
        w.launch(i).await.expect("launch");
    }
    let mut context = Context::default();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock");
    // Less time left than one push may take.
    context.deadline = u64::try_from((now + std::time::Duration::from_secs(20)).as_millis()).expect("ms");
    let event = w.event("EC2 Instance-terminate Lifecycle Action", "terminate", &instances[0]);
    let err = appliance_asg::handle(&w.clients, &w.config, LambdaEvent::new(event, context))
        .await
        .expect_err("out of time");
    assert!(err.is_retryable() && err.to_string().contains("ran out of time"), "{err}");
    let configured =
        pushed(&fleet, &w.api_address(&instances[1]).await).configuration.expect("launch config");
    assert!(configured.contains("set role secondary"), "nothing pushed yet: {configured}");

    let retry = w.terminate(&instances[0]).await.expect("retry");
    assert_eq!(retry.outcomes.len(), 3, "{:?}", retry.outcomes);
    let configured = pushed(&fleet, &w.api_address(&instances[1]).await).configuration.expect("config");
    assert!(configured.contains("set role primary"), "{configured}");
}

/// The instance's extra interfaces lose DeleteOnTermination (as after a launch interrupted before it
/// was set): the terminate action must detach and delete them itself, and EC2 detaches
/// asynchronously, so each delete waits for its detach.
#[tokio::test]
async fn a_terminate_waits_for_the_detach_of_its_interfaces_before_deleting_them() {
    let w = world(0, PublicIp::Allocate { pool: None }).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    w.launch(&instance).await.expect("launch");
    for eni in w.attached(&instance).await {
        let Some(attachment) = eni.attachment().filter(|a| a.device_index() != Some(0)) else { continue };
        w.clients
            .core
            .ec2
            .modify_network_interface_attribute()
            .network_interface_id(eni.network_interface_id().expect("id"))
            .attachment(
                aws_sdk_ec2::types::NetworkInterfaceAttachmentChanges::builder()
                    .attachment_id(attachment.attachment_id().expect("attachment"))
                    .delete_on_termination(false)
                    .build(),
            )
            .send()
            .await
            .expect("unset DeleteOnTermination");
    }
    let report = w.terminate_pending(&instance).await.expect("terminate");
    assert_eq!(report.outcomes, vec![(instance.clone(), "continue".to_owned())]);
    assert_eq!(w.tagged(&instance).await, (0, 0), "interfaces deleted, the address released");
    assert_eq!(w.lifecycle_state(&instance).await, None, "the terminate action was completed");
}

/// A launch that fails after its first interface was attached (here: setting DeleteOnTermination is
/// refused) leaves nothing behind: the attached interface is detached, and deleted once detached.
#[tokio::test]
async fn a_launch_that_fails_after_attach_leaves_nothing_behind() {
    const REGION: &str = "us-west-2";
    let w = world_in(REGION, 0, PublicIp::None, None).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    support::faults::inject(&json!({"service": "ec2", "operation": "ModifyNetworkInterfaceAttribute",
        "region": REGION, "status": 400, "code": "UnauthorizedOperation", "message": "injected"}));
    let err = w.launch(&instance).await.expect_err("abandoned, loudly");
    assert!(err.to_string().contains("ModifyNetworkInterfaceAttribute"), "{err}");
    assert_eq!(w.tagged(&instance).await.0, 0, "the attached interface was detached and deleted");
    assert!(!w.instances_in("InService").await.contains(&instance), "abandoned");
    assert!(state::member(&w.clients.core, &w.config.table, &instance).await.expect("get").is_none());
}

/// EventBridge delivers at least once: two copies of one launch action at once make one set of
/// interfaces, and the instance goes in service.
#[tokio::test]
async fn two_copies_of_one_launch_at_once_make_one_set_of_interfaces() {
    let w = world(0, PublicIp::Allocate { pool: None }).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    let (a, b) = tokio::join!(w.launch(&instance), w.launch(&instance));
    let outcomes: Vec<String> =
        [a, b].into_iter().map(|r| r.expect("both handled").outcomes[0].1.clone()).collect();
    assert!(outcomes.contains(&"continue".to_owned()), "{outcomes:?}");
    assert_eq!(w.instances_in("InService").await, vec![instance.clone()], "{outcomes:?}");
    assert_eq!(w.interfaces_of(&instance).await.keys().copied().collect::<Vec<_>>(), vec![0, 1, 2]);
    assert_eq!(w.tagged(&instance).await, (2, 1), "one set of interfaces and one address");
}

/// Throttling on every EC2 write of a launch and a terminate: the SDK's retries converge.
#[tokio::test]
async fn throttling_on_each_ec2_write_converges_after_retries() {
    const REGION: &str = "eu-north-1";
    let w = world_in(REGION, 0, PublicIp::Allocate { pool: None }, None).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    for operation in [
        "CreateNetworkInterface",
        "AttachNetworkInterface",
        "ModifyNetworkInterfaceAttribute",
        "AllocateAddress",
        "AssociateAddress",
        "DisassociateAddress",
        "ReleaseAddress",
        "DetachNetworkInterface",
        "DeleteNetworkInterface",
    ] {
        support::faults::inject(&json!({"service": "ec2", "operation": operation, "region": REGION,
            "status": 400, "code": "RequestLimitExceeded", "message": "Request limit exceeded.", "count": 1}));
    }
    let report = w.launch(&instance).await.expect("launch");
    assert_eq!(report.outcomes, vec![(instance.clone(), "continue".to_owned())]);
    assert_eq!(w.tagged(&instance).await, (2, 1));
    let report = w.terminate_pending(&instance).await.expect("terminate");
    assert_eq!(report.outcomes, vec![(instance.clone(), "continue".to_owned())]);
    assert!(support::faults::calls("ec2", "AllocateAddress", REGION) >= 2, "the fault fired");
}

/// EC2 is eventually consistent: an attachment just made may be missing from the next describe;
/// the launch uses the attachment id the attach returned.
#[tokio::test]
async fn a_launch_uses_the_attachment_ids_ec2_returns() {
    const REGION: &str = "ap-southeast-2";
    let w = world_in(REGION, 0, PublicIp::None, None).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    support::faults::eventual_consistency(REGION, 1);
    let report = w.launch(&instance).await.expect("launch");
    assert_eq!(report.outcomes, vec![(instance.clone(), "continue".to_owned())]);
    // The test's own describes see the new interfaces after a bounded number of tries.
    let mut devices = Vec::new();
    for _ in 0..4 {
        devices = w.interfaces_of(&instance).await.keys().copied().collect::<Vec<_>>();
        if devices.len() == 3 {
            break;
        }
    }
    assert_eq!(devices, vec![0, 1, 2]);
}

/// Once EC2 has forgotten a terminated instance, what the function allocated for it is still found
/// by its tags and released.
#[tokio::test]
async fn cleanup_of_an_instance_ec2_no_longer_knows_releases_its_addresses() {
    let w = world(0, PublicIp::Allocate { pool: None }).await;
    let gone = "i-0fedcba9876543210";
    w.clients
        .core
        .ec2
        .allocate_address()
        .tag_specifications(
            aws_sdk_ec2::types::TagSpecification::builder()
                .resource_type(aws_sdk_ec2::types::ResourceType::ElasticIp)
                .tags(aws_sdk_ec2::types::Tag::builder().key(INSTANCE_TAG).value(gone).build())
                .tags(
                    aws_sdk_ec2::types::Tag::builder()
                        .key(runtime::appliance_asg::network::DEVICE_TAG)
                        .value("1")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("address");
    let terminated = json!({"detail-type": "EC2 Instance Terminate Successful", "source": "aws.autoscaling",
        "detail": {"AutoScalingGroupName": w.config.asg_name, "EC2InstanceId": gone}});
    let report = w.handle(terminated).await.expect("cleaned");
    assert_eq!(report.outcomes, vec![(gone.to_owned(), "cleaned".to_owned())]);
    assert_eq!(w.tagged(gone).await, (0, 0), "its address was released");
}

/// A member whose `leaving` flag survived (its undo failed before the member was removed, and its
/// launch was retried) is electable again once its launch succeeds.
#[tokio::test]
async fn a_stuck_leaving_flag_is_repaired_by_the_launch() {
    let w = world(0, PublicIp::None).await;
    let instances = w.scale_to(2).await;
    w.launch(&instances[0]).await.expect("first");
    w.clients
        .core
        .dynamodb
        .put_item()
        .table_name(&w.config.table)
        .item(state::KEY, aws_sdk_dynamodb::types::AttributeValue::S(format!("instance#{}", instances[1])))
        .item("instance_id", aws_sdk_dynamodb::types::AttributeValue::S(instances[1].clone()))
        .item("joined_ms", aws_sdk_dynamodb::types::AttributeValue::N("1".into()))
        .item("leaving", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
        .send()
        .await
        .expect("a stuck member");
    w.launch(&instances[1]).await.expect("second");
    w.terminate_pending(&instances[0]).await.expect("terminate the primary");
    assert_eq!(
        state::primary(&w.clients.core, &w.config.table).await.expect("primary"),
        Some(instances[1].clone()),
        "the second instance took over"
    );
    assert!(w.protected(&instances[1]).await, "the new primary is protected from scale-in");
}

/// A `primary` item without an instance id (written by hand, or by an older version) does not make
/// every election fail: it is replaced.
#[tokio::test]
async fn a_malformed_primary_item_is_replaced_by_the_election() {
    let w = world(0, PublicIp::None).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    w.clients
        .core
        .dynamodb
        .put_item()
        .table_name(&w.config.table)
        .item(state::KEY, aws_sdk_dynamodb::types::AttributeValue::S("primary".into()))
        .send()
        .await
        .expect("a malformed primary");
    let report = w.launch(&instance).await.expect("launch");
    assert_eq!(report.role.as_deref(), Some("primary"));
    assert!(w.protected(&instance).await, "the primary is protected from scale-in");
}

/// The AWS requests one launch and one terminate of a three-interface appliance (boot interface, a
/// public data port with an allocated address, a private port) make, as the emulator counts them
/// (`/_iac/calls`, retries included), in a region of their own. Printed for the record.
#[tokio::test]
async fn aws_requests_per_launch_and_terminate_as_the_emulator_counts_them() {
    const REGION: &str = "ca-central-1";
    let w = world_in(REGION, 1, PublicIp::Allocate { pool: None }, None).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    let total = |calls: &BTreeMap<String, u64>| calls.values().sum::<u64>();
    let before = support::faults::calls_in(REGION);
    w.launch(&instance).await.expect("launch");
    let launched = support::faults::calls_in(REGION);
    w.test_autoscaling
        .terminate_instance_in_auto_scaling_group()
        .instance_id(&instance)
        .should_decrement_desired_capacity(true)
        .send()
        .await
        .expect("terminate");
    w.collect_events_of(std::slice::from_ref(&instance), "terminate").await;
    let event = w.events.lock().expect("lock").get(&format!("terminate:{instance}")).cloned().expect("event");
    let started = support::faults::calls_in(REGION);
    w.handle(event).await.expect("terminate");
    let terminated = support::faults::calls_in(REGION);
    let (launch, terminate) = (total(&launched) - total(&before), total(&terminated) - total(&started));
    println!("AWS requests: launch {launch}, terminate {terminate}");
    assert!(launch > 0 && terminate > 0);
}

/// The user's Elastic IPs in the default region, `n` of them, allocated for one test.
async fn users_elastic_ips(n: usize) -> Vec<String> {
    let (clients, _) = recorded().await;
    let mut ids = Vec::new();
    for _ in 0..n {
        let out = clients.core.ec2.allocate_address().send().await.expect("user's EIP");
        ids.push(out.allocation_id().expect("id").to_owned());
    }
    ids
}

/// Which interface each of `allocation_ids` is associated with (None: free).
async fn associations(w: &World, allocation_ids: &[String]) -> Vec<Option<String>> {
    let out = w
        .clients
        .core
        .ec2
        .describe_addresses()
        .set_allocation_ids(Some(allocation_ids.to_vec()))
        .send()
        .await
        .expect("addresses");
    // The emulator answers an empty interface id for a disassociated address.
    out.addresses()
        .iter()
        .map(|a| a.network_interface_id().filter(|id| !id.is_empty()).map(str::to_owned))
        .collect()
}

/// Two launches at once both see the user's first address free: without a lease both associate
/// it (EC2 has no conditional association), and one instance ends up without an address.
#[tokio::test]
async fn concurrent_launches_never_take_the_same_users_elastic_ip() {
    let users = users_elastic_ips(2).await;
    let w = world(0, PublicIp::Existing { allocation_ids: users.clone() }).await;
    let instances = w.scale_to(2).await;
    let (a, b) = tokio::join!(w.launch(&instances[0]), w.launch(&instances[1]));
    for r in [a, b] {
        assert_eq!(r.expect("launched").outcomes[0].1, "continue");
    }
    let held: BTreeSet<String> = associations(&w, &users).await.into_iter().flatten().collect();
    let device_1: BTreeSet<String> = {
        let mut out = BTreeSet::new();
        for i in &instances {
            out.insert(w.interfaces_of(i).await[&1].clone());
        }
        out
    };
    assert_eq!(held, device_1, "each instance's device 1 holds one of the user's addresses");
}

/// One free address for two concurrent launches: one gets it, the other fails loudly (abandoned,
/// and the invocation fails) instead of taking it from the first.
#[tokio::test]
async fn with_one_free_users_elastic_ip_the_second_concurrent_launch_fails_loudly() {
    let users = users_elastic_ips(1).await;
    let w = world(0, PublicIp::Existing { allocation_ids: users.clone() }).await;
    let instances = w.scale_to(2).await;
    let (a, b) = tokio::join!(w.launch(&instances[0]), w.launch(&instances[1]));
    let (won, lost): (Vec<_>, Vec<_>) = [a, b].into_iter().zip(&instances).partition(|(r, _)| r.is_ok());
    assert_eq!((won.len(), lost.len()), (1, 1), "{won:?} {lost:?}");
    let err = lost[0].0.as_ref().expect_err("lost").to_string();
    assert!(err.contains("no free Elastic IP"), "{err}");
    let winner = won[0].1;
    assert_eq!(associations(&w, &users).await, vec![Some(w.interfaces_of(winner).await[&1].clone())]);
    assert_eq!(w.instances_in("InService").await, vec![winner.clone()]);
    // The winner's terminate gives the address back for the next launch.
    w.terminate(winner).await.expect("terminate");
    assert_eq!(associations(&w, &users).await, vec![None]);
    assert!(
        state::lease_address(&w.clients.core, &w.config.table, &users[0], "i-0000000000000next", None)
            .await
            .expect("lease"),
        "the terminated instance's lease is returned"
    );
}

/// The successor is chosen from instances in service: members that joined earlier but whose
/// instance is still launching, or that EC2 no longer knows, are passed over.
#[tokio::test]
async fn the_successor_is_chosen_from_instances_in_service() {
    let w = world(0, PublicIp::None).await;
    let instances = w.scale_to(2).await;
    w.launch(&instances[0]).await.expect("first");
    w.launch(&instances[1]).await.expect("second");
    let primary = state::primary(&w.clients.core, &w.config.table).await.expect("primary").expect("one");
    let other = instances.iter().find(|i| **i != primary).expect("other").clone();
    let [launching] = <[String; 1]>::try_from(w.scale_to(3).await).expect("one launching");
    // Both joined before anyone else: a choice from DynamoDB alone would pick one of them.
    for candidate in [launching.as_str(), "i-00000000000000gone"] {
        state::join(&w.clients.core, &w.config.table, candidate, 0).await.expect("join");
    }
    w.terminate_pending(&primary).await.expect("terminate");
    assert_eq!(state::primary(&w.clients.core, &w.config.table).await.expect("primary"), Some(other.clone()));
    assert!(w.protected(&other).await, "the new primary is protected from scale-in");
}

/// The launch action times out while the function works (Auto Scaling answers "No active
/// Lifecycle Action" to the completion): the instance is not counted as launched.
#[tokio::test]
async fn a_launch_whose_action_timed_out_is_not_counted_as_launched() {
    const REGION: &str = "ap-northeast-3";
    let w = world_in(REGION, 0, PublicIp::None, None).await;
    let [instance] = <[String; 1]>::try_from(w.scale_to(1).await).expect("one");
    support::faults::inject(&json!({"service": "autoscaling", "operation": "CompleteLifecycleAction",
        "region": REGION, "status": 400, "code": "ValidationError", "count": 1,
        "message": format!("No active Lifecycle Action found with instance ID {instance}")}));
    let report = w.launch(&instance).await.expect("not an error");
    assert_eq!(report.counts.launched, 0, "{report:?}");
    assert_eq!(
        report.outcomes,
        vec![(instance.clone(), "made whole, but the action was no longer pending".to_owned())]
    );
}
