//! The standard proxy variables for the appliance API: `HTTPS_PROXY` (or `https_proxy`) names an HTTP
//! proxy that the client asks, with `CONNECT host:port`, for a tunnel to the appliance; `NO_PROXY` (or
//! `no_proxy`) lists the hosts reached directly. TLS runs inside the tunnel, end to end: the proxy sees
//! only ciphertext, and certificate pinning is unchanged.
//!
//! Why: where the function's network reaches appliances only through an egress proxy, this is how
//! every HTTPS client is told so (curl, the AWS SDKs).
//!
//! These are platform variables like `AWS_REGION`, not function configuration: the template sets
//! none of them, so they are not part of the contract.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Where HTTPS requests go, from `HTTPS_PROXY` and `NO_PROXY`.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// `host:port` of the proxy.
    authority: String,
    /// `Proxy-Authorization` value, from the URL's user information.
    authorization: Option<String>,
    no_proxy: Vec<NoProxy>,
}

// The user information may hold a password: never in a log line.
impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("authority", &self.authority)
            .field("authorization", &self.authorization.as_ref().map(|_| "<redacted>"))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum NoProxy {
    All,
    /// An address block (a lone address is a /32 or /128).
    Block(IpAddr, u8),
    /// A host name and its subdomains.
    Domain(String),
}

impl Proxy {
    /// The proxy the variables name, if any; `lookup` reads one environment variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Proxy>, InvalidProxy> {
        let read = |upper: &str, lower: &str| {
            lookup(upper).or_else(|| lookup(lower)).filter(|v| !v.trim().is_empty())
        };
        let Some(url) = read("HTTPS_PROXY", "https_proxy") else {
            return Ok(None);
        };
        Proxy::parse(url.trim(), read("NO_PROXY", "no_proxy").as_deref())
            .map(Some)
            .map_err(|expected| InvalidProxy { value: redact(url.trim()), expected })
    }

    fn parse(url: &str, no_proxy: Option<&str>) -> Result<Proxy, String> {
        let rest = match url.split_once("://") {
            Some(("http", rest)) => rest,
            Some((scheme, _)) => {
                return Err(format!("scheme '{scheme}' is not supported: expected an http:// proxy URL"));
            }
            None => url,
        };
        let authority = rest.split('/').next().unwrap_or_default();
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((user, host)) => (Some(user), host),
            None => (None, authority),
        };
        let expected = || "expected http://host:port".to_owned();
        let (host, port) = match hostport.strip_prefix('[') {
            Some(rest) => {
                let (host, after) = rest.split_once(']').ok_or_else(expected)?;
                (format!("[{host}]"), after.strip_prefix(':'))
            }
            None => match hostport.rsplit_once(':') {
                Some((host, port)) => (host.to_owned(), Some(port)),
                None => (hostport.to_owned(), None),
            },
        };
        if host.is_empty() || host == "[]" {
            return Err(expected());
        }
        let port = match port {
            None => 80,
            Some(port) => port
                .parse::<u16>()
                .map_err(|_| format!("invalid port '{port}': expected http://host:port"))?,
        };
        let hostport = format!("{host}:{port}");
        let authorization = userinfo.map(|u| {
            use base64::Engine as _;
            let decoded = percent_decode(u);
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(decoded))
        });
        let no_proxy = no_proxy.map(parse_no_proxy).unwrap_or_default();
        Ok(Proxy { authority: hostport, authorization, no_proxy })
    }

    /// Whether a request to `host` goes through the proxy.
    pub fn applies_to(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let address = host.parse::<IpAddr>().ok();
        !self.no_proxy.iter().any(|rule| match rule {
            NoProxy::All => true,
            NoProxy::Block(network, bits) => address.is_some_and(|a| contains(*network, *bits, a)),
            NoProxy::Domain(domain) => host == *domain || host.ends_with(&format!(".{domain}")),
        })
    }
}

