//! Reconfiguration after the primary changed: every member configured for another primary than
//! the current one is pushed again.
//!
//! Observe: the primary, the members and the leases. Plan: [`plan::reconfigure`], the members whose
//! recorded primary differs. Apply: one push per member, each recorded once it succeeds, so the plan
//! of a retry lists only who still needs one. Nothing is undone: a member that was not pushed keeps
//! its old configuration and stays in the plan.

use std::time::{Duration, SystemTime};

use super::provision::{self, Boot, Push};
use super::{Clients, Config, Report, plan, state};
use crate::HandlerError;

/// What one push to an appliance in service may take: a few requests, each with its timeout.
const PUSH_BUDGET: Duration = Duration::from_secs(4 * 15 + 10);

/// Pushes the configuration again to every member configured for another primary than the
/// current one. Members are in service, so their API is up: a push does not wait for a boot, and
/// pushes stop before the invocation's deadline. Every member is tried; the first failure (or
/// running out of time) is returned for Lambda's retry, whose plan lists only who still needs one.
pub(super) async fn reconfigure(
    clients: &Clients,
    config: &Config,
    report: &mut Report,
    deadline: Option<SystemTime>,
) -> Result<(), HandlerError> {
    let Some(c) = &config.configuration else { return Ok(()) };
    let Some(primary) = state::primary(&clients.core, &config.table).await? else { return Ok(()) };
    let members = state::members(&clients.core, &config.table).await?;
    let pending = plan::reconfigure(&members, &primary);
    if pending.is_empty() {
        return Ok(());
    }
    let inputs = provision::Inputs::load(clients, c).await?;
    let leases = state::leases(&clients.core, &config.table).await?;
    let mut first_error = None;
    for m in pending {
        let id = &m.instance_id;
        let remaining = deadline.map(|d| d.duration_since(SystemTime::now()).unwrap_or_default());
        if remaining.is_some_and(|r| r < PUSH_BUDGET) {
            report.outcomes.push((id.clone(), "reconfiguration deferred to the retry".to_owned()));
            first_error.get_or_insert(HandlerError::Appliance(format!(
                "the invocation ran out of time before reconfiguring {id}; the retry continues"
            )));
            continue;
        }
        let licence = leases.iter().find(|(_, holder)| *holder == id).map(|(name, _)| name.as_str());
        let push = Push {
            configuration: c,
            licence_bucket: config.licence_bucket.as_deref(),
            inputs: &inputs,
            instance: id,
            primary: &primary,
            licence,
            boot: Boot::Running,
        };
        match push_and_record(clients, config, &push).await {
            Ok(()) => {
                report.counts.configured += 1;
                report.outcomes.push((id.clone(), format!("reconfigured for primary {primary}")));
            }
            Err(e) => {
                report.counts.configuration_failed += 1;
                tracing::error!(instance = %id, error = %e, "reconfiguration failed");
                report.outcomes.push((id.clone(), format!("reconfiguration failed: {e}")));
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// One member's push, recorded as configured for the primary once it succeeds.
async fn push_and_record(clients: &Clients, config: &Config, push: &Push<'_>) -> Result<(), HandlerError> {
    provision::configure(clients, push).await?;
    state::configured(&clients.core, &config.table, push.instance, push.primary).await
}
