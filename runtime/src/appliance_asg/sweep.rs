//! The scheduled sweep: members whose instance is gone without a terminate action (terminated by
//! hand, or its action timed out) are undone like a termination ([`terminate::undo`]), then the
//! remaining members are reconfigured if the primary changed.
//!
//! Observe: the members, and whether each one's instance still runs ([`lifecycle::is_gone`]). Plan: the gone
//! ones. Apply: [`terminate::undo`] for each, idempotent, so the next sweep finishes an interrupted one.

use super::{Clients, Config, Report, lifecycle, reconfigure, state, terminate};
use crate::HandlerError;

/// Cleans up members whose instance is gone, then reconfigures the rest.
pub(super) async fn sweep(
    clients: &Clients,
    config: &Config,
    deadline: Option<std::time::SystemTime>,
    report: &mut Report,
) -> Result<(), HandlerError> {
    for member in state::members(&clients.core, &config.table).await? {
        if !lifecycle::is_gone(clients, &member.instance_id).await? {
            continue;
        }
        terminate::undo(clients, config, &member.instance_id, deadline).await?;
        report.counts.cleaned += 1;
        report.outcomes.push((member.instance_id, "cleaned".to_owned()));
    }
    reconfigure::reconfigure(clients, config, report, deadline).await
}
