//! Reading and writing the state file, format version 4, field for field as Terraform's
//! `internal/states/statefile/version4.go` does.

mod read;
mod write;

pub(crate) use read::{RawOutput, RawResource};
pub(crate) use write::{OutInstance, OutOutput, OutResource};

use crate::gojson;
use crate::model::{State, WRITER_VERSION};
use read::{RawState, Sniff};
use serde_json::Value;
use write::OutState;

/// Why a state file could not be read. The summary and detail are Terraform's where
/// Terraform has the same failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("The state file could not be parsed as JSON: {0}.")]
    Syntax(String),
    #[error(
        "The state file does not have a \"version\" attribute, which is required to identify the format version."
    )]
    MissingVersion,
    #[error(
        "The state file uses format version {version}, which is not supported by batchform {ours}. This state file was created by {writer}.",
        ours = WRITER_VERSION
    )]
    TooNew { version: u64, writer: String },
    #[error(
        "The state file uses format version {version}, which batchform does not read. Run \"terraform apply -refresh-only\" with Terraform 0.12 or newer once to upgrade it to format version 4."
    )]
    TooOld { version: u64 },
    #[error("{detail}")]
    Invalid { summary: &'static str, detail: String },
}

impl DecodeError {
    /// A short, fixed phrase for the diagnostic summary.
    pub fn summary(&self) -> &'static str {
        match self {
            DecodeError::Invalid { summary, .. } => summary,
            _ => "Unsupported state file format",
        }
    }

    fn invalid(summary: &'static str, detail: String) -> Self {
        DecodeError::Invalid { summary, detail }
    }
}

/// Parse a state file. An empty (or all-whitespace) file is no state, as in Terraform.
pub fn decode(bytes: &[u8]) -> Result<Option<State>, DecodeError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    // Values are decoded straight from the text (never through an intermediate `Value`,
    // which would turn numbers like 0.000001 into floats and back).
    let sniff: Sniff =
        serde_json::from_slice(bytes).map_err(|e| DecodeError::Syntax(e.to_string()))?;
    let version = match &sniff.version {
        None | Some(Value::Null) => return Err(DecodeError::MissingVersion),
        Some(v) => v.as_u64().ok_or_else(|| {
            DecodeError::invalid(
                "Unsupported state file format",
                format!("The state file has an invalid \"version\" attribute: {v}."),
            )
        })?,
    };
    if version > 4 {
        let writer = match sniff.terraform_version.as_ref().and_then(Value::as_str) {
            Some(v) => format!("version {v}"),
            None => "a newer program".into(),
        };
        return Err(DecodeError::TooNew { version, writer });
    }
    if version < 4 {
        return Err(DecodeError::TooOld { version });
    }
    let raw: RawState = serde_json::from_slice(bytes)
        .map_err(|e| DecodeError::invalid("Unsupported state file format", format!("{e}.")))?;
    raw.into_state().map(Some)
}

/// Serialize a state as Terraform does: `MarshalIndent` with 2 spaces, resources sorted by
/// mode, type and name, instances by key, then a trailing newline. `terraform_version` is
/// written as given; the backend sets it to [`WRITER_VERSION`].
pub fn encode(state: &State) -> Vec<u8> {
    encode_as(state, state.serial, &state.terraform_version)
}

/// [`encode`] with `serial` and `terraform_version` in place of the state's own (the
/// backend writing the next snapshot, without copying the state to change two fields).
pub fn encode_as(state: &State, serial: u64, terraform_version: &str) -> Vec<u8> {
    let resources = state.ordered_resources();
    let out = OutState {
        version: 4,
        terraform_version,
        serial,
        lineage: &state.lineage,
        outputs: state.outputs.iter().map(|(k, v)| (k.as_str(), OutOutput::new(v))).collect(),
        resources: resources.into_iter().map(|(addr, r)| OutResource::new(addr, r)).collect(),
        check_results: gojson::CheckResults(&state.check_results),
    };
    // Serializing our own structs and JSON values into memory cannot fail.
    // About 1.5 KiB per instance of an openai_batch, indented.
    let instances: usize = out.resources.iter().map(|r| r.instance_count()).sum();
    let mut bytes = gojson::to_vec_indent_sized(&out, 4096 + 1536 * instances).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}
