//! An appliance instance's interfaces and addresses against the emulator's EC2: launch, redelivery,
//! compensation, terminate.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;
use runtime::Clients;
use runtime::appliance_asg::interfaces::{self, InterfaceSpec, PublicIp};
use runtime::appliance_asg::network::{self, INSTANCE_TAG};

use crate::support::{self, world::Subnets};

struct World {
    clients: Clients,
    instance: String,
    /// Zone -> subnet, per device index.
    subnets: Subnets,
    group: String,
}

async fn world() -> World {
    let clients = Clients::from_conf(&support::sdk_config().await);
    let ec2 = &clients.ec2;
    let (vpc, subnets) =
        support::world::vpc_with_subnets(ec2, 60, 0..3, &["us-east-1a", "us-east-1b"]).await.expect("vpc");
    let group =
        support::world::security_group(ec2, &vpc, &support::unique("appliance"), "data").await.expect("sg");
    let image = support::world::image(ec2).await.expect("an image");
    let run = ec2
        .run_instances()
        .image_id(image)
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnets[&0]["us-east-1b"])
        .send()
        .await
        .expect("run instance");
    let instance = run.instances().first().and_then(|i| i.instance_id()).expect("instance").to_owned();
    World { clients, instance, subnets, group }
}

impl World {
    fn spec(&self, d: u32, public_ip: PublicIp) -> InterfaceSpec {
        InterfaceSpec {
            device_index: d,
            subnets: self.subnets[&d].clone(),
            security_groups: vec![self.group.clone()],
            source_dest_check: false,
            description: format!("port{}", d + 1),
            public_ip,
        }
    }

    async fn launch(&self, specs: &[InterfaceSpec]) -> Result<usize, runtime::HandlerError> {
        let o = network::observe(&self.clients, &self.instance, specs).await?.expect("instance exists");
        let steps = interfaces::launch(specs, &o).expect("satisfiable");
        network::apply(&self.clients, &self.instance, &steps, None).await
    }

    async fn plan(&self, specs: &[InterfaceSpec]) -> Vec<interfaces::Step> {
        let o =
            network::observe(&self.clients, &self.instance, specs).await.expect("observe").expect("instance");
        interfaces::launch(specs, &o).expect("satisfiable")
    }

    /// Device index -> interface, of what is attached to the instance.
    async fn attached(&self) -> BTreeMap<i32, String> {
        let out = self
            .clients
            .ec2
            .describe_network_interfaces()
            .filters(Filter::builder().name("attachment.instance-id").values(&self.instance).build())
            .send()
            .await
            .expect("describe");
        out.network_interfaces()
            .iter()
            .filter_map(|i| Some((i.attachment()?.device_index()?, i.network_interface_id()?.to_owned())))
            .collect()
    }

    async fn tagged_addresses(&self) -> usize {
        let out = self
            .clients
            .ec2
            .describe_addresses()
            .filters(Filter::builder().name(format!("tag:{INSTANCE_TAG}")).values(&self.instance).build())
            .send()
            .await
            .expect("addresses");
        out.addresses().len()
    }
}

#[tokio::test]
async fn launch_attaches_each_interface_once_even_when_the_event_is_redelivered() {
    let w = world().await;
    let specs = [w.spec(1, PublicIp::Allocate { pool: None }), w.spec(2, PublicIp::None)];
    w.launch(&specs).await.expect("launch");
    let attached = w.attached().await;
    assert_eq!(attached.keys().copied().collect::<Vec<_>>(), vec![0, 1, 2], "{attached:?}");
    assert_eq!(w.tagged_addresses().await, 1);

    // Redelivered event: nothing new is created.
    w.launch(&specs).await.expect("redelivered launch");
    assert_eq!(w.attached().await, attached, "one interface per device index");
    assert_eq!(w.tagged_addresses().await, 1, "one address");
    let eni = &attached[&1];
    let out =
        w.clients.ec2.describe_network_interfaces().network_interface_ids(eni).send().await.expect("eni");
    let i = &out.network_interfaces()[0];
    assert_eq!(i.source_dest_check(), Some(false));
    assert!(i.association().and_then(|a| a.public_ip()).is_some(), "public address associated");
}

#[tokio::test]
async fn a_failure_mid_launch_leaves_nothing_behind() {
    let w = world().await;
    let mut broken = w.spec(2, PublicIp::None);
    for subnet in broken.subnets.values_mut() {
        *subnet = "subnet-0000000000000dead".to_owned();
    }
    let specs = [w.spec(1, PublicIp::Allocate { pool: None }), broken];
    let err = w.launch(&specs).await.expect_err("device 2 cannot be created");
    assert_eq!(err.error_type(), "AwsError", "{err}");
    assert_eq!(w.attached().await.keys().copied().collect::<Vec<_>>(), vec![0], "device 1 was rolled back");
    let leftovers = w
        .clients
        .ec2
        .describe_network_interfaces()
        .filters(Filter::builder().name(format!("tag:{INSTANCE_TAG}")).values(&w.instance).build())
        .send()
        .await
        .expect("describe");
    assert!(leftovers.network_interfaces().is_empty(), "{leftovers:?}");
    assert_eq!(w.tagged_addresses().await, 0, "the allocated address was released");
}

#[tokio::test]
async fn terminate_releases_the_functions_addresses_and_keeps_the_users() {
    let w = world().await;
    let user = w.clients.ec2.allocate_address().send().await.expect("user's EIP");
    let user_alloc = user.allocation_id().expect("alloc").to_owned();
    let specs = [
        w.spec(1, PublicIp::Allocate { pool: None }),
        w.spec(2, PublicIp::Existing { allocation_ids: vec![user_alloc.clone()] }),
    ];
    w.launch(&specs).await.expect("launch");
    let o = network::observe(&w.clients, &w.instance, &specs).await.expect("observe").expect("instance");
    network::apply(&w.clients, &w.instance, &interfaces::terminate(&o), None).await.expect("terminate");
    let user = w
        .clients
        .ec2
        .describe_addresses()
        .allocation_ids(&user_alloc)
        .send()
        .await
        .expect("user's EIP still there");
    assert_eq!(user.addresses().len(), 1);
    assert!(user.addresses()[0].association_id().is_none(), "disassociated");
    assert_eq!(w.tagged_addresses().await, 0, "the function's own address was released");
}

#[tokio::test]
async fn replanning_after_launch_is_empty() {
    let w = world().await;
    let specs = [w.spec(1, PublicIp::Allocate { pool: None }), w.spec(2, PublicIp::None)];
    w.launch(&specs).await.expect("launch");
    assert_eq!(w.plan(&specs).await, vec![]);
}
