//! Map and object functions (go-cty `stdlib/collection.go`, Terraform
//! `funcs/collection.go`): keys, lookup, matchkeys, merge, transpose, values, zipmap.

use super::general::{Key, canonical_key, equals};
use super::spec::prelude::*;
use batchform_core::convert::{convert, go_quote, unify};
use std::collections::BTreeMap;

pub(super) fn register(all: &mut Vec<Function>) {
    let dynamic = |name| Param::new(name, Type::Dynamic);
    all.push(Function::new(
        "keys",
        vec![dynamic("inputMap").unknown().marked()],
        Ret::Computed(|args, _| match arg(args, 0).ty() {
            Type::Map(_) => Ok(Type::list(Type::String)),
            Type::Object(attrs) => Ok(Type::Tuple(vec![Type::String; attrs.len()])),
            _ => Err(CallError::arg(0, "must have map or object type")),
        }),
        keys,
    ));
    all.push(
        Function::new(
            "lookup",
            vec![dynamic("inputMap").marked(), Param::new("key", Type::String).marked()],
            Ret::Computed(lookup_type),
            lookup,
        )
        .variadic(dynamic("default").unknown().dynamic().null().marked()),
    );
    all.push(Function::new(
        "matchkeys",
        vec![
            Param::new("values", Type::list(Type::Dynamic)),
            Param::new("keys", Type::list(Type::Dynamic)),
            Param::new("searchset", Type::list(Type::Dynamic)),
        ],
        Ret::Computed(|args, _| {
            if unify(&[arg(args, 1).ty(), arg(args, 2).ty()]).is_none() {
                return Err(CallError::msg("keys and searchset must be of the same type"));
            }
            Ok(arg(args, 0).ty())
        }),
        matchkeys,
    ));
    all.push(
        Function::new("merge", vec![], Ret::Computed(merge_type), merge)
            .variadic(dynamic("maps").dynamic().null().marked()),
    );
    all.push(Function::new(
        "transpose",
        vec![Param::new("values", Type::map(Type::list(Type::String)))],
        Ret::Static(|| Type::map(Type::list(Type::String))),
        transpose,
    ));
    all.push(Function::new(
        "values",
        vec![dynamic("mapping").marked()],
        Ret::Computed(values_type),
        values,
    ));
    all.push(Function::new(
        "zipmap",
        vec![Param::new("keys", Type::list(Type::String)).marked(), dynamic("values").marked()],
        Ret::Computed(zipmap_type),
        zipmap,
    ));
}

fn keys(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (m, marked) = arg(args, 0).unmarked();
    let out = match m.ty() {
        Type::Object(attrs) => Value::Tuple(attrs.into_keys().map(string_val).collect()),
        _ if !m.is_known() => Value::unknown(ret.clone()),
        _ => Value::List(
            Type::String,
            m.entries().map(|e| e.keys().map(string_val).collect()).unwrap_or_default(),
        ),
    };
    Ok(out.with_sensitive(marked))
}

fn lookup_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    if args.len() > 3 {
        return Err(CallError::msg(format!(
            "lookup() takes two or three arguments, got {}",
            args.len()
        )));
    }
    match arg(args, 0).ty() {
        Type::Object(attrs) => {
            let key = arg(args, 1);
            if !key.is_known() {
                return Ok(Type::Dynamic);
            }
            let key = key.as_str().unwrap_or_default();
            if let Some(t) = attrs.get(key) {
                return Ok(t.clone());
            }
            if let Some(default) = args.get(2) {
                return Ok(default.ty());
            }
            Err(CallError::arg(0, format!("the given object has no attribute {}", go_quote(key))))
        }
        Type::Map(ety) => {
            if let Some(default) = args.get(2) {
                if convert(default, &ety).is_err() {
                    return Err(CallError::arg(
                        2,
                        "the default value must have the same type as the map elements",
                    ));
                }
            }
            Ok(*ety)
        }
        _ => Err(CallError::arg(0, "lookup() requires a map as the first argument")),
    }
}

