//! Values in Terraform language syntax, as `terraform output` and `terraform console` print
//! them (Terraform's `repl.FormatValue`): 2-space indentation, quoted keys, and `tolist(...)`,
//! `toset(...)`, `tomap(...)` where the type is not what the literal syntax would give.

use super::text::{friendly_type_name, go_quote, plain_number};
use serde_json::Value;

/// Format `value` of cty type `ty` (cty's type JSON) at `indent` spaces.
pub fn format_value(value: &Value, ty: &Value, indent: usize) -> String {
    let kind = match ty {
        Value::String(s) => s.as_str(),
        Value::Array(parts) => parts.first().and_then(Value::as_str).unwrap_or("dynamic"),
        _ => "dynamic",
    };
    let elem = |i: usize| -> Value {
        match ty {
            Value::Array(parts) => parts.get(i).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        }
    };
    if value.is_null() {
        return match kind {
            "string" => "tostring(null)".into(),
            "number" => "tonumber(null)".into(),
            "bool" => "tobool(null)".into(),
            "list" | "set" | "map" => {
                format!("to{kind}(null) /* of {} */", friendly_type_name(&elem(1)))
            }
            "dynamic" => "null".into(),
            _ => format!("null /* {} */", friendly_type_name(ty)),
        };
    }
    match (kind, value) {
        ("list" | "set", Value::Array(items)) => {
            let elem_ty = elem(1);
            let types = vec![elem_ty; items.len()];
            format!("to{kind}({})", format_sequence(items, &types, indent))
        }
        ("tuple", Value::Array(items)) => {
            let types: Vec<Value> = match elem(1) {
                Value::Array(types) => types,
                _ => Vec::new(),
            };
            format_sequence(items, &types, indent)
        }
        ("map", Value::Object(map)) => {
            let elem_ty = elem(1);
            let entries: Vec<(&String, &Value, Value)> =
                sorted(map).into_iter().map(|(k, v)| (k, v, elem_ty.clone())).collect();
            format!("tomap({})", format_mapping(&entries, indent))
        }
        ("object", Value::Object(map)) => {
            let attr_types = elem(1);
            let entries: Vec<(&String, &Value, Value)> = sorted(map)
                .into_iter()
                .map(|(k, v)| (k, v, attr_types.get(k.as_str()).cloned().unwrap_or(Value::Null)))
                .collect();
            format_mapping(&entries, indent)
        }
        // No usable type: infer from the JSON, as for a dynamically typed value.
        (_, Value::Array(items)) => format_sequence(items, &[], indent),
        (_, Value::Object(map)) => {
            let entries: Vec<(&String, &Value, Value)> =
                sorted(map).into_iter().map(|(k, v)| (k, v, Value::Null)).collect();
            format_mapping(&entries, indent)
        }
        (_, Value::String(s)) => format_string(s, indent),
        (_, Value::Number(n)) => plain_number(n),
        (_, Value::Bool(b)) => b.to_string(),
        (_, Value::Null) => "null".into(),
    }
}

fn sorted(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn format_sequence(items: &[Value], types: &[Value], indent: usize) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        let ty = types.get(i).cloned().unwrap_or(Value::Null);
        out.push('\n');
        out.push_str(&" ".repeat(indent + 2));
        out.push_str(&format_value(item, &ty, indent + 2));
        out.push(',');
    }
    if !items.is_empty() {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push(']');
    out
}

fn format_mapping(entries: &[(&String, &Value, Value)], indent: usize) -> String {
    let mut out = String::from("{");
    for (key, value, ty) in entries {
        out.push('\n');
        out.push_str(&" ".repeat(indent + 2));
        out.push_str(&go_quote(key));
        out.push_str(" = ");
        out.push_str(&format_value(value, ty, indent + 2));
    }
    if !entries.is_empty() {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push('}');
    out
}

fn format_string(s: &str, indent: usize) -> String {
    let lines: Vec<&str> = s.split('\n').collect();
    if lines.len() < 2 {
        return go_quote(s);
    }
    let operator = if indent > 0 { "<<-" } else { "<<" };
    let mut delimiter = String::from("EOT");
    while lines.iter().any(|l| l.trim() == delimiter) {
        delimiter.push('_');
    }
    let mut out = format!("{operator}{delimiter}");
    for line in &lines {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
        out.push_str(line);
    }
    out.push('\n');
    out.push_str(&" ".repeat(indent));
    out.push_str(&delimiter);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_collections_name_their_conversion() {
        assert_eq!(
            format_value(&json!(["a"]), &json!(["set", "string"]), 0),
            "toset([\n  \"a\",\n])"
        );
        assert_eq!(format_value(&json!({}), &json!(["map", "dynamic"]), 0), "tomap({})");
        assert_eq!(
            format_value(&json!(null), &json!(["list", "string"]), 0),
            "tolist(null) /* of string */"
        );
        assert_eq!(format_value(&json!("a\nEOT\n"), &json!("string"), 0), "<<EOT_\na\nEOT\n\nEOT_");
    }
}
