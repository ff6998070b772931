//! Offline checks of a built template, run before anything is written.
//!
//! This is a lint pass over the artefact itself, independent of how it was built: every `Ref`,
//! `Fn::GetAtt`, `Fn::Sub` variable and `DependsOn` must point at something that exists, attributes must
//! be valid for their resource type, resources must not depend on each other in a cycle, and the
//! CloudFormation quotas (resources, parameters, outputs, template size, name lengths) must hold.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::cfn::{Template, sub_references};

/// CloudFormation quotas this pass enforces.
pub const MAX_RESOURCES: usize = 500;
pub const MAX_PARAMETERS: usize = 200;
pub const MAX_OUTPUTS: usize = 200;
/// Largest template CloudFormation accepts in a request body; larger ones must be uploaded to S3.
pub const MAX_INLINE_BYTES: usize = 51_200;
/// Largest template CloudFormation accepts from S3.
pub const MAX_S3_BYTES: usize = 1_000_000;
pub const MAX_DESCRIPTION: usize = 1024;

/// Name properties with a length limit, by resource type (the limits AWS enforces at create time).
const NAME_LIMITS: &[(&str, &str, usize)] = &[
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Name", 32),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "Name", 32),
    ("AWS::Lambda::Function", "FunctionName", 64),
    ("AWS::IAM::Role", "RoleName", 64),
    ("AWS::IAM::Policy", "PolicyName", 128),
    ("AWS::Events::Rule", "Name", 64),
    ("AWS::SQS::Queue", "QueueName", 80),
    ("AWS::Logs::LogGroup", "LogGroupName", 512),
    ("AWS::DynamoDB::Table", "TableName", 255),
    ("AWS::S3::Bucket", "BucketName", 63),
    ("AWS::AutoScaling::AutoScalingGroup", "AutoScalingGroupName", 255),
    ("AWS::CloudWatch::Alarm", "AlarmName", 255),
    ("AWS::SecretsManager::Secret", "Name", 512),
    ("AWS::SSM::Parameter", "Name", 2048),
];

