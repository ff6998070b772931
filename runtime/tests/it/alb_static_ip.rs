//! The static-IP sync function end to end against the emulator, with a DNS server on loopback
//! standing in for the ALB zone's authoritative name servers.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::types::TargetDescription;
use lambda_runtime::{Context, LambdaEvent};
use runtime::Clients;
use runtime::alb_static_ip::{self, Config, Discovery, Group, dns};
use tokio::net::UdpSocket;

use crate::support::{self, iam, recorded_clients, unique, world};

const ALB_ARN: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
const ALB_NAME: &str = "internal-web-1234567890.us-east-1.elb.amazonaws.com";

/// A UDP DNS server answering A queries for any name with at most 8 of `addresses`, rotating like
/// Route 53 does for load balancers. Returns its address and a handle to change the addresses.
async fn dns_server(addresses: Vec<Ipv4Addr>) -> (SocketAddr, Arc<Mutex<Vec<Ipv4Addr>>>) {
    let server = DnsServer::start(addresses, false).await;
    (server.addr, server.addresses)
}

/// A local DNS server: its address, the addresses it answers with, and how many queries it got.
struct DnsServer {
    addr: SocketAddr,
    addresses: Arc<Mutex<Vec<Ipv4Addr>>>,
    queries: Arc<std::sync::atomic::AtomicUsize>,
}

