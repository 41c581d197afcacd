//! The configuration model: the root module's blocks decoded from the lowered files, with the
//! structural checks Terraform makes while loading (unknown blocks and arguments, duplicates,
//! meta-argument forms). Expressions stay unevaluated here.

use crate::ast::{Attribute, Block, Body, Expr, ExprKind, StepKind};
use crate::source::SourceFile;
use crate::typeexpr::{self, TypeConstraint};
use batchform_core::{Diagnostic, Diagnostics, ResourceAddr, SourceRange};
use std::collections::BTreeMap;

/// The root module.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub terraform: TerraformSettings,
    pub providers: BTreeMap<ProviderConfigAddr, ProviderBlock>,
    pub variables: BTreeMap<String, Variable>,
    pub locals: BTreeMap<String, Local>,
    pub resources: BTreeMap<ResourceAddr, Resource>,
    pub outputs: BTreeMap<String, Output>,
    pub imports: Vec<ImportBlock>,
    /// Top-level block byte ranges and headers per file, for diagnostics' "in resource ..."
    /// context.
    pub block_contexts: BTreeMap<std::sync::Arc<str>, Vec<(usize, usize, String)>>,
}

#[derive(Debug, Clone, Default)]
pub struct TerraformSettings {
    pub required_version: Option<(String, SourceRange)>,
    pub required_providers: BTreeMap<String, RequiredProvider>,
    pub backend: Option<BackendBlock>,
}

#[derive(Debug, Clone)]
pub struct RequiredProvider {
    pub source: Option<String>,
    pub version: Option<String>,
    pub range: SourceRange,
}

/// `backend "local" { path = "..." }`.
#[derive(Debug, Clone)]
pub struct BackendBlock {
    pub backend_type: String,
    pub body: Body,
    pub range: SourceRange,
}

/// `openai` or `openai.alias`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProviderConfigAddr {
    pub name: String,
    pub alias: Option<String>,
}

impl ProviderConfigAddr {
    pub fn default_for(name: impl Into<String>) -> Self {
        ProviderConfigAddr { name: name.into(), alias: None }
    }

    /// The provider name a resource type implies: the part before the first underscore.
    pub fn implied_by_type(type_name: &str) -> Self {
        let name = type_name.split('_').next().unwrap_or(type_name);
        ProviderConfigAddr::default_for(name)
    }
}

impl std::fmt::Display for ProviderConfigAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.alias {
            Some(alias) => write!(f, "{}.{}", self.name, alias),
            None => f.write_str(&self.name),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ProviderBlock {
    pub addr: ProviderConfigAddr,
    /// Arguments other than `alias` and `version`.
    pub body: Body,
    pub decl_range: SourceRange,
    pub open_brace_range: SourceRange,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub type_constraint: TypeConstraint,
    /// Whether `type` was given (otherwise any type is accepted).
    pub type_given: bool,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<CheckRule>,
    pub decl_range: SourceRange,
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub expr: Expr,
    pub range: SourceRange,
}

/// A `condition` / `error_message` pair (validation, precondition, postcondition).
#[derive(Debug, Clone)]
pub struct CheckRule {
    pub condition: Expr,
    pub error_message: Expr,
    pub range: SourceRange,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub addr: ResourceAddr,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    pub provider: ProviderConfigAddr,
    /// Whether `provider = ...` was written.
    pub provider_explicit: bool,
    pub lifecycle: Lifecycle,
    /// The arguments and nested blocks other than meta-arguments.
    pub body: Body,
    pub decl_range: SourceRange,
    pub open_brace_range: SourceRange,
}

#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub create_before_destroy: bool,
    pub prevent_destroy: bool,
    pub ignore_changes: IgnoreChanges,
    pub replace_triggered_by: Vec<Expr>,
    pub preconditions: Vec<CheckRule>,
    pub postconditions: Vec<CheckRule>,
}

#[derive(Debug, Clone, Default)]
pub enum IgnoreChanges {
    #[default]
    None,
    All,
    /// Attribute paths as static traversals relative to the resource (`metadata["k"]`).
    Paths(Vec<Expr>),
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub value: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub depends_on: Vec<Expr>,
    pub preconditions: Vec<CheckRule>,
    pub decl_range: SourceRange,
    pub open_brace_range: SourceRange,
}

/// `import { to = ADDR, id = "..." }`.
#[derive(Debug, Clone)]
pub struct ImportBlock {
    pub to: Expr,
    pub id: Expr,
    pub range: SourceRange,
}