/// Problems found in a template; empty means it passed.
pub fn template(t: &Template) -> Vec<String> {
    let mut out = Vec::new();
    let json = match serde_json::to_value(t) {
        Ok(v) => v,
        Err(e) => return vec![format!("template cannot be serialized: {e}")],
    };
    let types: BTreeMap<&str, (&str, &[&str])> = t
        .resources
        .iter()
        .map(|(id, r)| (id.as_str(), (r.props.type_name(), r.props.attributes())))
        .collect();
    let params: BTreeSet<&str> = t.parameters.keys().map(|k| k.as_str()).collect();
    let conditions: BTreeSet<&str> = t.conditions.keys().map(|k| k.as_str()).collect();

    if t.resources.len() > MAX_RESOURCES {
        out.push(format!(
            "template has {} resources: CloudFormation allows {MAX_RESOURCES}",
            t.resources.len()
        ));
    }
    if t.parameters.len() > MAX_PARAMETERS {
        out.push(format!(
            "template has {} parameters: CloudFormation allows {MAX_PARAMETERS}",
            t.parameters.len()
        ));
    }
    if t.outputs.len() > MAX_OUTPUTS {
        out.push(format!("template has {} outputs: CloudFormation allows {MAX_OUTPUTS}", t.outputs.len()));
    }
    if let Some(d) = &t.description
        && d.len() > MAX_DESCRIPTION
    {
        out.push(format!(
            "template description is {} bytes: CloudFormation allows {MAX_DESCRIPTION}",
            d.len()
        ));
    }

    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let sections = [
        ("Resources", &json["Resources"]),
        ("Outputs", &json["Outputs"]),
        ("Conditions", &json["Conditions"]),
    ];
    for (section, entries) in sections {
        let Some(entries) = entries.as_object() else { continue };
        for (id, body) in sorted(entries) {
            let mut refs = Vec::new();
            collect(body, &mut refs);
            for r in refs {
                let (target, attr) = match &r {
                    Reference::Ref(t) => (t.as_str(), None),
                    Reference::GetAtt(t, a) => (t.as_str(), Some(a.as_str())),
                    Reference::Condition(c) => {
                        if !conditions.contains(c.as_str()) {
                            out.push(format!("{section}.{id}: condition '{c}' does not exist"));
                        }
                        continue;
                    }
                };
                if target.starts_with("AWS::") {
                    continue;
                }
                match (types.get(target), attr) {
                    (Some((ty, attrs)), Some(a)) => {
                        if !attrs.contains(&a) {
                            out.push(format!(
                                "{section}.{id}: '{target}' ({ty}) has no attribute '{a}': expected one of {}",
                                if attrs.is_empty() { "none".to_owned() } else { attrs.join(", ") }
                            ));
                        }
                    }
                    (Some(_), None) => {}
                    (None, None) if params.contains(target) => continue,
                    (None, _) => {
                        out.push(format!(
                            "{section}.{id}: reference to '{target}', which is not a resource or parameter"
                        ));
                        continue;
                    }
                }
                if section == "Resources" {
                    edges.entry(types_key(&types, id)).or_default().insert(target.to_owned());
                }
            }
        }
    }
    for (id, r) in &t.resources {
        for dep in &r.depends_on {
            if !types.contains_key(dep.as_str()) {
                out.push(format!("Resources.{id}: DependsOn '{dep}', which is not a resource"));
            } else {
                edges.entry(types_key(&types, id.as_str())).or_default().insert(dep.to_string());
            }
        }
        if let Some(c) = &r.condition
            && !conditions.contains(c.as_str())
        {
            out.push(format!("Resources.{id}: condition '{c}' does not exist"));
        }
        let props = &json["Resources"][id.as_str()]["Properties"];
        for (ty, prop, max) in NAME_LIMITS {
            if r.props.type_name() == *ty
                && let Some(name) = props.get(*prop).and_then(Value::as_str)
                && name.len() > *max
            {
                out.push(format!(
                    "Resources.{id}: {prop} '{name}' is {} characters: {ty} allows {max}",
                    name.len()
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        out.push(format!("resources depend on each other in a cycle: {}", cycle.join(" -> ")));
    }
    out
}

/// What each resource references (through `Ref`, `Fn::GetAtt`, `Fn::Sub` or `DependsOn`), pseudo
/// parameters excluded.
pub fn references(t: &Template) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let Ok(json) = serde_json::to_value(t) else { return out };
    for (id, r) in &t.resources {
        let mut refs = Vec::new();
        collect(&json["Resources"][id.as_str()], &mut refs);
        let entry = out.entry(id.to_string()).or_default();
        for r in refs {
            match r {
                Reference::Ref(target) | Reference::GetAtt(target, _) if !target.starts_with("AWS::") => {
                    entry.insert(target);
                }
                _ => {}
            }
        }
        entry.extend(r.depends_on.iter().map(ToString::to_string));
    }
    out
}

fn types_key<'a>(types: &BTreeMap<&'a str, (&str, &[&str])>, id: &str) -> &'a str {
    types.get_key_value(id).map_or("", |(k, _)| k)
}

/// Checks the rendered size against CloudFormation's limits. `Ok(true)` means it must go through S3.
pub fn size(rendered: &str) -> Result<bool, String> {
    match rendered.len() {
        n if n > MAX_S3_BYTES => {
            Err(format!("template is {n} bytes: CloudFormation accepts at most {MAX_S3_BYTES} even from S3"))
        }
        n => Ok(n > MAX_INLINE_BYTES),
    }
}

enum Reference {
    Ref(String),
    GetAtt(String, String),
    Condition(String),
}

fn collect(v: &Value, out: &mut Vec<Reference>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
        Value::Object(m) => {
            if m.len() == 1 {
                let (k, arg) = m.iter().next().map(|(k, v)| (k.as_str(), v)).unwrap_or(("", v));
                match k {
                    "Ref" => {
                        if let Some(t) = arg.as_str() {
                            out.push(Reference::Ref(t.to_owned()));
                        }
                        return;
                    }
                    "Fn::GetAtt" => {
                        if let Some([Value::String(r), Value::String(a)]) = arg.as_array().map(Vec::as_slice)
                        {
                            out.push(Reference::GetAtt(r.clone(), a.clone()));
                        }
                        return;
                    }
                    "Fn::Sub" => {
                        let (template, vars) = match arg {
                            Value::String(s) => (s.as_str(), None),
                            Value::Array(a) => (a.first().and_then(Value::as_str).unwrap_or(""), a.get(1)),
                            _ => ("", None),
                        };
                        let local: BTreeSet<&str> = vars
                            .and_then(Value::as_object)
                            .map(|m| m.keys().map(String::as_str).collect())
                            .unwrap_or_default();
                        for name in sub_references(template) {
                            if local.contains(name) {
                                continue;
                            }
                            match name.split_once('.') {
                                Some((r, a)) => out.push(Reference::GetAtt(r.to_owned(), a.to_owned())),
                                None => out.push(Reference::Ref(name.to_owned())),
                            }
                        }
                        if let Some(vars) = vars {
                            collect(vars, out);
                        }
                        return;
                    }
                    "Fn::If" => {
                        if let Some(Value::String(c)) = arg.as_array().and_then(|a| a.first()) {
                            out.push(Reference::Condition(c.clone()));
                        }
                        if let Some(a) = arg.as_array() {
                            a.iter().skip(1).for_each(|i| collect(i, out));
                        }
                        return;
                    }
                    "Condition" if arg.is_string() => {
                        if let Some(c) = arg.as_str() {
                            out.push(Reference::Condition(c.to_owned()));
                        }
                        return;
                    }
                    _ => {}
                }
            }
            sorted(m).into_iter().for_each(|(_, i)| collect(i, out));
        }
        _ => {}
    }
}

