//! The private-Lambda system: a protected function behind an internal ALB, and a caller in the VPC.
//!
//! Neither function keeps state or calls AWS APIs: `protected` answers what the ALB forwards, and
//! `caller` makes one HTTP request to the ALB and reports what happened.

pub mod caller;
pub mod protected;