impl Config {
    /// Build the model from parsed files. Returns the model (as complete as possible) and
    /// every problem found.
    pub fn from_bodies(files: &[(SourceFile, Body)]) -> (Config, Diagnostics) {
        let mut builder = Builder { config: Config::default(), diags: Diagnostics::new() };
        for (file, body) in files {
            builder.file(body);
            let contexts = body
                .blocks
                .iter()
                .map(|b| (b.range.start.byte, b.range.end.byte, b.header()))
                .collect();
            builder.config.block_contexts.insert(file.name.clone(), contexts);
        }
        builder.diags.sort();
        (builder.config, builder.diags)
    }

    /// Give a file that did not parse the block contexts its diagnostics need, as
    /// hclsyntax's partial body does for Terraform.
    pub fn add_unparsed(&mut self, file: &SourceFile) {
        let blocks = crate::fmt::top_level_blocks(&file.text);
        self.block_contexts.insert(file.name.clone(), blocks);
    }

    /// Parse and build in one go.
    pub fn load(files: &[SourceFile]) -> (Config, Diagnostics) {
        let (config, diags, _) = Config::load_files(files);
        (config, diags)
    }

    /// [`Config::load`], and whether every file parsed (a file with syntax errors is left
    /// out of the model, but still gives its diagnostics a block context).
    pub fn load_files(files: &[SourceFile]) -> (Config, Diagnostics, bool) {
        let mut diags = Diagnostics::new();
        let mut parsed = Vec::with_capacity(files.len());
        let mut unparsed = Vec::new();
        for file in files {
            match crate::lower::parse_file(file) {
                Ok(body) => parsed.push((file.clone(), body)),
                Err(errs) => {
                    diags.extend(errs);
                    unparsed.push(file);
                }
            }
        }
        let (mut config, more) = Config::from_bodies(&parsed);
        diags.extend(more);
        // Files with syntax errors still give their diagnostics a block context, as
        // hclsyntax's partial body does for Terraform.
        let all_parsed = unparsed.is_empty();
        for file in unparsed {
            config.add_unparsed(file);
        }
        (config, diags, all_parsed)
    }
}

struct Builder {
    config: Config,
    diags: Diagnostics,
}

fn static_string(expr: &Expr) -> Option<&str> {
    match &expr.kind {
        ExprKind::String(s) => Some(s),
        _ => None,
    }
}

fn static_bool(expr: &Expr) -> Option<bool> {
    match &expr.kind {
        ExprKind::Bool(b) => Some(*b),
        _ => None,
    }
}

/// `at main.tf:2,3-8` as HCL prints ranges.
pub fn range_text(range: &SourceRange) -> String {
    if range.start.line == range.end.line {
        format!(
            "{}:{},{}-{}",
            range.filename, range.start.line, range.start.column, range.end.column
        )
    } else {
        format!(
            "{}:{},{}-{},{}",
            range.filename, range.start.line, range.start.column, range.end.line, range.end.column
        )
    }
}

impl Builder {
    fn error(&mut self, summary: &str, detail: String, subject: &SourceRange) {
        self.diags.push(Diagnostic::error(summary, detail).with_subject(Some(subject.clone())));
    }

    fn file(&mut self, body: &Body) {
        for attr in &body.attributes {
            self.error(
                "Unsupported argument",
                format!("An argument named \"{}\" is not expected here.", attr.name),
                &attr.name_range,
            );
        }
        for block in &body.blocks {
            match block.block_type.as_str() {
                "terraform" if self.labels(block, 0) => self.terraform(block),
                "provider" if self.labels(block, 1) => self.provider(block),
                "variable" if self.labels(block, 1) => self.variable(block),
                "locals" if self.labels(block, 0) => self.locals(block),
                "resource" if self.labels(block, 2) => self.resource(block, false),
                "data" if self.labels(block, 2) => self.resource(block, true),
                "output" if self.labels(block, 1) => self.output(block),
                "import" if self.labels(block, 0) => self.import(block),
                "terraform" | "provider" | "variable" | "locals" | "resource" | "data"
                | "output" | "import" => {}
                "module" => self.error(
                    "Unsupported block type",
                    "Modules are not supported by batchform: keep all resources in the root \
                     module's files."
                        .into(),
                    &block.type_range,
                ),
                other @ ("moved" | "removed" | "check") => self.error(
                    "Unsupported block type",
                    format!(
                        "Blocks of type \"{other}\" are Terraform's, but batchform does not support them: remove the block."
                    ),
                    &block.type_range,
                ),
                other => {
                    let mut detail = format!("Blocks of type \"{other}\" are not expected here.");
                    let known = [
                        "check",
                        "data",
                        "import",
                        "locals",
                        "module",
                        "moved",
                        "output",
                        "provider",
                        "removed",
                        "resource",
                        "terraform",
                        "variable",
                    ];
                    if let Some(s) = batchform_core::diagnostic::name_suggestion(other, known) {
                        detail.push_str(&format!(" Did you mean \"{s}\"?"));
                    }
                    self.error("Unsupported block type", detail, &block.type_range)
                }
            }
        }
    }