fn lookup(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (m, map_marked) = arg(args, 0).unmarked();
    let (key, key_marked) = arg(args, 1).unmarked();
    let marked = map_marked || key_marked;
    let key = key.as_str().unwrap_or_default();
    if !m.is_known() {
        return Ok(Value::unknown(ret.clone()).with_sensitive(marked));
    }
    if let Some(v) = m.entries().and_then(|e| e.get(key)) {
        return Ok(v.clone().with_sensitive(marked));
    }
    match args.get(2) {
        Some(default) => {
            let v = convert(default, ret).map_err(|e| CallError::msg(e.message))?;
            Ok(v.with_sensitive(marked))
        }
        None => Err(CallError::msg(format!(
            "lookup failed to find key {}",
            super::encoding::redact(key, key_marked)
        ))),
    }
}

fn matchkeys(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let ety = ret.element_type().cloned().unwrap_or(Type::Dynamic);
    let values = arg(args, 0);
    if !values.is_known() {
        return Ok(Value::unknown(Type::list(ety)));
    }
    let values_items = values.elements().unwrap_or(&[]);
    let len = |v: &Value| v.elements().map_or(0, <[Value]>::len);
    if values_items.len() != len(arg(args, 1)) {
        return Err(CallError::msg("length of keys and values should be equal"));
    }
    let Some(unified) = unify(&[arg(args, 1).ty(), arg(args, 2).ty()]) else {
        return Err(CallError::msg("keys and searchset must be of the same type"));
    };
    let keys = convert(arg(args, 1), &unified.ty).unwrap_or(Value::NULL);
    let search = convert(arg(args, 2), &unified.ty).unwrap_or(Value::NULL);
    let search_items = search.elements().unwrap_or(&[]);
    if search_items.is_empty() {
        return Ok(Value::List(ety, Vec::new()));
    }
    if !values.is_wholly_known() || !keys.is_wholly_known() {
        return Ok(Value::unknown(ret.clone()));
    }
    let key_items = keys.elements().unwrap_or(&[]);
    let mut out = Vec::new();
    if search.is_wholly_known() {
        // Equality of known values is equality of their canonical keys: one hash lookup
        // per key instead of a scan of the search set.
        let wanted: std::collections::HashSet<Key> =
            search_items.iter().map(canonical_key).collect();
        for (i, key) in key_items.iter().enumerate() {
            if wanted.contains(&canonical_key(key)) {
                out.push(values_items[i].clone());
            }
        }
        return Ok(Value::List(ety, out));
    }
    for (i, key) in key_items.iter().enumerate() {
        for s in search_items {
            match equals(key, s) {
                None => return Ok(Value::List(ety, Vec::new())),
                Some(true) => {
                    out.push(values_items[i].clone());
                    break;
                }
                Some(false) => {}
            }
        }
    }
    Ok(Value::List(ety, out))
}

fn merge_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    if args.is_empty() {
        return Ok(Type::Object(BTreeMap::new()));
    }
    let mut attrs = BTreeMap::new();
    let mut first = None;
    let mut matching = true;
    let mut attrs_known = true;
    for v in args {
        let ty = v.ty();
        match &ty {
            Type::Dynamic => return Ok(Type::Dynamic),
            Type::Object(a) if !v.is_null() => {
                attrs.extend(a.iter().map(|(k, t)| (k.clone(), t.clone())));
            }
            Type::Object(_) => {}
            Type::Map(ety) => {
                if v.is_null() {
                } else if v.is_known() {
                    for k in v.entries().map(|e| e.keys()).into_iter().flatten() {
                        attrs.insert(k.clone(), (**ety).clone());
                    }
                } else {
                    attrs_known = false;
                }
            }
            _ => {
                return Err(CallError::msg(format!(
                    "arguments must be maps or objects, got {}",
                    go_quote(&ty.friendly_name())
                )));
            }
        }
        match &first {
            None => first = Some(ty),
            Some(f) if *f != ty => matching = false,
            Some(_) => {}
        }
    }
    if matching {
        return Ok(first.unwrap_or(Type::Dynamic));
    }
    if !attrs_known {
        return Ok(Type::Dynamic);
    }
    Ok(Type::Object(attrs))
}

