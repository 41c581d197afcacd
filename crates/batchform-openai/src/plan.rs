//! Shared planning helpers: comparing attribute values the way a user means them (marks,
//! null types and map-versus-object spelling do not count; an unknown value may change
//! anything), and marking computed attributes "known after apply".

use crate::schema;
use batchform_core::schema::Schema;
use batchform_core::{AttrPath, ProviderSchema, Type, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn schemas() -> &'static ProviderSchema {
    static SCHEMAS: OnceLock<ProviderSchema> = OnceLock::new();
    SCHEMAS.get_or_init(schema::provider_schema)
}

pub fn resource_schema(type_name: &str) -> &'static Schema {
    static EMPTY: OnceLock<Schema> = OnceLock::new();
    schemas().resources.get(type_name).unwrap_or_else(|| EMPTY.get_or_init(Schema::default))
}

pub fn data_source_schema(type_name: &str) -> &'static Schema {
    static EMPTY: OnceLock<Schema> = OnceLock::new();
    schemas().data_sources.get(type_name).unwrap_or_else(|| EMPTY.get_or_init(Schema::default))
}

/// An object with exactly the schema's attributes: `fields` where given, typed nulls
/// elsewhere.
pub fn conform(schema: &Schema, mut fields: BTreeMap<String, Value>) -> Value {
    Value::Object(
        schema
            .block
            .attributes
            .iter()
            .map(|(name, attr)| {
                let v = fields.remove(name).unwrap_or_else(|| Value::Null(attr.ty.clone()));
                (name.clone(), v)
            })
            .collect(),
    )
}

/// The type of a resource attribute.
pub fn attr_type(type_name: &str, name: &str) -> Type {
    resource_schema(type_name).block.attributes.get(name).map_or(Type::Dynamic, |a| a.ty.clone())
}

/// Whether two attribute values are the same for a user. Unknown values are never the same.
pub fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    let a = a.cloned().unwrap_or(Value::NULL);
    let b = b.cloned().unwrap_or(Value::NULL);
    if !a.is_wholly_known() || !b.is_wholly_known() {
        return false;
    }
    match (batchform_core::json::to_json(&a), batchform_core::json::to_json(&b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// The attributes among `names` whose values differ between `prior` and `planned`.
pub fn changed(prior: &Value, planned: &Value, names: &[&str]) -> Vec<AttrPath> {
    names
        .iter()
        .filter(|name| !same(prior.get_attr(name), planned.get_attr(name)))
        .map(|name| AttrPath::attr(*name))
        .collect()
}

/// Set `names` of a resource's object value to unknown ("known after apply").
pub fn mark_unknown(type_name: &str, value: &mut Value, names: &[&str]) {
    for name in names {
        set(value, name, Value::unknown(attr_type(type_name, name)));
    }
}

/// Set one top-level attribute of an object value (looking through a sensitive mark).
pub fn set(value: &mut Value, name: &str, new: Value) {
    match value {
        Value::Object(map) => {
            map.insert(name.to_string(), new);
        }
        Value::Sensitive(inner) => set(inner, name, new),
        _ => {}
    }
}

/// An empty map and a null are the same metadata.
pub fn empty_or_null(value: Option<&Value>) -> bool {
    match value {
        None => true,
        Some(v) => v.is_null() || v.entries().is_some_and(|m| m.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sameness_ignores_marks_and_spelling() {
        let map = Value::map(Type::String, BTreeMap::from([("a".into(), Value::string("b"))]));
        let obj = Value::object([("a", Value::string("b").mark_sensitive())]);
        assert!(same(Some(&map), Some(&obj)));
        assert!(same(Some(&Value::Null(Type::String)), None));
        assert!(!same(Some(&Value::unknown(Type::String)), Some(&Value::unknown(Type::String))));
        assert!(!same(Some(&Value::string("x")), Some(&Value::string("y"))));
    }
}
