//! The runtime's integration tests, in one binary so the AWS SDK is linked once: one module per
//! function or component, sharing [`support`] (the emulator, recorded clients, worlds, the IAM check
//! and local appliance peers).
//!
//! Tests that need AWS run against the local emulator through the real SDK clients; the others run
//! handlers in-process against fixtures (`tests/fixtures/`) and local peers.

#[path = "../support/mod.rs"]
mod support;

mod alb_static_ip;
mod alb_static_ip_faults;
mod appliance_configure;
mod appliance_lifecycle;
mod appliance_network;
mod appliance_state;
mod caller;
mod contract_round_trip;
mod fargate_mirror;
mod protected;
mod sg_sync;
