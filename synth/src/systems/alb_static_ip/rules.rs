//! Validation of an alb-static-ip blueprint: ids and ARNs, listeners, and the sync settings.

use super::{AlbStaticIp, Discovery, Scheme, StaticIpMode};
use crate::rules::{LOG_RETENTION_DAYS, Problem, ec2_id, load_balancer_arn, problem, schedule_expression};

pub(super) fn check(s: &AlbStaticIp, base: &str, out: &mut Vec<Problem>) {
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
    if !LOG_RETENTION_DAYS.contains(&s.log_retention_days) {
        out.push(problem(
            at("log_retention_days"),
            format!("CloudWatch Logs does not accept a retention of {} days", s.log_retention_days),
        ));
    }
}
