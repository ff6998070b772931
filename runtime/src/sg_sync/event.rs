//! The three inputs of the sync function, read and checked before any AWS call: a malformed event,
//! or one for another group or hook, is refused and changes nothing.

use serde::Deserialize;

use super::Config;
use crate::HandlerError;

pub use contract::events::{
    LAUNCH_LIFECYCLE_ACTION as LAUNCH, SCHEDULED_EVENT as SCHEDULE, TERMINATE_LIFECYCLE_ACTION as TERMINATE,
};

/// A lifecycle action waiting for the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub hook: String,
    pub token: String,
    pub instance_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Launch(Action),
    Terminate(Action),
    /// The schedule: re-observe and reconverge; never completes a lifecycle action.
    TrueUp,
    /// Records of this region's table stream: recompute the prefix list only.
    Stream {
        records: usize,
    },
}

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "detail-type")]
    detail_type: String,
    source: String,
    #[serde(default)]
    detail: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ActionDetail {
    auto_scaling_group_name: String,
    lifecycle_hook_name: String,
    lifecycle_action_token: String,
    #[serde(rename = "EC2InstanceId")]
    ec2_instance_id: String,
}

#[derive(Debug, Deserialize)]
struct StreamRecord {
    #[serde(rename = "eventSource")]
    event_source: String,
    #[serde(rename = "eventSourceARN")]
    event_source_arn: String,
}

#[derive(Debug, Deserialize)]
struct Stream {
    #[serde(rename = "Records")]
    records: Vec<StreamRecord>,
}

fn invalid(message: String) -> HandlerError {
    HandlerError::InvalidEvent(message)
}

/// Reads an event (EventBridge lifecycle action or schedule, or DynamoDB stream records).
pub fn parse(config: &Config, value: &serde_json::Value) -> Result<Input, HandlerError> {
    if value.get("Records").is_some() {
        return stream(config, value);
    }
    let envelope = Envelope::deserialize(value).map_err(|e| {
        invalid(format!(
            "expected an EventBridge event (lifecycle action or schedule) or DynamoDB stream records: {e}"
        ))
    })?;
    match (envelope.source.as_str(), envelope.detail_type.as_str()) {
        (contract::events::AUTOSCALING_SOURCE, t @ (LAUNCH | TERMINATE)) => {
            let d = ActionDetail::deserialize(&envelope.detail)
                .map_err(|e| invalid(format!("'{t}' without its lifecycle action details: {e}")))?;
            if d.auto_scaling_group_name != config.group {
                return Err(invalid(format!(
                    "the event is for group '{}', this function serves '{}'",
                    d.auto_scaling_group_name, config.group
                )));
            }
            let launch = t == LAUNCH;
            let hook = if launch { &config.hooks.launch } else { &config.hooks.terminate };
            if &d.lifecycle_hook_name != hook {
                return Err(invalid(format!(
                    "hook '{}' is not this stack's {} hook '{hook}'",
                    d.lifecycle_hook_name,
                    if launch { "launch" } else { "terminate" }
                )));
            }
            if d.lifecycle_action_token.is_empty() {
                return Err(invalid("the lifecycle action has an empty token".into()));
            }
            if !d.ec2_instance_id.starts_with("i-") {
                return Err(invalid(format!(
                    "'{}' is not an instance id: expected 'i-...'",
                    d.ec2_instance_id
                )));
            }
            let action = Action {
                hook: d.lifecycle_hook_name,
                token: d.lifecycle_action_token,
                instance_id: d.ec2_instance_id,
            };
            Ok(if launch { Input::Launch(action) } else { Input::Terminate(action) })
        }
        ("aws.events", SCHEDULE) => Ok(Input::TrueUp),
        (source, other) => Err(invalid(format!(
            "unexpected event '{other}' from '{source}': expected a launch or terminate lifecycle action from 'aws.autoscaling', or '{SCHEDULE}' from 'aws.events'"
        ))),
    }
}

