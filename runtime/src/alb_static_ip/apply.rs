//! Applies a plan's target changes: one `RegisterTargets` and one `DeregisterTargets` call at most.
//!
//! Both calls are idempotent in ELB (registering a registered target or deregistering an absent one
//! changes nothing), so a retried run after a partial failure converges.

use std::net::Ipv4Addr;

use aws_sdk_elasticloadbalancingv2::types::TargetDescription;

use super::plan::Plan;
use super::{Config, Group};
use crate::error::aws;
use crate::{Clients, HandlerError};

fn descriptions(ips: &[Ipv4Addr], port: u16, cross_vpc: bool) -> Vec<TargetDescription> {
    ips.iter()
        .map(|ip| {
            let t = TargetDescription::builder().id(ip.to_string()).port(i32::from(port));
            // Addresses outside the target group's VPC must be registered in zone "all".
            let t = if cross_vpc { t.availability_zone("all") } else { t };
            t.build()
        })
        .collect()
}

pub async fn targets(
    clients: &Clients,
    config: &Config,
    group: &Group,
    plan: &Plan,
) -> Result<(), HandlerError> {
    if !plan.register.is_empty() {
        clients
            .elbv2
            .register_targets()
            .target_group_arn(&group.arn)
            .set_targets(Some(descriptions(&plan.register, group.port, config.cross_vpc)))
            .send()
            .await
            .map_err(|e| aws("RegisterTargets", &e))?;
    }
    if !plan.deregister.is_empty() {
        clients
            .elbv2
            .deregister_targets()
            .target_group_arn(&group.arn)
            .set_targets(Some(descriptions(&plan.deregister, group.port, config.cross_vpc)))
            .send()
            .await
            .map_err(|e| aws("DeregisterTargets", &e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_vpc_targets_are_registered_in_zone_all() {
        let ips = ["10.1.0.5".parse().unwrap()];
        let cross = descriptions(&ips, 443, true);
        assert_eq!(
            (cross[0].id(), cross[0].port(), cross[0].availability_zone()),
            (Some("10.1.0.5"), Some(443), Some("all"))
        );
        assert_eq!(descriptions(&ips, 443, false)[0].availability_zone(), None);
    }
}
