//! The target-group sync of the static-IP system: keeps NLB `ip` target groups equal to an ALB's addresses.
//!
//! One run: discover the ALB's addresses once (DNS or network interfaces), then for each target
//! group observe its targets and the sync state, [`plan::plan`], and apply with at most one
//! `RegisterTargets` and one `DeregisterTargets` call, then write the state with a conditional put.
//! Any AWS or discovery failure fails the invocation (Lambda retries, then the DLQ); nothing is changed
//! when discovery finds nothing.

pub mod apply;
pub mod dns;
pub mod metrics;
pub mod observe;
pub mod plan;
pub mod state;

use std::time::Duration;

use contract::alb_static_ip::sync as env;
use lambda_runtime::LambdaEvent;
use serde::Serialize;

use crate::{Clients, HandlerError};

/// How the ALB's addresses are found.
#[derive(Debug, Clone)]
pub enum Discovery {
    Dns { name: String, settings: dns::Settings },
    NetworkInterfaces { description: String },
}

/// One target group and the ALB port its targets use (an entry of `TARGET_GROUPS`).
pub use contract::alb_static_ip::sync::TargetGroup as Group;

/// The function's configuration, read once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub groups: Vec<Group>,
    pub alb_arn: String,
    pub discovery: Discovery,
    pub table: String,
    pub miss_threshold: u32,
    pub max_deregistrations: usize,
    pub manage_foreign: bool,
    pub cross_vpc: bool,
    pub namespace: String,
}

pub use crate::config::ConfigError;

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(crate::config::process_env)
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let read = |v: contract::EnvVar| v.read_from(&lookup);
        let number = |v: contract::EnvVar| -> Result<u32, ConfigError> {
            let text = read(v)?;
            text.parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ConfigError::invalid(v, &text, "expected a positive integer"))
        };
        let flag = |v: contract::EnvVar| -> Result<bool, ConfigError> {
            let text = read(v)?;
            text.parse().map_err(|_| ConfigError::invalid(v, &text, "expected true or false"))
        };
        let groups_text = read(env::TARGET_GROUPS)?;
        let groups = Group::parse(&groups_text)
            .map_err(|e| ConfigError::invalid(env::TARGET_GROUPS, &groups_text, e.to_string()))?;
        let alb_arn = read(env::ALB_ARN)?;
        let discovery_text = read(env::DISCOVERY)?;
        let discovery = match env::Discovery::parse(&discovery_text) {
            Some(env::Discovery::Dns) => {
                let name = read(env::ALB_DNS_NAME)?;
                if name.is_empty() {
                    return Err(ConfigError::invalid(
                        env::ALB_DNS_NAME,
                        &name,
                        "DNS discovery needs the ALB's DNS name",
                    ));
                }
                let servers_text = read(env::DNS_SERVERS)?;
                let servers = dns::Servers::parse(&servers_text)
                    .map_err(|e| ConfigError::invalid(env::DNS_SERVERS, &servers_text, e))?;
                Discovery::Dns { name, settings: dns::Settings { servers, ..dns::Settings::default() } }
            }
            Some(env::Discovery::NetworkInterfaces) => Discovery::NetworkInterfaces {
                description: observe::interface_description(&alb_arn).ok_or_else(|| {
                    ConfigError::invalid(env::ALB_ARN, &alb_arn, "expected an application load balancer ARN")
                })?,
            },
            None => {
                let expected = env::Discovery::ALL.map(env::Discovery::as_str).join(" or ");
                return Err(ConfigError::invalid(
                    env::DISCOVERY,
                    &discovery_text,
                    format!("expected {expected}"),
                ));
            }
        };
        Ok(Config {
            groups,
            alb_arn,
            discovery,
            table: read(env::STATE_TABLE)?,
            miss_threshold: number(env::MISS_THRESHOLD)?,
            max_deregistrations: usize::try_from(number(env::MAX_DEREGISTRATIONS)?).unwrap_or(usize::MAX),
            manage_foreign: flag(env::MANAGE_FOREIGN_TARGETS)?,
            cross_vpc: flag(env::CROSS_VPC)?,
            namespace: read(env::METRIC_NAMESPACE)?,
        })
    }
}

/// What a run did, per target group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupReport {
    pub target_group: String,
    pub discovered: usize,
    pub registered: Vec<String>,
    pub deregistered: Vec<String>,
    pub held_back: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub discovery_queries: usize,
    pub groups: Vec<GroupReport>,
}

/// Runs one sync. The event is ignored (schedule or manual invocation).
pub async fn handle(
    clients: &Clients,
    config: &Config,
    event: LambdaEvent<serde_json::Value>,
) -> Result<Report, HandlerError> {
    let _ = event;
    let (discovered, queries) = observe::discover(clients, &config.discovery).await?;
    let mut report = Report { discovery_queries: queries, groups: Vec::new() };
    for group in &config.groups {
        let observed = observe::group(clients, config, group, &discovered).await?;
        let desired = plan::Desired {
            port: group.port,
            miss_threshold: config.miss_threshold,
            max_deregistrations: config.max_deregistrations,
            manage_foreign: config.manage_foreign,
        };
        let version = observed.version;
        let p =
            plan::plan(&desired, &observed.world).map_err(|e| HandlerError::EmptyDiscovery(e.to_string()))?;
        tracing::info!(target_group = %group.arn, plan = %p, "planned");
        apply::targets(clients, config, group, &p).await?;
        if p.next_state != observed.world.state {
            state::put(clients, &config.table, &state::key(group, &config.alb_arn), &p.next_state, version)
                .await?;
        }
        metrics::emit(&config.namespace, group, discovered.len(), &p);
        let ips = |v: &[std::net::Ipv4Addr]| v.iter().map(ToString::to_string).collect();
        report.groups.push(GroupReport {
            target_group: group.arn.clone(),
            discovered: discovered.len(),
            registered: ips(&p.register),
            deregistered: ips(&p.deregister),
            held_back: ips(&p.held_back),
        });
    }
    Ok(report)
}

/// The time a DNS discovery may take before the run gives up, well inside the 60 s function timeout.
pub const DISCOVERY_BUDGET: Duration = Duration::from_secs(30);
