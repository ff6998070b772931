//! Semantic checks on a typed blueprint: what the schema cannot say (CIDR arithmetic, cross-field rules,
//! AWS naming and quota rules). Each problem carries the dotted path of the field it is about.

use std::collections::BTreeMap;

use crate::blueprint::{
    AlbStaticIp, ApplianceAsg, ApplianceConfiguration, Blueprint, Discovery, Licences, PrivateLambda,
    Protocol, PublicIpSetting, Scheme, StaticIpMode, System,
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

/// The lifecycle function's own share of its timeout (interfaces, membership, primary, licence); the
/// hooks must outlast its full timeout and Lambda's retries.
pub const APPLIANCE_FUNCTION_TIMEOUT_SECONDS: u32 = 120;
/// What the configure function needs beyond waiting for the API: the password, licence and
/// configuration calls.
const CONFIGURE_WORK_SECONDS: u32 = 60;
/// Largest value of a Standard and of an Advanced SSM parameter.
pub const STANDARD_PARAMETER_BYTES: usize = 4096;
pub const ADVANCED_PARAMETER_BYTES: usize = 8192;
/// What the lifecycle function passes to the configuration template (see `ApplianceConfiguration`).
pub const TEMPLATE_CONTEXT: &[&str] =
    &["instance_id", "zone", "role", "is_primary", "primary_ip", "interfaces", "licence", "variables"];

/// The configure function's timeout: it waits up to the boot timeout for the API, then configures.
pub fn configure_timeout_seconds(c: &ApplianceConfiguration) -> u32 {
    c.boot_timeout_seconds + CONFIGURE_WORK_SECONDS
}

/// The lifecycle function's timeout: it invokes the configure function synchronously, so it must
/// outlast it.
pub fn lifecycle_timeout_seconds(a: &ApplianceAsg) -> u32 {
    APPLIANCE_FUNCTION_TIMEOUT_SECONDS + a.configuration.as_ref().map_or(0, configure_timeout_seconds)
}

/// The SSM parameter's value: compact JSON with sorted keys at every level, so the template does
/// not depend on the order of the YAML (or on serde_json's `preserve_order` in some builds).
pub fn configuration_parameter_value(c: &ApplianceConfiguration) -> String {
    let variables: BTreeMap<&String, serde_json::Value> =
        c.variables.iter().map(|(k, v)| (k, crate::canonical_json(v))).collect();
    // Serialized by hand around the sorted pieces: "template" sorts before "variables".
    format!(
        "{{\"template\":{},\"variables\":{}}}",
        serde_json::Value::String(c.template.clone()),
        serde_json::to_string(&variables).unwrap_or_else(|_| "{}".to_owned())
    )
}

/// The SSM parameter tier a value of `bytes` needs, or `None` when it is too large for either.
pub fn parameter_tier(bytes: usize) -> Option<&'static str> {
    if bytes <= STANDARD_PARAMETER_BYTES {
        Some("Standard")
    } else if bytes <= ADVANCED_PARAMETER_BYTES {
        Some("Advanced")
    } else {
        None
    }
}

/// A SHA-256 fingerprint as the configure function wants it (64 lowercase hex digits), from hex
/// with or without colons in any case; `None` if it is not one.
pub fn fingerprint(s: &str) -> Option<String> {
    let hex: String = s.chars().filter(|c| *c != ':').collect();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then(|| hex.to_ascii_lowercase())
}

/// `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>`.
fn secret_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    parts.len() == 7
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "secretsmanager"
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5] == "secret"
        && !parts[6].is_empty()
}

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
    if let Some(c) = &a.configuration {
        configuration(a, c, &at("configuration"), out);
    }
    // Lambda retries a failed asynchronous invocation twice, about one and two minutes apart.
    let timeout = lifecycle_timeout_seconds(a);
    let worst = 3 * timeout + 180;
    if a.lifecycle.heartbeat_timeout_seconds < worst {
        let why = match &a.configuration {
            Some(c) => format!(
                "{timeout} s timeout, of which {} s for the configure function, up to 3 attempts over about {worst} s",
                configure_timeout_seconds(c)
            ),
            None => format!("{timeout} s timeout, up to 3 attempts over about {worst} s"),
        };
        out.push((
            at("lifecycle.heartbeat_timeout_seconds"),
            format!(
                "a {} s heartbeat timeout can expire while the function is still retrying ({why})",
                a.lifecycle.heartbeat_timeout_seconds
            ),
            Some(format!("set heartbeat_timeout_seconds: {worst} or more")),
        ));
    }
}

