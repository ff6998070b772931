//! The events the function takes: an ECS "Task State Change" of a watched cluster, or the
//! reconcile schedule. Checked before any AWS call, so a malformed event changes nothing.

use serde::Deserialize;

use crate::HandlerError;

/// What an event asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Bring this task's sessions in line with its current state.
    Task { cluster: String, task: String },
    /// Check every running task of every cluster, and remove orphaned sessions.
    Reconcile,
}

#[derive(Deserialize)]
struct Envelope {
    source: Option<String>,
    #[serde(rename = "detail-type")]
    detail_type: Option<String>,
    detail: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TaskDetail {
    cluster_arn: String,
    task_arn: String,
}

/// Reads `event`; `clusters` are the watched clusters' ARNs.
pub fn parse(event: &serde_json::Value, clusters: &[String]) -> Result<Input, HandlerError> {
    let bad = |m: String| HandlerError::InvalidEvent(m);
    let env: Envelope = serde_json::from_value(event.clone())
        .map_err(|e| bad(format!("expected an EventBridge event: {e}")))?;
    match (env.source.as_deref(), env.detail_type.as_deref()) {
        (Some("aws.events"), Some("Scheduled Event")) => Ok(Input::Reconcile),
        (Some("aws.ecs"), Some("ECS Task State Change")) => {
            let detail = env.detail.ok_or_else(|| bad("task state change without 'detail'".into()))?;
            let d: TaskDetail = serde_json::from_value(detail).map_err(|e| {
                bad(format!("task state change detail: {e}: expected clusterArn and taskArn"))
            })?;
            if !clusters.contains(&d.cluster_arn) {
                return Err(bad(format!(
                    "cluster '{}' is not watched: expected one of {}",
                    d.cluster_arn,
                    clusters.join(", ")
                )));
            }
            // Both ARN formats name the task's id last: `task/<cluster>/<id>` and the legacy `task/<id>`.
            let ok = d.task_arn.starts_with("arn:")
                && d.task_arn.split(':').nth(2) == Some("ecs")
                && d.task_arn.split_once(":task/").is_some_and(|(_, rest)| !rest.is_empty());
            if !ok {
                return Err(bad(format!(
                    "invalid task ARN '{}': expected arn:aws:ecs:<region>:<account>:task/...",
                    d.task_arn
                )));
            }
            Ok(Input::Task { cluster: d.cluster_arn, task: d.task_arn })
        }
        (source, kind) => Err(bad(format!(
            "unexpected event source '{}' and detail-type '{}': expected aws.ecs 'ECS Task State Change' or a scheduled event",
            source.unwrap_or_default(),
            kind.unwrap_or_default()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const CLUSTER: &str = "arn:aws:ecs:eu-west-1:123456789012:cluster/app";

    fn clusters() -> Vec<String> {
        vec![CLUSTER.to_owned()]
    }

    #[test]
    fn task_events_name_cluster_and_task_from_the_detail_not_by_position() {
        // The legacy ARN has no cluster segment; resources[] is not read at all.
        let e = json!({"source": "aws.ecs", "detail-type": "ECS Task State Change", "resources": ["x"],
            "detail": {"clusterArn": CLUSTER, "taskArn": "arn:aws:ecs:eu-west-1:123456789012:task/0123", "lastStatus": "RUNNING"}});
        assert_eq!(
            parse(&e, &clusters()).unwrap(),
            Input::Task {
                cluster: CLUSTER.into(),
                task: "arn:aws:ecs:eu-west-1:123456789012:task/0123".into()
            }
        );
    }

    #[test]
    fn schedules_reconcile() {
        let e = json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
        assert_eq!(parse(&e, &clusters()).unwrap(), Input::Reconcile);
    }

    #[test]
    fn malformed_events_are_refused_with_what_was_expected() {
        for (e, want) in [
            (json!({"source": "aws.ec2"}), "unexpected event source 'aws.ec2'"),
            (json!({"source": "aws.ecs", "detail-type": "ECS Task State Change"}), "without 'detail'"),
            (
                json!({"source": "aws.ecs", "detail-type": "ECS Task State Change", "detail": {"taskArn": "x"}}),
                "expected clusterArn and taskArn",
            ),
            (
                json!({"source": "aws.ecs", "detail-type": "ECS Task State Change", "detail": {"clusterArn": "arn:aws:ecs:eu-west-1:1:cluster/other", "taskArn": "arn:aws:ecs:eu-west-1:1:task/x"}}),
                "is not watched",
            ),
            (
                json!({"source": "aws.ecs", "detail-type": "ECS Task State Change", "detail": {"clusterArn": CLUSTER, "taskArn": "task/x"}}),
                "invalid task ARN 'task/x'",
            ),
            (json!([1]), "expected an EventBridge event"),
        ] {
            let err = parse(&e, &clusters()).unwrap_err();
            assert!(!err.is_retryable());
            assert!(err.to_string().contains(want), "{err}");
        }
    }
}
