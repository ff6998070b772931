//! Semantic checks on a typed blueprint: what the schema cannot say (CIDR arithmetic, cross-field rules,
//! AWS naming and quota rules). Each problem carries the dotted path of the field it is about.

use std::collections::BTreeMap;

use crate::blueprint::{
    AlbStaticIp, ApplianceAsg, Blueprint, Discovery, PrivateLambda, Protocol, PublicIpSetting, Scheme,
    StaticIpMode, System,
};
use crate::cfn::LogicalId;
use crate::cidr;

/// `(path, message, help)`.
pub type Problem = (String, String, Option<String>);

/// CloudFormation stack names: letters, digits, hyphens, starting with a letter, at most 128 characters.
pub const MAX_STACK_NAME: usize = 128;
/// CloudWatch Logs accepts only these retention periods.
pub const LOG_RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    (path.into(), message.into(), None)
}

/// Checks `bp`; `env_suffix` is the length the environment adds to the stack name (`-prod`).
pub fn blueprint(bp: &Blueprint, env_suffix: usize) -> Vec<Problem> {
    let mut out = Vec::new();
    let name_ok = bp.name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && bp.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !name_ok {
        out.push(problem(
            "name",
            format!(
                "invalid stack name '{}': expected letters, digits and hyphens, starting with a letter",
                bp.name
            ),
        ));
    } else if bp.name.len() + env_suffix > MAX_STACK_NAME {
        out.push(problem(
            "name",
            format!(
                "stack name '{}' is too long: at most {} characters with the environment suffix",
                bp.name, MAX_STACK_NAME
            ),
        ));
    }
    for (k, v) in &bp.tags {
        let path = format!("tags.{k}");
        if k.is_empty() || k.len() > 128 || k.to_ascii_lowercase().starts_with("aws:") {
            out.push(problem(
                &path,
                format!("invalid tag key '{k}': expected 1 to 128 characters not starting with 'aws:'"),
            ));
        }
        if v.len() > 256 {
            out.push(problem(
                &path,
                format!("tag value of '{k}' is {} characters long: at most 256", v.len()),
            ));
        }
    }
    match &bp.system {
        System::PrivateLambda(pl) => private_lambda(pl, "system.private-lambda", &mut out),
        System::AlbStaticIp(s) => alb_static_ip(s, "system.alb-static-ip", &mut out),
        System::ApplianceAsg(a) => appliance_asg(a, "system.appliance-asg", &mut out),
    }
    out
}

/// The lifecycle function's timeout; the hooks must outlast it and Lambda's retries.
pub const APPLIANCE_FUNCTION_TIMEOUT_SECONDS: u32 = 120;

