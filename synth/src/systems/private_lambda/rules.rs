//! Validation of a private-lambda blueprint: the network plan, the listener, target names and paths.

use std::collections::BTreeMap;

use super::{PrivateLambda, Protocol};
use crate::cfn::LogicalId;
use crate::cidr;
use crate::rules::{LOG_RETENTION_DAYS, Problem, problem, schedule_expression};

pub(super) fn check(pl: &PrivateLambda, base: &str, out: &mut Vec<Problem>) {
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
