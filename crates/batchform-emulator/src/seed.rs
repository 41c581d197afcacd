//! Seed files: objects with caller-chosen ids, created at start when they do not exist yet,
//! so a scenario (an example reading `batch_abc123`, a bug report) can be reproduced offline.
//!
//! The format and rules are in the crate docs ("Seed files"). Here: reading the file and
//! checking its shape (everything that does not need the store) first, then creating what is
//! missing through the API's own create functions, files before batches.

use crate::api::batches::{self, FixedBatch};
use crate::api::files::{self, NewFile, Upload};
use crate::api::{CreateError, Shared};
use crate::error::{ApiError, EmulatorError, json_kind};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Longest id a seed may choose (ids name files in the data directory).
const MAX_ID_LEN: usize = 128;

/// Keys of a file entry.
const FILE_KEYS: &[&str] = &["id", "path", "purpose", "filename", "project"];

/// How many objects a seed file created and how many were already there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub created: usize,
    pub existing: usize,
}

/// Create the objects of the seed file at `path` that do not exist yet.
pub async fn apply(st: &Shared, path: &Path) -> Result<SeedSummary, EmulatorError> {
    let seed = read(st, path)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut summary = SeedSummary::default();
    for file in seed.files {
        let cx = Cx { seed: path, object: &file.object };
        match st.store.file_project(&file.id) {
            Some(project) if project == file.project => {
                summary.existing += 1;
                continue;
            }
            Some(_) => return Err(cx.err("the id is already used by a file of another project")),
            None => {}
        }
        let source = dir.join(&file.path);
        let filename = match file.filename {
            Some(name) => name,
            None => {
                source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            }
        };
        let st2 = st.clone();
        let source2 = source.clone();
        let upload =
            tokio::task::spawn_blocking(move || Upload::from_path(&st2, &source2, filename))
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r)
                .map_err(|e| cx.io(format!("cannot read {}", source.display()), e))?;
        let new = NewFile {
            id: Some(file.id),
            project: file.project,
            purpose: file.purpose,
            upload: Some(upload),
            expires_anchor: None,
            expires_seconds: None,
        };
        files::create_file(st, new).await.map_err(|e| cx.create(e))?;
        summary.created += 1;
    }
    for batch in seed.batches {
        let cx = Cx { seed: path, object: &batch.object };
        match st.store.batch_project(&batch.id) {
            Some(project) if project == batch.project => {
                summary.existing += 1;
                continue;
            }
            Some(_) => return Err(cx.err("the id is already used by a batch of another project")),
            None => {}
        }
        let fixed = FixedBatch {
            id: batch.id,
            created_at_ms: batch.created_at.map_or_else(|| st.clock.now_ms(), |s| s * 1000),
        };
        batches::create_batch(st, batch.project, &batch.body, Some(fixed))
            .await
            .map_err(|e| cx.create(e))?;
        summary.created += 1;
    }
    Ok(summary)
}

struct SeedFile {
    files: Vec<FileEntry>,
    batches: Vec<BatchEntry>,
}

struct FileEntry {
    object: String,
    id: String,
    project: String,
    path: PathBuf,
    purpose: Option<String>,
    filename: Option<String>,
}

struct BatchEntry {
    object: String,
    id: String,
    project: String,
    created_at: Option<i64>,
    /// The `POST /v1/batches` body.
    body: Map<String, Value>,
}

/// Where a problem is: the seed file and the object in it.
struct Cx<'a> {
    seed: &'a Path,
    object: &'a str,
}

impl Cx<'_> {
    fn err(&self, reason: impl Into<String>) -> EmulatorError {
        EmulatorError::Seed {
            path: self.seed.to_path_buf(),
            object: Some(self.object.to_string()),
            reason: reason.into(),
        }
    }

    fn io(&self, what: String, source: std::io::Error) -> EmulatorError {
        EmulatorError::SeedIo {
            path: self.seed.to_path_buf(),
            object: Some(self.object.to_string()),
            what,
            source,
        }
    }

    fn create(&self, e: CreateError) -> EmulatorError {
        match e {
            CreateError::Rejected(api) => self.err(api_reason(&api)),
            CreateError::Io(source) => self.io("cannot store it".into(), source),
        }
    }
}

/// The API's message, naming the parameter when the message does not.
fn api_reason(e: &ApiError) -> String {
    match &e.param {
        Some(param) if !e.message.contains(&format!("'{param}'")) => {
            format!("{} (param: {param})", e.message)
        }
        _ => e.message.clone(),
    }
}

