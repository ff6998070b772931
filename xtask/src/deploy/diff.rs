//! The readable diff `deploy` and `diff` print: resource changes from the change set (with the
//! replacement flag CloudFormation computed), then, separately, every IAM and security-group
//! change, computed from the deployed and the new template so a reviewer sees exactly which
//! permission or network path appears or disappears.
//!
//! Pure: no SDK types; the change set is converted to [`ResourceChange`] by the caller.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Action {
    Add,
    Modify,
    Remove,
    /// Anything else CloudFormation reports (Import, Dynamic, ...), shown as given.
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replacement {
    /// The resource is replaced: a new physical resource, the old one deleted.
    Yes,
    No,
    /// Depends on a value known only during the update.
    Conditional,
    /// Not an update (Add, Remove).
    NotApplicable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceChange {
    pub(crate) action: Action,
    pub(crate) logical_id: String,
    pub(crate) resource_type: String,
    pub(crate) replacement: Replacement,
    /// Names of the changed properties, when known.
    pub(crate) properties: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SecurityChange {
    pub(crate) added: bool,
    /// The role, policy, security group or function the line belongs to.
    pub(crate) resource: String,
    pub(crate) kind: &'static str,
    pub(crate) detail: String,
}

/// One permission or network rule a template grants.
type Grant = (String, &'static str, String);

/// Grants present in only one of the templates (`old` is `None` for a new stack).
pub(crate) fn security_changes(old: Option<&Value>, new: &Value) -> Vec<SecurityChange> {
    let before = old.map(grants).unwrap_or_default();
    let after = grants(new);
    let mut out: Vec<SecurityChange> = after
        .difference(&before)
        .map(|(r, k, d)| SecurityChange { added: true, resource: r.clone(), kind: k, detail: d.clone() })
        .chain(before.difference(&after).map(|(r, k, d)| SecurityChange {
            added: false,
            resource: r.clone(),
            kind: k,
            detail: d.clone(),
        }))
        .collect();
    out.sort_by(|a, b| {
        (&a.resource, a.kind, !a.added, &a.detail).cmp(&(&b.resource, b.kind, !b.added, &b.detail))
    });
    out
}

fn grants(template: &Value) -> BTreeSet<Grant> {
    let mut out = BTreeSet::new();
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else { return out };
    for (id, resource) in resources {
        let props = resource.get("Properties").unwrap_or(&Value::Null);
        let ty = resource.get("Type").and_then(Value::as_str).unwrap_or_default();
        let mut add = |resource: String, kind: &'static str, detail: String| {
            out.insert((resource, kind, detail));
        };
        match ty {
            "AWS::IAM::Role" => {
                for s in statements(props.get("AssumeRolePolicyDocument")) {
                    add(id.clone(), "trust", statement(s));
                }
                for policy in array(props.get("Policies")) {
                    for s in statements(policy.get("PolicyDocument")) {
                        add(id.clone(), "IAM", statement(s));
                    }
                }
                for arn in array(props.get("ManagedPolicyArns")) {
                    add(id.clone(), "IAM", format!("managed policy {}", expr(arn)));
                }
            }
            "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::S3::BucketPolicy"
            | "AWS::SQS::QueuePolicy" => {
                let kind = if ty.starts_with("AWS::IAM") { "IAM" } else { "resource policy" };
                for s in statements(props.get("PolicyDocument")) {
                    add(id.clone(), kind, statement(s));
                }
            }
            "AWS::Lambda::Permission" => add(
                id.clone(),
                "resource policy",
                format!(
                    "Allow {} by {} on {}{}",
                    expr(props.get("Action").unwrap_or(&Value::Null)),
                    expr(props.get("Principal").unwrap_or(&Value::Null)),
                    expr(props.get("FunctionName").unwrap_or(&Value::Null)),
                    props.get("SourceArn").map(|a| format!(" from {}", expr(a))).unwrap_or_default()
                ),
            ),
            "AWS::Serverless::Function" => {
                if let Some(p) = props.get("Policies") {
                    add(id.clone(), "IAM", format!("SAM policies {}", expr(p)));
                }
            }
            "AWS::EC2::SecurityGroup" => {
                for rule in array(props.get("SecurityGroupIngress")) {
                    add(id.clone(), "ingress", sg_rule(rule, true));
                }
                for rule in array(props.get("SecurityGroupEgress")) {
                    add(id.clone(), "egress", sg_rule(rule, false));
                }
            }
            "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
                let ingress = ty.ends_with("Ingress");
                let group = props.get("GroupId").map(group_name).unwrap_or_default();
                add(
                    group,
                    if ingress { "ingress" } else { "egress" },
                    format!("{} (rule {id})", sg_rule(props, ingress)),
                );
            }
            _ => {}
        }
    }
    out
}

fn array(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_array).into_iter().flatten()
}

fn statements(doc: Option<&Value>) -> Vec<&Value> {
    match doc.and_then(|d| d.get("Statement")) {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    }
}

