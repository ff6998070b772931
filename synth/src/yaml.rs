//! YAML source documents as position-annotated trees.
//!
//! Blueprints are parsed with `saphyr` (YAML 1.2, so `yes`/`no` stay strings) into [`Node`]s that keep
//! the line and column of every value and key, which is what lets errors point at the exact spot.

use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};

use crate::diagnostic::{Diagnostic, Pos};

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in document order, each with its own position.
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub pos: Pos,
    pub name: String,
}

impl Value {
    /// How the value is described in errors: "a string 'abc'", "an integer 3".
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "nothing (null)".to_owned(),
            Value::Bool(b) => format!("a boolean {b}"),
            Value::Int(i) => format!("an integer {i}"),
            Value::Float(x) => format!("a number {x}"),
            Value::Str(s) => format!("a string '{s}'"),
            Value::Seq(_) => "a list".to_owned(),
            Value::Map(_) => "a mapping".to_owned(),
        }
    }
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The node at a dotted path (`a.b.0.c`), for pointing semantic errors at their source.
    pub fn at(&self, path: &str) -> Option<&Node> {
        let mut node = self;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            node = match &node.value {
                Value::Map(_) => node.get(part)?,
                Value::Seq(items) => items.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The position of the node at `path`, or of its nearest existing ancestor.
    pub fn pos_of(&self, path: &str) -> Pos {
        let parts: Vec<&str> = path.split('.').collect();
        (0..=parts.len()).rev().find_map(|n| self.at(&parts[..n].join("."))).map_or(self.pos, |n| n.pos)
    }

    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(x) => serde_json::Number::from_f64(*x).map_or(serde_json::Value::Null, Into::into),
            Value::Str(s) => s.clone().into(),
            Value::Seq(items) => items.iter().map(Node::to_json).collect(),
            Value::Map(entries) => entries.iter().map(|(k, v)| (k.name.clone(), v.to_json())).collect(),
        }
    }

    /// Merges `over` into `self`: mappings key by key, everything else replaced.
    pub fn merge(&mut self, over: &Node) {
        match (&mut self.value, &over.value) {
            (Value::Map(base), Value::Map(over)) => {
                for (k, v) in over {
                    match base.iter_mut().find(|(bk, _)| bk.name == k.name) {
                        Some((_, bv)) => bv.merge(v),
                        None => base.push((k.clone(), v.clone())),
                    }
                }
            }
            _ => *self = over.clone(),
        }
    }

    /// Removes a top-level key, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        match &mut self.value {
            Value::Map(entries) => {
                let i = entries.iter().position(|(k, _)| k.name == key)?;
                Some(entries.remove(i).1)
            }
            _ => None,
        }
    }
}

fn pos(span: &saphyr::Marker) -> Pos {
    Pos { line: span.line(), col: span.col() + 1 }
}

/// Parses one YAML document. Syntax errors, anchors/aliases, tags and duplicate keys are reported.
pub fn parse(source: &str) -> Result<Node, Vec<Diagnostic>> {
    let docs = MarkedYamlOwned::load_from_str(source).map_err(|e| {
        let m = e.marker();
        vec![Diagnostic::new(pos(m), "", format!("invalid YAML: {}", e.info()))]
    })?;
    let mut diags = Vec::new();
    let node = match docs.len() {
        0 => Node { pos: Pos { line: 1, col: 1 }, value: Value::Null },
        1 => convert(&docs[0], "", &mut diags),
        _ => {
            diags.push(Diagnostic::new(
                pos(&docs[1].span.start),
                "",
                "a blueprint holds one YAML document, found a second one: remove the '---' separator",
            ));
            convert(&docs[0], "", &mut diags)
        }
    };
    if diags.is_empty() { Ok(node) } else { Err(diags) }
}

fn child(path: &str, part: &str) -> String {
    if path.is_empty() { part.to_owned() } else { format!("{path}.{part}") }
}

fn convert(y: &MarkedYamlOwned, path: &str, diags: &mut Vec<Diagnostic>) -> Node {
    let p = pos(&y.span.start);
    let value = match &y.data {
        YamlDataOwned::Value(s) => match s {
            ScalarOwned::Null => Value::Null,
            ScalarOwned::Boolean(b) => Value::Bool(*b),
            ScalarOwned::Integer(i) => Value::Int(*i),
            ScalarOwned::FloatingPoint(x) => Value::Float(x.into_inner()),
            ScalarOwned::String(s) => Value::Str(s.clone()),
        },
        YamlDataOwned::Representation(s, _, _) => Value::Str(s.clone()),
        YamlDataOwned::Sequence(items) => Value::Seq(
            items.iter().enumerate().map(|(i, n)| convert(n, &child(path, &i.to_string()), diags)).collect(),
        ),
        YamlDataOwned::Mapping(map) => {
            let mut entries: Vec<(Key, Node)> = Vec::new();
            for (k, v) in map {
                let name = match &k.data {
                    YamlDataOwned::Value(ScalarOwned::String(s)) => s.clone(),
                    YamlDataOwned::Value(ScalarOwned::Integer(i)) => i.to_string(),
                    YamlDataOwned::Value(ScalarOwned::Boolean(b)) => b.to_string(),
                    _ => {
                        diags.push(Diagnostic::new(
                            pos(&k.span.start),
                            path,
                            "mapping keys must be plain strings",
                        ));
                        continue;
                    }
                };
                let key = Key { pos: pos(&k.span.start), name };
                let node = convert(v, &child(path, &key.name), diags);
                entries.push((key, node));
            }
            Value::Map(entries)
        }
        YamlDataOwned::Tagged(tag, _) => {
            diags.push(Diagnostic::new(
                p,
                path,
                format!("YAML tags such as '{tag}' are not supported in blueprints"),
            ));
            Value::Null
        }
        YamlDataOwned::Alias(_) => {
            diags.push(Diagnostic::new(
                p,
                path,
                "YAML anchors and aliases are not supported in blueprints: use `environments` for variants",
            ));
            Value::Null
        }
        YamlDataOwned::BadValue => {
            diags.push(Diagnostic::new(p, path, "invalid YAML value"));
            Value::Null
        }
    };
    Node { pos: p, value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let n = parse("a:\n  b: 3\n  c: [x, 'yes']\n").unwrap();
        let b = n.at("a.b").unwrap();
        assert_eq!((b.pos.line, b.pos.col, &b.value), (2, 6, &Value::Int(3)));
        assert_eq!(n.at("a.c.1").unwrap().value, Value::Str("yes".into()));
        assert_eq!(n.pos_of("a.missing.deeper"), n.at("a").unwrap().pos);
    }

    #[test]
    fn merge_replaces_scalars_and_merges_maps() {
        let mut base = parse("a: {b: 1, c: [1, 2]}\nd: x\n").unwrap();
        base.merge(&parse("a: {c: [3]}\nd: y\ne: z\n").unwrap());
        assert_eq!(base.to_json(), serde_json::json!({"a": {"b": 1, "c": [3]}, "d": "y", "e": "z"}));
    }

    #[test]
    fn rejects_syntax_errors_with_a_position() {
        let d = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(d[0].message.starts_with("invalid YAML"), "{d:?}");
        assert!(d[0].pos.line >= 1);
    }
}
