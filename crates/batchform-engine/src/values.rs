//! Objects between their two forms: state JSON (what the state file stores, with
//! `sensitive_attributes` paths) and core values (what the evaluator and providers use, with
//! sensitive marks); and the store of instance values that expressions see while planning and
//! applying.

use batchform_config::scope::ResourceValues;
use batchform_core::schema::Schema;
use batchform_core::{InstanceKey, PathStep, ResourceAddr, Type, Value};
use batchform_state::ObjectState;

/// The state crate's path types.
mod model {
    pub use batchform_state::{AttrPath, PathStep};
}
use std::collections::{BTreeMap, HashMap};

/// Why a stored object could not be read back.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the stored object does not match the resource's schema: {0}")]
pub struct ObjectDecodeError(pub String);

/// A state object as a value of the schema's type, with its sensitive paths marked.
pub fn object_from_state(
    object: &ObjectState,
    schema: &Schema,
) -> Result<Value, ObjectDecodeError> {
    let ty = schema.block.implied_type();
    let mut value = batchform_core::json::from_json_typed(&object.attributes, &ty)
        .map_err(|e| ObjectDecodeError(e.to_string()))?;
    for path in &object.sensitive_attributes {
        value = mark_at(value, &path.0);
    }
    Ok(value)
}

/// Terraform's `v.MarkWithPaths(from.UnmarkDeepWithPaths())`: the sensitive marks of `from`
/// put on `value` at the same paths (where `value` has them). Providers return unmarked
/// values; this is how a planned or applied object keeps the marks of its configuration.
pub fn copy_marks(value: Value, from: &Value) -> Value {
    let mut paths = Vec::new();
    collect_sensitive(from, &mut Vec::new(), &mut paths);
    paths.iter().fold(value, |v, p| mark_at(v, &p.0))
}

fn mark_at(value: Value, path: &[model::PathStep]) -> Value {
    let Some((step, rest)) = path.split_first() else { return value.mark_sensitive() };
    let (bare, marked) = value.unmark();
    let result = match (bare, step) {
        (Value::Object(mut attrs), model::PathStep::GetAttr(name)) => {
            if let Some(v) = attrs.remove(name) {
                attrs.insert(name.clone(), mark_at(v, rest));
            }
            Value::Object(attrs)
        }
        (Value::Map(t, mut items), model::PathStep::Index(_)) => {
            if let Some(serde_json::Value::String(k)) = step.index_key() {
                if let Some(v) = items.remove(k.as_str()) {
                    items.insert(k.clone(), mark_at(v, rest));
                }
            }
            Value::Map(t, items)
        }
        (Value::List(t, mut items), model::PathStep::Index(_)) => {
            if let Some(i) = step.index_key().and_then(serde_json::Value::as_u64) {
                if let Some(slot) = items.get_mut(i as usize) {
                    let v = std::mem::replace(slot, Value::NULL);
                    *slot = mark_at(v, rest);
                }
            }
            Value::List(t, items)
        }
        (Value::Tuple(mut items), model::PathStep::Index(_)) => {
            if let Some(i) = step.index_key().and_then(serde_json::Value::as_u64) {
                if let Some(slot) = items.get_mut(i as usize) {
                    let v = std::mem::replace(slot, Value::NULL);
                    *slot = mark_at(v, rest);
                }
            }
            Value::Tuple(items)
        }
        (other, _) => other,
    };
    result.with_sensitive(marked)
}

