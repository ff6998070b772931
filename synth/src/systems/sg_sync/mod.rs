//! Security groups that follow Auto Scaling groups across regions.
//!
//! One stack per region (`<stack>-<region>`), with no CloudFormation dependency between them:
//! what one region needs of another (its state table) has a deterministic name. Each stack holds a
//! customer-managed prefix list, referenced by one ingress rule per port in the region's security
//! group (existing or created), so rules an operator added are never touched; lifecycle hooks on
//! the region's existing group; a state table with a stream; and a function, run by lifecycle
//! events, a true-up schedule and the table's stream, that keeps the prefix list equal to every
//! region's addresses. Validation refuses, before anything is deployed, a prefix list larger than
//! AWS allows or one whose entries, counted once per referencing rule, exceed the group's quota.

mod blueprint;
mod build;
mod external;
pub mod rules;
#[cfg(test)]
mod tests;

pub use blueprint::*;
pub use build::{
    HEARTBEAT_SECONDS, LAUNCH_DEFAULT_RESULT, METRIC_DIMENSION, METRIC_NAMESPACE, TERMINATE_DEFAULT_RESULT,
    TIMEOUT_SECONDS, table_name,
};

use super::Kind;
use crate::cfn::Template;
use crate::constructs::{BuildError, Ctx};
use crate::external::External;
use crate::rules::Problem;

impl Kind for SgSync {
    fn validate(&self, base: &str, out: &mut Vec<Problem>) {
        rules::check(self, base, out);
    }

    fn regions(&self) -> Vec<String> {
        self.regions.keys().cloned().collect()
    }

    fn build(&self, ctx: &Ctx, description: Option<&str>) -> Result<Template, BuildError> {
        build::build(ctx, description, self)
    }

    fn external(&self, region: Option<&str>) -> Vec<External> {
        external::references(self, region)
    }
}
