//! Printing diagnostics for the state commands the way Terraform does: a red box with
//! `Error: <summary>` and the wrapped detail, or with `-no-color` (or `NO_COLOR`) the plain
//! form automation parses. Errors go to stderr, warnings to stdout.
//!
//! Kept small on purpose; when the shared diagnostic renderer lands these calls can move to it.

use super::text::wrap;
use batchform_core::{Diagnostic, Severity};
use batchform_state::BackendError;
use std::io::Write;

/// Terraform wraps at 78 columns when not writing to a terminal.
const WIDTH: usize = 78;

/// Whether colour (and the box) is wanted: not with `-no-color`, not with `NO_COLOR` set.
pub fn use_color(no_color_flag: bool) -> bool {
    !no_color_flag && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Print diagnostics and return whether any was an error.
pub fn print(diagnostics: &[Diagnostic], color: bool) -> bool {
    let mut has_errors = false;
    for d in diagnostics {
        let text = render(d, color);
        if d.severity == Severity::Error {
            has_errors = true;
            let _ = std::io::stderr().write_all(text.as_bytes());
        } else {
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }
    has_errors
}

/// Print one error diagnostic; returns exit code 1 for convenience.
pub fn error(summary: &str, detail: impl Into<String>, color: bool) -> u8 {
    print(&[Diagnostic::error(summary, detail)], color);
    1
}

/// One diagnostic as text.
pub fn render(d: &Diagnostic, color: bool) -> String {
    let level = match d.severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
    };
    if !color {
        let mut out = format!("\n{level}: {}\n", d.summary);
        if !d.detail.is_empty() {
            out.push('\n');
            out.push_str(&wrap(&d.detail, WIDTH - 1));
            out.push('\n');
        }
        out.push('\n');
        return out;
    }
    let (paint, reset) = match d.severity {
        Severity::Error => ("\x1b[31m", "\x1b[0m"),
        Severity::Warning => ("\x1b[33m", "\x1b[0m"),
    };
    let bar = format!("{paint}│{reset} ");
    let mut out = format!("{paint}╷{reset}\n");
    out.push_str(&format!("{bar}\x1b[1m{paint}{level}: {reset}\x1b[1m{}{reset}\n", d.summary));
    if !d.detail.is_empty() {
        out.push_str(&format!("{bar}\n"));
        for line in wrap(&d.detail, WIDTH - 3).split('\n') {
            out.push_str(&format!("{bar}{line}\n"));
        }
    }
    out.push_str(&format!("{paint}╵{reset}\n"));
    out
}

/// A backend failure as Terraform words it.
pub fn backend_error(err: &BackendError) -> Diagnostic {
    use batchform_state::DecodeError;
    match err {
        BackendError::Decode { source, .. } => {
            let detail = match source {
                DecodeError::Syntax(_)
                | DecodeError::MissingVersion
                | DecodeError::TooNew { .. } => {
                    format!("{source} The file was left unchanged.")
                }
                _ => format!("{source}"),
            };
            Diagnostic::error(source.summary(), detail)
        }
        BackendError::Locked { holder } => lock_error(holder.as_deref()),
        BackendError::JournalMismatch { .. } | BackendError::Journal(_) => {
            Diagnostic::error("Failed to load state", err.to_string())
        }
        other => Diagnostic::error("Failed to load state", other.to_string()),
    }
}

/// Terraform's "Error acquiring the state lock".
pub fn lock_error(holder: Option<&batchform_state::LockInfo>) -> Diagnostic {
    let mut detail = String::from("Error message: resource temporarily unavailable\n");
    match holder {
        Some(info) => detail.push_str(&info.to_string()),
        None => detail.push_str(" (lock info unavailable)\n"),
    }
    detail.push_str(
        "\n\nbatchform acquires a state lock to protect the state from being written by multiple users at the same time. Please resolve the issue above and try again. For most commands, you can disable locking with the \"-lock=false\" flag, but this is not recommended.",
    );
    Diagnostic::error("Error acquiring the state lock", detail)
}
