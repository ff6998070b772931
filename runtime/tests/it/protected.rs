//! The protected function against real-shaped ALB target-group events (`tests/fixtures/alb-*.json`).

use aws_lambda_events::alb::{AlbTargetGroupRequest, AlbTargetGroupResponse};
use aws_lambda_events::encodings::Body;
use expect_test::{Expect, expect};
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use runtime::HandlerError;
use runtime::private_lambda::protected::{Protected, handle};

fn event(json: &str) -> LambdaEvent<AlbTargetGroupRequest> {
    let payload: AlbTargetGroupRequest = serde_json::from_str(json).expect("fixture parses");
    let mut ctx = Context::default();
    ctx.request_id = "8f5ad3c1-4f64-4b1e-9d2a-0c6e1f7b2a10".to_owned();
    LambdaEvent::new(payload, ctx)
}

async fn run(json: &str) -> Result<AlbTargetGroupResponse, HandlerError> {
    let p = Protected { target_name: "hello".to_owned() };
    handle(&p, event(json)).await
}

/// The response as the load balancer reads it, with the JSON body expanded for readability.
#[track_caller]
fn check(res: &AlbTargetGroupResponse, expect: Expect) {
    let mut json = serde_json::to_value(res).expect("response serializes");
    let body = match &res.body {
        Some(Body::Text(text)) => serde_json::from_str::<serde_json::Value>(text).expect("body is JSON"),
        other => panic!("expected a text body, got {other:?}"),
    };
    json["body"] = body;
    expect.assert_eq(&serde_json::to_string_pretty(&sorted(json)).expect("pretty"));
}

/// Keys in sorted order whether or not the build unified serde_json's `preserve_order` feature.
fn sorted(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries.into_iter().map(|(k, v)| (k, sorted(v))).collect()
        }
        serde_json::Value::Array(items) => items.into_iter().map(sorted).collect(),
        other => other,
    }
}

fn with_method(json: &str, method: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).expect("fixture");
    v["httpMethod"] = method.into();
    v.to_string()
}

#[tokio::test]
async fn single_value_request_gets_single_value_headers_and_an_echo() {
    let res = run(include_str!("../fixtures/alb-single-value.json")).await.expect("ok");
    // The body is compact JSON in the field order of the echo.
    expect![[r#"{"target":"hello","method":"GET","path":"/hello/world","query":{"lang":["en"]},"body_bytes":0,"request_id":"8f5ad3c1-4f64-4b1e-9d2a-0c6e1f7b2a10"}"#]]
    .assert_eq(match &res.body {
        Some(Body::Text(t)) => t,
        other => panic!("expected a text body, got {other:?}"),
    });
    check(
        &res,
        expect![[r#"
            {
              "body": {
                "body_bytes": 0,
                "method": "GET",
                "path": "/hello/world",
                "query": {
                  "lang": [
                    "en"
                  ]
                },
                "request_id": "8f5ad3c1-4f64-4b1e-9d2a-0c6e1f7b2a10",
                "target": "hello"
              },
              "headers": {
                "content-type": "application/json"
              },
              "isBase64Encoded": false,
              "multiValueHeaders": {},
              "statusCode": 200,
              "statusDescription": "200 OK"
            }"#]],
    );
}

#[tokio::test]
async fn multi_value_request_gets_multi_value_headers_and_decoded_body_length() {
    let res = run(include_str!("../fixtures/alb-multi-value.json")).await.expect("ok");
    assert!(res.headers.is_empty(), "ALB ignores single-value headers in multi-value mode");
    check(
        &res,
        expect![[r#"
            {
              "body": {
                "body_bytes": 10,
                "method": "POST",
                "path": "/orders/42",
                "query": {
                  "tag": [
                    "a",
                    "b"
                  ]
                },
                "request_id": "8f5ad3c1-4f64-4b1e-9d2a-0c6e1f7b2a10",
                "target": "hello"
              },
              "headers": {},
              "isBase64Encoded": false,
              "multiValueHeaders": {
                "content-type": [
                  "application/json"
                ]
              },
              "statusCode": 200,
              "statusDescription": "200 OK"
            }"#]],
    );
}

#[tokio::test]
async fn base64_body_is_reported_by_decoded_length_and_query_stays_encoded() {
    let res = run(include_str!("../fixtures/alb-single-value-base64.json")).await.expect("ok");
    assert_eq!(res.status_code, 200);
    assert_eq!(res.headers.get("content-type").map(|v| v.as_bytes()), Some(&b"application/json"[..]));
    assert!(res.multi_value_headers.is_empty());
    let Some(Body::Text(body)) = &res.body else { panic!("expected a text body, got {:?}", res.body) };
    let echo: serde_json::Value = serde_json::from_str(body).expect("json body");
    assert_eq!(echo["method"], "PUT");
    assert_eq!(echo["body_bytes"], 16, "24 base64 characters decode to 16 bytes");
    assert_eq!(echo["query"], serde_json::json!({"name": ["q3%20report.bin"]}));
}

#[tokio::test]
async fn unknown_methods_are_echoed() {
    let res =
        run(&with_method(include_str!("../fixtures/alb-single-value.json"), "PURGE")).await.expect("ok");
    assert_eq!(res.status_code, 200);
    let Some(Body::Text(body)) = &res.body else { panic!("expected a text body, got {:?}", res.body) };
    let echo: serde_json::Value = serde_json::from_str(body).expect("json body");
    assert_eq!(echo["method"], "PURGE");
}

#[tokio::test]
async fn invalid_base64_body_is_a_non_retryable_error() {
    let mut json: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/alb-multi-value.json")).expect("fixture");
    json["body"] = "%%%".into();
    let err = run(&json.to_string()).await.expect_err("bad body");
    let d = Diagnostic::from(err);
    assert_eq!(d.error_type, "NonRetryable");
    assert!(d.error_message.starts_with("invalid event: body is marked base64 but does not decode"), "{d:?}");
}
