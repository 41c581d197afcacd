//! One incremental change to the state, as the apply walk produces them, and its journal
//! encoding (one JSON object per line, reusing the v4 resource layout).

use crate::codec::{DecodeError, OutInstance, OutOutput, OutResource, RawOutput, RawResource};
use crate::model::{CreateIntent, ObjectState, OutputValue};
use batchform_core::{InstanceAddr, TargetAddr};
use serde::{Deserialize, Serialize};

/// A change to one object or output. The engine hands one to
/// [`Backend::persist_changes`](crate::Backend::persist_changes) after every completed
/// resource operation; [`State::apply`](crate::State::apply) performs it in memory.
#[derive(Debug, Clone, PartialEq)]
pub enum StateChange {
    /// An instance's current object was created, updated, imported or refreshed.
    SetCurrent { addr: InstanceAddr, provider: String, object: ObjectState },
    /// An instance's current object was destroyed or forgotten.
    RemoveCurrent { addr: InstanceAddr },
    /// A `create_before_destroy` replacement deposed the old object under `deposed_key`
    /// (8 hex digits).
    SetDeposed { addr: InstanceAddr, deposed_key: String, provider: String, object: ObjectState },
    /// A deposed object was destroyed.
    RemoveDeposed { addr: InstanceAddr, deposed_key: String },
    /// A `create_before_destroy` replacement starts: the current object becomes deposed
    /// under `deposed_key`, in one step (never both current and deposed, never neither).
    Depose { addr: InstanceAddr, deposed_key: String },
    /// The replacement's create failed without an object: the deposed object is current
    /// again, in one step.
    RestoreDeposed { addr: InstanceAddr, deposed_key: String },
    /// A root output was set.
    SetOutput { name: String, output: OutputValue },
    /// A root output was removed.
    RemoveOutput { name: String },
    /// A create is about to be sent (persisted before the request goes out).
    IntendCreate { intent: CreateIntent },
    /// The create with this token is accounted for: its object is in state (recorded by an
    /// earlier change), or it is known to have made none.
    ResolveCreate { token: String },
}