impl DnsServer {
    /// With `recursive_only`, it behaves like a recursive resolver (the VPC resolver, say): a
    /// question without recursion desired gets an empty answer, as for a name it has not cached.
    async fn start(addresses: Vec<Ipv4Addr>, recursive_only: bool) -> DnsServer {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
        let addr = socket.local_addr().expect("addr");
        let shared = Arc::new(Mutex::new(addresses));
        let current = shared.clone();
        let queries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = queries.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            let mut turn = 0usize;
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else { return };
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let q = &buf[..n];
                let recursion_desired = q.len() > 2 && q[2] & 0x01 != 0;
                // Copy header and question; set QR/AA (and RA, RD as asked); answer with compressed
                // pointers to the question name.
                let mut r = q.to_vec();
                r[2] = 0x84 | (q[2] & 0x01);
                r[3] = if recursive_only { 0x80 } else { 0 };
                let all = if recursive_only && !recursion_desired {
                    Vec::new()
                } else {
                    current.lock().expect("lock").clone()
                };
                let take = all.len().min(8);
                let picked: Vec<Ipv4Addr> = (0..take).map(|i| all[(turn * 3 + i) % all.len()]).collect();
                turn += 1;
                r[6..8].copy_from_slice(&u16::try_from(picked.len()).unwrap_or(0).to_be_bytes());
                for ip in picked {
                    r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
                    r.extend_from_slice(&ip.octets());
                }
                let _ = socket.send_to(&r, from).await;
            }
        });
        DnsServer { addr, addresses: shared, queries }
    }

    fn queries(&self) -> usize {
        self.queries.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn ips(range: std::ops::Range<u8>) -> Vec<Ipv4Addr> {
    range.map(|i| Ipv4Addr::new(10, 0, 1, i)).collect()
}

struct Fixture {
    clients: Clients,
    recorder: support::Recorder,
    config: Config,
}

/// A VPC, an `ip` target group and a state table in the emulator, and a config for them.
async fn fixture(discovery: Discovery) -> Fixture {
    fixture_for(ALB_ARN, discovery).await
}

/// An ALB ARN of its own, so network interfaces described after it belong to one test only.
fn unique_alb_arn() -> String {
    format!(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/{}/50dc6c495c0c9188",
        unique("web")
    )
}

fn eni_discovery(alb_arn: &str) -> Discovery {
    Discovery::NetworkInterfaces {
        description: alb_static_ip::observe::interface_description(alb_arn).expect("description"),
    }
}

async fn fixture_for(alb_arn: &str, discovery: Discovery) -> Fixture {
    let (clients, recorder) = recorded_clients().await;
    let vpc = clients.ec2.create_vpc().cidr_block("10.0.0.0/16").send().await.expect("vpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).expect("vpc id").to_owned();
    let tg_arn = world::ip_target_group(&clients.elbv2, &vpc_id).await.expect("target group");
    let table = unique("state");
    world::state_table(&clients.dynamodb, &table, contract::alb_static_ip::sync::STATE_KEY_ATTRIBUTE)
        .await
        .expect("table");
    recorder.clear();
    let config = Config {
        groups: vec![Group { arn: tg_arn, port: 443 }],
        alb_arn: alb_arn.to_owned(),
        discovery,
        table,
        miss_threshold: 2,
        max_deregistrations: 1,
        manage_foreign: false,
        cross_vpc: false,
        namespace: "AlbStaticIpTest".to_owned(),
    };
    Fixture { clients, recorder, config }
}

fn dns_discovery(server: SocketAddr) -> Discovery {
    Discovery::Dns {
        name: ALB_NAME.to_owned(),
        settings: dns::Settings {
            servers: dns::Servers::Fixed(vec![server]),
            query_timeout: Duration::from_millis(500),
            ..dns::Settings::default()
        },
    }
}

/// Network interfaces described as the ALB's, in a VPC of their own, holding `addresses` in `cidr`.
async fn alb_interfaces(f: &Fixture, cidr: &str, addresses: &[&str]) {
    let vpc = f.clients.ec2.create_vpc().cidr_block(cidr).send().await.expect("vpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).expect("vpc id");
    let subnet = f.clients.ec2.create_subnet().vpc_id(vpc_id).cidr_block(cidr).send().await.expect("subnet");
    let subnet_id = subnet.subnet().and_then(|s| s.subnet_id()).expect("subnet id");
    let description = alb_static_ip::observe::interface_description(&f.config.alb_arn).expect("description");
    for ip in addresses {
        f.clients
            .ec2
            .create_network_interface()
            .subnet_id(subnet_id)
            .private_ip_address(*ip)
            .description(&description)
            .send()
            .await
            .expect("eni");
    }
}

async fn run(f: &Fixture) -> Result<alb_static_ip::Report, runtime::HandlerError> {
    alb_static_ip::handle(&f.clients, &f.config, LambdaEvent::new(serde_json::json!({}), Context::default()))
        .await
}

async fn targets(f: &Fixture) -> BTreeSet<(String, i32)> {
    let out = f
        .clients
        .elbv2
        .describe_target_health()
        .target_group_arn(&f.config.groups[0].arn)
        .send()
        .await
        .expect("health");
    out.target_health_descriptions()
        .iter()
        .filter(|d| d.target_health().and_then(|h| h.state()).is_none_or(|s| s.as_str() != "draining"))
        .filter_map(|d| d.target())
        .map(|t| (t.id().unwrap_or("").to_owned(), t.port().unwrap_or(0)))
        .collect()
}

fn set(ips: &[Ipv4Addr], port: i32) -> BTreeSet<(String, i32)> {
    ips.iter().map(|ip| (ip.to_string(), port)).collect()
}

#[tokio::test]
async fn dns_discovery_finds_more_than_eight_addresses_and_registers_them_once() {
    let addresses = ips(1..11);
    let (server, _) = dns_server(addresses.clone()).await;
    let f = fixture(dns_discovery(server)).await;
    let report = run(&f).await.expect("first run");
    assert_eq!(report.groups[0].discovered, 10);
    assert_eq!(targets(&f).await, set(&addresses, 443));
    let calls = f.recorder.actions();
    assert_eq!(calls.iter().filter(|a| a.ends_with(":RegisterTargets")).count(), 1, "{calls:?}");

    f.recorder.clear();
    let again = run(&f).await.expect("second run");
    assert!(again.groups[0].registered.is_empty() && again.groups[0].deregistered.is_empty());
    let calls = f.recorder.actions();
    assert!(
        !calls.iter().any(|a| a.ends_with("RegisterTargets")),
        "a steady state makes no writes: {calls:?}"
    );
}

#[tokio::test]
async fn vanished_addresses_leave_after_the_miss_threshold_within_the_blast_radius() {
    let (server, current) = dns_server(ips(1..5)).await;
    let f = fixture(dns_discovery(server)).await;
    run(&f).await.expect("first run");
    *current.lock().expect("lock") = ips(1..3);
    let first_miss = run(&f).await.expect("miss 1");
    assert!(first_miss.groups[0].deregistered.is_empty(), "one miss is not enough");
    let second_miss = run(&f).await.expect("miss 2");
    assert_eq!(second_miss.groups[0].deregistered.len(), 1, "at most one per run");
    assert_eq!(second_miss.groups[0].held_back.len(), 1);
    run(&f).await.expect("catch up");
    assert_eq!(targets(&f).await, set(&ips(1..3), 443));
}

#[tokio::test]
async fn targets_the_function_did_not_register_are_left_alone() {
    let (server, _) = dns_server(ips(1..3)).await;
    let f = fixture(dns_discovery(server)).await;
    let foreign = TargetDescription::builder().id("10.0.9.9").port(443).build();
    let other_port = TargetDescription::builder().id("10.0.1.1").port(8443).build();
    f.clients
        .elbv2
        .register_targets()
        .target_group_arn(&f.config.groups[0].arn)
        .targets(foreign)
        .targets(other_port)
        .send()
        .await
        .expect("operator registers targets");
    for _ in 0..4 {
        run(&f).await.expect("run");
    }
    let mut expected = set(&ips(1..3), 443);
    expected.insert(("10.0.9.9".to_owned(), 443));
    expected.insert(("10.0.1.1".to_owned(), 8443));
    assert_eq!(targets(&f).await, expected);
}

#[tokio::test]
async fn empty_discovery_fails_and_changes_nothing() {
    let (server, current) = dns_server(ips(1..4)).await;
    let f = fixture(dns_discovery(server)).await;
    run(&f).await.expect("first run");
    current.lock().expect("lock").clear();
    f.recorder.clear();
    let err = run(&f).await.expect_err("nothing discovered");
    assert_eq!(err.error_type(), "EmptyDiscovery");
    assert_eq!(targets(&f).await, set(&ips(1..4), 443));
    assert!(f.recorder.actions().iter().all(|a| !a.contains("Register") && !a.contains("PutItem")));
}

#[tokio::test]
async fn unreachable_dns_is_a_retryable_discovery_failure() {
    // A bound socket that never answers.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let mut f = fixture(dns_discovery(silent.local_addr().expect("addr"))).await;
    if let Discovery::Dns { settings, .. } = &mut f.config.discovery {
        settings.max_queries = 2;
        settings.query_timeout = Duration::from_millis(100);
    }
    let err = run(&f).await.expect_err("no answer");
    assert_eq!(err.error_type(), "DiscoveryFailed");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn network_interface_discovery_reads_the_albs_interfaces() {
    let alb = unique_alb_arn();
    let f = fixture_for(&alb, eni_discovery(&alb)).await;
    alb_interfaces(&f, "10.0.201.0/24", &["10.0.201.10", "10.0.201.11"]).await;
    run(&f).await.expect("run");
    assert_eq!(
        targets(&f).await,
        set(&["10.0.201.10".parse().expect("ip"), "10.0.201.11".parse().expect("ip")], 443)
    );
}

#[tokio::test]
async fn a_concurrent_state_write_makes_the_run_fail_and_retry_cleanly() {
    let (server, _) = dns_server(ips(1..3)).await;
    let f = fixture(dns_discovery(server)).await;
    let key = alb_static_ip::state::key(&f.config.groups[0], &f.config.alb_arn);
    // Another writer created the item between this run's read and write.
    let (state, version) = alb_static_ip::state::get(&f.clients, &f.config.table, &key).await.expect("get");
    alb_static_ip::state::put(&f.clients, &f.config.table, &key, &state, version)
        .await
        .expect("first writer");
    let err = alb_static_ip::state::put(&f.clients, &f.config.table, &key, &state, version)
        .await
        .expect_err("second writer");
    assert_eq!(err.error_type(), "ConcurrentUpdate");
    run(&f).await.expect("a fresh run re-reads and succeeds");
    assert_eq!(targets(&f).await, set(&ips(1..3), 443));
}

/// The IAM actions the synthesized role of the sync function allows, for one environment.
fn allowed_actions(env: Option<&str>) -> BTreeSet<String> {
    iam::allowed_actions("blueprints/alb-static-ip.yaml", env, "SyncRole")
}

#[tokio::test]
async fn every_call_in_dns_mode_is_allowed_by_the_synthesized_policy() {
    let (server, current) = dns_server(ips(1..5)).await;
    let f = fixture(dns_discovery(server)).await;
    run(&f).await.expect("register");
    *current.lock().expect("lock") = ips(1..2);
    for _ in 0..3 {
        run(&f).await.expect("deregister over runs");
    }
    let recorded = f.recorder.actions();
    for op in ["RegisterTargets", "DeregisterTargets", "DescribeTargetHealth", "GetItem", "PutItem"] {
        assert!(recorded.iter().any(|a| a.ends_with(op)), "{op} not exercised: {recorded:?}");
    }
    iam::assert_allowed(&recorded, &allowed_actions(Some("dns")));
}

#[tokio::test]
async fn every_call_in_network_interface_mode_is_allowed_by_the_synthesized_policy() {
    let alb = unique_alb_arn();
    let f = fixture_for(&alb, eni_discovery(&alb)).await;
    alb_interfaces(&f, "10.0.202.0/24", &["10.0.202.10"]).await;
    f.recorder.clear();
    run(&f).await.expect("run");
    let recorded = f.recorder.actions();
    assert!(recorded.iter().any(|a| a == "ec2:DescribeNetworkInterfaces"), "{recorded:?}");
    iam::assert_allowed(&recorded, &allowed_actions(None));
    // And DNS mode's policy does not grant what only ENI mode needs.
    assert!(!allowed_actions(Some("dns")).contains("ec2:DescribeNetworkInterfaces"));
}

/// A resolver named in `dns_servers` (the VPC resolver) answers only questions that ask for
/// recursion: discovery must ask for it.
#[tokio::test]
async fn a_configured_recursive_resolver_is_asked_for_recursion() {
    let server = DnsServer::start(ips(1..4), true).await;
    let f = fixture(dns_discovery(server.addr)).await;
    let report = run(&f).await.expect("the resolver answers recursive questions");
    assert_eq!(report.groups[0].discovered, 3);
    assert_eq!(targets(&f).await, set(&ips(1..4), 443));
}

/// An ALB with exactly eight addresses: every answer holds all of them, so discovery stops after
/// the first answer and `min_stable_queries` answers that bring nothing new.
#[tokio::test]
async fn exactly_eight_addresses_take_five_dns_queries() {
    let server = DnsServer::start(ips(1..9), false).await;
    let f = fixture(dns_discovery(server.addr)).await;
    let report = run(&f).await.expect("run");
    assert_eq!(report.groups[0].discovered, 8);
    assert_eq!((report.discovery_queries, server.queries()), (5, 5));
}

/// Two target groups (two NLB listeners' ports) follow one ALB: each gets every address on its own
/// port and its own state item; a second run writes nothing.
#[tokio::test]
async fn two_target_groups_on_one_alb_are_synced_independently() {
    let (server, _) = dns_server(ips(1..4)).await;
    let mut f = fixture(dns_discovery(server)).await;
    let vpc = f
        .clients
        .elbv2
        .describe_target_groups()
        .target_group_arns(&f.config.groups[0].arn)
        .send()
        .await
        .expect("group")
        .target_groups()[0]
        .vpc_id()
        .expect("vpc")
        .to_owned();
    let second = world::ip_target_group(&f.clients.elbv2, &vpc).await.expect("second group");
    f.config.groups.push(Group { arn: second.clone(), port: 8443 });
    let report = run(&f).await.expect("run");
    assert_eq!(report.groups.len(), 2);
    assert_eq!(targets(&f).await, set(&ips(1..4), 443));
    let second_targets: BTreeSet<(String, i32)> = f
        .clients
        .elbv2
        .describe_target_health()
        .target_group_arn(&second)
        .send()
        .await
        .expect("health")
        .target_health_descriptions()
        .iter()
        .filter_map(|d| d.target())
        .map(|t| (t.id().unwrap_or("").to_owned(), t.port().unwrap_or(0)))
        .collect();
    assert_eq!(second_targets, set(&ips(1..4), 8443));
    for group in &f.config.groups {
        let key = alb_static_ip::state::key(group, &f.config.alb_arn);
        let (_, version) = alb_static_ip::state::get(&f.clients, &f.config.table, &key).await.expect("state");
        assert!(version.is_some(), "state written for {}", group.arn);
    }
    f.recorder.clear();
    run(&f).await.expect("steady");
    assert!(!f.recorder.actions().iter().any(|a| a.ends_with("Targets") || a.ends_with("PutItem")));
}

/// Across VPCs (the ALB's addresses outside the target group's VPC), targets are registered and
/// deregistered with `AvailabilityZone: all`, which AWS requires of both calls.
#[tokio::test]
async fn a_cross_vpc_sync_registers_and_deregisters_in_zone_all() {
    let outside: Vec<Ipv4Addr> = (1..4).map(|i| Ipv4Addr::new(172, 31, 5, i)).collect();
    let (server, current) = dns_server(outside.clone()).await;
    let mut f = fixture(dns_discovery(server)).await;
    f.config.cross_vpc = true;
    f.config.max_deregistrations = 3;
    run(&f).await.expect("register");
    let zones: BTreeSet<Option<String>> = f
        .clients
        .elbv2
        .describe_target_health()
        .target_group_arn(&f.config.groups[0].arn)
        .send()
        .await
        .expect("health")
        .target_health_descriptions()
        .iter()
        .filter_map(|d| d.target())
        .map(|t| t.availability_zone().map(str::to_owned))
        .collect();
    assert_eq!(zones, BTreeSet::from([Some("all".to_owned())]));
    *current.lock().expect("lock") = outside[..1].to_vec();
    for _ in 0..2 {
        run(&f).await.expect("deregister after the miss threshold");
    }
    assert_eq!(targets(&f).await, set(&outside[..1], 443));
}

/// A target draining after a deregistration is not registered: when the ALB has the address
/// again, the sync registers it again.
#[tokio::test]
async fn a_draining_target_the_alb_still_has_is_registered_again() {
    let (server, _) = dns_server(ips(1..3)).await;
    let f = fixture(dns_discovery(server)).await;
    run(&f).await.expect("register");
    f.clients
        .elbv2
        .deregister_targets()
        .target_group_arn(&f.config.groups[0].arn)
        .targets(TargetDescription::builder().id("10.0.1.1").port(443).build())
        .send()
        .await
        .expect("an operator deregisters a target");
    let report = run(&f).await.expect("run");
    assert_eq!(report.groups[0].registered, ["10.0.1.1"]);
    assert_eq!(targets(&f).await, set(&ips(1..3), 443));
}