fn configuration(a: &ApplianceAsg, c: &ApplianceConfiguration, base: &str, out: &mut Vec<Problem>) {
    let at = |p: &str| format!("{base}.{p}");
    template(a, &c.template, &at("template"), out);
    let value = configuration_parameter_value(c);
    // CloudFormation would replace a dynamic reference in the parameter value at deploy time.
    let dynamic = "{{resolve:";
    if value.contains(dynamic) {
        let (field, verb, help) = if c.template.contains(dynamic) {
            ("template", "contains", "write it as {{ '{{' }}resolve: in the template")
        } else {
            ("variables", "contain", "put it in the template as {{ '{{' }}resolve: instead")
        };
        out.push((
            at(field),
            format!("the {field} {verb} '{dynamic}', which CloudFormation would replace with a dynamic reference's value"),
            Some(help.to_owned()),
        ));
    }
    if parameter_tier(value.len()).is_none() {
        out.push((
            at("template"),
            format!(
                "the template and variables take {} bytes as JSON: an SSM parameter holds at most {ADVANCED_PARAMETER_BYTES}",
                value.len()
            ),
            Some(
                "move static parts of the configuration into the appliance image, or repeated text into variables and loops"
                    .to_owned(),
            ),
        ));
    }
    // The API security group joins the interface's groups, and an interface has at most five.
    let api_groups = if c.api_device_index == 0 {
        Some(a.boot_interface.security_groups.len())
    } else {
        a.interfaces.iter().find(|i| i.device_index == c.api_device_index).map(|i| i.security_groups.len())
    };
    match api_groups {
        None => {
            let mut known: Vec<String> = vec!["0".to_owned()];
            known.extend(a.interfaces.iter().map(|i| i.device_index.to_string()));
            out.push((
                at("api_device_index"),
                format!("no interface has device index {}", c.api_device_index),
                Some(format!("use 0 (the boot interface) or a configured device index: {}", known.join(", "))),
            ));
        }
        Some(n) if n >= 5 => out.push((
            at("api_device_index"),
            format!(
                "the API interface (device {}) already has {n} security groups: the stack adds its API group, and an interface has at most 5",
                c.api_device_index
            ),
            Some("remove one of that interface's security_groups".to_owned()),
        )),
        Some(_) => {}
    }
    if c.admin_user.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
        out.push(problem(
            at("admin_user"),
            format!(
                "invalid admin user '{}': expected a name without spaces or control characters",
                c.admin_user
            ),
        ));
    }
    if let Some(arn) = &c.admin_secret_arn
        && !secret_arn(arn)
    {
        out.push(problem(
            at("admin_secret_arn"),
            format!(
                "invalid secret ARN '{arn}': expected arn:aws:secretsmanager:<region>:<account>:secret:<name>"
            ),
        ));
    }
    for (i, f) in c.tls_fingerprints.iter().enumerate() {
        if fingerprint(f).is_none() {
            let digits = f.chars().filter(|c| *c != ':').count();
            out.push(problem(
                at(&format!("tls_fingerprints.{i}")),
                format!(
                    "invalid SHA-256 fingerprint '{f}': expected 64 hex digits (colons allowed), found {digits} characters"
                ),
            ));
        }
    }
}

