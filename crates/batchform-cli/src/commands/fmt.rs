//! `batchform fmt [-list=false] [-write=false] [-diff] [-check] [-recursive] [TARGET...]`:
//! rewrite configuration files in the canonical style, with `terraform fmt`'s behaviour
//! (`internal/command/fmt.go`): which files, what is listed and written, the diff shape, and
//! exit codes 0, 2 (syntax or file errors) and 3 (`-check` found unformatted files).
//!
//! One deliberate difference: `*.hcl` files are formatted too, since batchform reads its
//! configuration from them (this covers `.tftest.hcl` and `.tfmock.hcl`).

use super::Context;
use batchform_config::fmt::format_source;
use batchform_core::{Diagnostic, Diagnostics};
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

/// Rewrite configuration files to the canonical format and style.
///
/// Formats every configuration file (.tf, .hcl) and variables file (.tfvars) of the current
/// directory, or of the given directories, or the given files. With a single dash ("-"),
/// reads standard input and writes the result to standard output.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Don't list files whose formatting differs (-list=false); always off for STDIN.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_value = "true", default_missing_value = "true", value_parser = go_bool)]
    pub list: bool,

    /// Don't write to source files (-write=false); always off for STDIN and with -check.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_value = "true", default_missing_value = "true", value_parser = go_bool)]
    pub write: bool,

    /// Display diffs of formatting changes.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub diff: bool,

    /// Check if the input is formatted: exit status 0 if all input is properly formatted,
    /// 3 otherwise.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub check: bool,

    /// Also process files in subdirectories. By default, only the given directory (or the
    /// current directory) is processed.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub recursive: bool,

    /// Don't use color in the output.
    #[arg(long)]
    pub no_color: bool,

    /// Files or directories to format, or "-" for standard input.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
}

/// The extensions fmt processes: Terraform's `.tf`, `.tfvars` (and `.tftest.hcl`,
/// `.tfmock.hcl`), plus batchform's `.hcl`.
const SUPPORTED_EXTENSIONS: [&str; 3] = [".tf", ".tfvars", ".hcl"];

/// Exit code when `-check` finds files that need formatting.
const EXIT_NEEDS_FORMAT: u8 = 3;

pub fn run(args: &Args, _ctx: &Context) -> u8 {
    let mut opts = Options {
        list: args.list,
        write: args.write,
        diff: args.diff,
        check: args.check,
        recursive: args.recursive,
    };
    let stdin = args.targets.first().is_some_and(|t| t == "-");
    let paths: Vec<String> = if args.targets.is_empty() {
        vec![".".into()]
    } else if stdin {
        opts.list = false;
        opts.write = false;
        Vec::new()
    } else {
        args.targets.clone()
    };
    let print_list = opts.list;
    let mut out = if opts.check {
        // -check lists into a buffer: the exit code says whether anything was listed.
        opts.list = true;
        opts.write = false;
        Output::Buffer(Vec::new())
    } else {
        Output::Stdout
    };

    let mut diags = Diagnostics::new();
    if stdin {
        let mut src = Vec::new();
        match std::io::stdin().read_to_end(&mut src) {
            Ok(_) => process_source(&opts, "<stdin>", &src, &mut out, &mut diags),
            Err(_) => diags.push(Diagnostic::error("Failed to read <stdin>", "")),
        }
    } else {
        format_paths(&opts, &paths, &mut out, &mut diags);
    }

    show_diagnostics(diags.clone());
    if diags.has_errors() {
        return 2;
    }
    if let Output::Buffer(buf) = out {
        if print_list {
            Output::Stdout.write(&buf);
        }
        return if buf.is_empty() { 0 } else { EXIT_NEEDS_FORMAT };
    }
    0
}

#[derive(Debug, Clone, Copy)]
struct Options {
    list: bool,
    write: bool,
    diff: bool,
    check: bool,
    recursive: bool,
}

/// Where listings, diffs and results go. Stdout writes behave like Terraform's `UiWriter`:
/// each write becomes one line of output (a missing final newline is added).
enum Output {
    Stdout,
    Buffer(Vec<u8>),
}

