//! Multi-ENI appliance autoscaling: the lifecycle function of an appliance Auto Scaling group.
//!
//! Each event runs a **saga**: a sequence of small steps, each of which observes AWS, plans from
//! what it saw with a pure function, and applies the plan with idempotent (often conditional)
//! writes, and each with its **compensation**, what undoes it when a later step fails. A
//! redelivered event or a retry re-runs the saga, and re-planning after a step applied finds nothing
//! left to do.
//!
//! - Launch action ([`launch`], the instance waits in `Pending:Wait`): attach the network
//!   ([`interfaces::launch`] planned, [`network`] applied, what this run created compensated if a
//!   network step fails), join the cluster and elect the primary (exactly one under concurrent
//!   launches), lease a licence ([`licences`]), configure the appliance, then complete the action
//!   with CONTINUE ([`lifecycle`]). Whatever makes the instance impossible to make whole (no subnet
//!   in its zone, an exhausted licence pool, an AWS or appliance failure) is compensated by the
//!   terminate saga's undo, then the action completes with ABANDON and the reason, and the
//!   invocation fails too, for the errors alarm (with the `Abandoned` metric's): a cause that
//!   abandons one launch abandons its replacements until a person acts. A lost race with a
//!   concurrent cluster change is not abandoned but retried. A launch event for an instance that is
//!   no longer waiting, or a copy of one handled at the same time (a lease per instance in the
//!   state table), changes nothing.
//! - Terminate action, and "Terminate Successful" ([`terminate`]): undo the network (release only
//!   addresses the function allocated, never the user's), return the licence, hand the primary role
//!   over, leave the cluster, then CONTINUE.
//! - The scheduled sweep ([`sweep`]): the same undo for members whose instance vanished without a
//!   terminate action.
//! - "Launch Successful" ([`launch`]): an instance in service that was not made whole is replaced.
//! - After the primary changed (terminate, sweep), [`reconfigure`] pushes every member configured
//!   for another primary again ([`plan::reconfigure`]).
//!
//! Appliance configuration (when the blueprint has some): the launch renders the blueprint's
//! template for the instance ([`render`]) and has the configure function, in the VPC, push the
//! admin password, the licence and the configuration over verified HTTPS ([`provision`],
//! [`configure`], [`appliance_api`], through the standard `HTTPS_PROXY` when set: [`proxy`]).
//!
//! [`config`] reads the environment and [`event`] the events, before any AWS call. [`plan`],
//! [`interfaces`] and [`render`] are pure; [`network`], [`state`], [`lifecycle`], [`licences`] and
//! [`provision`] talk to AWS, [`appliance_api`] to the appliances.

pub mod appliance_api;
pub mod config;
pub mod configure;
pub mod event;
pub mod interfaces;
mod launch;
pub mod licences;
pub mod lifecycle;
pub mod metrics;
pub mod network;
pub mod plan;
pub mod provision;
pub mod proxy;
mod reconfigure;
pub mod render;
pub mod state;
mod sweep;
mod terminate;

use lambda_runtime::LambdaEvent;
use serde::Serialize;

pub use config::{Config, ConfigError, Configuration};
pub use event::{Action, Event, parse_event};

use crate::HandlerError;

/// The AWS clients the function uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub core: crate::Clients,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub s3: aws_sdk_s3::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    pub ssm: aws_sdk_ssm::Client,
}

impl Clients {
    pub async fn load() -> Clients {
        Clients::from_conf(&crate::clients::load_config().await)
    }

    pub fn from_conf(conf: &aws_config::SdkConfig) -> Clients {
        Clients {
            core: crate::Clients::from_conf(conf),
            autoscaling: aws_sdk_autoscaling::Client::new(conf),
            s3: aws_sdk_s3::Client::new(conf),
            lambda: aws_sdk_lambda::Client::new(conf),
            secretsmanager: aws_sdk_secretsmanager::Client::new(conf),
            ssm: aws_sdk_ssm::Client::new(conf),
        }
    }
}

/// What one invocation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Per instance handled: `instance -> outcome` (`continue`, `abandon: <reason>`, `skipped: <why>`,
    /// `cleaned`, `in service`, `replaced: <why>`, `reconfigured for primary <id>`, ...).
    pub outcomes: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    /// The invocation's metrics, emitted whether it succeeds or fails.
    #[serde(skip)]
    pub counts: metrics::Counts,
}

pub async fn handle(
    clients: &Clients,
    config: &Config,
    event: LambdaEvent<serde_json::Value>,
) -> Result<Report, HandlerError> {
    // Lambda's deadline for this invocation (0 when run outside Lambda, as in tests: none).
    let deadline = (event.context.deadline > 0)
        .then(|| std::time::UNIX_EPOCH + std::time::Duration::from_millis(event.context.deadline));
    let event = parse_event(config, event.payload)?;
    let mut report = Report::default();
    let result = dispatch(clients, config, event, deadline, &mut report).await;
    if report.counts != metrics::Counts::default() {
        metrics::emit(&config.asg_name, &report.counts);
    }
    result.map(|()| report)
}

async fn dispatch(
    clients: &Clients,
    config: &Config,
    event: Event,
    deadline: Option<std::time::SystemTime>,
    report: &mut Report,
) -> Result<(), HandlerError> {
    match event {
        Event::Launch(action) => launch::launch(clients, config, &action, deadline, report).await,
        Event::Terminate(action) => terminate::terminate(clients, config, &action, deadline, report).await,
        Event::Launched(id) => launch::in_service(clients, config, &id, report).await,
        Event::Terminated(id) => terminate::terminated(clients, config, id, deadline, report).await,
        Event::Sweep => sweep::sweep(clients, config, deadline, report).await,
    }
}
