//! DNS discovery of a load balancer's addresses.
//!
//! An ALB's name answers with at most 8 addresses, chosen per query, so one lookup can miss some.
//! This asks repeatedly until the answer set has been stable for a number of queries proportional to
//! what it has found, instead of a fixed count (the original always made 50 lookups). Queries go to
//! the zone's authoritative name servers (found through the system resolver) or to configured ones,
//! which bypasses resolver caches that would repeat one answer.
//!
//! The client is a minimal RFC 1035 implementation over UDP: A and NS questions, compressed names.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use contract::alb_static_ip::sync::DnsServers;
use tokio::net::UdpSocket;

const TYPE_A: u16 = 1;
const TYPE_NS: u16 = 2;
const CLASS_IN: u16 = 1;

/// Where questions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Servers {
    /// The authoritative servers of the name's zone, found through the system resolver.
    Authoritative,
    Fixed(Vec<SocketAddr>),
}

impl Servers {
    /// `authoritative`, or `ip[:port]` entries separated by commas (port 53 by default).
    pub fn parse(text: &str) -> Result<Servers, String> {
        let entries = match DnsServers::parse(text) {
            DnsServers::Authoritative => return Ok(Servers::Authoritative),
            DnsServers::Listed(entries) => entries,
        };
        let mut out = Vec::new();
        for entry in entries {
            let addr = entry
                .parse::<SocketAddr>()
                .or_else(|_| entry.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| format!("invalid name server '{entry}': expected ip or ip:port"))?;
            out.push(addr);
        }
        if out.is_empty() {
            return Err(format!(
                "invalid name servers '{text}': expected 'authoritative' or ip[:port] entries"
            ));
        }
        Ok(Servers::Fixed(out))
    }
}

/// How long to keep asking.
#[derive(Debug, Clone)]
pub struct Settings {
    pub servers: Servers,
    /// Stop after this many consecutive queries brought nothing new (at least; see [`discover`]).
    pub min_stable_queries: usize,
    pub max_queries: usize,
    pub query_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            servers: Servers::Authoritative,
            min_stable_queries: 4,
            max_queries: 200,
            query_timeout: Duration::from_secs(2),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    #[error("no name server answered for '{name}' after {queries} queries: {last}")]
    NoAnswer { name: String, queries: usize, last: String },
    #[error("cannot find the authoritative name servers of '{name}': {reason}")]
    NoAuthority { name: String, reason: String },
}

/// The result of a discovery: the addresses and how many queries it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub addresses: BTreeSet<Ipv4Addr>,
    pub queries: usize,
}

/// Asks for `name`'s A records until the set is stable: no new address for
/// `max(min_stable_queries, 2 * ceil(found / 8))` consecutive queries, or `max_queries`.
pub async fn discover(name: &str, settings: &Settings) -> Result<Found, DnsError> {
    // Configured servers may be recursive resolvers (the VPC resolver), which answer only what
    // they are asked to resolve; authoritative servers answer from their zone either way.
    let (servers, recursive) = match &settings.servers {
        Servers::Fixed(s) => (s.clone(), true),
        Servers::Authoritative => (authoritative_servers(name, settings.query_timeout).await?, false),
    };
    let socket = UdpSocket::bind(("0.0.0.0", 0)).await.map_err(|e| DnsError::NoAnswer {
        name: name.to_owned(),
        queries: 0,
        last: format!("cannot open a UDP socket: {e}"),
    })?;
    let mut found = BTreeSet::new();
    let mut since_new = 0;
    let mut queries = 0;
    let mut answered = 0;
    let mut last_error = String::new();
    while queries < settings.max_queries {
        let server = servers[queries % servers.len()];
        queries += 1;
        match query(&socket, server, name, TYPE_A, recursive, settings.query_timeout).await {
            Ok(answer) => {
                answered += 1;
                let before = found.len();
                found.extend(answer.addresses);
                since_new = if found.len() > before { 0 } else { since_new + 1 };
                let needed = settings.min_stable_queries.max(2 * found.len().div_ceil(8));
                if since_new >= needed {
                    break;
                }
            }
            Err(e) => last_error = e,
        }
    }
    if answered == 0 {
        return Err(DnsError::NoAnswer { name: name.to_owned(), queries, last: last_error });
    }
    Ok(Found { addresses: found, queries })
}

/// The name servers of the closest enclosing zone of `name` that has NS records, resolved to addresses.
async fn authoritative_servers(name: &str, timeout: Duration) -> Result<Vec<SocketAddr>, DnsError> {
    let fail = |reason: String| DnsError::NoAuthority { name: name.to_owned(), reason };
    let resolvers = system_resolvers().map_err(fail)?;
    let socket = UdpSocket::bind(("0.0.0.0", 0)).await.map_err(|e| fail(e.to_string()))?;
    let labels: Vec<&str> = name.trim_end_matches('.').split('.').collect();
    for start in 1..labels.len() {
        let zone = labels[start..].join(".");
        let Ok(answer) = query(&socket, resolvers[0], &zone, TYPE_NS, true, timeout).await else { continue };
        if answer.names.is_empty() {
            continue;
        }
        let mut servers = Vec::new();
        for ns in &answer.names {
            if let Ok(a) = query(&socket, resolvers[0], ns, TYPE_A, true, timeout).await {
                servers.extend(a.addresses.into_iter().map(|ip| SocketAddr::new(IpAddr::V4(ip), 53)));
            }
        }
        if !servers.is_empty() {
            return Ok(servers);
        }
    }
    Err(fail("no enclosing zone returned name servers".to_owned()))
}