impl Output {
    fn write(&mut self, bytes: &[u8]) {
        match self {
            Output::Buffer(buf) => buf.extend_from_slice(bytes),
            Output::Stdout => {
                let line = bytes.strip_suffix(b"\n").unwrap_or(bytes);
                let mut stdout = std::io::stdout().lock();
                // A closed stdout (e.g. piped into `head`) is not an error worth reporting.
                let _ = stdout.write_all(line).and_then(|()| stdout.write_all(b"\n"));
            }
        }
    }
}

fn format_paths(opts: &Options, paths: &[String], out: &mut Output, diags: &mut Diagnostics) {
    for given in paths {
        let path = normalize_path(Path::new(given));
        let shown = path.display().to_string();
        let metadata = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(_) => {
                diags.push(Diagnostic::error(format!("No file or directory at {shown}"), ""));
                return;
            }
        };
        if metadata.is_dir() {
            format_dir(opts, &path, out, diags);
        } else if has_supported_extension(&shown) {
            match std::fs::read(&path) {
                Ok(src) => {
                    let name = normalize_path(&path).display().to_string();
                    process_source(opts, &name, &src, out, diags);
                }
                Err(_) => diags.push(Diagnostic::error(format!("Failed to read file {shown}"), "")),
            }
        } else {
            diags.push(Diagnostic::error(
                "Only .tf, .tfvars, and .hcl files can be processed with batchform fmt",
                "",
            ));
        }
    }
}

fn format_dir(opts: &Options, dir: &Path, out: &mut Output, diags: &mut Diagnostics) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            let summary = if err.kind() == std::io::ErrorKind::NotFound {
                format!("There is no configuration directory at {}", dir.display())
            } else {
                format!("Cannot read directory {}", dir.display())
            };
            diags.push(Diagnostic::error(summary, ""));
            return;
        }
    };
    let mut entries: Vec<std::fs::DirEntry> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_ignored_file(&name) {
            continue;
        }
        let sub_path = join(dir, &name);
        // Like Go's DirEntry.IsDir: a symlink is not followed here.
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            // Only with -recursive: one module at a time, like plan.
            if opts.recursive {
                format_dir(opts, &sub_path, out, diags);
            }
            continue;
        }
        if !has_supported_extension(&name) {
            continue;
        }
        match std::fs::read(&sub_path) {
            Ok(src) => {
                let shown = normalize_path(&sub_path).display().to_string();
                process_source(opts, &shown, &src, out, diags);
            }
            Err(_) => diags
                .push(Diagnostic::error(format!("Failed to read file {}", sub_path.display()), "")),
        }
    }
}

/// Format one file's contents; list, write, diff or print the result as the options say.
fn process_source(
    opts: &Options,
    path: &str,
    src: &[u8],
    out: &mut Output,
    diags: &mut Diagnostics,
) {
    let result = match format_source(src, path) {
        Ok(result) => result,
        Err(syntax) => {
            diags.extend(syntax);
            return;
        }
    };
    if result != src {
        if opts.list {
            out.write(format!("{path}\n").as_bytes());
        }
        if opts.write && std::fs::write(path, &result).is_err() {
            diags.push(Diagnostic::error(format!("Failed to write {path}"), ""));
            return;
        }
        if opts.diff {
            out.write(&unified_diff(src, &result, path));
        }
    }
    if !opts.list && !opts.write && !opts.diff {
        out.write(&result);
    }
}

/// A unified diff in the shape of `diff -u --label=old/PATH --label=new/PATH`, which is what
/// Terraform runs.
pub(crate) fn unified_diff(old: &[u8], new: &[u8], path: &str) -> Vec<u8> {
    // Lines end at LF only, as for diff(1); similar's own splitter also breaks at a lone CR.
    let (old_lines, new_lines) = (split_lines(old), split_lines(new));
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .newline_terminated(true)
        .diff_slices(&old_lines, &new_lines);
    let mut out = Vec::new();
    let udiff = diff.unified_diff();
    let mut hunks = udiff.iter_hunks().peekable();
    if hunks.peek().is_some() {
        out.extend_from_slice(format!("--- old/{path}\n+++ new/{path}\n").as_bytes());
    }
    for hunk in hunks {
        // Writing into a Vec cannot fail.
        let _ = hunk.to_writer(&mut out);
    }
    out
}

fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

/// `configs.IsIgnoredFile`: hidden files, editor backups (`foo~`, `#foo#`).
fn is_ignored_file(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || (name.starts_with('#') && name.ends_with('#'))
}

