//! The security-group sync function: each region keeps its customer-managed prefix list (which the
//! security group's rules reference; operators' own rules are never touched, no SG API is called)
//! equal to the addresses of every region's Auto Scaling group.
//!
//! Three inputs, one path ([`event::Input`]):
//! - a lifecycle action (launch or terminate) and the schedule (true-up): observe the prefix list,
//!   the table, the group and its instances; [`plan::plan`]; write the own item (conditioned on the
//!   version read) and modify the prefix list (conditioned on its version); on a conflict observe
//!   again (bounded, with jittered backoff). Then, for an action only, CompleteLifecycleAction
//!   (CONTINUE). Nothing up to here talks to another region. Then copy the own item to every peer's
//!   table (only ever replacing an older copy): a failure is a metric and a returned error (Lambda
//!   retries, then the dead-letter queue), and never undoes the local work.
//! - records of the own table's stream (a peer's copy arrived): recompute the prefix list only.
//!
//! Too many addresses fail before any change, with a metric. A launch that fails is not ABANDONed
//! here: the error makes Lambda retry the event, and if every try fails the launch hook's default
//! result (ABANDON) keeps the instance from serving unadmitted; a terminate hook defaults to CONTINUE.

pub mod apply;
pub mod event;
pub mod metrics;
pub mod observe;
pub mod plan;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use contract::sg_sync::sync::{self as env, AddressKind, Hooks, Peer};
use lambda_runtime::LambdaEvent;
use serde::Serialize;

use crate::HandlerError;
use event::Input;

/// The clients the sync function uses: its own region's, and a DynamoDB client per peer region.
#[derive(Debug, Clone)]
pub struct Clients {
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// Peer region -> a DynamoDB client signing for that region.
    pub peers: BTreeMap<String, aws_sdk_dynamodb::Client>,
}

impl Clients {
    pub async fn load(peers: &[Peer]) -> Clients {
        Clients::from_conf(&crate::clients::load_config().await, peers)
    }

    pub fn from_conf(conf: &SdkConfig, peers: &[Peer]) -> Clients {
        Clients {
            autoscaling: aws_sdk_autoscaling::Client::new(conf),
            ec2: aws_sdk_ec2::Client::new(conf),
            dynamodb: aws_sdk_dynamodb::Client::new(conf),
            peers: peers
                .iter()
                .map(|p| {
                    let c = aws_sdk_dynamodb::config::Builder::from(conf)
                        .region(Region::new(p.region.clone()))
                        .build();
                    (p.region.clone(), aws_sdk_dynamodb::Client::from_conf(c))
                })
                .collect(),
        }
    }
}

/// The function's configuration, read once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub region: String,
    pub group: String,
    pub hooks: Hooks,
    pub addresses: AddressKind,
    pub max_per_region: usize,
    pub prefix_list: String,
    pub table: String,
    pub peers: Vec<Peer>,
    pub namespace: String,
}

pub use crate::config::ConfigError;
use crate::config::json;

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(crate::config::process_env)
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let read = |v: contract::EnvVar| v.read_from(&lookup);
        let invalid = ConfigError::invalid;
        let hooks: Hooks = json(env::HOOKS, &read(env::HOOKS)?, r#"expected {"launch":..,"terminate":..}"#)?;
        let peers: Vec<Peer> =
            json(env::PEERS, &read(env::PEERS)?, r#"expected [{"region":..,"table":..}]"#)?;
        let kind_text = read(env::ADDRESSES)?;
        let addresses = AddressKind::parse(&kind_text)
            .ok_or_else(|| invalid(env::ADDRESSES, &kind_text, "expected 'public' or 'private'"))?;
        let max_text = read(env::MAX_ADDRESSES_PER_REGION)?;
        let max_per_region =
            max_text.parse::<usize>().ok().filter(|m| (1..=1000).contains(m)).ok_or_else(|| {
                invalid(env::MAX_ADDRESSES_PER_REGION, &max_text, "expected a number from 1 to 1000")
            })?;
        let prefix_list = read(env::PREFIX_LIST_ID)?;
        if !prefix_list.starts_with("pl-") {
            return Err(invalid(env::PREFIX_LIST_ID, &prefix_list, "expected a prefix list id 'pl-...'"));
        }
        Ok(Config {
            region: read(env::REGION)?,
            group: read(env::AUTO_SCALING_GROUP)?,
            hooks,
            addresses,
            max_per_region,
            prefix_list,
            table: read(env::STATE_TABLE)?,
            peers,
            namespace: read(env::METRIC_NAMESPACE)?,
        })
    }
}

