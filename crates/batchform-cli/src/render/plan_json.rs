//! `show -json PLANFILE`: Terraform's plan JSON format 1.2 (`jsonplan.Marshal`), on one line,
//! written as Go's `encoding/json` writes it so tools that read Terraform's (checkov,
//! terraform-compliance, terraform-json) read ours. batchform's deferred resources use
//! Terraform's `deferred_changes` shape.

use super::config_json::{Configuration, configuration};
use super::jsonplan::{self, Change, ResourceChange, path_json};
use batchform_config::model::Config;
use batchform_config::validate::SchemaSource;
use batchform_core::plan_value::known_json;
use batchform_core::{Mode, Type};
use batchform_engine::plan::{Action, Deferred, DeferredReason, Plan};
use batchform_state::json::{Sorted, to_vec_compact};
use batchform_state::jsonstate::SchemaHints;
use serde::{Serialize, Serializer};
use serde_json::Value as Json;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// Plan JSON's format version.
pub const FORMAT_VERSION: &str = "1.2";

#[derive(Serialize)]
struct PlanJson<'a> {
    format_version: &'static str,
    terraform_version: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    variables: BTreeMap<&'a str, VariableJson>,
    planned_values: PlannedValues<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resource_drift: Vec<ResourceChange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resource_changes: Vec<ResourceChange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    deferred_changes: Vec<DeferredChange>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    output_changes: BTreeMap<&'a str, Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prior_state: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    configuration: Option<Configuration>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    relevant_attributes: Vec<RelevantAttributeJson>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "sorted_opt")]
    checks: Option<Json>,
    #[serde(skip_serializing_if = "str::is_empty")]
    timestamp: &'a str,
    applyable: bool,
    complete: bool,
    errored: bool,
}

#[derive(Serialize)]
struct VariableJson {
    /// Left out for sensitive variables: unlike Terraform 1.11, batchform never writes a
    /// sensitive value into its output (`sensitive` says why it is missing).
    #[serde(serialize_with = "sorted_opt", skip_serializing_if = "Option::is_none")]
    value: Option<Json>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    sensitive: bool,
}

#[derive(Serialize)]
struct PlannedValues<'a> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    outputs: BTreeMap<&'a str, PlannedOutput>,
    root_module: PlannedModule,
}

#[derive(Serialize)]
struct PlannedOutput {
    sensitive: bool,
    #[serde(
        rename = "type",
        skip_serializing_if = "Option::is_none",
        serialize_with = "sorted_opt"
    )]
    value_type: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "sorted_opt")]
    value: Option<Json>,
}

#[derive(Serialize)]
struct PlannedModule {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<PlannedResource>,
}

#[derive(Serialize)]
struct PlannedResource {
    address: String,
    mode: &'static str,
    #[serde(rename = "type")]
    type_name: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<Json>,
    provider_name: String,
    schema_version: u64,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "sorted_opt")]
    values: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "sorted_opt")]
    sensitive_values: Option<Json>,
}

#[derive(Serialize)]
struct DeferredChange {
    reason: &'static str,
    resource_change: ResourceChange,
}

#[derive(Serialize)]
struct RelevantAttributeJson {
    resource: String,
    #[serde(serialize_with = "sorted")]
    attribute: Json,
}

fn sorted<S: Serializer>(value: &Json, s: S) -> Result<S::Ok, S::Error> {
    Sorted(value).serialize(s)
}

fn sorted_opt<S: Serializer>(value: &Option<Json>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => Sorted(v).serialize(s),
        None => s.serialize_none(),
    }
}

/// Which attributes are dynamically typed (stored wrapped in state), from the schemas.
pub struct Hints<'a>(pub &'a dyn SchemaSource);

