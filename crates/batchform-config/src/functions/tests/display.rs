//! How `terraform console` prints a value (Terraform's `repl.FormatValue`), so results can be
//! compared with what the console printed.

use batchform_core::convert::go_quote;
use batchform_core::{Type, Value};

pub(super) fn format_value(v: &Value, indent: usize) -> String {
    if !v.is_known() {
        return "(known after apply)".into();
    }
    if v.is_sensitive() {
        return "(sensitive value)".into();
    }
    match v {
        Value::Null(ty) => match ty {
            Type::Dynamic => "null".into(),
            Type::String => "tostring(null)".into(),
            Type::Number => "tonumber(null)".into(),
            Type::Bool => "tobool(null)".into(),
            Type::List(e) => format!("tolist(null) /* of {} */", e.friendly_name()),
            Type::Set(e) => format!("toset(null) /* of {} */", e.friendly_name()),
            Type::Map(e) => format!("tomap(null) /* of {} */", e.friendly_name()),
            other => format!("null /* {} */", other.friendly_name()),
        },
        Value::String(s) => multiline(s, indent).unwrap_or_else(|| go_quote(s)),
        Value::Number(n) => n.to_text(),
        Value::Bool(b) => b.to_string(),
        Value::Object(attrs) => mapping(attrs, indent),
        Value::Tuple(items) => sequence(items, indent),
        Value::List(_, items) => format!("tolist({})", sequence(items, indent)),
        Value::Set(_, items) => format!("toset({})", sequence(items, indent)),
        Value::Map(_, entries) => format!("tomap({})", mapping(entries, indent)),
        Value::Type(t) => crate::display::type_string(t),
        Value::Unknown(..) | Value::Sensitive(_) => unreachable!(),
    }
}

fn multiline(s: &str, indent: usize) -> Option<String> {
    let lines: Vec<&str> = s.split('\n').collect();
    if lines.len() < 2 {
        return None;
    }
    let op = if indent > 0 { "<<-" } else { "<<" };
    let mut delim = "EOT".to_string();
    while lines.iter().any(|l| l.trim() == delim) {
        delim.push('_');
    }
    let pad = " ".repeat(indent);
    let mut out = format!("{op}{delim}");
    for l in &lines {
        out.push('\n');
        out.push_str(&pad);
        out.push_str(l);
    }
    out.push('\n');
    out.push_str(&pad);
    out.push_str(&delim);
    Some(out)
}

fn mapping(entries: &std::collections::BTreeMap<String, Value>, indent: usize) -> String {
    let mut out = String::from("{");
    let pad = " ".repeat(indent + 2);
    for (k, v) in entries {
        out.push('\n');
        out.push_str(&pad);
        out.push_str(&format_value(&Value::String(k.clone()), indent + 2));
        out.push_str(" = ");
        out.push_str(&format_value(v, indent + 2));
    }
    if !entries.is_empty() {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push('}');
    out
}

fn sequence(items: &[Value], indent: usize) -> String {
    let mut out = String::from("[");
    let pad = " ".repeat(indent + 2);
    for v in items {
        out.push('\n');
        out.push_str(&pad);
        out.push_str(&format_value(v, indent + 2));
        out.push(',');
    }
    if !items.is_empty() {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push(']');
    out
}
