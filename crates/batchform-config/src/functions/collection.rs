//! Collection functions (go-cty `stdlib/collection.go`, Terraform `funcs/collection.go`):
//! alltrue, anytrue, coalesce, coalescelist, compact, contains, distinct, element, index,
//! keys, length, list, lookup, map, matchkeys, merge, one, sum, transpose, values, zipmap.

use super::general::equals;
use super::spec::prelude::*;
use batchform_core::convert::{convert, go_quote, unify};
use std::collections::BTreeMap;
use unicode_segmentation::UnicodeSegmentation;

pub(super) fn register(all: &mut Vec<Function>) {
    let dynamic = |name| Param::new(name, Type::Dynamic);
    let boolean = Ret::Static(|| Type::Bool);
    let number = Ret::Static(|| Type::Number);
    all.push(Function::new(
        "length",
        vec![dynamic("value").dynamic().unknown().marked()],
        Ret::Computed(|args, _| match arg(args, 0).ty() {
            Type::String
            | Type::Dynamic
            | Type::Tuple(_)
            | Type::Object(_)
            | Type::List(_)
            | Type::Map(_)
            | Type::Set(_) => Ok(Type::Number),
            _ => Err(CallError::msg(
                "argument must be a string, a collection type, or a structural type",
            )),
        }),
        length,
    ));
    all.push(Function::new(
        "alltrue",
        vec![Param::new("list", Type::list(Type::Bool))],
        boolean,
        alltrue,
    ));
    all.push(Function::new(
        "anytrue",
        vec![Param::new("list", Type::list(Type::Bool))],
        boolean,
        anytrue,
    ));
    all.push(
        Function::new("coalesce", vec![], Ret::Computed(coalesce_type), coalesce)
            .variadic(dynamic("vals").unknown().dynamic().null()),
    );
    all.push(
        Function::new("coalescelist", vec![], Ret::Computed(coalescelist_type), coalescelist)
            .variadic(dynamic("vals").unknown().dynamic().null()),
    );
    all.push(Function::new(
        "compact",
        vec![Param::new("list", Type::list(Type::String))],
        Ret::Static(|| Type::list(Type::String)),
        compact,
    ));
    all.push(Function::new("contains", vec![dynamic("list"), dynamic("value")], boolean, contains));
    all.push(Function::new(
        "distinct",
        vec![Param::new("list", Type::list(Type::Dynamic))],
        Ret::Computed(|args, _| Ok(arg(args, 0).ty())),
        distinct,
    ));
    all.push(Function::new(
        "element",
        vec![dynamic("list").marked(), Param::new("index", Type::Number)],
        Ret::Computed(element_type),
        element,
    ));
    all.push(Function::new("index", vec![dynamic("list"), dynamic("value")], number, index));
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
    // Removed in Terraform 0.12; they still exist to say so.
    let removed: [(&'static str, super::spec::TypeFn); 2] = [
        ("list", |_, _| {
            Err(CallError::msg(
                "the \"list\" function was deprecated in Terraform v0.12 and is no longer available; use tolist([ ... ]) syntax to write a literal list",
            ))
        }),
        ("map", |_, _| {
            Err(CallError::msg(
                "the \"map\" function was deprecated in Terraform v0.12 and is no longer available; use tomap({ ... }) syntax to write a literal map",
            ))
        }),
    ];
    for (name, ret) in removed {
        all.push(
            Function::new(name, vec![], Ret::Computed(ret), |_, _, _| Ok(Value::DYNAMIC_UNKNOWN))
                .variadic(dynamic("vals").unknown().dynamic().null()),
        );
    }
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
    all.push(Function::new("one", vec![dynamic("list")], Ret::Computed(one_type), one));
    all.push(Function::new("sum", vec![dynamic("list")], number, sum));
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

fn length(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (coll, marked) = arg(args, 0).unmarked();
    let n = match coll.ty() {
        Type::Dynamic => return Ok(Value::Unknown(Type::Number).with_sensitive(marked)),
        Type::Tuple(etys) => etys.len(),
        Type::Object(attrs) => attrs.len(),
        _ if !coll.is_known() => return Ok(Value::Unknown(Type::Number).with_sensitive(marked)),
        Type::String => coll.as_str().unwrap_or_default().graphemes(true).count(),
        _ => match coll {
            Value::Set(_, items) if !set_length_known(items) => {
                return Ok(Value::Unknown(Type::Number).with_sensitive(marked));
            }
            Value::List(_, items) | Value::Set(_, items) => items.len(),
            Value::Map(_, entries) => entries.len(),
            _ => 0,
        },
    };
    Ok(Value::number(n as i64).with_sensitive(marked))
}

fn alltrue(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    for v in arg(args, 0).elements().unwrap_or(&[]) {
        match v {
            Value::Unknown(_) => return Ok(Value::Unknown(Type::Bool)),
            Value::Bool(true) => {}
            _ => return Ok(Value::Bool(false)),
        }
    }
    Ok(Value::Bool(true))
}

fn anytrue(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let mut unknown = false;
    for v in arg(args, 0).elements().unwrap_or(&[]) {
        match v {
            Value::Unknown(_) => unknown = true,
            Value::Bool(true) => return Ok(Value::Bool(true)),
            _ => {}
        }
    }
    Ok(if unknown { Value::Unknown(Type::Bool) } else { Value::Bool(false) })
}

fn coalesce_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    let types: Vec<Type> = args.iter().map(Value::ty).collect();
    unify(&types)
        .map(|u| u.ty)
        .ok_or_else(|| CallError::msg("all arguments must have the same type"))
}

fn coalesce(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    for v in args {
        let v = convert(v, ret).unwrap_or(Value::NULL);
        if !v.is_known() {
            return Ok(Value::Unknown(ret.clone()));
        }
        if v.is_null() || (*ret == Type::String && v.as_str() == Some("")) {
            continue;
        }
        return Ok(v);
    }
    Err(CallError::msg("no non-null, non-empty-string arguments"))
}

fn coalescelist_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    if args.is_empty() {
        return Err(CallError::msg("at least one argument is required"));
    }
    let mut types = Vec::with_capacity(args.len());
    for v in args {
        if !v.is_known() {
            return Ok(Type::Dynamic);
        }
        let ty = v.ty();
        if !matches!(ty, Type::List(_) | Type::Tuple(_)) {
            return Err(CallError::msg("coalescelist arguments must be lists or tuples"));
        }
        types.push(ty);
    }
    let first = &types[0];
    Ok(if types.iter().all(|t| t == first) { first.clone() } else { Type::Dynamic })
}

