//! The library's contract with its callers: names, context switches, error texts, marks.

use super::super::{
    EmptyFileSystem, FunctionContext, FunctionError, Impurity, call, exists, names, parameter_names,
};
use batchform_core::{Refinement, Type, Value};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// No files: these evaluations must not read any.
const NO_FILES: EmptyFileSystem = EmptyFileSystem::at("/work");

fn ctx() -> FunctionContext<'static> {
    FunctionContext {
        fs: &NO_FILES,
        base_dir: Path::new("."),
        impurity: Impurity::Evaluate,
        templates: None,
        console: false,
        now: None,
        in_template: false,
    }
}

fn one_error(result: Result<Value, Vec<FunctionError>>) -> FunctionError {
    let mut errors = result.expect_err("the call should fail");
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.remove(0)
}

#[test]
fn every_function_of_the_issue_exists() {
    let wanted = "abs ceil floor max min parseint pow signum chomp endswith format formatlist \
        indent join lower regex regexall replace split startswith strrev substr title trim \
        trimprefix trimspace trimsuffix upper alltrue anytrue chunklist coalesce coalescelist \
        compact concat contains distinct element flatten index keys length list lookup merge \
        one range reverse setintersection setproduct setsubtract setunion slice sort sum \
        transpose values zipmap base64decode base64encode csvdecode jsondecode jsonencode \
        urlencode yamldecode yamlencode abspath basename dirname file fileexists fileset \
        filebase64 filemd5 filesha256 templatefile pathexpand md5 sha1 sha256 sha512 uuid \
        timestamp formatdate timeadd tobool tolist tomap tonumber toset tostring type \
        sensitive nonsensitive";
    for name in wanted.split_whitespace() {
        assert!(exists(name), "{name}");
    }
    let all: Vec<&str> = names().collect();
    assert!(all.windows(2).all(|w| w[0] < w[1]), "names are sorted and unique");
    assert!(!exists("can") && !exists("try"), "can and try belong to the evaluator");
}

#[test]
fn unknown_functions_and_console_only_type() {
    let e = one_error(call("nosuch", vec![], &ctx()));
    assert_eq!(e.summary(), "Call to unknown function");
    assert_eq!(e.detail(), "There is no function named \"nosuch\".");
    // `type` exists only in `terraform console`.
    let e = one_error(call("type", vec![Value::number(1)], &ctx()));
    assert_eq!(e, FunctionError::UnknownFunction { name: "type".into() });
    let console = FunctionContext { console: true, ..ctx() };
    assert_eq!(
        call("type", vec![Value::number(1).mark_sensitive()], &console),
        Ok(Value::Type(Box::new(batchform_core::Type::Number))),
        "a type value, without the argument's marks"
    );
}

#[test]
fn diagnostics_word_for_word() {
    let e = one_error(call("abs", vec![], &ctx()));
    assert_eq!(e.summary(), "Not enough function arguments");
    assert_eq!(e.detail(), "Function \"abs\" expects 1 argument(s). Missing value for \"num\".");
    assert_eq!(e.argument_index(), None);
    let e = one_error(call("join", vec![], &ctx()));
    assert_eq!(
        e.detail(),
        "Function \"join\" expects at least 1 argument(s). Missing value for \"separator\"."
    );
    let e = one_error(call("abs", vec![Value::number(1), Value::number(2)], &ctx()));
    assert_eq!(e.summary(), "Too many function arguments");
    assert_eq!(e.detail(), "Function \"abs\" expects only 1 argument(s).");
    assert_eq!(e.argument_index(), Some(1), "Terraform points at the first extra argument");
    let e = one_error(call("abs", vec![Value::string("x")], &ctx()));
    assert_eq!(e.summary(), "Invalid function argument");
    assert_eq!(e.detail(), "Invalid value for \"num\" parameter: a number is required.");
    assert_eq!(e.argument_index(), Some(0));
    let e = one_error(call("max", vec![], &ctx()));
    assert_eq!(e.summary(), "Error in function call");
    assert_eq!(e.detail(), "Call to function \"max\" failed: must pass at least one number.");
    // Conversion errors are reported for every argument, as HCL does.
    let errors =
        call("substr", vec![Value::number(1), Value::string("a"), Value::string("b")], &ctx())
            .unwrap_err();
    let indexes: Vec<Option<usize>> = errors.iter().map(FunctionError::argument_index).collect();
    assert_eq!(indexes, vec![Some(1), Some(2)]);
}

