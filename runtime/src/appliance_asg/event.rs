//! The events the lifecycle function handles, read from EventBridge's envelope and checked (for
//! shape, group and instance) before any AWS call.

use contract::events;
use serde::Deserialize;

use super::Config;
use crate::HandlerError;

/// The part of an EventBridge event the function reads.
#[derive(Debug, Clone, Deserialize)]
struct Envelope {
    #[serde(rename = "detail-type")]
    detail_type: String,
    #[serde(default)]
    detail: serde_json::Value,
}

/// The group and instance every event but the schedule names.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceDetail {
    auto_scaling_group_name: String,
    #[serde(rename = "EC2InstanceId")]
    ec2_instance_id: String,
}

/// What a lifecycle action adds.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ActionDetail {
    lifecycle_action_token: String,
    lifecycle_hook_name: String,
}

/// A lifecycle action waiting for the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub hook: String,
    pub token: String,
    pub instance_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Launch(Action),
    Terminate(Action),
    /// The instance went in service (its launch action completed, by the function or by timeout).
    Launched(String),
    /// The instance is terminated (with or without a terminate action the function handled).
    Terminated(String),
    /// The scheduled sweep for instances that vanished without a terminate action.
    Sweep,
}

/// Reads an event, rejecting (before any AWS call) what is malformed or for another group.
pub fn parse_event(config: &Config, value: serde_json::Value) -> Result<Event, HandlerError> {
    let envelope: Envelope = serde_json::from_value(value)
        .map_err(|e| HandlerError::InvalidEvent(format!("not an EventBridge event: {e}")))?;
    let details = |what: &str, e: serde_json::Error| {
        HandlerError::InvalidEvent(format!("'{}' without its {what} details: {e}", envelope.detail_type))
    };
    // Every event but the schedule names the group and the instance.
    let instance = |what: &str| -> Result<String, HandlerError> {
        let d: InstanceDetail =
            serde_json::from_value(envelope.detail.clone()).map_err(|e| details(what, e))?;
        if d.auto_scaling_group_name != config.asg_name {
            return Err(HandlerError::InvalidEvent(format!(
                "the event is for group '{}', this function serves '{}'",
                d.auto_scaling_group_name, config.asg_name
            )));
        }
        if !d.ec2_instance_id.starts_with("i-") {
            return Err(HandlerError::InvalidEvent(format!("'{}' is not an instance ID", d.ec2_instance_id)));
        }
        Ok(d.ec2_instance_id)
    };
    let action = || -> Result<Action, HandlerError> {
        let instance_id = instance("lifecycle")?;
        let d: ActionDetail =
            serde_json::from_value(envelope.detail.clone()).map_err(|e| details("lifecycle", e))?;
        Ok(Action { hook: d.lifecycle_hook_name, token: d.lifecycle_action_token, instance_id })
    };
    match envelope.detail_type.as_str() {
        events::LAUNCH_LIFECYCLE_ACTION => Ok(Event::Launch(action()?)),
        events::TERMINATE_LIFECYCLE_ACTION => Ok(Event::Terminate(action()?)),
        events::LAUNCH_SUCCESSFUL => Ok(Event::Launched(instance("instance")?)),
        events::TERMINATE_SUCCESSFUL => Ok(Event::Terminated(instance("instance")?)),
        events::SCHEDULED_EVENT => Ok(Event::Sweep),
        other => Err(HandlerError::InvalidEvent(format!(
            "unexpected detail-type '{other}': expected a launch or terminate lifecycle action, a launch or terminate success, or the schedule"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config() -> Config {
        Config {
            asg_name: "fw".into(),
            table: "t".into(),
            interfaces: vec![],
            licence_bucket: None,
            scale_in_protection: true,
            configuration: None,
        }
    }

    fn action(detail_type: &str, group: &str, instance: &str) -> serde_json::Value {
        json!({"version": "0", "detail-type": detail_type, "source": "aws.autoscaling", "detail": {
            "LifecycleActionToken": "tok", "AutoScalingGroupName": group, "LifecycleHookName": "launch",
            "EC2InstanceId": instance, "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING"}})
    }

    #[test]
    fn lifecycle_actions_and_the_schedule_are_recognised() {
        let launch = parse_event(&config(), action("EC2 Instance-launch Lifecycle Action", "fw", "i-1"))
            .expect("launch");
        assert_eq!(
            launch,
            Event::Launch(Action { hook: "launch".into(), token: "tok".into(), instance_id: "i-1".into() })
        );
        assert!(matches!(
            parse_event(&config(), action("EC2 Instance-terminate Lifecycle Action", "fw", "i-1")),
            Ok(Event::Terminate(_))
        ));
        assert_eq!(
            parse_event(&config(), json!({"detail-type": "Scheduled Event", "detail": {}})).expect("sweep"),
            Event::Sweep
        );
        for (detail_type, expected) in [
            ("EC2 Instance Launch Successful", Event::Launched("i-1".into())),
            ("EC2 Instance Terminate Successful", Event::Terminated("i-1".into())),
        ] {
            let event = json!({"detail-type": detail_type, "source": "aws.autoscaling", "detail": {
                "StatusCode": "InProgress", "AutoScalingGroupName": "fw", "EC2InstanceId": "i-1"}});
            assert_eq!(parse_event(&config(), event).expect(detail_type), expected);
        }
        let foreign = json!({"detail-type": "EC2 Instance Launch Successful", "detail": {
            "AutoScalingGroupName": "other", "EC2InstanceId": "i-1"}});
        assert_eq!(parse_event(&config(), foreign).expect_err("foreign").error_type(), "NonRetryable");
    }

    #[test]
    fn malformed_and_foreign_events_are_rejected_as_non_retryable() {
        for (event, message) in [
            (json!({"nope": 1}), "not an EventBridge event"),
            (action("EC2 Instance-launch Lifecycle Action", "other", "i-1"), "for group 'other'"),
            (action("EC2 Instance-launch Lifecycle Action", "fw", "sg-1"), "'sg-1' is not an instance ID"),
            (
                json!({"detail-type": "EC2 Instance-launch Lifecycle Action", "detail": {}}),
                "without its lifecycle details",
            ),
            (
                json!({"detail-type": "EC2 Spot Instance Interruption Warning", "detail": {}}),
                "unexpected detail-type",
            ),
        ] {
            let err = parse_event(&config(), event).expect_err(message);
            assert_eq!(err.error_type(), "NonRetryable");
            assert!(err.to_string().contains(message), "{err}");
        }
    }
}
