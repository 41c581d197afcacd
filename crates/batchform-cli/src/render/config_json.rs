//! The `configuration` section of plan JSON (Terraform's `jsonconfig`): providers,
//! resources with their argument expressions, outputs and variables. An expression is shown
//! as its constant value when it has one (no references, no function calls) and as the
//! references it makes otherwise.

use batchform_config::ast::{Body, Expr, ExprKind, StepKind, TemplatePart};
use batchform_config::model::{Config, ProviderConfigAddr, Resource};
use batchform_config::refs::{Subject, references};
use batchform_config::validate::SchemaSource;
use batchform_core::Number;
use batchform_core::json::to_json;
use batchform_core::schema::Block;
use batchform_state::json::Sorted;
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// The `configuration` object, fields in Terraform's order.
#[derive(Debug, Serialize)]
pub struct Configuration {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    provider_config: BTreeMap<String, ProviderJson>,
    root_module: ModuleJson,
}

#[derive(Debug, Serialize)]
struct ProviderJson {
    name: String,
    full_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    alias: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_constraint: Option<String>,
    #[serde(skip_serializing_if = "Map::is_empty", serialize_with = "sorted_map")]
    expressions: Map<String, Json>,
}

#[derive(Debug, Serialize)]
struct ModuleJson {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    outputs: BTreeMap<String, OutputJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<ResourceJson>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    variables: BTreeMap<String, VariableJson>,
}

#[derive(Debug, Serialize)]
struct OutputJson {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    sensitive: bool,
    #[serde(serialize_with = "sorted")]
    expression: Json,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
}

#[derive(Debug, Serialize)]
struct VariableJson {
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "sorted_opt")]
    default: Option<Json>,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    sensitive: bool,
}

#[derive(Debug, Serialize)]
struct ResourceJson {
    address: String,
    mode: &'static str,
    #[serde(rename = "type")]
    type_name: String,
    name: String,
    provider_config_key: String,
    #[serde(skip_serializing_if = "Map::is_empty", serialize_with = "sorted_map")]
    expressions: Map<String, Json>,
    schema_version: u64,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "sorted_opt")]
    count_expression: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "sorted_opt")]
    for_each_expression: Option<Json>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
}

fn sorted<S: serde::Serializer>(value: &Json, s: S) -> Result<S::Ok, S::Error> {
    Sorted(value).serialize(s)
}

fn sorted_opt<S: serde::Serializer>(value: &Option<Json>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => Sorted(v).serialize(s),
        None => s.serialize_none(),
    }
}

fn sorted_map<S: serde::Serializer>(value: &Map<String, Json>, s: S) -> Result<S::Ok, S::Error> {
    Sorted(&Json::Object(value.clone())).serialize(s)
}

/// Build the `configuration` section.
pub fn configuration(config: &Config, schemas: &dyn SchemaSource) -> Configuration {
    let mut provider_config = BTreeMap::new();
    for (addr, block) in &config.providers {
        let schema = schemas.provider_schema(&addr.name).map(|s| &s.block);
        provider_config.insert(
            addr.to_string(),
            provider_json(config, schemas, addr, Some((&block.body, schema))),
        );
    }
    for resource in config.resources.values() {
        provider_config
            .entry(resource.provider.to_string())
            .or_insert_with(|| provider_json(config, schemas, &resource.provider, None));
    }
    let outputs = config
        .outputs
        .iter()
        .map(|(name, output)| {
            let json = OutputJson {
                sensitive: output.sensitive,
                expression: output.value.as_ref().map_or(Json::Object(Map::new()), expression),
                depends_on: traversals(&output.depends_on),
                description: output.description.clone().unwrap_or_default(),
            };
            (name.clone(), json)
        })
        .collect();
    let variables = config
        .variables
        .iter()
        .map(|(name, v)| {
            // Terraform converts a default to the type constraint when it loads the
            // configuration (a set default comes out sorted, without duplicates).
            let default = v.default.as_ref().and_then(|d| {
                let value = batchform_config::eval::eval_constant(d).ok()?;
                let value =
                    batchform_config::convert::convert_to_constraint(&value, &v.type_constraint)
                        .unwrap_or(value);
                to_json(&value).ok()
            });
            let json = VariableJson {
                default,
                description: v.description.clone().unwrap_or_default(),
                sensitive: v.sensitive,
            };
            (name.clone(), json)
        })
        .collect();
    Configuration {
        provider_config,
        root_module: ModuleJson {
            outputs,
            resources: config.resources.values().map(|r| resource_json(r, schemas)).collect(),
            variables,
        },
    }
}

fn provider_json(
    config: &Config,
    schemas: &dyn SchemaSource,
    addr: &ProviderConfigAddr,
    block: Option<(&Body, Option<&Block>)>,
) -> ProviderJson {
    ProviderJson {
        name: addr.name.clone(),
        full_name: schemas
            .provider_source(&addr.name)
            .unwrap_or_else(|| format!("registry.terraform.io/hashicorp/{}", addr.name)),
        alias: addr.alias.clone(),
        version_constraint: config
            .terraform
            .required_providers
            .get(&addr.name)
            .and_then(|p| p.version.clone()),
        expressions: block.map(|(body, schema)| expressions(body, schema)).unwrap_or_default(),
    }
}

