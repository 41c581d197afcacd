//! Decoding: Terraform's v4 JSON into the model, with Terraform's validation messages.

use super::DecodeError;
use crate::model::{
    AttrPath, Instance, ObjectState, ObjectStatus, OutputValue, PathStep, Resource, State,
};
use batchform_core::{InstanceKey, Mode, ResourceAddr, TargetAddr};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Deserialize)]
pub(super) struct Sniff {
    #[serde(default)]
    pub(super) version: Option<Value>,
    #[serde(default)]
    pub(super) terraform_version: Option<Value>,
}

#[derive(Deserialize)]
pub(super) struct RawState {
    #[serde(default)]
    terraform_version: Option<String>,
    #[serde(default)]
    serial: u64,
    #[serde(default)]
    lineage: Option<String>,
    #[serde(default)]
    outputs: Option<BTreeMap<String, RawOutput>>,
    #[serde(default)]
    resources: Option<Vec<RawResource>>,
    #[serde(default)]
    check_results: Value,
}

#[derive(Deserialize)]
pub(crate) struct RawOutput {
    value: Value,
    #[serde(rename = "type")]
    value_type: Value,
    #[serde(default)]
    sensitive: bool,
}

#[derive(Deserialize)]
pub(crate) struct RawResource {
    #[serde(default)]
    module: Option<String>,
    mode: String,
    #[serde(rename = "type")]
    type_name: String,
    name: String,
    provider: String,
    #[serde(default)]
    instances: Option<Vec<RawInstance>>,
}

#[derive(Deserialize)]
pub(crate) struct RawInstance {
    #[serde(default)]
    index_key: Value,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    deposed: Option<String>,
    #[serde(default)]
    schema_version: u64,
    #[serde(default)]
    attributes: Option<Value>,
    #[serde(default)]
    attributes_flat: Option<Value>,
    #[serde(default)]
    sensitive_attributes: Option<Vec<Vec<RawStep>>>,
    #[serde(default)]
    identity_schema_version: Option<u64>,
    #[serde(default)]
    identity: Option<Value>,
    #[serde(default)]
    private: Option<String>,
    #[serde(default)]
    dependencies: Option<Vec<String>>,
    #[serde(default)]
    create_before_destroy: bool,
}

#[derive(Deserialize)]
pub(crate) struct RawStep {
    #[serde(rename = "type")]
    kind: String,
    value: Value,
}

impl RawOutput {
    pub(crate) fn into_output(self) -> OutputValue {
        OutputValue { value: self.value, value_type: self.value_type, sensitive: self.sensitive }
    }
}

impl RawState {
    pub(super) fn into_state(self) -> Result<State, DecodeError> {
        let mut state = State {
            terraform_version: self.terraform_version.unwrap_or_default(),
            serial: self.serial,
            lineage: self.lineage.unwrap_or_default(),
            outputs: BTreeMap::new(),
            resources: BTreeMap::new(),
            check_results: self.check_results,
            pending_creates: BTreeMap::new(),
        };
        for (name, raw) in self.outputs.unwrap_or_default() {
            state.outputs.insert(name, raw.into_output());
        }
        for raw in self.resources.unwrap_or_default() {
            let (addr, resource) = raw.into_resource()?;
            if state.resources.contains_key(&addr) {
                return Err(DecodeError::invalid(
                    "Duplicate resource in state",
                    format!("Resource {addr} appears multiple times in the state file."),
                ));
            }
            state.resources.insert(addr, resource);
        }
        Ok(state)
    }
}

