//! Values as `terraform console` prints them (`internal/repl/format.go`): Terraform syntax
//! with `tolist(...)`, `toset(...)`, `tomap(...)` where the type would otherwise be lost,
//! heredocs for multi-line strings, `(known after apply)` and `(sensitive value)`.

use batchform_core::convert::go_quote;
use batchform_core::{Diagnostic, Type, Value};

/// What `terraform console` prints for the result of one line: the value, or the type that
/// the console-only `type()` function returned. A type anywhere else (inside a collection,
/// compared, encoded) is an error, as Terraform's REPL makes it.
pub fn console_result(value: &Value) -> Result<String, Diagnostic> {
    if let (Value::Type(ty), _) = value.unmarked() {
        return Ok(type_string(ty));
    }
    if contains_type(value) {
        return Err(Diagnostic::error(
            "Invalid use of type function",
            "The console-only \"type\" function cannot be used as part of an expression.",
        ));
    }
    Ok(console(value, 0))
}

fn contains_type(value: &Value) -> bool {
    match value.unmarked().0 {
        Value::Type(_) => true,
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            items.iter().any(contains_type)
        }
        Value::Map(_, items) | Value::Object(items) => items.values().any(contains_type),
        _ => false,
    }
}

/// Format a value for the console, at the given indentation.
pub fn console(value: &Value, indent: usize) -> String {
    if !value.is_known() {
        return "(known after apply)".into();
    }
    if value.is_sensitive() {
        return "(sensitive value)".into();
    }
    if value.is_null() {
        let ty = value.ty();
        return match &ty {
            Type::Dynamic => "null".into(),
            Type::String => "tostring(null)".into(),
            Type::Number => "tonumber(null)".into(),
            Type::Bool => "tobool(null)".into(),
            Type::List(e) => format!("tolist(null) /* of {} */", e.friendly_name()),
            Type::Set(e) => format!("toset(null) /* of {} */", e.friendly_name()),
            Type::Map(e) => format!("tomap(null) /* of {} */", e.friendly_name()),
            other => format!("null /* {} */", other.friendly_name()),
        };
    }
    match value {
        Value::String(s) => match multiline(s, indent) {
            Some(h) => h,
            None => go_quote(s),
        },
        Value::Number(n) => n.to_text(),
        Value::Bool(b) => b.to_string(),
        Value::Object(attrs) => mapping(attrs.iter(), indent),
        Value::Tuple(items) => sequence(items, indent),
        Value::List(_, items) => format!("tolist({})", sequence(items, indent)),
        Value::Set(_, items) => format!("toset({})", sequence(items, indent)),
        Value::Map(_, items) => format!("tomap({})", mapping(items.iter(), indent)),
        Value::Type(ty) => type_string(ty),
        _ => String::new(),
    }
}

fn multiline(s: &str, indent: usize) -> Option<String> {
    let lines: Vec<&str> = s.split('\n').collect();
    if lines.len() < 2 {
        return None;
    }
    let operator = if indent > 0 { "<<-" } else { "<<" };
    let mut delimiter = String::from("EOT");
    while lines.iter().any(|l| l.trim() == delimiter) {
        delimiter.push('_');
    }
    let pad = " ".repeat(indent);
    let mut out = format!("{operator}{delimiter}");
    for line in lines {
        out.push('\n');
        out.push_str(&pad);
        out.push_str(line);
    }
    out.push('\n');
    out.push_str(&pad);
    out.push_str(&delimiter);
    Some(out)
}

fn mapping<'a>(entries: impl Iterator<Item = (&'a String, &'a Value)>, indent: usize) -> String {
    let inner = indent + 2;
    let pad = " ".repeat(inner);
    let mut out = String::from("{");
    let mut count = 0;
    for (k, v) in entries {
        count += 1;
        out.push('\n');
        out.push_str(&pad);
        out.push_str(&console(&Value::String(k.clone()), inner));
        out.push_str(" = ");
        out.push_str(&console(v, inner));
    }
    if count > 0 {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push('}');
    out
}

