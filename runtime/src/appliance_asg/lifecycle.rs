//! The Auto Scaling side of a lifecycle action: is it still waiting, keep it alive, complete it,
//! protect the primary from scale-in, have the group replace an instance; and whether an instance
//! is gone (EC2).

use aws_sdk_autoscaling::error::ProvideErrorMetadata;

use super::{Action, Clients, Config};
use crate::HandlerError;
use crate::error::aws;

/// The state of an instance whose launch action waits for the function.
pub const PENDING_WAIT: &str = "Pending:Wait";

/// How the function completes a lifecycle action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// The instance goes on (in service, or terminated).
    Continue,
    /// The launch is given up: Auto Scaling terminates the instance and launches another.
    Abandon,
}

/// Whether `instance_id` is in the group and in lifecycle state `state`.
pub async fn is_waiting(
    clients: &Clients,
    config: &Config,
    instance_id: &str,
    state: &str,
) -> Result<bool, HandlerError> {
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

/// Completes the action; `false` when it was no longer pending (completed by a redelivered event,
/// or timed out with its default result), which is not an error.
pub async fn complete(
    clients: &Clients,
    config: &Config,
    action: &Action,
    completion: Completion,
) -> Result<bool, HandlerError> {
    let out = clients
        .autoscaling
        .complete_lifecycle_action()
        .auto_scaling_group_name(&config.asg_name)
        .lifecycle_hook_name(&action.hook)
        .lifecycle_action_token(&action.token)
        .instance_id(&action.instance_id)
        .lifecycle_action_result(match completion {
            Completion::Continue => "CONTINUE",
            Completion::Abandon => "ABANDON",
        })
        .send()
        .await;
    match out {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(no_active_action) => Ok(false),
        Err(e) => Err(aws("CompleteLifecycleAction", &e)),
    }
}

/// Restarts the action's heartbeat timeout before work that may take a while.
pub async fn heartbeat(clients: &Clients, config: &Config, action: &Action) -> Result<(), HandlerError> {
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
pub async fn protect(clients: &Clients, config: &Config, instance_id: &str) -> Result<(), HandlerError> {
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
pub async fn mark_unhealthy(clients: &Clients, instance_id: &str) -> Result<(), HandlerError> {
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

/// Whether the instance no longer exists or is terminating.
pub async fn is_gone(clients: &Clients, instance_id: &str) -> Result<bool, HandlerError> {
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

/// The group's instances in service (the candidates for primary). Every page is read.
pub async fn in_service_instances(
    clients: &Clients,
    config: &Config,
) -> Result<std::collections::BTreeSet<String>, HandlerError> {
    let mut out = std::collections::BTreeSet::new();
    let mut pages = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(&config.asg_name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for group in page.map_err(|e| aws("DescribeAutoScalingGroups", &e))?.auto_scaling_groups() {
            out.extend(
                group
                    .instances()
                    .iter()
                    .filter(|i| i.lifecycle_state().map(|s| s.as_str()) == Some("InService"))
                    .filter_map(|i| i.instance_id().map(str::to_owned)),
            );
        }
    }
    Ok(out)
}
