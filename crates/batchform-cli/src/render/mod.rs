//! Everything the user sees of a plan and an apply, as pure functions from data to text:
//!
//! - [`plan_text`]: the plan in Terraform 1.11's shape (drift, legend, per-instance blocks,
//!   summary, output changes, the "No changes." texts), plus [`plan_text::plan_next_step`];
//! - [`apply_text`]: progress lines, the end-of-run summary, outputs, prompts, interrupts;
//! - [`plan_json`]: `show -json PLANFILE` (plan format 1.2, one line);
//! - [`stream`]: the streaming `-json` UI, one object per line.
//!
//! The commands print; nothing here does I/O. Where Terraform names itself, the texts say
//! "batchform"; everything else is Terraform's wording. Colour markup follows colorstring
//! ([`color`]), so `-no-color` output is the coloured text with the codes taken out.

pub mod apply_text;
pub mod color;
pub mod config_json;
pub mod headers;
pub mod human;
pub mod jsonplan;
pub mod plan_json;
pub mod plan_text;
pub mod stream;
pub mod wrap;

#[cfg(test)]
mod tests;

/// How human text is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextOptions {
    /// ANSI colours (off with `-no-color` or `NO_COLOR`).
    pub color: bool,
    /// Terminal width; Terraform uses 78 columns when stdout is not a terminal.
    pub width: usize,
    /// `TF_IN_AUTOMATION` is set: leave out hints about next commands to run.
    pub in_automation: bool,
}

impl TextOptions {
    pub fn new(color: bool) -> TextOptions {
        TextOptions { color, width: crate::diagnostics::DEFAULT_WIDTH, in_automation: false }
    }
}
