//! The evaluation scope of the root module: input variables, locals (evaluated on demand and
//! remembered), resources (supplied by the caller: unknown during validate, from state and the
//! plan in the engine), `path.*`, `terraform.*`, and per-instance `count` / `each`.

use crate::eval::{Evaluator, Functions, Resolver};
use crate::model::Config;
use crate::refs::Subject;
use batchform_core::{Diagnostic, Diagnostics, InstanceKey, ResourceAddr, SourceRange, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

/// Values of resources, as the caller knows them.
pub trait ResourceValues {
    /// The whole resource: an object, a tuple of instances (`count`) or an object of instances
    /// (`for_each`). `None` if the caller has nothing for it (it then evaluates as unknown).
    fn resource(&self, addr: &ResourceAddr) -> Option<Value>;

    /// One instance. `None` when not supported (the whole resource is indexed instead).
    fn instance(&self, _addr: &ResourceAddr, _key: &InstanceKey) -> Option<Value> {
        None
    }
}

/// No resource values: every resource is unknown (validate, console without state).
pub struct UnknownResources;

impl ResourceValues for UnknownResources {
    fn resource(&self, _addr: &ResourceAddr) -> Option<Value> {
        None
    }
}

/// `path.module`, `path.root`, `path.cwd`.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    pub module: String,
    pub root: String,
    pub cwd: String,
}

/// The instance being evaluated: `count.index`, `each.key`, `each.value`, `self`.
#[derive(Debug, Clone, Default)]
pub struct InstanceContext {
    pub count_index: Option<Value>,
    pub each_key: Option<Value>,
    pub each_value: Option<Value>,
    pub self_value: Option<Value>,
}

enum LocalSlot {
    Evaluating,
    Done(Value),
}

/// The root module's scope.
pub struct ModuleScope<'a> {
    pub config: &'a Config,
    pub variables: &'a BTreeMap<String, Value>,
    pub resources: &'a dyn ResourceValues,
    pub functions: &'a dyn Functions,
    pub paths: Paths,
    pub workspace: String,
    pub applying: bool,
    locals: RefCell<HashMap<String, LocalSlot>>,
    diagnostics: RefCell<Diagnostics>,
}

impl<'a> ModuleScope<'a> {
    pub fn new(
        config: &'a Config,
        variables: &'a BTreeMap<String, Value>,
        resources: &'a dyn ResourceValues,
        functions: &'a dyn Functions,
        paths: Paths,
    ) -> Self {
        ModuleScope {
            config,
            variables,
            resources,
            functions,
            paths,
            workspace: "default".to_string(),
            applying: false,
            locals: RefCell::new(HashMap::new()),
            diagnostics: RefCell::new(Diagnostics::new()),
        }
    }

    /// Errors found while evaluating locals on demand (each reported once).
    pub fn take_diagnostics(&self) -> Diagnostics {
        std::mem::take(&mut *self.diagnostics.borrow_mut())
    }

    /// Evaluate an expression in module context (no instance).
    pub fn eval(&self, expr: &crate::ast::Expr) -> crate::eval::EvalResult {
        Evaluator::new(self, self.functions).eval(expr)
    }

    /// A scope for one resource instance.
    pub fn for_instance(&self, instance: InstanceContext) -> InstanceScope<'_, 'a> {
        InstanceScope { module: self, instance }
    }

    /// The value of a local, evaluating it the first time.
    pub fn local(&self, name: &str, range: &SourceRange) -> Result<Value, Diagnostic> {
        match self.locals.borrow().get(name) {
            Some(LocalSlot::Done(v)) => return Ok(v.clone()),
            Some(LocalSlot::Evaluating) => {
                return Err(Diagnostic::error(
                    "Cycle",
                    format!("local.{name} refers to itself, directly or through other values."),
                )
                .with_subject(Some(range.clone())));
            }
            None => {}
        }
        let Some(local) = self.config.locals.get(name) else {
            return Err(undeclared_local(self.config, name, range));
        };
        self.locals.borrow_mut().insert(name.to_string(), LocalSlot::Evaluating);
        let value = match self.eval(&local.expr) {
            Ok(v) => v,
            Err(d) => {
                self.diagnostics.borrow_mut().extend(d);
                Value::DYNAMIC_UNKNOWN
            }
        };
        self.locals.borrow_mut().insert(name.to_string(), LocalSlot::Done(value.clone()));
        Ok(value)
    }

