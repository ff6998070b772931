//! The caller function against a real HTTP server on loopback standing in for the internal ALB.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lambda_runtime::{Context, LambdaEvent};
use runtime::http_client;
use runtime::private_lambda::caller::{Caller, CallerEvent, handle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the stand-in load balancer behaves.
#[derive(Clone, Copy)]
enum Behaviour {
    Status(u16),
    NeverAnswer,
}

/// Starts a one-route HTTP/1.1 server; returns its base URL and the request lines it received.
async fn server(behaviour: Behaviour) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                log.lock().expect("lock").push(head.lines().next().unwrap_or("").to_owned());
                match behaviour {
                    Behaviour::NeverAnswer => tokio::time::sleep(Duration::from_secs(30)).await,
                    Behaviour::Status(code) => {
                        let body = r#"{"ok":true}"#;
                        let res = format!(
                            "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = sock.write_all(res.as_bytes()).await;
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), seen)
}

fn caller(base_url: &str, timeout_ms: u64) -> Caller {
    let env = [
        ("TARGET_BASE_URL", base_url.to_owned()),
        ("DEFAULT_PATH", "/hello".to_owned()),
        ("REQUEST_TIMEOUT_MS", timeout_ms.to_string()),
    ];
    Caller::from_lookup(http_client::build(), |n| env.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone()))
        .expect("valid config")
}

fn event(json: &str) -> LambdaEvent<CallerEvent> {
    LambdaEvent::new(serde_json::from_str(json).expect("fixture parses"), Context::default())
}

#[tokio::test]
async fn direct_invocation_calls_the_requested_path_and_reports() {
    let (url, seen) = server(Behaviour::Status(200)).await;
    let report =
        handle(&caller(&url, 2000), event(include_str!("fixtures/caller-direct.json"))).await.expect("ok");
    assert_eq!(report.status, 200);
    assert_eq!(report.url, format!("{url}/orders/7"));
    assert_eq!(report.method, "GET");
    assert_eq!(report.body_bytes, 11);
    assert_eq!(seen.lock().expect("lock").as_slice(), ["GET /orders/7 HTTP/1.1"]);
}

#[tokio::test]
async fn scheduled_event_uses_the_default_path() {
    let (url, seen) = server(Behaviour::Status(204)).await;
    let report =
        handle(&caller(&url, 2000), event(include_str!("fixtures/caller-schedule.json"))).await.expect("ok");
    assert_eq!(report.status, 204);
    assert_eq!(seen.lock().expect("lock").as_slice(), ["GET /hello HTTP/1.1"]);
}

#[tokio::test]
async fn server_error_fails_the_invocation_as_bad_status() {
    let (url, _) = server(Behaviour::Status(503)).await;
    let err = handle(&caller(&url, 2000), event("{}")).await.expect_err("503 fails");
    assert_eq!(err.error_type(), "BadStatus");
    assert!(err.to_string().starts_with(&format!("GET {url}/hello answered 503 after ")), "{err}");
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    // Bind then drop, so the port is very likely closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let err =
        handle(&caller(&format!("http://127.0.0.1:{port}"), 2000), event("{}")).await.expect_err("refused");
    assert_eq!(err.error_type(), "Unreachable");
}

#[tokio::test]
async fn slow_load_balancer_times_out_as_unreachable() {
    let (url, seen) = server(Behaviour::NeverAnswer).await;
    let err = handle(&caller(&url, 150), event("{}")).await.expect_err("timeout");
    assert_eq!(err.error_type(), "Unreachable");
    assert!(err.to_string().contains("no complete response within 150 ms"), "{err}");
    assert_eq!(seen.lock().expect("lock").len(), 1, "the request was sent");
}

#[tokio::test]
async fn bad_path_is_rejected_before_any_request() {
    let (url, seen) = server(Behaviour::Status(200)).await;
    let err = handle(&caller(&url, 2000), event(include_str!("fixtures/caller-bad-path.json")))
        .await
        .expect_err("bad");
    assert_eq!(err.error_type(), "InvalidEvent");
    assert_eq!(err.to_string(), "invalid event: invalid path 'orders/7': expected a path starting with '/'");
    let bad_method =
        handle(&caller(&url, 2000), event(r#"{"method":"G E T"}"#)).await.expect_err("bad method");
    assert_eq!(bad_method.error_type(), "InvalidEvent");
    assert!(seen.lock().expect("lock").is_empty());
}

#[test]
fn config_errors_name_the_variable() {
    let err = Caller::from_lookup(http_client::build(), |_| None).expect_err("missing");
    assert_eq!(
        err.to_string(),
        "environment variable 'TARGET_BASE_URL' is not set: the function's template must define it"
    );
    let env = [("TARGET_BASE_URL", "ftp://x"), ("DEFAULT_PATH", "/"), ("REQUEST_TIMEOUT_MS", "10")];
    let err = Caller::from_lookup(http_client::build(), |n| {
        env.iter().find(|(k, _)| *k == n).map(|(_, v)| (*v).to_owned())
    })
    .expect_err("bad url");
    assert_eq!(err.to_string(), "invalid TARGET_BASE_URL 'ftp://x': expected http(s)://<host>:<port>");
}
