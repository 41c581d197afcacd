//! The human rendering of state used by `show` and `state show`, as Terraform's
//! `jsonformat` renderer prints it: `# ADDR:` then `resource "T" "N" {`, attributes sorted with
//! `=` aligned, 4-space indentation, `(sensitive value)`, heredocs for multi-line strings and
//! `jsonencode(...)` for strings holding JSON; then `Outputs:`.

use super::text::{go_quote, plain_number};
use batchform_core::addr::is_identifier;
use batchform_core::{InstanceAddr, Mode};
use batchform_state::jsonstate::{self, SchemaHints};
use batchform_state::{ObjectState, ObjectStatus, OutputValue, State};
use serde_json::Value;
use std::fmt::Write;

/// What Terraform's `show` prints for a state (`None`: no state file).
pub fn render_state(state: Option<&State>, hints: &dyn SchemaHints) -> String {
    let Some(state) = state else { return "No state.\n".into() };
    if state.is_empty() {
        return "The state file is empty. No resources are represented.\n".into();
    }
    let mut out = String::new();
    let mut first = true;
    for (raddr, resource) in state.ordered_resources() {
        for (key, instance) in &resource.instances {
            let addr = raddr.instance(key.clone());
            let objects = instance
                .current
                .iter()
                .map(|o| (None, o))
                .chain(instance.deposed.iter().map(|(k, o)| (Some(k.as_str()), o)));
            for (deposed, object) in objects {
                if !first {
                    out.push('\n');
                }
                first = false;
                out.push_str(&render_object(&addr, deposed, object, hints));
            }
        }
    }
    if !state.outputs.is_empty() {
        out.push_str("\n\nOutputs:\n\n");
        for (name, output) in &state.outputs {
            let _ = writeln!(out, "{name} = {}", render_output(output));
        }
    }
    out
}

/// One object as `state show` and `show` print it, ending with a newline.
pub fn render_object(
    addr: &InstanceAddr,
    deposed: Option<&str>,
    object: &ObjectState,
    hints: &dyn SchemaHints,
) -> String {
    let mut out = String::new();
    match (deposed, object.status) {
        (Some(key), _) => {
            let _ = writeln!(out, "# {addr}: (deposed object {key})");
        }
        (None, ObjectStatus::Tainted) => {
            let _ = writeln!(out, "# {addr}: (tainted)");
        }
        (None, ObjectStatus::Ready) => {
            let _ = writeln!(out, "# {addr}:");
        }
    }
    let resource = &addr.resource;
    let keyword = if resource.mode == Mode::Data { "data" } else { "resource" };
    let values = jsonstate::attribute_values(object, resource.mode, &resource.type_name, hints);
    let marks = jsonstate::object_sensitive_values(&values, &object.sensitive_attributes);
    // A block's null attributes are left out.
    let shown: Vec<(String, &Value, Option<&Value>, Value)> = values
        .iter()
        .filter(|(_, v)| !v.value.is_null())
        .map(|(k, v)| {
            // A dynamic attribute's recorded type is not used: Terraform renders those from
            // the JSON. A schema-given type is.
            let ty = if hints.is_dynamic(resource.mode, &resource.type_name, k) {
                None
            } else {
                v.value_type.as_ref()
            };
            (escape_key(k), &v.value, ty, child_mark(&marks, k))
        })
        .collect();
    let _ =
        write!(out, "{keyword} {} {} ", go_quote(&resource.type_name), go_quote(&resource.name));
    render_entries(&mut out, &shown, 0);
    out.push('\n');
    out
}

/// An output value as `show` prints it after `Outputs:`.
pub fn render_output(output: &OutputValue) -> String {
    if output.sensitive {
        return "(sensitive value)".into();
    }
    let mut out = String::new();
    render_value(&mut out, &output.value, Some(&output.value_type), &Value::Bool(false), 0);
    out
}

fn render_entries(
    out: &mut String,
    entries: &[(String, &Value, Option<&Value>, Value)],
    indent: usize,
) {
    if entries.is_empty() {
        out.push_str("{}");
        return;
    }
    let width = entries.iter().map(|(k, ..)| k.len()).max().unwrap_or(0);
    out.push_str("{\n");
    for (key, value, ty, mark) in entries {
        out.push_str(&pad(indent + 1));
        let _ = write!(out, "{key:<width$} = ");
        render_value(out, value, *ty, mark, indent + 1);
        out.push('\n');
    }
    out.push_str(&pad(indent));
    out.push('}');
}