/// `HTTPS_PROXY` is not a proxy URL the client can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid HTTPS_PROXY '{value}': {expected}")]
pub struct InvalidProxy {
    /// The URL without its user information.
    pub value: String,
    pub expected: String,
}

/// The URL with any user information replaced, for error messages.
fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").map_or(("", url), |(s, r)| (s, r));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((_, host)) => {
            let prefix = if scheme.is_empty() { String::new() } else { format!("{scheme}://") };
            format!("{prefix}<redacted>@{host}{}", &rest[authority_end..])
        }
        None => url.to_owned(),
    }
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// curl's reading of `NO_PROXY`: comma-separated host names (a leading dot or `*.` optional; each
/// covers its subdomains), IP addresses, CIDR blocks, or `*` for every host. Ports are ignored.
fn parse_no_proxy(text: &str) -> Vec<NoProxy> {
    text.split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .map(|entry| {
            if entry == "*" {
                return NoProxy::All;
            }
            let (address, bits) = match entry.split_once('/') {
                Some((a, b)) => (a.to_owned(), b.parse::<u8>().ok()),
                None => (entry.clone(), None),
            };
            let bare = address.trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = bare.parse::<IpAddr>() {
                let max = if ip.is_ipv4() { 32 } else { 128 };
                return NoProxy::Block(ip, bits.unwrap_or(max).min(max));
            }
            let host = entry
                .rsplit_once(':')
                .filter(|(_, p)| p.parse::<u16>().is_ok())
                .map_or(entry.as_str(), |(h, _)| h);
            NoProxy::Domain(host.trim_start_matches("*.").trim_start_matches('.').to_owned())
        })
        .collect()
}

