//! Reading the world: the prefix list, the state table, the group and its instances; every list
//! paginated.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_ec2::types::Filter;
use contract::sg_sync::sync::{ADDRESSES_ATTRIBUTE, STATE_KEY_ATTRIBUTE, VERSION_ATTRIBUTE};

use super::plan::{Addresses, Instance, Item, Member, PrefixList};
use super::{Clients, Config};
use crate::HandlerError;
use crate::error::aws;

/// EC2 takes at most this many values per filter.
const FILTER_VALUES: usize = 200;

/// The prefix list's version, capacity and entries at that version. `Ok(None)`: a modify is in
/// progress (the caller retries).
pub async fn prefix_list(clients: &Clients, config: &Config) -> Result<Option<PrefixList>, HandlerError> {
    let out = clients
        .ec2
        .describe_managed_prefix_lists()
        .prefix_list_ids(&config.prefix_list)
        .send()
        .await
        .map_err(|e| aws("DescribeManagedPrefixLists", &e))?;
    let pl = out
        .prefix_lists()
        .iter()
        .find(|p| p.prefix_list_id() == Some(config.prefix_list.as_str()))
        .ok_or_else(|| HandlerError::Aws {
            operation: "DescribeManagedPrefixLists",
            message: format!("prefix list '{}' does not exist", config.prefix_list),
        })?;
    if pl.state().is_some_and(|s| s.as_str().ends_with("-in-progress")) {
        return Ok(None);
    }
    let version = pl.version().unwrap_or_default();
    let max_entries = usize::try_from(pl.max_entries().unwrap_or_default()).unwrap_or_default();
    let mut entries = BTreeMap::new();
    let mut pages = clients
        .ec2
        .get_managed_prefix_list_entries()
        .prefix_list_id(&config.prefix_list)
        .target_version(version)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws("GetManagedPrefixListEntries", &e))?;
        for e in page.entries() {
            if let Some(cidr) = e.cidr() {
                entries.insert(cidr.to_owned(), e.description().map(str::to_owned));
            }
        }
    }
    Ok(Some(PrefixList { version, max_entries, entries }))
}

/// Every item of the region's table (its own and the peers' copies), read consistently.
pub async fn items(clients: &Clients, config: &Config) -> Result<Vec<Item>, HandlerError> {
    let mut out = Vec::new();
    let mut pages =
        clients.dynamodb.scan().table_name(&config.table).consistent_read(true).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws("Scan", &e))?;
        for item in page.items() {
            out.push(parse_item(|name| item.get(name))?);
        }
    }
    Ok(out)
}

/// Reads an item through `get` (attribute by name).
fn parse_item<'a>(get: impl Fn(&str) -> Option<&'a AttributeValue>) -> Result<Item, HandlerError> {
    let corrupt = |what: &str| {
        HandlerError::CorruptState(format!(
            "state item {:?}: {what}; expected '{STATE_KEY_ATTRIBUTE}' (S), '{VERSION_ATTRIBUTE}' (N) and '{ADDRESSES_ATTRIBUTE}' (M of S)",
            get(STATE_KEY_ATTRIBUTE)
        ))
    };
    let region =
        get(STATE_KEY_ATTRIBUTE).and_then(|v| v.as_s().ok()).ok_or_else(|| corrupt("no region"))?.clone();
    let version = get(VERSION_ATTRIBUTE)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| corrupt("no version"))?;
    let mut addresses = Addresses::new();
    let map = get(ADDRESSES_ATTRIBUTE).and_then(|v| v.as_m().ok()).ok_or_else(|| corrupt("no addresses"))?;
    for (cidr, instance) in map {
        let instance = instance.as_s().map_err(|_| corrupt("an address without its instance"))?;
        addresses.insert(cidr.clone(), instance.clone());
    }
    Ok(Item { region, version, addresses })
}

/// The group's members (one DescribeAutoScalingGroups).
pub async fn members(clients: &Clients, config: &Config) -> Result<Vec<Member>, HandlerError> {
    let out = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(&config.group)
        .send()
        .await
        .map_err(|e| aws("DescribeAutoScalingGroups", &e))?;
    let group = out
        .auto_scaling_groups()
        .iter()
        .find(|g| g.auto_scaling_group_name() == Some(config.group.as_str()))
        .ok_or_else(|| HandlerError::Aws {
            operation: "DescribeAutoScalingGroups",
            message: format!("Auto Scaling group '{}' does not exist", config.group),
        })?;
    Ok(group
        .instances()
        .iter()
        .filter_map(|i| {
            Some(Member {
                id: i.instance_id()?.to_owned(),
                lifecycle_state: i.lifecycle_state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            })
        })
        .collect())
}

/// The members' instances, by a filter on their ids (unlike `InstanceIds`, a filter does not fail
/// for an instance that vanished in between: it is simply absent). One paginated call per 200.
pub async fn instances(clients: &Clients, members: &[Member]) -> Result<Vec<Instance>, HandlerError> {
    let ids: Vec<String> = members.iter().map(|m| m.id.clone()).collect();
    let mut out = Vec::new();
    for chunk in ids.chunks(FILTER_VALUES) {
        let mut pages = clients
            .ec2
            .describe_instances()
            .filters(Filter::builder().name("instance-id").set_values(Some(chunk.to_vec())).build())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws("DescribeInstances", &e))?;
            for i in page.reservations().iter().flat_map(|r| r.instances()) {
                out.push(Instance {
                    id: i.instance_id().unwrap_or_default().to_owned(),
                    state: i
                        .state()
                        .and_then(|s| s.name())
                        .map(|n| n.as_str().to_owned())
                        .unwrap_or_default(),
                    public_ip: i.public_ip_address().map(str::to_owned),
                    private_ip: i.private_ip_address().map(str::to_owned),
                });
            }
        }
    }
    Ok(out)
}
