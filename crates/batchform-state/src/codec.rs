//! Reading and writing the state file, format version 4, field for field as Terraform's
//! `internal/states/statefile/version4.go` does.

use crate::gojson::{self, Attributes, Dynamic, Sorted};
use crate::model::{
    AttrPath, Instance, ObjectState, ObjectStatus, OutputValue, PathStep, Resource, State,
    WRITER_VERSION,
};
use batchform_core::{InstanceKey, Mode, ResourceAddr, TargetAddr};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

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
    let resources = state.ordered_resources();
    let out = OutState {
        version: 4,
        terraform_version: &state.terraform_version,
        serial: state.serial,
        lineage: &state.lineage,
        outputs: state.outputs.iter().map(|(k, v)| (k.as_str(), OutOutput::new(v))).collect(),
        resources: resources.into_iter().map(|(addr, r)| OutResource::new(addr, r)).collect(),
        check_results: Sorted(&state.check_results),
    };
    // Serializing our own structs and JSON values into memory cannot fail.
    let mut bytes = gojson::to_vec_indent(&out).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

// ---- reading -------------------------------------------------------------------------

#[derive(Deserialize)]
struct Sniff {
    #[serde(default)]
    version: Option<Value>,
    #[serde(default)]
    terraform_version: Option<Value>,
}

#[derive(Deserialize)]
struct RawState {
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

#[derive(Deserialize, Serialize)]
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
    fn into_state(self) -> Result<State, DecodeError> {
        let mut state = State {
            terraform_version: self.terraform_version.unwrap_or_default(),
            serial: self.serial,
            lineage: self.lineage.unwrap_or_default(),
            outputs: BTreeMap::new(),
            resources: BTreeMap::new(),
            check_results: self.check_results,
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

// ---- writing -------------------------------------------------------------------------

#[derive(Serialize)]
struct OutState<'a> {
    version: u8,
    terraform_version: &'a str,
    serial: u64,
    lineage: &'a str,
    outputs: BTreeMap<&'a str, OutOutput<'a>>,
    resources: Vec<OutResource<'a>>,
    check_results: Sorted<'a>,
}

#[derive(Serialize)]
pub(crate) struct OutOutput<'a> {
    value: Sorted<'a>,
    #[serde(rename = "type")]
    value_type: Sorted<'a>,
    #[serde(skip_serializing_if = "is_false")]
    sensitive: bool,
}

impl<'a> OutOutput<'a> {
    pub(crate) fn new(o: &'a OutputValue) -> Self {
        OutOutput {
            value: Sorted(&o.value),
            value_type: Sorted(&o.value_type),
            sensitive: o.sensitive,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct OutResource<'a> {
    mode: &'static str,
    #[serde(rename = "type")]
    type_name: &'a str,
    name: &'a str,
    provider: &'a str,
    instances: Vec<OutInstance<'a>>,
}

impl<'a> OutResource<'a> {
    fn new(addr: &'a ResourceAddr, resource: &'a Resource) -> Self {
        let mut instances = Vec::with_capacity(resource.instances.len());
        for (key, instance) in &resource.instances {
            if let Some(obj) = &instance.current {
                instances.push(OutInstance::new(key, None, obj));
            }
            for (dk, obj) in &instance.deposed {
                instances.push(OutInstance::new(key, Some(dk), obj));
            }
        }
        OutResource::with_instances(addr, &resource.provider, instances)
    }

    pub(crate) fn with_instances(
        addr: &'a ResourceAddr,
        provider: &'a str,
        instances: Vec<OutInstance<'a>>,
    ) -> Self {
        OutResource {
            mode: addr.mode.as_str(),
            type_name: &addr.type_name,
            name: &addr.name,
            provider,
            instances,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct OutInstance<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    index_key: Option<OutKey<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deposed: Option<&'a str>,
    schema_version: u64,
    attributes: Attributes<'a>,
    sensitive_attributes: Vec<Vec<OutStep<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_schema_version: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<Sorted<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    private: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    create_before_destroy: bool,
}

impl<'a> OutInstance<'a> {
    pub(crate) fn new(
        key: &'a InstanceKey,
        deposed: Option<&'a str>,
        obj: &'a ObjectState,
    ) -> Self {
        OutInstance {
            index_key: match key {
                InstanceKey::None => None,
                InstanceKey::Int(i) => Some(OutKey::Int(*i)),
                InstanceKey::Str(s) => Some(OutKey::Str(s)),
            },
            status: match obj.status {
                ObjectStatus::Ready => None,
                ObjectStatus::Tainted => Some("tainted"),
            },
            deposed,
            schema_version: obj.schema_version,
            attributes: Attributes(&obj.attributes),
            sensitive_attributes: obj
                .sensitive_attributes
                .iter()
                .map(|path| path.0.iter().map(OutStep::new).collect())
                .collect(),
            identity_schema_version: obj.identity_schema_version,
            identity: obj.identity.as_ref().map(Sorted),
            private: obj.private.as_deref(),
            dependencies: obj.dependencies.iter().map(ToString::to_string).collect(),
            create_before_destroy: obj.create_before_destroy,
        }
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum OutKey<'a> {
    Int(i64),
    Str(&'a str),
}

#[derive(Serialize)]
pub(crate) struct OutStep<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    value: OutStepValue<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum OutStepValue<'a> {
    Name(&'a str),
    Key(Dynamic<'a>),
}

impl<'a> OutStep<'a> {
    fn new(step: &'a PathStep) -> Self {
        match step {
            PathStep::GetAttr(name) => {
                OutStep { kind: "get_attr", value: OutStepValue::Name(name) }
            }
            PathStep::Index(key) => {
                OutStep { kind: "index", value: OutStepValue::Key(Dynamic(key)) }
            }
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}
