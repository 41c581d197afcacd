//! The function corpus: `fixtures/functions/cases.jsonl`, generated from `cases.txt` by
//! `fixtures/functions/generate.py` with the real `terraform console`, replayed here.
//! Each case is compared on what the console prints, the `type()` of the result, its
//! `jsonencode()`, and on every diagnostic's summary and detail.

mod api;
mod constraints;
mod display;
mod literal;

use super::encoding::marshal_json;
use super::{
    DirEntry, FileKind, FileSystem, FunctionContext, Impurity, ParsedTemplate, TemplateError,
    TemplateRenderer,
};
use crate::display::type_string;
use batchform_core::Value;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/functions")
}

const HOME: &str = "/home/batchform-test";

/// The real filesystem, as the CLI's implementation will be (tests may do I/O).
struct StdFs {
    cwd: PathBuf,
}

fn kind(md: &std::fs::Metadata) -> FileKind {
    use std::os::unix::fs::FileTypeExt;
    let t = md.file_type();
    if t.is_symlink() {
        FileKind::Symlink
    } else if t.is_dir() {
        FileKind::Dir
    } else if t.is_file() {
        FileKind::File
    } else if t.is_fifo() {
        FileKind::NamedPipe
    } else if t.is_socket() {
        FileKind::Socket
    } else if t.is_block_device() || t.is_char_device() {
        FileKind::Device
    } else {
        FileKind::Other
    }
}

impl StdFs {
    /// Relative paths are relative to the working directory, as for a process.
    fn at(&self, path: &Path) -> PathBuf {
        self.cwd.join(path)
    }
}

impl FileSystem for StdFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(self.at(path))
    }
    fn stat(&self, path: &Path) -> io::Result<FileKind> {
        std::fs::metadata(self.at(path)).map(|m| kind(&m))
    }
    fn lstat(&self, path: &Path) -> io::Result<FileKind> {
        std::fs::symlink_metadata(self.at(path)).map(|m| kind(&m))
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        std::fs::read_dir(self.at(path))?
            .map(|e| {
                let e = e?;
                Ok(DirEntry {
                    name: e.file_name().to_string_lossy().into_owned(),
                    kind: kind(&e.metadata()?),
                })
            })
            .collect()
    }
    fn home_dir(&self) -> Option<PathBuf> {
        Some(PathBuf::from(HOME))
    }
    fn current_dir(&self) -> io::Result<PathBuf> {
        Ok(self.cwd.clone())
    }
}

/// A template language of just `${name}` interpolations: enough to exercise templatefile's
/// own checks; the HCL evaluator provides the real one.
struct MiniTemplates;

struct MiniTemplate {
    filename: String,
    parts: Vec<Part>,
}

enum Part {
    Text(String),
    Var { name: String, range: String },
}

impl TemplateRenderer for MiniTemplates {
    fn parse<'a>(
        &'a self,
        source: &str,
        filename: &str,
    ) -> Result<Box<dyn ParsedTemplate + 'a>, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = source;
        let (mut line, mut col) = (1, 1);
        let advance = |s: &str, line: &mut usize, col: &mut usize| {
            for c in s.chars() {
                if c == '\n' {
                    *line += 1;
                    *col = 1;
                } else {
                    *col += 1;
                }
            }
        };
        while let Some(start) = rest.find("${") {
            let text = &rest[..start];
            advance(text, &mut line, &mut col);
            parts.push(Part::Text(text.to_string()));
            let end =
                rest[start..].find('}').ok_or(TemplateError { message: "unclosed".into() })?;
            let name = rest[start + 2..start + end].trim().to_string();
            let c0 = col + 2;
            let range = format!("{filename}:{line},{c0}-{}", c0 + name.len());
            advance(&rest[start..start + end + 1], &mut line, &mut col);
            parts.push(Part::Var { name, range });
            rest = &rest[start + end + 1..];
        }
        parts.push(Part::Text(rest.to_string()));
        Ok(Box::new(MiniTemplate { filename: filename.to_string(), parts }))
    }
}

