//! Unification (cty's `unify.go`, `compare_types.go`, `sort_types.go`): the most general
//! type that several types can all convert to.

use super::ConvertError;
use super::constraint::TypeConstraint;
use super::conversion::{Conversion, get_conversion};
use crate::path::PathStep;
use crate::types::Type;
use crate::value::Value;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

/// The result of unifying types: the common type, and how to convert a value of each of the
/// given types to it.
#[derive(Debug, Clone)]
pub struct Unified {
    pub ty: Type,
    steps: Vec<Step>,
}

#[derive(Debug, Clone)]
enum Step {
    /// Already of the unified type.
    Keep,
    Convert(Conversion),
    /// The unified type is `dynamic` because some input was: cty then gives an unknown of
    /// type `dynamic` for every value.
    Unknown,
}

/// Unify with unsafe conversions allowed, as Terraform's conditionals and most functions
/// (cty's `UnifyUnsafe`). None when there is no common type (or no types).
pub fn unify(types: &[Type]) -> Option<Unified> {
    unify_mode(types, true)
}

/// Unify with only safe conversions (cty's `Unify`).
pub fn unify_safe(types: &[Type]) -> Option<Unified> {
    unify_mode(types, false)
}

impl Unified {
    /// Convert the value that had `types[index]` to the unified type.
    pub fn convert(&self, index: usize, value: &Value) -> Result<Value, ConvertError> {
        self.convert_at(index, value, &mut Vec::new())
    }

    pub(crate) fn convert_at(
        &self,
        index: usize,
        value: &Value,
        path: &mut Vec<PathStep>,
    ) -> Result<Value, ConvertError> {
        match self.steps.get(index) {
            Some(Step::Convert(conv)) => conv.apply(value, path),
            Some(Step::Unknown) => Ok(Value::DYNAMIC_UNKNOWN),
            Some(Step::Keep) | None => Ok(value.clone()),
        }
    }
}

pub(crate) fn unify_mode(types: &[Type], unsafe_: bool) -> Option<Unified> {
    if types.is_empty() {
        return None;
    }
    // The result depends only on the distinct types (in order of first appearance), and
    // cty's preference sort is quadratic: work on the distinct ones.
    let mut distinct: Vec<Type> = Vec::new();
    let mut seen: HashMap<&Type, usize> = HashMap::new();
    let mut slot = Vec::with_capacity(types.len());
    for t in types {
        let i = *seen.entry(t).or_insert_with(|| {
            distinct.push(t.clone());
            distinct.len() - 1
        });
        slot.push(i);
    }
    let (ty, steps) = unify_distinct(&distinct, unsafe_)?;
    Some(Unified { ty, steps: slot.into_iter().map(|i| steps[i].clone()).collect() })
}

fn unify_distinct(types: &[Type], unsafe_: bool) -> Option<(Type, Vec<Step>)> {
    let n = types.len();
    let count = |f: fn(&Type) -> bool| types.iter().filter(|t| f(t)).count();
    let maps = count(|t| matches!(t, Type::Map(_)));
    let lists = count(|t| matches!(t, Type::List(_)));
    let sets = count(|t| matches!(t, Type::Set(_)));
    let objects = count(|t| matches!(t, Type::Object(_)));
    let tuples = count(|t| matches!(t, Type::Tuple(_)));
    let dynamics = count(|t| matches!(t, Type::Dynamic));
    let has_dynamic = dynamics > 0;
    // cty's switch: the first matching case decides; two of them may fall back to the
    // general search below.
    if maps > 0 && maps + dynamics == n {
        return unify_collections(types, unsafe_, has_dynamic, Type::map);
    } else if maps > 0 && maps + objects + dynamics == n {
        if let Some(found) = unify_as_collection(types, unsafe_, Kind::Map) {
            return Some(found);
        }
    } else if lists > 0 && lists + dynamics == n {
        return unify_collections(types, unsafe_, has_dynamic, Type::list);
    } else if lists > 0 && lists + tuples + dynamics == n {
        if let Some(found) = unify_as_collection(types, unsafe_, Kind::List) {
            return Some(found);
        }
    } else if sets > 0 && sets + dynamics == n {
        return unify_collections(types, unsafe_, has_dynamic, Type::set);
    } else if objects > 0 && objects + dynamics == n {
        return unify_objects(types, unsafe_, has_dynamic);
    } else if tuples > 0 && tuples + dynamics == n {
        return unify_tuples(types, unsafe_, has_dynamic);
    } else if objects > 0 && tuples > 0 {
        return None;
    }

    'preferences: for want_idx in sort_types(types) {
        let want = &types[want_idx];
        let target = TypeConstraint::from(want);
        let mut steps = Vec::with_capacity(n);
        for (i, ty) in types.iter().enumerate() {
            if i == want_idx || ty == want {
                steps.push(Step::Keep);
                continue;
            }
            match get_conversion(ty, &target, unsafe_) {
                Some(conv) => steps.push(Step::Convert(conv)),
                None => continue 'preferences,
            }
        }
        return Some((want.clone(), steps));
    }
    None
}

