//! The expression corpus: 1,883 expressions whose results were produced by Terraform 1.11.4
//! (`fixtures/expressions`, see its README), evaluated by our evaluator and compared:
//! console text, JSON value and type, sensitivity, unknown parts, and error messages.
//!
//! Differences we accept are listed, with the reason, in
//! `fixtures/expressions/known_differences.txt`; everything else must match.

mod module;

use batchform_config::ast::ExprKind;
use batchform_config::functions::Impurity;
use batchform_config::source::SourceFile;
use batchform_core::Value;
use module::Module;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/expressions")
}

struct Outcome {
    value: Result<Value, batchform_core::Diagnostics>,
    /// Byte offset of the expression in its case file.
    expr_offset: usize,
}

fn evaluate(module: &Module, id: &str, expr: &str, console: bool) -> Outcome {
    if console {
        // `terraform console` parses the line as a lone expression named <console-input>.
        let file = SourceFile::new("<console-input>", expr);
        let parsed = match batchform_config::lower::parse_expression(&file) {
            Ok(e) => e,
            Err(d) => return Outcome { value: Err(d), expr_offset: 0 },
        };
        let statically = module.check_expression_references(&parsed);
        if statically.has_errors() {
            return Outcome { value: Err(statically), expr_offset: 0 };
        }
        return Outcome { value: module.eval(&parsed), expr_offset: 0 };
    }
    let prefix = format!("output \"{id}\" {{\n  value = ");
    let text = format!("{prefix}{expr}\n}}\n");
    let file = SourceFile::new(format!("case_{id}.tf"), text);
    let body = match batchform_config::lower::parse_file(&file) {
        Ok(b) => b,
        Err(d) => return Outcome { value: Err(d), expr_offset: prefix.len() },
    };
    let Some(attr) = body.blocks.first().and_then(|b| b.body.attribute("value")) else {
        return Outcome {
            value: Err(batchform_core::Diagnostics::new()),
            expr_offset: prefix.len(),
        };
    };
    // Terraform checks references statically, then evaluates with every input unknown
    // (the validate walk), and only then with the real values.
    let statically = module.check_references(file.clone(), body.clone());
    if statically.has_errors() {
        return Outcome { value: Err(statically), expr_offset: prefix.len() };
    }
    if let Err(d) = module.eval_unknown(&attr.expr) {
        if d.has_errors() {
            return Outcome { value: Err(d), expr_offset: prefix.len() };
        }
    }
    Outcome { value: module.eval(&attr.expr), expr_offset: prefix.len() }
}

