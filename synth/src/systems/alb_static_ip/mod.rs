//! Static IP addresses for an Application Load Balancer: a Network Load Balancer in front of it.
//!
//! Mode `native` uses an `alb` target group: AWS keeps the ALB registered, nothing runs.
//! Mode `sync` uses an `ip` target group kept equal to the ALB's addresses by a scheduled function,
//! with its state in DynamoDB (conditional writes keyed per target group, ALB and port), a dead-letter
//! queue, reserved concurrency 1 so runs never overlap, and alarms on errors and dead letters.
//! IAM is scoped to the stack's own target groups and table; `Describe*` calls, which IAM cannot scope,
//! are the only `*` resources.

mod blueprint;
mod build;
mod external;
mod rules;

pub use blueprint::*;
pub use build::METRIC_NAMESPACE;

use super::Kind;
use crate::cfn::Template;
use crate::constructs::{BuildError, Ctx};
use crate::external::External;
use crate::rules::Problem;

impl Kind for AlbStaticIp {
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
