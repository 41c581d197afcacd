//! Sequence functions (go-cty `stdlib/sequence.go` and `collection.go`): chunklist, concat,
//! flatten, range, reverse, slice.

use super::spec::prelude::*;
use batchform_core::convert::{convert, unify};

pub(super) fn register(all: &mut Vec<Function>) {
    all.push(Function::new(
        "chunklist",
        vec![
            Param::new("list", Type::list(Type::Dynamic)).marked(),
            Param::new("size", Type::Number).marked(),
        ],
        Ret::Computed(|args, _| Ok(Type::list(arg(args, 0).ty()))),
        chunklist,
    ));
    all.push(
        Function::new("concat", vec![], Ret::Computed(concat_type), concat)
            .variadic(Param::new("seqs", Type::Dynamic).marked()),
    );
    all.push(Function::new(
        "flatten",
        vec![Param::new("list", Type::Dynamic).marked()],
        Ret::Computed(flatten_type),
        flatten,
    ));
    all.push(
        Function::new("range", vec![], Ret::Static(|| Type::list(Type::Number)), range)
            .variadic(Param::new("params", Type::Number)),
    );
    all.push(Function::new(
        "reverse",
        vec![Param::new("list", Type::Dynamic).marked()],
        Ret::Computed(|args, _| match arg(args, 0).ty() {
            Type::Tuple(mut etys) => {
                etys.reverse();
                Ok(Type::Tuple(etys))
            }
            Type::List(ety) | Type::Set(ety) => Ok(Type::List(ety)),
            other => Err(CallError::arg(
                0,
                format!("can only reverse list or tuple values, not {}", other.friendly_name()),
            )),
        }),
        reverse,
    ));
    all.push(Function::new(
        "slice",
        vec![
            Param::new("list", Type::Dynamic).marked(),
            Param::new("start_index", Type::Number),
            Param::new("end_index", Type::Number),
        ],
        Ret::Computed(slice_type),
        slice,
    ));
}

fn chunklist(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (list, list_marked) = arg(args, 0).unmarked();
    let (size, size_marked) = arg(args, 1).unmarked();
    let marked = list_marked || size_marked;
    if !size.is_known() || !list.is_known() {
        return Ok(Value::unknown(Type::list(list.ty())).with_sensitive(marked));
    }
    let size = size.as_number().ok_or_else(|| CallError::msg("invalid size"))?;
    let size = to_int(size).map_err(|e| format!("invalid size: {e}"))?;
    if size < 0 {
        return Err(CallError::msg("the size argument must be positive"));
    }
    let ety = match list {
        Value::List(t, _) => t.clone(),
        _ => Type::Dynamic,
    };
    let items = list.elements().unwrap_or(&[]);
    let list_ty = Type::list(ety.clone());
    if items.is_empty() {
        return Ok(Value::List(list_ty, Vec::new()).with_sensitive(marked));
    }
    let chunks = if size == 0 {
        vec![list.clone()]
    } else {
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        items.chunks(size).map(|c| Value::List(ety.clone(), c.to_vec())).collect()
    };
    Ok(Value::List(list_ty, chunks).with_sensitive(marked))
}

fn concat_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    if args.is_empty() {
        return Err(CallError::msg("at least one argument is required"));
    }
    if args.iter().all(|a| matches!(a.ty(), Type::List(_))) {
        let types: Vec<Type> = args.iter().map(Value::ty).collect();
        if let Some(u) = unify(&types) {
            return Ok(u.ty);
        }
    }
    let mut etys = Vec::new();
    for (i, v) in args.iter().enumerate() {
        let (v, _) = v.unmarked();
        match v.ty() {
            Type::Tuple(t) => etys.extend(t),
            Type::List(ety) => {
                if !v.is_known() {
                    return Ok(Type::Dynamic);
                }
                let n = v.elements().map_or(0, <[Value]>::len);
                etys.extend(std::iter::repeat_n(*ety, n));
            }
            other => {
                return Err(CallError::arg(
                    i,
                    format!("all arguments must be lists or tuples; got {}", other.friendly_name()),
                ));
            }
        }
    }
    Ok(Type::Tuple(etys))
}

fn concat(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let mut out = Vec::new();
    let mut marked = false;
    match ret {
        Type::List(ety) => {
            for (i, v) in args.iter().enumerate() {
                let v = convert(v, ret).map_err(|e| CallError::arg(i, e.message))?;
                let (v, m) = v.unmark();
                marked |= m;
                out.extend(v.elements().unwrap_or(&[]).iter().cloned());
            }
            Ok(Value::List((**ety).clone(), out).with_sensitive(marked))
        }
        _ => {
            for v in args {
                let (v, m) = v.unmarked();
                marked |= m;
                out.extend(v.elements().unwrap_or(&[]).iter().cloned());
            }
            Ok(Value::Tuple(out).with_sensitive(marked))
        }
    }
}

fn flatten_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    let v = arg(args, 0);
    if !v.is_wholly_known() {
        return Ok(Type::Dynamic);
    }
    if !matches!(v.ty(), Type::List(_) | Type::Set(_) | Type::Tuple(_)) {
        return Err(CallError::msg("can only flatten lists, sets and tuples"));
    }
    let mut out = Vec::new();
    let mut marked = false;
    if !flattener(v, &mut out, &mut marked) {
        return Ok(Type::Dynamic);
    }
    Ok(Type::Tuple(out.iter().map(Value::ty).collect()))
}

