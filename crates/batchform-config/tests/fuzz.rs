//! Fuzzing of parse + load + validate + evaluate: no input, however malformed, may panic.
//! Inputs are token soups in HCL's alphabet and mutations of real configurations. They are
//! evaluated with the real function library (over an in-memory file system holding a
//! template, YAML, CSV and JSON files) and a few typed variables, one sensitive and one
//! unknown, so function calls with odd arguments are fuzzed too.
//!
//! `cargo test -p batchform-config --test fuzz` runs a quick pass; set `FUZZ_CASES=300000`
//! (with `--release`) for a long run (the README records the last long run).

use batchform_config::eval::{Functions, Library};
use batchform_config::functions::{DirEntry, FileKind, FileSystem, FunctionContext, Impurity};
use batchform_config::model::Config;
use batchform_config::scope::{ModuleScope, Paths, UnknownResources};
use batchform_config::source::SourceFile;
use batchform_core::{Type, Value};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// A read-only file system in memory: a few files in `/m` (the module directory).
struct MemFs {
    files: BTreeMap<PathBuf, &'static [u8]>,
}

impl MemFs {
    fn new() -> MemFs {
        let files: [(&str, &'static [u8]); 6] = [
            ("/m/t.tpl", b"%{ for k, v in m ~}\n${k} = ${v}\n%{ endfor ~}\n${x}${y.a}\n"),
            ("/m/data.yaml", b"a: [1, {b: c}]\nd: &x !!str 1\ne: *x\nf: |\n  text\n"),
            ("/m/data.csv", b"a,b\n1,\"x,y\"\n2,z\n"),
            ("/m/data.json", b"{\"a\": [1, 2.5, null], \"b\": {\"c\": true}}"),
            ("/m/bin", b"\xff\xfe\x00"),
            ("/m/sub/inner.tpl", b"${templatefile(\"t.tpl\", {})}"),
        ];
        MemFs { files: files.into_iter().map(|(p, t)| (PathBuf::from(p), t)).collect() }
    }

    fn absolute(&self, path: &Path) -> PathBuf {
        Path::new("/m").join(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.files.keys().any(|f| f.starts_with(path) && f != path)
    }
}

impl FileSystem for MemFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let path = self.absolute(path);
        match self.files.get(&path) {
            Some(text) => Ok(text.to_vec()),
            None if self.is_dir(&path) => Err(io::Error::other("is a directory")),
            None => Err(io::Error::new(io::ErrorKind::NotFound, "no such file or directory")),
        }
    }
    fn stat(&self, path: &Path) -> io::Result<FileKind> {
        let path = self.absolute(path);
        if self.files.contains_key(&path) {
            Ok(FileKind::File)
        } else if self.is_dir(&path) {
            Ok(FileKind::Dir)
        } else {
            Err(io::Error::new(io::ErrorKind::NotFound, "no such file or directory"))
        }
    }
    fn lstat(&self, path: &Path) -> io::Result<FileKind> {
        self.stat(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        let path = self.absolute(path);
        let mut out: Vec<DirEntry> = Vec::new();
        for f in self.files.keys() {
            let Ok(rest) = f.strip_prefix(&path) else { continue };
            let mut parts = rest.components();
            let Some(first) = parts.next() else { continue };
            let name = first.as_os_str().to_string_lossy().into_owned();
            let kind = if parts.next().is_some() { FileKind::Dir } else { FileKind::File };
            if !out.iter().any(|e| e.name == name) {
                out.push(DirEntry { name, kind });
            }
        }
        if out.is_empty() && !self.is_dir(&path) {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such file or directory"));
        }
        Ok(out)
    }
    fn home_dir(&self) -> Option<PathBuf> {
        Some(PathBuf::from("/home/fuzz"))
    }
    fn current_dir(&self) -> io::Result<PathBuf> {
        Ok(PathBuf::from("/m"))
    }
}

/// The variables the seeds use: typed, one sensitive, one unknown.
fn variables() -> BTreeMap<String, Value> {
    let item = |a: &str, b: i64| Value::object([("a", Value::string(a)), ("b", Value::number(b))]);
    let m: BTreeMap<String, Value> = [("k1", "v1"), ("k2", "%s %d ${x}")]
        .iter()
        .map(|(k, v)| (k.to_string(), Value::string(*v)))
        .collect();
    BTreeMap::from([
        ("xs".to_string(), Value::list(item("x", 1).ty(), vec![item("x", 1), item("é\n", -2)])),
        ("m".to_string(), Value::map(Type::String, m)),
        ("n".to_string(), Value::number(3)),
        ("s".to_string(), Value::string("secret,a:b").mark_sensitive()),
        ("z".to_string(), Value::unknown(Type::String)),
    ])
}

const SEEDS: &[&str] = &[
    "resource \"openai_batch\" \"b\" {\n  input_file_id = openai_file.f.id\n  endpoint = \"/v1/chat/completions\"\n  completion_window = \"24h\"\n  metadata = { a = \"b\" }\n  count = length(var.xs)\n  lifecycle {\n    ignore_changes = [metadata]\n  }\n}\n",
    "variable \"xs\" {\n  type = list(object({ a = optional(string, \"x\"), b = number }))\n  default = []\n  validation {\n    condition = length(var.xs) < 10\n    error_message = \"too many\"\n  }\n}\n",
    "locals {\n  a = [for k, v in var.m : \"${k}=${v}\" if v != null]\n  b = { for x in local.a : x => upper(x)... }\n  c = local.a[*].id\n  d = var.n > 0 ? \"pos\" : (var.n == 0 ? \"zero\" : \"neg\")\n  e = <<-EOT\n    %{ for x in local.a ~}\n    - ${x}\n    %{ endfor ~}\n  EOT\n}\n",
    "output \"o\" {\n  value = try(local.x.y[0], can(var.z) ? 1 : -1.5e3, null)\n  sensitive = true\n}\n",
    "variable \"m\" {\n  type = map(string)\n}\nvariable \"s\" {\n  sensitive = true\n}\nlocals {\n  r = regexall(\"(?P<k>[a-z]+)(?P<n>\\\\d*)\", join(\",\", keys(var.m)))\n  f = format(\"%-8.3f|%5s|%q|%v|%#v|%%\", var.n, var.s, var.z, var.m, local.r)\n  y = yamldecode(file(\"data.yaml\"))\n  c = csvdecode(file(\"${path.module}/data.csv\"))\n  j = jsondecode(file(\"data.json\")).a[0]\n  t = templatefile(\"t.tpl\", { m = var.m, x = var.n, y = { a = var.s } })\n  g = fileset(path.module, \"**/*.tpl\")\n  d = formatdate(\"YYYY-MM-DD'T'hh:mm:ssZ EEE\", timeadd(\"2024-02-29T00:00:00Z\", \"-1h30m\"))\n  e = [for x in var.xs : replace(substr(x.a, 0, -1), \"/[^a-z]+/\", \"-\")]\n  h = yamlencode({ a = local.y, b = local.c })\n}\noutput \"o\" {\n  value = [local.f, local.t, local.g, local.d, local.e, local.h, local.j]\n}\n",
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
    "regex(",
    "regexall(",
    "replace(",
    "format(",
    "formatlist(",
    "formatdate(",
    "timeadd(",
    "yamldecode(",
    "yamlencode(",
    "csvdecode(",
    "jsondecode(",
    "jsonencode(",
    "templatefile(",
    "file(",
    "fileset(",
    "base64decode(",
    "substr(",
    "split(",
    "cidrsubnet(",
    "parseint(",
    "pow(",
    "setproduct(",
    "flatten(",
    "\"t.tpl\"",
    "\"data.yaml\"",
    "\"sub/inner.tpl\"",
    "\"%-5.2f %v %q %#v %[2]d %*d\"",
    "\"(a+)+[b-\"",
    "\"^(?P<x>\\\\d+)$\"",
    "\"a: [1, {b: c\"",
    "\"- &a [*a]\"",
    "\"a,\\\"b\\nc\"",
    "\"YYYY-MM-DD hh:mm:ss ZZZZZ 'x\"",
    "\"1h2m3s\"",
    "var.xs",
    "var.m",
    "var.n",
    "var.s",
    "var.z",
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

/// Arguments for [`function_calls_never_panic`]: odd values of every type, unknowns,
/// sensitive values, nulls, format verbs, regular expressions, YAML/CSV/JSON texts and the
/// in-memory file names.
const ARGUMENTS: &[&str] = &[
    "null",
    "true",
    "0",
    "-1",
    "1.5",
    "1e300",
    "-9223372036854775809",
    "\"\"",
    "\"a\"",
    "\"é☃\"",
    "\"%\"",
    "\"%-08.3f %+d %x %X %o %b %e %E %g %G %s %q %v %#v %t %c %U %%\"",
    "\"%[3]*.[2]*[1]f %[9]d %!\"",
    "\"(a+)+b\"",
    "\"^(?P<n>[0-9]+)(?:x|y)*$\"",
    "\"[\"",
    "\"\\\\p{Greek}+|\\\\b\"",
    "\"/a(b)?c/\"",
    "\"$1 ${n} $$\"",
    "\"a: [1, {b: c}]\\n- x\"",
    "\"--- !!binary aGk=\\n\"",
    "\"&a [*a, *a]\"",
    "\"a,b\\n1,\\\"2\\\"\\\"\\n\"",
    "\"a,b\\n1\"",
    "\"{\\\"a\\\": [1, 2e5, null]}\"",
    "\"YYYY-MM-DD'T'hh:mm:ss.SSSZZZZZ EEEE MMM aa\"",
    "\"2024-02-29T23:59:60+14:00\"",
    "\"1h-30m0.5s\"",
    "\"10.0.0.0/8\"",
    "\"fe80::/10\"",
    "\"aGk=\"",
    "\"%%{ for x in [1] }${x}%%{ endfor }\"",
    "\"t.tpl\"",
    "\"data.yaml\"",
    "\"data.csv\"",
    "\"bin\"",
    "\"sub/inner.tpl\"",
    "\"**/*\"",
    "\"../x\"",
    "\"~/x\"",
    "[]",
    "[1, \"a\", null]",
    "[[1, 2], [3]]",
    "{}",
    "{ a = 1, b = [true] }",
    "{ m = var.m, x = 1, y = { a = 2 } }",
    "toset([\"a\", \"b\"])",
    "tolist([1, 2, 3])",
    "tomap({ a = \"b\" })",
    "var.xs",
    "var.m",
    "var.n",
    "var.s",
    "var.z",
    "[var.z]",
    "{ k = var.z }",
    "range(3)",
    "var.xs...",
    "[1, 2]...",
];

/// Parse, load, validate and evaluate; whether the input got past the parser.
fn exercise(text: &str) -> bool {
    let file = SourceFile::new("fuzz.tf", text);
    // Loading as the CLI does, which also indexes the blocks of a file that does not parse
    // (for its diagnostics' context).
    let _ = Config::load(std::slice::from_ref(&file));
    let Ok(body) = batchform_config::lower::parse_file(&file) else { return false };
    let (config, _) = Config::from_bodies(&[(file, body)]);
    let fs = MemFs::new();
    let base = PathBuf::from("/m");
    let context = |impurity| FunctionContext {
        fs: &fs,
        base_dir: &base,
        impurity,
        templates: None,
        console: true,
        now: Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000)),
        in_template: false,
    };
    // validate as plan does it (impure functions unknown), then evaluate as apply would.
    let planning = Library::new(context(Impurity::Unknown));
    let _ = batchform_config::validate::validate(&config, None, &planning);
    let applying = Library::new(context(Impurity::Evaluate));
    let functions: &dyn Functions = &applying;
    let variables = variables();
    let resources = UnknownResources;
    let paths = Paths { module: "/m".into(), root: "/m".into(), cwd: "/m".into() };
    let scope = ModuleScope::new(&config, &variables, &resources, functions, paths);
    for local in config.locals.values() {
        let _ = scope.local(&local.name, &local.range);
    }
    for output in config.outputs.values() {
        if let Some(v) = &output.value {
            let _ = scope.eval(v);
        }
    }
    let _ = scope.take_diagnostics();
    true
}