    /// Check the label count; report HCL's messages when it is wrong.
    fn labels(&mut self, block: &Block, want: usize) -> bool {
        let have = block.labels.len();
        if have == want {
            return true;
        }
        let names: &[&str] = match block.block_type.as_str() {
            "resource" | "data" => &["type", "name"],
            "provider" => &["name"],
            "variable" | "output" => &["name"],
            _ => &[],
        };
        if have < want {
            let missing = names.get(have).copied().unwrap_or("name");
            self.error(
                &format!("Missing {missing} for {}", block.block_type),
                format!(
                    "All {} blocks must have {want} labels ({}).",
                    block.block_type,
                    names.join(", ")
                ),
                &block.def_range(),
            );
        } else {
            let extra = &block.label_ranges[want];
            let detail = if want == 0 {
                format!("No labels are expected for {} blocks.", block.block_type)
            } else {
                format!(
                    "Only {want} labels ({}) are expected for {} blocks.",
                    names.join(", "),
                    block.block_type
                )
            };
            self.error(&format!("Extraneous label for {}", block.block_type), detail, extra);
        }
        false
    }

    /// Report arguments and blocks not in the allowed lists, and duplicate arguments.
    fn check_body(&mut self, body: &Body, attrs: &[&str], blocks: &[&str]) {
        let mut seen: BTreeMap<&str, &Attribute> = BTreeMap::new();
        for attr in &body.attributes {
            if let Some(prev) = seen.get(attr.name.as_str()) {
                self.error(
                    "Attribute redefined",
                    format!(
                        "The argument \"{}\" was already set at {}. Each argument may be set only once.",
                        attr.name,
                        range_text(&prev.name_range)
                    ),
                    &attr.name_range,
                );
                continue;
            }
            seen.insert(&attr.name, attr);
            if !attrs.contains(&attr.name.as_str()) {
                let mut detail =
                    format!("An argument named \"{}\" is not expected here.", attr.name);
                if blocks.contains(&attr.name.as_str()) {
                    detail.push_str(&format!(
                        " Did you mean to define a block of type \"{}\"?",
                        attr.name
                    ));
                } else if let Some(s) =
                    batchform_core::diagnostic::name_suggestion(&attr.name, attrs.iter().copied())
                {
                    detail.push_str(&format!(" Did you mean \"{s}\"?"));
                }
                self.error("Unsupported argument", detail, &attr.name_range);
            }
        }
        for block in &body.blocks {
            if !blocks.contains(&block.block_type.as_str()) {
                let mut detail =
                    format!("Blocks of type \"{}\" are not expected here.", block.block_type);
                if attrs.contains(&block.block_type.as_str()) {
                    detail.push_str(&format!(
                        " Did you mean to define argument \"{}\"? If so, use the equals sign to assign it a value.",
                        block.block_type
                    ));
                }
                self.error("Unsupported block type", detail, &block.type_range);
            }
        }
    }

    /// Duplicate arguments in a body whose allowed names are schema-defined (checked later).
    fn check_duplicates(&mut self, body: &Body) {
        let mut seen: BTreeMap<&str, &Attribute> = BTreeMap::new();
        for attr in &body.attributes {
            if let Some(prev) = seen.get(attr.name.as_str()) {
                self.error(
                    "Attribute redefined",
                    format!(
                        "The argument \"{}\" was already set at {}. Each argument may be set only once.",
                        attr.name,
                        range_text(&prev.name_range)
                    ),
                    &attr.name_range,
                );
            } else {
                seen.insert(&attr.name, attr);
            }
        }
        for block in &body.blocks {
            self.check_duplicates(&block.body);
        }
    }

    fn require(&mut self, block: &Block, name: &str) -> bool {
        if block.body.attribute(name).is_some() {
            return true;
        }
        self.error(
            "Missing required argument",
            format!("The argument \"{name}\" is required, but no definition was found."),
            &block.open_brace_range,
        );
        false
    }

    fn string_arg(&mut self, attr: &Attribute) -> Option<String> {
        match static_string(&attr.expr) {
            Some(s) => Some(s.to_string()),
            None => {
                self.error(
                    "Invalid string",
                    format!("The \"{}\" argument requires a literal string.", attr.name),
                    &attr.expr.range,
                );
                None
            }
        }
    }

