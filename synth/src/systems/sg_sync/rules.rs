//! Validation of an sg-sync blueprint: region names and count, groups, ports, the prefix list's
//! size and the security-group rule quota it counts against, the schedule.

use super::{Port, SgSync};
use crate::rules::{LOG_RETENTION_DAYS, Problem, ec2_id, problem, schedule_expression};

/// A customer-managed prefix list holds at most this many entries.
pub const MAX_PREFIX_LIST_ENTRIES: u32 = 1000;
/// The largest rules-per-security-group quota AWS grants (rules x groups per interface <= 1000).
pub const MAX_RULES_PER_SECURITY_GROUP: u32 = 1000;
/// The longest Auto Scaling group name.
const MAX_GROUP_NAME: usize = 255;

/// `<area>-<direction>-<n>` (`us-east-1`, `ap-southeast-2`) or with a partition infix
/// (`us-gov-west-1`, `us-iso-east-1`): the shape of every AWS region name.
pub fn region_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let word = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase());
    let number = |p: &str| !p.is_empty() && p.len() <= 2 && p.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [area, direction, n] => area.len() == 2 && word(area) && word(direction) && number(n),
        // `us-gov-west-1`, `us-iso-east-1`, `eusc-de-east-1`.
        [area, infix, direction, n] => {
            (2..=4).contains(&area.len())
                && word(area)
                && (2..=4).contains(&infix.len())
                && word(infix)
                && word(direction)
                && number(n)
        }
        _ => false,
    }
}

/// The partition a region belongs to: one account (and one role) never spans two.
pub fn partition(region: &str) -> &'static str {
    const PARTITIONS: &[(&str, &str)] = &[
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("eusc-", "aws-eusc"),
    ];
    PARTITIONS.iter().find(|(prefix, _)| region.starts_with(prefix)).map_or("aws", |(_, p)| p)
}

/// The prefix list's `MaxEntries`: room for every region's largest group.
pub fn max_entries(s: &SgSync) -> u64 {
    s.regions.len() as u64 * u64::from(s.max_instances_per_region)
}

pub(super) fn check(s: &SgSync, base: &str, out: &mut Vec<Problem>) {
    let at = |p: &str| format!("{base}.{p}");
    if s.regions.len() < 2 {
        out.push((
            at("regions"),
            format!("{} region given: sg-sync keeps groups in at least two regions in step", s.regions.len()),
            Some("name every region whose instances must admit each other".to_owned()),
        ));
    }
    for (name, region) in &s.regions {
        let here = |p: &str| at(&format!("regions.{name}{p}"));
        if !region_name(name) {
            out.push(problem(
                here(""),
                format!("invalid region name '{name}': expected a region such as us-east-1 or eu-west-2"),
            ));
        }
        let group = &region.auto_scaling_group;
        // The name goes into an IAM resource ARN, where `*` and `?` would be wildcards.
        let group_ok = !group.is_empty()
            && group.len() <= MAX_GROUP_NAME
            && !group.chars().any(|c| c.is_control() || matches!(c, '*' | '?' | ':' | '$' | '{' | '}'));
        if !group_ok {
            out.push(problem(
                here(".auto_scaling_group"),
                format!(
                    "invalid Auto Scaling group name '{group}': expected 1 to {MAX_GROUP_NAME} characters without ':', '*', '?', '$', braces or control characters"
                ),
            ));
        }
        let sg = &region.security_group;
        match (&sg.existing, &sg.create) {
            (Some(id), None) => {
                if !ec2_id("sg", id) {
                    out.push(problem(
                        here(".security_group.existing"),
                        format!("invalid security group id '{id}': expected sg- and 8 or 17 hex digits"),
                    ));
                }
            }
            (None, Some(create)) => {
                if !ec2_id("vpc", &create.vpc) {
                    out.push(problem(
                        here(".security_group.create.vpc"),
                        format!("invalid VPC id '{}': expected vpc- and 8 or 17 hex digits", create.vpc),
                    ));
                }
            }
            _ => out.push((
                here(".security_group"),
                "the security group needs exactly one of existing and create".to_owned(),
                Some("existing: sg-... adds the rules to a group you have; create: {vpc: vpc-...} makes a new one".to_owned()),
            )),
        }
    }
    if let Some(first) = s.regions.keys().find(|r| region_name(r)) {
        for name in s.regions.keys().filter(|r| region_name(r)) {
            if partition(name) != partition(first) {
                out.push((
                    at(&format!("regions.{name}")),
                    format!(
                        "region {name} is in partition {}, region {first} in {}: one account's functions cannot write each other's tables across partitions",
                        partition(name),
                        partition(first)
                    ),
                    Some("keep every region of a blueprint in one partition".to_owned()),
                ));
            }
        }
    }
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for (name, region) in &s.regions {
        if let Some(id) = &region.security_group.existing {
            if let Some((first, _)) = groups.iter().find(|(_, g)| g == id) {
                out.push(problem(
                    at(&format!("regions.{name}.security_group.existing")),
                    format!("security group '{id}' is also the group of region {first}: a group lives in one region"),
                ));
            }
            groups.push((name, id));
        }
    }
    ports(s, &at, out);
    capacity(s, &at, out);
    if let Err(m) = schedule_expression(&s.true_up) {
        out.push(problem(at("true_up"), m));
    }
    if !LOG_RETENTION_DAYS.contains(&s.log_retention_days) {
        out.push(problem(
            at("log_retention_days"),
            format!("CloudWatch Logs does not accept a retention of {} days", s.log_retention_days),
        ));
    }
}

