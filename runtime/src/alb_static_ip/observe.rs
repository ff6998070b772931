//! Reads the world: the ALB's addresses, a target group's targets, the sync state.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use aws_sdk_ec2::types::Filter;

use super::plan::{Observed, Target};
use super::{Config, DISCOVERY_BUDGET, Discovery, Group, dns, state};
use crate::error::aws;
use crate::{Clients, HandlerError};

/// The description AWS gives an ALB's network interfaces: `ELB app/<name>/<id>`.
pub fn interface_description(alb_arn: &str) -> Option<String> {
    let (_, rest) = alb_arn.split_once(":loadbalancer/")?;
    rest.starts_with("app/").then(|| format!("ELB {rest}"))
}

/// The ALB's IPv4 addresses and the number of DNS queries (or API pages) it took.
pub async fn discover(
    clients: &Clients,
    discovery: &Discovery,
) -> Result<(BTreeSet<Ipv4Addr>, usize), HandlerError> {
    match discovery {
        Discovery::Dns { name, settings } => {
            let found = tokio::time::timeout(DISCOVERY_BUDGET, dns::discover(name, settings))
                .await
                .map_err(|_| {
                    HandlerError::Discovery(format!(
                        "DNS discovery of '{name}' took longer than {DISCOVERY_BUDGET:?}"
                    ))
                })?
                .map_err(|e| HandlerError::Discovery(e.to_string()))?;
            Ok((found.addresses, found.queries))
        }
        Discovery::NetworkInterfaces { description } => {
            let mut pages = clients
                .ec2
                .describe_network_interfaces()
                .filters(Filter::builder().name("description").values(description).build())
                .into_paginator()
                .send();
            let mut found = BTreeSet::new();
            let mut calls = 0;
            while let Some(page) = pages.next().await {
                calls += 1;
                let page = page.map_err(|e| aws("DescribeNetworkInterfaces", &e))?;
                for eni in page.network_interfaces() {
                    for addr in eni.private_ip_addresses() {
                        if let Some(ip) = addr.private_ip_address().and_then(|a| a.parse().ok()) {
                            found.insert(ip);
                        }
                    }
                }
            }
            Ok((found, calls))
        }
    }
}

/// A target group's world as the planner sees it, plus the state version for the conditional write.
#[derive(Debug, Clone)]
pub struct GroupObservation {
    pub world: Observed,
    pub version: Option<u64>,
}

pub async fn group(
    clients: &Clients,
    config: &Config,
    group: &Group,
    discovered: &BTreeSet<Ipv4Addr>,
) -> Result<GroupObservation, HandlerError> {
    // DescribeTargetHealth returns every target of the group in one response (no pagination).
    let health = clients
        .elbv2
        .describe_target_health()
        .target_group_arn(&group.arn)
        .send()
        .await
        .map_err(|e| aws("DescribeTargetHealth", &e))?;
    let registered: BTreeSet<Target> = health
        .target_health_descriptions()
        .iter()
        // A draining target is on its way out: it is no longer registered (and one the ALB still
        // has is registered again, which ends the draining).
        .filter(|d| {
            d.target_health().and_then(|h| h.state())
                != Some(&aws_sdk_elasticloadbalancingv2::types::TargetHealthStateEnum::Draining)
        })
        .filter_map(|d| d.target())
        .filter_map(|t| {
            let ip = t.id()?.parse().ok()?;
            let port = u16::try_from(t.port()?).ok()?;
            Some(Target { ip, port })
        })
        .collect();
    let (state, version) = state::get(clients, &config.table, &state::key(group, &config.alb_arn)).await?;
    Ok(GroupObservation { world: Observed { discovered: discovered.clone(), registered, state }, version })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_description_follows_the_alb_arn() {
        assert_eq!(
            interface_description(
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
            )
            .as_deref(),
            Some("ELB app/web/50dc6c495c0c9188")
        );
        assert_eq!(
            interface_description("arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/net/x/y"),
            None
        );
    }
}