impl SchemaHints for Hints<'_> {
    fn is_dynamic(&self, mode: Mode, resource_type: &str, attribute: &str) -> bool {
        self.0
            .resource_schema(mode, resource_type)
            .and_then(|s| s.block.attributes.get(attribute))
            .is_some_and(|a| a.ty == Type::Dynamic)
    }

    fn attribute_type(&self, mode: Mode, resource_type: &str, attribute: &str) -> Option<Json> {
        let schema = self.0.resource_schema(mode, resource_type)?;
        schema.block.attributes.get(attribute).map(|a| a.ty.to_json())
    }
}

/// The plan JSON document, one line (no trailing newline). `config` fills `configuration`
/// (left out without it); `version` is written as `terraform_version`.
pub fn plan_json(
    plan: &Plan,
    config: Option<&Config>,
    schemas: &dyn SchemaSource,
    version: &str,
) -> Vec<u8> {
    let resource_changes: Vec<ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| !(c.addr.resource.mode == Mode::Data && c.action == Action::Delete))
        .map(|c| jsonplan::resource_change(c, schemas))
        .collect();

    let mut drift: Vec<_> = plan.drift.iter().collect();
    drift.sort_by(|a, b| a.addr.cmp(&b.addr));
    let resource_drift = drift
        .into_iter()
        .map(|d| {
            let provider = plan
                .prior_state
                .provider(&d.addr.resource)
                .or_else(|| plan.refreshed_state.provider(&d.addr.resource))
                .unwrap_or_default();
            jsonplan::drift_change(d, provider, schemas)
        })
        .collect();

    // In the plan's order: Terraform's own order comes from a sort whose comparator looks at
    // the unsorted list, so it cannot be reproduced; the engine's order is deterministic.
    let relevant_attributes: Vec<RelevantAttributeJson> = plan
        .relevant_attributes
        .iter()
        .map(|r| RelevantAttributeJson {
            resource: r.resource.to_string(),
            attribute: path_json(&r.attribute),
        })
        .collect();

    // Terraform's plan JSON leaves the prior state's check results out (they are the plan's
    // own `checks`).
    let prior_state = prior_state(plan)
        .filter(|state| !state.is_empty())
        .map(|mut state| {
            state.check_results = Json::Null;
            batchform_state::jsonstate::to_json(Some(&state), &Hints(schemas))
        })
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| RawValue::from_string(text).ok());

    let doc = PlanJson {
        format_version: FORMAT_VERSION,
        terraform_version: version,
        variables: plan
            .variables
            .iter()
            .map(|(name, value)| {
                let sensitive = value.contains_sensitive()
                    || config.and_then(|c| c.variables.get(name)).is_some_and(|v| v.sensitive);
                let value = (!sensitive).then(|| known_json(value).unwrap_or(Json::Null));
                (name.as_str(), VariableJson { value, sensitive })
            })
            .collect(),
        planned_values: planned_values(plan, &resource_changes),
        checks: batchform_state::jsonstate::checks_json(&plan.checks),
        resource_drift,
        resource_changes,
        deferred_changes: {
            let mut deferred: Vec<&Deferred> = plan.deferred.iter().collect();
            deferred.sort_by(|a, b| a.addr.cmp(&b.addr));
            deferred.into_iter().map(|d| deferred_change(d, config, schemas)).collect()
        },
        output_changes: plan
            .outputs
            .iter()
            .map(|o| (o.name.as_str(), jsonplan::output_change(o)))
            .collect(),
        prior_state,
        configuration: config.map(|c| configuration(c, schemas)),
        relevant_attributes,
        timestamp: &plan.timestamp,
        applyable: !plan.errored && plan.has_changes(),
        complete: !plan.errored && plan.deferred.is_empty() && plan.targets.is_empty(),
        errored: plan.errored,
    };
    to_vec_compact(&doc).unwrap_or_default()
}