/// What an invocation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The own item's version after the run (None for a stream run).
    pub version: Option<u64>,
    /// Whether the own item was written.
    pub wrote: bool,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// For a lifecycle action: whether it was completed now (false: it was no longer pending).
    pub completed: Option<bool>,
    /// Peers that took the copy (the others already held this version or a newer one).
    pub copied: Vec<String>,
    pub counts: metrics::Counts,
}

/// How many times a run observes again after losing a race with another writer.
pub const MAX_ATTEMPTS: u32 = 10;

pub async fn handle(
    clients: &Clients,
    config: &Config,
    event: LambdaEvent<serde_json::Value>,
) -> Result<Report, HandlerError> {
    let input = event::parse(config, &event.payload)?;
    let mut report = Report::default();
    let result = run(clients, config, &input, &mut report).await;
    metrics::emit(&config.namespace, &config.group, &report.counts);
    if let Err(e) = &result {
        tracing::error!(error = %e, "sync failed");
    }
    result.map(|()| report)
}

async fn run(
    clients: &Clients,
    config: &Config,
    input: &Input,
    report: &mut Report,
) -> Result<(), HandlerError> {
    let (action, leaving) = match input {
        Input::Launch(a) => (Some(a), None),
        Input::Terminate(a) => (Some(a), Some(a.instance_id.as_str())),
        Input::TrueUp | Input::Stream { .. } => (None, None),
    };
    let observe_group = !matches!(input, Input::Stream { .. });
    let own = converge(clients, config, observe_group, leaving, report).await?;
    if let Some(a) = action {
        report.completed = Some(apply::complete(clients, config, a).await?);
    }
    if let (true, Some((version, addresses))) = (observe_group, own) {
        report.version = Some(version);
        copy_to_peers(clients, config, version, &addresses, report).await?;
    }
    Ok(())
}

/// Observes, plans and applies until the plan went through without a conflict. Returns the own
/// item (version, addresses) as it stands after the run, when the group was observed.
async fn converge(
    clients: &Clients,
    config: &Config,
    observe_group: bool,
    leaving: Option<&str>,
    report: &mut Report,
) -> Result<Option<(u64, plan::Addresses)>, HandlerError> {
    let mut last = String::new();
    for attempt in 0..MAX_ATTEMPTS {
        if attempt > 0 {
            report.counts.conflicts += 1;
            tokio::time::sleep(backoff(attempt)).await;
        }
        // The list's version is read before the table: a writer that changes the table after this
        // read also changes the list after it, so a plan made from a stale table fails on the version.
        let Some(pl) = observe::prefix_list(clients, config).await? else {
            last = format!("prefix list '{}' is being modified", config.prefix_list);
            continue;
        };
        let items = observe::items(clients, config).await?;
        let observed = if observe_group {
            let members = observe::members(clients, config).await?;
            let instances = observe::instances(clients, &members).await?;
            Some(plan::own_addresses(&members, &instances, config.addresses, leaving))
        } else {
            None
        };
        let world = plan::World {
            region: &config.region,
            observed,
            items: &items,
            prefix_list: &pl,
            max_per_region: config.max_per_region,
        };
        let p = match plan::plan(&world) {
            Ok(p) => p,
            Err(over) => {
                report.counts.over_capacity = 1;
                return Err(HandlerError::OverCapacity(over.to_string()));
            }
        };
        tracing::info!(region = %config.region, plan = %p, attempt, "planned");
        let stored = items.iter().find(|i| i.region == config.region).map(|i| i.version);
        let applied = match &p.write {
            Some(w) => apply::write_own(clients, config, w).await.map(|()| report.wrote = true),
            None => Ok(()),
        };
        let applied = match applied {
            Ok(()) => apply::modify_prefix_list(clients, config, pl.version, &p.prefix_list).await,
            Err(e) => Err(e),
        };
        match applied {
            Ok(()) => {
                report.added.extend(p.prefix_list.add.keys().cloned());
                report.removed.extend(p.prefix_list.remove.iter().cloned());
                report.counts.own_addresses = p.own.len();
                report.counts.entries_added += p.prefix_list.add.len();
                report.counts.entries_removed += p.prefix_list.remove.len();
                if !observe_group {
                    return Ok(None);
                }
                let version = p.write.as_ref().map(|w| w.version).or(stored);
                return Ok(version.map(|v| (v, p.own)));
            }
            Err(apply::Stopped::Conflict(why)) => {
                tracing::warn!(reason = %why, attempt, "conflict: observing again");
                last = why;
            }
            Err(apply::Stopped::Failed(e)) => return Err(e),
        }
    }
    Err(HandlerError::ConcurrentUpdate(format!("gave up after {MAX_ATTEMPTS} attempts: {last}")))
}

