//! What a fargate-mirror blueprint names outside its stack: the ECS clusters. (The mirror target's
//! load balancer, endpoint or interface is named only in the target resource, which the local
//! emulator accepts without a stand-in.)

use super::FargateMirror;
use crate::external::External;

pub(super) fn references(s: &FargateMirror) -> Vec<External> {
    s.clusters.iter().map(|arn| External::EcsCluster { arn: arn.clone() }).collect()
}