/// Terraform's `output -json` writes numbers through float64.
fn normalize_numbers(json: &Json) -> Json {
    match json {
        Json::Number(n) => {
            // float64, and -0 is written as 0.
            let f: f64 = n.to_string().parse::<f64>().unwrap_or(f64::NAN) + 0.0;
            serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
        }
        Json::Array(items) => Json::Array(items.iter().map(normalize_numbers).collect()),
        Json::Object(items) => {
            Json::Object(items.iter().map(|(k, v)| (k.clone(), normalize_numbers(v))).collect())
        }
        other => other.clone(),
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `generate.py` cuts the Go stack trace of a panic inside Terraform (it changes from run to
/// run), up to the end of the message: what is left is the panic message, which batchform
/// reports ending with the usual period.
fn without_stack_mark(detail: String) -> String {
    match detail.strip_suffix(" [Go stack trace removed by generate.py]") {
        Some(message) => format!("{message}."),
        None => detail,
    }
}

/// Summary and detail of the first error in Terraform's plain console output.
fn parse_console_error(text: &str) -> Option<(String, String)> {
    let rest = text.trim_start().strip_prefix("Error: ")?;
    let (summary, rest) = rest.split_once('\n')?;
    let detail = match rest.find("(source code not available)") {
        Some(i) => &rest[i + "(source code not available)".len()..],
        None => rest,
    };
    let detail = detail.split("\nError: ").next().unwrap_or_default();
    Some((summary.to_string(), without_stack_mark(collapse(detail))))
}

/// The after/after_unknown/after_sensitive of Terraform's plan JSON for a value: unknown
/// object attributes are left out of `after` (null in sequences); the unknown mask is `false`
/// when nothing inside is unknown, and otherwise mirrors the value keeping only `true`
/// entries in objects.
fn plan_json(v: &Value) -> (Option<Json>, Json, Json) {
    fn after(v: &Value) -> Option<Json> {
        let (bare, _) = v.unmarked();
        match bare {
            Value::Unknown(..) => None,
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                Some(Json::Array(items.iter().map(|i| after(i).unwrap_or(Json::Null)).collect()))
            }
            Value::Map(_, items) | Value::Object(items) => Some(Json::Object(
                items.iter().filter_map(|(k, i)| after(i).map(|j| (k.clone(), j))).collect(),
            )),
            other => batchform_core::json::to_json(other).ok(),
        }
    }
    fn unknown(v: &Value) -> Json {
        let (bare, _) = v.unmarked();
        if bare.is_wholly_known() {
            return Json::Bool(false);
        }
        match bare {
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                Json::Array(items.iter().map(unknown).collect())
            }
            Value::Map(_, items) | Value::Object(items) => Json::Object(
                items
                    .iter()
                    .map(|(k, i)| (k.clone(), unknown(i)))
                    .filter(|(_, j)| *j != Json::Bool(false))
                    .collect(),
            ),
            _ => Json::Bool(true),
        }
    }
    // generate.py declares an output `sensitive = true` when Terraform refuses it otherwise
    // (a mark anywhere inside), and the whole value is then sensitive.
    (after(v), unknown(v), Json::Bool(v.contains_sensitive()))
}

/// A module in console mode (where `type` exists) and in output mode.
struct Modes {
    console: Module,
    output: Module,
}

fn check_case(modes: &Modes, case: &Json) -> Result<(), String> {
    // Console fields are checked in console mode, output fields in output mode.
    let console_case = strip(case, &["json", "error", "plan"]);
    let output_case = strip(case, &["console", "console_error"]);
    if console_case.get("console").is_some() || console_case.get("console_error").is_some() {
        check_in(&modes.console, &console_case, true)?;
    }
    if ["json", "error", "plan"].iter().any(|k| output_case.get(k).is_some()) {
        check_in(&modes.output, &output_case, false)?;
    }
    Ok(())
}

fn strip(case: &Json, keys: &[&str]) -> Json {
    let mut c = case.clone();
    if let Some(o) = c.as_object_mut() {
        for k in keys {
            o.remove(*k);
        }
    }
    c
}

fn check_in(module: &Module, case: &Json, console: bool) -> Result<(), String> {
    let id = case["id"].as_str().unwrap_or_default();
    let expr = case["expr"].as_str().unwrap_or_default();
    let outcome = evaluate(module, id, expr, console);
    let expected_error =
        case.get("console_error").and_then(|t| t.as_str()).and_then(parse_console_error).or_else(
            || {
                case.get("error").map(|e| {
                    (
                        e["summary"].as_str().unwrap_or_default().to_string(),
                        without_stack_mark(collapse(e["detail"].as_str().unwrap_or_default())),
                    )
                })
            },
        );
    // What the console prints for the value: a type (from `type()`), or an error for a
    // type used inside an expression.
    let outcome = match (console, outcome.value) {
        (true, Ok(v)) => match batchform_config::display::console_result(&v) {
            Ok(_) => Outcome { value: Ok(v), ..outcome },
            Err(d) => Outcome { value: Err(d.into()), ..outcome },
        },
        (_, value) => Outcome { value, ..outcome },
    };
    let value = match (&outcome.value, &expected_error) {
        (Err(diags), Some((summary, detail))) => {
            let first = diags
                .errors()
                .next()
                .ok_or("an error was expected but the diagnostics were empty")?;
            if first.summary != *summary || collapse(&first.detail) != *detail {
                return Err(format!(
                    "error differs:\n    want {summary:?}: {detail}\n    got  {:?}: {}",
                    first.summary,
                    collapse(&first.detail)
                ));
            }
            if let (Some(range), Some(subject)) = (case["error"].get("range"), &first.subject) {
                let want = (
                    range[0].as_u64().unwrap_or(0) as usize,
                    range[1].as_u64().unwrap_or(0) as usize,
                );
                let got = (
                    subject.start.byte.saturating_sub(outcome.expr_offset),
                    subject.end.byte.saturating_sub(outcome.expr_offset),
                );
                if case.get("console_error").is_none() && want != got {
                    return Err(format!("error range differs: want {want:?}, got {got:?}"));
                }
            }
            return Ok(());
        }
        (Err(diags), None) => {
            let first = diags.errors().next();
            return Err(format!(
                "unexpected error: {}",
                first.map_or("(none)".to_string(), |d| format!("{}: {}", d.summary, d.detail))
            ));
        }
        // Terraform evaluates an infinite output and then fails to write it into the plan.
        // batchform's values reach plans and state only through `json::to_json`, which
        // refuses infinities the same way, so the output fails at the same step.
        (Ok(v), Some((summary, _)))
            if summary == "Failed to write plan file"
                && batchform_core::json::to_json(&v.clone().unmark_deep().0).is_err() =>
        {
            return Ok(());
        }
        (Ok(v), Some((summary, _))) => {
            return Err(format!(
                "expected error {summary:?}, got value {}",
                batchform_config::display::console(v, 0)
            ));
        }
        (Ok(v), None) => v,
    };
    if let Some(console) = case.get("console").and_then(Json::as_str) {
        let got =
            format!("{}\n", batchform_config::display::console_result(value).unwrap_or_default());
        if got != console {
            return Err(format!("console differs:\n    want {console:?}\n    got  {got:?}"));
        }
    }
    if let Some(json) = case.get("json") {
        let (bare, _) = value.clone().unmark_deep();
        // An output still unknown after apply (format("%v", null) is unknown: its argument
        // has no type) is recorded as null.
        let still_unknown = case["planned_unknown"] == Json::Bool(true) && !bare.is_known();
        if still_unknown && json["value"].is_null() {
            return Ok(());
        }
        let got_value = batchform_core::json::to_json(&bare)
            .map_err(|e| format!("value not encodable: {e}"))?;
        if normalize_numbers(&got_value) != normalize_numbers(&json["value"]) {
            return Err(format!(
                "json value differs:\n    want {}\n    got  {}",
                json["value"], got_value
            ));
        }
        // Terraform stores no type for null outputs (the corpus then says "dynamic").
        if !json["type"].is_null() && !bare.is_null() && bare.ty().to_json() != json["type"] {
            return Err(format!(
                "type differs: want {}, got {}",
                json["type"],
                bare.ty().to_json()
            ));
        }
        let sensitive = json["sensitive"].as_bool().unwrap_or(false);
        if value.contains_sensitive() != sensitive {
            return Err(format!("sensitivity differs: want {sensitive}"));
        }
    }
    if let Some(plan) = case.get("plan") {
        let (after, unknown, sensitive) = plan_json(value);
        let want_after = plan.get("after").cloned();
        if want_after.as_ref().map(normalize_numbers) != after.as_ref().map(normalize_numbers) {
            return Err(format!("plan after differs: want {want_after:?}, got {after:?}"));
        }
        if plan["after_unknown"] != unknown {
            return Err(format!(
                "after_unknown differs: want {}, got {unknown}",
                plan["after_unknown"]
            ));
        }
        if plan["after_sensitive"] != sensitive {
            return Err(format!(
                "after_sensitive differs: want {}, got {sensitive}",
                plan["after_sensitive"]
            ));
        }
    }
    Ok(())
}

fn known_differences() -> BTreeMap<String, String> {
    let text =
        std::fs::read_to_string(fixtures().join("known_differences.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(' ').map(|(id, why)| (id.to_string(), why.trim().to_string())))
        .collect()
}

#[test]
fn corpus_matches_terraform() {
    // Known cases ran after apply; the unknown ones in a plan (`console -plan`), where impure
    // functions are unknown.
    let load = |dir: &str, impurity: Impurity| Modes {
        console: Module::load(&fixtures().join(dir), true, impurity),
        output: Module::load(&fixtures().join(dir), false, impurity),
    };
    let context = load("context", Impurity::Evaluate);
    let unknown = load("unknown", Impurity::Unknown);
    let allowed = known_differences();
    let mut failures = Vec::new();
    let mut total = 0;
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures/expressions")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut per_file: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for path in files {
        let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        let module = if name == "unknowns" { &unknown } else { &context };
        let text = std::fs::read_to_string(&path).expect("read corpus");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let case: Json = serde_json::from_str(line).expect("corpus line is JSON");
            let id = case["id"].as_str().unwrap_or_default().to_string();
            total += 1;
            let entry = per_file.entry(name.clone()).or_default();
            entry.0 += 1;
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                check_case(module, &case)
            }))
            .unwrap_or_else(|_| Err("panicked".to_string()));
            if result.is_ok() && allowed.contains_key(&id) {
                // Keep the list honest: an entry whose case matches must go.
                entry.1 += 1;
                failures.push(format!("{id}: matches now; remove it from known_differences.txt"));
                continue;
            }
            if let Err(why) = result {
                if allowed.contains_key(&id) {
                    continue;
                }
                entry.1 += 1;
                failures.push(format!(
                    "{id}: {}\n    expr: {}\n    {why}",
                    "",
                    case["expr"].as_str().unwrap_or_default()
                ));
            }
        }
    }
    let summary: Vec<String> =
        per_file.iter().map(|(f, (n, bad))| format!("{f}: {}/{n} match", n - bad)).collect();
    if std::env::var_os("CORPUS_VERBOSE").is_some() || !failures.is_empty() {
        eprintln!("{}", summary.join("\n"));
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ from Terraform:\n{}",
        failures.len(),
        failures.iter().take(400).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn every_case_is_a_real_expression() {
    // A guard against a corpus file that silently lost its cases.
    let text = std::fs::read_to_string(fixtures().join("operators.jsonl")).expect("corpus");
    let first: Json = serde_json::from_str(text.lines().next().unwrap_or("{}")).expect("json");
    let file = SourceFile::new("x", first["expr"].as_str().unwrap_or_default());
    let expr = batchform_config::lower::parse_expression(&file).expect("parses");
    assert!(!matches!(expr.kind, ExprKind::Null));
    assert!(text.lines().count() > 100);
}