    fn resolve_common(&self, subject: &Subject, range: &SourceRange) -> Result<Value, Diagnostic> {
        match subject {
            Subject::Var(name) => match self.variables.get(name) {
                Some(v) => Ok(v.clone()),
                None => match self.config.variables.get(name) {
                    Some(decl) => Ok(Value::unknown(decl.type_constraint.to_type())),
                    None => Err(undeclared_variable(self.config, name, range)),
                },
            },
            Subject::Local(name) => self.local(name, range),
            Subject::Resource(addr) => {
                if !self.config.resources.contains_key(addr) {
                    return Err(undeclared_resource(self.config, addr, range));
                }
                Ok(self.resources.resource(addr).unwrap_or(Value::DYNAMIC_UNKNOWN))
            }
            Subject::Path(which) => Ok(Value::String(match which.as_str() {
                "module" => self.paths.module.clone(),
                "root" => self.paths.root.clone(),
                _ => self.paths.cwd.clone(),
            })),
            Subject::Terraform(which) => Ok(match which.as_str() {
                "workspace" => Value::String(self.workspace.clone()),
                _ => Value::Bool(self.applying),
            }),
            Subject::CountIndex => Err(Diagnostic::error(
                "Reference to \"count\" in non-counted context",
                "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.",
            )
            .with_subject(Some(range.clone()))),
            Subject::EachKey | Subject::EachValue => Err(Diagnostic::error(
                "each.value cannot be used in this context",
                "A reference to \"each.value\" has been used in a context in which it is unavailable, such as when the configuration no longer contains the value in its \"for_each\" expression. Remove this reference to each.value in your configuration to work around this error.",
            )
            .with_subject(Some(range.clone()))),
            Subject::SelfObject => Err(Diagnostic::error(
                "Invalid \"self\" reference",
                "The \"self\" object is not available in this context. This object can be used only in resource provisioner, connection, and postcondition blocks.",
            )
            .with_subject(Some(range.clone()))),
        }
    }
}

impl Resolver for ModuleScope<'_> {
    fn resolve(&self, subject: &Subject, range: &SourceRange) -> Result<Value, Diagnostic> {
        self.resolve_common(subject, range)
    }

    fn resolve_instance(
        &self,
        addr: &ResourceAddr,
        key: &InstanceKey,
        _range: &SourceRange,
    ) -> Option<Result<Value, Diagnostic>> {
        self.resources.instance(addr, key).map(Ok)
    }
}

/// The scope of one resource instance: module scope plus `count` / `each` / `self`.
pub struct InstanceScope<'s, 'a> {
    module: &'s ModuleScope<'a>,
    instance: InstanceContext,
}

impl InstanceScope<'_, '_> {
    pub fn eval(&self, expr: &crate::ast::Expr) -> crate::eval::EvalResult {
        Evaluator::new(self, self.module.functions).eval(expr)
    }
}

impl Resolver for InstanceScope<'_, '_> {
    fn resolve(&self, subject: &Subject, range: &SourceRange) -> Result<Value, Diagnostic> {
        let found = match subject {
            Subject::CountIndex => self.instance.count_index.clone(),
            Subject::EachKey => self.instance.each_key.clone(),
            Subject::EachValue => self.instance.each_value.clone(),
            Subject::SelfObject => self.instance.self_value.clone(),
            _ => return self.module.resolve_common(subject, range),
        };
        match found {
            Some(v) => Ok(v),
            None => self.module.resolve_common(subject, range),
        }
    }

    fn resolve_instance(
        &self,
        addr: &ResourceAddr,
        key: &InstanceKey,
        range: &SourceRange,
    ) -> Option<Result<Value, Diagnostic>> {
        self.module.resolve_instance(addr, key, range)
    }
}

pub(crate) fn undeclared_variable(config: &Config, name: &str, range: &SourceRange) -> Diagnostic {
    let detail = match batchform_core::diagnostic::name_suggestion(
        name,
        config.variables.keys().map(String::as_str),
    ) {
        Some(s) => format!(
            "An input variable with the name \"{name}\" has not been declared. Did you mean \"{s}\"?"
        ),
        None => format!(
            "An input variable with the name \"{name}\" has not been declared. This variable can be declared with a variable \"{name}\" {{}} block."
        ),
    };
    Diagnostic::error("Reference to undeclared input variable", detail)
        .with_subject(Some(range.clone()))
}

pub(crate) fn undeclared_local(config: &Config, name: &str, range: &SourceRange) -> Diagnostic {
    let detail = match batchform_core::diagnostic::name_suggestion(
        name,
        config.locals.keys().map(String::as_str),
    ) {
        Some(s) => format!(
            "A local value with the name \"{name}\" has not been declared. Did you mean \"{s}\"?"
        ),
        None => format!("A local value with the name \"{name}\" has not been declared."),
    };
    Diagnostic::error("Reference to undeclared local value", detail)
        .with_subject(Some(range.clone()))
}

pub(crate) fn undeclared_resource(
    config: &Config,
    addr: &ResourceAddr,
    range: &SourceRange,
) -> Diagnostic {
    let (kind, other_mode) = match addr.mode {
        batchform_core::Mode::Managed => {
            ("A managed resource", ResourceAddr::data(&addr.type_name, &addr.name))
        }
        batchform_core::Mode::Data => {
            ("A data resource", ResourceAddr::managed(&addr.type_name, &addr.name))
        }
    };
    let mut detail = format!(
        "{kind} \"{}\" \"{}\" has not been declared in the root module.",
        addr.type_name, addr.name
    );
    if config.resources.contains_key(&other_mode) {
        let what = match other_mode.mode {
            batchform_core::Mode::Data => "data resource",
            batchform_core::Mode::Managed => "managed resource",
        };
        detail.push_str(&format!(" Did you mean the {what} {other_mode}?"));
    }
    Diagnostic::error("Reference to undeclared resource", detail).with_subject(Some(range.clone()))
}
