//! The launch saga: make a launching instance whole while it waits in `Pending:Wait`, or undo what
//! was done for it and abandon the launch.
//!
//! | step | observe | plan | apply | undone on failure by |
//! | --- | --- | --- | --- | --- |
//! | [`still_waiting`] | the instance's lifecycle state | waiting, or a redelivery to skip | nothing | nothing to undo |
//! | [`attach_network`] | its interfaces and addresses | [`interfaces::launch`] | [`network::apply`] | `network::apply` itself (what this run created), then [`terminate::undo`] |
//! | [`join_cluster`] | the cluster's members | [`state::elect`]'s conditions | join, elect, protect the primary | [`terminate::undo`]: hand over, leave |
//! | [`lease_licence`] | the pool and the leases | [`plan::choose_licence`](super::plan::choose_licence) | a conditional lease | [`terminate::undo`]: the lease is returned |
//! | [`configure`] | template, secret, addresses | [`render`](super::render) | the configure function's push | nothing in AWS; the appliance goes with the instance |
//!
//! Then the action completes with CONTINUE; after any failure, with ABANDON and the reason.

use std::time::SystemTime;

use super::lifecycle::{self, Completion};
use super::provision::{self, Boot, Push};
use super::state::{self, Role};
use super::{Action, Clients, Config, Configuration, Report, interfaces, network, terminate};
use crate::HandlerError;

/// Handles a launch action: skipped when it no longer waits (or a concurrent copy of it is being
/// handled), completed with CONTINUE when the instance is whole, with ABANDON (after undoing
/// everything done for it) when it cannot be made whole, and then the invocation fails too, so the
/// cause reaches an operator (the errors alarm, besides the `Abandoned` metric's).
pub(super) async fn launch(
    clients: &Clients,
    config: &Config,
    action: &Action,
    deadline: Option<SystemTime>,
    report: &mut Report,
) -> Result<(), HandlerError> {
    let id = &action.instance_id;
    if !still_waiting(clients, config, id).await? {
        report.outcomes.push((id.clone(), "skipped: no active launch action".to_owned()));
        return Ok(());
    }
    // EventBridge delivers at least once: a copy handled at the same time must not plan the same
    // interfaces, nor undo this run's work when its own attach fails.
    let Some(lease) = state::Lease::take(&clients.core, &config.table, id, deadline).await? else {
        report.outcomes.push((id.clone(), "skipped: another invocation handles it".to_owned()));
        return Ok(());
    };
    let result = launch_held(clients, config, action, deadline, report).await;
    let released = lease.release(&clients.core).await;
    result.and(released)
}

async fn launch_held(
    clients: &Clients,
    config: &Config,
    action: &Action,
    deadline: Option<SystemTime>,
    report: &mut Report,
) -> Result<(), HandlerError> {
    let id = &action.instance_id;
    match make_whole(clients, config, action, deadline, report).await {
        Ok(()) => {
            let completed = lifecycle::complete(clients, config, action, Completion::Continue).await?;
            if completed {
                report.counts.launched += 1;
                report.outcomes.push((id.clone(), "continue".to_owned()));
            } else {
                // The action timed out meanwhile: Auto Scaling applied its default result, and the
                // "Launch Successful" handler replaces an instance left in service half-built.
                report
                    .outcomes
                    .push((id.clone(), "made whole, but the action was no longer pending".to_owned()));
            }
            Ok(())
        }
        // Lost a race with a concurrent change of the cluster: nothing is wrong with the
        // instance. Lambda's retry runs the (idempotent) launch again while the action still waits.
        Err(e @ HandlerError::ConcurrentUpdate(_)) => Err(e),
        Err(e) => {
            tracing::error!(instance = %id, error = %e, error_type = e.error_type(), "launch failed; undoing and abandoning");
            match e {
                HandlerError::LicencePoolEmpty(_) => report.counts.licence_pool_empty += 1,
                HandlerError::Appliance(_) => report.counts.configuration_failed += 1,
                _ => {}
            }
            // Compensation: undo everything done for the instance, then let Auto Scaling replace it.
            terminate::undo(clients, config, id, deadline).await?;
            let completed = lifecycle::complete(clients, config, action, Completion::Abandon).await?;
            if completed {
                report.counts.abandoned += 1;
            }
            report.outcomes.push((id.clone(), format!("abandon: {e}")));
            // Surfaced as a failed invocation too: a launch that cannot be made whole (a
            // misconfiguration, a quota, an empty pool, an appliance failure) repeats with every
            // replacement until a person acts. Lambda's retry finds no waiting action.
            Err(e)
        }
    }
}

/// Whether the launch action still waits: a redelivered event, after completion, changes nothing.
async fn still_waiting(clients: &Clients, config: &Config, id: &str) -> Result<bool, HandlerError> {
    lifecycle::is_waiting(clients, config, id, lifecycle::PENDING_WAIT).await
}

