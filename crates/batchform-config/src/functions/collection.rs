//! Collection functions (go-cty `stdlib/collection.go`, Terraform `funcs/collection.go`):
//! alltrue, anytrue, coalesce, coalescelist, compact, contains, distinct, element, index,
//! length, list, map, one, sum. Map functions are in `maps.rs`.

use super::general::equals;
use super::spec::prelude::*;
use batchform_core::convert::{convert, unify};
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
    all.push(Function::new("one", vec![dynamic("list")], Ret::Computed(one_type), one));
    all.push(Function::new("sum", vec![dynamic("list")], number, sum));
}

fn length(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (coll, marked) = arg(args, 0).unmarked();
    let n = match coll.ty() {
        Type::Dynamic => return Ok(Value::unknown(Type::Number).with_sensitive(marked)),
        Type::Tuple(etys) => etys.len(),
        Type::Object(attrs) => attrs.len(),
        _ if !coll.is_known() => return Ok(Value::unknown(Type::Number).with_sensitive(marked)),
        Type::String => coll.as_str().unwrap_or_default().graphemes(true).count(),
        _ => match coll {
            Value::Set(_, items) if !set_length_known(items) => {
                return Ok(Value::unknown(Type::Number).with_sensitive(marked));
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
            Value::Unknown(..) => return Ok(Value::unknown(Type::Bool)),
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
            Value::Unknown(..) => unknown = true,
            Value::Bool(true) => return Ok(Value::Bool(true)),
            _ => {}
        }
    }
    Ok(if unknown { Value::unknown(Type::Bool) } else { Value::Bool(false) })
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
            return Ok(Value::unknown(ret.clone()));
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
            return Ok(Value::unknown(ret.clone()));
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
        return Ok(Value::unknown(ret.clone()));
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
        return Ok(Value::unknown(Type::Bool));
    }
    let mut unknown = false;
    for v in items {
        match equals(arg(args, 1), v) {
            None => unknown = true,
            Some(true) => return Ok(Value::Bool(true)),
            Some(false) => {}
        }
    }
    Ok(if unknown { Value::unknown(Type::Bool) } else { Value::Bool(false) })
}

fn distinct(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let list = arg(args, 0);
    if !list.is_wholly_known() {
        return Ok(Value::unknown(ret.clone()));
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
        return Ok(Value::unknown(ret.clone()).with_sensitive(marked));
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
        return Ok(Value::unknown(Type::Number));
    }
    let items = list.elements().unwrap_or(&[]);
    if items.is_empty() {
        return Err(CallError::msg("cannot search an empty list"));
    }
    for (i, v) in items.iter().enumerate() {
        match equals(v, arg(args, 1)) {
            None => return Ok(Value::unknown(Type::Number)),
            Some(true) => return Ok(Value::number(i as i64)),
            Some(false) => {}
        }
    }
    Err(CallError::msg("item not found"))
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
            return Ok(Value::unknown(ret.clone()));
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
        return Ok(Value::unknown(Type::Number));
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
