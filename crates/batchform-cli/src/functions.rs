//! The function library as the CLI wires it: file functions read the real filesystem,
//! relative to the working directory.

use crate::commands::Context;
use batchform_config::eval::Library;
use batchform_config::functions::{DirEntry, FileKind, FileSystem, FunctionContext, Impurity};
use std::io;
use std::path::{Path, PathBuf};

/// `std::fs` behind the library's [`FileSystem`] trait.
pub struct StdFileSystem;

fn kind(meta: &std::fs::Metadata) -> FileKind {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_symlink() {
        FileKind::Symlink
    } else if t.is_dir() {
        FileKind::Dir
    } else if t.is_file() {
        FileKind::File
    } else if t.is_block_device() || t.is_char_device() {
        FileKind::Device
    } else if t.is_fifo() {
        FileKind::NamedPipe
    } else if t.is_socket() {
        FileKind::Socket
    } else {
        FileKind::Other
    }
}

impl FileSystem for StdFileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn stat(&self, path: &Path) -> io::Result<FileKind> {
        std::fs::metadata(path).map(|m| kind(&m))
    }

    fn lstat(&self, path: &Path) -> io::Result<FileKind> {
        std::fs::symlink_metadata(path).map(|m| kind(&m))
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(entry.path())?;
            out.push(DirEntry { name, kind: kind(&meta) });
        }
        Ok(out)
    }

    fn home_dir(&self) -> Option<PathBuf> {
        std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from)
    }

    fn current_dir(&self) -> io::Result<PathBuf> {
        std::env::current_dir()
    }
}

/// Everything the function library borrows, owned for one command run.
pub struct FunctionEnv {
    fs: StdFileSystem,
    base_dir: PathBuf,
    impurity: Impurity,
    console: bool,
}

impl FunctionEnv {
    /// `plan_time`: impure functions (`uuid`, `timestamp`) give unknowns (validate, plan).
    pub fn new(_ctx: &Context, plan_time: bool, console: bool) -> FunctionEnv {
        FunctionEnv {
            fs: StdFileSystem,
            // Relative to the working directory, as Terraform resolves `file("x")`.
            base_dir: PathBuf::from("."),
            impurity: if plan_time { Impurity::Unknown } else { Impurity::Evaluate },
            console,
        }
    }

    pub fn library(&self) -> Library<'_> {
        Library::new(FunctionContext {
            fs: &self.fs,
            base_dir: &self.base_dir,
            impurity: self.impurity,
            templates: None,
            console: self.console,
            now: None,
            in_template: false,
        })
    }
}