impl RawResource {
    pub(crate) fn into_resource(self) -> Result<(ResourceAddr, Resource), DecodeError> {
        let mode = match self.mode.as_str() {
            "managed" => Mode::Managed,
            "data" => Mode::Data,
            other => {
                return Err(DecodeError::invalid(
                    "Invalid resource mode in state",
                    format!(
                        "State contains a resource with mode {other:?} ({:?} {:?}) which is not supported.",
                        self.type_name, self.name
                    ),
                ));
            }
        };
        let addr = ResourceAddr { mode, type_name: self.type_name, name: self.name };
        if let Some(module) = self.module.filter(|m| !m.is_empty()) {
            return Err(DecodeError::invalid(
                "Unsupported module in state",
                format!(
                    "The state contains {module}.{addr}, but batchform manages only resources of the root module."
                ),
            ));
        }
        let mut resource = Resource { provider: self.provider, instances: BTreeMap::new() };
        for raw in self.instances.unwrap_or_default() {
            let key = decode_key(&addr, &raw.index_key)?;
            let instance_addr = addr.instance(key.clone());
            let deposed = raw.deposed.clone().filter(|d| !d.is_empty());
            let object = raw.into_object(&instance_addr.to_string())?;
            let instance: &mut Instance = resource.instances.entry(key).or_default();
            match deposed {
                Some(dk) => {
                    if dk.len() != 8 {
                        return Err(DecodeError::invalid(
                            "Invalid resource instance metadata in state",
                            format!(
                                "Instance {instance_addr} has an object with deposed key {dk:?}, which is not correctly formatted."
                            ),
                        ));
                    }
                    if instance.deposed.insert(dk.clone(), object).is_some() {
                        return Err(DecodeError::invalid(
                            "Duplicate resource instance in state",
                            format!(
                                "Instance {instance_addr} deposed object {dk:?} appears multiple times in the state file."
                            ),
                        ));
                    }
                }
                None => {
                    if instance.current.replace(object).is_some() {
                        return Err(DecodeError::invalid(
                            "Duplicate resource instance in state",
                            format!(
                                "Instance {instance_addr} appears multiple times in the state file."
                            ),
                        ));
                    }
                }
            }
        }
        Ok((addr, resource))
    }
}

fn decode_key(addr: &ResourceAddr, raw: &Value) -> Result<InstanceKey, DecodeError> {
    match raw {
        Value::Null => Ok(InstanceKey::None),
        Value::String(s) => Ok(InstanceKey::Str(s.clone())),
        Value::Number(n) => {
            // Go reads JSON numbers as float64, so `1.0` is accepted as index 1.
            let int = n.as_i64().or_else(|| {
                n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64)
            });
            int.map(InstanceKey::Int).ok_or_else(|| bad_key(addr, raw))
        }
        _ => Err(bad_key(addr, raw)),
    }
}

fn bad_key(addr: &ResourceAddr, raw: &Value) -> DecodeError {
    DecodeError::invalid(
        "Invalid resource instance metadata in state",
        format!("Resource {addr} has an instance with the invalid instance key {raw}."),
    )
}

impl RawInstance {
    fn into_object(self, addr: &str) -> Result<ObjectState, DecodeError> {
        let invalid = |detail: String| {
            DecodeError::invalid("Invalid resource instance metadata in state", detail)
        };
        let status = match self.status.as_deref() {
            None | Some("") => ObjectStatus::Ready,
            Some("tainted") => ObjectStatus::Tainted,
            Some(other) => {
                return Err(invalid(format!("Instance {addr} has invalid status {other:?}.")));
            }
        };
        let attributes = match (self.attributes, self.attributes_flat) {
            (Some(attrs), _) => attrs,
            (None, Some(_)) => {
                return Err(DecodeError::invalid(
                    "Unsupported state file format",
                    format!(
                        "Instance {addr} is stored in the legacy flat attribute format. Run \"terraform apply -refresh-only\" with Terraform 0.12 or newer once to upgrade it."
                    ),
                ));
            }
            (None, None) => Value::Object(Default::default()),
        };
        let mut sensitive_attributes = Vec::new();
        for raw_path in self.sensitive_attributes.unwrap_or_default() {
            let mut steps = Vec::with_capacity(raw_path.len());
            for step in raw_path {
                steps.push(match (step.kind.as_str(), step.value) {
                    ("get_attr", Value::String(name)) => PathStep::GetAttr(name),
                    ("index", key) => PathStep::Index(key),
                    (kind, _) => {
                        return Err(DecodeError::invalid(
                            "Unsupported path step",
                            format!("Instance {addr} has a sensitive path step of type {kind:?}."),
                        ));
                    }
                });
            }
            sensitive_attributes.push(AttrPath(steps));
        }
        let mut dependencies = Vec::new();
        for dep in self.dependencies.unwrap_or_default() {
            match dep.parse::<TargetAddr>() {
                Ok(TargetAddr::Resource(r)) => dependencies.push(r),
                _ => {
                    return Err(invalid(format!(
                        "Instance {addr} depends on {dep:?}, which is not a root module resource address."
                    )));
                }
            }
        }
        Ok(ObjectState {
            status,
            schema_version: self.schema_version,
            attributes,
            sensitive_attributes,
            private: self.private.filter(|p| !p.is_empty()),
            dependencies,
            create_before_destroy: self.create_before_destroy,
            identity_schema_version: self.identity_schema_version,
            identity: self.identity,
        })
    }
}
