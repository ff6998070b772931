//! What a fargate-mirror blueprint names outside its stack: the ECS clusters, and the mirror
//! target's Network Load Balancer when it is one. (A Gateway Load Balancer endpoint or interface
//! target has no local stand-in: the emulator refuses one that does not exist, as AWS does.)

use super::FargateMirror;
use crate::external::External;

pub(super) fn references(s: &FargateMirror) -> Vec<External> {
    let mut out: Vec<External> =
        s.clusters.iter().map(|arn| External::EcsCluster { arn: arn.clone() }).collect();
    if let Some(arn) = &s.target.network_load_balancer_arn {
        out.push(External::NetworkLoadBalancer { arn: arn.clone() });
    }
    out
}
