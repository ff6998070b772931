//! The emulator's fault injection and call counts (`/_iac/faults`, `/_iac/calls`; see
//! tools/emulator/README.md): failure paths through the real SDK clients, without SDK mocks.
//!
//! Rules are global to the emulator that all tests share, so a test that injects faults works in a
//! region no other test uses and names it in every rule.

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::Value;

/// One request to the emulator's control API; returns the status and the JSON body.
fn control(method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let endpoint = super::endpoint();
    let hostport = endpoint.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut stream = TcpStream::connect(&hostport).expect("connect to the emulator");
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("an HTTP status");
    let payload = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(payload).unwrap_or(Value::Null))
}

/// Makes the emulator fail matching requests (a rule as tools/emulator/README.md describes).
pub(crate) fn inject(rule: &Value) {
    let (status, answer) = control("POST", "/_iac/faults", Some(rule));
    assert_eq!(status, 201, "fault rule refused: {answer}");
}

/// [`inject`], returning the rule's id for [`remove`].
pub(crate) fn inject_rule(rule: &Value) -> u64 {
    let (status, answer) = control("POST", "/_iac/faults", Some(rule));
    assert_eq!(status, 201, "fault rule refused: {answer}");
    answer["id"].as_u64().expect("the rule's id")
}

/// Removes one rule (the fault is over).
pub(crate) fn remove(id: u64) {
    let (status, answer) = control("DELETE", &format!("/_iac/faults/{id}"), None);
    assert_eq!(status, 200, "{answer}");
}

/// How many `service`/`operation` requests in `region` reached the emulator, failed ones included.
pub(crate) fn calls(service: &str, operation: &str, region: &str) -> u64 {
    let (status, answer) =
        control("GET", &format!("/_iac/calls?service={service}&operation={operation}&region={region}"), None);
    assert_eq!(status, 200, "{answer}");
    answer["calls"].as_array().map_or(0, |calls| calls.iter().filter_map(|c| c["count"].as_u64()).sum())
}

/// Makes new EC2 interfaces, attachments and addresses in `region` missing from the next
/// `describes` describes (the emulator's eventual consistency, off by default).
pub(crate) fn eventual_consistency(region: &str, describes: u32) {
    let (status, answer) = control(
        "POST",
        "/_iac/consistency",
        Some(&serde_json::json!({"region": region, "describes": describes})),
    );
    assert_eq!(status, 200, "consistency refused: {answer}");
}

/// Every AWS call in `region` that reached the emulator, as `service:Operation` -> count.
pub(crate) fn calls_in(region: &str) -> std::collections::BTreeMap<String, u64> {
    let (status, answer) = control("GET", &format!("/_iac/calls?region={region}"), None);
    assert_eq!(status, 200, "{answer}");
    answer["calls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some((format!("{}:{}", c["service"].as_str()?, c["operation"].as_str()?), c["count"].as_u64()?))
        })
        .collect()
}
