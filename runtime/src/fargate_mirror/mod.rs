//! The mirror function of the Fargate traffic-mirroring system.
//!
//! A task event: observe the task (DescribeTasks, not the event's possibly stale snapshot) and the
//! sessions on its interfaces plus this stack's sessions of the task, [`plan::plan`], apply. A
//! scheduled event reconciles each cluster: this stack's sessions are listed *before* the running
//! tasks, so a session created meanwhile belongs to a task the listing includes and is never taken
//! for an orphan. Interfaces AWS cannot mirror lead to a task stop within the budget
//! ([`budget`]) or a report. Transient failures fail the invocation (Lambda retries, then the
//! dead-letter queue); failures a retry cannot fix are a metric and an alarm.

pub mod apply;
pub mod budget;
pub mod event;
pub mod metrics;
pub mod observe;
pub mod plan;

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_config::SdkConfig;
use contract::fargate_mirror::mirror::{self as env, NotMirrorable, Selection, SessionOptions};
use lambda_runtime::LambdaEvent;
use serde::Serialize;

use crate::HandlerError;
use event::Input;
use metrics::Counts;
use plan::{Desired, Task};

/// The clients the mirror function uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub ec2: aws_sdk_ec2::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
}

impl Clients {
    pub async fn load() -> Clients {
        Clients::from_conf(&crate::clients::load_config().await)
    }

    pub fn from_conf(conf: &SdkConfig) -> Clients {
        Clients {
            ec2: aws_sdk_ec2::Client::new(conf),
            ecs: aws_sdk_ecs::Client::new(conf),
            dynamodb: aws_sdk_dynamodb::Client::new(conf),
        }
    }
}

/// The function's configuration, read once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub desired: Desired,
    pub clusters: Vec<String>,
    pub not_mirrorable: NotMirrorable,
    pub table: String,
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
        let shape = "expected its JSON shape";
        let selection: Selection = json(env::SELECTION, &read(env::SELECTION)?, shape)?;
        let session: SessionOptions = json(env::SESSION, &read(env::SESSION)?, shape)?;
        let not_mirrorable: NotMirrorable = json(env::NOT_MIRRORABLE, &read(env::NOT_MIRRORABLE)?, shape)?;
        let clusters_text = read(env::CLUSTERS)?;
        let clusters: Vec<String> =
            clusters_text.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect();
        if clusters.is_empty() {
            return Err(ConfigError::invalid(
                env::CLUSTERS,
                &clusters_text,
                "expected cluster ARNs separated by commas",
            ));
        }
        Ok(Config {
            desired: Desired {
                stack: read(env::STACK_NAME)?,
                target: read(env::TARGET_ID)?,
                filter: read(env::FILTER_ID)?,
                selection,
                session,
            },
            clusters,
            not_mirrorable,
            table: read(env::STATE_TABLE)?,
            namespace: read(env::METRIC_NAMESPACE)?,
        })
    }
}

/// What an invocation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub created: Vec<String>,
    pub deleted: Vec<String>,
    pub stopped: Vec<String>,
    /// Tasks left running although not mirrorable (report policy, or budget spent).
    pub not_mirrored: Vec<String>,
    /// Interfaces without a session for a reason a retry cannot fix, with the reason.
    pub failed: Vec<(String, String)>,
    pub counts: Counts,
}

pub async fn handle(
    clients: &Clients,
    config: &Config,
    event: LambdaEvent<serde_json::Value>,
) -> Result<Report, HandlerError> {
    let input = event::parse(&event.payload, &config.clusters)?;
    let mut report = Report::default();
    let result = match &input {
        Input::Task { cluster, task } => one_task(clients, config, cluster, task, &mut report).await,
        Input::Reconcile => {
            let mut result = Ok(());
            for cluster in &config.clusters {
                // One cluster failing does not keep the others from being reconciled.
                if let Err(e) = reconcile(clients, config, cluster, &mut report).await {
                    tracing::error!(cluster = %cluster, error = %e, "reconcile failed");
                    result = result.and(Err(e));
                }
            }
            result
        }
    };
    report.counts.sessions_created = report.created.len();
    report.counts.sessions_deleted = report.deleted.len();
    report.counts.tasks_stopped = report.stopped.len();
    report.counts.sessions_failed = report.failed.len();
    if input == Input::Reconcile {
        report.counts.drift_found = report.created.len() + report.deleted.len();
    }
    metrics::emit(&config.namespace, &config.desired.stack, &report.counts);
    result.map(|()| report)
}

async fn one_task(
    clients: &Clients,
    config: &Config,
    cluster: &str,
    task_arn: &str,
    report: &mut Report,
) -> Result<(), HandlerError> {
    let tasks = observe::tasks(clients, cluster, &[task_arn.to_owned()]).await?;
    let interfaces: Vec<String> = tasks.iter().flat_map(|t| t.interfaces.iter().cloned()).collect();
    let running = tasks.iter().any(Task::is_running);
    if running && interfaces.is_empty() && tasks.iter().any(|t| t.last_status == "RUNNING") {
        return Err(HandlerError::Aws {
            operation: "DescribeTasks",
            message: format!("running task '{task_arn}' has no attached network interface yet"),
        });
    }
    let mut sessions = observe::sessions_on(clients, &interfaces).await?;
    sessions.extend(observe::ours(clients, &config.desired.stack, Some(task_arn)).await?);
    let p = plan::plan(&config.desired, &tasks, &sessions);
    tracing::info!(cluster = %cluster, task = %task_arn, plan = %p, "planned");
    execute(clients, config, &tasks, &p, report).await
}

