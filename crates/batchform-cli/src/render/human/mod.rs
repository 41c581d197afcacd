//! The diff engine behind the plan text: plan-JSON changes in, diff trees out, drawn as
//! Terraform 1.11 draws them (a port of `internal/command/jsonformat`'s `structured`,
//! `differ`, `collections` and `computed/renderers` packages).

pub mod collections;
pub mod diff;
pub mod differ;
pub mod jsondiff;
pub mod renderers;
pub mod structured;

use crate::render::jsonplan;
use batchform_core::schema::Block;
use std::borrow::Cow;
use structured::{Change, Matcher, NULL};

/// The structured change of one plan-JSON change, with the given relevant paths.
pub fn change_of<'a>(change: &'a jsonplan::Change, relevant: Matcher<'a>) -> Change<'a> {
    Change {
        before_explicit: false,
        after_explicit: false,
        before: change.before.as_ref().unwrap_or(&NULL),
        after: change.after.as_ref().unwrap_or(&NULL),
        unknown: Cow::Borrowed(&change.after_unknown),
        before_sensitive: change.before_sensitive.as_ref().unwrap_or(&NULL),
        after_sensitive: change.after_sensitive.as_ref().unwrap_or(&NULL),
        replace_paths: Matcher::from_paths(change.replace_paths.as_ref(), false),
        relevant,
        non_legacy_schema: false,
    }
}

/// The diff of a resource change under its schema. Without a schema (a resource type no
/// provider declares any more), every attribute is taken as dynamically typed.
pub fn resource_diff(
    change: &jsonplan::Change,
    schema: Option<&Block>,
    relevant: Matcher<'_>,
) -> diff::Diff {
    let implied;
    let block = match schema {
        Some(block) => block,
        None => {
            implied = implied_block(change);
            &implied
        }
    };
    differ::block(&change_of(change, relevant), block)
}

fn implied_block(change: &jsonplan::Change) -> Block {
    let mut block = Block::default();
    let sides = [change.before.as_ref(), change.after.as_ref(), Some(&change.after_unknown)];
    for side in sides.into_iter().flatten() {
        for key in side.as_object().into_iter().flat_map(|m| m.keys()) {
            block.attributes.insert(
                key.clone(),
                batchform_core::schema::Attribute::optional(batchform_core::Type::Dynamic),
            );
        }
    }
    block
}

/// The diff of an output change.
pub fn output_diff(change: &jsonplan::Change) -> diff::Diff {
    differ::output(&change_of(change, Matcher::Always))
}
