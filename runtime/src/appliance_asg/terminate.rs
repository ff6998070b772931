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
//! | role | the primary and the members | [`plan::successor`](super::plan::successor) | leaving mark, hand-over, protect the successor |
//! | membership | | | the member item is deleted |
//!
//! The terminate action completes with CONTINUE only after the undo; members configured for the
//! old primary are then pushed again ([`reconfigure`](super::reconfigure)).

use super::lifecycle::{self, Completion};
use super::{Action, Clients, Config, Report, interfaces, network, reconfigure, state};
use crate::HandlerError;

/// Handles a terminate action: undo, CONTINUE, then reconfigure the remaining members.
pub(super) async fn terminate(
    clients: &Clients,
    config: &Config,
    action: &Action,
    deadline: Option<std::time::SystemTime>,
    report: &mut Report,
) -> Result<(), HandlerError> {
    undo(clients, config, &action.instance_id).await?;
    report.counts.cleaned += 1;
    lifecycle::complete(clients, config, action, Completion::Continue).await?;
    report.outcomes.push((action.instance_id.clone(), "continue".to_owned()));
    // After the action completes: a slow appliance must not hold the termination up, and a
    // failed push is retried with the event (the plan only lists who still needs one).
    reconfigure::reconfigure(clients, config, report, deadline).await
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
    undo(clients, config, &id).await?;
    report.counts.cleaned += 1;
    report.outcomes.push((id, "cleaned".to_owned()));
    reconfigure::reconfigure(clients, config, report, deadline).await
}

/// Undoes everything done for an instance: network, licence, role, membership. Idempotent.
pub(super) async fn undo(clients: &Clients, config: &Config, instance_id: &str) -> Result<(), HandlerError> {
    detach_network(clients, config, instance_id).await?;
    state::release_licences(&clients.core, &config.table, instance_id).await?;
    hand_over(clients, config, instance_id).await?;
    state::leave(&clients.core, &config.table, instance_id).await
}

/// Deletes the interfaces and releases the addresses the function made for the instance.
async fn detach_network(clients: &Clients, config: &Config, instance_id: &str) -> Result<(), HandlerError> {
    if let Some(observed) = network::observe(&clients.core, instance_id, &config.interfaces).await? {
        network::apply(&clients.core, instance_id, &interfaces::terminate(&observed)).await?;
    }
    Ok(())
}

/// Marks the instance leaving and, if it was the primary, hands the role to its successor, which
/// is then protected from scale-in when the group asks for it.
async fn hand_over(clients: &Clients, config: &Config, instance_id: &str) -> Result<(), HandlerError> {
    state::mark_leaving(&clients.core, &config.table, instance_id).await?;
    let primary = state::hand_over(&clients.core, &config.table, instance_id).await?;
    if let Some(primary) = primary.filter(|p| p != instance_id)
        && config.scale_in_protection
    {
        lifecycle::protect(clients, config, &primary).await?;
    }
    Ok(())
}