async fn reconcile(
    clients: &Clients,
    config: &Config,
    cluster: &str,
    report: &mut Report,
) -> Result<(), HandlerError> {
    // Sessions first: see the module documentation.
    let ours: Vec<plan::Session> = observe::ours(clients, &config.desired.stack, None)
        .await?
        .into_iter()
        .filter(|s| s.task.as_deref().is_some_and(|t| task_in_cluster(t, cluster)))
        .collect();
    let arns = observe::running_task_arns(clients, cluster).await?;
    let tasks = observe::tasks(clients, cluster, &arns).await?;
    let interfaces: Vec<String> = tasks.iter().flat_map(|t| t.interfaces.iter().cloned()).collect();
    let mut sessions = observe::sessions_on(clients, &interfaces).await?;
    sessions.extend(ours);
    let p = plan::plan(&config.desired, &tasks, &sessions);
    tracing::info!(cluster = %cluster, tasks = tasks.len(), plan = %p, "reconcile planned");
    execute(clients, config, &tasks, &p, report).await
}

/// Whether `task` (an ARN) is in `cluster` (an ARN): `task/<cluster name>/<id>`. A legacy ARN
/// (`task/<id>`) names no cluster; such sessions carry the cluster tag instead.
fn task_in_cluster(task: &str, cluster: &str) -> bool {
    let name = cluster.rsplit_once(":cluster/").map(|(_, n)| n);
    match (task.split_once(":task/").map(|(_, rest)| rest.split_once('/')), name) {
        (Some(Some((task_cluster, _))), Some(name)) => task_cluster == name,
        _ => true,
    }
}

async fn execute(
    clients: &Clients,
    config: &Config,
    tasks: &[Task],
    p: &plan::Plan,
    report: &mut Report,
) -> Result<(), HandlerError> {
    report.counts.foreign_sessions += p.foreign.len();
    for eni in &p.full {
        tracing::error!(eni = %eni, "interface already carries three sessions of others: not mirrored");
        report.failed.push((eni.clone(), "the interface already carries three sessions of others".into()));
    }
    let outcome = apply::apply(clients, &config.desired, p).await;
    report.created.extend(outcome.created);
    report.deleted.extend(outcome.deleted);
    report.failed.extend(outcome.failed);
    let mut retry = outcome.retry;
    let unsupported: BTreeSet<(&str, &str)> =
        outcome.not_supported.iter().map(|c| (c.cluster.as_str(), c.task.as_str())).collect();
    for (cluster, task) in unsupported {
        let group = tasks.iter().find(|t| t.arn == task).map_or("", |t| t.group.as_str());
        if let Err(e) = not_mirrorable(clients, config, cluster, task, group, report).await {
            retry.get_or_insert(e);
        }
    }
    retry.map_or(Ok(()), Err)
}

async fn not_mirrorable(
    clients: &Clients,
    config: &Config,
    cluster: &str,
    task: &str,
    group: &str,
    report: &mut Report,
) -> Result<(), HandlerError> {
    let NotMirrorable::StopTask { per_service_per_hour } = config.not_mirrorable else {
        report.counts.not_mirrorable += 1;
        report.not_mirrored.push(task.to_owned());
        return Ok(());
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    let hour = now - now % 3600;
    let key = budget::key(cluster, group, hour);
    if budget::take(clients, &config.table, &key, task, per_service_per_hour, hour).await? {
        let reason = format!(
            "{}: stopped because traffic mirroring cannot mirror its network interface (capacity not Nitro-based); the service starts a replacement",
            config.desired.stack
        );
        apply::stop_task(clients, cluster, task, &reason.chars().take(255).collect::<String>()).await?;
        tracing::warn!(cluster = %cluster, task = %task, group = %group, "task stopped: not mirrorable");
        report.stopped.push(task.to_owned());
    } else {
        tracing::error!(cluster = %cluster, task = %task, group = %group, budget = per_service_per_hour, "not mirrorable and the stop budget is spent: left running");
        report.counts.stop_budget_exhausted += 1;
        report.not_mirrored.push(task.to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_belong_to_the_cluster_their_arn_names() {
        let c = "arn:aws:ecs:eu-west-1:1:cluster/app";
        assert!(task_in_cluster("arn:aws:ecs:eu-west-1:1:task/app/abc", c));
        assert!(!task_in_cluster("arn:aws:ecs:eu-west-1:1:task/other/abc", c));
        assert!(task_in_cluster("arn:aws:ecs:eu-west-1:1:task/abc", c));
    }

    #[test]
    fn config_reads_the_contract_shapes() {
        let vars = [
            ("TARGET_ID", "tmt-1"),
            ("FILTER_ID", "tmf-1"),
            ("CLUSTERS", "arn:aws:ecs:eu-west-1:1:cluster/app"),
            ("SELECTION", r#"{"services":["web"]}"#),
            ("SESSION", r#"{"number":10}"#),
            ("NOT_MIRRORABLE", r#"{"action":"stop-task","per_service_per_hour":3}"#),
            ("STACK_NAME", "mirror"),
            ("STATE_TABLE", "t"),
            ("METRIC_NAMESPACE", "FargateMirror"),
        ];
        let get = |n: &str| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| (*v).to_owned());
        let c = Config::from_lookup(get).unwrap();
        assert_eq!(c.not_mirrorable, NotMirrorable::StopTask { per_service_per_hour: 3 });
        assert_eq!(c.desired.session.number, 10);
        let bad =
            Config::from_lookup(|n| if n == "SESSION" { Some("{}".into()) } else { get(n) }).unwrap_err();
        assert!(bad.to_string().starts_with("invalid SESSION '{}'"), "{bad}");
    }
}
