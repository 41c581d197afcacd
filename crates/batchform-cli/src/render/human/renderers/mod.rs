//! Drawing a diff tree as Terraform's plan text (`computed/renderers`): four spaces per
//! level, a symbol column, sorted and aligned keys, the `-> null`, `(known after apply)`,
//! `# forces replacement` and `(sensitive value)` suffixes, hidden unchanged children.

mod block;
mod containers;
mod primitive;

use super::diff::{Diff, Renderer};
use crate::render::color::Colorize;
use batchform_engine::plan::Action;

/// Terraform's `RenderHumanOpts`.
#[derive(Debug, Clone, Copy)]
pub struct Opts<'c> {
    pub color: &'c Colorize,
    /// Don't write `-> null` (the parent already says the value goes away).
    pub override_null_suffix: bool,
    /// Write `# forces replacement` even if this node does not force it itself.
    pub force_forces_replacement: bool,
    /// Never write `# forces replacement` (the parent writes it).
    pub forbid_forces_replacement: bool,
    pub show_unchanged_children: bool,
    pub hide_diff_action_symbols: bool,
}

impl<'c> Opts<'c> {
    pub fn new(color: &'c Colorize) -> Opts<'c> {
        Opts {
            color,
            override_null_suffix: false,
            force_forces_replacement: false,
            forbid_forces_replacement: false,
            show_unchanged_children: false,
            hide_diff_action_symbols: false,
        }
    }
}

impl Diff {
    /// The text of this node at `indent` levels (its first line continues the caller's line).
    pub fn render(&self, indent: usize, opts: Opts<'_>) -> String {
        match &self.renderer {
            Renderer::Primitive { before, after, ty } => {
                primitive::render(self, before, after, *ty, indent, opts)
            }
            Renderer::Object { attributes, override_null_suffix } => {
                containers::object(self, attributes, *override_null_suffix, indent, opts)
            }
            Renderer::Map { elements, nested } => {
                containers::map(self, elements, *nested, indent, opts)
            }
            Renderer::List { elements, display_context } => {
                containers::list(self, elements, *display_context, indent, opts)
            }
            Renderer::Set { elements, nested } => {
                containers::set(self, elements, *nested, indent, opts)
            }
            Renderer::Block { attributes, blocks } => {
                block::block(self, attributes, blocks, indent, opts)
            }
            Renderer::Sensitive { .. } => format!(
                "(sensitive value){}{}",
                null_suffix(self.action, opts),
                forces_replacement(self.replace, opts)
            ),
            Renderer::SensitiveBlock { .. } => block::sensitive_block(self, indent, opts),
            Renderer::Unknown { before } => match before {
                Some(before) if self.action != Action::Create => {
                    let mut before_opts = opts;
                    before_opts.override_null_suffix = true;
                    if self.replace {
                        before_opts.forbid_forces_replacement = true;
                    }
                    format!(
                        "{} -> (known after apply){}",
                        before.render(indent, before_opts),
                        forces_replacement(self.replace, opts)
                    )
                }
                _ => format!("(known after apply){}", forces_replacement(self.replace, opts)),
            },
            Renderer::TypeChange { before, after } => {
                let mut inner = opts;
                inner.override_null_suffix = true;
                format!(
                    "{} {} {}",
                    before.render(indent, inner),
                    opts.color.color("[yellow]->[reset]"),
                    after.render(indent, inner)
                )
            }
        }
    }

    /// Warning lines written above this node (sensitivity changes).
    pub fn warnings(&self, indent: usize, opts: Opts<'_>) -> Vec<String> {
        let (inner, before, after, what) = match &self.renderer {
            Renderer::Sensitive { inner, before_sensitive, after_sensitive } => {
                (inner, *before_sensitive, *after_sensitive, "attribute value")
            }
            Renderer::SensitiveBlock { inner, before_sensitive, after_sensitive } => {
                (inner, *before_sensitive, *after_sensitive, "block")
            }
            _ => return Vec::new(),
        };
        if before == after || matches!(inner.action, Action::Create | Action::Delete) {
            return Vec::new();
        }
        let warning = if before {
            opts.color.color(&format!(
                "  # [yellow]Warning[reset]: this {what} will no longer be marked as sensitive\n{}  # after applying this change.",
                format_indent(indent)
            ))
        } else {
            opts.color.color(&format!(
                "  # [yellow]Warning[reset]: this {what} will be marked as sensitive and will not\n{}  # display in UI output after applying this change.",
                format_indent(indent)
            ))
        };
        let is_attribute = matches!(self.renderer, Renderer::Sensitive { .. });
        if is_attribute && inner.action == Action::NoOp {
            return vec![format!("{warning} The value is unchanged.")];
        }
        vec![warning]
    }
}

/// Terraform's `format.DiffActionSymbol`: the three-column symbol, in colour markup.
pub fn diff_action_symbol(action: Action) -> &'static str {
    match action {
        Action::DeleteThenCreate => "[red]-[reset]/[green]+[reset]",
        Action::CreateThenDelete => "[green]+[reset]/[red]-[reset]",
        Action::Create => "  [green]+[reset]",
        Action::Delete => "  [red]-[reset]",
        Action::Read => " [cyan]<=[reset]",
        Action::Update => "  [yellow]~[reset]",
        Action::NoOp => "   ",
    }
}

/// The symbol column plus a space (nothing when symbols are hidden).
pub fn write_symbol(action: Action, opts: Opts<'_>) -> String {
    if opts.hide_diff_action_symbols {
        return String::new();
    }
    format!("{} ", opts.color.color(diff_action_symbol(action)))
}

pub fn null_suffix(action: Action, opts: Opts<'_>) -> String {
    if !opts.override_null_suffix && action == Action::Delete {
        opts.color.color(" [dark_gray]-> null[reset]")
    } else {
        String::new()
    }
}

pub fn forces_replacement(replace: bool, opts: Opts<'_>) -> String {
    if (replace || opts.force_forces_replacement) && !opts.forbid_forces_replacement {
        opts.color.color(" [red]# forces replacement[reset]")
    } else {
        String::new()
    }
}

pub fn format_indent(indent: usize) -> String {
    "    ".repeat(indent)
}

pub fn unchanged(keyword: &str, count: usize, opts: Opts<'_>) -> String {
    let plural = if count == 1 { "" } else { "s" };
    opts.color.color(&format!("[dark_gray]# ({count} unchanged {keyword}{plural} hidden)[reset]"))
}

/// Keys that are not HCL identifiers are quoted.
pub fn ensure_valid_attribute_name(name: &str) -> String {
    if batchform_core::addr::is_identifier(name) {
        name.to_string()
    } else {
        crate::commands::state::text::go_quote(name)
    }
}

/// `id`, `name` and `tags` are shown even when unchanged.
pub fn important_attribute(name: &str) -> bool {
    matches!(name, "id" | "name" | "tags")
}

/// Go's `fmt.Sprintf("%-*s", width, s)` with the width measured in bytes (as Terraform
/// measures its keys) and the padding counted in characters (as `fmt` pads).
pub fn pad(s: &str, width: usize) -> String {
    let chars = s.chars().count();
    let mut out = String::with_capacity(width.max(s.len()));
    out.push_str(s);
    for _ in chars..width {
        out.push(' ');
    }
    out
}