fn statement(s: &Value) -> String {
    let field = |k: &str| s.get(k).map(expr);
    let mut out = format!(
        "{} {}",
        field("Effect").unwrap_or_default(),
        field("Action").or(field("NotAction")).unwrap_or_default()
    );
    if let Some(p) = field("Principal") {
        let _ = write!(out, " by {p}");
    }
    if let Some(r) = field("Resource").or(field("NotResource")) {
        let _ = write!(out, " on {r}");
    }
    if let Some(c) = s.get("Condition") {
        let _ = write!(out, " when {}", compact(c));
    }
    out
}

/// A security group reference as its logical ID when it is the template's own.
fn group_name(v: &Value) -> String {
    let text = expr(v);
    match text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
        Some(inner) => inner.strip_suffix(".GroupId").unwrap_or(inner).to_owned(),
        None => text,
    }
}

fn sg_rule(rule: &Value, ingress: bool) -> String {
    // The rule synth puts in an otherwise empty group so AWS does not add its allow-all default.
    if rule.get("IpProtocol").and_then(Value::as_str) == Some("icmp")
        && rule.get("FromPort").and_then(Value::as_i64) == Some(252)
        && rule.get("ToPort").and_then(Value::as_i64) == Some(86)
    {
        return "nothing (closed by default)".to_owned();
    }
    let protocol = rule.get("IpProtocol").map(expr).unwrap_or_default();
    let ports = match (rule.get("FromPort").map(expr), rule.get("ToPort").map(expr)) {
        (Some(a), Some(b)) if a == b => format!(" port {a}"),
        (Some(a), Some(b)) => format!(" ports {a}-{b}"),
        _ => String::new(),
    };
    let peer = [
        "CidrIp",
        "CidrIpv6",
        "SourceSecurityGroupId",
        "DestinationSecurityGroupId",
        "SourcePrefixListId",
        "DestinationPrefixListId",
    ]
    .iter()
    .find_map(|k| rule.get(*k).map(|v| if k.ends_with("GroupId") { group_name(v) } else { expr(v) }))
    .unwrap_or_else(|| "?".to_owned());
    let protocol = if protocol == "-1" { "all traffic".to_owned() } else { protocol };
    format!("{protocol}{ports} {} {peer}", if ingress { "from" } else { "to" })
}

/// A template value as a reviewer reads it: `${Res.Attr}` for references, Sub strings as written.
pub(crate) fn expr(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items.iter().map(expr).collect::<Vec<_>>().join(", "),
        Value::Object(m) if m.len() == 1 => {
            let (k, arg) = m.iter().next().map_or(("", &Value::Null), |(k, v)| (k.as_str(), v));
            match (k, arg) {
                ("Ref", Value::String(r)) => format!("${{{r}}}"),
                ("Fn::GetAtt", Value::Array(parts)) => {
                    format!("${{{}}}", parts.iter().map(expr).collect::<Vec<_>>().join("."))
                }
                ("Fn::GetAtt", Value::String(s)) => format!("${{{s}}}"),
                ("Fn::Sub", Value::String(s)) => s.clone(),
                ("Fn::Sub", Value::Array(a)) => {
                    // Substitute the variables given with the string, so `${Subnet}` reads as what it is.
                    let mut text = a.first().map(expr).unwrap_or_default();
                    if let Some(vars) = a.get(1).and_then(Value::as_object) {
                        for (name, value) in vars {
                            text = text.replace(&format!("${{{name}}}"), &expr(value));
                        }
                    }
                    text
                }
                ("Fn::Join", Value::Array(a)) if a.len() == 2 => {
                    let sep = a[0].as_str().unwrap_or_default();
                    a[1].as_array()
                        .map(|p| p.iter().map(expr).collect::<Vec<_>>().join(sep))
                        .unwrap_or_default()
                }
                _ => compact(v),
            }
        }
        other => compact(other),
    }
}

fn compact(v: &Value) -> String {
    // Sorted keys, so the text does not depend on how the template was parsed.
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&m[k]))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(v).to_string()
}

