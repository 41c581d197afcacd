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

/// `text` as a sentence ending in exactly one full stop, for error texts that may or may
/// not end in one already (a decode error does, an I/O error does not).
pub fn sentence(text: impl std::fmt::Display) -> String {
    let text = text.to_string();
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?']) { text.to_string() } else { format!("{text}.") }
}

/// The current time as RFC 3339 (UTC, seconds), as plan timestamps are written.
pub fn rfc3339_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    now.format(&format).unwrap_or_default()
}

/// Terraform's prompt for a variable with no value (`UIInput.Input`): `var.NAME` in bold, the
/// description's lines indented by two spaces and a blank line, then `  Enter a value: `.
pub fn variable_prompt(name: &str, description: Option<&str>, color: bool) -> String {
    let (bold, reset) = if color { ("\x1b[1m", RESET) } else { ("", "") };
    let mut text = format!("{bold}var.{name}{reset}\n");
    if let Some(description) = description.filter(|d| !d.is_empty()) {
        for line in description.lines() {
            text.push_str(&format!("  {line}\n"));
        }
        text.push('\n');
    }
    text.push_str(&format!("  {bold}Enter a value:{reset} "));
    text
}

/// Writes to stdout, ignoring errors: a reader that closed the pipe early (`batchform plan |
/// head -1`) must not make the command panic half-way (std's `println!` does), so the command
/// runs to its end (state persisted, lock released) and exits with its own code, printing
/// nothing more.
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_fmt(args);
}

/// As [`write_stdout`], for stderr.
pub fn write_stderr(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// `print!` that never panics on a closed stdout.
macro_rules! out {
    ($($arg:tt)*) => { $crate::ui::write_stdout(format_args!($($arg)*)) };
}

/// `println!` that never panics on a closed stdout.
macro_rules! outln {
    () => { $crate::ui::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::ui::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` that never panics on a closed stderr.
macro_rules! eout {
    ($($arg:tt)*) => { $crate::ui::write_stderr(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics on a closed stderr.
macro_rules! eoutln {
    () => { $crate::ui::write_stderr(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::ui::write_stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

#[cfg(test)]
mod tests {
    use super::variable_prompt;

    #[test]
    fn the_variable_prompt_is_terraforms() {
        assert_eq!(variable_prompt("region", None, false), "var.region\n  Enter a value: ");
        assert_eq!(
            variable_prompt("region", Some("Where to run.\nPick one near you."), false),
            "var.region\n  Where to run.\n  Pick one near you.\n\n  Enter a value: "
        );
        assert_eq!(
            variable_prompt("n", Some(""), true),
            "\x1b[1mvar.n\x1b[0m\n  \x1b[1mEnter a value:\x1b[0m "
        );
    }
}