    fn bool_arg(&mut self, attr: &Attribute) -> bool {
        match static_bool(&attr.expr) {
            Some(b) => b,
            None => {
                let refs = !crate::refs::references(&attr.expr).is_empty();
                if refs {
                    self.error(
                        "Variables not allowed",
                        "Variables may not be used here.".into(),
                        &attr.expr.range,
                    );
                } else {
                    self.error(
                        "Unsuitable value type",
                        "Unsuitable value: a bool is required".into(),
                        &attr.expr.range,
                    );
                }
                false
            }
        }
    }

    fn terraform(&mut self, block: &Block) {
        self.check_body(
            &block.body,
            &["required_version", "experiments", "language"],
            &["required_providers", "backend", "cloud", "provider_meta"],
        );
        let settings = &mut self.config.terraform;
        let _ = settings;
        if let Some(attr) = block.body.attribute("required_version") {
            if let Some(v) = self.string_arg(attr) {
                self.config.terraform.required_version = Some((v, attr.expr.range.clone()));
            }
        }
        for rp in block.body.blocks_of("required_providers") {
            for attr in &rp.body.attributes {
                let (source, version) = match &attr.expr.kind {
                    ExprKind::String(v) => (None, Some(v.clone())),
                    ExprKind::Object(items) => {
                        let mut source = None;
                        let mut version = None;
                        for item in items {
                            let key = match &item.key {
                                crate::ast::ObjectKey::Ident(k, _) => k.clone(),
                                crate::ast::ObjectKey::Expr(e) => {
                                    static_string(e).unwrap_or("").to_string()
                                }
                            };
                            let value = static_string(&item.value).map(str::to_string);
                            match key.as_str() {
                                "source" => source = value,
                                "version" => version = value,
                                "configuration_aliases" => {}
                                other => self.error(
                                    "Invalid required_providers object",
                                    format!(
                                        "required_providers objects can only contain \"version\", \"source\" and \"configuration_aliases\" attributes. To configure a provider, use a \"provider\" block. Found {other:?}."
                                    ),
                                    item.key.range(),
                                ),
                            }
                        }
                        (source, version)
                    }
                    _ => {
                        self.error(
                            "Invalid required_providers object",
                            "required_providers entries must be objects with \"source\" and \"version\".".into(),
                            &attr.expr.range,
                        );
                        continue;
                    }
                };
                self.config.terraform.required_providers.insert(
                    attr.name.clone(),
                    RequiredProvider { source, version, range: attr.range.clone() },
                );
            }
        }
        for backend in block.body.blocks_of("backend") {
            if backend.labels.len() != 1 {
                self.error(
                    "Missing backend type",
                    "A backend block must have one label: the backend type.".into(),
                    &backend.def_range(),
                );
                continue;
            }
            let backend_type = backend.labels[0].clone();
            if backend_type != "local" {
                self.error(
                    "Unsupported backend type",
                    format!(
                        "There is no backend type named \"{backend_type}\" in batchform. Only the \"local\" backend is available."
                    ),
                    &backend.label_ranges[0],
                );
                continue;
            }
            self.check_body(&backend.body, &["path", "workspace_dir"], &[]);
            // Backend settings are read before anything is evaluated: constants only, and
            // strings (a reference here would otherwise be ignored and the default file used).
            for attr in &backend.body.attributes {
                match crate::variables::constant(&attr.expr) {
                    Err(d) => self.diags.extend(d),
                    Ok(v) if v.is_null() || matches!(attr.expr.kind, ExprKind::String(_)) => {}
                    Ok(_) => self.error(
                        "Incorrect attribute value type",
                        format!(
                            "Inappropriate value for attribute \"{}\": a literal string is required.",
                            attr.name
                        ),
                        &attr.expr.range,
                    ),
                }
            }
            if let Some(prev) = &self.config.terraform.backend {
                self.error(
                    "Duplicate backend configuration",
                    format!(
                        "A module may have only one backend configuration. The backend was previously configured at {}.",
                        range_text(&prev.range)
                    ),
                    &backend.def_range(),
                );
                continue;
            }
            self.config.terraform.backend = Some(BackendBlock {
                backend_type,
                body: backend.body.clone(),
                range: backend.def_range(),
            });
        }
    }