fn system_resolvers() -> Result<Vec<SocketAddr>, String> {
    let conf = std::fs::read_to_string("/etc/resolv.conf")
        .map_err(|e| format!("cannot read /etc/resolv.conf: {e}"))?;
    let servers: Vec<SocketAddr> = conf
        .lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect();
    if servers.is_empty() { Err("no nameserver in /etc/resolv.conf".to_owned()) } else { Ok(servers) }
}

/// What one response held.
#[derive(Debug, Default)]
struct Answer {
    addresses: Vec<Ipv4Addr>,
    names: Vec<String>,
}

async fn query(
    socket: &UdpSocket,
    server: SocketAddr,
    name: &str,
    qtype: u16,
    recursive: bool,
    timeout: Duration,
) -> Result<Answer, String> {
    let id = next_id();
    let msg = encode_query(id, name, qtype, recursive)?;
    socket.send_to(&msg, server).await.map_err(|e| format!("send to {server}: {e}"))?;
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let (n, from) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf))
            .await
            .map_err(|_| format!("{server} did not answer within {} ms", timeout.as_millis()))?
            .map_err(|e| format!("receive from {server}: {e}"))?;
        // Late answers to earlier questions share the socket: skip anything that is not this reply.
        if from != server || n < 12 || u16::from_be_bytes([buf[0], buf[1]]) != id {
            continue;
        }
        return decode_answer(&buf[..n], qtype);
    }
}

fn next_id() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0x5a5a);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn encode_query(id: u16, name: &str, qtype: u16, recursive: bool) -> Result<Vec<u8>, String> {
    let mut m = Vec::with_capacity(64);
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&(if recursive { 0x0100u16 } else { 0 }).to_be_bytes());
    m.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.trim_end_matches('.').split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(format!("invalid DNS name '{name}'"));
        }
        m.push(u8::try_from(label.len()).map_err(|_| format!("invalid DNS name '{name}'"))?);
        m.extend_from_slice(label.as_bytes());
    }
    m.push(0);
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(m)
}

fn u16_at(m: &[u8], at: usize) -> Result<u16, String> {
    m.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| "truncated DNS message".to_owned())
}

/// Reads a possibly compressed name at `at`; returns it and the offset after it.
fn read_name(m: &[u8], mut at: usize) -> Result<(String, usize), String> {
    let mut labels = Vec::new();
    let mut end = None;
    for _ in 0..128 {
        let len = *m.get(at).ok_or("truncated DNS name")?;
        if len & 0xc0 == 0xc0 {
            let ptr = usize::from(u16_at(m, at)? & 0x3fff);
            end.get_or_insert(at + 2);
            at = ptr;
        } else if len == 0 {
            return Ok((labels.join("."), end.unwrap_or(at + 1)));
        } else {
            let label = m.get(at + 1..at + 1 + usize::from(len)).ok_or("truncated DNS label")?;
            labels.push(String::from_utf8_lossy(label).to_string());
            at += 1 + usize::from(len);
        }
    }
    Err("DNS name compression loop".to_owned())
}

fn decode_answer(m: &[u8], qtype: u16) -> Result<Answer, String> {
    let flags = u16_at(m, 2)?;
    let rcode = flags & 0x000f;
    if rcode == 3 {
        return Err("the name does not exist (NXDOMAIN)".to_owned());
    }
    if rcode != 0 {
        return Err(format!("name server error (rcode {rcode})"));
    }
    if flags & 0x0200 != 0 {
        return Err("truncated answer".to_owned());
    }
    let (qd, an) = (u16_at(m, 4)?, u16_at(m, 6)?);
    let mut at = 12;
    for _ in 0..qd {
        at = read_name(m, at)?.1 + 4;
    }
    let mut answer = Answer::default();
    for _ in 0..an {
        let (_, after) = read_name(m, at)?;
        let (rtype, class) = (u16_at(m, after)?, u16_at(m, after + 2)?);
        let len = usize::from(u16_at(m, after + 8)?);
        let data = after + 10;
        let rdata = m.get(data..data + len).ok_or("truncated DNS record")?;
        if class == CLASS_IN && rtype == qtype {
            match rtype {
                TYPE_A if len == 4 => {
                    answer.addresses.push(Ipv4Addr::new(rdata[0], rdata[1], rdata[2], rdata[3]))
                }
                TYPE_NS => answer.names.push(read_name(m, data)?.0),
                _ => {}
            }
        }
        at = data + len;
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_questions_and_decodes_compressed_answers() {
        let q = encode_query(7, "a.example.com", TYPE_A, false).unwrap();
        assert_eq!(&q[..4], &[0, 7, 0, 0]);
        // A response echoing the question with two A answers whose names point back at it (0xc00c).
        let mut r = q.clone();
        r[2] = 0x84;
        r[7] = 2;
        for last in [5u8, 6] {
            r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, last]);
        }
        let a = decode_answer(&r, TYPE_A).unwrap();
        assert_eq!(a.addresses, [Ipv4Addr::new(10, 0, 0, 5), Ipv4Addr::new(10, 0, 0, 6)]);
    }

    #[test]
    fn server_lists_parse_with_default_port() {
        assert_eq!(Servers::parse("authoritative").unwrap(), Servers::Authoritative);
        assert_eq!(
            Servers::parse("10.0.0.2, 192.0.2.1:5353").unwrap(),
            Servers::Fixed(vec!["10.0.0.2:53".parse().unwrap(), "192.0.2.1:5353".parse().unwrap()])
        );
        assert!(Servers::parse("ns1").is_err());
    }

    #[test]
    fn malformed_messages_are_errors_not_panics() {
        assert!(decode_answer(&[0; 5], TYPE_A).is_err());
        let mut r = encode_query(1, "x.y", TYPE_A, false).unwrap();
        r[7] = 1; // claims an answer that is not there
        assert!(decode_answer(&r, TYPE_A).is_err());
    }
}
