//! The local target: a long-lived emulator shared by successive commands, and stand-ins for what a
//! blueprint references outside its stack.
//!
//! `deploy`, `invoke` and `destroy` are separate processes, so the emulator must outlive each of them:
//! the first command starts `tools/emulator/server.py --ignore-stdin` in its own process group (Ctrl-C
//! on a command does not take it down), records its endpoint and pid in `target/xtask/emulator.json`,
//! and later commands reuse it while it answers. `cargo xtask emulator --stop` ends it.
//! `AWS_ENDPOINT_URL` (the standard variable, also what the tests and `cargo xtask ci` use) points the
//! local target at an emulator someone else runs instead.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use synth::external::External;

use super::session::{Session, sdk};

mod groups;

/// Use this emulator instead of starting one: the one endpoint variable of the project (the SDKs
/// honour it too, so every client of the local session goes there anyway).
pub(crate) const ENDPOINT_OVERRIDE: &str = "AWS_ENDPOINT_URL";
const STATE_FILE: &str = "target/xtask/emulator.json";
const LOG_FILE: &str = "target/xtask/emulator.log";
const START_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Serialize, Deserialize)]
struct Running {
    pid: u32,
    endpoint: String,
}

/// The endpoint of the local emulator, started in the background if none is running.
pub(crate) fn ensure_running(root: &Path) -> anyhow::Result<String> {
    if let Some(endpoint) = std::env::var(ENDPOINT_OVERRIDE).ok().filter(|e| !e.is_empty()) {
        if !answers(&endpoint) {
            bail!("{ENDPOINT_OVERRIDE}={endpoint}: nothing answers there");
        }
        return Ok(endpoint);
    }
    let state = root.join(STATE_FILE);
    if let Some(running) = read_state(&state)
        && answers(&running.endpoint)
    {
        return Ok(running.endpoint);
    }
    let venv = crate::python::ensure_venv(root)?;
    std::fs::create_dir_all(root.join("target/xtask"))?;
    let log =
        std::fs::File::create(root.join(LOG_FILE)).with_context(|| format!("cannot create {LOG_FILE}"))?;
    eprintln!(
        "local: starting the emulator in the background (log: {LOG_FILE}; stop it with `cargo xtask emulator --stop`) ..."
    );
    let mut child = Command::new(venv.python())
        .arg(root.join("tools/emulator/server.py"))
        .args(["--host", "127.0.0.1", "--port", "0", "--ignore-stdin"])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .process_group(0)
        .spawn()
        .context("cannot start tools/emulator/server.py")?;
    let stdout = child.stdout.take().context("the emulator's stdout is not piped")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(endpoint) = line.strip_prefix("EMULATOR_READY ") {
                let _ = tx.send(endpoint.trim().to_owned());
            }
        }
    });
    let endpoint = rx.recv_timeout(START_TIMEOUT).map_err(|_| {
        let _ = child.kill();
        let tail = std::fs::read_to_string(root.join(LOG_FILE)).unwrap_or_default();
        let tail: Vec<&str> = tail.lines().rev().take(20).collect();
        anyhow::anyhow!(
            "the emulator did not start; the end of {LOG_FILE}:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    })?;
    let running = Running { pid: child.id(), endpoint: endpoint.clone() };
    std::fs::write(&state, serde_json::to_string_pretty(&running)? + "\n")
        .with_context(|| format!("cannot write {STATE_FILE}"))?;
    eprintln!("local: emulator ready at {endpoint} (pid {})", running.pid);
    Ok(endpoint)
}

/// `cargo xtask emulator --stop`.
pub(crate) fn stop(root: &Path) -> anyhow::Result<()> {
    let state = root.join(STATE_FILE);
    let Some(running) = read_state(&state) else {
        eprintln!("local: no background emulator recorded in {STATE_FILE}");
        return Ok(());
    };
    if answers(&running.endpoint) {
        let status = Command::new("kill").arg(running.pid.to_string()).status().context("cannot run kill")?;
        if !status.success() {
            bail!("cannot stop the emulator (pid {}): kill failed", running.pid);
        }
        eprintln!("local: stopped the emulator at {} (pid {})", running.endpoint, running.pid);
    } else {
        eprintln!("local: the emulator at {} was not running", running.endpoint);
    }
    let _ = std::fs::remove_file(&state);
    Ok(())
}

fn read_state(path: &PathBuf) -> Option<Running> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// POSTs JSON to the emulator's own control API (`/_iac/...`, tools/emulator/README.md) and returns
/// the status and body. Plain HTTP/1.1 on loopback, one request per connection.
fn control_post(endpoint: &str, path: &str, body: &serde_json::Value) -> anyhow::Result<(u16, String)> {
    use std::io::{Read, Write};
    let hostport = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let addr: SocketAddr =
        hostport.parse().with_context(|| format!("'{endpoint}' is not http://host:port"))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.to_string();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .with_context(|| format!("not an HTTP answer: {answer:.80}"))?;
    let payload = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_owned();
    Ok((status, payload))
}

/// Whether something accepts connections at `endpoint` (`http://host:port`).
fn answers(endpoint: &str) -> bool {
    let hostport = endpoint.trim_start_matches("http://").trim_end_matches('/');
    hostport
        .parse::<SocketAddr>()
        .is_ok_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok())
}

/// The tag the emulator plugin reads to give a VPC or subnet a chosen id.
const CUSTOM_ID_TAG: &str = "emulator:id";
/// Stand-ins live in this VPC range; the emulator does not mind overlaps with other VPCs.
const STAND_IN_CIDR: &str = "10.200.0.0/16";

/// Creates in the emulator what the blueprint refers to but does not own (an existing VPC, its
/// subnets, an ALB's network interfaces), unless present. Idempotent; stand-ins outlive stacks, as
/// the real resources would.
pub(crate) async fn ensure_stand_ins(session: &Session, external: &[External]) -> anyhow::Result<()> {
    let ec2 = &session.ec2;
    let zones = subnet_zones(external);
    for item in external {
        match item {
            External::Vpc { id } => {
                let found =
                    ec2.describe_vpcs().filters(filter("vpc-id", id)).send().await.map_err(sdk)?.vpcs().len();
                if found == 0 {
                    ec2.create_vpc()
                        .cidr_block(STAND_IN_CIDR)
                        .tag_specifications(tags(aws_sdk_ec2::types::ResourceType::Vpc, id))
                        .send()
                        .await
                        .map_err(sdk)
                        .with_context(|| format!("cannot create a stand-in for {id}"))?;
                    eprintln!("local: created a stand-in for {id} (the blueprint's existing VPC)");
                }
            }
            External::Subnet { id, vpc_id, index } => {
                let zone = zones
                    .get(id.as_str())
                    .map_or_else(|| default_zone(&session.region, *index), |z| (*z).to_owned());
                let found =
                    ec2.describe_subnets().filters(filter("subnet-id", id)).send().await.map_err(sdk)?;
                match found.subnets().first() {
                    None => {
                        ec2.create_subnet()
                            .vpc_id(vpc_id)
                            .cidr_block(format!("10.200.{index}.0/24"))
                            .availability_zone(&zone)
                            .tag_specifications(tags(aws_sdk_ec2::types::ResourceType::Subnet, id))
                            .send()
                            .await
                            .map_err(sdk)
                            .with_context(|| format!("cannot create a stand-in for {id}"))?;
                        eprintln!(
                            "local: created a stand-in for {id} (an existing subnet of {vpc_id}, in {zone})"
                        );
                    }
                    Some(existing)
                        if zones.contains_key(id.as_str())
                            && existing.availability_zone() != Some(zone.as_str()) =>
                    {
                        bail!(
                            "the stand-in for {id} is in zone '{}', but the blueprint puts it in '{zone}': it was \
                         created by an earlier deploy; `cargo xtask emulator --stop` and deploy again to start \
                         from a fresh emulator",
                            existing.availability_zone().unwrap_or_default()
                        )
                    }
                    Some(_) => {}
                }
            }
            // Used by the Subnet arm above.
            External::SubnetZone { .. } => {}
            External::Certificate { arn, domain_name } => {
                let endpoint =
                    session.endpoint.as_deref().context("the local target has no emulator endpoint")?;
                let body =
                    serde_json::json!({ "arn": arn, "domain_name": domain_name, "region": session.region });
                let (status, answer) = control_post(endpoint, "/_iac/stand-ins/certificates", &body)
                    .with_context(|| format!("cannot create a stand-in for certificate {arn}"))?;
                match status {
                    201 => eprintln!(
                        "local: created a stand-in for {arn} (the blueprint's certificate for {domain_name})"
                    ),
                    200 => {}
                    _ => bail!(
                        "cannot create a stand-in for certificate {arn}: the emulator answered {status}: {answer}"
                    ),
                }
            }
            External::ApplicationLoadBalancer { arn, subnets, .. } => {
                let Some(description) = alb_interface_description(arn) else {
                    bail!(
                        "'{arn}' is not an Application Load Balancer ARN (expected .../loadbalancer/app/<name>/<id>)"
                    );
                };
                let found = ec2
                    .describe_network_interfaces()
                    .filters(filter("description", &description))
                    .send()
                    .await
                    .map_err(sdk)?
                    .network_interfaces()
                    .len();
                if found == 0 {
                    for subnet in subnets {
                        ec2.create_network_interface()
                            .subnet_id(subnet)
                            .description(&description)
                            .send()
                            .await
                            .map_err(sdk)
                            .with_context(|| format!("cannot create a stand-in interface for {arn}"))?;
                    }
                    eprintln!(
                        "local: created stand-in network interfaces for {arn} in {}",
                        subnets.join(", ")
                    );
                }
            }
            External::EcsCluster { arn } => {
                let endpoint =
                    session.endpoint.as_deref().context("the local target has no emulator endpoint")?;
                let body = serde_json::json!({ "arn": arn, "region": session.region });
                let (status, answer) = control_post(endpoint, "/_iac/stand-ins/ecs-clusters", &body)
                    .with_context(|| format!("cannot create a stand-in for cluster {arn}"))?;
                match status {
                    201 => eprintln!("local: created a stand-in for {arn} (the blueprint's ECS cluster)"),
                    200 => {}
                    _ => bail!(
                        "cannot create a stand-in for cluster {arn}: the emulator answered {status}: {answer}"
                    ),
                }
            }
            External::NetworkLoadBalancer { arn } => {
                let endpoint =
                    session.endpoint.as_deref().context("the local target has no emulator endpoint")?;
                let body = serde_json::json!({ "arn": arn, "region": session.region });
                let (status, answer) =
                    control_post(endpoint, "/_iac/stand-ins/network-load-balancers", &body)
                        .with_context(|| format!("cannot create a stand-in for load balancer {arn}"))?;
                match status {
                    201 => eprintln!("local: created a stand-in for {arn} (the blueprint's mirror target)"),
                    200 => {}
                    _ => bail!(
                        "cannot create a stand-in for load balancer {arn}: the emulator answered {status}: {answer}"
                    ),
                }
            }
            External::ApplianceImage { image_id, api_port, admin_user } => {
                let endpoint =
                    session.endpoint.as_deref().context("the local target has no emulator endpoint")?;
                let body = serde_json::json!({
                    "image_id": image_id, "region": session.region, "port": api_port, "admin_user": admin_user,
                });
                let (status, answer) = control_post(endpoint, "/_iac/stand-ins/appliances", &body)
                    .with_context(|| format!("cannot create a stand-in for appliance image {image_id}"))?;
                match status {
                    201 => eprintln!(
                        "local: instances of {image_id} answer the appliance API on port {api_port} (stand-in; \
                         certificate tools/emulator/appliance/example-cert.pem)"
                    ),
                    200 => {}
                    _ => bail!(
                        "cannot create a stand-in for appliance image {image_id}: the emulator answered {status}: {answer}"
                    ),
                }
            }
            // Made together below: the groups' instances go in the security groups' VPC.
            External::AutoScalingGroup { .. } | External::SecurityGroup { .. } => {}
        }
    }
    let vpc = external.iter().find_map(|e| match e {
        External::Vpc { id } => Some(id.as_str()),
        _ => None,
    });
    let security_groups: Vec<String> = external
        .iter()
        .filter_map(|e| match e {
            External::SecurityGroup { id } => Some(id.clone()),
            _ => None,
        })
        .collect();
    let auto_scaling_groups: Vec<String> = external
        .iter()
        .filter_map(|e| match e {
            External::AutoScalingGroup { name } => Some(name.clone()),
            _ => None,
        })
        .collect();
    groups::ensure(session, vpc, &security_groups, &auto_scaling_groups).await
}

/// The zone the blueprint gives each subnet, where it says.
fn subnet_zones(external: &[External]) -> std::collections::BTreeMap<&str, &str> {
    external
        .iter()
        .filter_map(|e| match e {
            External::SubnetZone { subnet, zone } => Some((subnet.as_str(), zone.as_str())),
            _ => None,
        })
        .collect()
}

/// A zone of the stack's region for a subnet the blueprint places nowhere in particular: spread by
/// position, as subnets of a real VPC usually are.
fn default_zone(region: &str, index: usize) -> String {
    let zones = ["a", "b", "c", "d", "e", "f"];
    format!("{region}{}", zones[index % zones.len()])
}

fn filter(name: &str, value: &str) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder().name(name).values(value).build()
}

