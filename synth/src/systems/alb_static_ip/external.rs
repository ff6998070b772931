//! What an alb-static-ip blueprint names outside its stack: the VPC, the subnets and the ALB.

use super::AlbStaticIp;
use crate::external::External;

pub(super) fn references(s: &AlbStaticIp) -> Vec<External> {
    let mut out = vec![External::Vpc { id: s.vpc_id.clone() }];
    out.extend(s.load_balancer.subnets.iter().enumerate().map(|(index, id)| External::Subnet {
        id: id.clone(),
        vpc_id: s.vpc_id.clone(),
        index,
    }));
    out.push(External::ApplicationLoadBalancer {
        arn: s.alb.arn.clone(),
        vpc_id: s.vpc_id.clone(),
        subnets: s.load_balancer.subnets.clone(),
    });
    out
}
