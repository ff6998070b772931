//! Local peers for appliance configuration: an appliance HTTPS API (the one peer no emulator offers)
//! that records what was pushed, and a Lambda Invoke endpoint that runs the configure function's
//! handler in-process, as Lambda would run the deployed function.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use runtime::appliance_asg::appliance_api::{self, ApplianceClient, Fingerprint};
use runtime::appliance_asg::configure::{self, PushRequest};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

const CERT: &[u8] = include_bytes!("../fixtures/tls/untrusted-cert.pem");
const KEY: &[u8] = include_bytes!("../fixtures/tls/untrusted-key.pem");

/// The SHA-256 fingerprint of the test certificate the fake appliance presents.
pub(crate) fn fingerprint() -> Fingerprint {
    let cert = CertificateDer::pem_slice_iter(CERT).next().expect("a certificate").expect("PEM");
    Sha256::digest(cert.as_ref()).into()
}

/// What the fake appliance holds and was sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApplianceState {
    pub(crate) password: String,
    pub(crate) password_changes: usize,
    /// Logins with a wrong password.
    pub(crate) failed_logins: usize,
    pub(crate) licence: Option<serde_json::Value>,
    pub(crate) configuration: Option<String>,
    /// `METHOD path` of every request.
    pub(crate) requests: Vec<String>,
    /// Answer 500 to configuration uploads.
    pub(crate) refuse_configuration: bool,
}

/// A fake appliance API on 127.0.0.1 with the test certificate; it listens after `delay`.
pub(crate) async fn appliance(initial_password: &str, delay: Duration) -> (u16, Arc<Mutex<ApplianceState>>) {
    use tokio_rustls::rustls::{ServerConfig, crypto};
    let certs = CertificateDer::pem_slice_iter(CERT).collect::<Result<Vec<_>, _>>().expect("certificate");
    let key = PrivateKeyDer::from_pem_slice(KEY).expect("key");
    let config = ServerConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    // Reserve a port, then listen on it only after the "boot".
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let state =
        Arc::new(Mutex::new(ApplianceState { password: initial_password.to_owned(), ..Default::default() }));
    let shared = Arc::clone(&state);
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("listen");
        while let Ok((sock, _)) = listener.accept().await {
            let (acceptor, state) = (acceptor.clone(), Arc::clone(&shared));
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(sock).await {
                    serve(tls, move |req| answer_appliance(&state, req)).await;
                }
            });
        }
    });
    (port, state)
}

fn answer_appliance(state: &Mutex<ApplianceState>, req: HttpRequest) -> (u16, Vec<(String, String)>, String) {
    let mut s = state.lock().expect("lock");
    s.requests.push(format!("{} {}", req.method, req.path));
    let password = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|c| c.strip_prefix("admin:").map(str::to_owned));
    if password.as_deref() != Some(s.password.as_str()) {
        s.failed_logins += 1;
        return (401, vec![], r#"{"error": "authentication failed"}"#.to_owned());
    }
    let body = String::from_utf8_lossy(&req.body).into_owned();
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/api/v2/status") => (200, vec![], r#"{"status": "ok"}"#.to_owned()),
        ("POST", "/api/v2/admin/password") => {
            let v: serde_json::Value = serde_json::from_str(&body).expect("password JSON");
            s.password = v["new_password"].as_str().expect("new_password").to_owned();
            s.password_changes += 1;
            (200, vec![], "{}".to_owned())
        }
        ("PUT", "/api/v2/licence") => {
            let v: serde_json::Value = serde_json::from_str(&body).expect("licence JSON");
            if s.licence.as_ref() == Some(&v) {
                return (409, vec![], r#"{"error": "already installed"}"#.to_owned());
            }
            s.licence = Some(v);
            (200, vec![], "{}".to_owned())
        }
        ("PUT", "/api/v2/configuration") if s.refuse_configuration => {
            (500, vec![], r#"{"error": "parse error at line 1"}"#.to_owned())
        }
        ("PUT", "/api/v2/configuration") => {
            s.configuration = Some(body);
            (200, vec![], "{}".to_owned())
        }
        _ => (404, vec![], "{}".to_owned()),
    }
}

/// A configure-function configuration that trusts the fake appliance's certificate.
pub(crate) fn configure_config(
    port: u16,
    pins: Vec<Fingerprint>,
    boot_timeout: Duration,
) -> configure::Config {
    configure::Config {
        api: ApplianceClient::new(port, "admin", pins, Duration::from_secs(5), None),
        boot_timeout,
        poll_interval: Duration::from_millis(50),
    }
}

/// The appliances behind a [`lambda_endpoint`], by the private address the push was for.
pub(crate) type Fleet = Arc<Mutex<std::collections::BTreeMap<String, Arc<Mutex<ApplianceState>>>>>;

/// A Lambda Invoke endpoint (`POST /2015-03-31/functions/<name>/invocations`) running the configure
/// handler in-process. Appliance addresses are private addresses in the emulator's VPC, so the
/// endpoint starts one fake appliance per address asked for (its initial password the instance ID)
/// and pushes to it on loopback instead. `refuse_configuration` makes every appliance refuse.
pub(crate) async fn lambda_endpoint(refuse_configuration: bool) -> (String, Fleet) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let fleet: Fleet = Arc::default();
    let ports: Arc<Mutex<std::collections::BTreeMap<String, u16>>> = Arc::default();
    let shared = Arc::clone(&fleet);
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (fleet, ports) = (Arc::clone(&shared), Arc::clone(&ports));
            tokio::spawn(async move {
                serve_async(sock, move |req| {
                    let (fleet, ports) = (Arc::clone(&fleet), Arc::clone(&ports));
                    async move {
                        assert!(req.path.ends_with("/invocations"), "not an Invoke: {}", req.path);
                        let mut push: PushRequest = serde_json::from_slice(&req.body).expect("a push request");
                        let known = ports.lock().expect("lock").get(&push.address).copied();
                        let port = match known {
                            Some(port) => port,
                            None => {
                                let (port, state) = appliance(&push.instance_id, Duration::ZERO).await;
                                state.lock().expect("lock").refuse_configuration = refuse_configuration;
                                fleet.lock().expect("lock").insert(push.address.clone(), state);
                                ports.lock().expect("lock").insert(push.address.clone(), port);
                                port
                            }
                        };
                        push.address = "127.0.0.1".to_owned();
                        let config = configure_config(port, pins(), Duration::from_secs(10));
                        match configure::push(&config, &push).await {
                            Ok(report) => (200, vec![], serde_json::to_string(&report).expect("JSON")),
                            Err(e) => (
                                200,
                                vec![("X-Amz-Function-Error".to_owned(), "Unhandled".to_owned())],
                                serde_json::json!({"errorType": e.error_type(), "errorMessage": e.to_string()})
                                    .to_string(),
                            ),
                        }
                    }
                })
                .await;
            });
        }
    });
    (url, fleet)
}

