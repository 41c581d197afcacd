//! Set functions (go-cty `stdlib/set.go`, `collection.go`): setintersection, setproduct,
//! setsubtract, setunion.

use super::general::{Key, canonical_key};
use super::spec::prelude::*;
use batchform_core::convert::{convert, unify};
use std::collections::HashSet;

#[derive(Clone, Copy)]
enum Op {
    Union,
    Intersection,
    Subtract,
}

pub(super) fn register(all: &mut Vec<Function>) {
    let set = |name| Param::new(name, Type::set(Type::Dynamic)).dynamic();
    all.push(
        Function::new("setunion", vec![set("first_set")], Ret::Computed(set_type), |a, r, _| {
            set_operation(a, r, Op::Union)
        })
        .variadic(set("other_sets")),
    );
    all.push(
        Function::new(
            "setintersection",
            vec![set("first_set")],
            Ret::Computed(set_type),
            |a, r, _| set_operation(a, r, Op::Intersection),
        )
        .variadic(set("other_sets")),
    );
    all.push(Function::new(
        "setsubtract",
        vec![set("a"), set("b")],
        Ret::Computed(set_type),
        |a, r, _| set_operation(a, r, Op::Subtract),
    ));
    all.push(
        Function::new("setproduct", vec![], Ret::Computed(setproduct_type), setproduct)
            .variadic(Param::new("sets", Type::Dynamic).marked()),
    );
}

/// cty's `setOperationReturnType`.
fn set_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    let mut etys = Vec::new();
    for v in args {
        let ety = v.ty().element_type().cloned().unwrap_or(Type::Dynamic);
        let empty = v.is_known() && v.elements().is_some_and(<[Value]>::is_empty);
        if empty && ety == Type::Dynamic {
            continue;
        }
        etys.push(ety);
    }
    if etys.is_empty() {
        return Ok(Type::set(Type::Dynamic));
    }
    unify(&etys)
        .map(|u| Type::set(u.ty))
        .ok_or_else(|| CallError::msg("given sets must all have compatible element types"))
}

fn set_operation(args: &[Value], ret: &Type, op: Op) -> Result<Value> {
    let allow_unknowns = matches!(op, Op::Union);
    let ety = ret.element_type().cloned().unwrap_or(Type::Dynamic);
    let mut result: Option<Vec<Value>> = None;
    for (i, v) in args.iter().enumerate() {
        let v = convert(v, ret).map_err(|e| CallError::arg(i, e.message))?;
        if !allow_unknowns && !v.is_wholly_known() {
            return Ok(Value::unknown(ret.clone()));
        }
        let items = v.elements().unwrap_or(&[]).to_vec();
        result = Some(match result {
            None => items,
            Some(acc) => match op {
                Op::Union => acc.into_iter().chain(items).collect(),
                Op::Intersection => {
                    let keep: HashSet<Key> = items.iter().map(canonical_key).collect();
                    acc.into_iter().filter(|x| keep.contains(&canonical_key(x))).collect()
                }
                Op::Subtract => {
                    let drop: HashSet<Key> = items.iter().map(canonical_key).collect();
                    acc.into_iter().filter(|x| !drop.contains(&canonical_key(x))).collect()
                }
            },
        });
    }
    Ok(Value::set_hoisting_marks(ety, result.unwrap_or_default()))
}

fn setproduct_type(args: &[Value], _: &FunctionContext<'_>) -> Result<Type> {
    if args.len() < 2 {
        return Err(CallError::msg("at least two arguments are required"));
    }
    let mut lists = 0;
    let mut etys = Vec::with_capacity(args.len());
    for (i, v) in args.iter().enumerate() {
        match v.ty() {
            Type::Set(ety) => etys.push(*ety),
            Type::List(ety) => {
                etys.push(*ety);
                lists += 1;
            }
            Type::Tuple(all) => {
                lists += 1;
                if all.is_empty() {
                    etys.push(Type::Dynamic);
                    continue;
                }
                let u = unify(&all)
                    .ok_or_else(|| CallError::arg(i, "all elements must be of the same type"))?;
                etys.push(u.ty);
            }
            _ => return Err(CallError::arg(i, "a set or a list is required")),
        }
    }
    let tuple = Type::Tuple(etys);
    Ok(if lists == args.len() { Type::list(tuple) } else { Type::set(tuple) })
}

fn setproduct(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let ety = ret.element_type().cloned().unwrap_or(Type::Dynamic);
    let sub_etys = match &ety {
        Type::Tuple(t) => t.clone(),
        _ => Vec::new(),
    };
    let mut marked = false;
    let mut lists = Vec::with_capacity(args.len());
    let mut unknown_length = false;
    for v in args {
        let (v, m) = v.unmarked();
        marked |= m;
        let length_known = match v {
            Value::Set(_, items) => set_length_known(items),
            other => other.is_known() || matches!(other.ty(), Type::Tuple(_)),
        };
        if !length_known {
            unknown_length = true;
            continue;
        }
        lists.push(v.elements().unwrap_or(&[]));
    }
    if unknown_length {
        return Ok(Value::unknown(ret.clone()).with_sensitive(marked));
    }
    let total = lists.iter().try_fold(1usize, |acc, l| acc.checked_mul(l.len()));
    let Some(total) = total else {
        return Err(CallError::msg("the product of the given sets is too large"));
    };
    let mut product = Vec::with_capacity(total);
    let mut idx = vec![0usize; lists.len()];
    for _ in 0..total {
        let mut tuple = Vec::with_capacity(lists.len());
        for (j, n) in idx.iter().enumerate() {
            let v = &lists[j][*n];
            let want = sub_etys.get(j).cloned().unwrap_or(Type::Dynamic);
            let v = if v.ty() == want {
                v.clone()
            } else {
                convert(v, &want).map_err(|_| {
                    CallError::msg(format!(
                        "failed to convert argVals[{j}][{n}] to {}; this is a bug in cty",
                        want.friendly_name()
                    ))
                })?
            };
            tuple.push(v);
        }
        product.push(Value::Tuple(tuple));
        for j in (0..idx.len()).rev() {
            idx[j] += 1;
            if idx[j] < lists[j].len() {
                break;
            }
            idx[j] = 0;
        }
    }
    let out = match ret {
        Type::List(_) => Value::List(ety, product),
        _ => Value::set_hoisting_marks(ety, product),
    };
    Ok(out.with_sensitive(marked))
}
