//! Multi-ENI appliance autoscaling (issue 5), built bottom-up. Present so far: the cluster state
//! every lifecycle event goes through: instance membership, the single primary and its
//! re-election, and the licence pool, all in DynamoDB with conditional writes.
//!
//! [`plan`] holds the pure decisions (who becomes primary, which licence to try); [`state`] applies
//! them with writes that cannot race: concurrent launches elect exactly one primary and never lose a
//! member, a licence is leased to one instance at a time, and every operation is idempotent under
//! redelivery of the same event.

pub mod interfaces;
pub mod network;
pub mod plan;
pub mod state;
