//! One value's change as plan JSON describes it (Terraform's `structured.Change`): the
//! before and after JSON with their unknown and sensitive masks, the paths that force
//! replacement and the paths that are relevant (for drift), walked in step.

use batchform_engine::plan::Action;
use serde_json::{Map, Value as Json};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// Go's `nil`: missing and null values are the same to the renderers.
pub static NULL: Json = Json::Null;

/// Paths into a value that match something: every path (`Always`), or a set of paths given
/// as JSON arrays of keys and indexes. With `propagate`, a matched value's children match too.
#[derive(Debug, Clone)]
pub enum Matcher<'a> {
    Always,
    Paths { paths: Vec<&'a [Json]>, propagate: bool },
}

impl<'a> Matcher<'a> {
    /// Matches nothing.
    pub fn empty(propagate: bool) -> Matcher<'a> {
        Matcher::Paths { paths: Vec::new(), propagate }
    }

    /// From plan JSON's `replace_paths` (an array of arrays, or absent).
    pub fn from_paths(paths: Option<&'a Json>, propagate: bool) -> Matcher<'a> {
        let paths = paths
            .and_then(Json::as_array)
            .map(|all| all.iter().filter_map(|p| p.as_array().map(Vec::as_slice)).collect())
            .unwrap_or_default();
        Matcher::Paths { paths, propagate }
    }

    /// The path ends here.
    pub fn matches(&self) -> bool {
        match self {
            Matcher::Always => true,
            Matcher::Paths { paths, .. } => paths.iter().any(|p| p.is_empty()),
        }
    }

    /// Some path goes through here.
    pub fn matches_partial(&self) -> bool {
        match self {
            Matcher::Always => true,
            Matcher::Paths { paths, .. } => !paths.is_empty(),
        }
    }

    pub fn child_key(&self, key: &str) -> Matcher<'a> {
        self.child(|step| step.as_str() == Some(key))
    }

    pub fn child_index(&self, index: usize) -> Matcher<'a> {
        self.child(|step| step.as_f64().is_some_and(|f| f >= 0.0 && f as usize == index))
    }

    fn child(&self, step_matches: impl Fn(&Json) -> bool) -> Matcher<'a> {
        match self {
            Matcher::Always => Matcher::Always,
            Matcher::Paths { paths, propagate } => {
                let mut out = Vec::new();
                for path in paths {
                    match path.split_first() {
                        None if *propagate => out.push(*path),
                        None => {}
                        Some((first, rest)) if step_matches(first) => out.push(rest),
                        Some(_) => {}
                    }
                }
                Matcher::Paths { paths: out, propagate: *propagate }
            }
        }
    }
}

/// A change to one value, with everything the differ needs to know about it.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// The value was written out (as opposed to absent from its parent).
    pub before_explicit: bool,
    pub after_explicit: bool,
    pub before: &'a Json,
    pub after: &'a Json,
    /// `true`, `false`, or a mask shaped like `after`.
    pub unknown: Cow<'a, Json>,
    pub before_sensitive: &'a Json,
    pub after_sensitive: &'a Json,
    pub replace_paths: Matcher<'a>,
    pub relevant: Matcher<'a>,
    /// The resource's schema has features the legacy SDK lacked (Terraform then keeps empty
    /// strings distinct from null).
    pub non_legacy_schema: bool,
}

impl<'a> Change<'a> {
    pub fn is_unknown(&self) -> bool {
        self.unknown.as_bool() == Some(true)
    }

    pub fn is_before_sensitive(&self) -> bool {
        self.before_sensitive.as_bool() == Some(true)
    }

    pub fn is_after_sensitive(&self) -> bool {
        self.after_sensitive.as_bool() == Some(true)
    }

    /// Terraform's `CalculateAction`: a simple guess for primitives.
    pub fn calculate_action(&self) -> Action {
        let before_missing = self.before.is_null() && !self.before_explicit;
        let after_missing = self.after.is_null() && !self.after_explicit;
        if before_missing && (!self.after.is_null() || self.after_explicit) {
            return Action::Create;
        }
        if after_missing && (!self.before.is_null() || self.before_explicit) {
            return Action::Delete;
        }
        if self.before == self.after
            && self.after_explicit == self.before_explicit
            && self.is_after_sensitive() == self.is_before_sensitive()
        {
            return Action::NoOp;
        }
        Action::Update
    }