impl ParsedTemplate for MiniTemplate {
    fn variables(&self) -> Vec<(String, String)> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Var { name, range } => Some((name.clone(), range.clone())),
                Part::Text(_) => None,
            })
            .collect()
    }

    fn render(
        &self,
        vars: &BTreeMap<String, Value>,
        _: &FunctionContext<'_>,
    ) -> Result<Value, TemplateError> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Var { name, .. } => {
                    let v = &vars[name];
                    if !v.is_known() {
                        return Ok(Value::unknown(batchform_core::Type::String));
                    }
                    let s = batchform_core::convert::convert(v, &batchform_core::Type::String)
                        .map_err(|e| TemplateError {
                            message: format!("{}: {e}", self.filename),
                        })?;
                    out.push_str(s.as_str().unwrap_or_default());
                }
            }
        }
        Ok(Value::String(out))
    }
}

#[test]
fn corpus_matches_terraform() {
    // As in `terraform console` run from the fixtures directory: the module is ".".
    let files = fixtures().join("files").canonicalize().unwrap();
    let base = files.to_string_lossy().into_owned();
    let fs = StdFs { cwd: files.clone() };
    let ctx = FunctionContext {
        fs: &fs,
        base_dir: Path::new("."),
        impurity: Impurity::Evaluate,
        templates: Some(&MiniTemplates),
        console: true,
        now: None,
        in_template: false,
    };
    let text = std::fs::read_to_string(fixtures().join("cases.jsonl")).unwrap();
    let fill = |s: &str| s.replace("${BASE}", &base).replace("${HOME}", HOME);
    let mut failures = Vec::new();
    let mut count = 0;
    for line in text.lines() {
        count += 1;
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let expr = case["expr"].as_str().unwrap();
        let got = literal::eval(expr, &ctx);
        let mut problems = Vec::new();
        match (&got, case.get("errors")) {
            (Err(errors), Some(want)) => {
                let want = want.as_array().unwrap();
                let got_pairs: Vec<(String, String)> = errors
                    .iter()
                    .map(|e| {
                        (
                            e.summary().to_string(),
                            e.detail().split_whitespace().collect::<Vec<_>>().join(" "),
                        )
                    })
                    .collect();
                let want_pairs: Vec<(String, String)> = want
                    .iter()
                    .map(|w| {
                        (
                            w["summary"].as_str().unwrap().to_string(),
                            fill(w["detail"].as_str().unwrap()),
                        )
                    })
                    .collect();
                // A Go panic's message is followed by its stack, which the generator cuts.
                let same = got_pairs.len() == want_pairs.len()
                    && got_pairs.iter().zip(&want_pairs).all(|(g, w)| {
                        g.0 == w.0
                            && (g.1 == w.1
                                || (w.1.contains("panic in function implementation")
                                    && g.1.starts_with(&w.1)))
                    });
                if !same {
                    problems
                        .push(format!("errors\n    got:  {got_pairs:?}\n    want: {want_pairs:?}"));
                }
            }
            (Err(errors), None) => {
                let got: Vec<String> = errors.iter().map(|e| e.detail()).collect();
                problems.push(format!("failed: {got:?}"));
            }
            (Ok(v), Some(want)) => {
                problems.push(format!("succeeded with {v:?}, want errors {want}"))
            }
            (Ok(v), None) => {
                // `type()` results are marked raw: the console prints them without quotes.
                let display = match (expr.starts_with("type("), v) {
                    (true, Value::String(s)) => s.clone(),
                    _ => display::format_value(v, 0),
                };
                if let Some(pattern) = case.get("match").and_then(|m| m.as_str()) {
                    if !regex::Regex::new(pattern).unwrap().is_match(&display) {
                        problems.push(format!("display {display:?} does not match {pattern}"));
                    }
                } else {
                    let want = fill(case["display"].as_str().unwrap());
                    if display != want {
                        problems.push(format!("display\n    got:  {display}\n    want: {want}"));
                    }
                }
                if let Some(want) =
                    case.get("type").and_then(|t| t.as_str()).filter(|t| *t != "type")
                {
                    let got = type_string(&v.ty());
                    if got != want {
                        problems.push(format!("type\n    got:  {got}\n    want: {want}"));
                    }
                }
                if let Some(want) = case.get("json").and_then(|t| t.as_str()) {
                    let got = marshal_json(&v.clone().unmark_deep().0);
                    if got.as_deref() != Ok(&*fill(want)) {
                        problems.push(format!("json\n    got:  {got:?}\n    want: {want}"));
                    }
                }
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{expr}\n  {}", problems.join("\n  ")));
        }
    }
    assert!(count >= 700, "only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ from Terraform:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
