//! Parse + load + validate a generated configuration of about 5 MB (thousands of resources
//! with references), as the speed target asks, and report the time per run.
//!
//! `cargo bench -p batchform-config --bench parse` prints the timing; with
//! `-- --write FILE` it also writes the generated configuration so the Go reference parser
//! can be timed on the same bytes (`hclref bench FILE N`).

use batchform_config::eval::Library;
use batchform_config::functions::{EmptyFileSystem, FunctionContext, Impurity};
use batchform_config::model::Config;
use batchform_config::source::SourceFile;
use batchform_config::validate::SchemaSource;
use batchform_core::schema::{Attribute, Block, Schema};
use batchform_core::{Mode, Type};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

/// No files: these evaluations must not read any.
const NO_FILES: EmptyFileSystem = EmptyFileSystem::at("/");

/// A configuration of `n` groups, each a counted resource, a resource referring to it by
/// `count.index`, a local and an output (about 520 bytes per group).
fn generate(n: usize) -> String {
    let mut s = String::with_capacity(n * 560);
    s.push_str("variable \"prefix\" {\n  type    = string\n  default = \"bench\"\n}\n\n");
    for i in 0..n {
        let _ = write!(
            s,
            "resource \"terraform_data\" \"base_{i}\" {{\n  count = 2\n  input = {{\n    name  = \"${{var.prefix}}-{i}-${{count.index}}\"\n    index = count.index * {i} + 1\n    tags  = [\"a\", \"b\", \"c\"]\n  }}\n}}\n\n\
resource \"terraform_data\" \"ref_{i}\" {{\n  count            = 2\n  input            = terraform_data.base_{i}[count.index].output\n  triggers_replace = [local.name_{i}, length(terraform_data.base_{i})]\n}}\n\n\
locals {{\n  name_{i} = upper(\"${{var.prefix}}_{i}\") == \"X\" ? \"x\" : \"group-{i}\"\n}}\n\n\
output \"ids_{i}\" {{\n  value = terraform_data.ref_{i}[*].id\n}}\n\n"
        );
    }
    s
}

struct Schemas(BTreeMap<String, Schema>);

impl SchemaSource for Schemas {
    fn resource_schema(&self, mode: Mode, type_name: &str) -> Option<&Schema> {
        (mode == Mode::Managed).then(|| self.0.get(type_name)).flatten()
    }
    fn provider_schema(&self, _provider: &str) -> Option<&Schema> {
        None
    }
    fn type_names(&self, _mode: Mode) -> Vec<String> {
        self.0.keys().cloned().collect()
    }
    fn provider_source(&self, _provider: &str) -> Option<String> {
        Some("terraform.io/builtin/terraform".into())
    }
}

fn schemas() -> Schemas {
    let mut attributes = BTreeMap::new();
    attributes.insert("id".to_string(), Attribute::computed(Type::String));
    attributes.insert("input".to_string(), Attribute::optional(Type::Dynamic));
    attributes.insert("output".to_string(), Attribute::computed(Type::Dynamic));
    attributes.insert("triggers_replace".to_string(), Attribute::optional(Type::Dynamic));
    let schema = Schema { version: 0, block: Block { attributes, ..Block::default() } };
    Schemas(BTreeMap::from([("terraform_data".to_string(), schema)]))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let groups = 10_000;
    let text = generate(groups);
    if let Some(i) = args.iter().position(|a| a == "--write") {
        if let Some(path) = args.get(i + 1) {
            std::fs::write(path, &text).expect("write generated config");
        }
    }
    let schemas = schemas();
    let base = PathBuf::from("/");
    // The real function library, as `batchform validate` uses it (impure functions unknown).
    let library = Library::new(FunctionContext {
        fs: &NO_FILES,
        base_dir: &base,
        impurity: Impurity::Unknown,
        templates: None,
        console: false,
        now: None,
        in_template: false,
    });
    let runs = 5;
    let mut parse_best = f64::MAX;
    let mut total_best = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let file = SourceFile::new("bench.tf", text.clone());
        let body = batchform_config::lower::parse_file(&file).expect("generated config parses");
        let parsed = start.elapsed().as_secs_f64();
        let (config, diags) = Config::from_bodies(&[(file, body)]);
        assert!(!diags.has_errors(), "{:?}", diags.0.first());
        let diags = batchform_config::validate::validate(&config, Some(&schemas), &library);
        assert!(!diags.has_errors(), "{:?}", diags.0.first());
        let total = start.elapsed().as_secs_f64();
        parse_best = parse_best.min(parsed);
        total_best = total_best.min(total);
    }
    println!(
        "config: {} bytes, {} resources, {} locals, {} outputs",
        text.len(),
        groups * 2,
        groups,
        groups
    );
    println!("parse (hcl-edit + lowering): {:.1} ms (best of {runs})", parse_best * 1e3);
    println!("parse + load + validate:     {:.1} ms (best of {runs})", total_best * 1e3);
}
