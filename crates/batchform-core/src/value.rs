//! Values, as cty has them: typed nulls, typed unknowns ("known after apply"), primitives,
//! collections and structural values, any of which may carry the sensitive mark.
//!
//! The sensitive mark is the `Sensitive` wrapper. It can sit at any depth (an object with one
//! sensitive attribute), and every operation that looks inside a value first takes the mark
//! off with [`Value::unmark`] and puts it back on the result, so it propagates as in
//! Terraform.

pub use crate::refinement::Refinement;

use crate::number::Number;
use crate::types::Type;
use std::cmp::Ordering;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null(Type),
    /// A value not known yet, of this type, with what is known about it (cty's
    /// refinements). Build one with [`Value::unknown`] or [`Value::refined_unknown`].
    Unknown(Type, Refinement),
    Bool(bool),
    Number(Number),
    String(String),
    /// Element type and elements (all of that type).
    List(Type, Vec<Value>),
    /// Element type and elements, sorted by [`set_order`] and without duplicates.
    Set(Type, Vec<Value>),
    Map(Type, BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    Object(BTreeMap<String, Value>),
    Sensitive(Box<Value>),
    /// A type as a value: what `terraform console`'s `type()` function returns. Its type is
    /// [`Type::TypeType`]; it converts to nothing else and cannot be encoded, so it cannot
    /// leave the console.
    Type(Box<Type>),
}

impl Value {
    pub const NULL: Value = Value::Null(Type::Dynamic);
    pub const DYNAMIC_UNKNOWN: Value = Value::Unknown(Type::Dynamic, Refinement::NONE);

    /// An unknown of this type, with nothing else known about it.
    pub fn unknown(ty: Type) -> Value {
        Value::Unknown(ty, Refinement::NONE)
    }

    /// An unknown of this type with a refinement.
    pub fn refined_unknown(ty: Type, refinement: Refinement) -> Value {
        Value::Unknown(ty, refinement)
    }

    /// The refinement of an unknown value (looking through the sensitive mark).
    pub fn refinement(&self) -> Option<&Refinement> {
        match self.unmarked().0 {
            Value::Unknown(_, r) => Some(r),
            _ => None,
        }
    }

    /// This value, refined as not null if it is unknown (looking through the sensitive mark).
    #[must_use]
    pub fn refined_not_null(self) -> Value {
        match self {
            Value::Unknown(ty, mut r) => {
                r.not_null = true;
                Value::Unknown(ty, r)
            }
            Value::Sensitive(v) => Value::Sensitive(Box::new(v.refined_not_null())),
            v => v,
        }
    }

