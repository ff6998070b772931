//! Problems found in a blueprint, with where they are and how to fix them.
//!
//! Loading and validation collect every problem before failing, so a user fixes a file in one pass.

use std::fmt;

/// A 1-based line and column in a blueprint file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// One problem in a blueprint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub pos: Pos,
    /// Dotted path to the offending field, such as `system.private-lambda.network.cidr`.
    pub path: String,
    /// Lowercase, quotes the bad value, says what was expected.
    pub message: String,
    /// A suggestion, such as "did you mean 'cidr'?".
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(pos: Pos, path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic { pos, path: path.into(), message: message.into(), help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// All problems of one file, rendered like a compiler's errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub file: String,
    pub source: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<&str> = self.source.lines().collect();
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let at = if d.path.is_empty() { String::new() } else { format!(" at '{}'", d.path) };
            writeln!(f, "{}:{}:{}: error{at}: {}", self.file, d.pos.line, d.pos.col, d.message)?;
            if let Some(line) = d.pos.line.checked_sub(1).and_then(|l| lines.get(l)) {
                let gutter = d.pos.line.to_string();
                writeln!(f, "{:w$} |", "", w = gutter.len())?;
                writeln!(f, "{gutter} | {line}")?;
                writeln!(f, "{:w$} | {:c$}^", "", "", w = gutter.len(), c = d.pos.col.saturating_sub(1))?;
            }
            if let Some(help) = &d.help {
                writeln!(f, "  = help: {help}")?;
            }
        }
        let n = self.diagnostics.len();
        write!(f, "{n} problem{} in {}", if n == 1 { "" } else { "s" }, self.file)
    }
}

impl std::error::Error for Report {}

/// "did you mean 'x'?" for the closest candidate, if one is close enough to be a typo.
pub fn did_you_mean<'a>(got: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(got, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) && *d < c.len())
        .min()
        .map(|(_, c)| format!("did you mean '{c}'?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_picks_the_closest_typo_only() {
        assert_eq!(did_you_mean("cidrr", ["cidr", "nat"]).as_deref(), Some("did you mean 'cidr'?"));
        assert_eq!(
            did_you_mean("singel", ["none", "single", "per-az"]).as_deref(),
            Some("did you mean 'single'?")
        );
        assert_eq!(did_you_mean("banana", ["cidr", "nat"]), None);
    }
}