    /// Terraform's `GetDefaultActionForIteration`: create or delete when one side is null,
    /// otherwise no-op until the children say otherwise.
    pub fn default_action_for_iteration(&self) -> Action {
        match (self.before.is_null(), self.after.is_null()) {
            (true, true) => Action::NoOp,
            (true, false) => Action::Create,
            (false, true) => Action::Delete,
            (false, false) => Action::NoOp,
        }
    }

    /// The change as if nothing changed (after := before).
    pub fn as_no_op(&self) -> Change<'a> {
        Change {
            before_explicit: self.before_explicit,
            after_explicit: self.before_explicit,
            before: self.before,
            after: self.before,
            unknown: Cow::Borrowed(&FALSE),
            before_sensitive: self.before_sensitive,
            after_sensitive: self.before_sensitive,
            replace_paths: self.replace_paths.clone(),
            relevant: self.relevant.clone(),
            non_legacy_schema: self.non_legacy_schema,
        }
    }

    /// The change as if the value were deleted (after := null).
    pub fn as_delete(&self) -> Change<'a> {
        Change {
            before_explicit: self.before_explicit,
            after_explicit: false,
            before: self.before,
            after: &NULL,
            unknown: Cow::Borrowed(&NULL),
            before_sensitive: self.before_sensitive,
            after_sensitive: &NULL,
            replace_paths: self.replace_paths.clone(),
            relevant: self.relevant.clone(),
            non_legacy_schema: self.non_legacy_schema,
        }
    }

    /// The change as if the value were created (before := null).
    pub fn as_create(&self) -> Change<'a> {
        Change {
            before_explicit: false,
            after_explicit: self.after_explicit,
            before: &NULL,
            after: self.after,
            unknown: self.unknown.clone(),
            before_sensitive: &NULL,
            after_sensitive: self.after_sensitive,
            replace_paths: self.replace_paths.clone(),
            relevant: self.relevant.clone(),
            non_legacy_schema: self.non_legacy_schema,
        }
    }

    /// The same change with the sensitive marks taken off (what a sensitive renderer wraps).
    pub fn without_sensitivity(&self) -> Change<'a> {
        Change { before_sensitive: &FALSE, after_sensitive: &FALSE, ..self.clone() }
    }

    pub fn as_map(&self) -> ChangeMap<'a> {
        ChangeMap {
            before: self.before.as_object(),
            after: self.after.as_object(),
            unknown: self.unknown.clone(),
            before_sensitive: self.before_sensitive.as_object(),
            after_sensitive: self.after_sensitive.as_object(),
            replace_paths: self.replace_paths.clone(),
            relevant: self.relevant.clone(),
            non_legacy_schema: self.non_legacy_schema,
        }
    }

    pub fn as_slice(&self) -> ChangeSlice<'a> {
        ChangeSlice {
            before: self.before.as_array().map(Vec::as_slice),
            after: self.after.as_array().map(Vec::as_slice),
            unknown: self.unknown.clone(),
            before_sensitive: self.before_sensitive.as_array().map(Vec::as_slice),
            after_sensitive: self.after_sensitive.as_array().map(Vec::as_slice),
            replace_paths: self.replace_paths.clone(),
            relevant: self.relevant.clone(),
        }
    }
}

static FALSE: Json = Json::Bool(false);

/// A change viewed as an object or a map.
#[derive(Debug, Clone)]
pub struct ChangeMap<'a> {
    pub before: Option<&'a Map<String, Json>>,
    pub after: Option<&'a Map<String, Json>>,
    unknown: Cow<'a, Json>,
    before_sensitive: Option<&'a Map<String, Json>>,
    after_sensitive: Option<&'a Map<String, Json>>,
    replace_paths: Matcher<'a>,
    relevant: Matcher<'a>,
    non_legacy_schema: bool,
}

