//! Planning conversions (cty's `getConversion`); `apply.rs` runs the plans.
//!
//! [`get_conversion`] looks only at types and returns a plan, or None when no conversion
//! exists; [`Conversion::apply`] runs the plan over a value. The split is cty's: whether a
//! conversion is possible never depends on values, only the errors found while converting
//! (a string that is not a number, a map lacking an attribute) do.

use super::constraint::TypeConstraint;
use super::unify::unify_mode;
use crate::types::Type;
use std::collections::{BTreeMap, BTreeSet};

/// A planned conversion to one target type.
#[derive(Debug, Clone)]
pub(crate) struct Conversion {
    /// The target without optional markers: the type of nulls and unknowns produced.
    pub(super) out: Type,
    pub(super) kind: Kind,
}

#[derive(Debug, Clone)]
pub(super) enum Kind {
    /// To `dynamic`: the value as it is.
    Passthrough,
    /// From `dynamic` (unsafe only): decided once the value's real type is known.
    DynamicFixup(TypeConstraint),
    NumberToString,
    BoolToString,
    StringToNumber,
    StringToBool,
    ObjectToObject {
        /// Attributes of the target present in the source, with their conversion (None when
        /// the types already match).
        attrs: BTreeMap<String, Option<Conversion>>,
        /// Optional attributes of the target, with their types: null when absent.
        optional: BTreeMap<String, Type>,
    },
    TupleToTuple(Vec<Option<Conversion>>),
    CollectionToList {
        ety: TypeConstraint,
        conv: Option<Box<Conversion>>,
    },
    CollectionToSet {
        ety: TypeConstraint,
        conv: Option<Box<Conversion>>,
    },
    CollectionToMap {
        ety: TypeConstraint,
        conv: Box<Conversion>,
    },
    TupleToList {
        ety: TypeConstraint,
        convs: Vec<Option<Conversion>>,
        unsafe_: bool,
    },
    TupleToSet {
        ety: TypeConstraint,
        convs: Vec<Option<Conversion>>,
    },
    ObjectToMap {
        ety: TypeConstraint,
        convs: BTreeMap<String, Option<Conversion>>,
        unsafe_: bool,
    },
    MapToObject {
        /// Target attributes with their types (without optional markers).
        attrs: BTreeMap<String, Type>,
        optional: BTreeSet<String>,
        convs: BTreeMap<String, AttrSlot>,
    },
}

#[derive(Debug, Clone)]
pub(super) enum AttrSlot {
    Convert(Conversion),
    /// An optional attribute the map's elements cannot convert to: an error only if the map
    /// actually has that key.
    Impossible(TypeConstraint),
}

/// cty's `getConversion`: a plan from `from` to `to`, or None.
pub(crate) fn get_conversion(
    from: &Type,
    to: &TypeConstraint,
    unsafe_: bool,
) -> Option<Conversion> {
    let kind = get_conversion_known(from, to, unsafe_)?;
    Some(Conversion { out: to.to_type(), kind })
}

