//! Private Lambda functions behind an internal Application Load Balancer, called from inside the VPC.
//!
//! Traffic: caller function (private subnets, own security group) -> internal ALB (private subnets,
//! admits only the caller's group on the listener port) -> one `lambda` target group per target ->
//! the target's function. Egress from the private subnets goes through NAT (optional) and the VPC
//! endpoints; the endpoints admit only the caller on 443.
//!
//! The invoke permission for each target group is scoped by `SourceArn`. The target group's ARN is not
//! known before it exists, and the target group cannot register the function before the permission
//! exists, so the target group gets a deterministic name and the permission uses the ARN pattern
//! `targetgroup/<name>/*`; the target group then depends on the permission and the first deploy succeeds.

mod blueprint;
mod build;
mod external;
mod rules;

pub use blueprint::*;

use super::Kind;
use crate::cfn::Template;
use crate::constructs::{BuildError, Ctx};
use crate::external::External;
use crate::rules::Problem;

impl Kind for PrivateLambda {
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