fn contains(network: IpAddr, bits: u8, address: IpAddr) -> bool {
    match (network, address) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// The largest proxy answer head read before giving up.
const MAX_HEAD: usize = 16 * 1024;

/// A connector that tunnels through the proxy where it applies, and connects directly otherwise.
#[derive(Debug, Clone)]
pub struct Connector {
    direct: HttpConnector,
    proxy: Option<Proxy>,
}

impl Connector {
    pub fn new(proxy: Option<Proxy>) -> Connector {
        let mut direct = HttpConnector::new();
        direct.enforce_http(false);
        Connector { direct, proxy }
    }
}

type Connecting = Pin<Box<dyn Future<Output = Result<TokioIo<TcpStream>, std::io::Error>> + Send>>;

impl tower_service::Service<http::Uri> for Connector {
    type Response = TokioIo<TcpStream>;
    type Error = std::io::Error;
    type Future = Connecting;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> Connecting {
        let host = uri.host().unwrap_or_default().to_owned();
        let proxy = self.proxy.clone().filter(|p| p.applies_to(&host));
        let Some(proxy) = proxy else {
            let mut direct = self.direct.clone();
            return Box::pin(async move {
                tower_service::Service::call(&mut direct, uri).await.map_err(std::io::Error::other)
            });
        };
        let port = uri.port_u16().unwrap_or(443);
        Box::pin(async move { tunnel(&proxy, &host, port).await.map(TokioIo::new) })
    }
}

/// Opens a `CONNECT` tunnel to `host:port` through `proxy`.
async fn tunnel(proxy: &Proxy, host: &str, port: u16) -> Result<TcpStream, std::io::Error> {
    let target = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut stream = TcpStream::connect(&proxy.authority)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("proxy {}: {e}", proxy.authority)))?;
    let _ = stream.set_nodelay(true);
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(authorization) = &proxy.authorization {
        head.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    // Read the answer head byte by byte: whatever follows it belongs to the tunnel (the TLS server
    // speaks only after the client's hello, but a proxy may send its answer in pieces).
    let mut answer = Vec::new();
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() >= MAX_HEAD {
            return Err(std::io::Error::other(format!("proxy {}: answer head too long", proxy.authority)));
        }
        let byte = stream.read_u8().await.map_err(|e| {
            std::io::Error::new(e.kind(), format!("proxy {} closed the connection: {e}", proxy.authority))
        })?;
        answer.push(byte);
    }
    let text = String::from_utf8_lossy(&answer);
    let status_line = text.lines().next().unwrap_or_default().trim().to_owned();
    let status = status_line.split_whitespace().nth(1).and_then(|s| s.parse::<u16>().ok());
    match status {
        Some(200..=299) => Ok(stream),
        _ => Err(std::io::Error::other(format!(
            "proxy {} refused the tunnel to {target}: {status_line}",
            proxy.authority
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(vars: &[(&str, &str)]) -> Result<Option<Proxy>, InvalidProxy> {
        Proxy::from_lookup(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn no_variable_means_no_proxy() {
        assert_eq!(proxy(&[]), Ok(None));
        assert_eq!(proxy(&[("HTTPS_PROXY", " ")]), Ok(None));
    }

    #[test]
    fn proxy_urls_are_read_as_curl_reads_them() {
        let p = proxy(&[("HTTPS_PROXY", "http://10.0.0.2:3128")]).expect("valid").expect("some");
        assert_eq!(p.authority, "10.0.0.2:3128");
        assert_eq!(p.authorization, None);
        let p = proxy(&[("https_proxy", "proxy.internal")]).expect("valid").expect("some");
        assert_eq!(p.authority, "proxy.internal:80");
        let p = proxy(&[("HTTPS_PROXY", "http://user:p%40ss@proxy.internal:8080/")])
            .expect("valid")
            .expect("some");
        assert_eq!(p.authority, "proxy.internal:8080");
        assert_eq!(p.authorization.as_deref(), Some("Basic dXNlcjpwQHNz"));
        assert!(!format!("{p:?}").contains("dXNlcjpwQHNz"), "credentials are redacted");
        let p = proxy(&[("HTTPS_PROXY", "http://[::1]:3128")]).expect("valid").expect("some");
        assert_eq!(p.authority, "[::1]:3128");
    }

    #[test]
    fn unsupported_proxy_urls_are_refused_with_what_was_expected() {
        let err = proxy(&[("HTTPS_PROXY", "https://proxy:3128")]).expect_err("https proxy");
        assert_eq!(
            err.to_string(),
            "invalid HTTPS_PROXY 'https://proxy:3128': scheme 'https' is not supported: expected an http:// proxy URL"
        );
        let err = proxy(&[("HTTPS_PROXY", "http://u:secret@proxy:port")]).expect_err("bad port");
        assert_eq!(
            err.to_string(),
            "invalid HTTPS_PROXY 'http://<redacted>@proxy:port': invalid port 'port': expected http://host:port"
        );
        assert!(proxy(&[("HTTPS_PROXY", "http://:3128")]).is_err());
    }

    #[test]
    fn no_proxy_exempts_hosts_domains_and_blocks() {
        let p = proxy(&[
            ("HTTPS_PROXY", "http://10.0.0.2:3128"),
            ("NO_PROXY", "vault, .internal.example,10.1.0.0/16, 192.168.0.7,::1,*.corp:443"),
        ])
        .expect("valid")
        .expect("some");
        for direct in [
            "vault",
            "a.internal.example",
            "internal.example",
            "10.1.200.3",
            "192.168.0.7",
            "[::1]",
            "x.corp",
        ] {
            assert!(!p.applies_to(direct), "{direct} is reached directly");
        }
        for proxied in ["10.2.0.1", "192.168.0.8", "example.com", "notinternal.example", "fd00::1"] {
            assert!(p.applies_to(proxied), "{proxied} goes through the proxy");
        }
        let all = proxy(&[("HTTPS_PROXY", "http://10.0.0.2:3128"), ("no_proxy", "*")])
            .expect("valid")
            .expect("some");
        assert!(!all.applies_to("10.0.0.1"));
    }
}