impl<'a> ChangeMap<'a> {
    pub fn child(&self, key: &str) -> Change<'a> {
        let before = self.before.and_then(|m| m.get(key));
        let after = self.after.and_then(|m| m.get(key));
        let unknown = match &self.unknown {
            Cow::Borrowed(j) => Cow::Borrowed(j.get(key).unwrap_or(&NULL)),
            Cow::Owned(j) => Cow::Owned(j.get(key).cloned().unwrap_or(Json::Null)),
        };
        Change {
            before_explicit: before.is_some(),
            after_explicit: after.is_some(),
            before: before.unwrap_or(&NULL),
            after: after.unwrap_or(&NULL),
            unknown,
            before_sensitive: self.before_sensitive.and_then(|m| m.get(key)).unwrap_or(&NULL),
            after_sensitive: self.after_sensitive.and_then(|m| m.get(key)).unwrap_or(&NULL),
            replace_paths: self.replace_paths.child_key(key),
            relevant: self.relevant.child_key(key),
            non_legacy_schema: self.non_legacy_schema,
        }
    }

    /// Keys of the before and after values.
    pub fn explicit_keys(&self) -> BTreeSet<&'a String> {
        let mut keys = BTreeSet::new();
        keys.extend(self.before.into_iter().flat_map(|m| m.keys()));
        keys.extend(self.after.into_iter().flat_map(|m| m.keys()));
        keys
    }

    /// Keys of the values and of the unknown and sensitive masks.
    pub fn all_keys(&self) -> BTreeSet<String> {
        let mut keys: BTreeSet<String> = self.explicit_keys().into_iter().cloned().collect();
        if let Some(m) = self.unknown.as_object() {
            keys.extend(m.keys().cloned());
        }
        keys.extend(self.after_sensitive.into_iter().flat_map(|m| m.keys().cloned()));
        keys.extend(self.before_sensitive.into_iter().flat_map(|m| m.keys().cloned()));
        keys
    }
}

/// A change viewed as a list, set or tuple.
#[derive(Debug, Clone)]
pub struct ChangeSlice<'a> {
    pub before: Option<&'a [Json]>,
    pub after: Option<&'a [Json]>,
    unknown: Cow<'a, Json>,
    before_sensitive: Option<&'a [Json]>,
    after_sensitive: Option<&'a [Json]>,
    replace_paths: Matcher<'a>,
    relevant: Matcher<'a>,
}

impl<'a> ChangeSlice<'a> {
    pub fn before_len(&self) -> usize {
        self.before.map_or(0, <[Json]>::len)
    }

    pub fn after_len(&self) -> usize {
        self.after.map_or(0, <[Json]>::len)
    }

    /// The change of element `before_ix` of before into element `after_ix` of after (an
    /// index out of range means that side is absent).
    pub fn child(&self, before_ix: usize, after_ix: usize) -> Change<'a> {
        let before = self.before.and_then(|s| s.get(before_ix));
        let after = self.after.and_then(|s| s.get(after_ix));
        let unknown = match &self.unknown {
            Cow::Borrowed(j) => {
                Cow::Borrowed(j.as_array().and_then(|a| a.get(after_ix)).unwrap_or(&NULL))
            }
            Cow::Owned(j) => Cow::Owned(
                j.as_array().and_then(|a| a.get(after_ix)).cloned().unwrap_or(Json::Null),
            ),
        };
        let most_relevant = if before_ix < self.before_len() { before_ix } else { after_ix };
        Change {
            before_explicit: before.is_some(),
            after_explicit: after.is_some(),
            before: before.unwrap_or(&NULL),
            after: after.unwrap_or(&NULL),
            unknown,
            before_sensitive: self.before_sensitive.and_then(|s| s.get(before_ix)).unwrap_or(&NULL),
            after_sensitive: self.after_sensitive.and_then(|s| s.get(after_ix)).unwrap_or(&NULL),
            replace_paths: self.replace_paths.child_index(most_relevant),
            relevant: self.relevant.child_index(most_relevant),
            non_legacy_schema: false,
        }
    }
}
