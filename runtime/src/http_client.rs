//! The one HTTP(S) client the functions use: hyper's pooled client over rustls.
//!
//! Why these crates: `lambda_runtime` already compiles hyper 1 and hyper-util, and the AWS SDK's
//! `aws-smithy-http-client` (feature `rustls-ring`) already compiles hyper-rustls, rustls with the ring
//! provider and the webpki roots, so hyper-util's legacy client over hyper-rustls adds no crate to the
//! build.
//! reqwest would add its own layer (and, with default features, a second TLS stack); aws-lc-rs,
//! native-tls and OpenSSL are deliberately absent (`cargo tree -p runtime -i aws-lc-sys` finds nothing).
//!
//! TLS verification is always on, against the webpki (Mozilla) roots compiled into the binary, so it
//! does not depend on the Lambda image's CA bundle.
//! A consequence: an HTTPS listener must present a publicly trusted certificate for the host in
//! `TARGET_BASE_URL` (for example an ACM certificate for a custom domain aliased to the load balancer);
//! a private-CA certificate fails the handshake and is reported as `Unreachable`.
//!
//! Build the client once in `main` and borrow it in handlers, so connections are reused across
//! invocations.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Empty;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// How long a pooled connection may sit idle before it is discarded instead of reused.
///
/// Below the load balancer's default idle timeout (60 s), so a connection the ALB is about to close,
/// or closed while the execution environment was frozen, is not picked for the next request.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A client for `http` and `https` URLs; https certificates are verified against the webpki roots.
pub fn build() -> HttpClient {
    let https =
        hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().build();
    Client::builder(TokioExecutor::new()).pool_idle_timeout(POOL_IDLE_TIMEOUT).build(https)
}