fn ports(s: &SgSync, at: &dyn Fn(&str) -> String, out: &mut Vec<Problem>) {
    for (i, p) in s.ports.iter().enumerate() {
        let here = at(&format!("ports.{i}"));
        let given = (p.port.is_some(), p.from.is_some(), p.to.is_some());
        if !p.protocol.takes_ports() {
            if given != (false, false, false) {
                out.push(problem(
                    here,
                    format!(
                        "{} admits every {}: remove port, from and to (or use protocol tcp or udp)",
                        p.protocol.as_str(),
                        if p.protocol == super::Protocol::Icmp { "ICMP type" } else { "protocol and port" }
                    ),
                ));
            }
            continue;
        }
        match given {
            (true, false, false) | (false, true, true) => {}
            _ => {
                out.push((
                    here,
                    format!("a {} entry needs either port, or from and to", p.protocol.as_str()),
                    Some(
                        "such as {protocol: tcp, port: 443} or {protocol: tcp, from: 8000, to: 8010}"
                            .to_owned(),
                    ),
                ));
                continue;
            }
        }
        let Some((from, to)) = p.range() else { continue };
        if from > to {
            out.push(problem(
                at(&format!("ports.{i}.from")),
                format!("port range {from}-{to} is reversed: expected from <= to"),
            ));
            continue;
        }
        if from == 0 {
            out.push(problem(
                at(&format!("ports.{i}{}", if p.port.is_some() { ".port" } else { ".from" })),
                "port 0 is not a port a service listens on: expected 1 to 65535",
            ));
        }
    }
    // Overlapping entries would be rules admitting the same traffic twice, each counting against the
    // quota (identical ones CloudFormation refuses outright).
    for (i, p) in s.ports.iter().enumerate() {
        if let Some(j) = (0..i).find(|&j| overlaps(&s.ports[j], p)) {
            out.push((
                at(&format!("ports.{i}")),
                if p.protocol == super::Protocol::All || s.ports[j].protocol == super::Protocol::All {
                    format!(
                        "this entry overlaps ports.{j}: protocol all admits every protocol and port already"
                    )
                } else {
                    format!("this entry overlaps ports.{j}: both admit some {} traffic", p.protocol.as_str())
                },
                Some("merge them into one entry (each entry is a rule counted against the quota)".to_owned()),
            ));
        }
    }
}

fn overlaps(a: &Port, b: &Port) -> bool {
    use super::Protocol::All;
    if a.protocol == All || b.protocol == All {
        return true;
    }
    if a.protocol != b.protocol {
        return false;
    }
    match (a.range(), b.range()) {
        (Some((af, at)), Some((bf, bt))) => af <= bt && bf <= at,
        (None, None) => !a.protocol.takes_ports(),
        _ => false,
    }
}

/// The prefix list's size, and the rule quota: AWS counts a referenced prefix list as its
/// `MaxEntries` rules, once per rule that references it, against the group's rules quota.
fn capacity(s: &SgSync, at: &dyn Fn(&str) -> String, out: &mut Vec<Problem>) {
    let regions = s.regions.len() as u64;
    let mut valid = true;
    if s.max_instances_per_region == 0 {
        out.push(problem(
            at("max_instances_per_region"),
            "max_instances_per_region is 0: expected the most instances one region's group ever has (1 or more)",
        ));
        valid = false;
    }
    if s.rules_per_security_group == 0 || s.rules_per_security_group > MAX_RULES_PER_SECURITY_GROUP {
        out.push(problem(
            at("rules_per_security_group"),
            format!(
                "a quota of {} rules per security group is out of range: expected 1 to {MAX_RULES_PER_SECURITY_GROUP} (60 unless the account's quota was raised)",
                s.rules_per_security_group
            ),
        ));
        valid = false;
    }
    if !valid {
        return;
    }
    let entries = max_entries(s);
    if entries > u64::from(MAX_PREFIX_LIST_ENTRIES) {
        out.push((
            at("max_instances_per_region"),
            format!(
                "{regions} regions x {} instances is {entries} prefix list entries: a prefix list holds at most {MAX_PREFIX_LIST_ENTRIES}",
                s.max_instances_per_region
            ),
            Some(format!(
                "set max_instances_per_region: {} or less",
                u64::from(MAX_PREFIX_LIST_ENTRIES) / regions.max(1)
            )),
        ));
        return;
    }
    let rules = s.ports.len() as u64;
    let counted = rules * entries;
    let quota = u64::from(s.rules_per_security_group);
    if counted > quota && rules > 0 {
        let fits = quota / (rules * regions.max(1));
        let help = if fits >= 1 {
            format!(
                "set max_instances_per_region: {fits} or less, admit fewer ports (merge adjacent ones into a range), or raise the account's quota and set rules_per_security_group"
            )
        } else {
            "admit fewer ports (merge adjacent ones into a range), or raise the account's quota (Service Quotas: inbound rules per security group) and set rules_per_security_group".to_owned()
        };
        out.push((
            at("ports"),
            format!(
                "{rules} port rules x {entries} prefix list entries ({regions} regions x {} instances) count as {counted} rules, over the quota of {quota} rules per security group",
                s.max_instances_per_region
            ),
            Some(help),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::{partition, region_name};

    #[test]
    fn region_names() {
        for ok in ["us-east-1", "eu-west-2", "ap-southeast-2", "us-gov-west-1", "cn-north-1", "il-central-1"]
        {
            assert!(region_name(ok), "{ok}");
        }
        for bad in ["us-east", "US-EAST-1", "useast1", "us-east-1a", "u-east-1", "us-east-100"] {
            assert!(!region_name(bad), "{bad}");
        }
        assert_eq!(
            [
                partition("eu-west-1"),
                partition("cn-north-1"),
                partition("us-gov-west-1"),
                partition("us-isob-east-1")
            ],
            ["aws", "aws-cn", "aws-us-gov", "aws-iso-b"]
        );
    }
}