fn tags(kind: aws_sdk_ec2::types::ResourceType, id: &str) -> aws_sdk_ec2::types::TagSpecification {
    use aws_sdk_ec2::types::{Tag, TagSpecification};
    TagSpecification::builder()
        .resource_type(kind)
        .tags(Tag::builder().key(CUSTOM_ID_TAG).value(id).build())
        .tags(Tag::builder().key("Name").value("stand-in created by cargo xtask (local target)").build())
        .build()
}

/// The description AWS gives an ALB's network interfaces: `ELB app/<name>/<id>`.
fn alb_interface_description(arn: &str) -> Option<String> {
    let rest = arn.split_once(":loadbalancer/")?.1;
    rest.starts_with("app/").then(|| format!("ELB {rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::session::LOCAL_REGION;

    #[test]
    fn stand_in_subnets_keep_the_blueprints_zones() {
        let external = [
            External::Subnet { id: "subnet-1".into(), vpc_id: "vpc-1".into(), index: 0 },
            External::Subnet { id: "subnet-2".into(), vpc_id: "vpc-1".into(), index: 1 },
            External::SubnetZone { subnet: "subnet-1".into(), zone: "eu-west-1b".into() },
        ];
        let zones = subnet_zones(&external);
        assert_eq!(zones.get("subnet-1"), Some(&"eu-west-1b"));
        assert_eq!(zones.get("subnet-2"), None);
        assert_eq!(default_zone(LOCAL_REGION, 1), "us-east-1b");
        assert_eq!(default_zone("eu-west-1", 0), "eu-west-1a");
    }

    #[test]
    fn alb_interfaces_are_described_after_the_arn() {
        assert_eq!(
            alb_interface_description("arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/50dc")
                .as_deref(),
            Some("ELB app/web/50dc")
        );
        assert_eq!(
            alb_interface_description("arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/net/x/y"),
            None
        );
    }
}
