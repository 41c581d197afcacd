//! Filesystem functions (Terraform `funcs/filesystem.go`): abspath, basename, dirname, file,
//! filebase64, fileexists, fileset, pathexpand; and the [`FileSystem`] trait they read
//! through, so that this crate itself does no I/O.
//!
//! Paths follow Go's `path/filepath` on Unix: `/`-separated, cleaned lexically.

use super::encoding::redact;
use super::spec::prelude::*;
use base64::Engine;
use std::io;
use std::path::{Path, PathBuf};

/// What a path is, as `os.Stat` / `os.Lstat` report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    /// Only from [`FileSystem::lstat`] and [`FileSystem::read_dir`].
    Symlink,
    Device,
    NamedPipe,
    Socket,
    Other,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    /// The entry itself, not following symlinks (as Go's `Readdir` reports it).
    pub kind: FileKind,
}

/// The filesystem access file functions need. The CLI implements it over `std::fs`.
pub trait FileSystem {
    /// The whole content of a file (following symlinks).
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// What the path is, following symlinks (`os.Stat`).
    fn stat(&self, path: &Path) -> io::Result<FileKind>;
    /// What the path is, not following a final symlink (`os.Lstat`).
    fn lstat(&self, path: &Path) -> io::Result<FileKind>;
    /// The entries of a directory, in any order.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>>;
    /// The user's home directory, for `~` in paths.
    fn home_dir(&self) -> Option<PathBuf>;
    /// The working directory, for `abspath`.
    fn current_dir(&self) -> io::Result<PathBuf>;
}

pub(super) fn register(all: &mut Vec<Function>) {
    let string = Ret::Static(|| Type::String);
    let path = || Param::new("path", Type::String);
    all.push(Function::new("file", vec![path().marked()], string, |a, _, ctx| file(a, ctx, false)));
    all.push(Function::new("filebase64", vec![path().marked()], string, |a, _, ctx| {
        file(a, ctx, true)
    }));
    all.push(Function::new(
        "fileexists",
        vec![path().marked()],
        Ret::Static(|| Type::Bool),
        fileexists,
    ));
    all.push(Function::new(
        "fileset",
        vec![path().marked(), Param::new("pattern", Type::String).marked()],
        Ret::Static(|| Type::set(Type::String)),
        super::glob::fileset,
    ));
    all.push(Function::new("basename", vec![path()], string, |a, _, _| {
        Ok(string_val(go_path::base(str_arg(a, 0))))
    }));
    all.push(Function::new("dirname", vec![path()], string, |a, _, _| {
        Ok(string_val(go_path::dir(str_arg(a, 0))))
    }));
    all.push(Function::new("abspath", vec![path()], string, |a, _, ctx| {
        let p = str_arg(a, 0);
        if go_path::is_abs(p) {
            return Ok(string_val(go_path::clean(p)));
        }
        let cwd = ctx.fs.current_dir().map_err(|e| CallError::msg(e.to_string()))?;
        Ok(string_val(go_path::join(&[&path_string(&cwd), p])))
    }));
    all.push(Function::new("pathexpand", vec![path()], string, |a, _, ctx| {
        expand_home(ctx, str_arg(a, 0)).map(string_val).map_err(CallError::msg)
    }));
}

