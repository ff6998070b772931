//! The appliance cluster's state in DynamoDB, one table keyed by `pk`:
//!
//! - `instance#<id>`: a member (`joined_ms`, `leaving`, `licence`, `configured_for`: the primary
//!   its appliance configuration was last pushed for);
//! - `primary`: the primary's `instance_id`;
//! - `licence#<name>`: a licence leased to `instance_id`;
//! - `address#<allocation id>`: a user's Elastic IP leased to `instance_id` until `expires_ms`, while
//!   its launch associates it (two launches never pick the same free address);
//! - `lease#<instance>`: the work on one instance ([`Lease`]).
//!
//! Every write is conditional, so concurrent lifecycle events cannot race: the first launch to
//! write `primary` wins and every other sees it; members are separate items (no shared list to lose
//! an update in); a licence item exists once. Every operation can run again for the same event and
//! leaves the same state (redelivery).

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::plan::{self, LicenceChoice, Member};
use crate::error::aws;
use crate::{Clients, HandlerError};

/// The table's partition key attribute.
pub const KEY: &str = contract::appliance_asg::lifecycle::STATE_KEY_ATTRIBUTE;
const PRIMARY: &str = "primary";
/// Attempts at a re-election before giving up to Lambda's retry.
const HAND_OVER_ATTEMPTS: usize = 5;

/// This instance's role after [`elect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Primary,
    Secondary { primary: String },
}

fn member_key(instance_id: &str) -> String {
    format!("instance#{instance_id}")
}

fn licence_key(name: &str) -> String {
    format!("licence#{name}")
}

fn address_key(allocation_id: &str) -> String {
    format!("address#{allocation_id}")
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn condition_failed<E, R>(e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    e.as_service_error().and_then(|s| s.code()) == Some("ConditionalCheckFailedException")
}

/// Adds `instance_id` to the cluster; a member already there keeps its original join time. A
/// launch that runs again for a member marked leaving (its earlier undo stopped half way) clears
/// the mark: the instance is launching, and a member marked leaving is never elected.
pub async fn join(
    clients: &Clients,
    table: &str,
    instance_id: &str,
    joined_ms: u64,
) -> Result<Member, HandlerError> {
    let out = clients
        .dynamodb
        .update_item()
        .table_name(table)
        .key(KEY, s(&member_key(instance_id)))
        .update_expression("SET instance_id = :i, joined_ms = if_not_exists(joined_ms, :j), leaving = :f")
        .condition_expression("attribute_not_exists(#k) OR instance_id = :i")
        .expression_attribute_names("#k", KEY)
        .expression_attribute_values(":i", s(instance_id))
        .expression_attribute_values(":j", AttributeValue::N(joined_ms.to_string()))
        .expression_attribute_values(":f", AttributeValue::Bool(false))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
        .send()
        .await
        .map_err(|e| aws("UpdateItem", &e))?;
    match out.attributes() {
        Some(attributes) => parse_member(&item(attributes)),
        None => Ok(Member {
            instance_id: instance_id.to_owned(),
            joined_ms,
            leaving: false,
            configured_for: None,
        }),
    }
}

/// One member, if present.
pub async fn member(
    clients: &Clients,
    table: &str,
    instance_id: &str,
) -> Result<Option<Member>, HandlerError> {
    let out = clients
        .dynamodb
        .get_item()
        .table_name(table)
        .key(KEY, s(&member_key(instance_id)))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| aws("GetItem", &e))?;
    out.item().map(|i| parse_member(&item(i))).transpose()
}

/// An item, in a deterministic map (the SDK hands out hash maps).
type Item = BTreeMap<String, AttributeValue>;

fn item<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a AttributeValue)>) -> Item {
    pairs.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn parse_member(item: &Item) -> Result<Member, HandlerError> {
    let key = item.get(KEY).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
    let bad = |what: &str| HandlerError::CorruptState(format!("member item '{key}': {what}"));
    Ok(Member {
        instance_id: item
            .get("instance_id")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .ok_or_else(|| bad("no 'instance_id'"))?,
        joined_ms: item
            .get("joined_ms")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| bad("no numeric 'joined_ms'"))?,
        leaving: item.get("leaving").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
        configured_for: item.get("configured_for").and_then(|v| v.as_s().ok()).cloned(),
    })
}