fn coalescelist(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    for v in args {
        if !v.is_known() {
            return Ok(Value::Unknown(ret.clone()));
        }
        if v.is_null() {
            continue;
        }
        if v.elements().is_some_and(|e| !e.is_empty()) {
            return Ok(v.clone());
        }
    }
    Err(CallError::msg("no non-null arguments"))
}

fn compact(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let list = arg(args, 0);
    if !list.is_wholly_known() {
        return Ok(Value::Unknown(ret.clone()));
    }
    let kept = list
        .elements()
        .unwrap_or(&[])
        .iter()
        .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        .cloned()
        .collect();
    Ok(Value::List(Type::String, kept))
}

fn contains(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let list = arg(args, 0);
    if !matches!(list.ty(), Type::List(_) | Type::Tuple(_) | Type::Set(_)) {
        return Err(CallError::msg("argument must be list, tuple, or set"));
    }
    let items = list.elements().unwrap_or(&[]);
    if items.is_empty() {
        return Ok(Value::Bool(false));
    }
    if !arg(args, 1).is_known() {
        return Ok(Value::Unknown(Type::Bool));
    }
    let mut unknown = false;
    for v in items {
        match equals(arg(args, 1), v) {
            None => unknown = true,
            Some(true) => return Ok(Value::Bool(true)),
            Some(false) => {}
        }
    }
    Ok(if unknown { Value::Unknown(Type::Bool) } else { Value::Bool(false) })
}

fn distinct(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let list = arg(args, 0);
    if !list.is_wholly_known() {
        return Ok(Value::Unknown(ret.clone()));
    }
    let mut out: Vec<Value> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for v in list.elements().unwrap_or(&[]) {
        // Equal values have equal canonical keys; nulls are all equal to each other.
        if seen.insert(super::general::canonical_key(v)) {
            out.push(v.clone());
        }
    }
    Ok(Value::List(ret.element_type().cloned().unwrap_or(Type::Dynamic), out))
}

fn element_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    let list = arg(args, 0);
    let index = arg(args, 1);
    match list.ty() {
        Type::List(ety) => Ok(*ety),
        Type::Tuple(etys) => {
            if !index.is_known() {
                return Ok(Type::Dynamic);
            }
            let i = to_int(&num_arg(args, 1)).map_err(|e| format!("invalid index: {e}"))?;
            if etys.is_empty() {
                return Err(CallError::msg("cannot use element function with an empty list"));
            }
            let i = i % etys.len() as i64;
            usize::try_from(i).ok().and_then(|i| etys.get(i).cloned()).ok_or_else(|| {
                CallError::msg(format!(
                    "panic in function implementation: runtime error: index out of range [{i}]"
                ))
            })
        }
        other => {
            Err(CallError::msg(format!("cannot read elements from {}", other.friendly_name())))
        }
    }
}