    /// Known not to be null: a known non-null value, or an unknown refined as not null.
    pub fn definitely_not_null(&self) -> bool {
        match self.unmarked().0 {
            Value::Unknown(_, r) => r.not_null,
            v => !v.is_null(),
        }
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn number(n: i64) -> Value {
        Value::Number(Number::from_i64(n))
    }

    pub fn bool(b: bool) -> Value {
        Value::Bool(b)
    }

    pub fn empty_object() -> Value {
        Value::Object(BTreeMap::new())
    }

    pub fn empty_tuple() -> Value {
        Value::Tuple(Vec::new())
    }

    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A list whose elements are known to all have type `elem`.
    pub fn list(elem: Type, items: Vec<Value>) -> Value {
        Value::List(elem, items)
    }

    /// A map whose values are known to all have type `elem`.
    pub fn map(elem: Type, items: BTreeMap<String, Value>) -> Value {
        Value::Map(elem, items)
    }

    /// A set: sorts and removes duplicates.
    pub fn set(elem: Type, mut items: Vec<Value>) -> Value {
        items.sort_by(set_order);
        // Unknown elements may turn out equal to others or not: keep them all.
        items.dedup_by(|a, b| {
            a.is_wholly_known() && b.is_wholly_known() && set_order(a, b) == Ordering::Equal
        });
        Value::Set(elem, items)
    }

    /// A set as cty's `SetVal` makes it: sets cannot hold marks, so the marks of the elements
    /// (at any depth) move to the set itself.
    pub fn set_hoisting_marks(elem: Type, items: Vec<Value>) -> Value {
        let mut marked = false;
        let items = items
            .into_iter()
            .map(|v| {
                if !v.contains_sensitive() {
                    return v;
                }
                let (v, m) = v.unmark_deep();
                marked |= m;
                v
            })
            .collect();
        Value::set(elem, items).with_sensitive(marked)
    }

    /// The type of this value.
    pub fn ty(&self) -> Type {
        match self {
            Value::Null(t) | Value::Unknown(t, _) => t.clone(),
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(t, _) => Type::list(t.clone()),
            Value::Set(t, _) => Type::set(t.clone()),
            Value::Map(t, _) => Type::map(t.clone()),
            Value::Tuple(items) => Type::Tuple(items.iter().map(Value::ty).collect()),
            Value::Object(attrs) => {
                Type::Object(attrs.iter().map(|(k, v)| (k.clone(), v.ty())).collect())
            }
            Value::Sensitive(v) => v.ty(),
            Value::Type(_) => Type::TypeType,
        }
    }

    /// Null (looking through the sensitive mark).
    pub fn is_null(&self) -> bool {
        match self {
            Value::Null(_) => true,
            Value::Sensitive(v) => v.is_null(),
            _ => false,
        }
    }

    /// Known at this level (nested unknowns do not count).
    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown(..) => false,
            Value::Sensitive(v) => v.is_known(),
            _ => true,
        }
    }

    /// Known all the way down.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(..) => false,
            Value::Sensitive(v) => v.is_wholly_known(),
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(_, items) | Value::Object(items) => {
                items.values().all(Value::is_wholly_known)
            }
            _ => true,
        }
    }

    /// Marked sensitive at the top level.
    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    /// Marked sensitive anywhere inside.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                items.iter().any(Value::contains_sensitive)
            }
            Value::Map(_, items) | Value::Object(items) => {
                items.values().any(Value::contains_sensitive)
            }
            _ => false,
        }
    }

    /// Mark as sensitive (idempotent).
    #[must_use]
    pub fn mark_sensitive(self) -> Value {
        match self {
            Value::Sensitive(_) => self,
            v => Value::Sensitive(Box::new(v)),
        }
    }

    /// Mark as sensitive when `sensitive` is true.
    #[must_use]
    pub fn with_sensitive(self, sensitive: bool) -> Value {
        if sensitive { self.mark_sensitive() } else { self }
    }

    /// Take off the top-level mark: the bare value and whether it was marked.
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(v) => (v.unmark().0, true),
            v => (v, false),
        }
    }

    /// Borrowing form of [`Value::unmark`].
    pub fn unmarked(&self) -> (&Value, bool) {
        match self {
            Value::Sensitive(v) => (v.unmarked().0, true),
            v => (v, false),
        }
    }

    /// Whether the two are equal once every mark is taken off (`a.clone().unmark_deep().0 ==
    /// b.clone().unmark_deep().0`), without copying either.
    pub fn eq_ignoring_marks(&self, other: &Value) -> bool {
        fn all(a: &[Value], b: &[Value]) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignoring_marks(y))
        }
        fn maps(a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>) -> bool {
            a.len() == b.len()
                && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && va.eq_ignoring_marks(vb))
        }
        match (self.unmarked().0, other.unmarked().0) {
            (Value::List(ta, a), Value::List(tb, b)) => ta == tb && all(a, b),
            // A set is ordered by its elements' values; compare the unmarked sets as sets.
            (a @ Value::Set(..), b @ Value::Set(..)) => {
                a.clone().unmark_deep().0 == b.clone().unmark_deep().0
            }
            (Value::Tuple(a), Value::Tuple(b)) => all(a, b),
            (Value::Map(ta, a), Value::Map(tb, b)) => ta == tb && maps(a, b),
            (Value::Object(a), Value::Object(b)) => maps(a, b),
            (a, b) => a == b,
        }
    }

    /// Take off every mark at every depth: the bare value and whether any mark was found.
    pub fn unmark_deep(self) -> (Value, bool) {
        match self {
            Value::Sensitive(v) => (v.unmark_deep().0, true),
            Value::List(t, items) => {
                let (items, marked) = unmark_all(items);
                (Value::List(t, items), marked)
            }
            Value::Set(t, items) => {
                let (items, marked) = unmark_all(items);
                (Value::Set(t, items), marked)
            }
            Value::Tuple(items) => {
                let (items, marked) = unmark_all(items);
                (Value::Tuple(items), marked)
            }
            Value::Map(t, items) => {
                let (items, marked) = unmark_map(items);
                (Value::Map(t, items), marked)
            }
            Value::Object(items) => {
                let (items, marked) = unmark_map(items);
                (Value::Object(items), marked)
            }
            v => (v, false),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unmarked().0 {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unmarked().0 {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.unmarked().0 {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// Elements of a list, set or tuple.
    pub fn elements(&self) -> Option<&[Value]> {
        match self.unmarked().0 {
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// Entries of a map or object.
    pub fn entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unmarked().0 {
            Value::Map(_, items) | Value::Object(items) => Some(items),
            _ => None,
        }
    }

    /// An attribute of an object or a key of a map.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        self.entries().and_then(|m| m.get(name))
    }

    /// Every unknown replaced by a null of its type (for rendering "after" when unknowns are
    /// reported separately).
    #[must_use]
    pub fn unknown_as_null(self) -> Value {
        match self {
            Value::Unknown(t, _) => Value::Null(t),
            Value::Sensitive(v) => Value::Sensitive(Box::new(v.unknown_as_null())),
            Value::List(t, items) => {
                Value::List(t, items.into_iter().map(Value::unknown_as_null).collect())
            }
            Value::Set(t, items) => {
                Value::set(t, items.into_iter().map(Value::unknown_as_null).collect())
            }
            Value::Tuple(items) => {
                Value::Tuple(items.into_iter().map(Value::unknown_as_null).collect())
            }
            Value::Map(t, items) => {
                Value::Map(t, items.into_iter().map(|(k, v)| (k, v.unknown_as_null())).collect())
            }
            Value::Object(items) => {
                Value::Object(items.into_iter().map(|(k, v)| (k, v.unknown_as_null())).collect())
            }
            v => v,
        }
    }
}

fn unmark_all(items: Vec<Value>) -> (Vec<Value>, bool) {
    let mut marked = false;
    let items = items
        .into_iter()
        .map(|v| {
            let (v, m) = v.unmark_deep();
            marked |= m;
            v
        })
        .collect();
    (items, marked)
}

fn unmark_map(items: BTreeMap<String, Value>) -> (BTreeMap<String, Value>, bool) {
    let mut marked = false;
    let items = items
        .into_iter()
        .map(|(k, v)| {
            let (v, m) = v.unmark_deep();
            marked |= m;
            (k, v)
        })
        .collect();
    (items, marked)
}

/// The order of set elements, as cty's `setRules.Less` has it (and so as Terraform prints
/// sets): known values first, then unknowns, then nulls; strings lexically, numbers
/// numerically, `false` before `true`; other values by cty's set hash bytes
/// ([`set_hash_bytes`]), then by their structure where those tie.
pub fn set_order(a: &Value, b: &Value) -> Ordering {
    let (a, _) = a.unmarked();
    let (b, _) = b.unmarked();
    match (a.is_null(), b.is_null()) {
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    match (a.is_known(), b.is_known()) {
        (false, true) => return Ordering::Greater,
        (true, false) => return Ordering::Less,
        _ => {}
    }
    let primitive = |v: &Value| matches!(v, Value::Bool(_) | Value::Number(_) | Value::String(_));
    if a.is_known() && !a.is_null() && !primitive(a) && !primitive(b) {
        return set_hash_bytes(a).cmp(&set_hash_bytes(b)).then_with(|| structural_order(a, b));
    }
    structural_order(a, b)
}

/// cty's `appendSetHashBytes`: the text cty orders non-primitive set elements by.
pub fn set_hash_bytes(v: &Value) -> String {
    let mut out = String::new();
    append_set_hash_bytes(v, &mut out);
    out
}

fn append_set_hash_bytes(v: &Value, out: &mut String) {
    match v {
        Value::Sensitive(inner) => append_set_hash_bytes(inner, out),
        Value::Unknown(..) => out.push('?'),
        Value::Null(_) => out.push('~'),
        // cty writes a capsule's address; its type is what identifies it here.
        Value::Type(t) => out.push_str(&t.to_string()),
        // big.Float's String: %.10g.
        Value::Number(n) => out.push_str(&n.to_text_format(b'g', 10)),
        Value::Bool(b) => out.push(if *b { 'T' } else { 'F' }),
        Value::String(s) => out.push_str(&crate::convert::go_quote(s)),
        Value::Map(_, entries) => {
            out.push('{');
            for (k, v) in entries {
                out.push_str(&crate::convert::go_quote(k));
                out.push(':');
                append_set_hash_bytes(v, out);
                out.push(';');
            }
            out.push('}');
        }
        Value::List(_, items) | Value::Set(_, items) => {
            out.push('[');
            for item in items {
                append_set_hash_bytes(item, out);
                out.push(';');
            }
            out.push(']');
        }
        Value::Object(attrs) => {
            out.push('<');
            for v in attrs.values() {
                append_set_hash_bytes(v, out);
                out.push(';');
            }
            out.push('>');
        }
        Value::Tuple(items) => {
            out.push('<');
            for item in items {
                append_set_hash_bytes(item, out);
                out.push(';');
            }
            out.push('>');
        }
    }
}

/// A total order consistent with equality, for ties of [`set_order`].
fn structural_order(a: &Value, b: &Value) -> Ordering {
    let (a, _) = a.unmarked();
    let (b, _) = b.unmarked();
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Bool(_) => 0,
            Value::Number(_) => 1,
            Value::String(_) => 2,
            Value::List(..) | Value::Set(..) | Value::Tuple(_) => 3,
            Value::Map(..) | Value::Object(_) => 4,
            Value::Unknown(..) => 5,
            Value::Null(_) => 6,
            Value::Sensitive(_) => 7,
            Value::Type(_) => 8,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (
            Value::List(_, x) | Value::Set(_, x) | Value::Tuple(x),
            Value::List(_, y) | Value::Set(_, y) | Value::Tuple(y),
        ) => x.len().cmp(&y.len()).then_with(|| {
            x.iter()
                .zip(y)
                .map(|(p, q)| structural_order(p, q))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        }),
        (Value::Map(_, x) | Value::Object(x), Value::Map(_, y) | Value::Object(y)) => {
            x.len().cmp(&y.len()).then_with(|| {
                x.iter()
                    .zip(y)
                    .map(|((ka, va), (kb, vb))| ka.cmp(kb).then_with(|| structural_order(va, vb)))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            })
        }
        (Value::Unknown(x, _), Value::Unknown(y, _)) => x.cmp(y),
        (Value::Type(x), Value::Type(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_ignoring_marks_matches_unmarking_both() {
        let secret = |v: Value| Value::Sensitive(Box::new(v));
        let obj = |k: Value, tags: Value| {
            Value::Object(BTreeMap::from([("key".to_string(), k), ("tags".to_string(), tags)]))
        };
        let tags = |a: &str| {
            Value::Map(Type::String, BTreeMap::from([("a".to_string(), Value::string(a))]))
        };
        let values = [
            obj(Value::string("k"), tags("x")),
            obj(secret(Value::string("k")), tags("x")),
            secret(obj(Value::string("k"), tags("x"))),
            obj(Value::string("k"), secret(tags("x"))),
            obj(Value::string("k"), tags("y")),
            obj(Value::string("other"), tags("x")),
            obj(Value::unknown(Type::String), tags("x")),
            obj(Value::Null(Type::String), tags("x")),
            Value::List(Type::String, vec![Value::string("a"), secret(Value::string("b"))]),
            Value::List(Type::String, vec![Value::string("a"), Value::string("b")]),
            Value::List(Type::String, vec![Value::string("a")]),
            Value::Tuple(vec![Value::string("a"), Value::string("b")]),
            Value::set(Type::String, vec![secret(Value::string("a")), Value::string("b")]),
            Value::set(Type::String, vec![Value::string("a"), Value::string("b")]),
            Value::string("k"),
            secret(Value::string("k")),
        ];
        for a in &values {
            for b in &values {
                let expected = a.clone().unmark_deep().0 == b.clone().unmark_deep().0;
                assert_eq!(a.eq_ignoring_marks(b), expected, "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn sets_sort_and_dedup() {
        let s = Value::set(
            Type::String,
            vec![Value::string("b"), Value::string("a"), Value::string("b")],
        );
        assert_eq!(s, Value::Set(Type::String, vec![Value::string("a"), Value::string("b")]));
    }

    #[test]
    fn sets_of_structures_order_as_cty_does() {
        // terraform console: toset([[9], [10]]) prints [10] first (cty orders by "[10;]").
        let l = |n: i64| Value::List(Type::Number, vec![Value::number(n)]);
        let s = Value::set(Type::list(Type::Number), vec![l(9), l(10)]);
        assert_eq!(s, Value::Set(Type::list(Type::Number), vec![l(10), l(9)]));
        // Known values, then unknowns, then nulls.
        let s = Value::set(
            Type::String,
            vec![Value::Null(Type::String), Value::unknown(Type::String), Value::string("a")],
        );
        assert_eq!(
            s,
            Value::Set(
                Type::String,
                vec![Value::string("a"), Value::unknown(Type::String), Value::Null(Type::String)]
            )
        );
    }

    #[test]
    fn marks_propagate_through_unmark_deep() {
        let v = Value::object([("a", Value::number(1).mark_sensitive()), ("b", Value::number(2))]);
        assert!(v.contains_sensitive());
        assert!(!v.is_sensitive());
        let (bare, marked) = v.unmark_deep();
        assert!(marked);
        assert!(!bare.contains_sensitive());
    }

    #[test]
    fn refinements_say_what_an_unknown_will_not_be() {
        let id = Value::refined_unknown(Type::String, Refinement::NOT_NULL);
        assert!(id.definitely_not_null() && !id.is_known());
        assert!(!Value::unknown(Type::String).definitely_not_null());
        assert!(Value::string("x").definitely_not_null() && !Value::NULL.definitely_not_null());
        // The mark stays outside; known values are left as they are.
        let marked = Value::unknown(Type::String).mark_sensitive().refined_not_null();
        assert!(marked.is_sensitive() && marked.definitely_not_null());
        assert_eq!(Value::number(1).refined_not_null(), Value::number(1));
    }

    #[test]
    fn type_of_structural_values() {
        let v = Value::Tuple(vec![Value::number(1), Value::string("a")]);
        assert_eq!(v.ty().to_string(), "tuple([number, string])");
        assert!(!Value::Tuple(vec![Value::DYNAMIC_UNKNOWN]).is_wholly_known());
    }
}
