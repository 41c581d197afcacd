//! Cases from go-cty's `convert` tests (`public_test.go`, `unify_test.go`,
//! `mismatch_msg_test.go`), with the expectations the Go code has.

use super::*;
use crate::json::from_json_typed;
use std::collections::BTreeMap;

/// A value from cty's JSON type encoding and a JSON value.
fn tv(ty: &str, json: &str) -> Value {
    let ty = ty_of(ty);
    from_json_typed(&serde_json::from_str(json).unwrap(), &ty).unwrap()
}

fn ty_of(ty: &str) -> Type {
    Type::from_json(&serde_json::from_str(ty).unwrap()).unwrap()
}

fn s(v: &str) -> Value {
    Value::string(v)
}

fn n(v: i64) -> Value {
    Value::number(v)
}

fn obj(attrs: &[(&str, Value)]) -> Value {
    Value::object(attrs.iter().cloned())
}

fn ok(value: &Value, want: &str) -> Value {
    convert(value, &ty_of(want)).unwrap_or_else(|e| panic!("{value:?} to {want}: {e}"))
}

fn err(value: &Value, want: &str) -> String {
    match convert(value, &ty_of(want)) {
        Ok(v) => panic!("{value:?} to {want} gave {v:?}"),
        Err(e) => e.message,
    }
}

