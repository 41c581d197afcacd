//! The `<state>.intents` sidecar: creates whose outcome was not known when the journal was
//! folded into a snapshot. The Terraform-format state file has no place for them, so they
//! are written next to it (atomically, mode 0600) and the file is removed once none are
//! left. Loading seeds the state's pending creates from it before the journal is replayed.

use crate::model::CreateIntent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

#[derive(Serialize, Deserialize)]
struct File {
    batchform_intents: u32,
    lineage: String,
    intents: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    address: String,
    provider: String,
    token: String,
    time: i64,
}

/// Write the sidecar for `lineage` holding `intents`, or remove it when there are none.
pub(crate) fn write(
    path: &Path,
    lineage: &str,
    intents: &BTreeMap<String, CreateIntent>,
) -> io::Result<u64> {
    if intents.is_empty() {
        crate::atomic::remove_durably(path)?;
        return Ok(0);
    }
    let file = File {
        batchform_intents: 1,
        lineage: lineage.to_string(),
        intents: intents
            .values()
            .map(|i| Entry {
                address: i.addr.to_string(),
                provider: i.provider.clone(),
                token: i.token.clone(),
                time: i.time,
            })
            .collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
    bytes.push(b'\n');
    crate::atomic::write_atomic(path, &bytes)?;
    Ok(bytes.len() as u64)
}

/// The sidecar's lineage and intents, if there is one.
pub(crate) fn read(path: &Path) -> Result<Option<(String, Vec<CreateIntent>)>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let file: File = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for entry in file.intents {
        let addr = crate::change::parse_instance_addr(&entry.address)
            .map_err(|e| format!("address {:?}: {e}", entry.address))?;
        out.push(CreateIntent {
            addr,
            provider: entry.provider,
            token: entry.token,
            time: entry.time,
        });
    }
    Ok(Some((file.lineage, out)))
}