/// The saga's forward steps, in order; the first failure stops it.
async fn make_whole(
    clients: &Clients,
    config: &Config,
    action: &Action,
    deadline: Option<SystemTime>,
    report: &mut Report,
) -> Result<(), HandlerError> {
    let id = &action.instance_id;
    attach_network(clients, config, action, deadline).await?;
    let role = join_cluster(clients, config, id).await?;
    report.role = Some(match role {
        Role::Primary => "primary".to_owned(),
        Role::Secondary { ref primary } => format!("secondary of {primary}"),
    });
    report.licence = lease_licence(clients, config, id).await?;
    if let Some(c) = &config.configuration {
        let primary = match &role {
            Role::Primary => id.clone(),
            Role::Secondary { primary } => primary.clone(),
        };
        configure(clients, config, c, action, &primary, report.licence.as_deref()).await?;
        report.counts.configured += 1;
    }
    Ok(())
}

/// Gives the instance its configured interfaces and addresses. On a failure, [`network::apply`]
/// deletes and releases what it created in this run before returning the error.
async fn attach_network(
    clients: &Clients,
    config: &Config,
    action: &Action,
    deadline: Option<SystemTime>,
) -> Result<(), HandlerError> {
    let id = &action.instance_id;
    let mut observed = network::observe(&clients.core, id, &config.interfaces)
        .await?
        .ok_or_else(|| HandlerError::InvalidEvent(format!("instance '{id}' does not exist")))?;
    // A user's free address is leased before it is associated: a concurrent launch that chose the
    // same one first keeps it, and this one plans again without it (or fails: none left).
    let steps = loop {
        let steps = interfaces::launch(&config.interfaces, &observed)
            .map_err(|e| HandlerError::InvalidEvent(format!("instance '{id}' cannot be made whole: {e}")))?;
        let mut lost = Vec::new();
        for allocation_id in interfaces::pool_addresses(&config.interfaces, &steps) {
            if !state::lease_address(&clients.core, &config.table, &allocation_id, id, deadline).await? {
                lost.push(allocation_id);
            }
        }
        if lost.is_empty() {
            break steps;
        }
        observed.leased_elsewhere.extend(lost);
    };
    if !steps.is_empty() {
        lifecycle::heartbeat(clients, config, action).await?;
        network::apply(&clients.core, id, &steps, deadline).await?;
    }
    Ok(())
}

/// Joins the cluster and takes part in the election (exactly one primary under concurrent
/// launches); a primary is protected from scale-in when the group asks for it.
async fn join_cluster(clients: &Clients, config: &Config, id: &str) -> Result<Role, HandlerError> {
    state::join(&clients.core, &config.table, id, now_ms()).await?;
    let role = state::elect(&clients.core, &config.table, id).await?;
    if role == Role::Primary && config.scale_in_protection {
        lifecycle::protect(clients, config, id).await?;
    }
    Ok(role)
}

/// Leases the instance a licence from the pool, when the group has one.
async fn lease_licence(clients: &Clients, config: &Config, id: &str) -> Result<Option<String>, HandlerError> {
    let Some(bucket) = &config.licence_bucket else { return Ok(None) };
    let pool = super::licences::pool(clients, bucket).await?;
    Ok(Some(state::lease_licence(&clients.core, &config.table, id, &pool).await?))
}

/// Pushes the appliance its configuration for `primary`, then records whom it was configured for.
async fn configure(
    clients: &Clients,
    config: &Config,
    c: &Configuration,
    action: &Action,
    primary: &str,
    licence: Option<&str>,
) -> Result<(), HandlerError> {
    let id = &action.instance_id;
    // Waiting for the appliance to boot can take minutes: restart the action's timeout first.
    lifecycle::heartbeat(clients, config, action).await?;
    let inputs = provision::Inputs::load(clients, c).await?;
    let push = Push {
        configuration: c,
        licence_bucket: config.licence_bucket.as_deref(),
        inputs: &inputs,
        instance: id,
        primary,
        licence,
        boot: Boot::Launching,
    };
    provision::configure(clients, &push).await?;
    state::configured(&clients.core, &config.table, id, primary).await
}

/// An instance in service must have been made whole. One that is not (its launch action timed out
/// with a CONTINUE default result, say) has no interfaces, role or configuration of its own: it is
/// marked unhealthy so the group replaces it, rather than left taking traffic half-built.
pub(super) async fn in_service(
    clients: &Clients,
    config: &Config,
    id: &str,
    report: &mut Report,
) -> Result<(), HandlerError> {
    let member = state::member(&clients.core, &config.table, id).await?;
    let whole =
        member.is_some_and(|m| !m.leaving && (config.configuration.is_none() || m.configured_for.is_some()));
    if whole {
        report.outcomes.push((id.to_owned(), "in service".to_owned()));
    } else {
        tracing::error!(instance = %id, "in service without having been made whole; replacing it");
        lifecycle::mark_unhealthy(clients, id).await?;
        report.counts.replaced += 1;
        report.outcomes.push((id.to_owned(), "replaced: in service without being made whole".to_owned()));
    }
    Ok(())
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
