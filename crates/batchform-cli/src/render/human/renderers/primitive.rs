//! Primitive values: numbers and bools as they are, strings quoted, multi-line strings as
//! `<<-EOT` heredocs with a line diff, and strings holding JSON as `jsonencode(...)` with a
//! structural diff (Terraform's `renderers/primitive.go` and `string.go`).

use super::{Opts, forces_replacement, format_indent, null_suffix, write_symbol};
use crate::commands::state::text::go_quote;
use crate::render::human::collections::process_slice;
use crate::render::human::diff::{Diff, Primitive, Renderer};
use crate::render::human::jsondiff;
use crate::render::human::structured::{Change, Matcher};
use batchform_engine::plan::Action;
use serde_json::Value as Json;
use std::borrow::Cow;

pub fn render(
    diff: &Diff,
    before: &Json,
    after: &Json,
    ty: Primitive,
    indent: usize,
    opts: Opts<'_>,
) -> String {
    if ty == Primitive::String {
        return render_string(diff, before, after, indent, opts);
    }
    let before_value = value_text(before, opts);
    let after_value = value_text(after, opts);
    let replace = forces_replacement(diff.replace, opts);
    match diff.action {
        Action::Create => format!("{after_value}{replace}"),
        Action::Delete => format!("{before_value}{}{replace}", null_suffix(diff.action, opts)),
        Action::NoOp => format!("{before_value}{replace}"),
        _ => format!(
            "{before_value} {} {after_value}{replace}",
            opts.color.color("[yellow]->[reset]")
        ),
    }
}

fn value_text(value: &Json, opts: Opts<'_>) -> String {
    match value {
        Json::Null => opts.color.color("[dark_gray]null[reset]"),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => go_quote(s),
        other => other.to_string(),
    }
}

/// A string as Terraform classifies it for display.
struct Evaluated {
    text: String,
    json: Option<Json>,
    multiline: bool,
    null: bool,
}

impl Evaluated {
    fn simple(&self) -> String {
        if self.null { self.text.clone() } else { go_quote(&self.text) }
    }
}

fn evaluate(value: &Json, opts: Opts<'_>) -> Evaluated {
    let Some(s) = value.as_str() else {
        return Evaluated {
            text: opts.color.color("[dark_gray]null[reset]"),
            json: None,
            multiline: false,
            null: true,
        };
    };
    if s.starts_with('{') || s.starts_with('[') {
        // Go's json.Decoder.Decode: the first value, whatever follows it.
        let mut stream = serde_json::Deserializer::from_str(s).into_iter::<Json>();
        if let Some(Ok(json)) = stream.next() {
            return Evaluated {
                text: s.to_string(),
                json: Some(json),
                multiline: false,
                null: false,
            };
        }
    }
    if s.contains('\n') {
        return Evaluated {
            text: go_trim_space(s).to_string(),
            json: None,
            multiline: true,
            null: false,
        };
    }
    Evaluated { text: s.to_string(), json: None, multiline: false, null: false }
}

/// Go's `strings.TrimSpace` (Unicode white space).
fn go_trim_space(s: &str) -> &str {
    s.trim_matches(char::is_whitespace)
}

