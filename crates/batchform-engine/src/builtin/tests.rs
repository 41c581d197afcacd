//! Unit tests of the provider's rules, one behaviour of Terraform's `resource_data.go` each.
//! The replay of real Terraform plans and states is in `parity_tests.rs`.

use super::terraform_data::{self, format_go_uuid};
use super::*;
use batchform_core::diagnostic::Diagnostic;
use batchform_core::path::AttrPath;
use batchform_core::schema::Attribute;
use batchform_core::types::Type;

fn obj(id: Value, input: Value, output: Value, triggers: Value) -> Value {
    Value::object([
        ("id", id),
        ("input", input),
        ("output", output),
        ("triggers_replace", triggers),
    ])
}

fn tuple_ab() -> Value {
    Value::Tuple(vec![Value::string("a"), Value::string("b")])
}

fn list_ab() -> Value {
    Value::List(Type::String, vec![Value::string("a"), Value::string("b")])
}

/// A planned id: unknown, but not null (`id != null` is known during plan in Terraform).
fn unknown_id() -> Value {
    Value::refined_unknown(Type::String, batchform_core::Refinement::NOT_NULL)
}

fn no_id() -> Result<String, Diagnostic> {
    Err(Diagnostic::error("unexpected", "an id was generated for an object that has one"))
}

#[test]
fn schema_is_terraforms() {
    let schema = TerraformProvider::new().schema();
    assert_eq!(schema.resources.keys().collect::<Vec<_>>(), ["terraform_data"]);
    assert!(schema.data_sources.is_empty());
    assert!(schema.provider.block.attributes.is_empty());
    let data = &schema.resources["terraform_data"];
    assert_eq!(data.version, 0);
    let attrs = &data.block.attributes;
    assert_eq!(attrs["id"], Attribute::computed(Type::String));
    assert_eq!(attrs["input"], Attribute::optional(Type::Dynamic));
    assert_eq!(attrs["output"], Attribute::computed(Type::Dynamic));
    assert_eq!(attrs["triggers_replace"], Attribute::optional(Type::Dynamic));
    assert_eq!(attrs.len(), 4);
    assert!(data.block.block_types.is_empty());
}

#[test]
fn computed_attributes_are_read_only_in_configuration() {
    let provider = TerraformProvider::new();
    let config = obj(Value::string("z"), Value::string("x"), Value::string("y"), Value::NULL);
    let diags = provider.validate_resource_config("terraform_data", &config);
    let summaries: Vec<_> = diags.iter().map(|d| d.summary.as_str()).collect();
    // `terraform validate -json`: these summaries, empty details, no source range.
    assert_eq!(summaries, ["\"id\" attribute is read-only", "\"output\" attribute is read-only"]);
    assert!(diags.iter().all(|d| d.is_error() && d.detail.is_empty() && d.subject.is_none()));

    // Unknown values are set values too; null ones are not.
    let config = obj(Value::NULL, Value::string("x"), Value::DYNAMIC_UNKNOWN, Value::NULL);
    assert_eq!(provider.validate_resource_config("terraform_data", &config).len(), 1);
    let config = obj(Value::NULL, Value::DYNAMIC_UNKNOWN, Value::NULL, Value::DYNAMIC_UNKNOWN);
    assert!(provider.validate_resource_config("terraform_data", &config).is_empty());
    assert!(provider.validate_resource_config("terraform_data", &Value::NULL).is_empty());
    assert!(provider.validate_resource_config("terraform_nope", &config).has_errors());
}

#[test]
fn create_plans_unknown_id_and_output_of_the_inputs_type() {
    let proposed = obj(Value::Null(Type::String), tuple_ab(), Value::NULL, Value::NULL);
    let (planned, replace) = terraform_data::plan(None, &proposed);
    let expected = obj(unknown_id(), tuple_ab(), Value::unknown(tuple_ab().ty()), Value::NULL);
    assert_eq!(planned, Some(expected));
    assert!(replace.is_empty());

    // An unknown input (a reference known only after apply) keeps its type.
    let proposed = obj(Value::NULL, Value::unknown(Type::Number), Value::NULL, Value::NULL);
    let (planned, _) = terraform_data::plan(None, &proposed);
    assert_eq!(planned.unwrap().get_attr("output"), Some(&Value::unknown(Type::Number)));

    // A prior state that is a null object is a create too.
    let (planned, _) = terraform_data::plan(Some(&Value::NULL), &proposed);
    assert_eq!(planned.unwrap().get_attr("id"), Some(&unknown_id()));
}

#[test]
fn create_with_null_input_plans_the_same_typed_null_output() {
    for input in [Value::NULL, Value::Null(Type::String), Value::Null(Type::list(Type::Number))] {
        let proposed = obj(Value::NULL, input.clone(), Value::NULL, Value::NULL);
        let (planned, _) = terraform_data::plan(None, &proposed);
        assert_eq!(planned.unwrap().get_attr("output"), Some(&input));
    }
}

