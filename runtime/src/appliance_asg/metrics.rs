//! Metrics as CloudWatch embedded metric format (EMF) log lines: no API call, no extra permission.
//! One document per event handled, in the contract's namespace, by Auto Scaling group.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use contract::appliance_asg::lifecycle::{
    ABANDONED_METRIC, LICENCE_POOL_EMPTY_METRIC, METRIC_NAMESPACE, REPLACED_METRIC,
};
use serde_json::json;

/// What one invocation counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Launches completed with CONTINUE.
    pub launched: u32,
    /// Launches undone and completed with ABANDON.
    pub abandoned: u32,
    /// Of those, for want of a licence.
    pub licence_pool_empty: u32,
    /// Appliances configured (at launch or again for a new primary).
    pub configured: u32,
    /// Pushes that failed.
    pub configuration_failed: u32,
    /// Instances whose network, licence and membership were undone after they left.
    pub cleaned: u32,
    /// Instances in service without having been made whole, handed to the group for replacement.
    pub replaced: u32,
}

impl Counts {
    fn metrics(&self) -> BTreeMap<&'static str, u32> {
        BTreeMap::from([
            ("Launched", self.launched),
            (ABANDONED_METRIC, self.abandoned),
            (LICENCE_POOL_EMPTY_METRIC, self.licence_pool_empty),
            ("Configured", self.configured),
            ("ConfigurationFailed", self.configuration_failed),
            ("Cleaned", self.cleaned),
            (REPLACED_METRIC, self.replaced),
        ])
    }
}

/// The EMF document for one invocation.
pub fn document(group: &str, counts: &Counts, timestamp_ms: u128) -> serde_json::Value {
    let metrics = counts.metrics();
    let mut doc = json!({
        "_aws": {
            "Timestamp": u64::try_from(timestamp_ms).unwrap_or(u64::MAX),
            "CloudWatchMetrics": [{
                "Namespace": METRIC_NAMESPACE,
                "Dimensions": [["AutoScalingGroupName"]],
                "Metrics": metrics.keys().map(|name| json!({"Name": name, "Unit": "Count"})).collect::<Vec<_>>(),
            }]
        },
        "AutoScalingGroupName": group,
    });
    if let Some(map) = doc.as_object_mut() {
        map.extend(metrics.into_iter().map(|(k, v)| (k.to_owned(), json!(v))));
    }
    doc
}

/// Prints the document on stdout, where Lambda sends it to CloudWatch Logs, which extracts the metrics.
pub fn emit(group: &str, counts: &Counts) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
    println!("{}", document(group, counts, now));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_document_names_every_metric_and_the_group() {
        let counts = Counts { abandoned: 1, licence_pool_empty: 1, ..Counts::default() };
        let doc = document("fw", &counts, 1_700_000_000_000);
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"], "ApplianceAsg");
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().map(Vec::len), Some(7));
        assert_eq!(doc["AutoScalingGroupName"], "fw");
        assert_eq!(doc["LicencePoolEmpty"], 1);
        assert_eq!(doc["Launched"], 0);
    }
}