/// Jittered exponential backoff: up to 20 ms doubling per attempt, at most 1 s.
fn backoff(attempt: u32) -> Duration {
    use std::hash::{BuildHasher, RandomState};
    let cap = (20u64 << attempt.min(6)).min(1000);
    let jitter = RandomState::new().hash_one(std::time::SystemTime::now()) % cap;
    Duration::from_millis(cap / 2 + jitter / 2)
}

async fn copy_to_peers(
    clients: &Clients,
    config: &Config,
    version: u64,
    addresses: &plan::Addresses,
    report: &mut Report,
) -> Result<(), HandlerError> {
    let mut first_error = None;
    for peer in &config.peers {
        let Some(client) = clients.peers.get(&peer.region) else {
            return Err(HandlerError::PeerCopyFailed {
                region: peer.region.clone(),
                message: "no client for the region".into(),
            });
        };
        match apply::copy_to_peer(client, &peer.table, &config.region, version, addresses).await {
            Ok(true) => report.copied.push(peer.region.clone()),
            Ok(false) => {}
            Err(e) => {
                // Every peer gets its copy attempt; one region down does not keep the others stale.
                report.counts.peer_copy_failed += 1;
                tracing::error!(peer = %peer.region, error = %e, "copy to peer failed");
                first_error.get_or_insert(HandlerError::PeerCopyFailed {
                    region: peer.region.clone(),
                    message: e.to_string(),
                });
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn config() -> Config {
        Config {
            region: "eu-west-1".into(),
            group: "web".into(),
            hooks: Hooks { launch: "launch-hook".into(), terminate: "terminate-hook".into() },
            addresses: AddressKind::Public,
            max_per_region: 10,
            prefix_list: "pl-1".into(),
            table: "sg-addresses".into(),
            peers: vec![Peer { region: "us-east-1".into(), table: "sg-addresses".into() }],
            namespace: "SgSync".into(),
        }
    }

    #[test]
    fn config_reads_the_contract_shapes() {
        let vars = [
            ("REGION", "eu-west-1"),
            ("AUTO_SCALING_GROUP", "web"),
            ("HOOKS", r#"{"launch":"launch-hook","terminate":"terminate-hook"}"#),
            ("ADDRESSES", "public"),
            ("MAX_ADDRESSES_PER_REGION", "10"),
            ("PREFIX_LIST_ID", "pl-1"),
            ("STATE_TABLE", "sg-addresses"),
            ("PEERS", r#"[{"region":"us-east-1","table":"sg-addresses"}]"#),
            ("METRIC_NAMESPACE", "SgSync"),
        ];
        let get = |n: &str| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| (*v).to_owned());
        let c = Config::from_lookup(get).unwrap();
        assert_eq!(c.hooks, config().hooks);
        assert_eq!(c.peers, config().peers);
        let bad =
            Config::from_lookup(|n| if n == "ADDRESSES" { Some("ipv6".into()) } else { get(n) }).unwrap_err();
        assert_eq!(bad.to_string(), "invalid ADDRESSES 'ipv6': expected 'public' or 'private'");
        let bad =
            Config::from_lookup(|n| if n == "MAX_ADDRESSES_PER_REGION" { Some("0".into()) } else { get(n) })
                .unwrap_err();
        assert!(bad.to_string().starts_with("invalid MAX_ADDRESSES_PER_REGION '0'"), "{bad}");
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert!(backoff(1) <= Duration::from_millis(40));
        assert!(backoff(30) <= Duration::from_secs(1));
        assert!(backoff(30) >= Duration::from_millis(500));
    }
}
