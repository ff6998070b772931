//! The typed CloudFormation model (the "L1" layer): one Rust type per resource type.
//!
//! Fields mirror the CloudFormation resource specification, in PascalCase on the wire.
//! Every value is an [`Expr`], so intrinsics can appear anywhere a literal can.
//! [`Template`] serializes to JSON and YAML from the same types; see `render`.

mod expr;
pub mod json;
mod logical_id;
pub mod resources;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub use expr::{Expr, Pseudo, RefTarget, sub_references};
pub use logical_id::{InvalidLogicalId, LogicalId};
pub use resources::ResourceProps;

/// The SAM transform, present only when a blueprint asks for SAM output.
pub const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";

/// A whole template. Map-typed sections are `BTreeMap`s so output order never depends on insertion.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Template {
    #[serde(rename = "AWSTemplateFormatVersion")]
    pub format_version: FormatVersion,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transform: Option<&'static str>,
    /// Template-level metadata, such as the region a regional stack's linters check it for.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, serde_json::Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<LogicalId, Parameter>,
    /// Name -> top-level key -> second-level key -> value, read with `Fn::FindInMap`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub mappings: BTreeMap<LogicalId, BTreeMap<String, BTreeMap<String, Expr>>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub conditions: BTreeMap<LogicalId, Expr>,
    pub resources: BTreeMap<LogicalId, Resource>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<LogicalId, Output>,
}

/// Always `2010-09-09`, the only version CloudFormation has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FormatVersion;

impl Serialize for FormatVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("2010-09-09")
    }
}

/// A template entry was added twice under the same logical ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "logical id '{id}' is used twice: blueprint names must stay distinct once reduced to letters and digits"
)]
pub struct DuplicateLogicalId {
    pub id: LogicalId,
}

impl Template {
    /// Adds a resource and returns it for attributes such as `DependsOn`.
    pub fn add(
        &mut self,
        id: &LogicalId,
        props: impl Into<ResourceProps>,
    ) -> Result<&mut Resource, DuplicateLogicalId> {
        use std::collections::btree_map::Entry;
        if self.parameters.contains_key(id) {
            return Err(DuplicateLogicalId { id: id.clone() });
        }
        match self.resources.entry(id.clone()) {
            Entry::Occupied(_) => Err(DuplicateLogicalId { id: id.clone() }),
            Entry::Vacant(v) => Ok(v.insert(Resource::new(props.into()))),
        }
    }

    pub fn add_parameter(&mut self, id: &LogicalId, p: Parameter) -> Result<(), DuplicateLogicalId> {
        if self.resources.contains_key(id) || self.parameters.insert(id.clone(), p).is_some() {
            return Err(DuplicateLogicalId { id: id.clone() });
        }
        Ok(())
    }

    pub fn add_output(&mut self, id: &LogicalId, o: Output) -> Result<(), DuplicateLogicalId> {
        if self.outputs.insert(id.clone(), o).is_some() {
            return Err(DuplicateLogicalId { id: id.clone() });
        }
        Ok(())
    }
}

/// A resource entry: its typed properties plus the resource attributes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    #[serde(flatten)]
    pub props: ResourceProps,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub depends_on: BTreeSet<LogicalId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<LogicalId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<DeletionPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_replace_policy: Option<DeletionPolicy>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, Expr>,
}

impl Resource {
    pub fn new(props: ResourceProps) -> Resource {
        Resource {
            props,
            depends_on: BTreeSet::new(),
            condition: None,
            deletion_policy: None,
            update_replace_policy: None,
            metadata: BTreeMap::new(),
        }
    }

    pub fn depends_on(&mut self, id: &LogicalId) -> &mut Resource {
        self.depends_on.insert(id.clone());
        self
    }

    /// Keeps the resource (and its data) when it is removed from the template or replaced.
    pub fn retain(&mut self) -> &mut Resource {
        self.deletion_policy = Some(DeletionPolicy::Retain);
        self.update_replace_policy = Some(DeletionPolicy::Retain);
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DeletionPolicy {
    Delete,
    Retain,
    RetainExceptOnCreate,
    Snapshot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ParameterType {
    String,
    Number,
    #[serde(rename = "CommaDelimitedList")]
    CommaDelimitedList,
    #[serde(rename = "AWS::EC2::VPC::Id")]
    VpcId,
    #[serde(rename = "List<AWS::EC2::Subnet::Id>")]
    SubnetIds,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    #[serde(rename = "Type")]
    pub kind: ParameterType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
}

impl Parameter {
    pub fn string(description: impl Into<String>) -> Parameter {
        Parameter {
            kind: ParameterType::String,
            description: Some(description.into()),
            default: None,
            allowed_pattern: None,
            constraint_description: None,
            min_length: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub value: Expr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<Export>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Export {
    pub name: Expr,
}

/// A resource tag. Lists of tags are sorted by key before rendering.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: Expr,
}

/// Tags from a sorted map, the shape most resource types take.
pub fn tags(map: &BTreeMap<String, String>) -> Vec<Tag> {
    map.iter().map(|(k, v)| Tag { key: k.clone(), value: Expr::str(v) }).collect()
}