fn resource_json(resource: &Resource, schemas: &dyn SchemaSource) -> ResourceJson {
    let schema = schemas.resource_schema(resource.addr.mode, &resource.addr.type_name);
    let non_empty = |e: Json| (e.as_object().is_some_and(|o| !o.is_empty())).then_some(e);
    ResourceJson {
        address: resource.addr.to_string(),
        mode: resource.addr.mode.as_str(),
        type_name: resource.addr.type_name.clone(),
        name: resource.addr.name.clone(),
        provider_config_key: resource.provider.to_string(),
        expressions: expressions(&resource.body, schema.map(|s| &s.block)),
        schema_version: schema.map_or(0, |s| s.version),
        count_expression: resource.count.as_ref().map(expression).and_then(non_empty),
        for_each_expression: if resource.count.is_some() {
            None
        } else {
            resource.for_each.as_ref().map(expression).and_then(non_empty)
        },
        depends_on: traversals(&resource.depends_on),
    }
}

/// The expressions of a body: the schema's attributes that are set, and its nested blocks
/// as arrays of bodies. Without a schema, every attribute that is set.
fn expressions(body: &Body, schema: Option<&Block>) -> Map<String, Json> {
    let mut out = Map::new();
    for attribute in &body.attributes {
        if schema.is_none_or(|s| s.attributes.contains_key(&attribute.name)) {
            out.insert(attribute.name.clone(), expression(&attribute.expr));
        }
    }
    if let Some(schema) = schema {
        for (name, nested) in &schema.block_types {
            let blocks: Vec<Json> = body
                .blocks_of(name)
                .map(|b| Json::Object(expressions(&b.body, Some(&nested.block))))
                .collect();
            if !blocks.is_empty() {
                out.insert(name.clone(), Json::Array(blocks));
            }
        }
    }
    out
}

/// `{"constant_value": ...}` and/or `{"references": [...]}`.
pub fn expression(expr: &Expr) -> Json {
    let mut out = Map::new();
    if let Ok(value) = batchform_config::eval::eval_constant(expr) {
        if let Ok(json) = to_json(&value) {
            out.insert("constant_value".into(), json);
        }
    }
    let mut refs: Vec<String> = Vec::new();
    for reference in references(expr) {
        let mut remaining = Vec::new();
        let mut instance_key = None;
        for (i, step) in reference.remaining.iter().enumerate() {
            match &step.kind {
                StepKind::GetAttr(name) => remaining.push(format!(".{name}")),
                StepKind::LegacyIndex(n) => remaining.push(format!("[{n}]")),
                StepKind::Index(key) => match literal_key(key) {
                    Some(text) => {
                        if i == 0 && matches!(reference.subject, Subject::Resource(_)) {
                            instance_key = Some(text);
                        } else {
                            remaining.push(text);
                        }
                    }
                    None => break,
                },
                StepKind::FullSplat | StepKind::AttrSplat => break,
            }
        }
        let subject = subject_text(&reference.subject);
        let instance = instance_key.as_ref().map(|key| format!("{subject}{key}"));
        let base = instance.clone().unwrap_or_else(|| subject.clone());
        for n in (1..=remaining.len()).rev() {
            refs.push(format!("{base}{}", remaining[..n].concat()));
        }
        refs.push(base);
        if instance.is_some() {
            refs.push(subject);
        }
    }
    if !refs.is_empty() {
        out.insert("references".into(), refs.into_iter().map(Json::String).collect());
    }
    Json::Object(out)
}

/// A literal index key as Terraform's `traversalStr` writes it (`[0]`, `["a"]`).
fn literal_key(key: &Expr) -> Option<String> {
    match &key.kind {
        ExprKind::Number(n) => Some(format!("[{}]", number_text(n))),
        ExprKind::String(s) => Some(format!("[{}]", crate::commands::state::text::go_quote(s))),
        ExprKind::Template(parts) => match parts.as_slice() {
            [TemplatePart::Literal(s)] => {
                Some(format!("[{}]", crate::commands::state::text::go_quote(s)))
            }
            [] => Some("[\"\"]".into()),
            _ => None,
        },
        _ => None,
    }
}

fn number_text(n: &Number) -> String {
    batchform_core::json::json_number(n).map(|n| n.to_string()).unwrap_or_default()
}

fn subject_text(subject: &Subject) -> String {
    match subject {
        Subject::Var(n) => format!("var.{n}"),
        Subject::Local(n) => format!("local.{n}"),
        Subject::Resource(addr) => addr.to_string(),
        Subject::CountIndex => "count.index".into(),
        Subject::EachKey => "each.key".into(),
        Subject::EachValue => "each.value".into(),
        Subject::Path(p) => format!("path.{p}"),
        Subject::Terraform(a) => format!("terraform.{a}"),
        Subject::SelfObject => "self".into(),
    }
}

/// `depends_on` entries as written (whole resources or instances).
fn traversals(exprs: &[Expr]) -> Vec<String> {
    exprs.iter().flat_map(|e| references(e).into_iter().map(|r| subject_text(&r.subject))).collect()
}