/// cty's `flattener`: false when the result cannot be known yet.
fn flattener(list: &Value, out: &mut Vec<Value>, marked: &mut bool) -> bool {
    let (list, m) = list.unmarked();
    *marked |= m;
    if let Value::Set(_, items) = list {
        if !set_length_known(items) {
            return false;
        }
    }
    let mut known = true;
    for v in list.elements().unwrap_or(&[]) {
        if matches!(v, Value::Unknown(Type::Dynamic, _)) {
            known = false;
        }
        let is_seq = matches!(v.ty(), Type::List(_) | Type::Set(_) | Type::Tuple(_));
        if !v.is_null() && is_seq {
            if !v.is_known() {
                known = false;
                *marked |= v.is_sensitive();
                continue;
            }
            if !flattener(v, out, marked) {
                known = false;
            }
        } else {
            out.push(v.clone());
        }
    }
    known
}

fn flatten(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let input = arg(args, 0);
    let (bare, top_marked) = input.unmarked();
    if bare.elements().is_some_and(<[Value]>::is_empty) {
        return Ok(Value::empty_tuple().with_sensitive(top_marked));
    }
    let mut out = Vec::new();
    let mut marked = false;
    if !flattener(input, &mut out, &mut marked) {
        return Ok(Value::unknown(ret.clone()).with_sensitive(marked));
    }
    Ok(Value::Tuple(out).with_sensitive(marked))
}

fn range(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let one = Number::from_i64(1);
    let minus_one = Number::from_i64(-1);
    let zero = Number::zero();
    let n = |i: usize| num_arg(args, i);
    let (start, end, step) = match args.len() {
        1 => {
            let end = n(0);
            let step = if end < zero { minus_one } else { one };
            (Number::zero(), end, step)
        }
        2 => {
            let (start, end) = (n(0), n(1));
            let step = if end < start { minus_one } else { one };
            (start, end, step)
        }
        3 => (n(0), n(1), n(2)),
        _ => return Err(CallError::msg("must have one, two, or three arguments")),
    };
    // cty compares the step to its zero value by identity, which never matches a number
    // given by the user: a zero step is caught by the length limit below instead.
    let down = step < zero;
    if down {
        if end > start {
            return Err(CallError::arg(1, "end must be less than start when step is negative"));
        }
    } else if end < start {
        return Err(CallError::arg(1, "end must be greater than start when step is positive"));
    }
    let mut vals = Vec::new();
    let mut num = start;
    loop {
        if (down && num <= end) || (!down && num >= end) {
            break;
        }
        if vals.len() >= 1024 {
            return Err(CallError::msg(
                "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step",
            ));
        }
        let next = num
            .add(&step)
            .ok_or_else(|| CallError::msg("can't compute sum of opposing infinities"))?;
        vals.push(Value::Number(num));
        num = next;
    }
    Ok(Value::List(Type::Number, vals))
}

fn reverse(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (list, marked) = arg(args, 0).unmarked();
    let mut items: Vec<Value> = list.elements().unwrap_or(&[]).to_vec();
    items.reverse();
    let out = match ret {
        Type::Tuple(_) => Value::Tuple(items),
        _ => Value::List(ret.element_type().cloned().unwrap_or(Type::Dynamic), items),
    };
    Ok(out.with_sensitive(marked))
}

/// cty's `sliceIndexes`: the indexes, and whether both are known.
fn slice_indexes(args: &[Value]) -> Result<(usize, usize, bool)> {
    let (list, _) = arg(args, 0).unmarked();
    let length = match list {
        Value::Tuple(items) => Some(items.len()),
        Value::List(_, items) => Some(items.len()),
        _ => None,
    };
    let index = |i: usize, what: &str| -> Result<Option<usize>> {
        let v = arg(args, i);
        if !v.is_known() {
            return Ok(None);
        }
        let n = to_int(v.as_number().unwrap_or(&Number::zero()))
            .map_err(|e| CallError::arg(i, format!("invalid {what} index: {e}")))?;
        if n < 0 {
            return Err(CallError::arg(i, format!("{what} index must not be less than zero")));
        }
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        if length.is_some_and(|l| n > l) {
            return Err(CallError::arg(
                i,
                format!("{what} index must not be greater than the length of the list"),
            ));
        }
        Ok(Some(n))
    };
    let start = index(1, "start")?;
    let end = index(2, "end")?;
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return Err(CallError::arg(1, "start index must not be greater than end index"));
        }
    }
    Ok((start.unwrap_or(0), end.unwrap_or(0), start.is_some() && end.is_some()))
}

fn slice_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    let ty = arg(args, 0).ty();
    if matches!(ty, Type::Set(_)) {
        return Err(CallError::arg(
            0,
            "cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important",
        ));
    }
    if !matches!(ty, Type::List(_) | Type::Tuple(_)) {
        return Err(CallError::arg(0, "must be a list or tuple value"));
    }
    let (start, end, known) = slice_indexes(args)?;
    match ty {
        Type::List(_) => Ok(ty),
        Type::Tuple(_) if !known => Ok(Type::Dynamic),
        Type::Tuple(etys) => Ok(Type::Tuple(etys[start..end].to_vec())),
        _ => Ok(ty),
    }
}

fn slice(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (list, marked) = arg(args, 0).unmarked();
    if *ret == Type::Dynamic {
        return Ok(Value::DYNAMIC_UNKNOWN.with_sensitive(marked));
    }
    let (start, end, _) = slice_indexes(args)?;
    if !list.is_known() {
        return Ok(Value::unknown(ret.clone()).with_sensitive(marked));
    }
    let items = list.elements().unwrap_or(&[]);
    let part = items.get(start..end).unwrap_or(&[]).to_vec();
    let out = match ret {
        Type::Tuple(_) => Value::Tuple(part),
        _ => Value::List(ret.element_type().cloned().unwrap_or(Type::Dynamic), part),
    };
    Ok(out.with_sensitive(marked))
}