fn has_supported_extension(path: &str) -> bool {
    SUPPORTED_EXTENSIONS.iter().any(|ext| path.ends_with(ext))
}

/// Go's `filepath.Join`: join, then clean.
fn join(dir: &Path, name: &str) -> PathBuf {
    clean(&dir.join(name))
}

/// Terraform's `NormalizePath`: relative to the working directory when possible.
fn normalize_path(given: &Path) -> PathBuf {
    let Ok(cwd) = std::env::current_dir() else { return clean(given) };
    let cwd = clean(&cwd);
    let abs = if given.is_absolute() { clean(given) } else { clean(&cwd.join(given)) };
    relative(&cwd, &abs)
}

/// Go's `filepath.Clean`: drop `.`, resolve `..` lexically; "." for an empty result.
fn clean(path: &Path) -> PathBuf {
    let mut parts: Vec<Component<'_>> = Vec::new();
    for comp in path.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => parts.push(comp),
            },
            _ => parts.push(comp),
        }
    }
    if parts.is_empty() {
        return PathBuf::from(".");
    }
    parts.iter().collect()
}

/// Go's `filepath.Rel` for two clean absolute paths.
fn relative(base: &Path, target: &Path) -> PathBuf {
    let base: Vec<Component<'_>> = base.components().collect();
    let target: Vec<Component<'_>> = target.components().collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..base.len() {
        rel.push("..");
    }
    for comp in &target[common..] {
        rel.push(comp);
    }
    if rel.as_os_str().is_empty() { PathBuf::from(".") } else { rel }
}

/// Go's `strconv.ParseBool`, which Terraform's flags use.
fn go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("parse error: invalid boolean value {s:?}")),
    }
}

/// Print diagnostics in Terraform's order. Until the shared renderer lands this uses the
/// `Display` form, one per line, on stderr.
fn show_diagnostics(mut diags: Diagnostics) {
    sort_like_terraform(&mut diags);
    let mut stderr = std::io::stderr().lock();
    for diag in diags.iter() {
        let _ = writeln!(stderr, "{diag}");
    }
}

/// `tfdiags` order: warnings first, sourceless first, then by file (fewer path segments
/// first, then name), then start and end byte. Stable otherwise.
fn sort_like_terraform(diags: &mut Diagnostics) {
    diags.0.sort_by(|a, b| {
        let sev = |d: &Diagnostic| if d.is_error() { 1 } else { 0 };
        let key = |d: &Diagnostic| {
            d.subject.as_ref().map(|s| {
                let segments = s.filename.matches(std::path::MAIN_SEPARATOR).count();
                (segments, s.filename.clone(), s.start.byte, s.end.byte)
            })
        };
        sev(a).cmp(&sev(b)).then_with(|| key(a).cmp(&key(b)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned_and_made_relative_as_go_does() {
        assert_eq!(clean(Path::new("./a/../b//c/.")), PathBuf::from("b/c"));
        assert_eq!(clean(Path::new("../x")), PathBuf::from("../x"));
        assert_eq!(clean(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(relative(Path::new("/w/x"), Path::new("/w/x/a.tf")), PathBuf::from("a.tf"));
        assert_eq!(relative(Path::new("/w/x"), Path::new("/w/y/a.tf")), PathBuf::from("../y/a.tf"));
        assert_eq!(relative(Path::new("/w/x"), Path::new("/w/x")), PathBuf::from("."));
    }

    #[test]
    fn ignored_files_match_terraform() {
        for name in [".hidden.tf", "backup.tf~", "#autosave.tf#", ".terraform"] {
            assert!(is_ignored_file(name), "{name}");
        }
        assert!(!is_ignored_file("main.tf"));
        assert!(!is_ignored_file("#partial.tf"));
    }

    #[test]
    fn flags_accept_go_booleans() {
        assert_eq!(go_bool("F"), Ok(false));
        assert_eq!(go_bool("1"), Ok(true));
        assert!(go_bool("yes").is_err());
    }

    #[test]
    fn diff_has_gnu_shape_with_missing_newline_marker() {
        let diff = unified_diff(b"a=1", b"a = 1", "x.tf");
        assert_eq!(
            String::from_utf8(diff).unwrap(),
            "--- old/x.tf\n+++ new/x.tf\n@@ -1 +1 @@\n-a=1\n\\ No newline at end of file\n+a = 1\n\\ No newline at end of file\n"
        );
    }
}
