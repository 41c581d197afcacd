//! Diagnostics: user mistakes, collected and reported with their source location.
//!
//! The shape follows Terraform's `tfdiags`: a fixed summary phrase, a detail paragraph that
//! says what, why and how to fix, an optional subject range in a source file, and an optional
//! resource address. Rendering (boxed, plain, JSON) is the CLI's job.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a source file. Lines and columns count from 1, `byte` from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

/// A range in a named source file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SourceRange {
    pub filename: Arc<str>,
    pub start: Pos,
    pub end: Pos,
}

impl SourceRange {
    /// A range covering both `self` and `other` (which must be in the same file).
    pub fn to(&self, other: &SourceRange) -> SourceRange {
        SourceRange { filename: self.filename.clone(), start: self.start, end: other.end }
    }
}

impl fmt::Display for SourceRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{},{}-{}", self.filename, self.start.line, self.start.column, self.end.column)
    }
}

/// One value shown under a diagnostic's snippet, as in `var.x is "foo"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ExpressionValue {
    pub traversal: String,
    pub statement: String,
}

/// A user-facing problem with the configuration, the state or a remote object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    /// The source range the problem is about.
    pub subject: Option<SourceRange>,
    /// A wider range (for example a whole expression) used for the snippet; defaults to subject.
    pub context: Option<SourceRange>,
    /// The resource instance this relates to, rendered as `with ADDR,`.
    pub address: Option<String>,
    /// Values of the references in the failing expression.
    pub values: Vec<ExpressionValue>,
    /// For provider diagnostics: the argument they are about, which the engine maps to a
    /// source range in the configuration.
    pub attribute: Option<crate::path::AttrPath>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            subject: None,
            context: None,
            address: None,
            values: Vec::new(),
            attribute: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(summary, detail) }
    }

    #[must_use]
    pub fn with_subject(mut self, subject: Option<SourceRange>) -> Self {
        self.subject = subject;
        self
    }

    #[must_use]
    pub fn with_context(mut self, context: Option<SourceRange>) -> Self {
        self.context = context;
        self
    }

    #[must_use]
    pub fn with_address(mut self, address: impl Into<String>) -> Self {
        self.address = Some(address.into());
        self
    }

    #[must_use]
    pub fn with_values(mut self, values: Vec<ExpressionValue>) -> Self {
        self.values = values;
        self
    }

    #[must_use]
    pub fn with_attribute(mut self, path: crate::path::AttrPath) -> Self {
        self.attribute = Some(path);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        };
        write!(f, "{level}: {}", self.summary)?;
        if let Some(subject) = &self.subject {
            write!(f, " ({}:{}:{})", subject.filename, subject.start.line, subject.start.column)?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// A collection of diagnostics. Errors never stop collection; callers check `has_errors`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics(Vec::new())
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Remove repeated identical diagnostics, keeping the first of each (linear time).
    pub fn dedup(&mut self) {
        let mut seen = std::collections::HashSet::with_capacity(self.0.len());
        self.0.retain(|d| seen.insert(d.clone()));
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }

    /// Sort by file and position, as Terraform prints them; sourceless ones keep their order
    /// and come first.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            let ka = a.subject.as_ref().map(|s| (s.filename.clone(), s.start.byte));
            let kb = b.subject.as_ref().map(|s| (s.filename.clone(), s.start.byte));
            ka.cmp(&kb)
        });
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<T: IntoIterator<Item = Diagnostic>>(iter: T) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

/// Suggest the candidate closest to `given`, as Terraform's `didyoumean.NameSuggestion` does
/// (Levenshtein distance below 3).
pub fn name_suggestion<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(&str, usize)> = None;
    for candidate in candidates {
        let distance = levenshtein(given, candidate);
        if distance < 3 && best.is_none_or(|(_, d)| distance < d) {
            best = Some((candidate, distance));
        }
    }
    best.map(|(c, _)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestion_picks_closest_within_distance() {
        assert_eq!(name_suggestion("nmae", ["name", "id"]), Some("name"));
        assert_eq!(name_suggestion("completely", ["name", "id"]), None);
        assert_eq!(name_suggestion("stauts", ["status", "state"]), Some("status"));
    }
}
