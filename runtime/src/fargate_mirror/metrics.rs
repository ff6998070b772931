//! Metrics as CloudWatch embedded metric format (EMF) log lines, in the system's namespace, with
//! the stack as dimension (the template's alarms select it).

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::json;

/// What one invocation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Counts {
    pub sessions_created: usize,
    pub sessions_deleted: usize,
    pub tasks_stopped: usize,
    pub stop_budget_exhausted: usize,
    pub not_mirrorable: usize,
    pub sessions_failed: usize,
    pub foreign_sessions: usize,
    /// Reconcile runs only: sessions created or deleted because events had not done it.
    pub drift_found: usize,
}

const NAMES: &[&str] = &[
    "SessionsCreated",
    "SessionsDeleted",
    "TasksStopped",
    "StopBudgetExhausted",
    "NotMirrorable",
    "SessionsFailed",
    "ForeignSessions",
    "DriftFound",
];

pub fn document(namespace: &str, stack: &str, counts: &Counts, timestamp_ms: u128) -> serde_json::Value {
    let mut doc = json!({
        "_aws": {
            "Timestamp": u64::try_from(timestamp_ms).unwrap_or(u64::MAX),
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [["Stack"]],
                "Metrics": NAMES.iter().map(|n| json!({"Name": n, "Unit": "Count"})).collect::<Vec<_>>(),
            }]
        },
        "Stack": stack,
    });
    if let (Some(doc), Ok(serde_json::Value::Object(values))) =
        (doc.as_object_mut(), serde_json::to_value(counts))
    {
        doc.extend(values);
    }
    doc
}

/// Prints the document on stdout, where Lambda sends it to CloudWatch Logs.
pub fn emit(namespace: &str, stack: &str, counts: &Counts) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
    println!("{}", document(namespace, stack, counts, now));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_count_is_a_declared_metric() {
        let counts = Counts { sessions_created: 2, ..Counts::default() };
        let doc = document("FargateMirror", "mirror", &counts, 1);
        for name in NAMES {
            assert!(doc.get(*name).is_some(), "{name}");
        }
        assert_eq!(doc["SessionsCreated"], 2);
        assert_eq!(doc["Stack"], "mirror");
    }
}