pub(super) fn path_string(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// go-homedir's `Expand`: a leading `~` becomes the home directory.
pub(super) fn expand_home(
    ctx: &FunctionContext<'_>,
    path: &str,
) -> std::result::Result<String, String> {
    if !path.starts_with('~') {
        return Ok(path.to_string());
    }
    if path.len() > 1 && !path[1..].starts_with(['/', '\\']) {
        return Err("cannot expand user-specific home dir".to_string());
    }
    let home = ctx.fs.home_dir().ok_or_else(|| "$HOME is not defined".to_string())?;
    Ok(go_path::join(&[&path_string(&home), &path[1..]]))
}

/// Terraform's `openFile` path handling: `~` expanded, relative to the base directory,
/// cleaned.
pub(super) fn resolve(
    ctx: &FunctionContext<'_>,
    path: &str,
) -> std::result::Result<String, String> {
    let path = expand_home(ctx, path).map_err(|e| format!("failed to expand ~: {e}"))?;
    let path = if go_path::is_abs(&path) {
        path
    } else {
        go_path::join(&[&path_string(ctx.base_dir), &path])
    };
    Ok(go_path::clean(&path))
}

/// Terraform's `readFileBytes`, with its hint for files that do not exist. Messages name
/// the path as the user wrote it.
pub(super) fn read_file_bytes(
    ctx: &FunctionContext<'_>,
    path: &str,
    sensitive: bool,
) -> Result<Vec<u8>> {
    let full = resolve(ctx, path).map_err(|e| CallError::arg(0, e))?;
    ctx.fs.read(Path::new(&full)).map_err(|e| {
        CallError::arg(
            0,
            match e.raw_os_error() {
                _ if e.kind() == io::ErrorKind::NotFound => format!(
                    "no file exists at {}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource",
                    redact(path, sensitive)
                ),
                Some(EISDIR) => format!("failed to read file: {}", go_io_error("read", &full, &e)),
                _ => go_io_error("open", &full, &e),
            },
        )
    })
}

/// Terraform's file hash functions read without the hint: their errors are Go's.
pub(super) fn read_for_hash(ctx: &FunctionContext<'_>, path: &str) -> Result<Vec<u8>> {
    let full = resolve(ctx, path).map_err(CallError::msg)?;
    ctx.fs.read(Path::new(&full)).map_err(|e| {
        CallError::msg(match e.raw_os_error() {
            Some(EISDIR) => go_io_error("read", &full, &e),
            _ => go_io_error("open", &full, &e),
        })
    })
}

const EISDIR: i32 = 21;

/// How Go prints an `*os.PathError`: `open x: no such file or directory`.
fn go_io_error(op: &str, path: &str, e: &io::Error) -> String {
    let text = match e.raw_os_error() {
        Some(EISDIR) => "is a directory".to_string(),
        Some(13) => "permission denied".to_string(),
        Some(20) => "not a directory".to_string(),
        Some(2) => "no such file or directory".to_string(),
        _ if e.kind() == io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => {
            let s = e.to_string();
            // Rust appends " (os error N)"; Go prints the bare strerror, lowercase.
            let s = s.split(" (os error").next().unwrap_or(&s).to_string();
            let mut chars = s.chars();
            chars.next().map_or(String::new(), |c| c.to_lowercase().chain(chars).collect())
        }
    };
    format!("{op} {path}: {text}")
}

fn file(args: &[Value], ctx: &FunctionContext<'_>, base64: bool) -> Result<Value> {
    let (path, marked) = arg(args, 0).unmarked();
    let path = path.as_str().unwrap_or_default();
    let bytes = read_file_bytes(ctx, path, marked)?;
    if base64 {
        return Ok(string_val(base64::engine::general_purpose::STANDARD.encode(&bytes))
            .with_sensitive(marked));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        CallError::msg(format!(
            "contents of {} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead",
            redact(path, marked)
        ))
    })?;
    Ok(string_val(text).with_sensitive(marked))
}

fn fileexists(args: &[Value], _: &Type, ctx: &FunctionContext<'_>) -> Result<Value> {
    let (path, marked) = arg(args, 0).unmarked();
    let path = resolve(ctx, path.as_str().unwrap_or_default()).map_err(CallError::msg)?;
    let shown = redact(&path, marked);
    match ctx.fs.stat(Path::new(&path)) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Ok(Value::Bool(false).with_sensitive(marked))
        }
        Err(_) => Err(CallError::msg(format!("failed to stat {shown}"))),
        Ok(FileKind::File) => Ok(Value::Bool(true).with_sensitive(marked)),
        Ok(kind) => Err(CallError::arg(
            1,
            match kind {
                FileKind::Dir => format!("{shown} is a directory, not a file"),
                FileKind::Device => format!("{shown} is a device node, not a regular file"),
                FileKind::NamedPipe => format!("{shown} is a named pipe, not a regular file"),
                FileKind::Socket => format!("{shown} is a unix domain socket, not a regular file"),
                _ => format!("{shown} is not a regular file"),
            },
        )),
    }
}