#[test]
fn input_change_updates_in_place_with_output_unknown() {
    let id = Value::string("i");
    let prior = obj(id.clone(), Value::string("a"), Value::string("a"), Value::NULL);
    let proposed = obj(id.clone(), Value::string("b"), Value::string("a"), Value::NULL);
    let (planned, replace) = terraform_data::plan(Some(&prior), &proposed);
    assert_eq!(
        planned,
        Some(obj(id.clone(), Value::string("b"), Value::unknown(Type::String), Value::NULL))
    );
    assert!(replace.is_empty());

    // Only the type changes (tuple to list of the same strings): still a change.
    let prior = obj(id.clone(), tuple_ab(), tuple_ab(), Value::NULL);
    let proposed = obj(id.clone(), list_ab(), tuple_ab(), Value::NULL);
    let (planned, replace) = terraform_data::plan(Some(&prior), &proposed);
    assert_eq!(planned.unwrap().get_attr("output"), Some(&Value::unknown(list_ab().ty())));
    assert!(replace.is_empty());

    // Input removed: output becomes an unknown of the null input's type (dynamic), which
    // apply then sets to that null.
    let prior = obj(id.clone(), Value::string("a"), Value::string("a"), Value::NULL);
    let proposed = obj(id.clone(), Value::NULL, Value::string("a"), Value::NULL);
    let (planned, _) = terraform_data::plan(Some(&prior), &proposed);
    assert_eq!(planned.clone().unwrap().get_attr("output"), Some(&Value::DYNAMIC_UNKNOWN));
    let applied = terraform_data::apply(planned, no_id).unwrap().unwrap();
    assert_eq!(applied, obj(id, Value::NULL, Value::NULL, Value::NULL));
}

#[test]
fn typed_and_untyped_nulls_differ() {
    let id = Value::string("i");
    let prior = obj(id.clone(), Value::Null(Type::String), Value::Null(Type::String), Value::NULL);
    let proposed = obj(id.clone(), Value::NULL, Value::Null(Type::String), Value::NULL);
    let (planned, _) = terraform_data::plan(Some(&prior), &proposed);
    assert_eq!(planned.unwrap().get_attr("output"), Some(&Value::DYNAMIC_UNKNOWN));
}

#[test]
fn triggers_replace_change_requires_replacement() {
    let id = Value::string("i");
    let prior = obj(id.clone(), Value::string("x"), Value::string("x"), tuple_ab());
    // Same strings, but a list now: cty's RawEquals compares types.
    let proposed = obj(id.clone(), Value::string("x"), Value::string("x"), list_ab());
    let (planned, replace) = terraform_data::plan(Some(&prior), &proposed);
    assert_eq!(replace, vec![AttrPath::attr("triggers_replace")]);
    assert_eq!(
        planned,
        Some(obj(unknown_id(), Value::string("x"), Value::unknown(Type::String), list_ab()))
    );

    // From a value to null; a null input gives a null output.
    let prior = obj(id.clone(), Value::NULL, Value::NULL, Value::string("t"));
    let proposed = obj(id, Value::NULL, Value::NULL, Value::NULL);
    let (planned, replace) = terraform_data::plan(Some(&prior), &proposed);
    assert_eq!(replace.len(), 1);
    assert_eq!(planned, Some(obj(unknown_id(), Value::NULL, Value::NULL, Value::NULL)));
}

#[test]
fn unchanged_configuration_plans_the_proposed_state() {
    let prior = obj(Value::string("i"), list_ab(), list_ab(), Value::number(1));
    let (planned, replace) = terraform_data::plan(Some(&prior), &prior);
    assert_eq!(planned, Some(prior));
    assert!(replace.is_empty());
}

#[test]
fn sensitive_marks_are_ignored_and_not_returned() {
    let secret = Value::string("s").mark_sensitive();
    let prior = obj(Value::string("i"), Value::string("s"), Value::string("s"), Value::NULL);
    let proposed = obj(Value::string("i"), secret.clone(), Value::string("s"), Value::NULL);
    let (planned, _) = terraform_data::plan(Some(&prior), &proposed);
    assert_eq!(planned, Some(prior));

    let proposed = obj(Value::NULL, secret, Value::NULL, Value::NULL);
    let (planned, _) = terraform_data::plan(None, &proposed);
    let applied = terraform_data::apply(planned, || Ok("new".into())).unwrap().unwrap();
    assert!(!applied.contains_sensitive());
    assert_eq!(applied.get_attr("output"), Some(&Value::string("s")));
}

#[test]
fn destroy_plans_and_applies_to_nothing() {
    let prior = obj(Value::string("i"), Value::NULL, Value::NULL, Value::NULL);
    let proposed = Value::Null(prior.ty());
    assert_eq!(terraform_data::plan(Some(&prior), &proposed), (None, Vec::new()));
    assert_eq!(terraform_data::apply(None, no_id), Ok(None));
    assert_eq!(terraform_data::apply(Some(proposed), no_id), Ok(None));
}