fn sequence(items: &[Value], indent: usize) -> String {
    let inner = indent + 2;
    let pad = " ".repeat(inner);
    let mut out = String::from("[");
    for v in items {
        out.push('\n');
        out.push_str(&pad);
        out.push_str(&console(v, inner));
        out.push(',');
    }
    if !items.is_empty() {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push(']');
    out
}

/// Terraform's `TypeString`, as the `type` function prints it in the console.
pub fn type_string(ty: &Type) -> String {
    let mut out = String::new();
    write_type(ty, &mut out, 0);
    out
}

fn write_type(ty: &Type, out: &mut String, indent: usize) {
    let pad = |n: usize| "    ".repeat(n);
    match ty {
        Type::Object(attrs) if attrs.is_empty() => out.push_str("object({})"),
        Type::Object(attrs) => {
            out.push_str("object({\n");
            for (name, aty) in attrs {
                out.push_str(&pad(indent + 1));
                out.push_str(name);
                out.push_str(": ");
                write_type(aty, out, indent + 1);
                out.push_str(",\n");
            }
            out.push_str(&pad(indent));
            out.push_str("})");
        }
        Type::Tuple(etys) if etys.is_empty() => out.push_str("tuple([])"),
        Type::Tuple(etys) => {
            out.push_str("tuple([\n");
            for ety in etys {
                out.push_str(&pad(indent + 1));
                write_type(ety, out, indent + 1);
                out.push_str(",\n");
            }
            out.push_str(&pad(indent));
            out.push_str("])");
        }
        Type::List(ety) | Type::Set(ety) | Type::Map(ety) => {
            out.push_str(match ty {
                Type::List(_) => "list(",
                Type::Set(_) => "set(",
                _ => "map(",
            });
            let complex = matches!(**ety, Type::Object(_) | Type::Tuple(_));
            if complex {
                out.push('\n');
                out.push_str(&pad(indent + 1));
                write_type(ety, out, indent + 1);
                out.push_str(",\n");
                out.push_str(&pad(indent));
            } else {
                write_type(ety, out, indent);
            }
            out.push(')');
        }
        other => out.push_str(&other.friendly_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn formats_like_terraform_console() {
        // Expectations are terraform 1.11.4 console output.
        assert_eq!(
            console(&Value::Tuple(vec![Value::number(1), Value::string("a")]), 0),
            "[\n  1,\n  \"a\",\n]"
        );
        assert_eq!(console(&Value::List(Type::Dynamic, vec![]), 0), "tolist([])");
        assert_eq!(console(&Value::object([("a", Value::number(1))]), 0), "{\n  \"a\" = 1\n}");
        let m = Value::Map(
            Type::String,
            BTreeMap::from([("a".into(), Value::string("1")), ("b".into(), Value::string("x"))]),
        );
        assert_eq!(console(&m, 0), "tomap({\n  \"a\" = \"1\"\n  \"b\" = \"x\"\n})");
        assert_eq!(console(&Value::number(1).mark_sensitive(), 0), "(sensitive value)");
        assert_eq!(
            console(
                &Value::object([("a", Value::number(1).mark_sensitive()), ("b", Value::number(2))]),
                0
            ),
            "{\n  \"a\" = (sensitive value)\n  \"b\" = 2\n}"
        );
        assert_eq!(console(&Value::NULL, 0), "null");
        assert_eq!(console(&Value::string("a\nEOT\nb"), 0), "<<EOT_\na\nEOT\nb\nEOT_");
    }

    #[test]
    fn console_prints_types_raw_and_refuses_them_inside_values() {
        // terraform 1.11.4: `type({a = [1]})`, `type(type(1))`, `sensitive(type(1))`, `[type(1)]`.
        let ty = Type::Object(BTreeMap::from([("a".into(), Type::Tuple(vec![Type::Number]))]));
        assert_eq!(
            console_result(&Value::Type(Box::new(ty))),
            Ok("object({\n    a: tuple([\n        number,\n    ]),\n})".into())
        );
        assert_eq!(console_result(&Value::Type(Box::new(Type::TypeType))), Ok("type".into()));
        let marked = Value::Type(Box::new(Type::Number)).mark_sensitive();
        assert_eq!(console_result(&marked), Ok("number".into()));
        let inside = Value::Tuple(vec![Value::Type(Box::new(Type::Number))]);
        let err = console_result(&inside).expect_err("a type inside a tuple");
        assert_eq!(err.summary, "Invalid use of type function");
    }
}
