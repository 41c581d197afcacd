//! Diffs of values with no schema type: dynamically typed attributes (`terraform_data`'s
//! `input`), outputs, and strings holding JSON (Terraform's `jsondiff` with the renderers'
//! JSON options). Objects are objects, arrays are lists, nothing forces replacement here.

use super::collections::{transform_map, transform_slice};
use super::diff::{Diff, Primitive, Renderer};
use super::structured::Change;
use batchform_engine::plan::Action;
use serde_json::Value as Json;
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonType {
    Null,
    Bool,
    Number,
    String,
    Object,
    Array,
}

fn json_type(value: &Json) -> JsonType {
    match value {
        Json::Null => JsonType::Null,
        Json::Bool(_) => JsonType::Bool,
        Json::Number(_) => JsonType::Number,
        Json::String(_) => JsonType::String,
        Json::Object(_) => JsonType::Object,
        Json::Array(_) => JsonType::Array,
    }
}

/// Terraform's `JsonOpts.Transform`.
pub fn transform(change: &Change<'_>) -> Diff {
    if let Some(diff) = check_for_sensitive(change, transform, |inner, before, after, action| {
        Diff::new(
            Renderer::Sensitive {
                inner: Box::new(inner),
                before_sensitive: before,
                after_sensitive: after,
            },
            action,
            false,
        )
    }) {
        return diff;
    }
    if let Some(diff) = check_for_unknown(
        change,
        Json::Bool(false),
        |_| Diff::new(Renderer::Unknown { before: None }, Action::Create, false),
        |_, before| {
            Diff::new(
                Renderer::Unknown { before: Some(Box::new(transform(before))) },
                Action::Update,
                false,
            )
        },
    ) {
        return diff;
    }
    let before_type = json_type(change.before);
    let after_type = json_type(change.after);
    let deleted = after_type == JsonType::Null && !change.after_explicit;
    let created = before_type == JsonType::Null && !change.before_explicit;
    if before_type == after_type || created || deleted {
        let target = if before_type == JsonType::Null { after_type } else { before_type };
        return process_update(change, target);
    }
    let before = process_update(&change.as_delete(), before_type);
    let after = process_update(&change.as_create(), after_type);
    Diff::new(
        Renderer::TypeChange { before: Box::new(before), after: Box::new(after) },
        Action::Update,
        false,
    )
}

fn process_update(change: &Change<'_>, ty: JsonType) -> Diff {
    match ty {
        JsonType::Null => primitive(change, Primitive::Null),
        JsonType::Bool => primitive(change, Primitive::Bool),
        JsonType::Number => primitive(change, Primitive::Number),
        JsonType::String => primitive(change, Primitive::String),
        JsonType::Object => {
            let map = change.as_map();
            let (attributes, action) =
                transform_map(map.before, map.after, map.all_keys(), |key| {
                    let mut child = map.child(key);
                    if !child.relevant.matches_partial() {
                        child = child.as_no_op();
                    }
                    transform(&child)
                });
            Diff::new(Renderer::Object { attributes, override_null_suffix: true }, action, false)
        }
        JsonType::Array => {
            let slice = change.as_slice();
            let (elements, action) = transform_slice(
                slice.before,
                slice.after,
                |v| json_type(v) == JsonType::Object,
                |b, a| transform(&slice.child(b, a)),
            );
            Diff::new(Renderer::List { elements, display_context: true }, action, false)
        }
    }
}

fn primitive(change: &Change<'_>, ty: Primitive) -> Diff {
    let before_missing = change.before.is_null() && !change.before_explicit;
    let after_missing = change.after.is_null() && !change.after_explicit;
    let action = match (before_missing, after_missing) {
        (true, false) => Action::Create,
        (false, true) => Action::Delete,
        _ if change.before == change.after => Action::NoOp,
        _ => Action::Update,
    };
    Diff::new(
        Renderer::Primitive { before: change.before.clone(), after: change.after.clone(), ty },
        action,
        false,
    )
}

/// Terraform's `Change.CheckForSensitive`: a sensitive value is drawn by `create` around the
/// diff of its content; a change of sensitivity alone is an update.
pub fn check_for_sensitive(
    change: &Change<'_>,
    process: impl Fn(&Change<'_>) -> Diff,
    create: impl Fn(Diff, bool, bool, Action) -> Diff,
) -> Option<Diff> {
    let before = change.is_before_sensitive();
    let after = change.is_after_sensitive();
    if !before && !after {
        return None;
    }
    let inner = process(&change.without_sensitivity());
    let mut action = inner.action;
    let null_no_op = change.before.is_null()
        && !change.before_explicit
        && change.after.is_null()
        && !change.after_explicit;
    if action == Action::NoOp && before != after && !null_no_op {
        action = Action::Update;
    }
    Some(create(inner, before, after, action))
}

/// Terraform's `Change.CheckForUnknown`: an unknown value is drawn by `create` (nothing
/// before) or by `create_with_before` around the diff of the value it replaces, with
/// `child_unknown` as that value's unknown mask.
pub fn check_for_unknown<'a>(
    change: &Change<'a>,
    child_unknown: Json,
    create: impl Fn(&Change<'a>) -> Diff,
    create_with_before: impl Fn(&Change<'a>, &Change<'a>) -> Diff,
) -> Option<Diff> {
    if !change.is_unknown() {
        return None;
    }
    let mut current = change.clone();
    current.after_explicit = true;
    if current.before.is_null() {
        return Some(create(&current));
    }
    let mut before = current.as_delete();
    before.unknown = Cow::Owned(child_unknown);
    Some(create_with_before(&current, &before))
}
