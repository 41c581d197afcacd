//! Diagnostics the provider returns: API failures (with the seed page's troubleshooting
//! hints), argument problems pointing at their attribute, and batch input file problems as
//! `path:line: message`.

use crate::client::ApiError;
use crate::jsonl::BatchInput;
use batchform_core::{AttrPath, Diagnostic};

/// An API failure as a diagnostic: a fixed summary, the error (operation, address, request,
/// status, API message, request id), then the hint.
pub fn api_error(summary: &str, err: &ApiError, address: Option<&str>) -> Diagnostic {
    let mut detail = err.to_string();
    if let Some(hint) = err.hint() {
        detail.push_str("\n\n");
        detail.push_str(&hint);
    }
    let d = Diagnostic::error(summary, detail);
    match address {
        Some(a) => d.with_address(a),
        None => d,
    }
}

/// An invalid argument value.
pub fn invalid_argument(attribute: AttrPath, summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, detail).with_attribute(attribute)
}

pub fn invalid_emulator(detail: &str) -> Diagnostic {
    Diagnostic::error("Invalid emulator setting", detail.to_string())
        .with_attribute(AttrPath::attr("emulator"))
}

/// One diagnostic per reported problem of a batch input file, plus one counting the rest.
/// `source` is how the user names the content: the configured path, or "content".
pub fn batch_input_problems(
    input: &BatchInput,
    source: &str,
    attribute: &str,
    address: &str,
) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = input
        .problems
        .iter()
        .map(|p| {
            let place =
                if p.line == 0 { source.to_string() } else { format!("{source}:{}", p.line) };
            Diagnostic::error("Invalid batch input file", format!("{place}: {}.", p.message))
                .with_attribute(AttrPath::attr(attribute))
                .with_address(address)
        })
        .collect();
    let hidden = input.problem_count.saturating_sub(input.problems.len());
    if hidden > 0 {
        out.push(
            Diagnostic::error(
                "Invalid batch input file",
                format!("{source}: {hidden} more problems are not shown. Fix the ones above and plan again."),
            )
            .with_attribute(AttrPath::attr(attribute))
            .with_address(address),
        );
    }
    out
}