/// Entries in key order, so results never depend on whether serde_json preserves insertion order
/// (a feature another crate in the build may turn on).
fn sorted(m: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = m.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// The first dependency cycle found, as a path that starts and ends at the same resource.
fn find_cycle(edges: &BTreeMap<&str, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Active,
        Done,
    }
    fn visit<'a>(
        n: &'a str,
        edges: &'a BTreeMap<&str, BTreeSet<String>>,
        marks: &mut BTreeMap<&'a str, Mark>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match marks.get(n) {
            Some(Mark::Done) => return None,
            Some(Mark::Active) => {
                let start = stack.iter().position(|s| *s == n).unwrap_or(0);
                let mut cycle: Vec<String> = stack[start..].iter().map(|s| (*s).to_owned()).collect();
                cycle.push(n.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(n, Mark::Active);
        stack.push(n);
        if let Some(next) = edges.get(n) {
            for m in next {
                if let Some(c) = visit(m, edges, marks, stack) {
                    return Some(c);
                }
            }
        }
        stack.pop();
        marks.insert(n, Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for n in edges.keys() {
        let mut stack = Vec::new();
        if let Some(c) = visit(n, edges, &mut marks, &mut stack) {
            return Some(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::{ec2, sqs};
    use crate::cfn::{Expr, LogicalId, Output, Parameter};

    fn id(s: &str) -> LogicalId {
        LogicalId::new(s).unwrap()
    }

    #[test]
    fn dangling_references_and_bad_attributes_are_reported_together() {
        let mut t = Template::default();
        t.add(&id("Vpc"), ec2::Vpc { cidr_block: Some("10.0.0.0/16".into()), ..Default::default() }).unwrap();
        t.add(
            &id("Subnet"),
            ec2::Subnet {
                vpc_id: Some(Expr::r#ref(&id("Vcp"))),
                cidr_block: Some(Expr::get_att(&id("Vpc"), "CidrBlok")),
                availability_zone: Some(Expr::sub("${Region}-${AWS::Region}")),
                ..Default::default()
            },
        )
        .unwrap()
        .depends_on(&id("Nothing"));
        t.add_output(
            &id("Out"),
            Output { description: None, value: Expr::get_att(&id("Gone"), "Arn"), export: None },
        )
        .unwrap();
        let problems = template(&t);
        assert_eq!(
            problems,
            [
                "Resources.Subnet: reference to 'Region', which is not a resource or parameter",
                "Resources.Subnet: 'Vpc' (AWS::EC2::VPC) has no attribute 'CidrBlok': expected one of CidrBlock, CidrBlockAssociations, DefaultNetworkAcl, DefaultSecurityGroup, Ipv6CidrBlocks, VpcId",
                "Resources.Subnet: reference to 'Vcp', which is not a resource or parameter",
                "Outputs.Out: reference to 'Gone', which is not a resource or parameter",
                "Resources.Subnet: DependsOn 'Nothing', which is not a resource",
            ]
        );
    }

    #[test]
    fn parameters_and_sub_variables_resolve() {
        let mut t = Template::default();
        t.add_parameter(&id("Cidr"), Parameter::string("cidr")).unwrap();
        t.add(
            &id("Vpc"),
            ec2::Vpc {
                cidr_block: Some(Expr::r#ref(&id("Cidr"))),
                instance_tenancy: Some(Expr::sub_with(
                    "${Local}",
                    [("Local".to_owned(), Expr::str("default"))],
                )),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(template(&t), Vec::<String>::new());
    }

    #[test]
    fn dependency_cycles_are_named() {
        let mut t = Template::default();
        t.add(
            &id("A"),
            sqs::Queue { queue_name: Some(Expr::get_att(&id("B"), "QueueName")), ..Default::default() },
        )
        .unwrap();
        t.add(&id("B"), sqs::Queue::default()).unwrap().depends_on(&id("A"));
        assert_eq!(template(&t), ["resources depend on each other in a cycle: A -> B -> A"]);
    }

    #[test]
    fn quotas_and_name_lengths_are_enforced() {
        let mut t = Template::default();
        for i in 0..=MAX_RESOURCES {
            t.add(&id(&format!("Q{i}")), sqs::Queue::default()).unwrap();
        }
        t.add(&id("Long"), sqs::Queue { queue_name: Some("q".repeat(81).into()), ..Default::default() })
            .unwrap();
        let problems = template(&t);
        assert_eq!(problems[0], "template has 502 resources: CloudFormation allows 500");
        assert!(problems[1].starts_with("Resources.Long: QueueName 'qqq"), "{problems:?}");
        assert_eq!(size(&"x".repeat(MAX_INLINE_BYTES)), Ok(false));
        assert_eq!(size(&"x".repeat(MAX_INLINE_BYTES + 1)), Ok(true));
        assert!(size(&"x".repeat(MAX_S3_BYTES + 1)).is_err());
    }
}