fn get_conversion_known(from: &Type, to: &TypeConstraint, unsafe_: bool) -> Option<Kind> {
    use TypeConstraint as C;
    match (from, to) {
        (_, C::Dynamic) => Some(Kind::Passthrough),
        (Type::Dynamic, _) if unsafe_ => Some(Kind::DynamicFixup(to.clone())),
        (Type::Number, C::String) => Some(Kind::NumberToString),
        (Type::Bool, C::String) => Some(Kind::BoolToString),
        (Type::String, C::Number) if unsafe_ => Some(Kind::StringToNumber),
        (Type::String, C::Bool) if unsafe_ => Some(Kind::StringToBool),
        (Type::Object(in_attrs), C::Object(out_attrs)) => {
            object_to_object(in_attrs, out_attrs, unsafe_)
        }
        (Type::Tuple(in_etys), C::Tuple(out_etys)) => {
            if in_etys.len() != out_etys.len() {
                return None;
            }
            let convs = in_etys
                .iter()
                .zip(out_etys)
                .map(|(i, o)| convert_unless_equal(i, o, unsafe_))
                .collect::<Option<Vec<_>>>()?;
            Some(Kind::TupleToTuple(convs))
        }
        (Type::List(in_ety) | Type::Set(in_ety), C::List(out_ety)) => {
            let conv = convert_unless_equal(in_ety, out_ety, unsafe_)?;
            Some(Kind::CollectionToList { ety: (**out_ety).clone(), conv: conv.map(Box::new) })
        }
        (Type::List(in_ety) | Type::Set(in_ety), C::Set(out_ety)) => {
            if matches!(from, Type::List(_)) && !unsafe_ {
                // Order and duplicates would be lost.
                return None;
            }
            let conv = convert_unless_equal(in_ety, out_ety, unsafe_)?;
            Some(Kind::CollectionToSet { ety: (**out_ety).clone(), conv: conv.map(Box::new) })
        }
        (Type::Map(in_ety), C::Map(out_ety)) => {
            let conv = get_conversion(in_ety, out_ety, unsafe_)?;
            Some(Kind::CollectionToMap { ety: (**out_ety).clone(), conv: Box::new(conv) })
        }
        (Type::Tuple(etys), C::List(out_ety)) => {
            let (ety, convs) = tuple_to_sequence(etys, out_ety, unsafe_)?;
            Some(Kind::TupleToList { ety, convs, unsafe_ })
        }
        (Type::Tuple(etys), C::Set(out_ety)) => {
            let (ety, convs) = tuple_to_sequence(etys, out_ety, unsafe_)?;
            Some(Kind::TupleToSet { ety, convs })
        }
        (Type::Object(attrs), C::Map(out_ety)) => object_to_map(attrs, out_ety, unsafe_),
        (Type::Map(in_ety), C::Object(out_attrs)) if unsafe_ => {
            map_to_object(in_ety, out_attrs, unsafe_)
        }
        _ => None,
    }
}

/// None inside Some when the types are already equal; None when impossible.
fn convert_unless_equal(
    from: &Type,
    to: &TypeConstraint,
    unsafe_: bool,
) -> Option<Option<Conversion>> {
    if to.equals_type(from) {
        return Some(None);
    }
    get_conversion(from, to, unsafe_).map(Some)
}

fn object_to_object(
    in_attrs: &BTreeMap<String, Type>,
    out_attrs: &BTreeMap<String, super::constraint::AttrConstraint>,
    unsafe_: bool,
) -> Option<Kind> {
    let mut attrs = BTreeMap::new();
    let mut optional = BTreeMap::new();
    for (name, out_attr) in out_attrs {
        if out_attr.optional {
            optional.insert(name.clone(), out_attr.ty.to_type());
        }
        match in_attrs.get(name) {
            None if out_attr.optional => {}
            None => return None,
            Some(in_ty) => {
                attrs.insert(name.clone(), convert_unless_equal(in_ty, &out_attr.ty, unsafe_)?);
            }
        }
    }
    Some(Kind::ObjectToObject { attrs, optional })
}

/// Shared planning of tuple-to-list and tuple-to-set: the element type (unified from the
/// tuple's when the target's is `dynamic`) and one conversion per element.
fn tuple_to_sequence(
    etys: &[Type],
    out_ety: &TypeConstraint,
    unsafe_: bool,
) -> Option<(TypeConstraint, Vec<Option<Conversion>>)> {
    if etys.is_empty() {
        return Some((out_ety.clone(), Vec::new()));
    }
    let ety = if out_ety.is_dynamic() {
        let unified = unify_mode(etys, unsafe_)?.ty;
        if unified == Type::Dynamic && etys.iter().any(|t| *t != Type::Dynamic) {
            return None;
        }
        TypeConstraint::from(&unified)
    } else {
        out_ety.clone()
    };
    let convs =
        etys.iter().map(|t| convert_unless_equal(t, &ety, unsafe_)).collect::<Option<Vec<_>>>()?;
    Some((ety, convs))
}