    fn provider(&mut self, block: &Block) {
        let name = block.labels[0].clone();
        let mut body = block.body.clone();
        self.check_duplicates(&body);
        let mut alias = None;
        body.attributes.retain(|attr| match attr.name.as_str() {
            "alias" => {
                alias = Some(attr.clone());
                false
            }
            "version" => false,
            _ => true,
        });
        let alias = alias.and_then(|attr| {
            let text = match &attr.expr.kind {
                ExprKind::String(s) => Some(s.clone()),
                ExprKind::Variable(v) => Some(v.clone()),
                _ => None,
            };
            if text.is_none() {
                self.error(
                    "Invalid provider alias",
                    "The alias must be a literal name.".into(),
                    &attr.expr.range,
                );
            }
            text
        });
        let addr = ProviderConfigAddr { name, alias };
        if let Some(prev) = self.config.providers.get(&addr) {
            let what = match &addr.alias {
                Some(a) => {
                    format!("A provider configuration for \"{}\" with alias \"{a}\"", addr.name)
                }
                None => {
                    format!("A default (non-aliased) provider configuration for \"{}\"", addr.name)
                }
            };
            self.error(
                "Duplicate provider configuration",
                format!("{what} was already given at {}. If multiple configurations are required, set the \"alias\" argument for alternative configurations.", range_text(&prev.decl_range)),
                &block.def_range(),
            );
            return;
        }
        self.config.providers.insert(
            addr.clone(),
            ProviderBlock {
                addr,
                body,
                decl_range: block.def_range(),
                open_brace_range: block.open_brace_range.clone(),
            },
        );
    }

    fn variable(&mut self, block: &Block) {
        let name = block.labels[0].clone();
        self.check_body(
            &block.body,
            &["type", "default", "description", "sensitive", "nullable", "ephemeral"],
            &["validation"],
        );
        if !batchform_core::addr::is_identifier(&name) {
            self.error(
                "Invalid variable name",
                "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.".into(),
                &block.label_ranges[0],
            );
        }
        if matches!(
            name.as_str(),
            "source"
                | "version"
                | "providers"
                | "count"
                | "for_each"
                | "lifecycle"
                | "depends_on"
                | "locals"
        ) {
            self.error(
                "Invalid variable name",
                format!("The variable name \"{name}\" is reserved due to its special meaning inside module blocks."),
                &block.label_ranges[0],
            );
        }
        let mut type_constraint = TypeConstraint::Dynamic;
        let mut type_given = false;
        if let Some(attr) = block.body.attribute("type") {
            match typeexpr::parse(&attr.expr) {
                Ok(tc) => {
                    type_constraint = tc;
                    type_given = true;
                }
                Err(d) => self.diags.push(d),
            }
        }
        let description = block.body.attribute("description").and_then(|a| self.string_arg(a));
        let sensitive = block.body.attribute("sensitive").is_some_and(|a| self.bool_arg(a));
        let nullable = block.body.attribute("nullable").is_none_or(|a| self.bool_arg(a));
        let mut validations = Vec::new();
        for v in block.body.blocks_of("validation") {
            if let Some(rule) = self.check_rule(v) {
                validations.push(rule);
            }
        }
        if let Some(prev) = self.config.variables.get(&name) {
            self.error(
                "Duplicate variable declaration",
                format!(
                    "A variable named \"{name}\" was already declared at {}. Variable names must be unique within a module.",
                    range_text(&prev.decl_range)
                ),
                &block.def_range(),
            );
            return;
        }
        let default = block.body.attribute("default").map(|a| a.expr.clone());
        self.config.variables.insert(
            name.clone(),
            Variable {
                name,
                type_constraint,
                type_given,
                default,
                description,
                sensitive,
                nullable,
                validations,
                decl_range: block.def_range(),
            },
        );
    }

    fn check_rule(&mut self, block: &Block) -> Option<CheckRule> {
        self.check_body(&block.body, &["condition", "error_message"], &[]);
        if !block.labels.is_empty() {
            self.labels(block, 0);
            return None;
        }
        let has_condition = self.require(block, "condition");
        let has_message = self.require(block, "error_message");
        if !(has_condition && has_message) {
            return None;
        }
        let condition = block.body.attribute("condition")?.expr.clone();
        let error_message = block.body.attribute("error_message")?.expr.clone();
        if crate::refs::references(&condition).is_empty() {
            self.error(
                "Invalid validation expression",
                "The condition expression must refer to at least one object from elsewhere in the configuration, or else its result would not be checking anything.".into(),
                &condition.range,
            );
        }
        Some(CheckRule { condition, error_message, range: block.def_range() })
    }

