//! The module a corpus case is evaluated in: the configuration, its variable defaults, the
//! resources Terraform's state holds, and (for resources not applied yet) the planned value
//! Terraform's `terraform_data` gives them: `input` from configuration, `id` and `output`
//! unknown.

use batchform_config::ast::Expr;
use batchform_config::eval::Library;
use batchform_config::functions::{DirEntry, FileKind, FileSystem, FunctionContext, Impurity};
use batchform_config::model::Config;
use batchform_config::scope::{InstanceContext, ModuleScope, Paths, ResourceValues};
use batchform_config::source::SourceFile;
use batchform_core::{InstanceKey, Refinement, ResourceAddr, Type, Value};
use serde_json::Value as Json;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub struct Module {
    resources: Resources,
    /// The module's own file, parsed, to combine with a case's file for static checks.
    main: (SourceFile, batchform_config::ast::Body),
}

/// Everything a case is evaluated against; it is also the resource resolver (which needs
/// the configuration to plan pending resources).
struct Resources {
    config: Config,
    variables: BTreeMap<String, Value>,
    fs: TestFs,
    console: bool,
    impurity: Impurity,
    state: HashMap<ResourceAddr, Vec<(InstanceKey, Value)>>,
    planned: RefCell<HashMap<ResourceAddr, Value>>,
    dir: PathBuf,
}

fn terraform_data_type() -> Type {
    Type::Object(BTreeMap::from([
        ("id".to_string(), Type::String),
        ("input".to_string(), Type::Dynamic),
        ("output".to_string(), Type::Dynamic),
        ("triggers_replace".to_string(), Type::Dynamic),
    ]))
}

fn mark_path(value: Value, path: &[Json]) -> Value {
    let Some((step, rest)) = path.split_first() else { return value.mark_sensitive() };
    let (bare, marked) = value.unmark();
    let result = match (bare, step["type"].as_str(), &step["value"]) {
        (Value::Object(mut attrs), Some("get_attr"), Json::String(name)) => {
            if let Some(v) = attrs.remove(name) {
                attrs.insert(name.clone(), mark_path(v, rest));
            }
            Value::Object(attrs)
        }
        (other, _, _) => other,
    };
    result.with_sensitive(marked)
}

fn load_state(path: &Path) -> HashMap<ResourceAddr, Vec<(InstanceKey, Value)>> {
    let mut out = HashMap::new();
    let Ok(text) = std::fs::read_to_string(path) else { return out };
    let state: Json = serde_json::from_str(&text).expect("state JSON");
    for r in state["resources"].as_array().into_iter().flatten() {
        let type_name = r["type"].as_str().unwrap_or_default();
        let name = r["name"].as_str().unwrap_or_default();
        let addr = if r["mode"] == "data" {
            ResourceAddr::data(type_name, name)
        } else {
            ResourceAddr::managed(type_name, name)
        };
        let mut instances = Vec::new();
        for inst in r["instances"].as_array().into_iter().flatten() {
            let key = match &inst["index_key"] {
                Json::Number(n) => InstanceKey::Int(n.as_i64().unwrap_or(0)),
                Json::String(s) => InstanceKey::Str(s.clone()),
                _ => InstanceKey::None,
            };
            let mut value =
                batchform_core::json::from_json_typed(&inst["attributes"], &terraform_data_type())
                    .expect("terraform_data attributes");
            for path in inst["sensitive_attributes"].as_array().into_iter().flatten() {
                value = mark_path(value, path.as_array().map(Vec::as_slice).unwrap_or_default());
            }
            instances.push((key, value));
        }
        instances.sort_by(|a, b| a.0.cmp(&b.0));
        out.insert(addr, instances);
    }
    out
}

impl Module {
    pub fn load(dir: &Path, console: bool, impurity: Impurity) -> Module {
        let text = std::fs::read_to_string(dir.join("main.tf")).expect("main.tf");
        let file = SourceFile::new("main.tf", text);
        let body = batchform_config::lower::parse_file(&file).expect("module parses");
        let main = (file.clone(), body.clone());
        let (config, diags) = Config::from_bodies(&[(file, body)]);
        assert!(!diags.has_errors(), "{diags:?}");
        let fs = TestFs { root: dir.to_path_buf() };
        let library = library(&fs, console, impurity);
        let (variables, diags) =
            batchform_config::variables::resolve_variables(&config, Vec::new(), &library);
        assert!(!diags.has_errors(), "{diags:?}");
        let state = load_state(&dir.join("terraform.tfstate"));
        Module {
            resources: Resources {
                config,
                variables,
                fs,
                console,
                impurity,
                state,
                planned: RefCell::new(HashMap::new()),
                dir: dir.to_path_buf(),
            },
            main,
        }
    }