fn merge(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let mut out = BTreeMap::new();
    let mut marked = false;
    for v in args {
        if v.is_null() {
            continue;
        }
        let (v, m) = v.unmarked();
        marked |= m;
        if let Some(entries) = v.entries() {
            out.extend(entries.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    let result = match ret {
        Type::Map(ety) => Value::Map((**ety).clone(), out),
        _ => Value::Object(out),
    };
    Ok(result.with_sensitive(marked))
}

fn transpose(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let input = arg(args, 0);
    if !input.is_wholly_known() {
        return Ok(Value::unknown(ret.clone()));
    }
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, list) in input.entries().into_iter().flatten() {
        for v in list.elements().unwrap_or(&[]) {
            let Some(s) = v.as_str() else {
                return Err(CallError::msg("input must be a map of lists of strings"));
            };
            out.entry(s.to_string()).or_default().push(key.clone());
        }
    }
    let entries = out
        .into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, Value::List(Type::String, v.into_iter().map(string_val).collect()))
        })
        .collect();
    Ok(Value::Map(Type::list(Type::String), entries))
}

fn values_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    match arg(args, 0).ty() {
        Type::Map(ety) => Ok(Type::list(*ety)),
        Type::Object(attrs) => Ok(Type::Tuple(attrs.into_values().collect())),
        _ => Err(CallError::msg("values() requires a map as the first argument")),
    }
}

fn values(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (m, marked) = arg(args, 0).unmarked();
    let vals: Vec<Value> = m.entries().map(|e| e.values().cloned().collect()).unwrap_or_default();
    let out = match ret {
        Type::Tuple(_) => Value::Tuple(vals),
        _ => Value::List(ret.element_type().cloned().unwrap_or(Type::Dynamic), vals),
    };
    Ok(out.with_sensitive(marked))
}

fn zipmap_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    let keys = arg(args, 0);
    let values = arg(args, 1);
    match values.ty() {
        Type::List(ety) => Ok(Type::map(*ety)),
        Type::Tuple(etys) => {
            if !keys.is_wholly_known() {
                return Ok(Type::Dynamic);
            }
            let key_items = keys.elements().unwrap_or(&[]);
            if key_items.len() != etys.len() {
                return Err(CallError::msg(format!(
                    "number of keys ({}) does not match number of values ({})",
                    key_items.len(),
                    etys.len()
                )));
            }
            let mut attrs = BTreeMap::new();
            for (i, (k, t)) in key_items.iter().zip(etys).enumerate() {
                let Some(k) = k.as_str() else {
                    return Err(CallError::msg(format!("keys list has null value at index {i}")));
                };
                attrs.insert(k.to_string(), t);
            }
            Ok(Type::Object(attrs))
        }
        _ => Err(CallError::msg("values argument must be a list or tuple value")),
    }
}

fn zipmap(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (keys, keys_marked) = arg(args, 0).unmarked();
    let (values, values_marked) = arg(args, 1).unmarked();
    let mut marked = keys_marked || values_marked;
    if !keys.is_wholly_known() {
        return Ok(Value::unknown(ret.clone()).with_sensitive(marked));
    }
    let key_items = keys.elements().unwrap_or(&[]);
    let value_items = values.elements().unwrap_or(&[]);
    if key_items.len() != value_items.len() {
        return Err(CallError::msg(format!(
            "number of keys ({}) does not match number of values ({})",
            key_items.len(),
            value_items.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (k, v) in key_items.iter().zip(value_items) {
        let (k, m) = k.unmarked();
        marked |= m;
        out.insert(k.as_str().unwrap_or_default().to_string(), v.clone());
    }
    let result = match ret {
        Type::Map(ety) => Value::Map((**ety).clone(), out),
        _ => Value::Object(out),
    };
    Ok(result.with_sensitive(marked))
}
