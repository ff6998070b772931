//! JSON text in a template: a value of a serde type (usually a `contract` shape) written as the
//! compact JSON a function reads, with object keys sorted at every level so the template depends
//! neither on field order nor on serde_json's `preserve_order`.
//!
//! Fields the stack fills in are [`Expr`]s in the value (the contract type is generic over them). An
//! `Expr` other than a string serializes as an intrinsic, a one-key `{"Ref": ..}` or
//! `{"Fn::GetAtt": ..}` object; [`text`] writes the JSON around each one (its quotes included) and
//! joins the pieces with `Fn::Join`, so CloudFormation puts the resolved string where it goes.

use serde::Serialize;
use serde_json::Value;

use super::{Expr, LogicalId, Pseudo, RefTarget};

/// A value embeds an intrinsic that JSON text cannot hold (only `Ref` and `Fn::GetAtt`, which
/// resolve to one string, can).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JSON text cannot embed '{0}': only Ref and Fn::GetAtt resolve to a string to put in it")]
pub struct UnsupportedIntrinsic(pub String);

/// `value` as JSON text: a string when it holds no intrinsic, otherwise `Fn::Join` of the literal
/// text and the intrinsics (each where its JSON string goes).
pub fn text(value: &impl Serialize) -> Result<Expr, UnsupportedIntrinsic> {
    let mut w = Writer { intrinsics: true, parts: Vec::new(), literal: String::new() };
    w.value(&to_value(value))?;
    let Writer { mut parts, literal, .. } = w;
    if parts.is_empty() {
        return Ok(Expr::Str(literal));
    }
    if !literal.is_empty() {
        parts.push(Expr::Str(literal));
    }
    Ok(Expr::join("", parts))
}

/// `value` as JSON text, every object written as data (for values with no stack-filled fields,
/// whose user data may look like an intrinsic).
pub fn literal_text(value: &impl Serialize) -> String {
    let mut w = Writer { intrinsics: false, parts: Vec::new(), literal: String::new() };
    // Without intrinsics the writer has nothing to reject.
    let _ = w.value(&to_value(value));
    w.literal
}

/// `value` as template data (a map, list, string, number or boolean, not JSON text), every object
/// written as data: for a value a tool reads back from the template, such as resource metadata.
pub fn data(value: &impl Serialize) -> Expr {
    fn expr(v: Value) -> Expr {
        match v {
            Value::Null => Expr::Str(String::new()),
            Value::Bool(b) => Expr::Bool(b),
            Value::Number(n) => n.as_i64().map_or_else(|| Expr::Str(n.to_string()), Expr::Int),
            Value::String(s) => Expr::Str(s),
            Value::Array(items) => Expr::List(items.into_iter().map(expr).collect()),
            Value::Object(m) => Expr::Map(m.into_iter().map(|(k, v)| (k, expr(v))).collect()),
        }
    }
    expr(to_value(value))
}

fn to_value(value: &impl Serialize) -> Value {
    // Serializing to a `Value` fails only for maps with non-string keys, which no JSON text has.
    serde_json::to_value(value).unwrap_or_default()
}

struct Writer {
    /// Whether one-key `Ref`/`Fn::*` objects are intrinsics (or data).
    intrinsics: bool,
    /// Finished parts: literal text and intrinsics, alternating.
    parts: Vec<Expr>,
    /// Literal text since the last intrinsic.
    literal: String,
}

impl Writer {
    fn value(&mut self, v: &Value) -> Result<(), UnsupportedIntrinsic> {
        match v {
            Value::Object(m) => {
                if self.intrinsics
                    && let Some(e) = intrinsic(m)?
                {
                    // The intrinsic resolves to a string (an ID, ARN or name: nothing JSON escapes).
                    self.literal.push('"');
                    self.parts.push(Expr::Str(std::mem::take(&mut self.literal)));
                    self.parts.push(e);
                    self.literal.push('"');
                    return Ok(());
                }
                let mut entries: Vec<_> = m.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                self.literal.push('{');
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        self.literal.push(',');
                    }
                    self.literal.push_str(&Value::String(k.clone()).to_string());
                    self.literal.push(':');
                    self.value(v)?;
                }
                self.literal.push('}');
            }
            Value::Array(items) => {
                self.literal.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        self.literal.push(',');
                    }
                    self.value(v)?;
                }
                self.literal.push(']');
            }
            scalar => self.literal.push_str(&scalar.to_string()),
        }
        Ok(())
    }
}