    fn locals(&mut self, block: &Block) {
        for nested in &block.body.blocks {
            self.error(
                "Unsupported block type",
                format!("Blocks of type \"{}\" are not expected here.", nested.block_type),
                &nested.type_range,
            );
        }
        for attr in &block.body.attributes {
            if let Some(prev) = self.config.locals.get(&attr.name) {
                self.error(
                    "Duplicate local value definition",
                    format!(
                        "A local value named \"{}\" was already defined at {}. Local value names must be unique within a module.",
                        attr.name,
                        range_text(&prev.range)
                    ),
                    &attr.range,
                );
                continue;
            }
            self.config.locals.insert(
                attr.name.clone(),
                Local {
                    name: attr.name.clone(),
                    expr: attr.expr.clone(),
                    range: attr.range.clone(),
                },
            );
        }
    }

    fn resource(&mut self, block: &Block, data: bool) {
        let type_name = block.labels[0].clone();
        let name = block.labels[1].clone();
        for (label, range) in block.labels.iter().zip(&block.label_ranges) {
            if !batchform_core::addr::is_identifier(label) {
                self.error(
                    if data { "Invalid data source name" } else { "Invalid resource name" },
                    "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.".into(),
                    range,
                );
                return;
            }
        }
        let addr = if data {
            ResourceAddr::data(&type_name, &name)
        } else {
            ResourceAddr::managed(&type_name, &name)
        };
        self.check_duplicates(&block.body);
        let mut body = Body::default();
        let mut count = None;
        let mut for_each = None;
        let mut depends_on = Vec::new();
        let mut provider = ProviderConfigAddr::implied_by_type(&type_name);
        let mut provider_explicit = false;
        let mut lifecycle = Lifecycle::default();
        let mut seen_lifecycle: Option<SourceRange> = None;
        for attr in &block.body.attributes {
            match attr.name.as_str() {
                "count" => count = Some(attr.expr.clone()),
                "for_each" => for_each = Some(attr.expr.clone()),
                "depends_on" => depends_on = self.traversal_list(&attr.expr, "depends_on"),
                "provider" => {
                    if let Some(p) = self.provider_ref(&attr.expr) {
                        provider = p;
                        provider_explicit = true;
                    }
                }
                _ => body.attributes.push(attr.clone()),
            }
        }
        for nested in &block.body.blocks {
            match nested.block_type.as_str() {
                "lifecycle" if nested.labels.is_empty() => {
                    if let Some(prev) = &seen_lifecycle {
                        self.error(
                            "Duplicate lifecycle block",
                            format!("This resource already has a lifecycle block at {}.", range_text(prev)),
                            &nested.type_range,
                        );
                        continue;
                    }
                    seen_lifecycle = Some(nested.def_range());
                    lifecycle = self.lifecycle(nested, data);
                }
                "connection" | "provisioner" => self.error(
                    "Unsupported block type",
                    format!(
                        "Blocks of type \"{}\" are not supported by batchform: OpenAI batches have no hosts to provision.",
                        nested.block_type
                    ),
                    &nested.type_range,
                ),
                _ => body.blocks.push(nested.clone()),
            }
        }
        if let (Some(_), Some(f)) = (&count, &for_each) {
            self.error(
                "Invalid combination of \"count\" and \"for_each\"",
                "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.".into(),
                &f.range.clone(),
            );
        }
        if let Some(prev) = self.config.resources.get(&addr) {
            let kind = if data { "data" } else { "resource" };
            let noun = if data { "data resource" } else { "resource" };
            self.error(
                &format!("Duplicate {kind} \"{type_name}\" configuration"),
                format!(
                    "A {type_name} {noun} named \"{name}\" was already declared at {}. Resource names must be unique per type in each module.",
                    range_text(&prev.decl_range)
                ),
                &block.def_range(),
            );
            return;
        }
        self.config.resources.insert(
            addr.clone(),
            Resource {
                addr,
                count,
                for_each,
                depends_on,
                provider,
                provider_explicit,
                lifecycle,
                body,
                decl_range: block.def_range(),
                open_brace_range: block.open_brace_range.clone(),
            },
        );
    }

