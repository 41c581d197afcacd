//! Paths into nested values: `output_expires_after.seconds`, `metadata["k"]`.

use crate::value::Value;
use std::fmt;

/// One step of a path into an object: `.attr`, `["key"]`, `[0]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    Attr(String),
    Key(String),
    Index(i64),
}

/// A path to a nested attribute, like `output_expires_after.seconds`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    pub fn attr(name: impl Into<String>) -> AttrPath {
        AttrPath(vec![PathStep::Attr(name.into())])
    }

    #[must_use]
    pub fn then_attr(mut self, name: impl Into<String>) -> AttrPath {
        self.0.push(PathStep::Attr(name.into()));
        self
    }

    /// Follow the path into a value (None if a step does not exist).
    pub fn get<'a>(&self, value: &'a Value) -> Option<&'a Value> {
        let mut cur = value;
        for step in &self.0 {
            cur = match step {
                PathStep::Attr(name) | PathStep::Key(name) => cur.get_attr(name)?,
                PathStep::Index(i) => cur.elements()?.get(usize::try_from(*i).ok()?)?,
            };
        }
        Some(cur)
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attr(a) if i == 0 => write!(f, "{a}")?,
                PathStep::Attr(a) => write!(f, ".{a}")?,
                PathStep::Key(k) => write!(f, "[{}]", crate::addr::quote_string(k))?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}