    /// Terraform's static reference checks for a lone (console) expression.
    pub fn check_expression_references(&self, expr: &Expr) -> batchform_core::Diagnostics {
        batchform_config::validate::check_expression(
            &self.resources.config,
            Some(&TerraformDataSchema::new()),
            expr,
        )
    }

    /// Evaluate with every input variable and resource attribute unknown (the validate walk).
    pub fn eval_unknown(&self, expr: &Expr) -> Result<Value, batchform_core::Diagnostics> {
        let variables: BTreeMap<String, Value> = self
            .resources
            .config
            .variables
            .iter()
            .map(|(k, v)| {
                (k.clone(), Value::unknown(v.type_constraint.to_type()).with_sensitive(v.sensitive))
            })
            .collect();
        let unknown = UnknownResourceValues { config: &self.resources.config };
        let library = self.resources.library();
        let scope = ModuleScope::new(
            &self.resources.config,
            &variables,
            &unknown,
            &library,
            paths(&self.resources.dir),
        );
        let v = scope.eval(expr);
        let locals = scope.take_diagnostics();
        match v {
            Ok(_) if locals.has_errors() => Err(locals),
            other => other,
        }
    }

    /// Terraform's static reference checks on the module plus one more file.
    pub fn check_references(
        &self,
        file: SourceFile,
        body: batchform_config::ast::Body,
    ) -> batchform_core::Diagnostics {
        let (config, diags) = Config::from_bodies(&[self.main.clone(), (file, body)]);
        if diags.has_errors() {
            return diags;
        }
        batchform_config::validate::validate_references(&config, Some(&TerraformDataSchema::new()))
    }

    pub fn eval(&self, expr: &Expr) -> Result<Value, batchform_core::Diagnostics> {
        let library = self.resources.library();
        let scope = self.resources.scope(&library);
        let v = scope.eval(expr);
        let locals = scope.take_diagnostics();
        match v {
            Ok(_) if locals.has_errors() => Err(locals),
            other => other,
        }
    }
}

fn paths(dir: &Path) -> Paths {
    Paths {
        module: ".".into(),
        root: ".".into(),
        cwd: dir
            .canonicalize()
            .unwrap_or_else(|_| dir.to_path_buf())
            .to_string_lossy()
            .into_owned(),
    }
}

impl Resources {
    fn scope<'s>(&'s self, library: &'s Library<'s>) -> ModuleScope<'s> {
        ModuleScope::new(&self.config, &self.variables, self, library, paths(&self.dir))
    }

    fn library(&self) -> Library<'_> {
        library(&self.fs, self.console, self.impurity)
    }

    /// The planned value of a `terraform_data` instance that is not in state.
    fn planned_instance(
        &self,
        resource: &batchform_config::model::Resource,
        instance: InstanceContext,
    ) -> Value {
        let library = self.library();
        let scope = self.scope(&library);
        let iscope = scope.for_instance(instance);
        let eval = |name: &str| -> Value {
            resource
                .body
                .attribute(name)
                .map(|a| iscope.eval(&a.expr).unwrap_or(Value::DYNAMIC_UNKNOWN))
                .unwrap_or(Value::NULL)
        };
        // terraform_data plans `output` as an unknown of the input's type, and its `id` as
        // an unknown string refined as not null.
        let input = eval("input");
        let output = Value::unknown(input.ty());
        Value::object([
            ("id", Value::refined_unknown(Type::String, Refinement::NOT_NULL)),
            ("input", input),
            ("output", output),
            ("triggers_replace", eval("triggers_replace")),
        ])
    }

    fn planned(&self, addr: &ResourceAddr) -> Option<Value> {
        if let Some(v) = self.planned.borrow().get(addr) {
            return Some(v.clone());
        }
        let resource = self.config.resources.get(addr)?;
        let library = self.library();
        let scope = self.scope(&library);
        let value = if let Some(count) = &resource.count {
            let n = scope.eval(count).ok()?.as_number()?.to_i64()?;
            Value::Tuple(
                (0..n)
                    .map(|i| {
                        self.planned_instance(
                            resource,
                            InstanceContext {
                                count_index: Some(Value::number(i)),
                                ..InstanceContext::default()
                            },
                        )
                    })
                    .collect(),
            )
        } else if let Some(for_each) = &resource.for_each {
            let v = scope.eval(for_each).ok()?;
            let items: Vec<(String, Value)> = match v.unmarked().0 {
                Value::Map(_, m) | Value::Object(m) => {
                    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                }
                Value::Set(_, s) => s
                    .iter()
                    .map(|v| (v.as_str().unwrap_or_default().to_string(), v.clone()))
                    .collect(),
                _ => return None,
            };
            Value::Object(
                items
                    .into_iter()
                    .map(|(k, v)| {
                        let inst = InstanceContext {
                            each_key: Some(Value::String(k.clone())),
                            each_value: Some(v),
                            ..InstanceContext::default()
                        };
                        (k, self.planned_instance(resource, inst))
                    })
                    .collect(),
            )
        } else {
            self.planned_instance(resource, InstanceContext::default())
        };
        self.planned.borrow_mut().insert(addr.clone(), value.clone());
        Some(value)
    }
}

