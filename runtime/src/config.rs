//! Reading a function's configuration: the contract's environment variables, read once when the
//! function starts. Every system's `Config::from_lookup` reads through a lookup function (the
//! process environment in `main`, a map in tests) and reports a missing or unusable value with
//! [`ConfigError`], so a misconfigured function fails at start with the variable, its value and what
//! was expected.

use contract::EnvVar;

/// Configuration that is missing or unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Missing(#[from] contract::MissingEnv),
    #[error("invalid {name} '{value}': {expected}")]
    Invalid { name: &'static str, value: String, expected: String },
}

impl ConfigError {
    /// `value` of `var` is unusable; `expected` says what would be (`"expected ..."`).
    pub fn invalid(var: EnvVar, value: &str, expected: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { name: var.name, value: value.to_owned(), expected: expected.into() }
    }
}

/// The process environment, as the lookup `from_lookup` readers take.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// `text`, the value of `var`, as JSON of `T`; `expected` describes the shape, and the parser's
/// message follows it.
pub fn json<T: serde::de::DeserializeOwned>(
    var: EnvVar,
    text: &str,
    expected: &str,
) -> Result<T, ConfigError> {
    serde_json::from_str(text).map_err(|e| ConfigError::invalid(var, text, format!("{expected}: {e}")))
}
