//! Auto Scaling, EC2 and S3 calls around a lifecycle action: is it still waiting, keep it alive,
//! complete it, protect the primary, list the licence pool, tell whether an instance is gone.

use aws_sdk_autoscaling::error::ProvideErrorMetadata;

use super::{Action, Clients, Config};
use crate::HandlerError;
use crate::error::aws;

/// The state of an instance whose launch action waits for the function.
pub const PENDING_WAIT: &str = "Pending:Wait";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Result {
    Continue,
    Abandon,
}

/// Whether `instance_id` is in the group and in lifecycle state `state`.
pub async fn is_waiting(
    clients: &Clients,
    config: &Config,
    instance_id: &str,
    state: &str,
) -> std::result::Result<bool, HandlerError> {
    let out = clients
        .autoscaling
        .describe_auto_scaling_instances()
        .instance_ids(instance_id)
        .send()
        .await
        .map_err(|e| aws("DescribeAutoScalingInstances", &e))?;
    Ok(out.auto_scaling_instances().iter().any(|i| {
        i.instance_id() == Some(instance_id)
            && i.auto_scaling_group_name() == Some(config.asg_name.as_str())
            && i.lifecycle_state() == Some(state)
    }))
}

/// Whether an error says the action is no longer pending (completed already, or timed out).
fn no_active_action<E: ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("ValidationError")
        && e.message().is_some_and(|m| m.contains("No active Lifecycle Action"))
}

/// Completes the action. An action that is no longer pending counts as done (a redelivered event).
pub async fn complete(
    clients: &Clients,
    config: &Config,
    action: &Action,
    result: Result,
) -> std::result::Result<(), HandlerError> {
    let out = clients
        .autoscaling
        .complete_lifecycle_action()
        .auto_scaling_group_name(&config.asg_name)
        .lifecycle_hook_name(&action.hook)
        .lifecycle_action_token(&action.token)
        .instance_id(&action.instance_id)
        .lifecycle_action_result(match result {
            Result::Continue => "CONTINUE",
            Result::Abandon => "ABANDON",
        })
        .send()
        .await;
    match out {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(no_active_action) => Ok(()),
        Err(e) => Err(aws("CompleteLifecycleAction", &e)),
    }
}

/// Restarts the action's heartbeat timeout before work that may take a while.
pub async fn heartbeat(
    clients: &Clients,
    config: &Config,
    action: &Action,
) -> std::result::Result<(), HandlerError> {
    let out = clients
        .autoscaling
        .record_lifecycle_action_heartbeat()
        .auto_scaling_group_name(&config.asg_name)
        .lifecycle_hook_name(&action.hook)
        .lifecycle_action_token(&action.token)
        .instance_id(&action.instance_id)
        .send()
        .await;
    match out {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(no_active_action) => Err(HandlerError::InvalidEvent(
            format!("the launch action of '{}' is no longer pending", action.instance_id),
        )),
        Err(e) => Err(aws("RecordLifecycleActionHeartbeat", &e)),
    }
}

/// Protects the primary from scale-in.
pub async fn protect(
    clients: &Clients,
    config: &Config,
    instance_id: &str,
) -> std::result::Result<(), HandlerError> {
    clients
        .autoscaling
        .set_instance_protection()
        .auto_scaling_group_name(&config.asg_name)
        .instance_ids(instance_id)
        .protected_from_scale_in(true)
        .send()
        .await
        .map_err(|e| aws("SetInstanceProtection", &e))?;
    Ok(())
}

/// Has the group replace an instance.
pub async fn mark_unhealthy(clients: &Clients, instance_id: &str) -> std::result::Result<(), HandlerError> {
    clients
        .autoscaling
        .set_instance_health()
        .instance_id(instance_id)
        .health_status("Unhealthy")
        .should_respect_grace_period(false)
        .send()
        .await
        .map_err(|e| aws("SetInstanceHealth", &e))?;
    Ok(())
}

/// The licence pool: every licence file (`*.lic`) of the bucket, and every token of its token lists
/// (`*.json`, each a JSON list of strings), named `<key>#<position>`. Every page is read. A token list
/// that is not a list of strings is an error, never skipped.
pub async fn licence_pool(clients: &Clients, bucket: &str) -> std::result::Result<Vec<String>, HandlerError> {
    let mut keys = Vec::new();
    let mut pages = clients.s3.list_objects_v2().bucket(bucket).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws("ListObjectsV2", &e))?;
        keys.extend(page.contents().iter().filter_map(|o| o.key()).map(str::to_owned));
    }
    let mut names = Vec::new();
    for key in keys {
        if key.ends_with(".lic") {
            names.push(key);
        } else if key.ends_with(".json") {
            let tokens = token_list(clients, bucket, &key).await?;
            names.extend((0..tokens.len()).map(|i| format!("{key}#{i}")));
        }
    }
    names.sort();
    Ok(names)
}

/// The tokens of a token list.
pub async fn token_list(
    clients: &Clients,
    bucket: &str,
    key: &str,
) -> std::result::Result<Vec<String>, HandlerError> {
    let body = object(clients, bucket, key).await?;
    serde_json::from_slice::<Vec<String>>(&body).map_err(|e| {
        HandlerError::CorruptState(format!(
            "licence token list s3://{bucket}/{key} is not a JSON list of strings ({e}): fix or remove it"
        ))
    })
}

/// An object of the licence bucket.
pub async fn object(
    clients: &Clients,
    bucket: &str,
    key: &str,
) -> std::result::Result<Vec<u8>, HandlerError> {
    let out =
        clients.s3.get_object().bucket(bucket).key(key).send().await.map_err(|e| aws("GetObject", &e))?;
    Ok(out
        .body
        .collect()
        .await
        .map_err(|e| HandlerError::Aws {
            operation: "GetObject",
            message: format!("reading s3://{bucket}/{key}: {e}"),
        })?
        .into_bytes()
        .to_vec())
}

/// Whether the instance no longer exists or is terminating.
pub async fn is_gone(clients: &Clients, instance_id: &str) -> std::result::Result<bool, HandlerError> {
    match clients.core.ec2.describe_instances().instance_ids(instance_id).send().await {
        Ok(out) => Ok(out
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find(|i| i.instance_id() == Some(instance_id))
            .and_then(|i| i.state())
            .and_then(|s| s.name())
            .is_none_or(|s| matches!(s.as_str(), "shutting-down" | "terminated"))),
        Err(e)
            if e.as_service_error().and_then(aws_sdk_ec2::error::ProvideErrorMetadata::code)
                == Some("InvalidInstanceID.NotFound") =>
        {
            Ok(true)
        }
        Err(e) => Err(aws("DescribeInstances", &e)),
    }
}