/// Run `strategy`'s inputs through [`exercise`]; print and return how many were evaluated.
fn run(what: &str, strategy: impl Strategy<Value = String>) -> usize {
    let mut runner = TestRunner::new(RunnerConfig {
        cases: cases(3000),
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let evaluated = std::cell::Cell::new(0usize);
    runner
        .run(&strategy, |text| {
            if exercise(&text) {
                evaluated.set(evaluated.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    eprintln!("{what}: {} of {} inputs parsed and evaluated", evaluated.get(), cases(3000));
    evaluated.get()
}

fn cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn token_soups_never_panic() {
    let strategy = proptest::collection::vec(proptest::sample::select(TOKENS), 0..60)
        .prop_map(|tokens| tokens.concat());
    run("token soups", strategy);
}

#[test]
fn mutated_configurations_never_panic() {
    let strategy = (
        proptest::sample::select(SEEDS),
        proptest::collection::vec(
            (any::<prop::sample::Index>(), 0u8..4, proptest::sample::select(TOKENS)),
            1..5,
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
    let evaluated = run("mutated configurations", strategy);
    assert!(evaluated > 0, "no mutated configuration parsed");
}

#[test]
fn function_calls_never_panic() {
    let names: Vec<&'static str> = batchform_config::functions::names().collect();
    let call = (
        proptest::sample::select(names),
        proptest::collection::vec(proptest::sample::select(ARGUMENTS), 0..4),
    )
        .prop_map(|(name, args)| format!("{name}({})", args.join(", ")));
    let strategy = (call.clone(), call, proptest::sample::select(ARGUMENTS)).prop_map(
        |(outer, inner, arg)| {
            format!(
                "variable \"m\" {{\n  type = map(string)\n}}\nlocals {{\n  a = {inner}\n}}\noutput \"o\" {{\n  value = [{outer}, try(local.a, {arg}), can(local.a)]\n}}\n"
            )
        },
    );
    let evaluated = run("function calls", strategy);
    assert!(evaluated > 0, "no generated call parsed");
}

#[test]
fn the_function_library_is_really_called() {
    // The function seed must evaluate without errors: a fuzz run that only ever met
    // "Call to unknown function" or a missing file would exercise nothing.
    let seed = SEEDS.iter().find(|s| s.contains("templatefile")).expect("function seed");
    let file = SourceFile::new("seed.tf", *seed);
    let body = batchform_config::lower::parse_file(&file).expect("parses");
    let (config, diags) = Config::from_bodies(&[(file, body)]);
    assert!(!diags.has_errors(), "{diags:?}");
    let fs = MemFs::new();
    let base = PathBuf::from("/m");
    let library = Library::new(FunctionContext {
        fs: &fs,
        base_dir: &base,
        impurity: Impurity::Evaluate,
        templates: None,
        console: false,
        now: None,
        in_template: false,
    });
    let variables = variables();
    let paths = Paths { module: "/m".into(), root: "/m".into(), cwd: "/m".into() };
    let scope = ModuleScope::new(&config, &variables, &UnknownResources, &library, paths);
    let value = scope.eval(config.outputs["o"].value.as_ref().expect("value"));
    let diags = scope.take_diagnostics();
    assert!(!diags.has_errors(), "{diags:?}");
    let value = value.expect("evaluates");
    let items = value.unmarked().0.elements().expect("tuple").to_vec();
    assert_eq!(items.len(), 7);
    assert_eq!(items[1].as_str(), Some("k1 = v1\nk2 = %s %d ${x}\n3secret,a:b\n"));
    assert_eq!(items[3].as_str(), Some("2024-02-28T22:30:00Z Wed"));
}

#[test]
fn seeds_are_valid_hcl() {
    for seed in SEEDS {
        let file = SourceFile::new("seed.tf", *seed);
        assert!(batchform_config::lower::parse_file(&file).is_ok(), "{seed}");
    }
}