fn appliance_asg(a: &ApplianceAsg, base: &str, out: &mut Vec<Problem>) {
    let at = |p: &str| format!("{base}.{p}");
    let id_check = |out: &mut Vec<Problem>, path: String, prefix: &str, value: &str, what: &str| {
        if !ec2_id(prefix, value) {
            out.push(problem(
                path,
                format!("invalid {what} '{value}': expected {prefix}- and 8 or 17 hex digits"),
            ));
        }
    };
    id_check(out, at("vpc_id"), "vpc", &a.vpc_id, "VPC id");
    id_check(out, at("image_id"), "ami", &a.image_id, "image id");
    let c = a.capacity;
    if !(c.min <= c.desired && c.desired <= c.max) {
        out.push(problem(
            at("capacity"),
            format!(
                "capacity must satisfy min <= desired <= max, found min {}, desired {}, max {}",
                c.min, c.desired, c.max
            ),
        ));
    }
    for (i, z) in a.zones.iter().enumerate() {
        if a.zones[..i].contains(z) {
            out.push(problem(at(&format!("zones.{i}")), format!("zone '{z}' is listed twice")));
        }
    }
    let subnets = |out: &mut Vec<Problem>, path: &str, list: &[String]| {
        if list.len() != a.zones.len() {
            out.push((
                at(path),
                format!(
                    "{} subnet{} for {} zones: give one subnet per zone",
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    a.zones.len()
                ),
                Some(format!("list them in the order of zones: {}", a.zones.join(", "))),
            ));
        }
        for (i, s) in list.iter().enumerate() {
            id_check(out, at(&format!("{path}.{i}")), "subnet", s, "subnet id");
        }
    };
    subnets(out, "boot_interface.subnets", &a.boot_interface.subnets);
    for (i, g) in a.boot_interface.security_groups.iter().enumerate() {
        id_check(out, at(&format!("boot_interface.security_groups.{i}")), "sg", g, "security group id");
    }
    let mut seen = Vec::new();
    for (n, iface) in a.interfaces.iter().enumerate() {
        let path = format!("interfaces.{n}");
        if seen.contains(&iface.device_index) {
            out.push(problem(
                at(&format!("{path}.device_index")),
                format!("device index {} is configured twice", iface.device_index),
            ));
        }
        seen.push(iface.device_index);
        subnets(out, &format!("{path}.subnets"), &iface.subnets);
        for (i, g) in iface.security_groups.iter().enumerate() {
            id_check(out, at(&format!("{path}.security_groups.{i}")), "sg", g, "security group id");
        }
        match &iface.public_ip {
            PublicIpSetting::ByoipPool(pool) if !pool.starts_with("ipv4pool-ec2-") => out.push(problem(
                at(&format!("{path}.public_ip.byoip_pool")),
                format!("invalid address pool '{pool}': expected ipv4pool-ec2-..."),
            )),
            PublicIpSetting::ElasticIps(ids) => {
                if (ids.len() as u32) < c.max {
                    out.push((
                        at(&format!("{path}.public_ip.elastic_ips")),
                        format!(
                            "{} Elastic IP{} for up to {} instances: an instance launched without a free one is abandoned",
                            ids.len(),
                            if ids.len() == 1 { "" } else { "s" },
                            c.max
                        ),
                        Some("list at least capacity.max allocation ids".to_owned()),
                    ));
                }
                for (i, e) in ids.iter().enumerate() {
                    id_check(
                        out,
                        at(&format!("{path}.public_ip.elastic_ips.{i}")),
                        "eipalloc",
                        e,
                        "allocation id",
                    );
                }
            }
            _ => {}
        }
    }
    // Lambda retries a failed asynchronous invocation twice, about one and two minutes apart.
    let worst = 3 * APPLIANCE_FUNCTION_TIMEOUT_SECONDS + 180;
    if a.lifecycle.heartbeat_timeout_seconds < worst {
        out.push((
            at("lifecycle.heartbeat_timeout_seconds"),
            format!(
                "a {} s heartbeat timeout can expire while the function is still retrying ({} s timeout, up to 3 attempts over about {worst} s)",
                a.lifecycle.heartbeat_timeout_seconds, APPLIANCE_FUNCTION_TIMEOUT_SECONDS
            ),
            Some(format!("set heartbeat_timeout_seconds: {worst} or more")),
        ));
    }
}

