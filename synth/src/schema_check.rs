//! Validates a YAML [`Node`] against the blueprint's JSON Schema, reporting every violation.
//!
//! The schema is the one `schemars` derives from `blueprint.rs`, so editors and synth agree on what is
//! valid. This walks the subset of JSON Schema that schemars emits (`$ref`, `type`, `enum`, `const`,
//! `properties`, `required`, `additionalProperties`, `items`, `oneOf`/`anyOf`/`allOf`, numeric and length
//! bounds) and phrases each violation for a person, with positions and "did you mean" hints.

use serde_json::{Map, Value as Json};

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::yaml::{Node, Value};

pub fn check(root_schema: &Json, node: &Node) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    Checker { root: root_schema }.check(root_schema, node, "", &mut out);
    out
}

struct Checker<'a> {
    root: &'a Json,
}

fn child(path: &str, part: &str) -> String {
    if path.is_empty() { part.to_owned() } else { format!("{path}.{part}") }
}

/// Property names in sorted order, whatever order the schema map keeps (serde_json's
/// `preserve_order` feature may be on in some builds and not in others).
fn sorted_keys(props: Option<&Map<String, Json>>) -> Vec<&str> {
    let mut keys: Vec<&str> = props.map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
    keys.sort_unstable();
    keys
}

fn type_matches(ty: &str, v: &Value) -> bool {
    matches!(
        (ty, v),
        ("null", Value::Null)
            | ("boolean", Value::Bool(_))
            | ("integer", Value::Int(_))
            | ("number", Value::Int(_) | Value::Float(_))
            | ("string", Value::Str(_))
            | ("array", Value::Seq(_))
            | ("object", Value::Map(_))
    )
}

fn type_name(ty: &str) -> &str {
    match ty {
        "null" => "nothing",
        "boolean" => "true or false",
        "integer" => "an integer",
        "number" => "a number",
        "string" => "a string",
        "array" => "a list",
        "object" => "a mapping",
        other => other,
    }
}

impl<'a> Checker<'a> {
    fn resolve(&self, schema: &'a Json) -> &'a Json {
        let mut s = schema;
        for _ in 0..32 {
            match s.get("$ref").and_then(Json::as_str) {
                Some(r) => match r.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                    Some(target) => s = target,
                    None => return s,
                },
                None => return s,
            }
        }
        s
    }

