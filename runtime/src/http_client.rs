//! The one HTTP(S) client the functions use: hyper's pooled client over rustls.
//!
//! hyper-util's legacy client plus hyper-rustls (ring provider, webpki roots, TLS verification on)
//! reuses the hyper 1 stack `lambda_runtime` already compiles, instead of a second client crate and
//! a second TLS stack. Build it once in `main` and borrow it in handlers, so connections are reused
//! across invocations.

use bytes::Bytes;
use http_body_util::Empty;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// A client for `http` and `https` URLs; https certificates are verified against the webpki roots.
pub fn build() -> HttpClient {
    let https =
        hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().build();
    Client::builder(TokioExecutor::new()).build(https)
}