/// The intrinsic a one-key `Ref`/`Fn::*` object is, as [`Expr`] serializes it; `None` for data.
fn intrinsic(m: &serde_json::Map<String, Value>) -> Result<Option<Expr>, UnsupportedIntrinsic> {
    let Some((key, arg)) = m.iter().next().filter(|_| m.len() == 1) else { return Ok(None) };
    if key != "Ref" && !key.starts_with("Fn::") {
        return Ok(None);
    }
    let unsupported = || UnsupportedIntrinsic(key.clone());
    let id = |s: &str| LogicalId::new(s).map_err(|_| unsupported());
    let e = match (key.as_str(), arg) {
        ("Ref", Value::String(name)) => match PSEUDO.iter().find(|p| p.name() == name) {
            Some(p) => Expr::Ref(RefTarget::Pseudo(*p)),
            None => Expr::Ref(RefTarget::Logical(id(name)?)),
        },
        ("Fn::GetAtt", Value::Array(pair)) => match pair.as_slice() {
            [Value::String(resource), Value::String(attribute)] => {
                Expr::GetAtt { resource: id(resource)?, attribute: attribute.clone() }
            }
            _ => return Err(unsupported()),
        },
        _ => return Err(unsupported()),
    };
    Ok(Some(e))
}

const PSEUDO: [Pseudo; 6] = [
    Pseudo::AccountId,
    Pseudo::Partition,
    Pseudo::Region,
    Pseudo::StackName,
    Pseudo::StackId,
    Pseudo::UrlSuffix,
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Serialize)]
    struct Shape<G> {
        zeta: u32,
        groups: Vec<G>,
        alpha: BTreeMap<&'static str, &'static str>,
    }

    #[test]
    fn literal_values_are_compact_json_with_sorted_keys() {
        let v = serde_json::json!({"b": {"y": 1, "x": [2, {"d": 3, "c": "\"q\""}]}, "a": {"Ref": "X"}});
        assert_eq!(literal_text(&v), r#"{"a":{"Ref":"X"},"b":{"x":[2,{"c":"\"q\"","d":3}],"y":1}}"#);
        let s = Shape { zeta: 1, groups: vec![Expr::str("sg-1")], alpha: BTreeMap::from([("k", "v")]) };
        assert_eq!(text(&s), Ok(Expr::str(r#"{"alpha":{"k":"v"},"groups":["sg-1"],"zeta":1}"#)));
    }

    #[test]
    fn intrinsics_are_joined_where_their_string_goes() {
        let group = LogicalId::new("ApiGroup").expect("id");
        let s = Shape {
            zeta: 1,
            groups: vec![
                Expr::str("sg-1"),
                Expr::get_att(&group, "GroupId"),
                Expr::Ref(RefTarget::Pseudo(Pseudo::Region)),
            ],
            alpha: BTreeMap::new(),
        };
        assert_eq!(
            text(&s),
            Ok(Expr::join(
                "",
                [
                    Expr::str(r#"{"alpha":{},"groups":["sg-1",""#),
                    Expr::get_att(&group, "GroupId"),
                    Expr::str(r#"",""#),
                    Expr::Ref(RefTarget::Pseudo(Pseudo::Region)),
                    Expr::str(r#""],"zeta":1}"#),
                ]
            ))
        );
        let s = Shape { zeta: 1, groups: vec![Expr::join(",", [])], alpha: BTreeMap::new() };
        assert_eq!(text(&s), Err(UnsupportedIntrinsic("Fn::Join".to_owned())));
    }
}
