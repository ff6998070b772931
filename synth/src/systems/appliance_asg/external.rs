//! What an appliance-asg blueprint names outside its stack: the VPC and every subnet, each once.

use super::ApplianceAsg;
use crate::external::External;

pub(super) fn references(a: &ApplianceAsg) -> Vec<External> {
    let mut out = vec![External::Vpc { id: a.vpc_id.clone() }];
    let lists = std::iter::once(&a.boot_interface.subnets).chain(a.interfaces.iter().map(|i| &i.subnets));
    let mut index = 0;
    for list in lists {
        for id in list {
            if !out.iter().any(|e| matches!(e, External::Subnet { id: s, .. } if s == id)) {
                out.push(External::Subnet { id: id.clone(), vpc_id: a.vpc_id.clone(), index });
                index += 1;
            }
        }
    }
    out
}
