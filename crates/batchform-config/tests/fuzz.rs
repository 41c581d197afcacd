//! Fuzzing of parse + load + validate + evaluate: no input, however malformed, may panic.
//! Inputs are token soups in HCL's alphabet and mutations of real configurations.
//!
//! `cargo test -p batchform-config --test fuzz` runs a quick pass; set `FUZZ_CASES=200000`
//! for a long run (the README records the last long run).

use batchform_config::eval::{Functions, NoFunctions};
use batchform_config::model::Config;
use batchform_config::scope::{ModuleScope, Paths, UnknownResources};
use batchform_config::source::SourceFile;
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use std::collections::BTreeMap;

const SEEDS: &[&str] = &[
    "resource \"openai_batch\" \"b\" {\n  input_file_id = openai_file.f.id\n  endpoint = \"/v1/chat/completions\"\n  completion_window = \"24h\"\n  metadata = { a = \"b\" }\n  count = length(var.xs)\n  lifecycle {\n    ignore_changes = [metadata]\n  }\n}\n",
    "variable \"xs\" {\n  type = list(object({ a = optional(string, \"x\"), b = number }))\n  default = []\n  validation {\n    condition = length(var.xs) < 10\n    error_message = \"too many\"\n  }\n}\n",
    "locals {\n  a = [for k, v in var.m : \"${k}=${v}\" if v != null]\n  b = { for x in local.a : x => upper(x)... }\n  c = local.a[*].id\n  d = var.n > 0 ? \"pos\" : (var.n == 0 ? \"zero\" : \"neg\")\n  e = <<-EOT\n    %{ for x in local.a ~}\n    - ${x}\n    %{ endfor ~}\n  EOT\n}\n",
    "output \"o\" {\n  value = try(local.x.y[0], can(var.z) ? 1 : -1.5e3, null)\n  sensitive = true\n}\n",
    "terraform {\n  required_version = \">= 1.0\"\n  backend \"local\" {\n    path = \"state.tfstate\"\n  }\n}\nprovider \"openai\" {\n  alias = \"x\"\n}\n",
];

const TOKENS: &[&str] = &[
    "resource",
    "data",
    "variable",
    "locals",
    "output",
    "provider",
    "terraform",
    "lifecycle",
    "\"a\"",
    "\"b\"",
    "x",
    "var",
    "local",
    "count",
    "each",
    "self",
    "path",
    ".",
    ",",
    ":",
    "?",
    "=",
    "==",
    "!=",
    "<",
    ">=",
    "&&",
    "||",
    "!",
    "-",
    "+",
    "*",
    "/",
    "%",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "[*]",
    ".*",
    "...",
    "=>",
    "for",
    "in",
    "if",
    "null",
    "true",
    "false",
    "0",
    "1.5",
    "1e400",
    "-0",
    "\"${",
    "}\"",
    "%{",
    "~}",
    "${~",
    "<<EOT\n",
    "<<-EOT\n",
    "\nEOT\n",
    "\n",
    " ",
    "\t",
    "#c\n",
    "//c\n",
    "/*c*/",
    "\"\\u00e9\"",
    "\"\\\"\"",
    "é",
    "\u{0}",
    "\r\n",
    "length(",
    "try(",
    "can(",
    "upper(",
    "range(",
    "tolist(",
    "merge(",
    "index",
    "key",
    "value",
    "id",
];

fn exercise(text: &str) {
    let file = SourceFile::new("fuzz.tf", text);
    let Ok(body) = batchform_config::lower::parse_file(&file) else { return };
    let (config, _) = Config::from_bodies(&[(file, body)]);
    let functions: &dyn Functions = &NoFunctions;
    let _ = batchform_config::validate::validate(&config, None, functions);
    let variables = BTreeMap::new();
    let resources = UnknownResources;
    let scope = ModuleScope::new(&config, &variables, &resources, functions, Paths::default());
    for local in config.locals.values() {
        let _ = scope.local(&local.name, &local.range);
    }
    for output in config.outputs.values() {
        if let Some(v) = &output.value {
            let _ = scope.eval(v);
        }
    }
    let _ = scope.take_diagnostics();
}

fn cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn token_soups_never_panic() {
    let mut runner = TestRunner::new(RunnerConfig {
        cases: cases(3000),
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let strategy = proptest::collection::vec(proptest::sample::select(TOKENS), 0..60)
        .prop_map(|tokens| tokens.concat());
    runner
        .run(&strategy, |text| {
            exercise(&text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn mutated_configurations_never_panic() {
    let mut runner = TestRunner::new(RunnerConfig {
        cases: cases(3000),
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let strategy = (
        proptest::sample::select(SEEDS),
        proptest::collection::vec(
            (any::<prop::sample::Index>(), 0u8..4, proptest::sample::select(TOKENS)),
            1..8,
        ),
    )
        .prop_map(|(seed, edits)| {
            let mut text = seed.to_string();
            for (at, op, token) in edits {
                let mut i = at.index(text.len() + 1);
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                match op {
                    0 => text.insert_str(i, token),
                    1 => {
                        let mut end = (i + token.len()).min(text.len());
                        while !text.is_char_boundary(end) {
                            end -= 1;
                        }
                        text.replace_range(i..end, "");
                    }
                    2 => {
                        let mut end = (i + 1).min(text.len());
                        while !text.is_char_boundary(end) {
                            end += 1;
                        }
                        text.replace_range(i..end, token);
                    }
                    _ => text.truncate(i),
                }
            }
            text
        });
    runner
        .run(&strategy, |text| {
            exercise(&text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn seeds_are_valid_hcl() {
    for seed in SEEDS {
        let file = SourceFile::new("seed.tf", *seed);
        assert!(batchform_config::lower::parse_file(&file).is_ok(), "{seed}");
    }
}
