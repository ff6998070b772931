//! Carrying out a plan: the own item (version-conditioned), the prefix list (`CurrentVersion`), the
//! lifecycle action, and the copies to the peers' tables (only ever replacing an older copy).

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{AddPrefixListEntry, RemovePrefixListEntry};
use contract::sg_sync::sync::{ADDRESSES_ATTRIBUTE, STATE_KEY_ATTRIBUTE, VERSION_ATTRIBUTE};

use super::event::Action;
use super::plan::{self, Addresses, Write};
use super::{Clients, Config};
use crate::HandlerError;
use crate::error::aws;

/// Why applying stopped.
#[derive(Debug)]
pub enum Stopped {
    /// Another run changed the item or the list since it was read: observe again.
    Conflict(String),
    Failed(HandlerError),
}

impl From<HandlerError> for Stopped {
    fn from(e: HandlerError) -> Stopped {
        Stopped::Failed(e)
    }
}

/// The item's attributes: key, version, addresses.
fn attributes(region: &str, version: u64, addresses: &Addresses) -> [(&'static str, AttributeValue); 3] {
    [
        (STATE_KEY_ATTRIBUTE, AttributeValue::S(region.to_owned())),
        (VERSION_ATTRIBUTE, AttributeValue::N(version.to_string())),
        (
            ADDRESSES_ATTRIBUTE,
            AttributeValue::M(
                addresses.iter().map(|(c, i)| (c.clone(), AttributeValue::S(i.clone()))).collect(),
            ),
        ),
    ]
}

/// Writes the own item if it still has the version the plan read (or still does not exist).
pub async fn write_own(clients: &Clients, config: &Config, w: &Write) -> Result<(), Stopped> {
    let mut req = clients.dynamodb.put_item().table_name(&config.table);
    for (name, value) in attributes(&config.region, w.version, &w.addresses) {
        req = req.item(name, value);
    }
    req = match w.expected {
        Some(v) => req
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", VERSION_ATTRIBUTE)
            .expression_attribute_values(":expected", AttributeValue::N(v.to_string())),
        None => req
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", STATE_KEY_ATTRIBUTE),
    };
    match req.send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
            Err(Stopped::Conflict(format!(
                "state item of '{}' changed since version {:?}",
                config.region, w.expected
            )))
        }
        Err(e) => Err(Stopped::Failed(aws("PutItem", &e))),
    }
}

/// Changes the prefix list from `version`, request by request; each request names the version it
/// expects, so a concurrent writer's change is never overwritten.
pub async fn modify_prefix_list(
    clients: &Clients,
    config: &Config,
    version: i64,
    change: &plan::PrefixListChange,
) -> Result<(), Stopped> {
    let mut version = version;
    for r in plan::requests(change) {
        let mut req = clients
            .ec2
            .modify_managed_prefix_list()
            .prefix_list_id(&config.prefix_list)
            .current_version(version);
        for cidr in &r.remove {
            req = req.remove_entries(RemovePrefixListEntry::builder().cidr(cidr).build());
        }
        for (cidr, description) in &r.add {
            req = req.add_entries(AddPrefixListEntry::builder().cidr(cidr).description(description).build());
        }
        match req.send().await {
            Ok(_) => version += 1,
            Err(e) if matches!(e.code(), Some("PrefixListVersionMismatch" | "IncorrectState")) => {
                return Err(Stopped::Conflict(format!(
                    "prefix list '{}' changed since version {version} ({})",
                    config.prefix_list,
                    e.code().unwrap_or_default()
                )));
            }
            Err(e) => return Err(Stopped::Failed(aws("ModifyManagedPrefixList", &e))),
        }
    }
    Ok(())
}

/// Completes the action with CONTINUE; `false` when it was no longer pending (a redelivered event,
/// or its heartbeat ran out), which is not an error.
pub async fn complete(clients: &Clients, config: &Config, action: &Action) -> Result<bool, HandlerError> {
    let out = clients
        .autoscaling
        .complete_lifecycle_action()
        .auto_scaling_group_name(&config.group)
        .lifecycle_hook_name(&action.hook)
        .lifecycle_action_token(&action.token)
        .instance_id(&action.instance_id)
        .lifecycle_action_result("CONTINUE")
        .send()
        .await;
    match out {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error().is_some_and(|s| {
                s.code() == Some("ValidationError")
                    && s.message().is_some_and(|m| m.contains("No active Lifecycle Action"))
            }) =>
        {
            Ok(false)
        }
        Err(e) => Err(aws("CompleteLifecycleAction", &e)),
    }
}

/// Copies the own item to a peer's table unless the peer holds this version or a newer one.
/// `Ok(false)`: it did (a duplicate, or an older run), nothing written.
pub async fn copy_to_peer(
    peer: &aws_sdk_dynamodb::Client,
    table: &str,
    region: &str,
    version: u64,
    addresses: &Addresses,
) -> Result<bool, HandlerError> {
    let mut req = peer.put_item().table_name(table);
    for (name, value) in attributes(region, version, addresses) {
        req = req.item(name, value);
    }
    let out = req
        .condition_expression("attribute_not_exists(#v) OR #v < :v")
        .expression_attribute_names("#v", VERSION_ATTRIBUTE)
        .expression_attribute_values(":v", AttributeValue::N(version.to_string()))
        .send()
        .await;
    match out {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
            Ok(false)
        }
        Err(e) => Err(aws("PutItem", &e)),
    }
}