/// `prior_state`: the refreshed state, with the output values the plan could already work
/// out written in (as Terraform's plan walk writes them): outputs whose new value is known
/// get it; unknown, unchanged and removed ones keep their old value.
fn prior_state(plan: &Plan) -> Option<batchform_state::State> {
    let mut state = plan.refreshed_state.clone();
    for output in &plan.outputs {
        if output.action == Action::Delete {
            continue;
        }
        // State keeps no null outputs.
        let Some(after) = output.after.as_ref().filter(|v| v.is_wholly_known() && !v.is_null())
        else {
            continue;
        };
        let Some(value) = known_json(after) else { continue };
        state.outputs.insert(
            output.name.clone(),
            batchform_state::OutputValue {
                value,
                value_type: after.ty().to_json(),
                sensitive: output.sensitive,
            },
        );
    }
    Some(state)
}

/// `planned_values`: every output and resource instance as it will be after apply, with
/// unknown parts left out.
fn planned_values<'a>(plan: &'a Plan, resource_changes: &[ResourceChange]) -> PlannedValues<'a> {
    let outputs = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::Delete)
        .map(|o| {
            let known = o.after.as_ref().filter(|v| v.is_wholly_known());
            let planned = PlannedOutput {
                sensitive: o.sensitive,
                // A planned null loses its type (Terraform stores planned outputs as
                // dynamic values): it is written as "dynamic".
                value_type: known
                    .map(|v| if v.is_null() { Json::from("dynamic") } else { v.ty().to_json() }),
                value: known.and_then(known_json),
            };
            (o.name.as_str(), planned)
        })
        .collect();
    let mut resources: Vec<PlannedResource> = plan
        .changes
        .iter()
        .zip(resource_changes)
        .filter(|(c, _)| c.action != Action::Delete)
        .map(|(c, rc)| PlannedResource {
            address: rc.address.clone(),
            mode: rc.mode,
            type_name: rc.type_name.clone(),
            name: rc.name.clone(),
            index: rc.index.clone(),
            provider_name: rc.provider_name.clone(),
            schema_version: c.schema_version,
            values: c.after.as_ref().and_then(known_json).filter(|j| !j.is_null()),
            sensitive_values: rc.change.after_sensitive.clone(),
        })
        .collect();
    resources.sort_by(|a, b| a.address.cmp(&b.address));
    PlannedValues { outputs, root_module: PlannedModule { resources } }
}

/// A deferred resource in Terraform's `deferred_changes` shape: nothing is known of its
/// instances yet, so `after` is wholly unknown, and a resource with `count` or `for_each`
/// gets the wildcard address `TYPE.NAME[*]`.
fn deferred_change(
    deferred: &Deferred,
    config: Option<&Config>,
    schemas: &dyn SchemaSource,
) -> DeferredChange {
    let resource = config.and_then(|c| c.resources.get(&deferred.addr));
    let repeated = match resource {
        Some(r) => r.count.is_some() || r.for_each.is_some(),
        None => deferred.kind == DeferredReason::InstanceCountUnknown,
    };
    let provider_name =
        resource.and_then(|r| schemas.provider_source(&r.provider.name)).unwrap_or_else(|| {
            let implied = batchform_config::model::ProviderConfigAddr::implied_by_type(
                &deferred.addr.type_name,
            );
            schemas
                .provider_source(&implied.name)
                .unwrap_or_else(|| format!("registry.terraform.io/hashicorp/{}", implied.name))
        });
    let address =
        if repeated { format!("{}[*]", deferred.addr) } else { deferred.addr.to_string() };
    DeferredChange {
        reason: deferred.kind.json_name(),
        resource_change: ResourceChange {
            address,
            previous_address: None,
            mode: deferred.addr.mode.as_str(),
            type_name: deferred.addr.type_name.clone(),
            name: deferred.addr.name.clone(),
            index: None,
            index_unknown: repeated,
            provider_name,
            deposed: None,
            change: Change {
                actions: Action::Create.json_actions(),
                before: Some(Json::Null),
                after: None,
                after_unknown: Json::Bool(true),
                before_sensitive: Some(Json::Bool(false)),
                after_sensitive: Some(Json::Bool(false)),
                replace_paths: None,
                importing: None,
            },
            action_reason: None,
            action: Action::Create,
            reason: None,
        },
    }
}