/// The template must compile, read only what the lifecycle function passes it, and render (strictly,
/// as the lifecycle function does) for either role in every zone: a misspelt name or a zone missing
/// from a variable would otherwise only fail when an instance launches.
fn template(a: &ApplianceAsg, source: &str, path: &str, out: &mut Vec<Problem>) {
    let message = |e: &minijinja::Error| {
        let line = e.line().map(|l| format!(" (template line {l})")).unwrap_or_default();
        let what = e.detail().map_or_else(|| e.kind().to_string(), |d| format!("{}: {d}", e.kind()));
        format!("{what}{line}")
    };
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let compiled = match env.template_from_str(source) {
        Ok(t) => t,
        Err(e) => {
            out.push(problem(path, format!("the configuration template does not compile: {}", message(&e))));
            return;
        }
    };
    let globals: Vec<&str> = env.globals().map(|(name, _)| name).collect();
    let used: std::collections::BTreeSet<String> = compiled.undeclared_variables(false).into_iter().collect();
    let unknown: Vec<&String> = used
        .iter()
        .filter(|n| !TEMPLATE_CONTEXT.contains(&n.as_str()) && !globals.contains(&n.as_str()))
        .collect();
    for name in &unknown {
        let help = crate::diagnostic::did_you_mean(name, TEMPLATE_CONTEXT.iter().copied())
            .unwrap_or_else(|| format!("put your own values under variables and write variables.{name}"));
        out.push((
            path.to_owned(),
            format!(
                "the configuration template reads '{name}', which the lifecycle function does not pass: expected one of {}",
                TEMPLATE_CONTEXT.join(", ")
            ),
            Some(help),
        ));
    }
    if !unknown.is_empty() {
        return;
    }
    let mut seen = Vec::new();
    for (z, zone) in a.zones.iter().enumerate() {
        for role in ["primary", "secondary"] {
            if let Err(e) = compiled.render(sample_context(a, z, role))
                && !seen.contains(&message(&e))
            {
                seen.push(message(&e));
                out.push(problem(
                    path,
                    format!(
                        "the configuration template does not render for a {role} in {zone}: {}",
                        message(&e)
                    ),
                ));
            }
        }
    }
}

