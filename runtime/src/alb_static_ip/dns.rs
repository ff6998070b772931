//! DNS discovery of a load balancer's addresses.
//!
//! An ALB's name answers with at most 8 addresses, chosen per query, so one lookup can miss some.
//! This asks repeatedly until the answer set has been stable for a number of queries proportional to
//! what it has found, instead of a fixed count (the original always made 50 lookups). Queries go to
//! the zone's authoritative name servers (found through the system resolver) or to configured ones,
//! which bypasses resolver caches that would repeat one answer.
//!
//! Messages are encoded and decoded by `hickory-proto`; the transport is one UDP socket per
//! discovery (A and NS questions; an ALB's at most 8 A records fit the classic 512-byte answer).

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use contract::alb_static_ip::sync::DnsServers;
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RData, RecordType};
use tokio::net::UdpSocket;

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
        match query(&socket, server, name, RecordType::A, recursive, settings.query_timeout).await {
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
        let Ok(answer) = query(&socket, resolvers[0], &zone, RecordType::NS, true, timeout).await else {
            continue;
        };
        if answer.names.is_empty() {
            continue;
        }
        let mut servers = Vec::new();
        for ns in &answer.names {
            if let Ok(a) = query(&socket, resolvers[0], ns, RecordType::A, true, timeout).await {
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
    qtype: RecordType,
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
        if from != server {
            continue;
        }
        let response =
            Message::from_vec(&buf[..n]).map_err(|e| format!("malformed answer from {server}: {e}"))?;
        // Late answers to earlier questions share the socket: skip anything that is not this reply.
        if response.metadata.id != id {
            continue;
        }
        return read_answer(&response, qtype);
    }
}

fn next_id() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0x5a5a);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn encode_query(id: u16, name: &str, qtype: RecordType, recursive: bool) -> Result<Vec<u8>, String> {
    let qname = Name::from_ascii(name).map_err(|e| format!("invalid DNS name '{name}': {e}"))?;
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = recursive;
    message.add_query(Query::query(qname, qtype));
    message.to_vec().map_err(|e| format!("cannot encode a question for '{name}': {e}"))
}

fn read_answer(response: &Message, qtype: RecordType) -> Result<Answer, String> {
    let header = &response.metadata;
    if header.message_type != MessageType::Response {
        return Err("the name server sent a question, not an answer".to_owned());
    }
    match header.response_code {
        ResponseCode::NoError => {}
        ResponseCode::NXDomain => return Err("the name does not exist (NXDOMAIN)".to_owned()),
        other => return Err(format!("name server error ({other})")),
    }
    if header.truncation {
        return Err("truncated answer".to_owned());
    }
    let mut answer = Answer::default();
    for record in response.answers.iter().filter(|r| r.dns_class == DNSClass::IN) {
        match (&record.data, qtype) {
            (RData::A(a), RecordType::A) => answer.addresses.push(a.0),
            (RData::NS(ns), RecordType::NS) => answer.names.push(ns.0.to_ascii()),
            _ => {}
        }
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], qtype: RecordType) -> Result<Answer, String> {
        read_answer(&Message::from_vec(bytes).map_err(|e| e.to_string())?, qtype)
    }

    /// The wire bytes are checked by hand here, independently of the library that writes them.
    #[test]
    fn encodes_questions_and_decodes_compressed_answers() {
        let q = encode_query(7, "a.example.com", RecordType::A, false).unwrap();
        assert_eq!(&q[..12], &[0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&q[12..], b"\x01a\x07example\x03com\x00\x00\x01\x00\x01");
        // A response echoing the question with two A answers whose names point back at it (0xc00c).
        let mut r = q.clone();
        r[2] = 0x84;
        r[7] = 2;
        for last in [5u8, 6] {
            r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, last]);
        }
        let a = decode(&r, RecordType::A).unwrap();
        assert_eq!(a.addresses, [Ipv4Addr::new(10, 0, 0, 5), Ipv4Addr::new(10, 0, 0, 6)]);
    }

    #[test]
    fn questions_to_configured_resolvers_desire_recursion() {
        let q = encode_query(9, "a.example.com", RecordType::A, true).unwrap();
        assert_eq!(q[2] & 0x01, 0x01, "RD bit");
        assert!(encode_query(9, "a..example.com", RecordType::A, true).is_err());
    }

    #[test]
    fn truncated_nxdomain_and_question_messages_are_errors() {
        let q = encode_query(3, "x.y", RecordType::A, false).unwrap();
        assert!(decode(&q, RecordType::A).unwrap_err().contains("question"));
        let mut r = q.clone();
        r[2] = 0x86; // QR, AA, TC
        assert!(decode(&r, RecordType::A).unwrap_err().contains("truncated"));
        let mut r = q;
        r[2] = 0x84;
        r[3] = 0x03;
        assert!(decode(&r, RecordType::A).unwrap_err().contains("NXDOMAIN"));
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
        assert!(decode(&[0; 5], RecordType::A).is_err());
        let mut r = encode_query(1, "x.y", RecordType::A, false).unwrap();
        r[2] = 0x84;
        r[7] = 1; // claims an answer that is not there
        assert!(decode(&r, RecordType::A).is_err());
    }
}