#[test]
fn apply_copies_input_to_output_and_makes_an_id() {
    let planned = obj(unknown_id(), tuple_ab(), Value::unknown(tuple_ab().ty()), Value::NULL);
    let applied = terraform_data::apply(Some(planned), || Ok("fresh".into())).unwrap();
    assert_eq!(applied, Some(obj(Value::string("fresh"), tuple_ab(), tuple_ab(), Value::NULL)));

    // Update: the id is known and kept; no id is generated.
    let planned =
        obj(Value::string("i"), Value::string("b"), Value::unknown(Type::String), Value::NULL);
    let applied = terraform_data::apply(Some(planned), no_id).unwrap();
    assert_eq!(
        applied,
        Some(obj(Value::string("i"), Value::string("b"), Value::string("b"), Value::NULL))
    );

    // A failure to make an id is an error on `id`.
    let planned = obj(unknown_id(), Value::NULL, Value::NULL, Value::NULL);
    let failed = || Err(Diagnostic::error("Error generating id", "no entropy"));
    assert_eq!(
        terraform_data::apply(Some(planned), failed).unwrap_err().summary,
        "Error generating id"
    );
}

#[test]
fn ids_are_go_uuid_strings() {
    // hashicorp/go-uuid formats the 16 bytes as %x-%x-%x-%x-%x of 4, 2, 2, 2 and 6 bytes.
    let bytes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255];
    assert_eq!(format_go_uuid(bytes), "00010203-0405-0607-0809-0a0b0c0d0eff");
    let a = terraform_data::random_id().unwrap();
    let b = terraform_data::random_id().unwrap();
    assert_ne!(a, b);
    for id in [a, b] {
        let groups: Vec<_> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
        assert!(id.chars().all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)));
    }
}

#[test]
fn import_holds_only_the_id_and_read_returns_the_prior_state() {
    let imported = terraform_data::import("existing");
    assert_eq!(imported, obj(Value::string("existing"), Value::NULL, Value::NULL, Value::NULL));
    assert_eq!(terraform_data::read(imported.clone()), Some(imported));
    assert_eq!(terraform_data::read(Value::NULL), None);
}

#[tokio::test]
async fn the_provider_trait_runs_the_life_cycle() {
    let provider = TerraformProvider::new();
    let configured = provider
        .configure(ConfigureRequest { config: Value::empty_object(), working_dir: ".".into() })
        .await;
    assert!(configured.is_empty());

    let config = obj(Value::NULL, Value::string("x"), Value::NULL, Value::NULL);
    let planned = provider
        .plan_resource_change(PlanResourceChangeRequest {
            type_name: "terraform_data".into(),
            address: "terraform_data.a".into(),
            prior_state: None,
            proposed_new_state: config.clone(),
            config: config.clone(),
            prior_private: Vec::new(),
        })
        .await;
    assert!(planned.diagnostics.is_empty());
    let applied = provider
        .apply_resource_change(ApplyResourceChangeRequest {
            type_name: "terraform_data".into(),
            address: "terraform_data.a".into(),
            prior_state: None,
            planned_state: planned.planned_state,
            config,
            planned_private: planned.planned_private,
            create_token: None,
        })
        .await;
    assert!(applied.diagnostics.is_empty());
    let state = applied.new_state.unwrap();
    assert_eq!(state.get_attr("output"), Some(&Value::string("x")));
    assert_eq!(state.get_attr("id").and_then(Value::as_str).map(str::len), Some(36));

    let read = provider
        .read_resource(ReadResourceRequest {
            type_name: "terraform_data".into(),
            address: "terraform_data.a".into(),
            prior_state: state.clone(),
            private: Vec::new(),
        })
        .await;
    assert_eq!(read.new_state, Some(state));

    let imported = provider
        .import_resource_state(ImportResourceStateRequest {
            type_name: "terraform_data".into(),
            id: "abc".into(),
        })
        .await;
    assert_eq!(imported.state.unwrap().get_attr("id"), Some(&Value::string("abc")));
}

#[tokio::test]
async fn other_type_names_are_errors_not_panics() {
    let provider = TerraformProvider::new();
    let imported = provider
        .import_resource_state(ImportResourceStateRequest {
            type_name: "terraform_other".into(),
            id: "abc".into(),
        })
        .await;
    assert!(imported.state.is_none() && imported.diagnostics.has_errors());
    let read = provider
        .read_data_source(ReadDataSourceRequest {
            type_name: "terraform_remote_state".into(),
            address: "data.terraform_remote_state.x".into(),
            config: Value::NULL,
        })
        .await;
    assert!(read.diagnostics.has_errors());
}