/// What a [`connect_proxy`] was asked: the request line of every tunnel.
pub(crate) type Tunnels = Arc<Mutex<Vec<String>>>;

/// An HTTP proxy on 127.0.0.1 that only tunnels (`CONNECT`), to the loopback ports `routes` maps
/// `host:port` targets to (a private address standing for an appliance); 502 for other targets.
pub(crate) async fn connect_proxy(routes: Vec<(String, u16)>) -> (u16, Tunnels) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let tunnels: Tunnels = Arc::default();
    let seen = Arc::clone(&tunnels);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (routes, seen) = (routes.clone(), Arc::clone(&seen));
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let Some(req) = read_request(&mut sock, &mut buf).await else { return };
                seen.lock().expect("lock").push(format!("{} {}", req.method, req.path));
                let target = routes.iter().find(|(t, _)| *t == req.path).map(|(_, p)| *p);
                let (Some(local), "CONNECT") = (target, req.method.as_str()) else {
                    let _ = sock.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n").await;
                    return;
                };
                let Ok(mut upstream) = tokio::net::TcpStream::connect(("127.0.0.1", local)).await else {
                    return;
                };
                if sock.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut sock, &mut upstream).await;
                }
            });
        }
    });
    (port, tunnels)
}

pub(crate) fn pins() -> Vec<Fingerprint> {
    vec![fingerprint()]
}

pub(crate) fn pin_text() -> String {
    appliance_api::hex(&fingerprint())
}

/// One parsed HTTP/1.1 request.
#[derive(Debug)]
pub(crate) struct HttpRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> Option<HttpRequest> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let mut first = lines.next()?.split(' ');
            let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let length = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let mut chunk = [0u8; 8192];
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = buf[end + 4..end + 4 + length].to_vec();
            buf.drain(..end + 4 + length);
            return Some(HttpRequest { method, path, headers, body });
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn write_response<S: AsyncWrite + Unpin>(
    stream: &mut S,
    (status, headers, body): (u16, Vec<(String, String)>, String),
) -> bool {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&body);
    stream.write_all(out.as_bytes()).await.is_ok() && stream.flush().await.is_ok()
}

/// Answers requests on one connection until the peer closes it.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    answer: impl Fn(HttpRequest) -> (u16, Vec<(String, String)>, String),
) {
    let mut buf = Vec::new();
    while let Some(req) = read_request(&mut stream, &mut buf).await {
        if !write_response(&mut stream, answer(req)).await {
            return;
        }
    }
}

async fn serve_async<S, F, Fut>(mut stream: S, answer: F)
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: Fn(HttpRequest) -> Fut,
    Fut: std::future::Future<Output = (u16, Vec<(String, String)>, String)>,
{
    let mut buf = Vec::new();
    while let Some(req) = read_request(&mut stream, &mut buf).await {
        if !write_response(&mut stream, answer(req).await).await {
            return;
        }
    }
}