/// Read and check the shape of the seed file (everything that does not need the store).
fn read(st: &Shared, path: &Path) -> Result<SeedFile, EmulatorError> {
    let whole =
        |reason: String| EmulatorError::Seed { path: path.to_path_buf(), object: None, reason };
    let bytes = std::fs::read(path).map_err(|source| EmulatorError::SeedIo {
        path: path.to_path_buf(),
        object: None,
        what: "cannot read it".into(),
        source,
    })?;
    let doc: Value =
        serde_json::from_slice(&bytes).map_err(|e| whole(format!("not valid JSON: {e}")))?;
    let Value::Object(top) = doc else {
        return Err(whole(format!(
            "expected an object with \"files\" and \"batches\" arrays, but got {}",
            json_kind(&doc)
        )));
    };
    if let Some(unknown) = top.keys().find(|k| !["files", "batches"].contains(&k.as_str())) {
        return Err(whole(format!(
            "unknown key \"{unknown}\" (a seed file has \"files\" and \"batches\")"
        )));
    }
    let now = st.clock.now();
    let mut seen: HashMap<(bool, String), String> = HashMap::new();
    let mut seed = SeedFile { files: Vec::new(), batches: Vec::new() };
    for (index, entry) in array(&top, "files").map_err(whole)?.iter().enumerate() {
        let (object, map) = entry_of("files", index, entry);
        let cx = Cx { seed: path, object: &object };
        let map =
            map.ok_or_else(|| cx.err(format!("expected an object, but got {}", json_kind(entry))))?;
        if let Some(unknown) = map.keys().find(|k| !FILE_KEYS.contains(&k.as_str())) {
            return Err(cx.err(format!("Unrecognized request argument supplied: {unknown}")));
        }
        let id = check_id(map).map_err(|r| cx.err(r))?;
        if let Some(first) = seen.insert((false, id.clone()), object.clone()) {
            return Err(cx.err(format!("duplicate id: {first} has the same id")));
        }
        let path_text = optional_str(map, "path")
            .map_err(|e| cx.err(api_reason(&e)))?
            .ok_or_else(|| cx.err(api_reason(&ApiError::missing("path"))))?;
        if path_text.is_empty() {
            return Err(cx.err("Invalid 'path': the path is empty."));
        }
        seed.files.push(FileEntry {
            id,
            project: optional_str(map, "project")
                .map_err(|e| cx.err(api_reason(&e)))?
                .unwrap_or_default(),
            path: PathBuf::from(path_text),
            purpose: optional_str(map, "purpose").map_err(|e| cx.err(api_reason(&e)))?,
            filename: optional_str(map, "filename").map_err(|e| cx.err(api_reason(&e)))?,
            object,
        });
    }
    for (index, entry) in array(&top, "batches").map_err(whole)?.iter().enumerate() {
        let (object, map) = entry_of("batches", index, entry);
        let cx = Cx { seed: path, object: &object };
        let map =
            map.ok_or_else(|| cx.err(format!("expected an object, but got {}", json_kind(entry))))?;
        let id = check_id(map).map_err(|r| cx.err(r))?;
        if let Some(first) = seen.insert((true, id.clone()), object.clone()) {
            return Err(cx.err(format!("duplicate id: {first} has the same id")));
        }
        let project =
            optional_str(map, "project").map_err(|e| cx.err(api_reason(&e)))?.unwrap_or_default();
        let created_at = created_at(map.get("created_at"), now).map_err(|r| cx.err(r))?;
        let mut body = map.clone();
        for key in ["id", "project", "created_at"] {
            body.remove(key);
        }
        seed.batches.push(BatchEntry { object, id, project, created_at, body });
    }
    Ok(seed)
}

/// A batch's `created_at`: Unix seconds not after `now`, or a negative number of seconds
/// before `now` (so a seed file can say "an hour ago" whenever it is used).
fn created_at(value: Option<&Value>, now: i64) -> Result<Option<i64>, String> {
    let secs = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| {
            format!(
                "Invalid 'created_at': expected an integer number of seconds, but got {n} instead."
            )
        })?,
        Some(other) => {
            return Err(api_reason(&ApiError::invalid_type("created_at", "an integer", other)));
        }
    };
    if secs < 0 {
        return Ok(Some(now.saturating_add(secs).max(0)));
    }
    if secs > now {
        return Err(format!(
            "Invalid 'created_at': {secs} is after the emulator clock's current time {now}; a seeded batch can be back-dated, not post-dated."
        ));
    }
    Ok(Some(secs))
}

/// `files` or `batches`: absent is empty, otherwise an array.
fn array<'a>(top: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], String> {
    match top.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("\"{key}\" must be an array, but got {}", json_kind(other))),
    }
}

/// `batches[2] (id "batch_abc123")`, and the entry as an object if it is one.
fn entry_of<'a>(
    list: &str,
    index: usize,
    entry: &'a Value,
) -> (String, Option<&'a Map<String, Value>>) {
    let map = entry.as_object();
    let object = match map.and_then(|m| m.get("id")).and_then(Value::as_str) {
        Some(id) => format!("{list}[{index}] (id {id:?})"),
        None => format!("{list}[{index}]"),
    };
    (object, map)
}

fn optional_str(map: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ApiError::invalid_type(name, "a string", other)),
    }
}

fn check_id(map: &Map<String, Value>) -> Result<String, String> {
    let id = optional_str(map, "id")
        .map_err(|e| api_reason(&e))?
        .ok_or_else(|| api_reason(&ApiError::missing("id")))?;
    let well_formed = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !well_formed {
        return Err(format!(
            "Invalid 'id': {id:?}. An id is 1 to {MAX_ID_LEN} characters from A-Z, a-z, 0-9, '_' and '-'."
        ));
    }
    Ok(id)
}
