//! Traffic mirroring for ECS Fargate tasks.
//!
//! The stack creates the traffic mirror target (for an existing Network Load Balancer, Gateway
//! Load Balancer endpoint or network interface) and the filter with its rules. A function, invoked
//! by ECS "Task State Change" events of the configured clusters and by a reconcile schedule, gives
//! every network interface of each selected running task a session, and deletes the sessions of
//! stopped tasks. A task on capacity that cannot be mirrored is stopped within a budget per service
//! and hour (DynamoDB, conditional writes) or reported. IAM lets the function create sessions only
//! with the stack's target, filter and tag, delete only sessions with that tag, and stop tasks only
//! in the configured clusters.

mod blueprint;
mod build;
mod external;
pub mod rules;

pub use blueprint::*;
pub use build::METRIC_NAMESPACE;

use super::Kind;
use crate::cfn::Template;
use crate::constructs::{BuildError, Ctx};
use crate::external::External;
use crate::rules::Problem;

impl Kind for FargateMirror {
    fn validate(&self, base: &str, out: &mut Vec<Problem>) {
        rules::check(self, base, out);
    }

    fn build(&self, ctx: &Ctx, description: Option<&str>) -> Result<Template, BuildError> {
        build::build(ctx, description, self)
    }

    fn external(&self, _region: Option<&str>) -> Vec<External> {
        external::references(self)
    }
}