/// Conversions of every type to `target`; None if one is missing.
fn steps_to(types: &[Type], target: &Type, unsafe_: bool) -> Option<Vec<Step>> {
    let constraint = TypeConstraint::from(target);
    types
        .iter()
        .map(|t| {
            if t == target {
                Some(Step::Keep)
            } else {
                get_conversion(t, &constraint, unsafe_).map(Step::Convert)
            }
        })
        .collect()
}

fn all_dynamic(types: &[Type]) -> Option<(Type, Vec<Step>)> {
    Some((Type::Dynamic, vec![Step::Unknown; types.len()]))
}

fn unify_collections(
    types: &[Type],
    unsafe_: bool,
    has_dynamic: bool,
    make: fn(Type) -> Type,
) -> Option<(Type, Vec<Step>)> {
    if has_dynamic {
        return all_dynamic(types);
    }
    let elems: Vec<Type> = types.iter().filter_map(|t| t.element_type().cloned()).collect();
    let ety = unify_mode(&elems, unsafe_)?.ty;
    let ty = make(ety);
    let steps = steps_to(types, &ty, unsafe_)?;
    Some((ty, steps))
}

#[derive(Clone, Copy)]
enum Kind {
    List,
    Map,
}

/// cty's `unifyTuplesAsList` / `unifyObjectsAsMaps`: unify the structural types alone into a
/// collection first, then everything with that collection in their place.
fn unify_as_collection(types: &[Type], unsafe_: bool, kind: Kind) -> Option<(Type, Vec<Step>)> {
    let is_structural = |t: &Type| match kind {
        Kind::List => matches!(t, Type::Tuple(_)),
        Kind::Map => matches!(t, Type::Object(_)),
    };
    let structural: Vec<Type> = types.iter().filter(|t| is_structural(t)).cloned().collect();
    let (collection, _) = match kind {
        Kind::List => tuples_to_list(&structural, unsafe_)?,
        Kind::Map => objects_to_map(&structural, unsafe_)?,
    };
    let replaced: Vec<Type> = types
        .iter()
        .map(|t| if is_structural(t) { collection.clone() } else { t.clone() })
        .collect();
    let unified = unify_mode(&replaced, unsafe_)?;
    let fits = match kind {
        Kind::List => matches!(unified.ty, Type::List(_)),
        Kind::Map => matches!(unified.ty, Type::Map(_)),
    };
    if !fits {
        return None;
    }
    // cty chains the structural-to-collection conversion with the collection one; converting
    // straight to the final type does the same.
    let steps = steps_to(types, &unified.ty, unsafe_)?;
    Some((unified.ty, steps))
}

fn unify_objects(types: &[Type], unsafe_: bool, has_dynamic: bool) -> Option<(Type, Vec<Step>)> {
    if has_dynamic {
        return all_dynamic(types);
    }
    let attrs_of = |t: &Type| match t {
        Type::Object(a) => Some(a.clone()),
        _ => None,
    };
    let all: Vec<BTreeMap<String, Type>> = types.iter().filter_map(attrs_of).collect();
    let first = &all[0];
    let same_names =
        all[1..].iter().all(|a| a.len() == first.len() && a.keys().all(|k| first.contains_key(k)));
    if !same_names {
        return objects_to_map(types, unsafe_);
    }
    let mut attrs = BTreeMap::new();
    for name in first.keys() {
        let across: Vec<Type> = all.iter().filter_map(|a| a.get(name).cloned()).collect();
        attrs.insert(name.clone(), unify_mode(&across, unsafe_)?.ty);
    }
    let ty = Type::Object(attrs);
    match steps_to(types, &ty, unsafe_) {
        Some(steps) => Some((ty, steps)),
        None => objects_to_map(types, unsafe_),
    }
}

fn objects_to_map(types: &[Type], unsafe_: bool) -> Option<(Type, Vec<Step>)> {
    let attr_types: Vec<Type> = types
        .iter()
        .flat_map(|t| match t {
            Type::Object(a) => a.values().cloned().collect(),
            _ => Vec::new(),
        })
        .collect();
    let ety = unify_mode(&attr_types, unsafe_)?.ty;
    let ty = Type::map(ety);
    let steps = steps_to(types, &ty, unsafe_)?;
    Some((ty, steps))
}

