//! Intrinsic functions and values, as a typed enum.
//!
//! Everything a property can hold is an [`Expr`]: literals, lists, maps and the intrinsic functions.
//! Serialization emits only the long form (`{"Ref": ..}`, `{"Fn::GetAtt": [..]}`), which both the JSON
//! and the YAML dialects of CloudFormation accept, so one model renders both.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::LogicalId;

/// Pseudo parameters CloudFormation defines in every stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pseudo {
    AccountId,
    Partition,
    Region,
    StackName,
    StackId,
    UrlSuffix,
    NoValue,
}

impl Pseudo {
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::Region => "AWS::Region",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
            Pseudo::NoValue => "AWS::NoValue",
        }
    }
}

/// What a `Ref` points at.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RefTarget {
    /// A resource or a parameter.
    Logical(LogicalId),
    Pseudo(Pseudo),
}

/// A property value.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Str(String),
    Int(i64),
    Bool(bool),
    List(Vec<Expr>),
    Map(BTreeMap<String, Expr>),
    Ref(RefTarget),
    GetAtt {
        resource: LogicalId,
        attribute: String,
    },
    /// `Fn::Sub` with an optional variable map. For user-facing strings and ARN patterns only.
    Sub {
        template: String,
        vars: BTreeMap<String, Expr>,
    },
    Join {
        delimiter: String,
        parts: Vec<Expr>,
    },
    Select {
        index: u32,
        list: Box<Expr>,
    },
    GetAzs,
    Cidr {
        block: Box<Expr>,
        count: u32,
        bits: u32,
    },
    If {
        condition: LogicalId,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Equals(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// True when any of 2 to 10 conditions is.
    Or(Vec<Expr>),
    /// A value from the template's `Mappings`.
    FindInMap {
        map: LogicalId,
        top: Box<Expr>,
        second: String,
    },
    ImportValue(Box<Expr>),
}

impl Expr {
    pub fn str(s: impl Into<String>) -> Expr {
        Expr::Str(s.into())
    }

    pub fn r#ref(id: &LogicalId) -> Expr {
        Expr::Ref(RefTarget::Logical(id.clone()))
    }

    pub fn pseudo(p: Pseudo) -> Expr {
        Expr::Ref(RefTarget::Pseudo(p))
    }

    pub fn get_att(id: &LogicalId, attribute: &str) -> Expr {
        Expr::GetAtt { resource: id.clone(), attribute: attribute.to_owned() }
    }

    pub fn sub(template: impl Into<String>) -> Expr {
        Expr::Sub { template: template.into(), vars: BTreeMap::new() }
    }

    pub fn sub_with(template: impl Into<String>, vars: impl IntoIterator<Item = (String, Expr)>) -> Expr {
        Expr::Sub { template: template.into(), vars: vars.into_iter().collect() }
    }

    pub fn join(delimiter: &str, parts: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::Join { delimiter: delimiter.to_owned(), parts: parts.into_iter().collect() }
    }

    /// The `index`-th availability zone of the stack's region.
    pub fn az(index: u32) -> Expr {
        Expr::Select { index, list: Box::new(Expr::GetAzs) }
    }

    pub fn list(items: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::List(items.into_iter().collect())
    }

    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Expr)>) -> Expr {
        Expr::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// `arn:${AWS::Partition}:<service>:${AWS::Region}:${AWS::AccountId}:<resource>`, for resources whose
    /// ARN is not an attribute (or would create a dependency cycle). `resource` may use `${..}` itself.
    pub fn arn(service: &str, resource: &str) -> Expr {
        Expr::sub(format!(
            "arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"
        ))
    }

    /// Calls `f` on every expression nested in this one, depth first, this one included.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Str(_)
            | Expr::Int(_)
            | Expr::Bool(_)
            | Expr::Ref(_)
            | Expr::GetAtt { .. }
            | Expr::GetAzs => {}
            Expr::List(items) => items.iter().for_each(|e| e.walk(f)),
            Expr::Map(m) => m.values().for_each(|e| e.walk(f)),
            Expr::Sub { vars, .. } => vars.values().for_each(|e| e.walk(f)),
            Expr::Join { parts, .. } => parts.iter().for_each(|e| e.walk(f)),
            Expr::Select { list, .. } => list.walk(f),
            Expr::Cidr { block, .. } => block.walk(f),
            Expr::If { then, otherwise, .. } => {
                then.walk(f);
                otherwise.walk(f);
            }
            Expr::Equals(a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Expr::Not(e) | Expr::ImportValue(e) => e.walk(f),
            Expr::Or(items) => items.iter().for_each(|e| e.walk(f)),
            Expr::FindInMap { top, .. } => top.walk(f),
        }
    }
}

impl From<&str> for Expr {
    fn from(s: &str) -> Expr {
        Expr::Str(s.to_owned())
    }
}

impl From<String> for Expr {
    fn from(s: String) -> Expr {
        Expr::Str(s)
    }
}

impl From<&String> for Expr {
    fn from(s: &String) -> Expr {
        Expr::Str(s.clone())
    }
}