impl ResourceValues for Resources {
    fn resource(&self, addr: &ResourceAddr) -> Option<Value> {
        let resource = self.config.resources.get(addr)?;
        let Some(instances) = self.state.get(addr) else {
            return self.planned(addr);
        };
        Some(if resource.count.is_some() {
            Value::Tuple(instances.iter().map(|(_, v)| v.clone()).collect())
        } else if resource.for_each.is_some() {
            Value::Object(
                instances
                    .iter()
                    .map(|(k, v)| {
                        let key = match k {
                            InstanceKey::Str(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (key, v.clone())
                    })
                    .collect(),
            )
        } else {
            instances.first().map(|(_, v)| v.clone())?
        })
    }
}

fn library(fs: &TestFs, console: bool, impurity: Impurity) -> Library<'_> {
    Library::new(FunctionContext {
        fs,
        base_dir: Path::new("."),
        impurity,
        templates: None,
        console,
        now: None,
        in_template: false,
    })
}

/// `std::fs` with relative paths taken from the module directory (as if the process ran
/// there, as Terraform did), and the home directory the corpus was generated with.
struct TestFs {
    root: PathBuf,
}

impl TestFs {
    fn at(&self, path: &Path) -> PathBuf {
        if path.is_absolute() { path.to_path_buf() } else { self.root.join(path) }
    }
}

fn kind(meta: &std::fs::Metadata) -> FileKind {
    let t = meta.file_type();
    if t.is_symlink() {
        FileKind::Symlink
    } else if t.is_dir() {
        FileKind::Dir
    } else if t.is_file() {
        FileKind::File
    } else {
        FileKind::Other
    }
}

impl FileSystem for TestFs {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.at(path))
    }
    fn stat(&self, path: &Path) -> std::io::Result<FileKind> {
        std::fs::metadata(self.at(path)).map(|m| kind(&m))
    }
    fn lstat(&self, path: &Path) -> std::io::Result<FileKind> {
        std::fs::symlink_metadata(self.at(path)).map(|m| kind(&m))
    }
    fn read_dir(&self, path: &Path) -> std::io::Result<Vec<DirEntry>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.at(path))? {
            let entry = entry?;
            let meta = std::fs::symlink_metadata(entry.path())?;
            out.push(DirEntry {
                name: entry.file_name().to_string_lossy().into_owned(),
                kind: kind(&meta),
            });
        }
        Ok(out)
    }
    fn home_dir(&self) -> Option<PathBuf> {
        Some(PathBuf::from("/home/corpus"))
    }
    /// Terraform ran in the module directory, so `abspath` resolves against the same
    /// directory `path.cwd` names.
    fn current_dir(&self) -> std::io::Result<PathBuf> {
        self.root.canonicalize()
    }
}

/// Resources during the validate walk: unknown objects of `terraform_data`'s type.
struct UnknownResourceValues<'a> {
    config: &'a Config,
}

impl ResourceValues for UnknownResourceValues<'_> {
    fn resource(&self, addr: &ResourceAddr) -> Option<Value> {
        let r = self.config.resources.get(addr)?;
        Some(if r.count.is_some() || r.for_each.is_some() {
            Value::DYNAMIC_UNKNOWN
        } else {
            Value::unknown(terraform_data_type())
        })
    }
}

/// The schema of `terraform_data`, for static attribute checks.
struct TerraformDataSchema(batchform_core::schema::Schema);

impl TerraformDataSchema {
    fn new() -> Self {
        use batchform_core::schema::{Attribute, Block, Schema};
        let attributes = BTreeMap::from([
            ("id".to_string(), Attribute::computed(Type::String)),
            ("input".to_string(), Attribute::optional(Type::Dynamic)),
            ("output".to_string(), Attribute::computed(Type::Dynamic)),
            ("triggers_replace".to_string(), Attribute::optional(Type::Dynamic)),
        ]);
        TerraformDataSchema(Schema { version: 0, block: Block { attributes, ..Block::default() } })
    }
}

impl batchform_config::validate::SchemaSource for TerraformDataSchema {
    fn resource_schema(
        &self,
        mode: batchform_core::Mode,
        type_name: &str,
    ) -> Option<&batchform_core::schema::Schema> {
        (mode == batchform_core::Mode::Managed && type_name == "terraform_data").then_some(&self.0)
    }
    fn provider_schema(&self, _provider: &str) -> Option<&batchform_core::schema::Schema> {
        None
    }
    fn type_names(&self, _mode: batchform_core::Mode) -> Vec<String> {
        vec!["terraform_data".into()]
    }
    fn provider_source(&self, _provider: &str) -> Option<String> {
        Some("terraform.io/builtin/terraform".into())
    }
}
