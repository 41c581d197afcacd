//! Diffs of values whose schema type is known (Terraform's `differ` package): a resource's
//! block, its attributes by type, nested blocks by nesting mode.

use super::collections::{canonical, transform_map, transform_slice};
use super::diff::{BlockKind, BlockMeta, Blocks, Diff, Primitive, Renderer, compare_actions};
use super::jsondiff::{self, check_for_sensitive, check_for_unknown};
use super::structured::{Change, Matcher, NULL};
use batchform_core::Type;
use batchform_core::schema::{Block, Nesting};
use batchform_engine::plan::Action;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};

/// The diff of a resource instance object (or a nested block) under its schema.
pub fn block(change: &Change<'_>, schema: &Block) -> Diff {
    if let Some(diff) = check_for_sensitive(
        change,
        |c| block(c, schema),
        |inner, b, a, action| {
            Diff::new(
                Renderer::SensitiveBlock {
                    inner: Box::new(inner),
                    before_sensitive: b,
                    after_sensitive: a,
                },
                action,
                change.replace_paths.matches(),
            )
        },
    ) {
        return diff;
    }
    let child_unknown =
        Json::Object(schema.attributes.keys().map(|k| (k.clone(), Json::Bool(true))).collect());
    if let Some(diff) = check_for_unknown(
        change,
        child_unknown,
        |current| as_diff(current, Renderer::Unknown { before: None }),
        |current, before| {
            as_diff(current, Renderer::Unknown { before: Some(Box::new(block(before, schema))) })
        },
    ) {
        return diff;
    }

    let mut change = change.clone();
    change.non_legacy_schema = change.non_legacy_schema || contains_non_legacy_features(schema);
    let mut current = change.default_action_for_iteration();
    let map = change.as_map();

    let mut attributes = BTreeMap::new();
    for (key, attribute) in &schema.attributes {
        let mut child = map.child(key);
        if !child.relevant.matches_partial() {
            child = child.as_no_op();
        }
        child.before_explicit = false;
        child.after_explicit = false;
        let diff = of_type(&child, &attribute.ty);
        if diff.action == Action::NoOp && child.before.is_null() && child.after.is_null() {
            continue;
        }
        current = compare_actions(current, diff.action);
        attributes.insert(key.clone(), diff);
    }

    let mut blocks = Blocks::default();
    for (key, nested) in &schema.block_types {
        let mut child = map.child(key);
        if !child.relevant.matches_partial() {
            child = child.as_no_op();
        }
        let meta = BlockMeta {
            replace: child.replace_paths.matches(),
            before_sensitive: child.is_before_sensitive(),
            after_sensitive: child.is_after_sensitive(),
            unknown: child.is_unknown(),
        };
        let both_null = child.before.is_null() && child.after.is_null() && !meta.unknown;
        match nested.nesting {
            Nesting::Single => {
                let diff = block(&child, &nested.block);
                if diff.action == Action::NoOp && both_null {
                    continue;
                }
                current = compare_actions(current, diff.action);
                blocks.add_single(key, diff, meta);
            }
            Nesting::List => {
                let slice = child.as_slice();
                let (diffs, action) = transform_slice(
                    slice.before,
                    slice.after,
                    |_| true,
                    |b, a| {
                        let mut element = slice.child(b, a);
                        element.relevant = Matcher::Always;
                        block(&element, &nested.block)
                    },
                );
                if action == Action::NoOp && both_null {
                    continue;
                }
                current = compare_actions(current, action);
                blocks.add_list(key, BlockKind::List, diffs, meta);
            }
            Nesting::Set => {
                let mut action = child.default_action_for_iteration();
                let mut diffs = Vec::new();
                process_set(&child, |element| {
                    let diff = block(&element, &nested.block);
                    action = compare_actions(action, diff.action);
                    diffs.push(diff);
                });
                if action == Action::NoOp && both_null {
                    continue;
                }
                current = compare_actions(current, action);
                blocks.add_list(key, BlockKind::Set, diffs, meta);
            }
        }
    }

    Diff::new(Renderer::Block { attributes, blocks }, current, change.replace_paths.matches())
}

/// The diff of an output value (no schema: dynamic).
pub fn output(change: &Change<'_>) -> Diff {
    // Terraform's ComputeDiffForOutput: no legacy-SDK treatment of empty strings as null
    // (that applies to resource attributes only), so `output "e" { value = "" }` shows.
    let mut change = change.clone();
    change.non_legacy_schema = true;
    of_type(&change, &Type::Dynamic)
}

/// Terraform's `asDiff`: a renderer with the change's own action and replacement.
fn as_diff(change: &Change<'_>, renderer: Renderer) -> Diff {
    Diff::new(renderer, change.calculate_action(), change.replace_paths.matches())
}

