//! Objects, maps, lists and sets (Terraform's `renderers/object.go`, `map.go`, `list.go`,
//! `set.go`).

use super::{
    Opts, ensure_valid_attribute_name, forces_replacement, format_indent, important_attribute,
    null_suffix, pad, unchanged, write_symbol,
};
use crate::commands::state::text::go_quote;
use crate::render::human::diff::{Diff, Renderer};
use batchform_engine::plan::Action;
use std::collections::BTreeMap;

pub fn object(
    diff: &Diff,
    attributes: &BTreeMap<String, Diff>,
    override_null_suffix: bool,
    indent: usize,
    opts: Opts<'_>,
) -> String {
    if attributes.is_empty() {
        return format!(
            "{{}}{}{}",
            null_suffix(diff.action, opts),
            forces_replacement(diff.replace, opts)
        );
    }
    let mut attribute_opts = opts;
    attribute_opts.override_null_suffix = override_null_suffix;
    let escaped: BTreeMap<&String, String> =
        attributes.keys().map(|k| (k, ensure_valid_attribute_name(k))).collect();
    let width = escaped.values().map(String::len).max().unwrap_or(0);

    let mut out = format!("{{{}\n", forces_replacement(diff.replace, opts));
    let mut hidden = 0;
    for (key, attribute) in attributes {
        let key_text = pad(&escaped[key], width);
        if important_attribute(key) {
            let mut important = attribute_opts;
            important.show_unchanged_children = true;
            for warning in attribute.warnings(indent + 1, important) {
                out.push_str(&format!("{}{warning}\n", format_indent(indent + 1)));
            }
            out.push_str(&format!(
                "{}{}{key_text} = {}\n",
                format_indent(indent + 1),
                write_symbol(attribute.action, important),
                attribute.render(indent + 1, important)
            ));
            continue;
        }
        if attribute.action == Action::NoOp && !opts.show_unchanged_children {
            hidden += 1;
            continue;
        }
        for warning in attribute.warnings(indent + 1, opts) {
            out.push_str(&format!("{}{warning}\n", format_indent(indent + 1)));
        }
        out.push_str(&format!(
            "{}{}{key_text} = {}\n",
            format_indent(indent + 1),
            write_symbol(attribute.action, attribute_opts),
            attribute.render(indent + 1, attribute_opts)
        ));
    }
    if hidden > 0 {
        out.push_str(&format!(
            "{}{}{}\n",
            format_indent(indent + 1),
            write_symbol(Action::NoOp, opts),
            unchanged("attribute", hidden, opts)
        ));
    }
    out.push_str(&format!(
        "{}{}}}{}",
        format_indent(indent),
        write_symbol(Action::NoOp, opts),
        null_suffix(diff.action, opts)
    ));
    out
}

/// Maps: keys always quoted; a nested-attribute map (`nested`) pushes its replacement mark
/// onto its elements and does not align keys.
pub fn map(
    diff: &Diff,
    elements: &BTreeMap<String, Diff>,
    nested: bool,
    indent: usize,
    opts: Opts<'_>,
) -> String {
    let replace_self = diff.replace && !nested;
    let replace_children = diff.replace && nested;
    if elements.is_empty() {
        return format!(
            "{{}}{}{}",
            null_suffix(diff.action, opts),
            forces_replacement(replace_self, opts)
        );
    }
    let escaped: BTreeMap<&String, String> = elements.keys().map(|k| (k, go_quote(k))).collect();
    let width = escaped.values().map(String::len).max().unwrap_or(0);
    let mut element_opts = opts;
    element_opts.override_null_suffix = diff.action == Action::Delete || nested;
    element_opts.force_forces_replacement = replace_children;

    let mut out = format!("{{{}\n", forces_replacement(replace_self, opts));
    let mut hidden = 0;
    for (key, element) in elements {
        if element.action == Action::NoOp && !opts.show_unchanged_children {
            hidden += 1;
            continue;
        }
        for warning in element.warnings(indent + 1, opts) {
            out.push_str(&format!("{}{warning}\n", format_indent(indent + 1)));
        }
        let comma = if matches!(element.renderer, Renderer::Object { .. }) { "," } else { "" };
        let key_text = if nested { escaped[key].clone() } else { pad(&escaped[key], width) };
        out.push_str(&format!(
            "{}{}{key_text} = {}{comma}\n",
            format_indent(indent + 1),
            write_symbol(element.action, element_opts),
            element.render(indent + 1, element_opts)
        ));
    }
    if hidden > 0 {
        out.push_str(&format!(
            "{}{}{}\n",
            format_indent(indent + 1),
            write_symbol(Action::NoOp, opts),
            unchanged("element", hidden, opts)
        ));
    }
    out.push_str(&format!(
        "{}{}}}{}",
        format_indent(indent),
        write_symbol(Action::NoOp, opts),
        null_suffix(diff.action, opts)
    ));
    out
}