/// Records that `instance_id`'s appliance was configured for `primary`. A member that left in the
/// meantime is not re-created.
pub async fn configured(
    clients: &Clients,
    table: &str,
    instance_id: &str,
    primary: &str,
) -> Result<(), HandlerError> {
    let update = clients
        .dynamodb
        .update_item()
        .table_name(table)
        .key(KEY, s(&member_key(instance_id)))
        .update_expression("SET configured_for = :p")
        .condition_expression("attribute_exists(#k)")
        .expression_attribute_names("#k", KEY)
        .expression_attribute_values(":p", s(primary))
        .send()
        .await;
    match update {
        Ok(_) => Ok(()),
        Err(e) if condition_failed(&e) => Ok(()),
        Err(e) => Err(aws("UpdateItem", &e)),
    }
}

/// Every item whose key starts with `prefix` (a consistent, paginated scan: the table holds one
/// item per instance and licence, so it stays small).
async fn scan(clients: &Clients, table: &str, prefix: &str) -> Result<Vec<Item>, HandlerError> {
    let mut items = Vec::new();
    let mut pages = clients
        .dynamodb
        .scan()
        .table_name(table)
        .consistent_read(true)
        .filter_expression("begins_with(#k, :p)")
        .expression_attribute_names("#k", KEY)
        .expression_attribute_values(":p", s(prefix))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        items.extend(page.map_err(|e| aws("Scan", &e))?.items().iter().map(item));
    }
    Ok(items)
}

/// Every member, sorted by instance ID.
pub async fn members(clients: &Clients, table: &str) -> Result<Vec<Member>, HandlerError> {
    let mut out =
        scan(clients, table, "instance#").await?.iter().map(parse_member).collect::<Result<Vec<_>, _>>()?;
    out.sort_by(|a, b| a.instance_id.cmp(&b.instance_id));
    Ok(out)
}

/// Marks a member as leaving, so it is never elected again. Not a member: nothing to do.
pub async fn mark_leaving(clients: &Clients, table: &str, instance_id: &str) -> Result<(), HandlerError> {
    let out = clients
        .dynamodb
        .update_item()
        .table_name(table)
        .key(KEY, s(&member_key(instance_id)))
        .update_expression("SET leaving = :t")
        .condition_expression("attribute_exists(#k)")
        .expression_attribute_names("#k", KEY)
        .expression_attribute_values(":t", AttributeValue::Bool(true))
        .send()
        .await;
    match out {
        Ok(_) => Ok(()),
        Err(e) if condition_failed(&e) => Ok(()),
        Err(e) => Err(aws("UpdateItem", &e)),
    }
}

/// Removes a member (after its licence is released and the primary handed over).
pub async fn leave(clients: &Clients, table: &str, instance_id: &str) -> Result<(), HandlerError> {
    clients
        .dynamodb
        .delete_item()
        .table_name(table)
        .key(KEY, s(&member_key(instance_id)))
        .send()
        .await
        .map_err(|e| aws("DeleteItem", &e))?;
    Ok(())
}

/// The primary's instance ID, if there is one.
pub async fn primary(clients: &Clients, table: &str) -> Result<Option<String>, HandlerError> {
    let out = clients
        .dynamodb
        .get_item()
        .table_name(table)
        .key(KEY, s(PRIMARY))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| aws("GetItem", &e))?;
    Ok(out.item().and_then(|i| i.get("instance_id")).and_then(|v| v.as_s().ok()).cloned())
}

/// Makes `instance_id` the primary if there is none. Of any number of concurrent callers exactly
/// one becomes primary; the others, and the winner asking again, learn who it is.
pub async fn elect(clients: &Clients, table: &str, instance_id: &str) -> Result<Role, HandlerError> {
    let put = clients
        .dynamodb
        .put_item()
        .table_name(table)
        .item(KEY, s(PRIMARY))
        .item("instance_id", s(instance_id))
        // A `primary` item without an instance id names nobody: it is replaced, never obeyed.
        .condition_expression("attribute_not_exists(#k) OR attribute_not_exists(instance_id)")
        .expression_attribute_names("#k", KEY)
        .send()
        .await;
    match put {
        Ok(_) => Ok(Role::Primary),
        Err(e) if condition_failed(&e) => match primary(clients, table).await? {
            Some(p) if p == instance_id => Ok(Role::Primary),
            Some(p) => Ok(Role::Secondary { primary: p }),
            // The primary left between the write and the read: try again through Lambda's retry.
            None => Err(HandlerError::ConcurrentUpdate("the primary changed during the election".to_owned())),
        },
        Err(e) => Err(aws("PutItem", &e)),
    }
}