/// Terraform's `ComputeDiffForType`.
pub fn of_type(change: &Change<'_>, ty: &Type) -> Diff {
    let mut change = change.clone();
    if !change.non_legacy_schema {
        // The legacy SDK cannot tell empty strings from null.
        if change.before.as_str() == Some("") {
            change.before = &NULL;
        }
        if change.after.as_str() == Some("") {
            change.after = &NULL;
        }
    }
    let change = &change;
    if let Some(diff) = check_for_sensitive(
        change,
        |c| of_type(c, ty),
        |inner, b, a, action| {
            Diff::new(
                Renderer::Sensitive {
                    inner: Box::new(inner),
                    before_sensitive: b,
                    after_sensitive: a,
                },
                action,
                change.replace_paths.matches(),
            )
        },
    ) {
        return diff;
    }
    if let Some(diff) = check_for_unknown(
        change,
        Json::Bool(false),
        |current| as_diff(current, Renderer::Unknown { before: None }),
        |current, before| {
            as_diff(current, Renderer::Unknown { before: Some(Box::new(of_type(before, ty))) })
        },
    ) {
        return diff;
    }
    let replace = change.replace_paths.matches();
    match ty {
        // A type value never reaches a plan; render it as JSON would be.
        Type::Dynamic | Type::TypeType => jsondiff::transform(change),
        Type::String | Type::Number | Type::Bool => {
            let primitive = match ty {
                Type::String => Primitive::String,
                Type::Number => Primitive::Number,
                _ => Primitive::Bool,
            };
            as_diff(
                change,
                Renderer::Primitive {
                    before: change.before.clone(),
                    after: change.after.clone(),
                    ty: primitive,
                },
            )
        }
        Type::Object(attribute_types) => {
            let map = change.as_map();
            let mut current = change.default_action_for_iteration();
            let mut attributes = BTreeMap::new();
            for (key, attribute_type) in attribute_types {
                let mut child = map.child(key);
                if !child.relevant.matches_partial() {
                    child = child.as_no_op();
                }
                child.before_explicit = false;
                child.after_explicit = false;
                let diff = of_type(&child, attribute_type);
                if diff.action == Action::NoOp && child.before.is_null() && child.after.is_null() {
                    continue;
                }
                current = compare_actions(current, diff.action);
                attributes.insert(key.clone(), diff);
            }
            Diff::new(Renderer::Object { attributes, override_null_suffix: true }, current, replace)
        }
        Type::Map(element_type) => {
            let map = change.as_map();
            let (elements, action) = transform_map(map.before, map.after, map.all_keys(), |key| {
                let mut child = map.child(key);
                if !child.relevant.matches_partial() {
                    child = child.as_no_op();
                }
                of_type(&child, element_type)
            });
            Diff::new(Renderer::Map { elements, nested: false }, action, replace)
        }
        Type::List(element_type) => {
            let slice = change.as_slice();
            let is_object = matches!(**element_type, Type::Object(_));
            let (elements, action) = transform_slice(
                slice.before,
                slice.after,
                |_| is_object,
                |b, a| {
                    let mut element = slice.child(b, a);
                    element.relevant = Matcher::Always;
                    of_type(&element, element_type)
                },
            );
            Diff::new(Renderer::List { elements, display_context: true }, action, replace)
        }
        Type::Tuple(element_types) => {
            let slice = change.as_slice();
            let mut current = change.default_action_for_iteration();
            let mut elements = Vec::new();
            for (ix, element_type) in element_types.iter().enumerate() {
                let mut element = slice.child(ix, ix);
                if !element.relevant.matches_partial() {
                    element = element.as_no_op();
                }
                let diff = of_type(&element, element_type);
                current = compare_actions(current, diff.action);
                elements.push(diff);
            }
            Diff::new(Renderer::List { elements, display_context: true }, current, replace)
        }
        Type::Set(element_type) => {
            let mut current = change.default_action_for_iteration();
            let mut elements = Vec::new();
            process_set(change, |element| {
                let diff = of_type(&element, element_type);
                current = compare_actions(current, diff.action);
                elements.push(diff);
            });
            Diff::new(Renderer::Set { elements, nested: false }, current, replace)
        }
    }
}

/// Terraform's `processSet`: elements equal on both sides are paired (unchanged); the other
/// before elements are deletions, the other after elements creations.
fn process_set<'a>(change: &Change<'a>, mut process: impl FnMut(Change<'a>)) {
    let slice = change.as_slice();
    let (before_len, after_len) = (slice.before_len(), slice.after_len());
    let key = |c: &Change<'_>, value: &Json, sensitive: bool| {
        format!("{}{}{}", u8::from(sensitive), u8::from(c.is_unknown()), canonical(value))
    };
    // After elements that could match, by content; an after element matches at most once.
    let mut candidates: HashMap<String, Vec<usize>> = HashMap::new();
    for jx in (0..after_len).rev() {
        let element = slice.child(before_len, jx);
        if element.is_unknown() {
            continue;
        }
        candidates
            .entry(key(&element, element.after, element.is_after_sensitive()))
            .or_default()
            .push(jx);
    }
    let mut matched_after = vec![false; after_len];
    let mut pairs = Vec::with_capacity(before_len);
    for ix in 0..before_len {
        let element = slice.child(ix, after_len);
        let wanted =
            format!("{}0{}", u8::from(element.is_before_sensitive()), canonical(element.before));
        let found = candidates.get_mut(&wanted).and_then(Vec::pop);
        if let Some(jx) = found {
            matched_after[jx] = true;
        }
        pairs.push(found);
    }
    for (ix, found) in pairs.into_iter().enumerate() {
        let mut element = slice.child(ix, found.unwrap_or(after_len));
        element.relevant = Matcher::Always;
        process(element);
    }
    for (jx, matched) in matched_after.into_iter().enumerate() {
        if !matched {
            let mut element = slice.child(before_len, jx);
            element.relevant = Matcher::Always;
            process(element);
        }
    }
}

/// Features the legacy SDK could not produce; with any of them the empty-string-is-null
/// fix-up is skipped for the whole resource.
fn contains_non_legacy_features(schema: &Block) -> bool {
    schema.attributes.values().any(|attribute| match &attribute.ty {
        ty if ty.has_dynamic() => true,
        Type::Tuple(_) | Type::Object(_) => true,
        Type::List(elem) | Type::Set(elem) | Type::Map(elem) => {
            matches!(elem.element_type(), Some(inner) if !inner.is_primitive())
        }
        _ => false,
    })
}