fn render_string(
    diff: &Diff,
    before: &Json,
    after: &Json,
    indent: usize,
    opts: Opts<'_>,
) -> String {
    let prefix =
        |action: Action| format!("{}{}", format_indent(indent + 1), write_symbol(action, opts));
    let mut lines: Vec<String> = Vec::new();
    match diff.action {
        Action::Create | Action::NoOp => {
            let s = evaluate(after, opts);
            if let Some(json) = &s.json {
                let before = (diff.action == Action::NoOp).then_some(json);
                return render_json(diff, indent, opts, before, Some(json));
            }
            if !s.multiline {
                return format!("{}{}", s.simple(), forces_replacement(diff.replace, opts));
            }
            let p = prefix(Action::NoOp);
            lines = s.text.split('\n').map(|l| format!("{p}{l}")).collect();
        }
        Action::Delete => {
            let s = evaluate(before, opts);
            if s.null {
                return format!("{}{}", s.simple(), forces_replacement(diff.replace, opts));
            }
            if let Some(json) = &s.json {
                return render_json(diff, indent, opts, Some(json), None);
            }
            if !s.multiline {
                return format!(
                    "{}{}{}",
                    s.simple(),
                    null_suffix(diff.action, opts),
                    forces_replacement(diff.replace, opts)
                );
            }
            let p = prefix(Action::NoOp);
            lines = s.text.split('\n').map(|l| format!("{p}{l}")).collect();
        }
        _ => {
            let b = evaluate(before, opts);
            let a = evaluate(after, opts);
            if let (Some(bj), Some(aj)) = (&b.json, &a.json) {
                return render_json(diff, indent, opts, Some(bj), Some(aj));
            }
            if b.json.is_some() || a.json.is_some() {
                let deleted = Diff::new(
                    Renderer::Primitive {
                        before: before.clone(),
                        after: Json::Null,
                        ty: Primitive::String,
                    },
                    Action::Delete,
                    false,
                );
                let created = Diff::new(
                    Renderer::Primitive {
                        before: Json::Null,
                        after: after.clone(),
                        ty: Primitive::String,
                    },
                    Action::Create,
                    false,
                );
                let change = Diff::new(
                    Renderer::TypeChange { before: Box::new(deleted), after: Box::new(created) },
                    diff.action,
                    diff.replace,
                );
                return change.render(indent, opts);
            }
            if !b.multiline && !a.multiline {
                return format!(
                    "{} {} {}{}",
                    b.simple(),
                    opts.color.color("[yellow]->[reset]"),
                    a.simple(),
                    forces_replacement(diff.replace, opts)
                );
            }
            let before_lines: Vec<&str> = b.text.split('\n').collect();
            let after_lines: Vec<&str> = a.text.split('\n').collect();
            process_slice(
                &before_lines,
                &after_lines,
                |l| *l,
                |_| false,
                |bi, ai| match (before_lines.get(bi), after_lines.get(ai)) {
                    (None, Some(line)) => lines.push(format!("{}{line}", prefix(Action::Create))),
                    (Some(line), None) => lines.push(format!("{}{line}", prefix(Action::Delete))),
                    (Some(bl), Some(al)) if bl != al => {
                        lines.push(format!("{}{bl}", prefix(Action::Delete)));
                        lines.push(format!("{}{al}", prefix(Action::Create)));
                    }
                    (Some(line), Some(_)) => lines.push(format!("{}{line}", prefix(Action::NoOp))),
                    (None, None) => {}
                },
            );
        }
    }
    format!(
        "<<-EOT{}\n{}\n{}{}EOT{}",
        forces_replacement(diff.replace, opts),
        lines.join("\n"),
        format_indent(indent),
        write_symbol(Action::NoOp, opts),
        null_suffix(diff.action, opts)
    )
}

/// A string that holds JSON, drawn as `jsonencode(...)` with a diff of the decoded values.
fn render_json(
    diff: &Diff,
    indent: usize,
    opts: Opts<'_>,
    before: Option<&Json>,
    after: Option<&Json>,
) -> String {
    static NULL: Json = Json::Null;
    let change = Change {
        before_explicit: diff.action != Action::Create,
        after_explicit: diff.action != Action::Delete,
        before: before.unwrap_or(&NULL),
        after: after.unwrap_or(&NULL),
        unknown: Cow::Owned(Json::Bool(false)),
        before_sensitive: &NULL,
        after_sensitive: &NULL,
        replace_paths: Matcher::empty(false),
        relevant: Matcher::Always,
        non_legacy_schema: false,
    };
    let json_diff = jsondiff::transform(&change);
    let mut action = diff.action;
    let mut json_opts = opts;
    json_opts.override_null_suffix = true;
    let (mut whitespace, mut replace) = ("", String::new());
    if json_diff.action == Action::NoOp && diff.action == Action::Update {
        whitespace = if diff.replace {
            " # whitespace changes force replacement"
        } else {
            " # whitespace changes"
        };
        json_opts.show_unchanged_children = true;
        action = Action::NoOp;
    } else {
        replace = forces_replacement(diff.replace, opts);
    }
    let rendered = json_diff.render(indent + 1, json_opts);
    if matches!(diff.action, Action::Create | Action::Delete) {
        action = Action::NoOp;
    }
    if rendered.contains('\n') {
        format!(
            "jsonencode({whitespace}\n{}{}{rendered}{replace}\n{}{}){}",
            format_indent(indent + 1),
            write_symbol(action, opts),
            format_indent(indent),
            write_symbol(Action::NoOp, opts),
            null_suffix(diff.action, opts)
        )
    } else {
        format!("jsonencode({rendered}){whitespace}{replace}")
    }
}