#[test]
fn impure_functions_are_unknown_during_plan() {
    let plan = FunctionContext { impurity: Impurity::Unknown, ..ctx() };
    // terraform console -plan: `uuid() == null` is false, the unknown is not null.
    let not_null = Value::refined_unknown(Type::String, Refinement::NOT_NULL);
    assert_eq!(call("uuid", vec![], &plan), Ok(not_null.clone()));
    assert_eq!(call("timestamp", vec![], &plan), Ok(not_null));
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_millis(5);
    let apply = FunctionContext { now: Some(at), ..ctx() };
    assert_eq!(call("timestamp", vec![], &apply), Ok(Value::string("2023-11-14T22:13:20Z")));
    let a = call("uuid", vec![], &apply).unwrap();
    let b = call("uuid", vec![], &apply).unwrap();
    assert_ne!(a, b, "a fresh uuid on every call");
}

#[test]
fn marks_propagate_unless_the_function_handles_them() {
    let secret = Value::string("abc").mark_sensitive();
    assert_eq!(
        call("upper", vec![secret.clone()], &ctx()),
        Ok(Value::string("ABC").mark_sensitive())
    );
    // A sensitive element inside a list marks the whole result of a function that does
    // not look at marks.
    let list = Value::Tuple(vec![Value::string("a"), secret.clone()]);
    assert_eq!(
        call("join", vec![Value::string("-"), list.clone()], &ctx()),
        Ok(Value::string("a-abc").mark_sensitive())
    );
    // length handles marks itself: only the top-level mark carries over.
    assert_eq!(call("length", vec![list], &ctx()), Ok(Value::number(2)));
    assert_eq!(call("nonsensitive", vec![secret], &ctx()), Ok(Value::string("abc")));
    // An unknown argument short-circuits to an unknown of the return type, with the marks
    // (and not null for `upper`, but possibly null for `tostring`).
    let unknown = Value::unknown(Type::String).mark_sensitive();
    assert_eq!(
        call("upper", vec![unknown.clone()], &ctx()),
        Ok(Value::refined_unknown(Type::String, Refinement::NOT_NULL).mark_sensitive())
    );
    assert_eq!(call("tostring", vec![unknown.clone()], &ctx()), Ok(unknown));
}

#[test]
fn parameters_are_named_as_terraform_names_them() {
    assert_eq!(parameter_names("lookup"), Some(vec!["inputMap", "key", "default"]));
    assert_eq!(parameter_names("format"), Some(vec!["format", "args"]));
    assert_eq!(parameter_names("nosuch"), None);
}

#[test]
fn templatefile_needs_a_renderer_and_cannot_recurse() {
    let args = || vec![Value::string("t.tftpl"), Value::empty_object()];
    let e = one_error(call("templatefile", args(), &ctx()));
    assert_eq!(
        e.detail(),
        "Call to function \"templatefile\" failed: templates cannot be rendered here."
    );
    let inside = FunctionContext { in_template: true, ..ctx() };
    let e = one_error(call("templatefile", args(), &inside));
    assert_eq!(
        e.detail(),
        "Call to function \"templatefile\" failed: cannot recursively call templatefile from inside templatefile call."
    );
}

#[test]
fn not_null_results_name_real_functions() {
    let names: Vec<&str> = super::super::names().collect();
    for name in super::super::spec::NOT_NULL_RESULTS {
        assert!(names.contains(name), "{name} is not a function");
    }
    assert!(super::super::spec::NOT_NULL_RESULTS.windows(2).all(|w| w[0] < w[1]), "sorted");
}