    fn check(&self, schema: &'a Json, node: &Node, path: &str, out: &mut Vec<Diagnostic>) {
        let schema = self.resolve(schema);
        let Some(obj) = schema.as_object() else { return }; // `true`: anything goes
        if let Some(all) = obj.get("allOf").and_then(Json::as_array) {
            for s in all {
                self.check(s, node, path, out);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = obj.get(key).and_then(Json::as_array) {
                self.check_alternatives(branches, node, path, out);
            }
        }
        if let Some(ty) = obj.get("type") {
            let types: Vec<&str> = match ty {
                Json::String(s) => vec![s.as_str()],
                Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
                _ => vec![],
            };
            if !types.is_empty() && !types.iter().any(|t| type_matches(t, &node.value)) {
                let wanted: Vec<&str> =
                    types.iter().filter(|t| **t != "null").map(|t| type_name(t)).collect();
                let wanted = if wanted.is_empty() { vec!["nothing"] } else { wanted };
                out.push(Diagnostic::new(
                    node.pos,
                    path,
                    format!("expected {}, found {}", wanted.join(" or "), node.value.describe()),
                ));
                return;
            }
        }
        if let Some(values) = obj.get("enum").and_then(Json::as_array) {
            self.check_enum(values, node, path, out);
        }
        if let Some(c) = obj.get("const") {
            self.check_enum(std::slice::from_ref(c), node, path, out);
        }
        self.check_bounds(obj, node, path, out);
        match &node.value {
            Value::Map(entries) => self.check_object(obj, node, entries, path, out),
            Value::Seq(items) => {
                if let Some(item_schema) = obj.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item_schema, item, &child(path, &i.to_string()), out);
                    }
                }
            }
            _ => {}
        }
    }

    fn check_enum(&self, values: &[Json], node: &Node, path: &str, out: &mut Vec<Diagnostic>) {
        let got = node.to_json();
        if values.contains(&got) {
            return;
        }
        let names: Vec<&str> = values.iter().filter_map(Json::as_str).collect();
        let shown = match &node.value {
            Value::Str(s) => format!("'{s}'"),
            other => other.describe(),
        };
        let mut d = Diagnostic::new(
            node.pos,
            path,
            format!("unknown value {shown}: expected one of {}", names.join(", ")),
        );
        if let Value::Str(s) = &node.value
            && let Some(help) = did_you_mean(s, names.iter().copied())
        {
            d = d.with_help(help);
        }
        out.push(d);
    }

    fn check_bounds(&self, obj: &Map<String, Json>, node: &Node, path: &str, out: &mut Vec<Diagnostic>) {
        let num = |k: &str| obj.get(k).and_then(Json::as_f64);
        let x = match node.value {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        };
        if let Some(x) = x {
            let (lo, hi) = (num("minimum"), num("maximum"));
            if lo.is_some_and(|lo| x < lo) || hi.is_some_and(|hi| x > hi) {
                let range = match (lo, hi) {
                    (Some(lo), Some(hi)) => format!("from {lo} to {hi}"),
                    (Some(lo), None) => format!("of at least {lo}"),
                    (None, Some(hi)) => format!("of at most {hi}"),
                    (None, None) => String::new(),
                };
                out.push(Diagnostic::new(node.pos, path, format!("expected a number {range}, found {x}")));
            }
        }
        let len = match &node.value {
            Value::Seq(items) => Some((items.len(), "minItems", "maxItems", "items")),
            Value::Str(s) => Some((s.chars().count(), "minLength", "maxLength", "characters")),
            _ => None,
        };
        if let Some((n, min_k, max_k, unit)) = len {
            let (lo, hi) = (num(min_k), num(max_k));
            if lo.is_some_and(|lo| (n as f64) < lo) || hi.is_some_and(|hi| (n as f64) > hi) {
                let range = match (lo, hi) {
                    (Some(lo), Some(hi)) => format!("{lo} to {hi}"),
                    (Some(lo), None) => format!("at least {lo}"),
                    (None, Some(hi)) => format!("at most {hi}"),
                    (None, None) => String::new(),
                };
                out.push(Diagnostic::new(node.pos, path, format!("expected {range} {unit}, found {n}")));
            }
        }
    }

    fn check_object(
        &self,
        obj: &'a Map<String, Json>,
        node: &Node,
        entries: &[(crate::yaml::Key, Node)],
        path: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        let props = obj.get("properties").and_then(Json::as_object);
        let additional = obj.get("additionalProperties");
        for (key, value) in entries {
            let p = child(path, &key.name);
            if let Some(s) = props.and_then(|m| m.get(&key.name)) {
                self.check(s, value, &p, out);
            } else {
                match additional {
                    Some(Json::Bool(false)) => {
                        let known = sorted_keys(props);
                        let mut d = Diagnostic::new(
                            key.pos,
                            path,
                            format!("unknown field '{}': expected one of {}", key.name, known.join(", ")),
                        );
                        if let Some(help) = did_you_mean(&key.name, known.iter().copied()) {
                            d = d.with_help(help);
                        }
                        out.push(d);
                    }
                    Some(s @ Json::Object(_)) => self.check(s, value, &p, out),
                    _ => {}
                }
            }
        }
        if let Some(required) = obj.get("required").and_then(Json::as_array) {
            let known = sorted_keys(props);
            // A misspelt required field is reported once, as the unknown field with its suggestion.
            let misspelt: Vec<String> = entries
                .iter()
                .filter(|(k, _)| !known.contains(&k.name.as_str()))
                .filter_map(|(k, _)| did_you_mean(&k.name, known.iter().copied()))
                .collect();
            for r in required.iter().filter_map(Json::as_str) {
                if misspelt.iter().any(|m| *m == format!("did you mean '{r}'?")) {
                    continue;
                }
                if !entries.iter().any(|(k, _)| k.name == r) {
                    let what = props
                        .and_then(|m| m.get(r))
                        .map(|s| self.resolve(s))
                        .and_then(|s| s.get("description"))
                        .and_then(Json::as_str)
                        .map(|d| format!(" ({})", d.lines().next().unwrap_or(d).trim_end_matches('.')))
                        .unwrap_or_default();
                    out.push(Diagnostic::new(node.pos, path, format!("missing field '{r}'{what}")));
                }
            }
        }
    }

    /// `oneOf`/`anyOf` as schemars emits them: pick the branch that fits the value's shape, so
    /// the errors are about that branch and not a wall of "did not match any".
    fn check_alternatives(&self, branches: &'a [Json], node: &Node, path: &str, out: &mut Vec<Diagnostic>) {
        let resolved: Vec<&Json> = branches.iter().map(|b| self.resolve(b)).collect();
        // A unit-variant enum with documented variants: one `const`/`enum` per branch.
        let consts: Option<Vec<Json>> = resolved
            .iter()
            .map(|b| match (b.get("const"), b.get("enum").and_then(Json::as_array)) {
                (Some(c), _) => Some(vec![c.clone()]),
                (None, Some(e)) => Some(e.clone()),
                (None, None) => None,
            })
            .collect::<Option<Vec<Vec<Json>>>>()
            .map(|v| v.into_iter().flatten().collect());
        if let Some(values) = consts {
            self.check_enum(&values, node, path, out);
            return;
        }
        let mut attempts = Vec::new();
        for b in &resolved {
            let mut errs = Vec::new();
            self.check(b, node, path, &mut errs);
            if errs.is_empty() {
                return;
            }
            attempts.push(errs);
        }
        // For externally tagged enums, the key names the variant.
        if let Value::Map(entries) = &node.value {
            let variants: Vec<&str> =
                resolved.iter().filter_map(|b| b.get("required")?.as_array()?.first()?.as_str()).collect();
            if variants.len() == resolved.len() && !variants.is_empty() {
                if let [(key, _)] = entries.as_slice() {
                    if let Some(i) = variants.iter().position(|v| *v == key.name) {
                        out.append(&mut attempts[i]);
                        return;
                    }
                    let mut d = Diagnostic::new(
                        key.pos,
                        path,
                        format!("unknown kind '{}': expected one of {}", key.name, variants.join(", ")),
                    );
                    if let Some(help) = did_you_mean(&key.name, variants.iter().copied()) {
                        d = d.with_help(help);
                    }
                    out.push(d);
                    return;
                }
                out.push(Diagnostic::new(
                    node.pos,
                    path,
                    format!("expected exactly one of {}, found {} keys", variants.join(", "), entries.len()),
                ));
                return;
            }
        }
        // Otherwise report the branch with the fewest problems (for `Option<T>`, the non-null one).
        if let Some(best) = attempts.into_iter().min_by_key(Vec::len) {
            out.extend(best);
        }
    }
}