/// If `leaving` is the primary, hands the role to [`plan::successor`] among the members
/// `in_service` (or leaves the cluster
/// without a primary when nobody stays). Returns the primary afterwards. Each step is conditional
/// on the primary still being `leaving`, so concurrent hand-overs agree.
pub async fn hand_over(
    clients: &Clients,
    table: &str,
    leaving: &str,
    in_service: &std::collections::BTreeSet<String>,
) -> Result<Option<String>, HandlerError> {
    for _ in 0..HAND_OVER_ATTEMPTS {
        let current = primary(clients, table).await?;
        if current.as_deref() != Some(leaving) {
            return Ok(current);
        }
        let members = members(clients, table).await?;
        let next = plan::successor(&members, leaving, in_service).map(|m| m.instance_id.clone());
        let result = match &next {
            Some(next) => clients
                .dynamodb
                .put_item()
                .table_name(table)
                .item(KEY, s(PRIMARY))
                .item("instance_id", s(next))
                .condition_expression("instance_id = :leaving")
                .expression_attribute_values(":leaving", s(leaving))
                .send()
                .await
                .map(drop)
                .map_err(|e| (condition_failed(&e), aws("PutItem", &e))),
            None => clients
                .dynamodb
                .delete_item()
                .table_name(table)
                .key(KEY, s(PRIMARY))
                .condition_expression("instance_id = :leaving")
                .expression_attribute_values(":leaving", s(leaving))
                .send()
                .await
                .map(drop)
                .map_err(|e| (condition_failed(&e), aws("DeleteItem", &e))),
        };
        match result {
            Ok(()) => return Ok(next),
            Err((true, _)) => {} // someone else moved the primary: look again
            Err((false, e)) => return Err(e),
        }
    }
    Err(HandlerError::ConcurrentUpdate(format!("the primary kept changing while '{leaving}' handed over")))
}

/// Every lease: licence name -> holder.
pub async fn leases(clients: &Clients, table: &str) -> Result<BTreeMap<String, String>, HandlerError> {
    let mut out = BTreeMap::new();
    for item in scan(clients, table, "licence#").await? {
        let key = item.get(KEY).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        let holder = item
            .get("instance_id")
            .and_then(|v| v.as_s().ok())
            .ok_or_else(|| HandlerError::CorruptState(format!("lease item '{key}': no 'instance_id'")))?;
        out.insert(key.trim_start_matches("licence#").to_owned(), holder.clone());
    }
    Ok(out)
}

/// Leases a licence from `pool` to `instance_id` (the one it holds already, on redelivery).
/// An exhausted pool is an error (`LicencePoolEmpty`), never a silent skip.
pub async fn lease_licence(
    clients: &Clients,
    table: &str,
    instance_id: &str,
    pool: &[String],
) -> Result<String, HandlerError> {
    let current = leases(clients, table).await?;
    let candidates = match plan::choose_licence(pool, &current, instance_id) {
        LicenceChoice::Held(name) => return Ok(name),
        LicenceChoice::PoolEmpty { total } => {
            return Err(HandlerError::LicencePoolEmpty(format!(
                "all {total} licences are leased; add licences to the pool or scale in"
            )));
        }
        LicenceChoice::Try(names) => names,
    };
    for name in candidates {
        let put = clients
            .dynamodb
            .put_item()
            .table_name(table)
            .item(KEY, s(&licence_key(&name)))
            .item("instance_id", s(instance_id))
            .condition_expression("attribute_not_exists(#k) OR instance_id = :me")
            .expression_attribute_names("#k", KEY)
            .expression_attribute_values(":me", s(instance_id))
            .send()
            .await;
        match put {
            Ok(_) => return Ok(name),
            Err(e) if condition_failed(&e) => {} // leased by a concurrent launch: try the next one
            Err(e) => return Err(aws("PutItem", &e)),
        }
    }
    Err(HandlerError::LicencePoolEmpty(format!(
        "all {} licences were leased by concurrent launches; retrying may find one returned",
        pool.len()
    )))
}

/// Returns every licence `instance_id` holds to the pool; returns their names.
pub async fn release_licences(
    clients: &Clients,
    table: &str,
    instance_id: &str,
) -> Result<Vec<String>, HandlerError> {
    let mut released = Vec::new();
    for (name, holder) in leases(clients, table).await? {
        if holder != instance_id {
            continue;
        }
        let out = clients
            .dynamodb
            .delete_item()
            .table_name(table)
            .key(KEY, s(&licence_key(&name)))
            .condition_expression("instance_id = :me")
            .expression_attribute_values(":me", s(instance_id))
            .send()
            .await;
        match out {
            Ok(_) => released.push(name),
            Err(e) if condition_failed(&e) => {} // already returned (redelivery)
            Err(e) => return Err(aws("DeleteItem", &e)),
        }
    }
    Ok(released)
}