fn private_lambda(pl: &PrivateLambda, base: &str, out: &mut Vec<Problem>) {
    let at = |p: &str| format!("{base}.{p}");
    if pl.network.availability_zones < 2 {
        out.push((
            at("network.availability_zones"),
            format!(
                "an application load balancer needs subnets in at least two availability zones, found {}",
                pl.network.availability_zones
            ),
            Some("set availability_zones: 2 or more".to_owned()),
        ));
    } else if let Err(problems) = cidr::plan(&pl.network) {
        out.extend(problems.into_iter().map(|(p, m, h)| (at(&format!("network.{p}")), m, h)));
    }

    let lb = &pl.load_balancer;
    match (lb.protocol, &lb.certificate_arn) {
        (Protocol::Https, None) => out.push((
            at("load_balancer.certificate_arn"),
            "an https listener needs a certificate: set certificate_arn to an ACM certificate ARN".to_owned(),
            None,
        )),
        (Protocol::Http, Some(_)) => out.push((
            at("load_balancer.certificate_arn"),
            "certificate_arn is only used with protocol https".to_owned(),
            Some("set protocol: https, or remove certificate_arn".to_owned()),
        )),
        (Protocol::Https, Some(arn)) if !(arn.starts_with("arn:aws") && arn.contains(":acm:")) => out.push(problem(
            at("load_balancer.certificate_arn"),
            format!("invalid certificate ARN '{arn}': expected arn:aws:acm:<region>:<account>:certificate/<id>"),
        )),
        _ => {}
    }
    match (lb.protocol, &lb.domain_name) {
        (Protocol::Https, None) => out.push((
            at("load_balancer.domain_name"),
            "an https listener needs the domain name its certificate covers, or callers cannot verify it"
                .to_owned(),
            Some("set domain_name, and point it at the load balancer".to_owned()),
        )),
        (Protocol::Http, Some(_)) => {
            out.push(problem(at("load_balancer.domain_name"), "domain_name is only used with protocol https"))
        }
        (Protocol::Https, Some(d))
            if d.is_empty()
                || d.len() > 253
                || !d.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') =>
        {
            out.push(problem(at("load_balancer.domain_name"), format!("invalid domain name '{d}'")))
        }
        _ => {}
    }

    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    for (i, t) in pl.targets.iter().enumerate() {
        let path = at(&format!("targets.{i}"));
        let valid = t.name.len() <= 24
            && t.name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && t.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            out.push(problem(
                format!("{path}.name"),
                format!("invalid target name '{}': expected 1 to 24 lowercase letters, digits and hyphens, starting with a letter", t.name),
            ));
        } else if let Ok(id) = LogicalId::from_parts(&[&t.name])
            && let Some(first) = ids.insert(id.as_str().to_owned(), i)
        {
            out.push(problem(
                format!("{path}.name"),
                format!(
                    "target name '{}' clashes with target {first} ('{}')",
                    t.name, pl.targets[first].name
                ),
            ));
        }
        for (j, p) in t.path_patterns.iter().enumerate() {
            let ok = p.starts_with('/')
                && p.len() <= 128
                && p.chars().all(|c| c.is_ascii_alphanumeric() || "_-.$/~\"'@:+&*?".contains(c));
            if !ok {
                out.push(problem(
                    format!("{path}.path_patterns.{j}"),
                    format!("invalid path pattern '{p}': expected at most 128 characters starting with '/' (letters, digits, _-.$/~\"'@:+&, wildcards * and ?)"),
                ));
            }
        }
        if t.reserved_concurrency == Some(0) {
            out.push((
                format!("{path}.reserved_concurrency"),
                "reserved concurrency 0 throttles every request".to_owned(),
                Some("remove reserved_concurrency to use the shared pool".to_owned()),
            ));
        }
    }

    let caller = &pl.caller;
    if u64::from(caller.request_timeout_ms) >= u64::from(caller.timeout_seconds) * 1000 {
        out.push(problem(
            at("caller.request_timeout_ms"),
            format!(
                "request timeout {} ms must be shorter than the function timeout of {} s, or a slow load balancer is never reported",
                caller.request_timeout_ms, caller.timeout_seconds
            ),
        ));
    }
    if !caller.default_path.starts_with('/') {
        out.push(problem(
            at("caller.default_path"),
            format!("invalid path '{}': expected it to start with '/'", caller.default_path),
        ));
    }
    if let Some(s) = &caller.schedule
        && let Err(m) = schedule_expression(s)
    {
        out.push(problem(at("caller.schedule"), m));
    }
    if !LOG_RETENTION_DAYS.contains(&pl.log_retention_days) {
        let nearest = LOG_RETENTION_DAYS
            .iter()
            .min_by_key(|d| d.abs_diff(pl.log_retention_days))
            .copied()
            .unwrap_or(30);
        out.push((
            at("log_retention_days"),
            format!("CloudWatch Logs does not accept a retention of {} days", pl.log_retention_days),
            Some(format!("the nearest accepted value is {nearest}")),
        ));
    }
}