impl From<i64> for Expr {
    fn from(n: i64) -> Expr {
        Expr::Int(n)
    }
}

impl From<i32> for Expr {
    fn from(n: i32) -> Expr {
        Expr::Int(i64::from(n))
    }
}

impl From<u32> for Expr {
    fn from(n: u32) -> Expr {
        Expr::Int(i64::from(n))
    }
}

impl From<u16> for Expr {
    fn from(n: u16) -> Expr {
        Expr::Int(i64::from(n))
    }
}

impl From<bool> for Expr {
    fn from(b: bool) -> Expr {
        Expr::Bool(b)
    }
}

impl From<&LogicalId> for Expr {
    /// A `Ref` to the resource or parameter.
    fn from(id: &LogicalId) -> Expr {
        Expr::r#ref(id)
    }
}

impl<T: Into<Expr>> From<Vec<T>> for Expr {
    fn from(v: Vec<T>) -> Expr {
        Expr::List(v.into_iter().map(Into::into).collect())
    }
}

struct Single<'a, V: Serialize>(&'static str, &'a V);

impl<V: Serialize> Serialize for Single<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.0, self.1)?;
        m.end()
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Expr::Str(v) => s.serialize_str(v),
            Expr::Int(v) => s.serialize_i64(*v),
            Expr::Bool(v) => s.serialize_bool(*v),
            Expr::List(items) => items.serialize(s),
            Expr::Map(m) => m.serialize(s),
            Expr::Ref(RefTarget::Logical(id)) => Single("Ref", &id.as_str()).serialize(s),
            Expr::Ref(RefTarget::Pseudo(p)) => Single("Ref", &p.name()).serialize(s),
            Expr::GetAtt { resource, attribute } => {
                Single("Fn::GetAtt", &[resource.as_str(), attribute.as_str()]).serialize(s)
            }
            Expr::Sub { template, vars } if vars.is_empty() => Single("Fn::Sub", template).serialize(s),
            Expr::Sub { template, vars } => Single("Fn::Sub", &SubArgs(template, vars)).serialize(s),
            Expr::Join { delimiter, parts } => Single("Fn::Join", &(delimiter, parts)).serialize(s),
            Expr::Select { index, list } => Single("Fn::Select", &(index.to_string(), list)).serialize(s),
            Expr::GetAzs => Single("Fn::GetAZs", &"").serialize(s),
            Expr::Cidr { block, count, bits } => {
                Single("Fn::Cidr", &(block, count.to_string(), bits.to_string())).serialize(s)
            }
            Expr::If { condition, then, otherwise } => {
                Single("Fn::If", &(condition.as_str(), then, otherwise)).serialize(s)
            }
            Expr::Equals(a, b) => Single("Fn::Equals", &(a, b)).serialize(s),
            Expr::Not(e) => Single("Fn::Not", &[e]).serialize(s),
            Expr::Or(items) => Single("Fn::Or", items).serialize(s),
            Expr::FindInMap { map, top, second } => {
                Single("Fn::FindInMap", &(map.as_str(), top, second)).serialize(s)
            }
            Expr::ImportValue(e) => Single("Fn::ImportValue", e).serialize(s),
        }
    }
}

struct SubArgs<'a>(&'a String, &'a BTreeMap<String, Expr>);

impl Serialize for SubArgs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(self.0)?;
        seq.serialize_element(self.1)?;
        seq.end()
    }
}

/// The `${Name}` and `${Name.Attr}` references in a `Fn::Sub` template, `${!Literal}` excluded.
pub fn sub_references(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.starts_with('!') {
            out.push(name);
        }
        rest = &after[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(e: &Expr) -> String {
        serde_json::to_string(e).unwrap()
    }

    #[test]
    fn intrinsics_serialize_in_long_form() {
        let id = LogicalId::new("Vpc").unwrap();
        assert_eq!(json(&Expr::r#ref(&id)), r#"{"Ref":"Vpc"}"#);
        assert_eq!(json(&Expr::pseudo(Pseudo::Region)), r#"{"Ref":"AWS::Region"}"#);
        assert_eq!(json(&Expr::get_att(&id, "CidrBlock")), r#"{"Fn::GetAtt":["Vpc","CidrBlock"]}"#);
        assert_eq!(json(&Expr::az(1)), r#"{"Fn::Select":["1",{"Fn::GetAZs":""}]}"#);
        assert_eq!(
            json(&Expr::join(":", [Expr::str("a"), Expr::r#ref(&id)])),
            r#"{"Fn::Join":[":",["a",{"Ref":"Vpc"}]]}"#
        );
        assert_eq!(
            json(&Expr::sub_with("${X}-y", [("X".to_owned(), Expr::r#ref(&id))])),
            r#"{"Fn::Sub":["${X}-y",{"X":{"Ref":"Vpc"}}]}"#
        );
        assert_eq!(json(&Expr::sub("a-${AWS::Region}")), r#"{"Fn::Sub":"a-${AWS::Region}"}"#);
    }

    #[test]
    fn sub_references_skip_literals() {
        assert_eq!(sub_references("${A}:${B.Arn}/${!Literal}${"), vec!["A", "B.Arn"]);
    }
}
