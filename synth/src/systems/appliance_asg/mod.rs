//! Firewall-style appliances in an Auto Scaling group (FortiGate-style), each instance given extra
//! network interfaces, public addresses, a role and a licence by a lifecycle function.
//!
//! The group has a launch hook (default result ABANDON: an appliance without its interfaces must
//! not take traffic) and a terminate hook (CONTINUE: termination proceeds; the scheduled sweep
//! cleans up whatever a failed run left), both with a heartbeat timeout that validation checks
//! against the function's timeout and retries. EventBridge delivers the group's lifecycle actions to
//! the function; a schedule runs the sweep. State (members, the primary, licence leases) lives in a
//! DynamoDB table written only with conditional writes.
//!
//! IAM: EC2 writes are scoped by resource tags where EC2 supports it: the function may only attach to
//! instances of its own group, and only modify, detach, delete or release interfaces and addresses it
//! tagged at creation. `Describe*` calls, which IAM cannot scope, are the only `*` resources.
//!
//! With a `configuration`, a launching instance is also configured before it goes in service (and the
//! remaining members again when the primary changes). The lifecycle function, outside the VPC, reads
//! the admin password (a generated `AdminSecret`, or the user's secret) and the template with its
//! variables (the `ConfigurationParameter` SSM parameter), renders it for the instance, and invokes
//! the configure function synchronously with the result. The configure function runs in the VPC in
//! the boot interface's subnets, because the appliance API is private; its role has only logs and
//! VPC access (the password arrives in the payload), and its security group reaches only the
//! `ApplianceApiSecurityGroup` on the API port, which the stack adds to the API interface (the boot
//! interface in the launch template, or an extra interface in its INTERFACES entry). Its timeout is
//! the boot wait plus a minute, and the lifecycle function's timeout grows by as much (see
//! `configuration::lifecycle_timeout_seconds`). Changing the template updates only the parameter: running
//! appliances get it at their next configuration, not at deploy time.

mod blueprint;
mod build;
mod configuration;
mod external;
mod grants;
mod rules;

pub use blueprint::*;

use super::Kind;
use crate::cfn::Template;
use crate::constructs::{BuildError, Ctx};
use crate::external::External;
use crate::rules::Problem;

impl Kind for ApplianceAsg {
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
