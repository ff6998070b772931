//! Metrics as CloudWatch embedded metric format (EMF) log lines: no API call, no extra permission.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::Group;
use super::plan::Plan;

/// The EMF document for one target group's run.
pub fn document(
    namespace: &str,
    group: &Group,
    discovered: usize,
    plan: &Plan,
    timestamp_ms: u128,
) -> serde_json::Value {
    let tg = group.arn.rsplit_once(":targetgroup/").map_or(group.arn.as_str(), |(_, name)| name);
    json!({
        "_aws": {
            "Timestamp": u64::try_from(timestamp_ms).unwrap_or(u64::MAX),
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [["TargetGroup"]],
                "Metrics": [
                    {"Name": "DiscoveredIps", "Unit": "Count"},
                    {"Name": "Registered", "Unit": "Count"},
                    {"Name": "Deregistered", "Unit": "Count"},
                    {"Name": "HeldBack", "Unit": "Count"}
                ]
            }]
        },
        "TargetGroup": tg,
        "DiscoveredIps": discovered,
        "Registered": plan.register.len(),
        "Deregistered": plan.deregister.len(),
        "HeldBack": plan.held_back.len(),
    })
}

/// Prints the document on stdout, where Lambda sends it to CloudWatch Logs, which extracts the metrics.
pub fn emit(namespace: &str, group: &Group, discovered: usize, plan: &Plan) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
    println!("{}", document(namespace, group, discovered, plan, now));
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    #[test]
    fn emf_document_names_the_metrics_and_their_dimension() {
        let group =
            Group { arn: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/edge/abc".into(), port: 443 };
        let plan = Plan { port: 443, register: vec!["10.0.0.1".parse().unwrap()], ..Plan::default() };
        expect![[r#"{"Deregistered":0,"DiscoveredIps":3,"HeldBack":0,"Registered":1,"TargetGroup":"edge/abc","_aws":{"CloudWatchMetrics":[{"Dimensions":[["TargetGroup"]],"Metrics":[{"Name":"DiscoveredIps","Unit":"Count"},{"Name":"Registered","Unit":"Count"},{"Name":"Deregistered","Unit":"Count"},{"Name":"HeldBack","Unit":"Count"}],"Namespace":"AlbStaticIp"}],"Timestamp":1700000000000}}"#]]
            .assert_eq(&document("AlbStaticIp", &group, 3, &plan, 1_700_000_000_000).to_string());
    }
}
