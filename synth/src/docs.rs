//! A README per stack: parameters, outputs, resources and a Mermaid diagram of what references what.
//!
//! Rendered with minijinja from `templates/stack-readme.md.j2` (compiled into the library). Templates
//! themselves are never built with minijinja: they come from the typed model.

use std::collections::{BTreeMap, BTreeSet};

use minijinja::value::{Serde, Value};
use minijinja::{Environment, context};
use serde::Serialize;

use crate::cfn::resources::iam::Effect;
use crate::cfn::{Expr, RefTarget, ResourceProps, Template};
use crate::check;

const README: &str = include_str!("../templates/stack-readme.md.j2");

/// Where a README's template came from, for its header.
#[derive(Debug, Clone)]
pub struct DocInput<'a> {
    pub stack: &'a str,
    pub blueprint_file: &'a str,
    pub env: Option<&'a str>,
    /// The stack's region, for one stack of a multi-region blueprint.
    pub region: Option<&'a str>,
    pub template_file: &'a str,
    pub size: usize,
    pub needs_s3: bool,
}

#[derive(Serialize)]
struct Node<'a> {
    id: &'a str,
    r#type: &'static str,
}

#[derive(Serialize)]
struct Group<'a> {
    name: String,
    title: String,
    nodes: Vec<Node<'a>>,
}

#[derive(Serialize)]
struct Row {
    name: String,
    r#type: String,
    description: String,
}

#[derive(Serialize)]
struct Permission {
    role: String,
    effect: &'static str,
    actions: String,
    resources: String,
}

/// A short, readable form of an expression for tables: `Ref X` -> `X`, `GetAtt X.Arn` -> `X.Arn`.
fn expr_text(e: &Expr) -> String {
    match e {
        Expr::Str(s) => s.clone(),
        Expr::Int(i) => i.to_string(),
        Expr::Bool(b) => b.to_string(),
        Expr::Ref(RefTarget::Logical(id)) => id.to_string(),
        Expr::Ref(RefTarget::Pseudo(p)) => p.name().to_owned(),
        Expr::GetAtt { resource, attribute } => format!("{resource}.{attribute}"),
        Expr::Sub { template, vars } => vars.iter().fold(template.clone(), |acc, (k, v)| {
            acc.replace(&format!("${{{k}}}"), &format!("${{{}}}", expr_text(v)))
        }),
        Expr::Join { delimiter, parts } => parts.iter().map(expr_text).collect::<Vec<_>>().join(delimiter),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn permissions(t: &Template) -> Vec<Permission> {
    let mut out = Vec::new();
    for (id, r) in &t.resources {
        let ResourceProps::Role(role) = &r.props else { continue };
        for statement in role.policies.iter().flat_map(|p| p.policy_document.statement.iter()) {
            out.push(Permission {
                role: id.to_string(),
                effect: if statement.effect == Effect::Allow { "allow" } else { "deny" },
                actions: statement.action.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "),
                resources: statement
                    .resource
                    .iter()
                    .map(|e| format!("`{}`", expr_text(e)))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    out
}

pub fn readme(t: &Template, input: &DocInput<'_>) -> Result<String, minijinja::Error> {
    let mut groups: BTreeMap<String, Vec<Node<'_>>> = BTreeMap::new();
    for (id, r) in &t.resources {
        let service = r.props.type_name().split("::").nth(1).unwrap_or("Other").to_owned();
        groups.entry(service).or_default().push(Node { id: id.as_str(), r#type: r.props.type_name() });
    }
    let groups: Vec<Group<'_>> = groups
        .into_iter()
        .map(|(service, nodes)| Group { name: format!("svc{service}"), title: service, nodes })
        .collect();
    let edges: BTreeSet<(String, String)> = check::references(t)
        .into_iter()
        .flat_map(|(from, tos)| tos.into_iter().map(move |to| (from.clone(), to)))
        .filter(|(_, to)| t.resources.keys().any(|k| k.as_str() == to))
        .collect();
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let parameters: Vec<Row> = t
        .parameters
        .iter()
        .map(|(k, p)| Row {
            name: k.to_string(),
            r#type: serde_json::to_value(p.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            description: cell(p.description.as_deref().unwrap_or("")),
        })
        .collect();
    let outputs: Vec<Row> = t
        .outputs
        .iter()
        .map(|(k, o)| Row {
            name: k.to_string(),
            r#type: String::new(),
            description: cell(o.description.as_deref().unwrap_or("")),
        })
        .collect();
    let resources: Vec<Node<'_>> =
        t.resources.iter().map(|(id, r)| Node { id: id.as_str(), r#type: r.props.type_name() }).collect();

    let mut env = Environment::new();
    env.add_template("readme", README)?;
    env.get_template("readme")?.render(context! {
        stack => input.stack,
        description => t.description.as_deref().unwrap_or(""),
        blueprint_file => input.blueprint_file,
        env => input.env,
        region => input.region,
        template_file => input.template_file,
        size => input.size,
        needs_s3 => input.needs_s3,
        groups => Value::from(Serde(groups)),
        edges => Value::from(Serde(edges)),
        parameters => Value::from(Serde(parameters)),
        outputs => Value::from(Serde(outputs)),
        resources => Value::from(Serde(resources)),
        permissions => Value::from(Serde(permissions(t))),
    })
}