    fn lifecycle(&mut self, block: &Block, data: bool) -> Lifecycle {
        let (attrs, blocks): (&[&str], &[&str]) = if data {
            (&[], &["precondition", "postcondition"])
        } else {
            (
                &[
                    "create_before_destroy",
                    "prevent_destroy",
                    "ignore_changes",
                    "replace_triggered_by",
                ],
                &["precondition", "postcondition"],
            )
        };
        self.check_body(&block.body, attrs, blocks);
        let mut lifecycle = Lifecycle::default();
        for attr in &block.body.attributes {
            match attr.name.as_str() {
                "create_before_destroy" if !data => {
                    lifecycle.create_before_destroy = self.bool_arg(attr)
                }
                "prevent_destroy" if !data => lifecycle.prevent_destroy = self.bool_arg(attr),
                "ignore_changes" if !data => {
                    lifecycle.ignore_changes = match &attr.expr.kind {
                        ExprKind::Variable(v) if v == "all" => IgnoreChanges::All,
                        ExprKind::String(s) if s == "all" => IgnoreChanges::All,
                        _ => {
                            IgnoreChanges::Paths(self.traversal_list(&attr.expr, "ignore_changes"))
                        }
                    }
                }
                "replace_triggered_by" if !data => {
                    lifecycle.replace_triggered_by = self.replace_triggers(&attr.expr)
                }
                _ => {}
            }
        }
        for nested in &block.body.blocks {
            let rule = match nested.block_type.as_str() {
                "precondition" | "postcondition" => self.check_rule(nested),
                _ => None,
            };
            match (nested.block_type.as_str(), rule) {
                ("precondition", Some(r)) => lifecycle.preconditions.push(r),
                ("postcondition", Some(r)) => lifecycle.postconditions.push(r),
                _ => {}
            }
        }
        lifecycle
    }

