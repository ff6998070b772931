//! The stop budget: how many tasks may be stopped per service (or task group) and clock hour.
//!
//! One item per (cluster, group, hour) holding the set of tasks stopped; taking from the budget is
//! one conditional update (never a read): it adds the task if the set is smaller than the budget
//! or already holds the task, so a redelivered event for the same task takes nothing twice.

use aws_sdk_dynamodb::types::AttributeValue;
use contract::fargate_mirror::mirror::{STATE_KEY_ATTRIBUTE as KEY, STATE_TTL_ATTRIBUTE as TTL};

use super::Clients;
use crate::HandlerError;
use crate::error::aws;

/// The item key of a group's budget for the hour starting at `hour_start` (epoch seconds).
pub fn key(cluster: &str, group: &str, hour_start: u64) -> String {
    format!("stops|{cluster}|{group}|{hour_start}")
}

/// Takes one stop for `task`; `false` when the budget is spent.
pub async fn take(
    clients: &Clients,
    table: &str,
    key: &str,
    task: &str,
    budget: u32,
    hour_start: u64,
) -> Result<bool, HandlerError> {
    let result = clients
        .dynamodb
        .update_item()
        .table_name(table)
        .key(KEY, AttributeValue::S(key.to_owned()))
        .update_expression("ADD tasks :task SET #ttl = :expires")
        .condition_expression("attribute_not_exists(tasks) OR size(tasks) < :budget OR contains(tasks, :id)")
        .expression_attribute_names("#ttl", TTL)
        .expression_attribute_values(":task", AttributeValue::Ss(vec![task.to_owned()]))
        .expression_attribute_values(":id", AttributeValue::S(task.to_owned()))
        .expression_attribute_values(":budget", AttributeValue::N(budget.to_string()))
        // Kept a day after its hour, for the record.
        .expression_attribute_values(":expires", AttributeValue::N((hour_start + 25 * 3600).to_string()))
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
            Ok(false)
        }
        Err(e) => Err(aws("UpdateItem", &e)),
    }
}