/// Leases the user's Elastic IP `allocation_id` to `instance_id` until `deadline` (a redelivered
/// launch takes its own lease again); `false` while another instance holds an unexpired lease on
/// it. EC2 has no conditional association: without this, two launches that both saw the address
/// free would both associate it.
pub async fn lease_address(
    clients: &Clients,
    table: &str,
    allocation_id: &str,
    instance_id: &str,
    deadline: Option<std::time::SystemTime>,
) -> Result<bool, HandlerError> {
    let now = std::time::SystemTime::now();
    let expires = deadline.unwrap_or(now + LEASE_WITHOUT_DEADLINE);
    let put = clients
        .dynamodb
        .put_item()
        .table_name(table)
        .item(KEY, s(&address_key(allocation_id)))
        .item("instance_id", s(instance_id))
        .item("expires_ms", AttributeValue::N(epoch_ms(expires).to_string()))
        .condition_expression("attribute_not_exists(#k) OR instance_id = :me OR expires_ms < :now")
        .expression_attribute_names("#k", KEY)
        .expression_attribute_values(":me", s(instance_id))
        .expression_attribute_values(":now", AttributeValue::N(epoch_ms(now).to_string()))
        .send()
        .await;
    match put {
        Ok(_) => Ok(true),
        Err(e) if condition_failed(&e) => Ok(false),
        Err(e) => Err(aws("PutItem", &e)),
    }
}

/// Gives back the address leases `instance_id` holds among `allocation_ids` (an undo: the
/// addresses are free again for the next launch, not only when the leases expire).
pub async fn release_addresses(
    clients: &Clients,
    table: &str,
    instance_id: &str,
    allocation_ids: &[String],
) -> Result<(), HandlerError> {
    for allocation_id in allocation_ids {
        let out = clients
            .dynamodb
            .delete_item()
            .table_name(table)
            .key(KEY, s(&address_key(allocation_id)))
            .condition_expression("instance_id = :me")
            .expression_attribute_values(":me", s(instance_id))
            .send()
            .await;
        match out {
            Ok(_) => {}
            Err(e) if condition_failed(&e) => {} // not ours, or gone already
            Err(e) => return Err(aws("DeleteItem", &e)),
        }
    }
    Ok(())
}

/// A lease on the work for one instance (`lease#<instance>`): while one invocation holds it, a copy
/// of the same lifecycle action delivered concurrently is a no-op. It expires at the holder's
/// deadline, so a holder that died never blocks the retry.
#[derive(Debug)]
pub struct Lease {
    table: String,
    key: String,
    holder: String,
}

/// How long a lease lasts when the invocation has no deadline: Lambda's longest timeout.
const LEASE_WITHOUT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

fn epoch_ms(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A token no other invocation uses (process, time, sequence).
fn holder_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{}-{nanos}-{}", std::process::id(), SEQUENCE.fetch_add(1, Ordering::Relaxed))
}

impl Lease {
    /// Takes the lease on `instance_id`'s work until `deadline`; `None` while another invocation
    /// holds an unexpired one.
    pub async fn take(
        clients: &Clients,
        table: &str,
        instance_id: &str,
        deadline: Option<std::time::SystemTime>,
    ) -> Result<Option<Lease>, HandlerError> {
        let now = std::time::SystemTime::now();
        let expires = deadline.unwrap_or(now + LEASE_WITHOUT_DEADLINE);
        let lease =
            Lease { table: table.to_owned(), key: format!("lease#{instance_id}"), holder: holder_token() };
        let put = clients
            .dynamodb
            .put_item()
            .table_name(table)
            .item(KEY, s(&lease.key))
            .item("holder", s(&lease.holder))
            .item("expires_ms", AttributeValue::N(epoch_ms(expires).to_string()))
            .condition_expression("attribute_not_exists(#k) OR expires_ms < :now")
            .expression_attribute_names("#k", KEY)
            .expression_attribute_values(":now", AttributeValue::N(epoch_ms(now).to_string()))
            .send()
            .await;
        match put {
            Ok(_) => Ok(Some(lease)),
            Err(e) if condition_failed(&e) => Ok(None),
            Err(e) => Err(aws("PutItem", &e)),
        }
    }

    /// Gives the lease back (unless it expired and another invocation took it since).
    pub async fn release(self, clients: &Clients) -> Result<(), HandlerError> {
        let out = clients
            .dynamodb
            .delete_item()
            .table_name(&self.table)
            .key(KEY, s(&self.key))
            .condition_expression("holder = :me")
            .expression_attribute_values(":me", s(&self.holder))
            .send()
            .await;
        match out {
            Ok(_) => Ok(()),
            Err(e) if condition_failed(&e) => Ok(()),
            Err(e) => Err(aws("DeleteItem", &e)),
        }
    }
}
