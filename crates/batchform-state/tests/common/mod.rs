//! Helpers shared by the state crate's integration tests.
#![allow(dead_code)]

use batchform_core::{InstanceKey, Mode, ResourceAddr};
use batchform_state::jsonstate::SchemaHints;
use batchform_state::{Backend, ObjectState, State, StateChange};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every golden case directory under fixtures/states.
pub fn golden_cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(repo_root().join("fixtures/states"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("terraform/terraform.tfstate").exists())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no golden states found");
    cases
}

/// Validate a state file's JSON against state/terraform-state-v4.schema.json.
pub fn assert_schema_valid(bytes: &[u8]) {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(repo_root().join("state/terraform-state-v4.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema itself is valid");
    let instance: Value = serde_json::from_slice(bytes).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "state does not match the schema:\n{}", errors.join("\n"));
}

/// terraform_data's dynamically typed attributes.
pub struct TerraformData;

impl SchemaHints for TerraformData {
    fn is_dynamic(&self, mode: Mode, resource_type: &str, attribute: &str) -> bool {
        mode == Mode::Managed
            && resource_type == "terraform_data"
            && matches!(attribute, "input" | "output" | "triggers_replace")
    }
}

pub const PROVIDER: &str = "provider[\"terraform.io/builtin/terraform\"]";

/// A terraform_data object like Terraform stores it, with about `payload` bytes of input.
pub fn data_object(id: &str, payload: usize) -> ObjectState {
    let text = "x".repeat(payload);
    ObjectState::new(json!({
        "id": id,
        "input": {"value": text, "type": "string"},
        "output": {"value": text, "type": "string"},
        "triggers_replace": null,
    }))
}

/// Set `terraform_data.NAME[i]`.
pub fn set(name: &str, i: i64, payload: usize) -> StateChange {
    StateChange::SetCurrent {
        addr: ResourceAddr::managed("terraform_data", name).instance(InstanceKey::Int(i)),
        provider: PROVIDER.into(),
        object: data_object(&format!("id-{i}"), payload),
    }
}

/// Apply `changes` to `state` and journal each (as the apply walk does, one by one).
pub fn record(
    backend: &mut impl Backend,
    state: &mut State,
    changes: impl IntoIterator<Item = StateChange>,
) {
    for change in changes {
        state.apply(&change);
        backend.persist_change(&change).unwrap();
    }
}
