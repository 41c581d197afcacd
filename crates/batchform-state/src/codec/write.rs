//! Encoding: the model as Terraform's v4 JSON, fields in Terraform's order.

use crate::gojson::{Attributes, CheckResults, Dynamic, Sorted};
use crate::model::{ObjectState, ObjectStatus, OutputValue, PathStep, Resource};
use batchform_core::{InstanceKey, ResourceAddr};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
pub(super) struct OutState<'a> {
    pub(super) version: u8,
    pub(super) terraform_version: &'a str,
    pub(super) serial: u64,
    pub(super) lineage: &'a str,
    pub(super) outputs: BTreeMap<&'a str, OutOutput<'a>>,
    pub(super) resources: Vec<OutResource<'a>>,
    pub(super) check_results: CheckResults<'a>,
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
    pub(super) fn instance_count(&self) -> usize {
        self.instances.len()
    }

    pub(super) fn new(addr: &'a ResourceAddr, resource: &'a Resource) -> Self {
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
