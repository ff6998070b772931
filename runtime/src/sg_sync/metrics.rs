//! Metrics as CloudWatch embedded metric format (EMF) log lines, in the stack's namespace, with the
//! group as dimension ([`METRIC_DIMENSION`]; the template's alarms select it).

use std::time::{SystemTime, UNIX_EPOCH};

use contract::sg_sync::sync::{METRIC_DIMENSION, METRIC_OVER_CAPACITY, METRIC_PEER_COPY_FAILED};
use serde_json::json;

/// What one invocation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// The addresses this region contributes (after the run).
    pub own_addresses: usize,
    pub entries_added: usize,
    pub entries_removed: usize,
    /// Runs that found another writer's change and observed again.
    pub conflicts: usize,
    /// 1 when the addresses did not fit (nothing changed). Alarmed.
    pub over_capacity: usize,
    /// Peers whose copy failed. Alarmed.
    pub peer_copy_failed: usize,
}

pub fn document(namespace: &str, group: &str, counts: &Counts, timestamp_ms: u128) -> serde_json::Value {
    let values = [
        ("OwnAddresses", counts.own_addresses),
        ("EntriesAdded", counts.entries_added),
        ("EntriesRemoved", counts.entries_removed),
        ("Conflicts", counts.conflicts),
        (METRIC_OVER_CAPACITY, counts.over_capacity),
        (METRIC_PEER_COPY_FAILED, counts.peer_copy_failed),
    ];
    let mut doc = json!({
        "_aws": {
            "Timestamp": u64::try_from(timestamp_ms).unwrap_or(u64::MAX),
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [[METRIC_DIMENSION]],
                "Metrics": values.iter().map(|(n, _)| json!({"Name": n, "Unit": "Count"})).collect::<Vec<_>>(),
            }]
        },
        METRIC_DIMENSION: group,
    });
    if let Some(obj) = doc.as_object_mut() {
        for (name, value) in values {
            obj.insert(name.to_owned(), json!(value));
        }
    }
    doc
}

/// Prints the document on stdout, where Lambda sends it to CloudWatch Logs.
pub fn emit(namespace: &str, group: &str, counts: &Counts) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
    println!("{}", document(namespace, group, counts, now));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alarmed_metrics_carry_the_contract_names() {
        let counts = Counts { peer_copy_failed: 1, ..Counts::default() };
        let doc = document("SgSync", "web", &counts, 1);
        assert_eq!(doc[METRIC_PEER_COPY_FAILED], 1);
        assert_eq!(doc[METRIC_OVER_CAPACITY], 0);
        assert_eq!(doc[METRIC_DIMENSION], "web");
        let declared: Vec<&str> = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert!(declared.contains(&METRIC_OVER_CAPACITY) && declared.contains(&METRIC_PEER_COPY_FAILED));
    }
}