fn element(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let i = to_int(&num_arg(args, 1)).map_err(|e| format!("invalid index: {e}"))?;
    let (list, marked) = arg(args, 0).unmarked();
    if !list.is_known() {
        return Ok(Value::Unknown(ret.clone()).with_sensitive(marked));
    }
    let items = list.elements().unwrap_or(&[]);
    if items.is_empty() {
        return Err(CallError::msg("cannot use element function with an empty list"));
    }
    // cty wraps around, and (since 1.15) counts negative indexes from the end.
    let i = i.rem_euclid(items.len() as i64);
    let v = usize::try_from(i).ok().and_then(|i| items.get(i)).ok_or_else(|| {
        CallError::msg(format!(
            "panic in function implementation: runtime error: index out of range [{i}]"
        ))
    })?;
    Ok(v.clone().with_sensitive(marked))
}

fn index(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let list = arg(args, 0);
    if !matches!(list.ty(), Type::List(_) | Type::Tuple(_)) {
        return Err(CallError::msg("argument must be a list or tuple"));
    }
    if !list.is_known() {
        return Ok(Value::Unknown(Type::Number));
    }
    let items = list.elements().unwrap_or(&[]);
    if items.is_empty() {
        return Err(CallError::msg("cannot search an empty list"));
    }
    for (i, v) in items.iter().enumerate() {
        match equals(v, arg(args, 1)) {
            None => return Ok(Value::Unknown(Type::Number)),
            Some(true) => return Ok(Value::number(i as i64)),
            Some(false) => {}
        }
    }
    Err(CallError::msg("item not found"))
}

fn keys(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (m, marked) = arg(args, 0).unmarked();
    let out = match m.ty() {
        Type::Object(attrs) => Value::Tuple(attrs.into_keys().map(string_val).collect()),
        _ if !m.is_known() => Value::Unknown(ret.clone()),
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
        return Ok(Value::Unknown(ret.clone()).with_sensitive(marked));
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
        return Ok(Value::Unknown(Type::list(ety)));
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
        return Ok(Value::Unknown(ret.clone()));
    }
    let mut out = Vec::new();
    for (i, key) in keys.elements().unwrap_or(&[]).iter().enumerate() {
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

fn one_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    match arg(args, 0).ty() {
        Type::List(ety) | Type::Set(ety) => Ok(*ety),
        Type::Tuple(etys) if etys.is_empty() => Ok(Type::Dynamic),
        Type::Tuple(etys) if etys.len() == 1 => Ok(etys[0].clone()),
        _ => Err(CallError::arg(
            0,
            "must be a list, set, or tuple value with either zero or one elements",
        )),
    }
}

fn one(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let v = arg(args, 0);
    if let Value::Set(_, items) = v {
        if !set_length_known(items) {
            return Ok(Value::Unknown(ret.clone()));
        }
    }
    match v.elements().unwrap_or(&[]) {
        [] => Ok(Value::Null(ret.clone())),
        [one] => Ok(one.clone()),
        _ => Err(CallError::arg(
            0,
            "must be a list, set, or tuple value with either zero or one elements",
        )),
    }
}

fn sum(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let list = arg(args, 0);
    let ty = list.ty();
    let Some(items) = list.elements().or_else(|| list.entries().map(|_| &[][..])) else {
        return Err(CallError::arg(0, "cannot sum noniterable"));
    };
    let len = match list {
        Value::Map(_, e) | Value::Object(e) => e.len(),
        _ => items.len(),
    };
    if len == 0 {
        return Err(CallError::arg(0, "cannot sum an empty list"));
    }
    if !matches!(ty, Type::List(_) | Type::Set(_) | Type::Tuple(_)) {
        return Err(CallError::arg(
            0,
            format!("argument must be list, set, or tuple. Received {}", ty.friendly_name()),
        ));
    }
    if !list.is_wholly_known() {
        return Ok(Value::Unknown(Type::Number));
    }
    let bad = || CallError::arg(0, "argument must be list, set, or tuple of number values");
    let mut total: Option<Number> = None;
    for v in items {
        if v.is_null() {
            return Err(bad());
        }
        let n = convert(v, &Type::Number).map_err(|_| bad())?;
        let n = n.as_number().cloned().ok_or_else(bad)?;
        total = Some(match total {
            None => n,
            Some(t) => t
                .add(&n)
                .ok_or_else(|| CallError::msg("can't compute sum of opposing infinities"))?,
        });
    }
    Ok(Value::Number(total.unwrap_or_else(Number::zero)))
}

fn transpose(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let input = arg(args, 0);
    if !input.is_wholly_known() {
        return Ok(Value::Unknown(ret.clone()));
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
        return Ok(Value::Unknown(ret.clone()).with_sensitive(marked));
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