/// Go's `path/filepath` functions on Unix.
pub(super) mod go_path {
    pub fn is_abs(p: &str) -> bool {
        p.starts_with('/')
    }

    /// `filepath.Clean`: the shortest equivalent path, lexically.
    pub fn clean(p: &str) -> String {
        if p.is_empty() {
            return ".".to_string();
        }
        let rooted = p.starts_with('/');
        let mut parts: Vec<&str> = Vec::new();
        for part in p.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    if parts.last().is_some_and(|l| *l != "..") {
                        parts.pop();
                    } else if !rooted {
                        parts.push("..");
                    }
                }
                other => parts.push(other),
            }
        }
        let joined = parts.join("/");
        match (rooted, joined.is_empty()) {
            (true, _) => format!("/{joined}"),
            (false, true) => ".".to_string(),
            (false, false) => joined,
        }
    }

    /// `filepath.Join`: non-empty elements joined with `/`, then cleaned.
    pub fn join(parts: &[&str]) -> String {
        let kept: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
        if kept.is_empty() {
            return String::new();
        }
        clean(&kept.join("/"))
    }

    /// `filepath.Base`.
    pub fn base(p: &str) -> String {
        if p.is_empty() {
            return ".".to_string();
        }
        let trimmed = p.trim_end_matches('/');
        if trimmed.is_empty() {
            return "/".to_string();
        }
        trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
    }

    /// `filepath.Dir`.
    pub fn dir(p: &str) -> String {
        let cut = p.rfind('/').map_or(0, |i| i + 1);
        clean(&p[..cut])
    }

    /// `filepath.Rel` for a target known to be inside `base` (as glob results are).
    /// Go's `filepath.Rel` on Unix: `target` relative to `base`, with `..` where `base`
    /// goes deeper; None when one is absolute and the other not, or `base` climbs out of
    /// where `target` is.
    pub fn rel(base: &str, target: &str) -> Option<String> {
        let base = clean(base);
        let target = clean(target);
        if base == target {
            return Some(".".to_string());
        }
        let base = if base == "." { String::new() } else { base };
        if base.starts_with('/') != target.starts_with('/') {
            return None;
        }
        let split = |p: &str| -> Vec<String> {
            p.split('/').filter(|c| !c.is_empty()).map(str::to_string).collect()
        };
        let (base_parts, target_parts) = (split(&base), split(&target));
        let common = base_parts.iter().zip(&target_parts).take_while(|(b, t)| b == t).count();
        let rest = &base_parts[common..];
        if rest.first().is_some_and(|c| c == "..") {
            return None;
        }
        let mut parts: Vec<&str> = rest.iter().map(|_| "..").collect();
        parts.extend(target_parts[common..].iter().map(String::as_str));
        Some(parts.join("/"))
    }
}

/// A file system with no files, rooted at a fixed working directory: for evaluating
/// expressions that must not read files (benchmarks, tests, tools).
#[derive(Debug, Clone, Copy)]
pub struct EmptyFileSystem {
    cwd: &'static str,
}

impl EmptyFileSystem {
    /// An empty file system whose working directory is `cwd` (usable in a `const`).
    pub const fn at(cwd: &'static str) -> EmptyFileSystem {
        EmptyFileSystem { cwd }
    }
}

impl FileSystem for EmptyFileSystem {
    fn read(&self, _: &Path) -> io::Result<Vec<u8>> {
        Err(io::ErrorKind::NotFound.into())
    }
    fn stat(&self, _: &Path) -> io::Result<FileKind> {
        Err(io::ErrorKind::NotFound.into())
    }
    fn lstat(&self, _: &Path) -> io::Result<FileKind> {
        Err(io::ErrorKind::NotFound.into())
    }
    fn read_dir(&self, _: &Path) -> io::Result<Vec<DirEntry>> {
        Err(io::ErrorKind::NotFound.into())
    }
    fn home_dir(&self) -> Option<PathBuf> {
        None
    }
    fn current_dir(&self) -> io::Result<PathBuf> {
        Ok(PathBuf::from(self.cwd))
    }
}
