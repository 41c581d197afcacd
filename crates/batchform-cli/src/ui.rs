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
    write_to(Stream::Stdout, args.to_string().as_bytes());
}

/// As [`write_stdout`], for stderr.
pub fn write_stderr(args: std::fmt::Arguments<'_>) {
    write_to(Stream::Stderr, args.to_string().as_bytes());
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Writes kept while the output is held, in order.
type Queue = Option<Vec<(Stream, Vec<u8>)>>;

/// Output written while the terminal is held (see [`hold_output`]).
static HELD: std::sync::Mutex<Queue> = std::sync::Mutex::new(None);

fn held() -> std::sync::MutexGuard<'static, Queue> {
    HELD.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Write `bytes` to `stream` (errors ignored, as [`write_stdout`]), or keep them for later
/// while the output is held. Every printer of the CLI goes through here.
pub fn write_to(stream: Stream, bytes: &[u8]) {
    let mut held = held();
    if let Some(queue) = held.as_mut() {
        queue.push((stream, bytes.to_vec()));
        return;
    }
    emit(stream, bytes);
}

fn emit(stream: Stream, bytes: &[u8]) {
    use std::io::Write;
    match stream {
        Stream::Stdout => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(bytes);
            let _ = out.flush();
        }
        Stream::Stderr => {
            let _ = std::io::stderr().lock().write_all(bytes);
        }
    }
}

/// Hold all output until [`Held::release`] (or the guard's drop): what is printed
/// meanwhile comes out afterwards, in order, after the text given to `release`. An apply
/// with `-auto-approve` starts its walk while the plan, which must come first, is still
/// being rendered.
pub fn hold_output() -> Held {
    let mut held = held();
    debug_assert!(held.is_none(), "output already held");
    *held = Some(Vec::new());
    Held { released: false }
}

pub struct Held {
    released: bool,
}

/// Print whatever the held output has queued and stop holding (an exit that cannot wait
/// for [`Held::release`]: the second Ctrl-C).
pub fn drain_held() {
    let mut held = held();
    for (stream, bytes) in held.take().unwrap_or_default() {
        emit(stream, &bytes);
    }
}

impl Held {
    /// Print `first` on stdout, then everything held, and stop holding.
    pub fn release(mut self, first: &[u8]) {
        self.flush(first);
    }

    fn flush(&mut self, first: &[u8]) {
        self.released = true;
        // Printed under the lock, so nothing written meanwhile can overtake the queue.
        let mut held = held();
        emit(Stream::Stdout, first);
        for (stream, bytes) in held.take().unwrap_or_default() {
            emit(stream, &bytes);
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if !self.released {
            self.flush(b"");
        }
    }
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
