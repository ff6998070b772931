//! Validation of an appliance-asg blueprint: ids, capacity, subnets per zone, interfaces and
//! addresses, the configuration (its template must render for every zone and role), and hook timeouts.

use super::configuration::{
    ADVANCED_PARAMETER_BYTES, TEMPLATE_CONTEXT, configuration_parameter_value, configure_timeout_seconds,
    fingerprint, lifecycle_timeout_seconds, parameter_tier,
};
use super::{ApplianceAsg, ApplianceConfiguration, Licences, PublicIpSetting};
use crate::rules::{Problem, ec2_id, problem};

pub(super) fn check(a: &ApplianceAsg, base: &str, out: &mut Vec<Problem>) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
