//! The terminate saga, and its undo: what a terminating, terminated or vanished instance leaves
//! behind is taken apart, step by step, and the primary role handed over.
//!
//! [`undo`] is also the compensation of a failed launch. Each step is idempotent, so a redelivered
//! event, a retry or a later sweep finishes what an earlier run left half done:
//!
//! | step | observe | plan | apply |
//! | --- | --- | --- | --- |
//! | network | the instance's interfaces and addresses | [`interfaces::terminate`] (only what the function made: never the user's addresses) | [`network::apply`] |
//! | licence | the leases | every lease the instance holds | conditional deletes |
//! | user addresses | | the instance's leases on the configured pools | conditional deletes |
//! | role | the primary and the members | [`plan::successor`](super::plan::successor) | leaving mark, hand-over, protect the successor |
//! | membership | | | the member item is deleted |
//!
//! The terminate action completes with CONTINUE only after the undo; members configured for the
//! old primary are then pushed again ([`reconfigure`](super::reconfigure)).

use super::lifecycle::{self, Completion};
use super::{Action, Clients, Config, Report, interfaces, network, reconfigure, state};
use crate::HandlerError;

/// Handles a terminate action: undo, CONTINUE, then reconfigure the remaining members. A copy of
/// the action handled concurrently (EventBridge delivers at least once) is skipped: the work on one
/// instance is serialized by a lease in the state table.
pub(super) async fn terminate(
    clients: &Clients,
    config: &Config,
    action: &Action,
    deadline: Option<std::time::SystemTime>,
    report: &mut Report,
) -> Result<(), HandlerError> {
    let id = &action.instance_id;
    let Some(lease) = state::Lease::take(&clients.core, &config.table, id, deadline).await? else {
        report.outcomes.push((id.clone(), "skipped: another invocation handles it".to_owned()));
        return Ok(());
    };
    let result = undo_and_continue(clients, config, action, deadline, report).await;
    let released = lease.release(&clients.core).await;
    result?;
    released?;
    // After the action completes: a slow appliance must not hold the termination up, and a
    // failed push is retried with the event (the plan only lists who still needs one).
    reconfigure::reconfigure(clients, config, report, deadline).await
}

async fn undo_and_continue(
    clients: &Clients,
    config: &Config,
    action: &Action,
    deadline: Option<std::time::SystemTime>,
    report: &mut Report,
) -> Result<(), HandlerError> {
    undo(clients, config, &action.instance_id, deadline).await?;
    report.counts.cleaned += 1;
    let completed = lifecycle::complete(clients, config, action, Completion::Continue).await?;
    let outcome = if completed { "continue" } else { "cleaned; the action was no longer pending" };
    report.outcomes.push((action.instance_id.clone(), outcome.to_owned()));
    Ok(())
}

/// Handles "Terminate Successful": usually done already by the terminate action; not when that
/// action timed out or the group was deleted. Idempotent either way.
pub(super) async fn terminated(
    clients: &Clients,
    config: &Config,
    id: String,
    deadline: Option<std::time::SystemTime>,
    report: &mut Report,
) -> Result<(), HandlerError> {
    undo(clients, config, &id, deadline).await?;
    report.counts.cleaned += 1;
    report.outcomes.push((id, "cleaned".to_owned()));
    reconfigure::reconfigure(clients, config, report, deadline).await
}

/// Undoes everything done for an instance: network, licence, role, membership. Idempotent. Waits
/// for interfaces to detach before deleting them, up to the invocation's `deadline`.
pub(super) async fn undo(
    clients: &Clients,
    config: &Config,
    instance_id: &str,
    deadline: Option<std::time::SystemTime>,
) -> Result<(), HandlerError> {
    detach_network(clients, config, instance_id, deadline).await?;
    let pools = interfaces::pools(&config.interfaces);
    state::release_addresses(&clients.core, &config.table, instance_id, &pools).await?;
    state::release_licences(&clients.core, &config.table, instance_id).await?;
    hand_over(clients, config, instance_id).await?;
    state::leave(&clients.core, &config.table, instance_id).await
}

/// Deletes the interfaces and releases the addresses the function made for the instance, found by
/// their tags even when EC2 no longer knows the instance.
async fn detach_network(
    clients: &Clients,
    config: &Config,
    instance_id: &str,
    deadline: Option<std::time::SystemTime>,
) -> Result<(), HandlerError> {
    let observed = match network::observe(&clients.core, instance_id, &config.interfaces).await? {
        Some(observed) => observed,
        None => network::observe_gone(&clients.core, instance_id, &config.interfaces).await?,
    };
    let steps = interfaces::terminate(&observed);
    if !steps.is_empty() {
        network::apply(&clients.core, instance_id, &steps, deadline).await?;
    }
    Ok(())
}

/// Marks the instance leaving and, if it was the primary, hands the role to its successor, which
/// is then protected from scale-in when the group asks for it.
async fn hand_over(clients: &Clients, config: &Config, instance_id: &str) -> Result<(), HandlerError> {
    state::mark_leaving(&clients.core, &config.table, instance_id).await?;
    if state::primary(&clients.core, &config.table).await?.as_deref() != Some(instance_id) {
        return Ok(()); // not the primary: nothing to hand over (and no Auto Scaling call)
    }
    let in_service = lifecycle::in_service_instances(clients, config).await?;
    let primary = state::hand_over(&clients.core, &config.table, instance_id, &in_service).await?;
    if let Some(primary) = primary.filter(|p| p != instance_id)
        && config.scale_in_protection
    {
        lifecycle::protect(clients, config, &primary).await?;
    }
    Ok(())
}