/// Render one value. `ty` is cty's type JSON when known; without it (or for `dynamic`) the
/// shape is taken from the JSON itself, as Terraform does for dynamically typed attributes.
fn render_value(out: &mut String, value: &Value, ty: Option<&Value>, mark: &Value, indent: usize) {
    if mark == &Value::Bool(true) {
        out.push_str("(sensitive value)");
        return;
    }
    let ty = ty.filter(|t| t.as_str() != Some("dynamic"));
    let kind = ty.and_then(|t| match t {
        Value::Array(parts) => parts.first().and_then(Value::as_str),
        _ => None,
    });
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&plain_number(n)),
        Value::String(s) => render_string(out, s, indent),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                let item_ty = match (kind, ty) {
                    (Some("list" | "set"), Some(Value::Array(p))) => p.get(1),
                    (Some("tuple"), Some(Value::Array(p))) => {
                        p.get(1).and_then(|elems| elems.get(i))
                    }
                    _ => None,
                };
                out.push_str(&pad(indent + 1));
                render_value(out, item, item_ty, &child_index_mark(mark, i), indent + 1);
                out.push_str(",\n");
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let entries: Vec<(String, &Value, Option<&Value>, Value)> = match (kind, ty) {
                // Maps: keys always quoted.
                (Some("map"), Some(Value::Array(p))) => keys
                    .iter()
                    .map(|k| (go_quote(k), &map[k.as_str()], p.get(1), child_mark(mark, k)))
                    .collect(),
                // Objects with a known type leave null attributes out.
                (Some("object"), Some(Value::Array(p))) => keys
                    .iter()
                    .filter(|k| !map[k.as_str()].is_null())
                    .map(|k| {
                        let attr_ty = p.get(1).and_then(|attrs| attrs.get(k.as_str()));
                        (escape_key(k), &map[k.as_str()], attr_ty, child_mark(mark, k))
                    })
                    .collect(),
                _ => keys
                    .iter()
                    .map(|k| (escape_key(k), &map[k.as_str()], None, child_mark(mark, k)))
                    .collect(),
            };
            render_entries(out, &entries, indent);
        }
    }
}

fn render_string(out: &mut String, s: &str, indent: usize) {
    if s.starts_with('{') || s.starts_with('[') {
        if let Ok(json) = serde_json::from_str::<Value>(s) {
            let mut inner = String::new();
            render_value(&mut inner, &json, None, &Value::Bool(false), indent + 1);
            if inner.contains('\n') {
                let _ = write!(out, "jsonencode(\n{}{inner}\n{})", pad(indent + 1), pad(indent));
            } else {
                let _ = write!(out, "jsonencode({inner})");
            }
            return;
        }
    }
    if s.contains('\n') {
        out.push_str("<<-EOT\n");
        for line in s.trim().split('\n') {
            out.push_str(&pad(indent + 1));
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&pad(indent));
        out.push_str("EOT");
        return;
    }
    out.push_str(&go_quote(s));
}

fn escape_key(key: &str) -> String {
    if is_identifier(key) { key.to_string() } else { go_quote(key) }
}

fn child_mark(mark: &Value, key: &str) -> Value {
    match mark {
        Value::Bool(true) => Value::Bool(true),
        Value::Object(m) => m.get(key).cloned().unwrap_or(Value::Bool(false)),
        _ => Value::Bool(false),
    }
}

fn child_index_mark(mark: &Value, i: usize) -> Value {
    match mark {
        Value::Bool(true) => Value::Bool(true),
        Value::Array(items) => items.get(i).cloned().unwrap_or(Value::Bool(false)),
        _ => Value::Bool(false),
    }
}

fn pad(indent: usize) -> String {
    "    ".repeat(indent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use batchform_core::{InstanceKey, ResourceAddr};
    use serde_json::json;

    /// A schema that types `metadata` as map(string) and `limits` as an object.
    struct Typed;

    impl SchemaHints for Typed {
        fn is_dynamic(&self, _: Mode, _: &str, _: &str) -> bool {
            false
        }
        fn attribute_type(&self, _: Mode, _: &str, attribute: &str) -> Option<Value> {
            match attribute {
                "metadata" => Some(json!(["map", "string"])),
                "limits" => Some(json!(["object", {"max": "number", "min": "number"}])),
                _ => None,
            }
        }
    }

    #[test]
    fn schema_types_shape_the_rendering() {
        let addr = ResourceAddr::managed("openai_batch", "b").instance(InstanceKey::None);
        let object = ObjectState::new(json!({
            "id": "batch_1",
            "metadata": {"team": "ml", "run id": "7"},
            "limits": {"max": 3, "min": null},
            "status": null,
        }));
        // Maps quote their keys and objects leave nulls out, as Terraform renders outputs of
        // those types (fixtures/states/values); top-level nulls are left out.
        assert_eq!(
            render_object(&addr, None, &object, &Typed),
            "# openai_batch.b:\nresource \"openai_batch\" \"b\" {\n    id       = \"batch_1\"\n    limits   = {\n        max = 3\n    }\n    metadata = {\n        \"run id\" = \"7\"\n        \"team\"   = \"ml\"\n    }\n}\n"
        );
    }
}