#[test]
fn primitives() {
    assert_eq!(ok(&s("1"), r#""number""#), n(1));
    assert_eq!(ok(&s("1.5"), r#""number""#).as_number().unwrap().to_text(), "1.5");
    assert_eq!(err(&s("hello"), r#""number""#), "a number is required");
    assert_eq!(ok(&s("true"), r#""bool""#), Value::Bool(true));
    assert_eq!(ok(&s("1"), r#""bool""#), Value::Bool(true));
    assert_eq!(ok(&s("0"), r#""bool""#), Value::Bool(false));
    assert_eq!(err(&s("hello"), r#""bool""#), "a bool is required");
    assert_eq!(
        err(&s("True"), r#""bool""#),
        "a bool is required; to convert from string, use lowercase \"true\""
    );
    assert_eq!(
        err(&s("FALSE"), r#""bool""#),
        "a bool is required; to convert from string, use lowercase \"false\""
    );
    assert_eq!(ok(&n(4), r#""string""#), s("4"));
    let float = Value::Number(crate::Number::from_f64(1.23456789012));
    assert_eq!(ok(&float, r#""string""#), s("1.23456789012"));
    assert_eq!(ok(&Value::Bool(false), r#""string""#), s("false"));
    assert_eq!(err(&Value::Bool(true), r#""number""#), "number required");
    assert_eq!(ok(&s("hello"), r#""dynamic""#), s("hello"));
}

#[test]
fn unknowns_and_nulls_take_the_target_type() {
    assert_eq!(ok(&Value::unknown(Type::String), r#""number""#), Value::unknown(Type::Number));
    assert_eq!(ok(&Value::DYNAMIC_UNKNOWN, r#""string""#), Value::unknown(Type::String));
    assert_eq!(ok(&Value::NULL, r#"["list","string"]"#), Value::Null(Type::list(Type::String)));
    // dynamic parts of the target are filled from the source type.
    assert_eq!(
        ok(&Value::Null(Type::list(Type::Number)), r#"["list","dynamic"]"#),
        Value::Null(Type::list(Type::Number))
    );
    assert_eq!(
        ok(&Value::unknown(ty_of(r#"["tuple",["string","string"]]"#)), r#"["list","dynamic"]"#),
        Value::unknown(Type::list(Type::String))
    );
}

#[test]
fn marks_stay_where_they_were() {
    let v = Value::Tuple(vec![n(1), n(2).mark_sensitive()]);
    let got = ok(&v, r#"["list","string"]"#);
    assert_eq!(got, Value::List(Type::String, vec![s("1"), s("2").mark_sensitive()]));
    let got = ok(&n(5).mark_sensitive(), r#""string""#);
    assert_eq!(got, s("5").mark_sensitive());
    // Sets cannot hold marks: they move to the set.
    let got = ok(&v, r#"["set","number"]"#);
    assert_eq!(got, Value::set(Type::Number, vec![n(1), n(2)]).mark_sensitive());
}

#[test]
fn collections() {
    let list = tv(r#"["list","number"]"#, "[5, 10]");
    assert_eq!(ok(&list, r#"["list","string"]"#), tv(r#"["list","string"]"#, r#"["5","10"]"#));
    assert_eq!(ok(&list, r#"["list","dynamic"]"#), list);
    assert_eq!(ok(&list, r#"["set","number"]"#), tv(r#"["set","number"]"#, "[10, 5]"));
    let tuple = Value::Tuple(vec![s("a"), n(9), Value::NULL]);
    assert_eq!(
        ok(&tuple, r#"["list","dynamic"]"#),
        Value::List(Type::String, vec![s("a"), s("9"), Value::Null(Type::String)])
    );
    let mixed = Value::Tuple(vec![tv(r#"["list","string"]"#, r#"["a"]"#), s("b"), Value::NULL]);
    assert_eq!(err(&mixed, r#"["set","dynamic"]"#), "all set elements must have the same type");
    assert_eq!(err(&mixed, r#"["list","dynamic"]"#), "all list elements must have the same type");
    assert_eq!(
        err(&Value::Tuple(vec![s("a"), Value::empty_tuple()]), r#"["list","string"]"#),
        "element 1: string required"
    );
    let object = obj(&[("a", n(1)), ("b", s("x"))]);
    assert_eq!(
        ok(&object, r#"["map","dynamic"]"#),
        tv(r#"["map","string"]"#, r#"{"a":"1","b":"x"}"#)
    );
    let object = obj(&[("a", n(1)), ("b", Value::empty_tuple())]);
    assert_eq!(err(&object, r#"["map","dynamic"]"#), "all map elements must have the same type");
    assert_eq!(err(&object, r#"["map","number"]"#), "element \"b\": number required");
    assert_eq!(err(&list, r#"["map","number"]"#), "map of number required");
    assert_eq!(
        err(&tv(r#"["list","bool"]"#, "[true]"), r#"["list","number"]"#),
        "incorrect list element type: number required"
    );
    assert_eq!(
        ok(&Value::empty_tuple(), r#"["list","string"]"#),
        Value::List(Type::String, vec![])
    );
    assert_eq!(
        ok(&Value::empty_tuple(), r#"["set","dynamic"]"#),
        Value::set(Type::Dynamic, vec![])
    );
}

#[test]
fn nested_maps_unify_their_elements() {
    // reduction of hashicorp/terraform#23431
    let v = obj(&[
        ("a", obj(&[("x", Value::Tuple(vec![s("foo")]))])),
        ("b", obj(&[("x", Value::Tuple(vec![s("bar")]))])),
        ("c", obj(&[("x", Value::Tuple(vec![s("foo"), s("bar")]))])),
    ]);
    let got = ok(&v, r#"["map",["map","dynamic"]]"#);
    assert_eq!(got.ty(), ty_of(r#"["map",["map",["list","string"]]]"#));
    // reduction of hashicorp/terraform#24167
    let v = obj(&[
        ("a", obj(&[("x", Value::NULL)])),
        ("b", obj(&[("x", obj(&[("c", n(1)), ("d", n(2))]))])),
    ]);
    assert_eq!(
        err(&v, r#"["map",["map",["object",{"x":["map","dynamic"]}]]]"#),
        "element \"b\": element \"x\": attribute \"x\" is required"
    );
}

#[test]
fn objects() {
    let v = obj(&[("foo", n(1)), ("bar", s("x"))]);
    assert_eq!(ok(&v, r#"["object",{"foo":"string"}]"#), obj(&[("foo", s("1"))]));
    assert_eq!(
        err(&v, r#"["object",{"foo":"number","baz":"string"}]"#),
        "attribute \"baz\" is required"
    );
    assert_eq!(
        err(&obj(&[]), r#"["object",{"foo":"number","baz":"string"}]"#),
        "attributes \"baz\" and \"foo\" are required"
    );
    assert_eq!(
        err(&obj(&[]), r#"["object",{"foo":"number","baz":"string","bar":"bool"}]"#),
        "attributes \"bar\", \"baz\", and \"foo\" are required"
    );
    assert_eq!(
        err(&obj(&[("foo", Value::empty_tuple())]), r#"["object",{"foo":"number"}]"#),
        "attribute \"foo\": number required"
    );
    let m = tv(r#"["map","string"]"#, r#"{"greeting":"Hello","name":"John"}"#);
    assert_eq!(ok(&m, r#"["object",{"name":"string"}]"#), obj(&[("name", s("John"))]));
    assert_eq!(
        err(&m, r#"["object",{"greeting":["list","string"],"name":"string"}]"#),
        "object required"
    );
    let m = tv(r#"["map","string"]"#, r#"{"name":"John"}"#);
    assert_eq!(
        err(&m, r#"["object",{"greeting":"string","name":"string"}]"#),
        "map has no element for required attribute \"greeting\""
    );
    assert_eq!(err(&n(1), r#"["object",{}]"#), "object required");
    assert_eq!(
        err(&Value::Tuple(vec![n(1)]), r#"["tuple",["number","number"]]"#),
        "tuple required"
    );
}

#[test]
fn optional_attributes() {
    let want = TypeConstraint::Object(BTreeMap::from([
        ("a".to_string(), AttrConstraint::required(TypeConstraint::String)),
        ("b".to_string(), AttrConstraint::optional(TypeConstraint::String, None)),
        ("c".to_string(), AttrConstraint::optional(TypeConstraint::Dynamic, None)),
    ]));
    let m = tv(r#"["map","string"]"#, r#"{"a":"boop"}"#);
    assert_eq!(
        convert_to_constraint(&m, &want).unwrap(),
        obj(&[("a", s("boop")), ("b", Value::Null(Type::String)), ("c", Value::NULL)])
    );
    let o = obj(&[("a", n(1))]);
    assert_eq!(
        convert_to_constraint(&o, &want).unwrap(),
        obj(&[("a", s("1")), ("b", Value::Null(Type::String)), ("c", Value::NULL)])
    );
    let want = TypeConstraint::Object(BTreeMap::from([
        ("a".to_string(), AttrConstraint::required(TypeConstraint::String)),
        (
            "c".to_string(),
            AttrConstraint::optional(
                TypeConstraint::Object(BTreeMap::from([(
                    "d".to_string(),
                    AttrConstraint::required(TypeConstraint::String),
                )])),
                None,
            ),
        ),
    ]));
    let m = tv(r#"["map","string"]"#, r#"{"a":"boop","c":"foobar"}"#);
    assert_eq!(
        convert_to_constraint(&m, &want).unwrap_err().message,
        "map element type is incompatible with attribute \"c\": object required"
    );
    assert_eq!(
        convert_to_constraint(&obj(&[]), &want).unwrap_err().message,
        "attribute \"a\" is required"
    );
}

#[test]
fn defaults_fill_missing_and_null_attributes_at_any_depth() {
    // variable type: list(object({ name = string, port = optional(number, 80),
    //                               tags = optional(map(string), {}) }))
    let elem = TypeConstraint::Object(BTreeMap::from([
        ("name".to_string(), AttrConstraint::required(TypeConstraint::String)),
        ("port".to_string(), AttrConstraint::optional(TypeConstraint::Number, Some(n(80)))),
        (
            "tags".to_string(),
            AttrConstraint::optional(
                TypeConstraint::Map(Box::new(TypeConstraint::String)),
                Some(Value::Map(Type::String, BTreeMap::new())),
            ),
        ),
    ]));
    let want = TypeConstraint::List(Box::new(elem));
    let given = Value::Tuple(vec![
        obj(&[("name", s("a"))]),
        obj(&[("name", s("b")), ("port", n(8080)), ("tags", Value::NULL)]),
    ]);
    let filled = want.apply_defaults(&given);
    let got = convert_to_constraint(&filled, &want).unwrap();
    let empty_tags = Value::Map(Type::String, BTreeMap::new());
    assert_eq!(
        got,
        Value::List(
            ty_of(r#"["object",{"name":"string","port":"number","tags":["map","string"]}]"#),
            vec![
                obj(&[("name", s("a")), ("port", n(80)), ("tags", empty_tags.clone())]),
                obj(&[("name", s("b")), ("port", n(8080)), ("tags", empty_tags)]),
            ]
        )
    );
    // A null variable stays null: defaults apply inside values only.
    assert_eq!(want.apply_defaults(&Value::NULL), Value::NULL);
}

#[test]
fn unify_prefers_the_most_general_type() {
    let u = |tys: &[&str]| unify(&tys.iter().map(|t| ty_of(t)).collect::<Vec<_>>()).map(|u| u.ty);
    assert_eq!(u(&[r#""number""#, r#""string""#]), Some(Type::String));
    assert_eq!(u(&[r#""bool""#, r#""number""#]), None);
    assert_eq!(u(&[r#""dynamic""#, r#""string""#]), Some(Type::String));
    assert_eq!(
        u(&[r#"["list","number"]"#, r#"["list","string"]"#]),
        Some(Type::list(Type::String))
    );
    assert_eq!(
        u(&[r#"["tuple",["string"]]"#, r#"["list","number"]"#]),
        Some(Type::list(Type::String))
    );
    assert_eq!(
        u(&[r#"["object",{"a":"string"}]"#, r#"["map","number"]"#]),
        Some(Type::map(Type::String))
    );
    assert_eq!(
        u(&[r#"["object",{"a":"string"}]"#, r#"["object",{"a":"number"}]"#]),
        Some(ty_of(r#"["object",{"a":"string"}]"#))
    );
    assert_eq!(
        u(&[r#"["object",{"a":"string"}]"#, r#"["object",{"b":"number"}]"#]),
        Some(Type::map(Type::String))
    );
    assert_eq!(
        u(&[r#"["tuple",["string"]]"#, r#"["tuple",["number","bool"]]"#]),
        Some(Type::list(Type::String))
    );
    assert_eq!(u(&[r#"["tuple",["bool"]]"#, r#"["tuple",["number"]]"#]), None);
    assert_eq!(
        u(&[r#"["tuple",["string"]]"#, r#"["tuple",["number","number"]]"#]),
        Some(Type::list(Type::String))
    );
    assert_eq!(u(&[r#"["object",{}]"#, r#"["tuple",[]]"#]), None);
    assert_eq!(u(&[r#"["list","string"]"#, r#""dynamic""#]), Some(Type::Dynamic));
    assert_eq!(u(&[]), None);
}

#[test]
fn unified_conversions_convert_each_value() {
    let types = vec![Type::Number, Type::String, Type::Dynamic];
    let unified = unify(&types).unwrap();
    assert_eq!(unified.ty, Type::String);
    assert_eq!(unified.convert(0, &n(5)).unwrap(), s("5"));
    assert_eq!(unified.convert(1, &s("x")).unwrap(), s("x"));
    assert_eq!(unified.convert(2, &Value::NULL).unwrap(), Value::Null(Type::String));
    // With a dynamic collection member, cty gives up and every value becomes unknown.
    let unified = unify(&[Type::list(Type::String), Type::Dynamic]).unwrap();
    assert_eq!(
        unified.convert(0, &tv(r#"["list","string"]"#, "[]")).unwrap(),
        Value::DYNAMIC_UNKNOWN
    );
}

#[test]
fn go_quote_matches_strconv_quote() {
    assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
    assert_eq!(go_quote("\u{0}\t\n\u{7f}"), r#""\x00\t\n\x7f""#);
    assert_eq!(go_quote("héllo ☃"), "\"héllo ☃\"");
    assert_eq!(go_quote("\u{a0}\u{200b}"), r#""\u00a0\u200b""#);
}