fn unify_tuples(types: &[Type], unsafe_: bool, has_dynamic: bool) -> Option<(Type, Vec<Step>)> {
    if has_dynamic {
        return all_dynamic(types);
    }
    let all: Vec<&Vec<Type>> = types
        .iter()
        .filter_map(|t| match t {
            Type::Tuple(e) => Some(e),
            _ => None,
        })
        .collect();
    let len = all[0].len();
    if all.iter().any(|e| e.len() != len) {
        return tuples_to_list(types, unsafe_);
    }
    let mut etys = Vec::with_capacity(len);
    for i in 0..len {
        let across: Vec<Type> = all.iter().map(|e| e[i].clone()).collect();
        etys.push(unify_mode(&across, unsafe_)?.ty);
    }
    let ty = Type::Tuple(etys);
    match steps_to(types, &ty, unsafe_) {
        Some(steps) => Some((ty, steps)),
        None => tuples_to_list(types, unsafe_),
    }
}

fn tuples_to_list(types: &[Type], unsafe_: bool) -> Option<(Type, Vec<Step>)> {
    let etys: Vec<Type> = types
        .iter()
        .flat_map(|t| match t {
            Type::Tuple(e) => e.clone(),
            _ => Vec::new(),
        })
        .collect();
    let ety = unify_mode(&etys, unsafe_)?.ty;
    let ty = Type::list(ety);
    let steps = steps_to(types, &ty, unsafe_)?;
    Some((ty, steps))
}

/// cty's `sortTypes`: indices of the types, most general first (a topological sort of the
/// "more general than" relation, keeping the given order among incomparable types).
fn sort_types(types: &[Type]) -> Vec<usize> {
    let n = types.len();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in i + 1..n {
            match compare_types(&types[i], &types[j]) {
                Ordering::Less => edges[i].push(j),
                Ordering::Greater => edges[j].push(i),
                Ordering::Equal => {}
            }
        }
    }
    let mut in_degree = vec![0usize; n];
    for outs in &edges {
        for &j in outs {
            in_degree[j] += 1;
        }
    }
    let mut result: Vec<usize> = (0..n).filter(|&i| in_degree[i] == 0).collect();
    let mut next = 0;
    while next < result.len() {
        let i = result[next];
        next += 1;
        for &j in &edges[i] {
            in_degree[j] -= 1;
            if in_degree[j] == 0 {
                result.push(j);
            }
        }
    }
    result
}

/// cty's `compareTypes`: Less when `a` is the more general (preferred) type.
fn compare_types(a: &Type, b: &Type) -> Ordering {
    use Ordering::{Equal, Greater, Less};
    if *a == Type::Dynamic || *b == Type::Dynamic {
        return match (*a == Type::Dynamic, *b == Type::Dynamic) {
            (false, true) => Less,
            (true, false) => Greater,
            _ => Equal,
        };
    }
    if a.is_primitive() && b.is_primitive() && (*a == Type::String || *b == Type::String) {
        return match (*a == Type::String, *b == Type::String) {
            (false, true) => Greater,
            (true, false) => Less,
            _ => Equal,
        };
    }
    match (a, b) {
        (Type::List(x), Type::List(y))
        | (Type::Set(x), Type::Set(y))
        | (Type::Map(x), Type::Map(y)) => {
            return compare_types(x, y);
        }
        _ => {}
    }
    // From here cty may swap the operands to halve the cases.
    let swap = matches!(
        (a, b),
        (Type::Tuple(_), Type::List(_))
            | (Type::Object(_), Type::Map(_))
            | (Type::Set(_), Type::Tuple(_))
            | (Type::Set(_), Type::List(_))
    );
    let (a, b) = if swap { (b, a) } else { (a, b) };
    let flip = |o: Ordering| if swap { o.reverse() } else { o };
    if matches!(b, Type::Set(_)) && matches!(a, Type::Tuple(_) | Type::List(_)) {
        return flip(Less);
    }
    if matches!(a, Type::List(_)) && matches!(b, Type::Tuple(_)) {
        return flip(Less);
    }
    if matches!(a, Type::Map(_)) && matches!(b, Type::Object(_)) {
        return flip(Less);
    }
    let structural = |pairs: Vec<Ordering>| {
        let a_super = pairs.contains(&Less);
        let b_super = pairs.contains(&Greater);
        match (a_super, b_super) {
            (true, false) => flip(Less),
            (false, true) => flip(Greater),
            _ => Equal,
        }
    };
    match (a, b) {
        (Type::Object(x), Type::Object(y)) => {
            if x.len() != y.len() || x.keys().any(|k| !y.contains_key(k)) {
                return Equal;
            }
            structural(x.iter().map(|(k, t)| compare_types(t, &y[k])).collect())
        }
        (Type::Tuple(x), Type::Tuple(y)) => {
            if x.len() != y.len() {
                return Equal;
            }
            structural(x.iter().zip(y).map(|(p, q)| compare_types(p, q)).collect())
        }
        _ => Equal,
    }
}
