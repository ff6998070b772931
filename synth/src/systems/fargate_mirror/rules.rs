//! Validation of a fargate-mirror blueprint: cluster ARNs, the target, filter rules (numbers,
//! CIDRs, ports, duplicates and rules an earlier rule hides), session options and the schedule.

use ipnet::Ipv4Net;

use super::{Direction, FargateMirror, FilterRule, Protocol};
use crate::cidr::parse_cidr;
use crate::rules::{LOG_RETENTION_DAYS, Problem, ec2_id, load_balancer_arn, problem, schedule_expression};

/// Session and filter-rule numbers AWS accepts.
pub const NUMBERS: std::ops::RangeInclusive<u32> = 1..=32766;
/// Packet lengths AWS accepts.
pub const PACKET_LENGTHS: std::ops::RangeInclusive<u32> = 1..=8500;
/// VXLAN network identifiers are 24 bits.
pub const MAX_VNI: u32 = (1 << 24) - 1;

/// `arn:<partition>:ecs:<region>:<account>:cluster/<name>`; the name as ECS allows it.
pub fn cluster_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "ecs"
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].strip_prefix("cluster/").is_some_and(|name| {
            !name.is_empty()
                && name.len() <= 255
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

pub(super) fn check(s: &FargateMirror, base: &str, out: &mut Vec<Problem>) {
    let at = |p: &str| format!("{base}.{p}");
    for (i, arn) in s.clusters.iter().enumerate() {
        if !cluster_arn(arn) {
            out.push(problem(
                at(&format!("clusters.{i}")),
                format!(
                    "invalid ECS cluster ARN '{arn}': expected arn:aws:ecs:<region>:<account>:cluster/<name>"
                ),
            ));
        } else if s.clusters[..i].contains(arn) {
            out.push(problem(at(&format!("clusters.{i}")), format!("cluster '{arn}' is listed twice")));
        }
    }
    target(s, &at, out);
    let mut seen: Vec<(Direction, u32, usize)> = Vec::new();
    let mut parsed: Vec<Option<(Ipv4Net, Ipv4Net)>> = Vec::new();
    for (i, rule) in s.filter.rules.iter().enumerate() {
        let here = |p: &str| at(&format!("filter.rules.{i}{p}"));
        if !NUMBERS.contains(&rule.number) {
            out.push(problem(
                here(".number"),
                format!("rule number {} is out of range: expected 1 to 32766", rule.number),
            ));
        }
        if let Some((_, _, first)) = seen.iter().find(|(d, n, _)| *d == rule.direction && *n == rule.number) {
            out.push((
                here(".number"),
                format!(
                    "{} rule number {} is used twice (also by filter.rules.{first})",
                    rule.direction.as_str(),
                    rule.number
                ),
                Some("rule numbers are unique per direction".to_owned()),
            ));
        }
        seen.push((rule.direction, rule.number, i));
        let mut cidr = |value: &str, field: &str| match parse_cidr(value) {
            Ok(net) => Some(net),
            Err((message, help)) => {
                out.push((here(field), message, help));
                None
            }
        };
        let source = cidr(&rule.source_cidr, ".source_cidr");
        let destination = cidr(&rule.destination_cidr, ".destination_cidr");
        parsed.push(source.zip(destination));
        for (field, range) in
            [(".source_ports", rule.source_ports), (".destination_ports", rule.destination_ports)]
        {
            let Some(range) = range else { continue };
            if !matches!(rule.protocol, Protocol::Tcp | Protocol::Udp) {
                out.push(problem(
                    here(field),
                    "ports apply to tcp and udp rules only: set protocol: tcp or udp",
                ));
            } else if range.from > range.to {
                out.push(problem(
                    here(field),
                    format!("port range {}-{} is reversed: expected from <= to", range.from, range.to),
                ));
            }
        }
    }
    // A rule whose every packet an earlier-evaluated rule (lower number, same direction) already
    // matches never applies: almost always a mistake in the numbering.
    for (i, rule) in s.filter.rules.iter().enumerate() {
        let Some(nets) = parsed[i] else { continue };
        let hidden_by = s.filter.rules.iter().enumerate().find(|(j, other)| {
            *j != i
                && other.direction == rule.direction
                && other.number < rule.number
                && parsed[*j].is_some_and(|o| covers(other, o, rule, nets))
        });
        if let Some((j, other)) = hidden_by {
            out.push((
                at(&format!("filter.rules.{i}")),
                format!(
                    "{} rule {} never applies: rule {} (filter.rules.{j}) is evaluated first and matches all its traffic",
                    rule.direction.as_str(),
                    rule.number,
                    other.number
                ),
                Some("give it a lower number than the broader rule, or remove it".to_owned()),
            ));
        }
    }
    let mut services = s.filter.network_services.clone();
    services.dedup();
    if services.len() != s.filter.network_services.len() {
        out.push(problem(at("filter.network_services"), "a network service is listed twice"));
    }
    if !NUMBERS.contains(&s.session.number) {
        out.push(problem(
            at("session.number"),
            format!("session number {} is out of range: expected 1 to 32766", s.session.number),
        ));
    }
    if let Some(n) = s.session.packet_length
        && !PACKET_LENGTHS.contains(&n)
    {
        out.push(problem(
            at("session.packet_length"),
            format!("packet length {n} is out of range: expected 1 to 8500 bytes (omit it to mirror whole packets)"),
        ));
    }
    if let Some(n) = s.session.virtual_network_id
        && n > MAX_VNI
    {
        out.push(problem(
            at("session.virtual_network_id"),
            format!("VXLAN id {n} is out of range: expected 0 to {MAX_VNI}"),
        ));
    }
    if s.not_mirrorable.stops_per_service_per_hour == 0 || s.not_mirrorable.stops_per_service_per_hour > 100 {
        out.push((
            at("not_mirrorable.stops_per_service_per_hour"),
            format!(
                "a budget of {} stops per hour is out of range: expected 1 to 100",
                s.not_mirrorable.stops_per_service_per_hour
            ),
            Some("use action: report to never stop tasks".to_owned()),
        ));
    }
    for (field, names) in [("select.services", &s.select.services), ("select.families", &s.select.families)] {
        for (i, name) in names.iter().enumerate() {
            let ok = !name.is_empty()
                && name.len() <= 255
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                out.push(problem(
                    at(&format!("{field}.{i}")),
                    format!(
                        "invalid name '{name}': expected 1 to 255 letters, digits, hyphens or underscores"
                    ),
                ));
            }
        }
    }
    if let Err(m) = schedule_expression(&s.reconcile_schedule) {
        out.push(problem(at("reconcile_schedule"), m));
    }
    if !LOG_RETENTION_DAYS.contains(&s.log_retention_days) {
        out.push(problem(
            at("log_retention_days"),
            format!("CloudWatch Logs does not accept a retention of {} days", s.log_retention_days),
        ));
    }
}

fn target(s: &FargateMirror, at: &dyn Fn(&str) -> String, out: &mut Vec<Problem>) {
    let t = &s.target;
    let given = [
        t.network_load_balancer_arn.is_some(),
        t.gateway_load_balancer_endpoint_id.is_some(),
        t.network_interface_id.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        out.push((
            at("target"),
            "the target needs exactly one of network_load_balancer_arn, gateway_load_balancer_endpoint_id, network_interface_id".to_owned(),
            Some("a Network Load Balancer or Gateway Load Balancer endpoint has no source quota; an interface accepts 10 sources".to_owned()),
        ));
    }
    if let Some(arn) = &t.network_load_balancer_arn
        && !load_balancer_arn(arn, "net")
    {
        out.push(problem(
            at("target.network_load_balancer_arn"),
            format!("invalid Network Load Balancer ARN '{arn}': expected arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/net/<name>/<id>"),
        ));
    }
    if let Some(id) = &t.gateway_load_balancer_endpoint_id
        && !ec2_id("vpce", id)
    {
        out.push(problem(
            at("target.gateway_load_balancer_endpoint_id"),
            format!("invalid endpoint id '{id}': expected vpce- and 8 or 17 hex digits"),
        ));
    }
    if let Some(id) = &t.network_interface_id
        && !ec2_id("eni", id)
    {
        out.push(problem(
            at("target.network_interface_id"),
            format!("invalid network interface id '{id}': expected eni- and 8 or 17 hex digits"),
        ));
    }
}

/// Whether `first` matches every packet `later` matches.
fn covers(
    first: &FilterRule,
    first_nets: (Ipv4Net, Ipv4Net),
    later: &FilterRule,
    later_nets: (Ipv4Net, Ipv4Net),
) -> bool {
    let protocol = first.protocol == Protocol::All || first.protocol == later.protocol;
    let ports = |a: Option<super::PortRange>, b: Option<super::PortRange>| match (a, b) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) => a.from <= b.from && b.to <= a.to,
    };
    protocol
        && first_nets.0.contains(&later_nets.0)
        && first_nets.1.contains(&later_nets.1)
        && ports(first.source_ports, later.source_ports)
        && ports(first.destination_ports, later.destination_ports)
}