fn stream(config: &Config, value: &serde_json::Value) -> Result<Input, HandlerError> {
    let s =
        Stream::deserialize(value).map_err(|e| invalid(format!("malformed DynamoDB stream records: {e}")))?;
    let table = format!(":table/{}/stream/", config.table);
    for r in &s.records {
        if r.event_source != "aws:dynamodb" || !r.event_source_arn.contains(&table) {
            return Err(invalid(format!(
                "record from '{}' ('{}'): expected the stream of table '{}'",
                r.event_source_arn, r.event_source, config.table
            )));
        }
    }
    if s.records.is_empty() {
        return Err(invalid("a stream batch without records".into()));
    }
    Ok(Input::Stream { records: s.records.len() })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::sg_sync::tests::config;

    fn action(detail_type: &str, group: &str, hook: &str, instance: &str) -> serde_json::Value {
        json!({
            "source": "aws.autoscaling", "detail-type": detail_type,
            "detail": {"AutoScalingGroupName": group, "LifecycleHookName": hook,
                       "LifecycleActionToken": "tok", "EC2InstanceId": instance,
                       "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING"}
        })
    }

    #[test]
    fn lifecycle_actions_of_our_group_and_hooks() {
        let c = config();
        let a = Action { hook: "launch-hook".into(), token: "tok".into(), instance_id: "i-1".into() };
        assert_eq!(parse(&c, &action(LAUNCH, "web", "launch-hook", "i-1")).unwrap(), Input::Launch(a));
        assert!(matches!(
            parse(&c, &action(TERMINATE, "web", "terminate-hook", "i-1")).unwrap(),
            Input::Terminate(_)
        ));
        let sched = json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
        assert_eq!(parse(&c, &sched).unwrap(), Input::TrueUp);
    }

    #[test]
    fn malformed_or_foreign_events_are_refused() {
        let c = config();
        let cases = [
            (action(LAUNCH, "other", "launch-hook", "i-1"), "the event is for group 'other'"),
            (
                action(LAUNCH, "web", "terminate-hook", "i-1"),
                "hook 'terminate-hook' is not this stack's launch",
            ),
            (action(LAUNCH, "web", "launch-hook", "x-1"), "'x-1' is not an instance id"),
            (
                json!({"source": "aws.autoscaling", "detail-type": LAUNCH, "detail": {}}),
                "without its lifecycle",
            ),
            (json!({"hello": 1}), "expected an EventBridge event"),
            (json!({"source": "aws.ec2", "detail-type": "Scheduled Event"}), "unexpected event"),
            (json!({"Records": [{"eventSource": "aws:sqs", "eventSourceARN": "x"}]}), "expected the stream"),
            (json!({"Records": []}), "without records"),
        ];
        for (event, expected) in cases {
            let err = parse(&c, &event).unwrap_err();
            assert!(!err.is_retryable());
            assert!(err.to_string().contains(expected), "{err} !~ {expected}");
        }
    }

    #[test]
    fn stream_records_of_our_table() {
        let c = config();
        let arn = "arn:aws:dynamodb:eu-west-1:1:table/sg-addresses/stream/2026-01-01T00:00:00.000";
        let event =
            json!({"Records": [{"eventSource": "aws:dynamodb", "eventSourceARN": arn, "dynamodb": {}}]});
        assert_eq!(parse(&c, &event).unwrap(), Input::Stream { records: 1 });
    }

    #[test]
    fn the_shipped_sample_events_parse_for_the_blueprints_first_region() {
        let c = Config {
            region: "us-east-1".into(),
            group: "web".into(),
            hooks: contract::sg_sync::sync::Hooks {
                launch: "sg-sync-us-east-1-launch".into(),
                terminate: "sg-sync-us-east-1-terminate".into(),
            },
            table: "sg-sync-addresses".into(),
            ..config()
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events/sg-sync");
        let read = |name: &str| -> serde_json::Value {
            serde_json::from_slice(&std::fs::read(dir.join(name)).expect("sample")).expect("JSON")
        };
        assert!(matches!(parse(&c, &read("launch.json")).unwrap(), Input::Launch(_)));
        assert_eq!(parse(&c, &read("schedule.json")).unwrap(), Input::TrueUp);
        assert_eq!(parse(&c, &read("stream.json")).unwrap(), Input::Stream { records: 1 });
    }
}
