//! Intent-level builders (the "L2" layer) over the typed resources in [`crate::cfn`].
//!
//! Each builder adds a coherent group of resources with documented, secure defaults and returns the
//! logical IDs callers need to connect them. Grants return or add the exact IAM statements required,
//! scoped to the resources involved.

pub mod access_log_bucket;
pub mod alarm_topic;
pub mod alarms;
pub mod event_rule;
pub mod function;
pub mod network;
pub mod secure_bucket;
pub mod security_group;
pub mod state_table;

use std::collections::BTreeMap;

use crate::cfn::{DuplicateLogicalId, InvalidLogicalId, LogicalId, Tag};

/// What every builder needs to know about the stack it builds into.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The stack name (with environment suffix), used in physical names that must be deterministic.
    pub stack: String,
    /// The stack's region, for a multi-region system ([`crate::systems::Kind::regions`]): what a
    /// regional stack names in another region (a peer's table, say) is derived from it. `None` for
    /// a single-stack system, whose templates stay region-independent (`AWS::Region`).
    pub region: Option<String>,
    /// Tags for every taggable resource.
    pub tags: BTreeMap<String, String>,
    /// Render functions as SAM resources (the template then carries the SAM transform).
    pub sam: bool,
    /// The SNS topic every alarm notifies on ALARM and on OK (see [`alarm_topic`]).
    pub alarm_topic: crate::cfn::Expr,
}

impl Ctx {
    /// Tags plus a `Name` tag, which the EC2 console shows.
    pub fn tags_named(&self, name: &str) -> Vec<Tag> {
        let mut tags = self.tags.clone();
        tags.entry("Name".to_owned()).or_insert_with(|| format!("{}-{name}", self.stack));
        crate::cfn::tags(&tags)
    }

    pub fn tags(&self) -> Vec<Tag> {
        crate::cfn::tags(&self.tags)
    }
}

/// An internal failure while building: a bug in a builder or names the validator should have caught.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Duplicate(#[from] DuplicateLogicalId),
    #[error(transparent)]
    InvalidId(#[from] InvalidLogicalId),
    #[error("function '{binary}' is missing environment variable '{name}' required by its contract")]
    MissingEnv { binary: &'static str, name: &'static str },
    #[error("function '{binary}' sets environment variable '{name}', which its contract does not define")]
    UnknownEnv { binary: &'static str, name: String },
    #[error("environment of function '{binary}' is {size} bytes: Lambda allows 4096")]
    EnvTooLarge { binary: &'static str, size: usize },
    #[error("the {system} system builds one stack per region, and no region was given")]
    NoRegion { system: &'static str },
    #[error(transparent)]
    JsonIntrinsic(#[from] crate::cfn::json::UnsupportedIntrinsic),
}

/// `LogicalId::from_parts`, with the error converted for `?` in builders.
pub fn id(parts: &[&str]) -> Result<LogicalId, BuildError> {
    Ok(LogicalId::from_parts(parts)?)
}

/// Adds a stack output named `name` (a logical ID built from it).
pub fn output(
    t: &mut crate::cfn::Template,
    name: &str,
    description: &str,
    value: crate::cfn::Expr,
) -> Result<(), BuildError> {
    let o = crate::cfn::Output { description: Some(description.to_owned()), value, export: None };
    Ok(t.add_output(&id(&[name])?, o)?)
}

/// A short, stable hash for physical names that must fit a length limit (FNV-1a, 64 bits).
pub fn short_hash(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", h >> 32)
}

/// `name` if it fits in `max` characters, otherwise a prefix of it plus a hash of the whole name, so
/// distinct long names stay distinct and the same name always gives the same result.
pub fn bounded_name(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let hash = short_hash(name);
    let keep = max.saturating_sub(hash.len() + 1);
    let prefix = name[..keep].trim_end_matches('-');
    format!("{prefix}-{hash}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_names_are_stable_distinct_and_short() {
        assert_eq!(bounded_name("short", 32), "short");
        let a = bounded_name("a-very-long-stack-name-prod-orders", 32);
        let b = bounded_name("a-very-long-stack-name-prod-orderz", 32);
        assert!(a.len() <= 32, "{a}");
        assert_ne!(a, b);
        assert_eq!(a, bounded_name("a-very-long-stack-name-prod-orders", 32));
    }
}
