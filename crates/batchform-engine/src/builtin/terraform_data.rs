//! `terraform_data`: a resource that holds a value through the managed-resource life cycle.
//! `input` is stored and copied to `output` at apply; a change of `input` updates in place,
//! a change of `triggers_replace` replaces the instance. Each function here is the pure core
//! of the matching function of Terraform's `resource_data.go`.

use batchform_core::diagnostic::{Diagnostic, Diagnostics};
use batchform_core::path::AttrPath;
use batchform_core::schema::{Attribute, Block, Schema};
use batchform_core::types::Type;
use batchform_core::value::{Refinement, Value};
use std::collections::BTreeMap;

/// The resource type name.
pub const TERRAFORM_DATA: &str = "terraform_data";

const ID: &str = "id";
const INPUT: &str = "input";
const OUTPUT: &str = "output";
const TRIGGERS_REPLACE: &str = "triggers_replace";

/// The resource schema (version 0): `input` and `triggers_replace` optional and dynamically
/// typed, `output` computed and dynamic, `id` a computed string.
pub fn terraform_data_schema() -> Schema {
    let attributes = BTreeMap::from([
        (ID.to_string(), Attribute::computed(Type::String)),
        (INPUT.to_string(), Attribute::optional(Type::Dynamic)),
        (OUTPUT.to_string(), Attribute::computed(Type::Dynamic)),
        (TRIGGERS_REPLACE.to_string(), Attribute::optional(Type::Dynamic)),
    ]);
    Schema { version: 0, block: Block { attributes, ..Block::default() } }
}

/// Terraform core does not reject computed-only attributes in configuration, so the provider
/// does; the messages are Terraform's (a summary only, with no source range).
pub(super) fn validate(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if config.is_null() {
        return diagnostics;
    }
    for name in [ID, OUTPUT] {
        if config.get_attr(name).is_some_and(|v| !v.is_null()) {
            diagnostics.push(Diagnostic::error(format!("\"{name}\" attribute is read-only"), ""));
        }
    }
    diagnostics
}

/// Refresh: the object is whatever state says (`None` when state holds a null object).
pub(super) fn read(prior_state: Value) -> Option<Value> {
    if prior_state.is_null() { None } else { Some(prior_state) }
}

/// The planned new state and the attributes whose change forces replacement. A null
/// proposed state (destroy) plans a null (`None`).
///
/// - create: `id` unknown; `output` unknown of `input`'s type, or `input`'s (typed) null;
/// - `triggers_replace` differs from the prior (type included, as cty's `RawEquals`): the
///   same as create, and `triggers_replace` requires replacement;
/// - only `input` differs: `output` unknown of the new `input`'s type (even when that input
///   is null), so the update copies it at apply;
/// - otherwise the proposed state (prior `id` and `output`) unchanged.
pub(super) fn plan(prior: Option<&Value>, proposed: &Value) -> (Option<Value>, Vec<AttrPath>) {
    let (proposed, _) = proposed.clone().unmark_deep();
    if proposed.is_null() {
        return (None, Vec::new());
    }
    let mut planned = object_attrs(proposed);
    let input = attr(&planned, INPUT);
    let trigger = attr(&planned, TRIGGERS_REPLACE);
    let prior = prior.filter(|p| !p.is_null()).map(|p| object_attrs(p.clone().unmark_deep().0));
    let mut requires_replace = Vec::new();
    match prior {
        None => plan_new_object(&mut planned, input),
        Some(prior) if attr(&prior, TRIGGERS_REPLACE) != trigger => {
            requires_replace.push(AttrPath::attr(TRIGGERS_REPLACE));
            plan_new_object(&mut planned, input);
        }
        Some(prior) if attr(&prior, INPUT) != input => {
            planned.insert(OUTPUT.to_string(), Value::unknown(input.ty()));
        }
        Some(_) => {}
    }
    (Some(Value::Object(planned)), requires_replace)
}

/// A new object's computed attributes: `id` unknown but known not to be null (so
/// `terraform_data.x.id != null` is known during plan, as in Terraform); `output` takes
/// `input`'s type, even when `input` is null (then `output` is that same typed null).
fn plan_new_object(planned: &mut BTreeMap<String, Value>, input: Value) {
    planned.insert(ID.to_string(), Value::refined_unknown(Type::String, Refinement::NOT_NULL));
    let output = if input.is_null() { input } else { Value::unknown(input.ty()) };
    planned.insert(OUTPUT.to_string(), output);
}

/// Apply a planned state: `output` (when unknown) becomes `input`, `id` (when unknown) a new
/// random id from `new_id`. A null planned state (destroy) gives `None`.
pub(super) fn apply(
    planned: Option<Value>,
    new_id: impl FnOnce() -> Result<String, Diagnostic>,
) -> Result<Option<Value>, Diagnostic> {
    let Some(planned) = planned.map(|p| p.unmark_deep().0).filter(|p| !p.is_null()) else {
        return Ok(None);
    };
    let mut new_state = object_attrs(planned);
    if !attr(&new_state, OUTPUT).is_known() {
        let input = attr(&new_state, INPUT);
        new_state.insert(OUTPUT.to_string(), input);
    }
    if !attr(&new_state, ID).is_known() {
        new_state.insert(ID.to_string(), Value::String(new_id()?));
    }
    Ok(Some(Value::Object(new_state)))
}

/// Import by id: the object has that id and null everything else. (`terraform_data` cannot
/// recover its input from an id; the next plan updates `input` from the configuration.)
pub(super) fn import(id: &str) -> Value {
    Value::object([
        (ID, Value::string(id)),
        (INPUT, Value::NULL),
        (OUTPUT, Value::NULL),
        (TRIGGERS_REPLACE, Value::NULL),
    ])
}

/// An id as hashicorp/go-uuid's `GenerateUUID` makes it: 16 random bytes in the UUID layout
/// `8-4-4-4-12`, lower-case hex, with no version or variant bits set.
pub(super) fn random_id() -> Result<String, Diagnostic> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        Diagnostic::error("Error generating id", e.to_string()).with_attribute(AttrPath::attr(ID))
    })?;
    Ok(format_go_uuid(bytes))
}

pub(super) fn format_go_uuid(bytes: [u8; 16]) -> String {
    uuid::Uuid::from_bytes(bytes).hyphenated().to_string()
}

/// The attributes of an object of this schema: exactly the four, missing ones null.
fn object_attrs(value: Value) -> BTreeMap<String, Value> {
    let mut attrs = match value {
        Value::Object(attrs) | Value::Map(_, attrs) => attrs,
        _ => BTreeMap::new(),
    };
    attrs.retain(|name, _| [ID, INPUT, OUTPUT, TRIGGERS_REPLACE].contains(&name.as_str()));
    attrs.entry(ID.to_string()).or_insert(Value::Null(Type::String));
    for name in [INPUT, OUTPUT, TRIGGERS_REPLACE] {
        attrs.entry(name.to_string()).or_insert(Value::NULL);
    }
    attrs
}

fn attr(attrs: &BTreeMap<String, Value>, name: &str) -> Value {
    attrs.get(name).cloned().unwrap_or(Value::NULL)
}
