//! What an sg-sync blueprint's stack in one region names outside itself: the region's Auto
//! Scaling group, and its existing security group or the VPC a new one goes in. Stand-ins are
//! created in the stack's own region, so the variants carry no region.

use super::SgSync;
use crate::external::External;

pub(super) fn references(s: &SgSync, region: Option<&str>) -> Vec<External> {
    let Some(r) = region.and_then(|r| s.regions.get(r)) else { return Vec::new() };
    let mut out = Vec::new();
    match (&r.security_group.existing, &r.security_group.create) {
        (Some(id), _) => out.push(External::SecurityGroup { id: id.clone() }),
        (None, Some(create)) => out.push(External::Vpc { id: create.vpc.clone() }),
        (None, None) => {}
    }
    out.push(External::AutoScalingGroup { name: r.auto_scaling_group.clone() });
    out
}