    /// `[a.b, c.d]` of static traversals (depends_on, ignore_changes).
    fn traversal_list(&mut self, expr: &Expr, what: &str) -> Vec<Expr> {
        let Some(items) = expr.as_static_list() else {
            self.error(
                "Invalid expression",
                format!("A static list expression is required for {what}."),
                &expr.range,
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match &item.kind {
                ExprKind::Variable(_) | ExprKind::Traversal { .. } if is_static_traversal(item) => {
                    out.push(item.clone())
                }
                ExprKind::String(s) => {
                    self.diags.push(
                        Diagnostic::warning(
                            "Quoted references are deprecated",
                            "In this context, references are expected literally rather than in quotes. Terraform 0.11 and earlier required quotes, but quoted references are now deprecated and will be removed in a future version of Terraform. Remove the quotes surrounding this reference to silence this warning.",
                        )
                        .with_subject(Some(item.range.clone())),
                    );
                    let file = SourceFile::new(item.range.filename.clone(), s.clone());
                    match crate::lower::parse_expression(&file) {
                        Ok(mut parsed) if is_static_traversal(&parsed) => {
                            rebase_ranges(&mut parsed, &item.range);
                            out.push(parsed)
                        }
                        _ => self.error(
                            "Invalid reference",
                            format!("A reference is expected in {what}."),
                            &item.range,
                        ),
                    }
                }
                _ => self.error(
                    "Invalid expression",
                    "A single static variable reference is required: only attribute access and indexing with constant keys. No calculations, function calls, template expressions, etc are allowed here.".into(),
                    &item.range,
                ),
            }
        }
        out
    }

    fn replace_triggers(&mut self, expr: &Expr) -> Vec<Expr> {
        let Some(items) = expr.as_static_list() else {
            self.error(
                "Invalid expression",
                "A static list expression is required for replace_triggered_by.".into(),
                &expr.range,
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let refs = crate::refs::references(item);
            let resource_ref =
                refs.iter().any(|r| matches!(r.subject, crate::refs::Subject::Resource(_)));
            let bad = refs.iter().find(|r| {
                !matches!(
                    r.subject,
                    crate::refs::Subject::Resource(_)
                        | crate::refs::Subject::CountIndex
                        | crate::refs::Subject::EachKey
                )
            });
            if let Some(bad) = bad {
                self.error(
                    "Invalid reference in replace_triggered_by expression",
                    "Only resources, count.index, and each.key may be used in replace_triggered_by.".into(),
                    &bad.range,
                );
            }
            if !resource_ref {
                self.error(
                    "Invalid replace_triggered_by expression",
                    "Missing resource reference in replace_triggered_by expression.".into(),
                    &item.range,
                );
                continue;
            }
            out.push(item.clone());
        }
        out
    }

    fn provider_ref(&mut self, expr: &Expr) -> Option<ProviderConfigAddr> {
        let parsed = match &expr.kind {
            ExprKind::Variable(name) => Some(ProviderConfigAddr::default_for(name.clone())),
            ExprKind::Traversal { source, steps } => match (&source.kind, steps.as_slice()) {
                (ExprKind::Variable(name), [step]) => match &step.kind {
                    StepKind::GetAttr(alias) => {
                        Some(ProviderConfigAddr { name: name.clone(), alias: Some(alias.clone()) })
                    }
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                "Invalid provider configuration reference",
                "The provider argument requires a provider type name, optionally followed by a period and then a configuration alias.".into(),
                &expr.range,
            );
        }
        parsed
    }

    fn output(&mut self, block: &Block) {
        let name = block.labels[0].clone();
        self.check_body(
            &block.body,
            &["value", "description", "sensitive", "depends_on", "ephemeral"],
            &["precondition"],
        );
        let has_value = self.require(block, "value");
        let description = block.body.attribute("description").and_then(|a| self.string_arg(a));
        let sensitive = block.body.attribute("sensitive").is_some_and(|a| self.bool_arg(a));
        let depends_on = block
            .body
            .attribute("depends_on")
            .map(|a| self.traversal_list(&a.expr, "depends_on"))
            .unwrap_or_default();
        let mut preconditions = Vec::new();
        for p in block.body.blocks_of("precondition") {
            if let Some(rule) = self.check_rule(p) {
                preconditions.push(rule);
            }
        }
        if let Some(prev) = self.config.outputs.get(&name) {
            self.error(
                "Duplicate output definition",
                format!(
                    "An output named \"{name}\" was already defined at {}. Output names must be unique within a module.",
                    range_text(&prev.decl_range)
                ),
                &block.def_range(),
            );
            return;
        }
        let value =
            if has_value { block.body.attribute("value").map(|a| a.expr.clone()) } else { None };
        self.config.outputs.insert(
            name.clone(),
            Output {
                name,
                value,
                description,
                sensitive,
                depends_on,
                preconditions,
                decl_range: block.def_range(),
                open_brace_range: block.open_brace_range.clone(),
            },
        );
    }

    fn import(&mut self, block: &Block) {
        self.check_body(&block.body, &["to", "id", "provider", "for_each"], &[]);
        if block.body.attribute("for_each").is_some() {
            if let Some(a) = block.body.attribute("for_each") {
                self.error(
                    "Unsupported argument",
                    "batchform does not support for_each in import blocks yet; write one import block per object.".into(),
                    &a.name_range,
                );
            }
            return;
        }
        let has_to = self.require(block, "to");
        let has_id = self.require(block, "id");
        if !(has_to && has_id) {
            return;
        }
        let (Some(to), Some(id)) = (block.body.attribute("to"), block.body.attribute("id")) else {
            return;
        };
        if !is_static_traversal(&to.expr) {
            self.error(
                "Invalid import address",
                "The \"to\" argument must be a resource address, like openai_batch.example.".into(),
                &to.expr.range,
            );
            return;
        }
        self.config.imports.push(ImportBlock {
            to: to.expr.clone(),
            id: id.expr.clone(),
            range: block.def_range(),
        });
    }
}

/// A traversal made only of names, attribute steps and constant index keys.
pub fn is_static_traversal(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Variable(_) => true,
        ExprKind::Traversal { source, steps } => {
            matches!(source.kind, ExprKind::Variable(_))
                && steps.iter().all(|s| match &s.kind {
                    StepKind::GetAttr(_) | StepKind::LegacyIndex(_) => true,
                    StepKind::Index(k) => {
                        matches!(k.kind, ExprKind::String(_) | ExprKind::Number(_))
                    }
                    _ => false,
                })
        }
        _ => false,
    }
}

/// Shift the ranges of an expression parsed from a quoted string to point into the string.
fn rebase_ranges(expr: &mut Expr, outer: &SourceRange) {
    fn shift(r: &mut SourceRange, outer: &SourceRange) {
        // The inner text starts one character after the opening quote, on the same line.
        let offset = outer.start.byte + 1;
        let col = outer.start.column + 1;
        r.filename = outer.filename.clone();
        r.start.byte += offset;
        r.end.byte += offset;
        r.start.column += col - 1;
        r.end.column += col - 1;
        r.start.line = outer.start.line;
        r.end.line = outer.start.line;
    }
    shift(&mut expr.range, outer);
    if let ExprKind::Traversal { source, steps } = &mut expr.kind {
        shift(&mut source.range, outer);
        for step in steps {
            shift(&mut step.range, outer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraform_blocks_batchform_lacks_say_so_and_typos_get_a_suggestion() {
        let text =
            "moved {\n  from = a.b\n  to = a.c\n}\ncheck \"c\" {\n}\nresourse \"a\" \"b\" {\n}\n";
        let (_, diags) = Config::load(&[SourceFile::new("main.tf", text)]);
        let details: Vec<String> = diags.iter().map(|d| d.detail.clone()).collect();
        assert_eq!(
            details,
            [
                "Blocks of type \"moved\" are Terraform's, but batchform does not support them: remove the block.",
                "Blocks of type \"check\" are Terraform's, but batchform does not support them: remove the block.",
                "Blocks of type \"resourse\" are not expected here. Did you mean \"resource\"?",
            ]
        );
        assert!(diags.iter().all(|d| d.summary == "Unsupported block type"));
    }
}
