//! Resources a blueprint refers to but does not own: an existing VPC, subnets, load balancers.
//!
//! Deploying to AWS needs nothing from this list (they exist in the account). The local target
//! (`cargo xtask deploy --target local`) uses it to create stand-ins in the emulator, so a blueprint
//! written for a real account deploys unchanged.

use crate::blueprint::{Blueprint, System};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum External {
    Vpc {
        id: String,
    },
    /// `index` is the subnet's position in the blueprint (stand-ins spread them over zones with it).
    Subnet {
        id: String,
        vpc_id: String,
        index: usize,
    },
    /// An Application Load Balancer in `vpc_id`, with network interfaces in `subnets`.
    ApplicationLoadBalancer {
        arn: String,
        vpc_id: String,
        subnets: Vec<String>,
    },
}

/// What `blueprint` refers to outside its own stack, in the order stand-ins must be created.
pub fn references(blueprint: &Blueprint) -> Vec<External> {
    match &blueprint.system {
        System::PrivateLambda(_) => Vec::new(),
        System::AlbStaticIp(s) => {
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
        System::ApplianceAsg(a) => {
            let mut out = vec![External::Vpc { id: a.vpc_id.clone() }];
            let lists =
                std::iter::once(&a.boot_interface.subnets).chain(a.interfaces.iter().map(|i| &i.subnets));
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
    }
}
