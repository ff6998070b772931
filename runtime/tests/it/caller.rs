//! The caller function against a real HTTP server on loopback standing in for the internal ALB.
//!
//! The stand-in is a few lines of tokio: it records each request head it receives, then answers with a
//! fixed status, or never answers. No test sleeps or measures time; the timeout test waits ~150 ms.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use expect_test::expect;
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use runtime::http_client;
use runtime::private_lambda::caller::{Caller, CallerEvent, Report, handle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the stand-in load balancer behaves.
#[derive(Clone, Copy)]
enum Behaviour {
    Status(u16),
    NeverAnswer,
}

/// The stand-in load balancer: its base URL and the request heads it received.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts a one-route HTTP/1.1 server on an ephemeral loopback port.
    async fn start(behaviour: Behaviour) -> Server {
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
                    log.lock().expect("lock").push(String::from_utf8_lossy(&buf).into_owned());
                    match behaviour {
                        // Longer than any test runs; the runtime drops the task when the test ends.
                        Behaviour::NeverAnswer => tokio::time::sleep(Duration::from_secs(60)).await,
                        Behaviour::Status(code) => {
                            let body = r#"{"ok":true}"#;
                            let res = format!(
                                "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\nlocation: /elsewhere\r\ncontent-length: {}\r\n\r\n{body}",
                                body.len()
                            );
                            let _ = sock.write_all(res.as_bytes()).await;
                        }
                    }
                });
            }
        });
        Server { url: format!("http://{addr}"), seen }
    }

    /// The request lines received so far (`GET /x HTTP/1.1`).
    fn request_lines(&self) -> Vec<String> {
        let seen = self.seen.lock().expect("lock");
        seen.iter().map(|head| head.lines().next().unwrap_or_default().to_owned()).collect()
    }

    /// The value of `name` in the first request received.
    fn first_header(&self, name: &str) -> Option<String> {
        let seen = self.seen.lock().expect("lock");
        let head = seen.first()?;
        head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
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

/// The report as JSON with the server's address and the latency (which varies) replaced.
fn show(report: &Report, base_url: &str) -> String {
    let mut r = report.clone();
    r.url = r.url.replace(base_url, "{base}");
    r.latency_ms = 0;
    serde_json::to_string(&r).expect("report serializes")
}

#[tokio::test]
async fn direct_invocation_calls_the_requested_path_and_reports() {
    let server = Server::start(Behaviour::Status(200)).await;
    let report = handle(&caller(&server.url, 2000), event(include_str!("../fixtures/caller-direct.json")))
        .await
        .expect("ok");
    expect![[r#"{"url":"{base}/orders/7","method":"GET","status":200,"latency_ms":0,"body_bytes":11}"#]]
        .assert_eq(&show(&report, &server.url));
    assert_eq!(server.request_lines(), ["GET /orders/7 HTTP/1.1"]);
    assert_eq!(server.first_header("user-agent").as_deref(), Some("private-lambda-caller"));
    let host = server.url.trim_start_matches("http://");
    assert_eq!(server.first_header("host").as_deref(), Some(host));
}

#[tokio::test]
async fn method_is_case_insensitive_and_the_query_is_kept() {
    let server = Server::start(Behaviour::Status(201)).await;
    let report = handle(&caller(&server.url, 2000), event(include_str!("../fixtures/caller-post.json")))
        .await
        .expect("ok");
    expect![[
        r#"{"url":"{base}/orders?state=open","method":"POST","status":201,"latency_ms":0,"body_bytes":11}"#
    ]]
    .assert_eq(&show(&report, &server.url));
    assert_eq!(server.request_lines(), ["POST /orders?state=open HTTP/1.1"]);
}

#[tokio::test]
async fn scheduled_event_uses_the_default_path() {
    let server = Server::start(Behaviour::Status(204)).await;
    let report = handle(&caller(&server.url, 2000), event(include_str!("../fixtures/caller-schedule.json")))
        .await
        .expect("ok");
    assert_eq!((report.status, report.method.as_str()), (204, "GET"));
    assert_eq!(server.request_lines(), ["GET /hello HTTP/1.1"]);
}

#[tokio::test]
async fn redirection_is_a_success_and_is_not_followed() {
    let server = Server::start(Behaviour::Status(302)).await;
    let report = handle(&caller(&server.url, 2000), event("{}")).await.expect("3xx is ok");
    assert_eq!(report.status, 302);
    assert_eq!(server.request_lines(), ["GET /hello HTTP/1.1"]);
}

#[tokio::test]
async fn server_error_fails_the_invocation_as_bad_status() {
    let server = Server::start(Behaviour::Status(503)).await;
    let err = handle(&caller(&server.url, 2000), event("{}")).await.expect_err("503 fails");
    let d = Diagnostic::from(err);
    assert_eq!(d.error_type, "BadStatus");
    let prefix = format!("GET '{}/hello' answered 503 after ", server.url);
    assert!(d.error_message.starts_with(&prefix) && d.error_message.ends_with(" ms"), "{d:?}");
    assert_eq!(server.request_lines().len(), 1, "one request, no retry");
}

#[tokio::test]
async fn client_error_fails_the_invocation_as_bad_status() {
    let server = Server::start(Behaviour::Status(404)).await;
    let err = handle(&caller(&server.url, 2000), event(include_str!("../fixtures/caller-direct.json")))
        .await
        .expect_err("404 fails");
    assert_eq!(Diagnostic::from(err).error_type, "BadStatus");
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    // Bind then drop, so the port is very likely closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{port}");
    let err = handle(&caller(&url, 2000), event("{}")).await.expect_err("refused");
    let d = Diagnostic::from(err);
    assert_eq!(d.error_type, "Unreachable");
    let prefix = format!("GET '{url}/hello' unreachable after ");
    assert!(d.error_message.starts_with(&prefix), "{d:?}");
    assert!(d.error_message.contains(" ms: connection failed: "), "{d:?}");
    assert!(d.error_message.to_lowercase().contains("connection refused"), "the cause is quoted: {d:?}");
}

#[tokio::test]
async fn slow_load_balancer_times_out_as_unreachable() {
    let server = Server::start(Behaviour::NeverAnswer).await;
    let err = handle(&caller(&server.url, 150), event("{}")).await.expect_err("timeout");
    let d = Diagnostic::from(err);
    assert_eq!(d.error_type, "Unreachable");
    let prefix = format!("GET '{}/hello' unreachable after ", server.url);
    assert!(d.error_message.starts_with(&prefix), "{d:?}");
    assert!(
        d.error_message.ends_with(" ms: timed out (no complete response within the 150 ms request timeout)"),
        "{d:?}"
    );
    assert_eq!(server.request_lines(), ["GET /hello HTTP/1.1"], "the request was sent");
}

#[tokio::test]
async fn bad_path_is_rejected_before_any_request() {
    let server = Server::start(Behaviour::Status(200)).await;
    let c = caller(&server.url, 2000);
    let err =
        handle(&c, event(include_str!("../fixtures/caller-bad-path.json"))).await.expect_err("bad path");
    let d = Diagnostic::from(err);
    assert_eq!(d.error_type, "NonRetryable");
    expect![
        "invalid event: invalid path 'orders/7': expected an absolute path such as /hello, percent-encoded"
    ]
    .assert_eq(&d.error_message);
    let err = handle(&c, event(r#"{"path": "/a b"}"#)).await.expect_err("space in path");
    assert_eq!(Diagnostic::from(err).error_type, "NonRetryable");
    assert!(server.request_lines().is_empty(), "no request may reach the load balancer");
}

#[tokio::test]
async fn bad_method_is_rejected_before_any_request() {
    let server = Server::start(Behaviour::Status(200)).await;
    let err = handle(&caller(&server.url, 2000), event(include_str!("../fixtures/caller-bad-method.json")))
        .await
        .expect_err("bad method");
    let d = Diagnostic::from(err);
    assert_eq!(d.error_type, "NonRetryable");
    expect!["invalid event: invalid method 'GET /admin': expected an HTTP method such as GET or POST"]
        .assert_eq(&d.error_message);
    assert!(server.request_lines().is_empty(), "no request may reach the load balancer");
}

#[test]
fn events_ignore_unknown_fields_but_not_wrong_types() {
    let schedule: CallerEvent =
        serde_json::from_str(include_str!("../fixtures/caller-schedule.json")).expect("schedule parses");
    assert_eq!((schedule.path, schedule.method), (None, None));
    assert!(serde_json::from_str::<CallerEvent>(r#"{"path": 7}"#).is_err());
}

#[test]
fn config_errors_name_the_variable_and_the_value() {
    let check = |url: &str, path: &str, timeout: &str| {
        let env = [("TARGET_BASE_URL", url), ("DEFAULT_PATH", path), ("REQUEST_TIMEOUT_MS", timeout)];
        let lookup = |n: &str| env.iter().find(|(k, _)| *k == n).map(|(_, v)| (*v).to_owned());
        match Caller::from_lookup(http_client::build(), lookup) {
            Ok(c) => format!("ok {} {} {:?}", c.base_url, c.default_path, c.request_timeout),
            Err(e) => e.to_string(),
        }
    };
    let missing = Caller::from_lookup(http_client::build(), |_| None).expect_err("missing");
    expect!["environment variable 'TARGET_BASE_URL' is not set: the function's template must define it"]
        .assert_eq(&missing.to_string());
    expect!["ok https://internal-x.elb.amazonaws.com:443 /health 2.5s"].assert_eq(&check(
        "https://internal-x.elb.amazonaws.com:443/",
        "/health",
        "2500",
    ));
    expect!["invalid TARGET_BASE_URL 'ftp://x': expected http(s)://<host>:<port>"]
        .assert_eq(&check("ftp://x", "/", "10"));
    expect!["invalid TARGET_BASE_URL 'internal-x.elb.amazonaws.com': expected http(s)://<host>:<port>"]
        .assert_eq(&check("internal-x.elb.amazonaws.com", "/", "10"));
    expect!["invalid DEFAULT_PATH 'health': expected an absolute path such as /hello"].assert_eq(&check(
        "http://x:80",
        "health",
        "10",
    ));
    expect!["invalid REQUEST_TIMEOUT_MS '0': expected a positive number of milliseconds"].assert_eq(&check(
        "http://x:80",
        "/",
        "0",
    ));
    expect!["invalid REQUEST_TIMEOUT_MS '2s': expected a positive number of milliseconds"].assert_eq(&check(
        "http://x:80",
        "/",
        "2s",
    ));
}

#[tokio::test]
async fn https_certificates_are_verified() {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls::{ServerConfig, crypto};

    // A self-signed certificate valid for the server's address: only its issuer is untrusted.
    let certs = CertificateDer::pem_slice_iter(include_bytes!("../fixtures/tls/untrusted-cert.pem"))
        .collect::<Result<Vec<_>, _>>()
        .expect("certificate");
    let key =
        PrivateKeyDer::from_pem_slice(include_bytes!("../fixtures/tls/untrusted-key.pem")).expect("key");
    let config = ServerConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            // The client aborts the handshake; the server side has nothing to check.
            let _ = acceptor.accept(sock).await;
        }
    });

    let url = format!("https://127.0.0.1:{port}");
    let err = handle(&caller(&url, 2000), event("{}")).await.expect_err("untrusted certificate");
    let d = Diagnostic::from(err);
    assert_eq!(d.error_type, "Unreachable");
    assert!(d.error_message.starts_with(&format!("GET '{url}/hello' unreachable after ")), "{d:?}");
    assert!(d.error_message.contains("invalid peer certificate: UnknownIssuer"), "{d:?}");
}
