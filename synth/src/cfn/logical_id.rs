//! Logical IDs: validated, stable names of template entries.
//!
//! A logical ID is part of the template's external contract: renaming one replaces the resource.
//! IDs are derived from the blueprint's own names, never from positions or hashes of content.

use std::fmt;

use serde::Serialize;

/// `[A-Za-z0-9]{1,255}`, checked at construction.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct LogicalId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid logical id '{id}': expected 1 to 255 ASCII letters and digits")]
pub struct InvalidLogicalId {
    pub id: String,
}

impl LogicalId {
    pub const MAX_LEN: usize = 255;

    pub fn new(id: impl Into<String>) -> Result<LogicalId, InvalidLogicalId> {
        let id = id.into();
        let valid =
            !id.is_empty() && id.len() <= Self::MAX_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric());
        if valid { Ok(LogicalId(id)) } else { Err(InvalidLogicalId { id }) }
    }

    /// Builds an ID from blueprint names such as `orders-api` and `alb` -> `OrdersApiAlb`.
    /// Characters other than letters and digits separate words; each word is capitalised.
    pub fn from_parts(parts: &[&str]) -> Result<LogicalId, InvalidLogicalId> {
        let mut id = String::new();
        for part in parts {
            for word in part.split(|c: char| !c.is_ascii_alphanumeric()) {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    id.push(first.to_ascii_uppercase());
                    id.extend(chars);
                }
            }
        }
        LogicalId::new(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LogicalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_alphanumerics_only() {
        assert!(LogicalId::new("Vpc1").is_ok());
        assert!(LogicalId::new("").is_err());
        assert!(LogicalId::new("my-vpc").is_err());
        assert!(LogicalId::new("a".repeat(256)).is_err());
        assert_eq!(
            LogicalId::new("my vpc").unwrap_err().to_string(),
            "invalid logical id 'my vpc': expected 1 to 255 ASCII letters and digits"
        );
    }

    #[test]
    fn from_parts_camel_cases_blueprint_names() {
        let id = LogicalId::from_parts(&["orders-api", "target_group", "2"]).unwrap();
        assert_eq!(id.as_str(), "OrdersApiTargetGroup2");
        assert!(LogicalId::from_parts(&["--"]).is_err());
    }
}
