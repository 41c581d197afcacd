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
