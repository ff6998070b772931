//! The protected function against real-shaped ALB events.

use aws_lambda_events::alb::{AlbTargetGroupRequest, AlbTargetGroupResponse};
use expect_test::expect;
use lambda_runtime::{Context, LambdaEvent};
use runtime::private_lambda::protected::{Protected, handle};

fn event(json: &str) -> LambdaEvent<AlbTargetGroupRequest> {
    let payload: AlbTargetGroupRequest = serde_json::from_str(json).expect("fixture parses");
    let mut ctx = Context::default();
    ctx.request_id = "req-1".to_owned();
    LambdaEvent::new(payload, ctx)
}

async fn run(json: &str) -> AlbTargetGroupResponse {
    let p = Protected { target_name: "hello".to_owned() };
    handle(&p, event(json)).await.expect("handler succeeds")
}

#[tokio::test]
async fn single_value_request_gets_single_value_headers_and_an_echo() {
    let res = run(include_str!("fixtures/alb-single-value.json")).await;
    expect![[r#"{"statusCode":200,"statusDescription":"200 OK","headers":{"content-type":"application/json"},"multiValueHeaders":{},"body":"{\"target\":\"hello\",\"method\":\"GET\",\"path\":\"/hello/world\",\"query\":{\"lang\":[\"en\"]},\"body_bytes\":0,\"request_id\":\"req-1\"}","isBase64Encoded":false}"#]]
        .assert_eq(&serde_json::to_string(&res).expect("serializes"));
}

#[tokio::test]
async fn multi_value_request_gets_multi_value_headers_and_decoded_body_length() {
    let res = run(include_str!("fixtures/alb-multi-value.json")).await;
    assert!(res.headers.is_empty(), "ALB ignores single-value headers in multi-value mode");
    assert_eq!(
        res.multi_value_headers.get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    let body = match res.body {
        Some(aws_lambda_events::encodings::Body::Text(t)) => t,
        other => panic!("unexpected body {other:?}"),
    };
    let echo: serde_json::Value = serde_json::from_str(&body).expect("json body");
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["query"]["tag"], serde_json::json!(["a", "b"]));
    assert_eq!(echo["body_bytes"], 10, "base64 body is reported by its decoded length");
}

#[tokio::test]
async fn invalid_base64_body_is_a_non_retryable_error() {
    let mut json: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/alb-multi-value.json")).expect("fixture");
    json["body"] = "%%%".into();
    let p = Protected { target_name: "hello".to_owned() };
    let err = handle(&p, event(&json.to_string())).await.expect_err("bad body");
    assert_eq!(err.error_type(), "InvalidEvent");
}
