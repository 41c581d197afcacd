//! Schema-typed values (what terraform_data, all dynamic, cannot show), against the expected
//! outputs of Terraform's own renderer tests (`fixtures/render/terraform-tests`).

use super::*;
use crate::render::color::Colorize;
use crate::render::plan_text::resource_text;
use batchform_config::validate::SchemaSource;
use batchform_core::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use batchform_core::{Mode, Type};
use batchform_engine::plan::{Action, InstanceChange};
use serde_json::Value as Json;

struct OneSchema(Schema);

impl SchemaSource for OneSchema {
    fn resource_schema(&self, _: Mode, type_name: &str) -> Option<&Schema> {
        (type_name == "test_instance").then_some(&self.0)
    }
    fn provider_schema(&self, _: &str) -> Option<&Schema> {
        None
    }
    fn type_names(&self, _: Mode) -> Vec<String> {
        vec!["test_instance".into()]
    }
    fn provider_source(&self, _: &str) -> Option<String> {
        Some("registry.terraform.io/hashicorp/test".into())
    }
}

fn block(json: &Json) -> Block {
    let mut out = Block::default();
    for (name, a) in json["attributes"].as_object().into_iter().flatten() {
        let ty = Type::from_json(&a["type"]).unwrap_or_else(|| panic!("type of {name}"));
        let mut attribute = Attribute::optional(ty);
        attribute.sensitive = a["sensitive"] == Json::Bool(true);
        out.attributes.insert(name.clone(), attribute);
    }
    for (name, b) in json["block_types"].as_object().into_iter().flatten() {
        let nesting = match b["nesting"].as_str() {
            Some("list") => Nesting::List,
            Some("set") => Nesting::Set,
            _ => Nesting::Single,
        };
        out.block_types.insert(
            name.clone(),
            NestedBlock { nesting, block: block(&b["block"]), min_items: 0, max_items: 0 },
        );
    }
    out
}

#[test]
fn terraform_renderer_test_cases() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/render/terraform-tests/typed.json");
    let cases: Vec<Json> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    assert!(cases.len() >= 16);
    let plain = Colorize::new(false);
    for case in cases {
        let name = case["name"].as_str().unwrap_or_default();
        let schemas = OneSchema(Schema { version: 0, block: block(&case["schema"]) });
        let action = match case["action"].as_str() {
            Some("create") => Action::Create,
            Some("update") => Action::Update,
            Some("delete") => Action::Delete,
            Some("delete-then-create") => Action::DeleteThenCreate,
            other => panic!("{name}: action {other:?}"),
        };
        let no = Json::Bool(false);
        let unknown = case.get("after_unknown").cloned().unwrap_or(Json::Bool(false));
        let change = InstanceChange {
            addr: loader::addr("test_instance.example"),
            provider: batchform_config::model::ProviderConfigAddr::default_for("test"),
            provider_state_addr: "provider[\"registry.terraform.io/hashicorp/test\"]".into(),
            action,
            reason: None,
            before: (action != Action::Create).then(|| loader::value(&case["before"], &no, &no)),
            after: (action != Action::Delete).then(|| loader::value(&case["after"], &unknown, &no)),
            replace_paths: case["replace_paths"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    batchform_core::AttrPath(
                        p.as_array()
                            .into_iter()
                            .flatten()
                            .map(|s| match s {
                                Json::Number(n) => {
                                    batchform_core::PathStep::Index(n.as_i64().unwrap_or(0))
                                }
                                other => batchform_core::PathStep::Attr(
                                    other.as_str().unwrap_or_default().into(),
                                ),
                            })
                            .collect(),
                    )
                })
                .collect(),
            private: Vec::new(),
            schema_version: 0,
            create_before_destroy: false,
            dependencies: Vec::new(),
            importing: None,
            previous_address: None,
            deposed: None,
        };
        let text = resource_text(&change, &schemas, &plain).expect("rendered");
        assert_text(case["expected"].as_str().unwrap_or_default(), &text, name);
    }
}