/// Lists and tuples. With `display_context`, the unchanged element just before and just
/// after each change is shown so the reader can tell where in the list it happens.
pub fn list(
    diff: &Diff,
    elements: &[Diff],
    display_context: bool,
    indent: usize,
    opts: Opts<'_>,
) -> String {
    if elements.is_empty() {
        return format!(
            "[]{}{}",
            null_suffix(diff.action, opts),
            forces_replacement(diff.replace, opts)
        );
    }
    let mut element_opts = opts;
    element_opts.override_null_suffix = true;
    let mut unchanged_opts = opts;
    unchanged_opts.show_unchanged_children = true;

    let mut out = format!("[{}\n", forces_replacement(diff.replace, opts));
    let mut skipped: Vec<&Diff> = Vec::new();
    let mut render_next = false;
    for element in elements {
        if element.action == Action::NoOp && !render_next && !opts.show_unchanged_children {
            skipped.push(element);
            continue;
        }
        render_next = false;
        let mut this_opts = element_opts;
        if display_context {
            if skipped.len() > 1 {
                out.push_str(&format!(
                    "{}{}{}\n",
                    format_indent(indent + 1),
                    write_symbol(Action::NoOp, this_opts),
                    unchanged("element", skipped.len() - 1, this_opts)
                ));
            }
            if let Some(last) = skipped.last() {
                out.push_str(&format!(
                    "{}{}{},\n",
                    format_indent(indent + 1),
                    write_symbol(last.action, unchanged_opts),
                    last.render(indent + 1, unchanged_opts)
                ));
            }
            skipped.clear();
            if element.action == Action::NoOp {
                this_opts = unchanged_opts;
            } else {
                render_next = true;
            }
        }
        for warning in element.warnings(indent + 1, this_opts) {
            out.push_str(&format!("{}{warning}\n", format_indent(indent + 1)));
        }
        out.push_str(&format!(
            "{}{}{},\n",
            format_indent(indent + 1),
            write_symbol(element.action, this_opts),
            element.render(indent + 1, this_opts)
        ));
    }
    if !skipped.is_empty() {
        out.push_str(&format!(
            "{}{}{}\n",
            format_indent(indent + 1),
            write_symbol(Action::NoOp, opts),
            unchanged("element", skipped.len(), opts)
        ));
    }
    out.push_str(&format!(
        "{}{}]{}",
        format_indent(indent),
        write_symbol(Action::NoOp, opts),
        null_suffix(diff.action, opts)
    ));
    out
}

/// Sets; a nested-attribute set (`nested`) pushes its replacement mark onto its elements.
pub fn set(diff: &Diff, elements: &[Diff], nested: bool, indent: usize, opts: Opts<'_>) -> String {
    let replace_self = diff.replace && !nested;
    let replace_children = diff.replace && nested;
    if elements.is_empty() {
        return format!(
            "[]{}{}",
            null_suffix(diff.action, opts),
            forces_replacement(replace_self, opts)
        );
    }
    let mut element_opts = opts;
    element_opts.override_null_suffix = true;
    element_opts.force_forces_replacement = replace_children;

    let mut out = format!("[{}\n", forces_replacement(replace_self, opts));
    let mut hidden = 0;
    for element in elements {
        if element.action == Action::NoOp && !opts.show_unchanged_children {
            hidden += 1;
            continue;
        }
        for warning in element.warnings(indent + 1, opts) {
            out.push_str(&format!("{}{warning}\n", format_indent(indent + 1)));
        }
        out.push_str(&format!(
            "{}{}{},\n",
            format_indent(indent + 1),
            write_symbol(element.action, element_opts),
            element.render(indent + 1, element_opts)
        ));
    }
    if hidden > 0 {
        out.push_str(&format!(
            "{}{}{}\n",
            format_indent(indent + 1),
            write_symbol(Action::NoOp, opts),
            unchanged("element", hidden, opts)
        ));
    }
    out.push_str(&format!(
        "{}{}]{}",
        format_indent(indent),
        write_symbol(Action::NoOp, opts),
        null_suffix(diff.action, opts)
    ));
    out
}