fn object_to_map(
    attrs: &BTreeMap<String, Type>,
    out_ety: &TypeConstraint,
    unsafe_: bool,
) -> Option<Kind> {
    if attrs.is_empty() {
        return Some(Kind::ObjectToMap { ety: out_ety.clone(), convs: BTreeMap::new(), unsafe_ });
    }
    let ety = if out_ety.is_dynamic() {
        let types: Vec<Type> = attrs.values().cloned().collect();
        TypeConstraint::from(&unify_mode(&types, unsafe_)?.ty)
    } else {
        out_ety.clone()
    };
    let convs = attrs
        .iter()
        .map(|(name, t)| Some((name.clone(), convert_unless_equal(t, &ety, unsafe_)?)))
        .collect::<Option<BTreeMap<_, _>>>()?;
    Some(Kind::ObjectToMap { ety, convs, unsafe_ })
}

fn map_to_object(
    in_ety: &Type,
    out_attrs: &BTreeMap<String, super::constraint::AttrConstraint>,
    unsafe_: bool,
) -> Option<Kind> {
    let mut convs = BTreeMap::new();
    for (name, attr) in out_attrs {
        if attr.ty.equals_type(in_ety) {
            continue;
        }
        match get_conversion(in_ety, &attr.ty, unsafe_) {
            Some(conv) => {
                convs.insert(name.clone(), AttrSlot::Convert(conv));
            }
            None if attr.optional && unsafe_ => {
                convs.insert(name.clone(), AttrSlot::Impossible(attr.ty.clone()));
            }
            None => return None,
        }
    }
    Some(Kind::MapToObject {
        attrs: out_attrs.iter().map(|(k, a)| (k.clone(), a.ty.to_type())).collect(),
        optional: out_attrs.iter().filter(|(_, a)| a.optional).map(|(k, _)| k.clone()).collect(),
        convs,
    })
}

/// cty's `dynamicReplace`: the target type, with any `dynamic` in it replaced by the
/// corresponding part of the source type (how a converted null or unknown gets its type).
pub(crate) fn dynamic_replace(from: &Type, to: &Type) -> Type {
    if *from == Type::Dynamic {
        return to.clone();
    }
    match to {
        Type::Dynamic => from.clone(),
        Type::Bool | Type::Number | Type::String | Type::TypeType => to.clone(),
        Type::Map(out_ety) => match from {
            Type::Map(in_ety) => Type::map(dynamic_replace(in_ety, out_ety)),
            Type::Object(attrs) => {
                let types: Vec<Type> = attrs.values().cloned().collect();
                match unify_mode(&types, true) {
                    Some(u) => Type::map(dynamic_replace(&u.ty, out_ety)),
                    None => to.clone(),
                }
            }
            _ => to.clone(),
        },
        Type::Object(out_attrs) => match from {
            Type::Map(in_ety) => Type::Object(
                out_attrs.iter().map(|(k, t)| (k.clone(), dynamic_replace(in_ety, t))).collect(),
            ),
            Type::Object(in_attrs) => Type::Object(
                out_attrs
                    .iter()
                    .map(|(k, t)| {
                        let t = match in_attrs.get(k) {
                            Some(in_t) => dynamic_replace(in_t, t),
                            None => t.clone(),
                        };
                        (k.clone(), t)
                    })
                    .collect(),
            ),
            _ => Type::Object(BTreeMap::new()),
        },
        Type::Set(out_ety) | Type::List(out_ety) => {
            let ety = match from {
                Type::Set(in_ety) | Type::List(in_ety) => dynamic_replace(in_ety, out_ety),
                Type::Tuple(etys) => match unify_mode(etys, true) {
                    Some(u) => dynamic_replace(&u.ty, out_ety),
                    None => (**out_ety).clone(),
                },
                _ => (**out_ety).clone(),
            };
            if matches!(to, Type::Set(_)) { Type::set(ety) } else { Type::list(ety) }
        }
        Type::Tuple(out_etys) => match from {
            Type::Tuple(in_etys) if in_etys.len() == out_etys.len() => Type::Tuple(
                in_etys.iter().zip(out_etys).map(|(i, o)| dynamic_replace(i, o)).collect(),
            ),
            _ => to.clone(),
        },
    }
}
