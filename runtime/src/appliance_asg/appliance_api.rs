//! The appliance's HTTPS management API, as the configure function speaks it.
//!
//! The API (FortiOS-style REST, reduced to what provisioning needs; HTTP Basic authentication as
//! the administrator on every request):
//!
//! | request | meaning | answers |
//! | --- | --- | --- |
//! | `GET /api/v2/status` | are these credentials valid | 200, 401 |
//! | `POST /api/v2/admin/password` `{"user", "new_password"}` | replace the password used to authenticate | 200 |
//! | `PUT /api/v2/licence` `{"name", "kind": "file" \| "token", "content"}` (file content base64) | install a licence | 200, 409 when already installed |
//! | `PUT /api/v2/configuration` (text) | apply the whole configuration (idempotent) | 200 |
//!
//! TLS is always verified: either the certificate's SHA-256 fingerprint is one of the pinned ones
//! (appliances present self-signed certificates; pin them), or it chains to a public root for the
//! appliance's IP address. A rejected certificate is never retried: it is a configuration error or
//! an attack, not a slow boot.
//!
//! With `HTTPS_PROXY` set (and the appliance not exempted by `NO_PROXY`), the client reaches the
//! appliance through a `CONNECT` tunnel ([`super::proxy`]); TLS and pinning stay end to end.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

use super::proxy::{Connector, Proxy};

/// A SHA-256 certificate fingerprint.
pub type Fingerprint = [u8; 32];

/// Parses fingerprints as the contract carries them: hex, comma-separated; colons and case ignored.
pub fn parse_fingerprints(text: &str) -> Result<Vec<Fingerprint>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let hex: String = s.chars().filter(|c| *c != ':').collect();
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
                .collect::<Option<Vec<u8>>>();
            bytes.and_then(|b| Fingerprint::try_from(b).ok()).ok_or_else(|| {
                format!("invalid certificate fingerprint '{s}': expected 64 hex digits (SHA-256)")
            })
        })
        .collect()
}

/// Lowercase hex, as users pin it.
pub fn hex(fingerprint: &Fingerprint) -> String {
    fingerprint.iter().map(|b| format!("{b:02x}")).collect()
}

/// Accepts exactly the pinned certificates (signatures still checked with the ring provider).
#[derive(Debug)]
struct Pinned {
    pins: Vec<Fingerprint>,
    provider: Arc<CryptoProvider>,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "certificate sha256 fingerprint {0} is not pinned: if this is the appliance's certificate, add it to configuration.tls_fingerprints"
)]
struct NotPinned(String);

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen: Fingerprint = Sha256::digest(end_entity.as_ref()).into();
        if self.pins.contains(&seen) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
                Arc::new(NotPinned(hex(&seen))),
            ))))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

type HttpsClient = Client<HttpsConnector<Connector>, Full<Bytes>>;

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The certificate was rejected: never retried.
    #[error("TLS verification failed for {url}: {detail}")]
    Tls { url: String, detail: String },
    /// No connection or no complete answer (the appliance may still be booting).
    #[error("{url} unreachable: {detail}")]
    Unreachable { url: String, detail: String },
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// The HTTPS client for appliance APIs, built once per process.
#[derive(Debug, Clone)]
pub struct ApplianceClient {
    client: HttpsClient,
    port: u16,
    user: String,
    request_timeout: Duration,
}

/// A request to one appliance.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub password: &'a str,
    pub content_type: &'a str,
    pub body: &'a [u8],
}

impl ApplianceClient {
    /// A client that trusts the `pins` (or, when empty, the public roots) for port `port`, through
    /// `proxy` where it applies.
    pub fn new(
        port: u16,
        user: &str,
        pins: Vec<Fingerprint>,
        request_timeout: Duration,
        proxy: Option<Proxy>,
    ) -> ApplianceClient {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .unwrap_or_else(|_| unreachable!("ring supports the default protocol versions"));
        let tls = if pins.is_empty() {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            builder.with_root_certificates(roots).with_no_client_auth()
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Pinned { pins, provider }))
                .with_no_client_auth()
        };
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_only()
            .enable_http1()
            .wrap_connector(Connector::new(proxy));
        ApplianceClient {
            client: Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .build(https),
            port,
            user: user.to_owned(),
            request_timeout,
        }
    }

    /// The administrator the client logs in as.
    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn url(&self, address: &str, path: &str) -> String {
        let host = if address.contains(':') { format!("[{address}]") } else { address.to_owned() };
        format!("https://{host}:{}{path}", self.port)
    }

    /// Sends one request and reads the whole answer.
    pub async fn send(&self, address: &str, r: Request<'_>) -> Result<Answer, ApiError> {
        use base64::Engine as _;
        let url = self.url(address, r.path);
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", self.user, r.password));
        let request = http::Request::builder()
            .method(r.method)
            .uri(&url)
            .header(http::header::AUTHORIZATION, format!("Basic {credentials}"))
            .header(http::header::CONTENT_TYPE, r.content_type)
            .body(Full::new(Bytes::copy_from_slice(r.body)))
            .map_err(|e| ApiError::Unreachable { url: url.clone(), detail: e.to_string() })?;
        let exchange = async {
            let response = self.client.request(request).await?;
            let status = response.status().as_u16();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Answer {
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        };
        match tokio::time::timeout(self.request_timeout, exchange).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(e)) => Err(classify(url, e.as_ref())),
            Err(_) => Err(ApiError::Unreachable {
                url,
                detail: format!("no complete answer within {} ms", self.request_timeout.as_millis()),
            }),
        }
    }
}

/// The TLS error inside `e`, looking through nested I/O errors (hyper-rustls wraps tokio-rustls',
/// which wraps rustls').
fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(r) = e.downcast_ref::<rustls::Error>() {
        return Some(r);
    }
    let inner = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    rustls_error(inner)
}

fn describe(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => other.0.to_string(),
        e => e.to_string(),
    }
}

/// A certificate rejection anywhere in the chain is a TLS error; anything else is unreachable.
fn classify(url: String, err: &(dyn std::error::Error + 'static)) -> ApiError {
    let mut chain = Vec::new();
    let mut tls = None;
    let mut current = Some(err);
    while let Some(e) = current {
        chain.push(e.to_string());
        tls = tls.or_else(|| rustls_error(e).map(describe));
        current = e.source();
    }
    chain.dedup();
    match tls {
        Some(detail) => ApiError::Tls { url, detail },
        None => ApiError::Unreachable { url, detail: chain.join(": ") },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_read_with_or_without_colons_in_any_case() {
        let plain = "AB".repeat(32);
        let colons = vec!["ab"; 32].join(":");
        let pins = parse_fingerprints(&format!("{plain}, {colons}")).expect("valid");
        assert_eq!(pins, vec![[0xab; 32], [0xab; 32]]);
        assert_eq!(hex(&pins[0]), "ab".repeat(32));
        assert_eq!(parse_fingerprints("").expect("none"), Vec::<Fingerprint>::new());
        let err = parse_fingerprints("abcd").expect_err("short");
        assert_eq!(err, "invalid certificate fingerprint 'abcd': expected 64 hex digits (SHA-256)");
        assert!(parse_fingerprints(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn ipv6_addresses_are_bracketed() {
        let c = ApplianceClient::new(8443, "admin", vec![], Duration::from_secs(1), None);
        assert_eq!(c.url("10.0.0.1", "/a"), "https://10.0.0.1:8443/a");
        assert_eq!(c.url("fd00::1", "/a"), "https://[fd00::1]:8443/a");
    }
}