#[derive(Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum OutRecord<'a> {
    SetCurrent { resource: OutResource<'a> },
    RemoveCurrent { address: String },
    SetDeposed { resource: OutResource<'a> },
    RemoveDeposed { address: String, deposed: &'a str },
    Depose { address: String, deposed: &'a str },
    RestoreDeposed { address: String, deposed: &'a str },
    SetOutput { name: &'a str, output: OutOutput<'a> },
    RemoveOutput { name: &'a str },
    IntendCreate { address: String, provider: &'a str, token: &'a str, time: i64 },
    ResolveCreate { token: &'a str },
}

impl StateChange {
    /// The journal line for this change (no newline).
    pub(crate) fn encode(&self) -> Vec<u8> {
        let record = match self {
            StateChange::SetCurrent { addr, provider, object } => OutRecord::SetCurrent {
                resource: OutResource::with_instances(
                    &addr.resource,
                    provider,
                    vec![OutInstance::new(&addr.key, None, object)],
                ),
            },
            StateChange::RemoveCurrent { addr } => {
                OutRecord::RemoveCurrent { address: addr.to_string() }
            }
            StateChange::SetDeposed { addr, deposed_key, provider, object } => {
                OutRecord::SetDeposed {
                    resource: OutResource::with_instances(
                        &addr.resource,
                        provider,
                        vec![OutInstance::new(&addr.key, Some(deposed_key), object)],
                    ),
                }
            }
            StateChange::RemoveDeposed { addr, deposed_key } => {
                OutRecord::RemoveDeposed { address: addr.to_string(), deposed: deposed_key }
            }
            StateChange::Depose { addr, deposed_key } => {
                OutRecord::Depose { address: addr.to_string(), deposed: deposed_key }
            }
            StateChange::RestoreDeposed { addr, deposed_key } => {
                OutRecord::RestoreDeposed { address: addr.to_string(), deposed: deposed_key }
            }
            StateChange::SetOutput { name, output } => {
                OutRecord::SetOutput { name, output: OutOutput::new(output) }
            }
            StateChange::RemoveOutput { name } => OutRecord::RemoveOutput { name },
            StateChange::IntendCreate { intent } => OutRecord::IntendCreate {
                address: intent.addr.to_string(),
                provider: &intent.provider,
                token: &intent.token,
                time: intent.time,
            },
            StateChange::ResolveCreate { token } => OutRecord::ResolveCreate { token },
        };
        serde_json::to_vec(&record).unwrap_or_default()
    }

    /// Parse one journal line.
    pub(crate) fn decode(line: &[u8]) -> Result<StateChange, String> {
        // A plain struct rather than a tagged enum: serde buffers tagged enums through an
        // intermediate form that loses exact numbers.
        let record: RawRecord = serde_json::from_slice(line).map_err(|e| e.to_string())?;
        let missing = |field: &str| format!("journal record {:?} without {field}", record.op);
        let address = |text: Option<&String>| -> Result<InstanceAddr, String> {
            parse_instance_addr(text.ok_or_else(|| missing("address"))?)
        };
        match record.op.as_str() {
            "set_current" | "set_deposed" => {
                let set_current = record.op == "set_current";
                let raw = record.resource.ok_or_else(|| missing("resource"))?;
                let (raddr, resource) =
                    raw.into_resource().map_err(|e: DecodeError| e.to_string())?;
                let (key, mut instance) = resource
                    .instances
                    .into_iter()
                    .next()
                    .ok_or("a journal record without an instance")?;
                let addr = raddr.instance(key);
                let provider = resource.provider;
                if set_current {
                    let object = instance.current.take().ok_or("set_current without an object")?;
                    Ok(StateChange::SetCurrent { addr, provider, object })
                } else {
                    let (deposed_key, object) = instance
                        .deposed
                        .into_iter()
                        .next()
                        .ok_or("set_deposed without a deposed object")?;
                    Ok(StateChange::SetDeposed { addr, deposed_key, provider, object })
                }
            }
            "remove_current" => {
                Ok(StateChange::RemoveCurrent { addr: address(record.address.as_ref())? })
            }
            "remove_deposed" => Ok(StateChange::RemoveDeposed {
                addr: address(record.address.as_ref())?,
                deposed_key: record.deposed.clone().ok_or_else(|| missing("deposed"))?,
            }),
            "depose" => Ok(StateChange::Depose {
                addr: address(record.address.as_ref())?,
                deposed_key: record.deposed.clone().ok_or_else(|| missing("deposed"))?,
            }),
            "restore_deposed" => Ok(StateChange::RestoreDeposed {
                addr: address(record.address.as_ref())?,
                deposed_key: record.deposed.clone().ok_or_else(|| missing("deposed"))?,
            }),
            "set_output" => Ok(StateChange::SetOutput {
                name: record.name.clone().ok_or_else(|| missing("name"))?,
                output: record.output.ok_or_else(|| missing("output"))?.into_output(),
            }),
            "remove_output" => Ok(StateChange::RemoveOutput {
                name: record.name.clone().ok_or_else(|| missing("name"))?,
            }),
            "intend_create" => Ok(StateChange::IntendCreate {
                intent: CreateIntent {
                    addr: address(record.address.as_ref())?,
                    provider: record.provider.clone().ok_or_else(|| missing("provider"))?,
                    token: record.token.clone().ok_or_else(|| missing("token"))?,
                    time: record.time.ok_or_else(|| missing("time"))?,
                },
            }),
            "resolve_create" => Ok(StateChange::ResolveCreate {
                token: record.token.clone().ok_or_else(|| missing("token"))?,
            }),
            other => Err(format!("unknown journal operation {other:?}")),
        }
    }
}

#[derive(Deserialize)]
struct RawRecord {
    op: String,
    #[serde(default)]
    resource: Option<RawResource>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    deposed: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    output: Option<RawOutput>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    time: Option<i64>,
}

/// An instance address as the journal and the intents sidecar write it (a resource
/// address stands for its one instance without a key).
pub(crate) fn parse_instance_addr(text: &str) -> Result<InstanceAddr, String> {
    match text.parse::<TargetAddr>().map_err(|e| e.to_string())? {
        TargetAddr::Instance(i) => Ok(i),
        TargetAddr::Resource(r) => Ok(r.instance(batchform_core::InstanceKey::None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AttrPath, ObjectStatus, PathStep};
    use batchform_core::{InstanceKey, ResourceAddr};
    use serde_json::{Value, json};

    #[test]
    fn every_change_round_trips_through_its_journal_line() {
        let addr =
            ResourceAddr::managed("openai_batch", "b").instance(InstanceKey::Str("k\"".into()));
        let mut object = ObjectState::new(
            json!({"id": "batch_1", "n": 123456789012345678901234567890u128.to_string().parse::<Value>().unwrap(), "x": null}),
        );
        object.status = ObjectStatus::Tainted;
        object.sensitive_attributes =
            vec![AttrPath(vec![PathStep::GetAttr("a".into()), PathStep::index(2)])];
        object.dependencies = vec![ResourceAddr::managed("openai_file", "f")];
        object.private = Some("bnVsbA==".into());
        object.create_before_destroy = true;
        let changes = vec![
            StateChange::SetCurrent {
                addr: addr.clone(),
                provider: "provider[\"x/y/z\"]".into(),
                object: object.clone(),
            },
            StateChange::SetDeposed {
                addr: addr.clone(),
                deposed_key: "0a1b2c3d".into(),
                provider: "p".into(),
                object,
            },
            StateChange::RemoveCurrent { addr: addr.clone() },
            StateChange::Depose { addr: addr.clone(), deposed_key: "0a1b2c3d".into() },
            StateChange::RestoreDeposed { addr: addr.clone(), deposed_key: "0a1b2c3d".into() },
            StateChange::RemoveDeposed { addr, deposed_key: "0a1b2c3d".into() },
            StateChange::SetOutput {
                name: "o".into(),
                output: OutputValue {
                    value: json!([1, "<&>"]),
                    value_type: json!(["tuple", ["number", "string"]]),
                    sensitive: true,
                },
            },
            StateChange::RemoveOutput { name: "o".into() },
            StateChange::IntendCreate {
                intent: CreateIntent {
                    addr: ResourceAddr::managed("openai_batch", "b").instance(InstanceKey::Int(3)),
                    provider: "provider[\"registry.terraform.io/batchform/openai\"]".into(),
                    token: "bf-0123456789abcdef".into(),
                    time: 1_765_000_000,
                },
            },
            StateChange::ResolveCreate { token: "bf-0123456789abcdef".into() },
        ];
        for change in changes {
            let line = change.encode();
            assert!(!line.contains(&b'\n'));
            assert_eq!(StateChange::decode(&line).unwrap(), change);
        }
    }
}