/// The diff as printed: a resource table, then the security table (if anything changed there).
pub(crate) fn render(stack: &str, changes: &[ResourceChange], security: &[SecurityChange]) -> String {
    let mut out = String::new();
    if changes.is_empty() {
        let _ = writeln!(out, "Stack {stack}: no resource changes");
    } else {
        let counts = |a: &Action| changes.iter().filter(|c| &c.action == a).count();
        let _ = writeln!(
            out,
            "Stack {stack}: {} to add, {} to modify, {} to remove",
            counts(&Action::Add),
            counts(&Action::Modify),
            counts(&Action::Remove)
        );
        let mut sorted: Vec<&ResourceChange> = changes.iter().collect();
        sorted.sort_by(|a, b| (&a.action, &a.logical_id).cmp(&(&b.action, &b.logical_id)));
        let id_w = sorted.iter().map(|c| c.logical_id.len()).max().unwrap_or(0);
        let ty_w = sorted.iter().map(|c| c.resource_type.len()).max().unwrap_or(0);
        for c in sorted {
            let (sign, word) = match &c.action {
                Action::Add => ("+", "add".to_owned()),
                Action::Modify => ("~", "modify".to_owned()),
                Action::Remove => ("-", "remove".to_owned()),
                Action::Other(o) => ("?", o.to_lowercase()),
            };
            let mut line = format!("  {sign} {word:<7} {:<id_w$}  {:<ty_w$}", c.logical_id, c.resource_type);
            if c.action == Action::Modify {
                let replacement = match c.replacement {
                    Replacement::Yes => "REPLACED",
                    Replacement::Conditional => "may be replaced",
                    Replacement::No | Replacement::NotApplicable => "in place",
                };
                let _ = write!(line, "  {replacement}");
                if !c.properties.is_empty() {
                    let _ = write!(line, " ({})", c.properties.join(", "));
                }
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    if !security.is_empty() {
        let _ = writeln!(out, "IAM and security-group changes:");
        let res_w = security.iter().map(|s| s.resource.len()).max().unwrap_or(0);
        let kind_w = security.iter().map(|s| s.kind.len()).max().unwrap_or(0);
        for s in security {
            let _ = writeln!(
                out,
                "  {} {:<res_w$}  {:<kind_w$}  {}",
                if s.added { "+" } else { "-" },
                s.resource,
                s.kind,
                s.detail
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use expect_test::expect;
    use serde_json::json;

    use super::*;

    fn role(actions: &[&str]) -> Value {
        json!({"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": actions, "Resource": {"Fn::GetAtt": ["Table", "Arn"]}}
            ]}}]
        }})
    }

    #[test]
    fn a_new_stack_shows_every_grant_as_added() {
        let new = json!({"Resources": {
            "Role": role(&["dynamodb:GetItem"]),
            "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"SecurityGroupIngress": [
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "SourceSecurityGroupId": {"Fn::GetAtt": ["Caller", "GroupId"]}}
            ]}},
            "Perm": {"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com", "FunctionName": {"Ref": "Fn"}, "SourceArn": {"Fn::GetAtt": ["Rule", "Arn"]}}}
        }});
        let text = render("s", &[], &security_changes(None, &new));
        expect![[r#"
            Stack s: no resource changes
            IAM and security-group changes:
              + Perm  resource policy  Allow lambda:InvokeFunction by events.amazonaws.com on ${Fn} from ${Rule.Arn}
              + Role  IAM              Allow dynamodb:GetItem on ${Table.Arn}
              + Role  trust            Allow sts:AssumeRole by {"Service":"lambda.amazonaws.com"}
              + Sg    ingress          tcp port 443 from Caller
        "#]]
        .assert_eq(&text);
    }

    #[test]
    fn only_grants_that_differ_are_listed() {
        let old = json!({"Resources": {"Role": role(&["dynamodb:GetItem"]), "Out": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {"GroupId": {"Ref": "Sg"}, "IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}}}});
        let new = json!({"Resources": {"Role": role(&["dynamodb:GetItem", "dynamodb:PutItem"])}});
        let changes = security_changes(Some(&old), &new);
        let text = render("s", &[], &changes);
        expect![[r#"
            Stack s: no resource changes
            IAM and security-group changes:
              + Role  IAM     Allow dynamodb:GetItem, dynamodb:PutItem on ${Table.Arn}
              - Role  IAM     Allow dynamodb:GetItem on ${Table.Arn}
              - Sg    egress  all traffic to 0.0.0.0/0 (rule Out)
        "#]]
        .assert_eq(&text);
        assert!(security_changes(Some(&new), &new).is_empty(), "the same template grants nothing new");
    }

    #[test]
    fn resource_changes_show_action_type_and_replacement() {
        let changes = vec![
            ResourceChange {
                action: Action::Modify,
                logical_id: "Subnet1".into(),
                resource_type: "AWS::EC2::Subnet".into(),
                replacement: Replacement::Yes,
                properties: vec!["CidrBlock".into()],
            },
            ResourceChange {
                action: Action::Add,
                logical_id: "Queue".into(),
                resource_type: "AWS::SQS::Queue".into(),
                replacement: Replacement::NotApplicable,
                properties: vec![],
            },
            ResourceChange {
                action: Action::Modify,
                logical_id: "SyncFunction".into(),
                resource_type: "AWS::Lambda::Function".into(),
                replacement: Replacement::No,
                properties: vec!["Code".into()],
            },
            ResourceChange {
                action: Action::Remove,
                logical_id: "Old".into(),
                resource_type: "AWS::Logs::LogGroup".into(),
                replacement: Replacement::NotApplicable,
                properties: vec![],
            },
        ];
        expect![[r#"
            Stack s: 1 to add, 2 to modify, 1 to remove
              + add     Queue         AWS::SQS::Queue
              ~ modify  Subnet1       AWS::EC2::Subnet       REPLACED (CidrBlock)
              ~ modify  SyncFunction  AWS::Lambda::Function  in place (Code)
              - remove  Old           AWS::Logs::LogGroup
        "#]]
        .assert_eq(&render("s", &changes, &[]));
    }
}