/// What the lifecycle function would pass an instance in zone `z` with `role`, with made-up addresses.
fn sample_context(a: &ApplianceAsg, z: usize, role: &str) -> minijinja::Value {
    let subnet = |list: &[String]| list.get(z).cloned().unwrap_or_default();
    let mut interfaces = vec![serde_json::json!({
        "device_index": 0,
        "description": "boot interface (device 0)",
        "private_ip": "10.0.0.10",
        "public_ip": null,
        "subnet_id": subnet(&a.boot_interface.subnets),
    })];
    interfaces.extend(a.interfaces.iter().map(|i| {
        let public =
            (!matches!(i.public_ip, PublicIpSetting::None)).then(|| format!("203.0.113.{}", i.device_index));
        serde_json::json!({
            "device_index": i.device_index,
            "description": i.description.clone().unwrap_or_default(),
            "private_ip": format!("10.0.{}.10", i.device_index),
            "public_ip": public,
            "subnet_id": subnet(&i.subnets),
        })
    }));
    let variables = a.configuration.as_ref().map(|c| c.variables.clone()).unwrap_or_default();
    minijinja::Value::from(minijinja::value::Serde(serde_json::json!({
        "instance_id": "i-0123456789abcdef0",
        "zone": a.zones.get(z),
        "role": role,
        "is_primary": role == "primary",
        "primary_ip": "10.0.0.10",
        "interfaces": interfaces,
        "licence": (a.licences == Licences::Files).then_some("licence.lic"),
        "variables": variables,
    })))
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

    fn configuration(yaml: &str) -> ApplianceConfiguration {
        let node = crate::yaml::parse(yaml).unwrap();
        serde_json::from_value(node.to_json()).unwrap()
    }

    #[test]
    fn fingerprints_are_normalised_to_lowercase_hex_without_colons() {
        let hex = "f94ad694d97ac1df2a06441f33fb8c0552e2884b6bb4743d4f82f1ecb8fbd50f";
        let colons =
            "F9:4A:D6:94:D9:7A:C1:DF:2A:06:44:1F:33:FB:8C:05:52:E2:88:4B:6B:B4:74:3D:4F:82:F1:EC:B8:FB:D5:0F";
        assert_eq!(fingerprint(colons).as_deref(), Some(hex));
        assert_eq!(fingerprint(&hex.to_ascii_uppercase()).as_deref(), Some(hex));
        assert_eq!(fingerprint(&hex[..62]), None);
        assert_eq!(fingerprint(&format!("{}zz", &hex[..62])), None);
    }

    #[test]
    fn parameter_tiers_follow_the_value_size() {
        assert_eq!(parameter_tier(4096), Some("Standard"));
        assert_eq!(parameter_tier(4097), Some("Advanced"));
        assert_eq!(parameter_tier(8192), Some("Advanced"));
        assert_eq!(parameter_tier(8193), None);
    }

    #[test]
    fn parameter_value_is_compact_json_with_sorted_keys() {
        let c = configuration(
            "template: \"{{ variables.b.y }}\"\nvariables:\n  b: {y: 1, x: [2, {d: 3, c: 4}]}\n  a: z\n",
        );
        assert_eq!(
            configuration_parameter_value(&c),
            r#"{"template":"{{ variables.b.y }}","variables":{"a":"z","b":{"x":[2,{"c":4,"d":3}],"y":1}}}"#
        );
    }

    #[test]
    fn the_lifecycle_timeout_covers_a_configure_call() {
        let c = configuration("template: x\nboot_timeout_seconds: 300\n");
        assert_eq!(configure_timeout_seconds(&c), 360);
        assert_eq!(c.api_port, 443);
        assert_eq!(c.admin_user, "admin");
        assert_eq!(c.api_device_index, 0);
    }

    fn appliance(variables: &str) -> ApplianceAsg {
        let yaml = format!(
            "vpc_id: vpc-0a1b2c3d\nimage_id: ami-0a1b2c3d\ninstance_type: c6i.xlarge\ncapacity: {{min: 1, max: 2, desired: 1}}\nzones: [eu-west-1a, eu-west-1b]\nboot_interface: {{subnets: [subnet-0a1b2c3d, subnet-0a1b2c3e], security_groups: [sg-0a1b2c3d]}}\ninterfaces:\n  - {{device_index: 1, subnets: [subnet-0a1b2c4d, subnet-0a1b2c4e], security_groups: [sg-0a1b2c4d], public_ip: amazon}}\nconfiguration:\n  template: x\n  variables: {variables}\n"
        );
        serde_json::from_value(crate::yaml::parse(&yaml).unwrap().to_json()).unwrap()
    }

    #[test]
    fn template_problems_name_the_line_and_the_unknown_variable() {
        let a = appliance("{}");
        let mut out = Vec::new();
        template(&a, "a\n{{ role }\n", "t", &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].1.ends_with("(template line 2)"), "{}", out[0].1);
        out.clear();
        template(&a, "{% set x = 1 %}{{ x }}{{ zone }}{{ namespace() }}{{ licnce }}", "t", &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(out[0].1.contains("reads 'licnce'"), "{}", out[0].1);
        assert_eq!(out[0].2.as_deref(), Some("did you mean 'licence'?"));
    }

    #[test]
    fn templates_render_for_both_roles_in_every_zone() {
        let source = "{% for i in interfaces %}{{ i.private_ip }} {{ i.public_ip or '-' }}\n{% endfor %}\
            {% if not is_primary %}{{ primary_ip }}{% endif %}{{ variables.peers[zone] }}";
        let mut out = Vec::new();
        template(&appliance("{peers: {eu-west-1a: 10.1.0.1, eu-west-1b: 10.2.0.1}}"), source, "t", &mut out);
        assert_eq!(out, Vec::<Problem>::new());
        template(&appliance("{peers: {eu-west-1a: 10.1.0.1}}"), source, "t", &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(
            out[0].1.starts_with(
                "the configuration template does not render for a primary in eu-west-1b: undefined value"
            ),
            "{}",
            out[0].1
        );
    }
}