/// The attributes JSON and sensitive paths of an object value, for state.
pub fn object_to_state(
    value: &Value,
    schema: &Schema,
) -> Result<(serde_json::Value, Vec<model::AttrPath>), ObjectDecodeError> {
    let ty = schema.block.implied_type();
    let json = batchform_core::json::to_json_typed(value, &ty)
        .map_err(|e| ObjectDecodeError(e.to_string()))?;
    let mut paths = Vec::new();
    collect_sensitive(value, &mut Vec::new(), &mut paths);
    // Attributes the schema declares sensitive are always recorded.
    for (name, attr) in &schema.block.attributes {
        if attr.sensitive {
            let p = model::AttrPath(vec![model::PathStep::GetAttr(name.clone())]);
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
    }
    Ok((json, paths))
}

fn collect_sensitive(value: &Value, at: &mut Vec<model::PathStep>, out: &mut Vec<model::AttrPath>) {
    if value.is_sensitive() {
        out.push(model::AttrPath(at.clone()));
        return;
    }
    match value {
        Value::Object(attrs) => {
            for (k, v) in attrs {
                at.push(model::PathStep::GetAttr(k.clone()));
                collect_sensitive(v, at, out);
                at.pop();
            }
        }
        Value::Map(_, items) => {
            for (k, v) in items {
                at.push(model::PathStep::key(k));
                collect_sensitive(v, at, out);
                at.pop();
            }
        }
        Value::List(_, items) | Value::Tuple(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(model::PathStep::index(i as u64));
                collect_sensitive(v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// Convert a core attribute path to the state's form.
pub fn core_path_to_state(path: &batchform_core::AttrPath) -> model::AttrPath {
    model::AttrPath(
        path.0
            .iter()
            .map(|s| match s {
                PathStep::Attr(a) => model::PathStep::GetAttr(a.clone()),
                PathStep::Key(k) => model::PathStep::key(k),
                PathStep::Index(i) => model::PathStep::index(*i as u64),
            })
            .collect(),
    )
}

/// How a resource repeats, which decides the shape of its value in expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repetition {
    Single,
    Count,
    ForEach,
}

impl Repetition {
    /// How a configured resource repeats: by its `count` or `for_each` meta-argument.
    pub fn of(resource: &batchform_config::model::Resource) -> Repetition {
        if resource.count.is_some() {
            Repetition::Count
        } else if resource.for_each.is_some() {
            Repetition::ForEach
        } else {
            Repetition::Single
        }
    }
}

/// The values of resource instances as expressions currently see them (planned values while
/// planning, final ones while applying). Lookups are by address: no scan per reference.
#[derive(Debug, Default)]
pub struct InstanceValues {
    resources: HashMap<ResourceAddr, (Repetition, BTreeMap<InstanceKey, Value>)>,
    /// Resources whose instances are not known (deferred, or unknown count/for_each).
    unknown: HashMap<ResourceAddr, Type>,
}

impl InstanceValues {
    pub fn new() -> InstanceValues {
        InstanceValues::default()
    }

    /// Declare a resource and how it repeats (its value is then an empty collection until
    /// instances are set).
    pub fn declare(&mut self, addr: &ResourceAddr, repetition: Repetition) {
        self.unknown.remove(addr);
        self.resources.entry(addr.clone()).or_insert_with(|| (repetition, BTreeMap::new())).0 =
            repetition;
    }

    pub fn set(&mut self, addr: &ResourceAddr, key: InstanceKey, value: Value) {
        self.resources
            .entry(addr.clone())
            .or_insert_with(|| (Repetition::Single, BTreeMap::new()))
            .1
            .insert(key, value);
    }

    pub fn remove(&mut self, addr: &ResourceAddr, key: &InstanceKey) {
        if let Some((_, instances)) = self.resources.get_mut(addr) {
            instances.remove(key);
        }
    }

    /// The resource's instances are not known: it evaluates as an unknown.
    pub fn set_unknown(&mut self, addr: &ResourceAddr, ty: Type) {
        self.resources.remove(addr);
        self.unknown.insert(addr.clone(), ty);
    }

    pub fn get(&self, addr: &ResourceAddr, key: &InstanceKey) -> Option<&Value> {
        self.resources.get(addr).and_then(|(_, m)| m.get(key))
    }

    /// The known instances of a resource, by key.
    pub fn instances(&self, addr: &ResourceAddr) -> impl Iterator<Item = (&InstanceKey, &Value)> {
        self.resources.get(addr).into_iter().flat_map(|(_, m)| m.iter())
    }
}

impl ResourceValues for InstanceValues {
    fn resource(&self, addr: &ResourceAddr) -> Option<Value> {
        if let Some(ty) = self.unknown.get(addr) {
            return Some(Value::unknown(ty.clone()));
        }
        let (repetition, instances) = self.resources.get(addr)?;
        Some(match repetition {
            Repetition::Single => {
                instances.get(&InstanceKey::None).cloned().unwrap_or(Value::DYNAMIC_UNKNOWN)
            }
            Repetition::Count => Value::Tuple(instances.values().cloned().collect()),
            Repetition::ForEach => Value::Object(
                instances
                    .iter()
                    .map(|(k, v)| {
                        let key = match k {
                            InstanceKey::Str(s) => s.clone(),
                            InstanceKey::Int(i) => i.to_string(),
                            InstanceKey::None => String::new(),
                        };
                        (key, v.clone())
                    })
                    .collect(),
            ),
        })
    }

    fn instance(&self, addr: &ResourceAddr, key: &InstanceKey) -> Option<Value> {
        if let Some(ty) = self.unknown.get(addr) {
            let _ = ty;
            return Some(Value::DYNAMIC_UNKNOWN);
        }
        let (repetition, instances) = self.resources.get(addr)?;
        // A wrong key form falls back to indexing the whole value (for the error message).
        match (repetition, key) {
            (Repetition::Count, InstanceKey::Int(_))
            | (Repetition::ForEach, InstanceKey::Str(_)) => instances.get(key).cloned(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use batchform_core::schema::{Attribute, Block};

    fn schema() -> Schema {
        let mut attributes = BTreeMap::new();
        attributes.insert("id".to_string(), Attribute::computed(Type::String));
        attributes.insert("input".to_string(), Attribute::optional(Type::Dynamic));
        attributes.insert("key".to_string(), Attribute::optional(Type::String).sensitive());
        Schema { version: 0, block: Block { attributes, ..Block::default() } }
    }

    #[test]
    fn objects_round_trip_through_state_with_marks() {
        let v = Value::object([
            ("id", Value::string("x")),
            ("input", Value::Tuple(vec![Value::number(1), Value::string("a").mark_sensitive()])),
            ("key", Value::string("k").mark_sensitive()),
        ]);
        let (json, paths) = object_to_state(&v, &schema()).unwrap();
        assert_eq!(json["input"]["type"], serde_json::json!(["tuple", ["number", "string"]]));
        let mut object = ObjectState::new(json);
        object.sensitive_attributes = paths;
        assert_eq!(object_from_state(&object, &schema()).unwrap(), v);
    }

    #[test]
    fn resources_evaluate_by_repetition() {
        let mut values = InstanceValues::new();
        let a = ResourceAddr::managed("t", "a");
        values.declare(&a, Repetition::Count);
        values.set(&a, InstanceKey::Int(0), Value::string("zero"));
        values.set(&a, InstanceKey::Int(1), Value::string("one"));
        assert_eq!(
            values.resource(&a),
            Some(Value::Tuple(vec![Value::string("zero"), Value::string("one")]))
        );
        assert_eq!(values.instance(&a, &InstanceKey::Int(1)), Some(Value::string("one")));
    }
}
