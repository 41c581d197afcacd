//! Terminal output helpers shared by commands.

/// An I/O error as Go would print it ("no such file or directory"), which is what Terraform
/// users see in the same situations.
pub fn io_error_text(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}

/// ANSI sequences for the few places Terraform colours whole phrases.
pub const GREEN_BOLD: &str = "\x1b[32m\x1b[1m";
pub const RESET: &str = "\x1b[0m";

/// The current time as RFC 3339 (UTC, seconds), as plan timestamps are written.
/// `text` as a sentence ending in exactly one full stop, for error texts that may or may
/// not end in one already (a decode error does, an I/O error does not).
pub fn sentence(text: impl std::fmt::Display) -> String {
    let text = text.to_string();
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?']) { text.to_string() } else { format!("{text}.") }
}

pub fn rfc3339_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    now.format(&format).unwrap_or_default()
}
