//! Sync state in DynamoDB: which targets the function registered, and their consecutive misses.
//!
//! One item per (target group, ALB, port). Every write is conditional on the version read, so two
//! runs that somehow overlap cannot both win: the loser fails and its retry re-plans from fresh state.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::Group;
use super::plan::State;
use crate::error::aws;
use crate::{Clients, HandlerError};

const KEY: &str = contract::alb_static_ip::sync::STATE_KEY_ATTRIBUTE;

/// The item key of a target group's state.
pub fn key(group: &Group, alb_arn: &str) -> String {
    format!("tg={}|alb={alb_arn}|port={}", group.arn, group.port)
}

/// The state and its version, or an empty state and `None` when the item does not exist yet.
pub async fn get(clients: &Clients, table: &str, key: &str) -> Result<(State, Option<u64>), HandlerError> {
    let out = clients
        .dynamodb
        .get_item()
        .table_name(table)
        .key(KEY, AttributeValue::S(key.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| aws("GetItem", &e))?;
    let Some(item) = out.item() else { return Ok((State::default(), None)) };
    let bad = |what: &str| HandlerError::CorruptState(format!("state item '{key}': {what}"));
    let version = item
        .get("version")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| bad("no numeric 'version'"))?;
    let mut owned = BTreeMap::new();
    if let Some(AttributeValue::M(m)) = item.get("owned") {
        for (ip, misses) in m {
            let ip = ip.parse().map_err(|_| bad(&format!("'{ip}' is not an IPv4 address")))?;
            let misses = misses
                .as_n()
                .ok()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| bad("miss count is not a number"))?;
            owned.insert(ip, misses);
        }
    }
    Ok((State { owned }, Some(version)))
}

/// Writes `state` if the stored version is still `version` (or the item still does not exist).
pub async fn put(
    clients: &Clients,
    table: &str,
    key: &str,
    state: &State,
    version: Option<u64>,
) -> Result<(), HandlerError> {
    let owned = AttributeValue::M(
        state.owned.iter().map(|(ip, m)| (ip.to_string(), AttributeValue::N(m.to_string()))).collect(),
    );
    let next = version.map_or(1, |v| v + 1);
    let mut req = clients
        .dynamodb
        .put_item()
        .table_name(table)
        .item(KEY, AttributeValue::S(key.to_owned()))
        .item("version", AttributeValue::N(next.to_string()))
        .item("owned", owned);
    req = match version {
        None => req.condition_expression(format!("attribute_not_exists({KEY})")),
        Some(v) => req
            .condition_expression("version = :v")
            .expression_attribute_values(":v", AttributeValue::N(v.to_string())),
    };
    match req.send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
            Err(HandlerError::ConcurrentUpdate(format!(
                "state '{key}' changed since it was read (version {version:?})"
            )))
        }
        Err(e) => Err(aws("PutItem", &e)),
    }
}