/// `<prefix>-` followed by 8 or 17 lowercase hex digits, the shape of EC2 resource ids.
fn ec2_id(prefix: &str, id: &str) -> bool {
    id.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')).is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

/// `arn:<partition>:elasticloadbalancing:<region>:<account>:loadbalancer/<kind>/<name>/<id>`.
fn load_balancer_arn(arn: &str, kind: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "elasticloadbalancing"
        && parts[4].len() == 12
        && parts[5]
            .strip_prefix(&format!("loadbalancer/{kind}/"))
            .is_some_and(|rest| rest.split('/').count() == 2)
}

fn alb_static_ip(s: &AlbStaticIp, base: &str, out: &mut Vec<Problem>) {
    let at = |p: &str| format!("{base}.{p}");
    if !ec2_id("vpc", &s.vpc_id) {
        out.push(problem(
            at("vpc_id"),
            format!("invalid VPC id '{}': expected vpc- and 8 or 17 hex digits", s.vpc_id),
        ));
    }
    let lb = &s.load_balancer;
    match &lb.existing_arn {
        Some(arn) => {
            if !load_balancer_arn(arn, "net") {
                out.push(problem(
                    at("load_balancer.existing_arn"),
                    format!("invalid Network Load Balancer ARN '{arn}': expected arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/net/<name>/<id>"),
                ));
            }
            if !lb.subnets.is_empty() {
                out.push(problem(
                    at("load_balancer.subnets"),
                    "subnets are only used when synth creates the load balancer: remove them or existing_arn",
                ));
            }
        }
        None => {
            if lb.subnets.is_empty() {
                out.push((
                    at("load_balancer.subnets"),
                    "a new Network Load Balancer needs subnets, one per zone".to_owned(),
                    Some("list subnet ids, or set existing_arn to use a load balancer you have".to_owned()),
                ));
            }
            for (i, subnet) in lb.subnets.iter().enumerate() {
                if !ec2_id("subnet", subnet) {
                    out.push(problem(
                        at(&format!("load_balancer.subnets.{i}")),
                        format!("invalid subnet id '{subnet}': expected subnet- and 8 or 17 hex digits"),
                    ));
                } else if lb.subnets[..i].contains(subnet) {
                    out.push(problem(
                        at(&format!("load_balancer.subnets.{i}")),
                        format!("subnet '{subnet}' is listed twice"),
                    ));
                }
            }
            if lb.scheme == Scheme::Internal && lb.elastic_ips {
                out.push((
                    at("load_balancer.elastic_ips"),
                    "an internal load balancer cannot have Elastic IPs".to_owned(),
                    Some("set elastic_ips: false (its private addresses are static per subnet)".to_owned()),
                ));
            }
        }
    }
    if !load_balancer_arn(&s.alb.arn, "app") {
        out.push(problem(
            at("alb.arn"),
            format!("invalid Application Load Balancer ARN '{}': expected arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>", s.alb.arn),
        ));
    }
    for (i, l) in s.listeners.iter().enumerate() {
        if l.port == 0 || l.alb_port == Some(0) {
            out.push(problem(at(&format!("listeners.{i}")), "port 0 is not a valid listener port"));
        }
        if let Some(arn) = &l.existing_target_group_arn {
            let parts: Vec<&str> = arn.splitn(6, ':').collect();
            let ok = parts.len() == 6
                && parts[2] == "elasticloadbalancing"
                && parts[5].starts_with("targetgroup/");
            if !ok {
                out.push(problem(
                    at(&format!("listeners.{i}.existing_target_group_arn")),
                    format!("invalid target group ARN '{arn}': expected arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>"),
                ));
            }
        }
        if s.listeners[..i].iter().any(|o| o.port == l.port) {
            out.push(problem(
                at(&format!("listeners.{i}.port")),
                format!("port {} has two listeners", l.port),
            ));
        }
    }
    match (s.mode, &s.sync) {
        (StaticIpMode::Native, Some(_)) => out.push((
            at("sync"),
            "sync settings are only used with mode: sync".to_owned(),
            Some("set mode: sync, or remove the sync block".to_owned()),
        )),
        (StaticIpMode::Sync, sync) => {
            let sync = sync.clone().unwrap_or_default();
            if sync.discovery == Discovery::Dns && s.alb.dns_name.is_none() {
                out.push((
                    at("alb.dns_name"),
                    "DNS discovery needs the ALB's DNS name".to_owned(),
                    Some("set alb.dns_name, or sync.discovery: network-interfaces".to_owned()),
                ));
            }
            for (i, server) in sync.dns_servers.iter().enumerate() {
                let ok = server.parse::<std::net::IpAddr>().is_ok()
                    || server.parse::<std::net::SocketAddr>().is_ok();
                if !ok {
                    out.push(problem(
                        at(&format!("sync.dns_servers.{i}")),
                        format!(
                            "invalid name server '{server}': expected an IP address, optionally with :port"
                        ),
                    ));
                }
            }
            if let Err(m) = schedule_expression(&sync.schedule) {
                out.push(problem(at("sync.schedule"), m));
            }
        }
        (StaticIpMode::Native, None) => {}
    }
    if let Some(arn) = &s.alarm_topic_arn
        && !(arn.starts_with("arn:aws") && arn.contains(":sns:"))
    {
        out.push(problem(at("alarm_topic_arn"), format!("invalid SNS topic ARN '{arn}'")));
    }
    if !LOG_RETENTION_DAYS.contains(&s.log_retention_days) {
        out.push(problem(
            at("log_retention_days"),
            format!("CloudWatch Logs does not accept a retention of {} days", s.log_retention_days),
        ));
    }
}

/// Checks an EventBridge schedule: `rate(1 minute)`, `rate(5 minutes)`, or `cron(6 fields)`.
pub fn schedule_expression(s: &str) -> Result<(), String> {
    let bad = || format!("invalid schedule '{s}': expected rate(<n> minutes|hours|days) or cron(<6 fields>)");
    if let Some(inner) = s.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let mut parts = inner.split_whitespace();
        let n: u32 = parts.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        let unit = parts.next().ok_or_else(bad)?;
        let singular = ["minute", "hour", "day"].contains(&unit);
        let plural = ["minutes", "hours", "days"].contains(&unit);
        if parts.next().is_some() || n == 0 || !(singular || plural) {
            return Err(bad());
        }
        if (n == 1) != singular {
            let u = unit.trim_end_matches('s');
            return Err(format!(
                "invalid schedule '{s}': EventBridge wants '1 {u}' for one and '<n> {u}s' for more"
            ));
        }
        return Ok(());
    }
    if let Some(inner) = s.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        return if inner.split_whitespace().count() == 6 { Ok(()) } else { Err(bad()) };
    }
    Err(bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        assert!(schedule_expression("rate(5 minutes)").is_ok());
        assert!(schedule_expression("rate(1 hour)").is_ok());
        assert!(schedule_expression("cron(0 12 * * ? *)").is_ok());
        assert_eq!(
            schedule_expression("rate(1 minutes)").unwrap_err(),
            "invalid schedule 'rate(1 minutes)': EventBridge wants '1 minute' for one and '<n> minutes' for more"
        );
        assert!(schedule_expression("every 5 minutes").is_err());
    }
}
