//! A resource's body and its nested blocks (Terraform's `renderers/block.go` and
//! `sensitive_block.go`).

use super::{
    Opts, ensure_valid_attribute_name, forces_replacement, format_indent, important_attribute, pad,
    unchanged, write_symbol,
};
use crate::render::human::diff::{Blocks, Diff, Renderer};
use batchform_engine::plan::Action;
use std::collections::BTreeMap;

pub fn block(
    diff: &Diff,
    attributes: &BTreeMap<String, Diff>,
    blocks: &Blocks,
    indent: usize,
    opts: Opts<'_>,
) -> String {
    if attributes.is_empty() && blocks.is_empty() {
        return format!("{{}}{}", forces_replacement(diff.replace, opts));
    }
    let escaped: BTreeMap<&String, String> =
        attributes.keys().map(|k| (k, ensure_valid_attribute_name(k))).collect();
    let width = escaped.values().map(String::len).max().unwrap_or(0);
    let mut important_opts = opts;
    important_opts.show_unchanged_children = true;

    let mut out = format!("{{{}\n", forces_replacement(diff.replace, opts));
    let mut hidden_attributes = 0;
    for (key, attribute) in attributes {
        if important_attribute(key) {
            for warning in attribute.warnings(indent + 1, important_opts) {
                out.push_str(&format!("{}{warning}\n", format_indent(indent + 1)));
            }
            out.push_str(&format!(
                "{}{}{} = {}\n",
                format_indent(indent + 1),
                write_symbol(attribute.action, important_opts),
                pad(key, width),
                attribute.render(indent + 1, important_opts)
            ));
            continue;
        }
        if attribute.action == Action::NoOp && !opts.show_unchanged_children {
            hidden_attributes += 1;
            continue;
        }
        for warning in attribute.warnings(indent + 1, opts) {
            out.push_str(&format!("{}{warning}\n", format_indent(indent + 1)));
        }
        out.push_str(&format!(
            "{}{}{} = {}\n",
            format_indent(indent + 1),
            write_symbol(attribute.action, opts),
            pad(&escaped[key], width),
            attribute.render(indent + 1, opts)
        ));
    }
    if hidden_attributes > 0 {
        out.push_str(&format!(
            "{}{}{}\n",
            format_indent(indent + 1),
            write_symbol(Action::NoOp, opts),
            unchanged("attribute", hidden_attributes, opts)
        ));
    }

    let mut hidden_blocks = 0;
    for key in blocks.keys() {
        let mut found_changed = false;
        let flag = |m: &BTreeMap<String, bool>| m.get(key.as_str()).copied().unwrap_or(false);
        let (before_sensitive, after_sensitive) =
            (flag(&blocks.before_sensitive), flag(&blocks.after_sensitive));
        let mut render_block = |diff: &Diff, out: &mut String| {
            let creating = diff.action == Action::Create && after_sensitive;
            let deleting = diff.action == Action::Delete && before_sensitive;
            let modifying = matches!(diff.action, Action::Update | Action::NoOp)
                && (after_sensitive || before_sensitive);
            let wrapped;
            let diff = if creating || deleting || modifying {
                let mut action = diff.action;
                if action == Action::NoOp && before_sensitive != after_sensitive {
                    action = Action::Update;
                }
                wrapped = Diff::new(
                    Renderer::SensitiveBlock {
                        inner: Box::new(diff.clone()),
                        before_sensitive,
                        after_sensitive,
                    },
                    action,
                    diff.replace,
                );
                &wrapped
            } else {
                diff
            };
            if diff.action == Action::NoOp && !opts.show_unchanged_children {
                hidden_blocks += 1;
                return;
            }
            if !found_changed && !attributes.is_empty() {
                out.push('\n');
                found_changed = true;
            }
            let mut block_opts = opts;
            block_opts.force_forces_replacement = flag(&blocks.replace);
            for warning in diff.warnings(indent + 1, block_opts) {
                out.push_str(&format!("{}{warning}\n", format_indent(indent + 1)));
            }
            out.push_str(&format!(
                "{}{}{} {}\n",
                format_indent(indent + 1),
                write_symbol(diff.action, block_opts),
                ensure_valid_attribute_name(key),
                diff.render(indent + 1, block_opts)
            ));
        };
        let unknown_placeholder =
            || Diff::new(Renderer::Unknown { before: None }, diff.action, false);
        if let Some(single) = blocks.single.get(key.as_str()) {
            render_block(single, &mut out);
        } else if let Some(set) = blocks.set.get(key.as_str()) {
            if flag(&blocks.unknown) {
                render_block(&unknown_placeholder(), &mut out);
            }
            for inner in set {
                render_block(inner, &mut out);
            }
        } else if let Some(list) = blocks.list.get(key.as_str()) {
            if flag(&blocks.unknown) {
                render_block(&unknown_placeholder(), &mut out);
            }
            for inner in list {
                render_block(inner, &mut out);
            }
        }
    }
    if hidden_blocks > 0 {
        out.push_str(&format!(
            "\n{}{}{}\n",
            format_indent(indent + 1),
            write_symbol(Action::NoOp, opts),
            unchanged("block", hidden_blocks, opts)
        ));
    }
    out.push_str(&format!("{}{}}}", format_indent(indent), write_symbol(Action::NoOp, opts)));
    out
}

pub fn sensitive_block(diff: &Diff, indent: usize, opts: Opts<'_>) -> String {
    let prefix = format!("{}{}", format_indent(indent), write_symbol(Action::NoOp, opts));
    format!(
        "{{{}\n{prefix}  # At least one attribute in this block is (or was) sensitive,\n{prefix}  # so its contents will not be displayed.\n{prefix}}}",
        forces_replacement(diff.replace, opts)
    )
}
