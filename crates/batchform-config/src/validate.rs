//! Static validation of the whole configuration, as `terraform validate` does it: references
//! (undeclared, malformed, wrong instance keys, unknown attributes), self-references, cycles,
//! `count` / `for_each` forms, and every resource, data source and provider body against its
//! schema, with all input variables and resource attributes unknown.

use crate::ast::{Expr, StepKind};
use crate::eval::Functions;
use crate::model::{Config, ProviderConfigAddr, Resource};
use crate::refs::{Reference, Subject};
use crate::scope::{InstanceContext, ModuleScope, Paths, ResourceValues};
use batchform_core::schema::Schema;
use batchform_core::{Diagnostic, Diagnostics, Mode, ResourceAddr, SourceRange, Type, Value};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, HashMap};

/// Where schemas come from (the providers the CLI wires in).
pub trait SchemaSource {
    fn resource_schema(&self, mode: Mode, type_name: &str) -> Option<&Schema>;
    fn provider_schema(&self, provider: &str) -> Option<&Schema>;
    /// Every resource (or data source) type name, for did-you-mean.
    fn type_names(&self, mode: Mode) -> Vec<String>;
    /// The provider's source address for messages (`batchform/openai`).
    fn provider_source(&self, provider: &str) -> Option<String>;
}

/// Validate; `schemas` is `None` when no provider is available (structure checks only).
/// The static reference checks of one expression outside any block (the console), as
/// Terraform runs them before evaluating.
pub fn check_expression(
    config: &Config,
    schemas: Option<&dyn SchemaSource>,
    expr: &Expr,
) -> Diagnostics {
    let mut v = Validator { config, schemas, diags: Diagnostics::new() };
    let (refs, diags) = crate::refs::references_checked(expr);
    v.diags.extend(diags);
    for r in refs {
        v.reference(Context::Output, &r);
    }
    v.diags
}

/// The static checks only (references, self-references, cycles), without evaluating.
pub fn validate_references(config: &Config, schemas: Option<&dyn SchemaSource>) -> Diagnostics {
    let mut v = Validator { config, schemas, diags: Diagnostics::new() };
    v.references();
    v.variable_conditions();
    v.cycles();
    v.diags.sort();
    v.diags
}

pub fn validate(
    config: &Config,
    schemas: Option<&dyn SchemaSource>,
    functions: &dyn Functions,
) -> Diagnostics {
    let mut v = Validator { config, schemas, diags: Diagnostics::new() };
    v.references();
    v.variable_conditions();
    v.variable_defaults();
    v.cycles();
    let static_diags = std::mem::take(&mut v.diags);
    let static_ranges = ReportedRanges::new(&static_diags);
    v.bodies(functions, &static_ranges);
    // Evaluation finds again some problems the static checks reported; keep one of each.
    let evaluated = std::mem::replace(&mut v.diags, static_diags);
    let reported = static_ranges;
    let static_cycle = v.diags.iter().any(|s| s.summary.starts_with("Cycle: "));
    for d in evaluated {
        let again = d.subject.as_ref().is_some_and(|r| reported.overlaps(r));
        let cycle_again = static_cycle && d.summary == "Cycle";
        if !again && !cycle_again {
            v.diags.push(d);
        }
    }
    v.diags.dedup();
    v.diags.sort();
    v.diags
}

/// The source ranges that already have a diagnostic, by file, for overlap queries.
struct ReportedRanges {
    by_file: HashMap<std::sync::Arc<str>, Vec<(usize, usize)>>,
}

impl ReportedRanges {
    fn new(diags: &Diagnostics) -> ReportedRanges {
        let mut by_file: HashMap<std::sync::Arc<str>, Vec<(usize, usize)>> = HashMap::new();
        for d in diags {
            if let Some(s) = &d.subject {
                by_file
                    .entry(s.filename.clone())
                    .or_default()
                    .push((s.start.byte, s.end.byte.max(s.start.byte + 1)));
            }
        }
        for ranges in by_file.values_mut() {
            ranges.sort_unstable();
        }
        ReportedRanges { by_file }
    }

    /// Whether `r` overlaps a reported range. Ranges are sorted by start; only those that
    /// start before `r` ends can overlap, and diagnostics rarely nest deeply.
    fn overlaps(&self, r: &SourceRange) -> bool {
        let Some(ranges) = self.by_file.get(&r.filename) else { return false };
        let end = r.end.byte.max(r.start.byte + 1);
        let upto = ranges.partition_point(|(start, _)| *start < end);
        ranges[..upto].iter().rev().take(64).any(|(_, e)| *e > r.start.byte)
    }
}

/// The block an expression belongs to, for reference rules.
#[derive(Clone, Copy)]
enum Context<'c> {
    Resource(&'c Resource),
    Local(&'c str),
    Output,
    Variable,
    Provider,
}

struct Validator<'c> {
    config: &'c Config,
    schemas: Option<&'c dyn SchemaSource>,
    diags: Diagnostics,
}

/// Graph node names as Terraform prints them in cycle errors.
fn node_name(subject: &Subject) -> Option<String> {
    match subject {
        Subject::Var(n) => Some(format!("var.{n}")),
        Subject::Local(n) => Some(format!("local.{n}")),
        Subject::Resource(a) => Some(a.to_string()),
        _ => None,
    }
}

impl<'c> Validator<'c> {
    /// Every expression of the configuration with the block it belongs to.
    fn expressions(&self) -> Vec<(Context<'c>, &'c Expr, Option<String>)> {
        let mut out = Vec::new();
        let config = self.config;
        for (name, local) in &config.locals {
            out.push((Context::Local(name), &local.expr, Some(format!("local.{name}"))));
        }
        for output in config.outputs.values() {
            let node = Some(format!("output.{}", output.name));
            if let Some(v) = &output.value {
                out.push((Context::Output, v, node.clone()));
            }
            for d in &output.depends_on {
                out.push((Context::Output, d, node.clone()));
            }
            for rule in &output.preconditions {
                out.push((Context::Output, &rule.condition, node.clone()));
                out.push((Context::Output, &rule.error_message, node.clone()));
            }
        }
        for var in config.variables.values() {
            for rule in &var.validations {
                out.push((Context::Variable, &rule.condition, None));
                out.push((Context::Variable, &rule.error_message, None));
            }
        }
        for provider in config.providers.values() {
            let node = Some(format!("provider.{}", provider.addr));
            for_each_body_expr(&provider.body, &mut |e| {
                out.push((Context::Provider, e, node.clone()))
            });
        }
        for resource in config.resources.values() {
            let ctx = Context::Resource(resource);
            let node = Some(resource.addr.to_string());
            for e in resource
                .count
                .iter()
                .chain(resource.for_each.iter())
                .chain(resource.depends_on.iter())
            {
                out.push((ctx, e, node.clone()));
            }
            for e in &resource.lifecycle.replace_triggered_by {
                out.push((ctx, e, node.clone()));
            }
            for rule in
                resource.lifecycle.preconditions.iter().chain(&resource.lifecycle.postconditions)
            {
                out.push((ctx, &rule.condition, node.clone()));
                out.push((ctx, &rule.error_message, node.clone()));
            }
            for_each_body_expr(&resource.body, &mut |e| out.push((ctx, e, node.clone())));
        }
        out
    }

    fn references(&mut self) {
        for (ctx, expr, _) in self.expressions() {
            let (refs, diags) = crate::refs::references_checked(expr);
            self.diags.extend(diags);
            for r in refs {
                self.reference(ctx, &r);
            }
        }
    }

    /// A variable's validation must test the variable itself.
    fn variable_conditions(&mut self) {
        for (name, var) in &self.config.variables {
            for rule in &var.validations {
                let refs = crate::refs::references(&rule.condition);
                if refs.is_empty() {
                    continue; // already reported as an invalid validation expression
                }
                if !refs.iter().any(|r| r.subject == Subject::Var(name.clone())) {
                    self.diags.push(
                        Diagnostic::error(
                            "Invalid variable validation condition",
                            format!("The condition for variable \"{name}\" must refer to var.{name} in order to test incoming values."),
                        )
                        .with_subject(Some(rule.condition.range.clone())),
                    );
                }
            }
        }
    }

    /// Each default must fit its variable's type (and be non-null when `nullable = false`).
    fn variable_defaults(&mut self) {
        for var in self.config.variables.values() {
            if let Err(diags) = crate::variables::default_value(var) {
                self.diags.extend(diags);
            }
        }
    }

    fn reference(&mut self, ctx: Context<'c>, r: &Reference) {
        let config = self.config;
        let range = &r.range;
        match &r.subject {
            Subject::Var(name) => {
                if !config.variables.contains_key(name) {
                    self.diags.push(crate::scope::undeclared_variable(config, name, range));
                }
            }
            Subject::Local(name) => {
                if !config.locals.contains_key(name) {
                    self.diags.push(crate::scope::undeclared_local(config, name, range));
                } else if matches!(ctx, Context::Local(own) if own == name) {
                    self.diags.push(
                        Diagnostic::error(
                            "Self-referencing local value",
                            format!("Local value local.{name} cannot use its own result as part of its expression."),
                        )
                        .with_subject(Some(range.clone())),
                    );
                }
            }
            Subject::Resource(addr) => self.resource_reference(ctx, addr, r),
            Subject::CountIndex => {
                let ok = matches!(ctx, Context::Resource(res) if res.count.is_some());
                if !ok {
                    self.diags.push(
                        Diagnostic::error(
                            "Reference to \"count\" in non-counted context",
                            "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.",
                        )
                        .with_subject(Some(range.clone())),
                    );
                }
            }
            Subject::EachKey | Subject::EachValue => {
                let ok = matches!(ctx, Context::Resource(res) if res.for_each.is_some());
                if !ok && r.subject == Subject::EachValue {
                    // Terraform's evaluator words a missing each.value differently.
                    self.diags.push(
                        Diagnostic::error(
                            "each.value cannot be used in this context",
                            "A reference to \"each.value\" has been used in a context in which it is unavailable, such as when the configuration no longer contains the value in its \"for_each\" expression. Remove this reference to each.value in your configuration to work around this error.",
                        )
                        .with_subject(Some(range.clone())),
                    );
                } else if !ok {
                    self.diags.push(
                        Diagnostic::error(
                            "Reference to \"each\" in context without for_each",
                            "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.",
                        )
                        .with_subject(Some(range.clone())),
                    );
                }
            }
            Subject::SelfObject => {
                let in_postcondition = matches!(ctx, Context::Resource(res) if res.lifecycle.postconditions.iter().any(|p| contains_range(&p.condition.range, range) || contains_range(&p.error_message.range, range)));
                if !in_postcondition {
                    self.diags.push(
                        Diagnostic::error(
                            "Invalid \"self\" reference",
                            "The \"self\" object is not available in this context. This object can be used only in resource provisioner, connection, and postcondition blocks.",
                        )
                        .with_subject(Some(range.clone())),
                    );
                }
            }
            Subject::Path(_) | Subject::Terraform(_) => {}
        }
    }

    fn resource_reference(&mut self, ctx: Context<'c>, addr: &ResourceAddr, r: &Reference) {
        let config = self.config;
        let Some(target) = config.resources.get(addr) else {
            self.diags.push(crate::scope::undeclared_resource(config, addr, &r.range));
            return;
        };
        if let Context::Resource(own) = ctx {
            if own.addr == *addr {
                let in_postcondition = own
                    .lifecycle
                    .postconditions
                    .iter()
                    .any(|p| contains_range(&p.condition.range, &r.range));
                if !in_postcondition {
                    self.diags.push(
                        Diagnostic::error(
                            "Self-referential block",
                            format!("Configuration for {addr} may not refer to itself."),
                        )
                        .with_subject(Some(r.range.clone())),
                    );
                }
                return;
            }
        }
        let repeated = target.count.is_some() || target.for_each.is_some();
        let mut steps = r.remaining.iter();
        let first = steps.next();
        let indexed =
            matches!(first.map(|s| &s.kind), Some(StepKind::Index(_) | StepKind::LegacyIndex(_)));
        let splat =
            matches!(first.map(|s| &s.kind), Some(StepKind::FullSplat | StepKind::AttrSplat));
        let attr_step = if repeated {
            match first.map(|s| &s.kind) {
                Some(StepKind::GetAttr(_)) => {
                    let how = if target.count.is_some() {
                        format!(
                            "Because {addr} has \"count\" set, its attributes must be accessed on specific instances.\n\nFor example, to correlate with indices of a referring resource, use:\n    {addr}[count.index]"
                        )
                    } else {
                        format!(
                            "Because {addr} has \"for_each\" set, its attributes must be accessed on specific instances.\n\nFor example, to correlate with indices of a referring resource, use:\n    {addr}[each.key]"
                        )
                    };
                    self.diags.push(
                        Diagnostic::error("Missing resource instance key", how)
                            .with_subject(Some(r.range.clone())),
                    );
                    return;
                }
                _ if indexed || splat => steps.next(),
                _ => None,
            }
        } else {
            if indexed {
                let range = first.map_or(r.range.clone(), |s| r.range.to(&s.range));
                self.diags.push(
                    Diagnostic::error(
                        "Unexpected resource instance key",
                        format!("Because {addr} does not have \"count\" or \"for_each\" set, references to it must not include an index key. Remove the bracketed index to refer to the single instance of this resource."),
                    )
                    .with_subject(Some(range)),
                );
                return;
            }
            first
        };
        // The attribute must exist in the schema.
        let (Some(schemas), Some(StepKind::GetAttr(attr))) =
            (self.schemas, attr_step.map(|s| &s.kind))
        else {
            return;
        };
        let Some(schema) = schemas.resource_schema(addr.mode, &addr.type_name) else { return };
        let block = &schema.block;
        if block.attributes.contains_key(attr) || block.block_types.contains_key(attr) {
            return;
        }
        let mut detail = format!(
            "This object has no argument, nested block, or exported attribute named {attr:?}."
        );
        if let Some(s) = batchform_core::diagnostic::name_suggestion(attr, block.names()) {
            detail.push_str(&format!(" Did you mean {s:?}?"));
        }
        let range = attr_step.map_or(r.range.clone(), |s| s.range.clone());
        self.diags
            .push(Diagnostic::error("Unsupported attribute", detail).with_subject(Some(range)));
    }

    /// Report dependency cycles among locals, resources, outputs and providers.
    fn cycles(&mut self) {
        let mut graph: DiGraph<String, ()> = DiGraph::new();
        let mut index: HashMap<String, NodeIndex> = HashMap::new();
        let mut node = |graph: &mut DiGraph<String, ()>, name: &str| -> NodeIndex {
            *index.entry(name.to_string()).or_insert_with(|| graph.add_node(name.to_string()))
        };
        for (ctx, expr, from) in self.expressions() {
            let Some(from) = from else { continue };
            let from_ix = node(&mut graph, &from);
            for r in crate::refs::references(expr) {
                let Some(to) = node_name(&r.subject) else { continue };
                if to == from {
                    continue; // reported as a self-reference
                }
                if let (Context::Resource(_), Subject::Var(_)) = (ctx, &r.subject) {
                    continue;
                }
                let exists = match &r.subject {
                    Subject::Local(n) => self.config.locals.contains_key(n),
                    Subject::Resource(a) => self.config.resources.contains_key(a),
                    _ => false,
                };
                if exists {
                    let to_ix = node(&mut graph, &to);
                    graph.add_edge(from_ix, to_ix, ());
                }
            }
        }
        // Resources depend on their provider configuration.
        for resource in self.config.resources.values() {
            if self.config.providers.contains_key(&resource.provider) {
                let from = node(&mut graph, &resource.addr.to_string());
                let to = node(&mut graph, &format!("provider.{}", resource.provider));
                graph.add_edge(from, to, ());
            }
        }
        for scc in petgraph::algo::tarjan_scc(&graph) {
            if scc.len() < 2 {
                continue;
            }
            let mut names: Vec<&str> = scc.iter().map(|ix| graph[*ix].as_str()).collect();
            names.sort_unstable();
            self.diags.push(Diagnostic::error(format!("Cycle: {}", names.join(", ")), ""));
        }
    }

    /// Evaluate every body with unknown inputs: counts, for_each, schema decoding, outputs.
    fn bodies(&mut self, functions: &dyn Functions, reported: &ReportedRanges) {
        let config = self.config;
        let mut variables = BTreeMap::new();
        for (name, decl) in &config.variables {
            variables.insert(
                name.clone(),
                Value::unknown(decl.type_constraint.to_type()).with_sensitive(decl.sensitive),
            );
        }
        let resources = ValidateResources { config, schemas: self.schemas };
        let paths = Paths { module: ".".into(), root: ".".into(), cwd: ".".into() };
        let scope = ModuleScope::new(config, &variables, &resources, functions, paths);
        let already_failed = |_: &Diagnostics, range: &SourceRange| reported.overlaps(range);
        for resource in config.resources.values() {
            if let Some(count) = &resource.count {
                if !already_failed(&self.diags, &count.range) {
                    self.check_count(&scope, count);
                }
            }
            if let Some(for_each) = &resource.for_each {
                if !already_failed(&self.diags, &for_each.range) {
                    self.check_for_each(&scope, for_each);
                }
            }
            self.check_resource_body(&scope, resource);
        }
        for provider in config.providers.values() {
            self.check_provider(&scope, &provider.addr, &provider.body, &provider.open_brace_range);
        }
        for output in config.outputs.values() {
            let Some(value) = &output.value else { continue };
            if already_failed(&self.diags, &value.range) {
                continue;
            }
            match scope.eval(value) {
                Ok(v) => {
                    if v.contains_sensitive() && !output.sensitive {
                        self.diags.push(
                            Diagnostic::error(
                                "Output refers to sensitive values",
                                "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, Terraform requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true",
                            )
                            .with_subject(Some(output.decl_range.clone())),
                        );
                    }
                }
                Err(d) => self.diags.extend(d),
            }
        }
        for local in config.locals.values() {
            if !already_failed(&self.diags, &local.expr.range) {
                // Evaluated (and remembered) through the scope; errors are collected below.
                let _ = scope.local(&local.name, &local.range);
            }
        }
        self.diags.extend(scope.take_diagnostics());
    }

    fn check_count(&mut self, scope: &ModuleScope<'_>, expr: &Expr) {
        let value = match scope.eval(expr) {
            Ok(v) => v,
            Err(d) => {
                self.diags.extend(d);
                return;
            }
        };
        if let Err(d) = count_value(&value, &expr.range) {
            self.diags.push(d);
        }
    }

    fn check_for_each(&mut self, scope: &ModuleScope<'_>, expr: &Expr) {
        let value = match scope.eval(expr) {
            Ok(v) => v,
            Err(d) => {
                self.diags.extend(d);
                return;
            }
        };
        if let Err(d) = for_each_value(&value, &expr.range) {
            self.diags.push(d);
        }
    }

    fn check_resource_body(&mut self, scope: &ModuleScope<'_>, resource: &Resource) {
        let Some(schemas) = self.schemas else { return };
        let provider = &resource.provider;
        let Some(schema) = schemas.resource_schema(resource.addr.mode, &resource.addr.type_name)
        else {
            let (kind, what) = match resource.addr.mode {
                Mode::Managed => ("Invalid resource type", "resource type"),
                Mode::Data => ("Invalid data source", "data source"),
            };
            let source = schemas.provider_source(&provider.name);
            let mut detail = match source {
                Some(src) => format!(
                    "The provider {src} does not support {what} \"{}\".",
                    resource.addr.type_name
                ),
                None => format!(
                    "There is no provider named \"{}\" in batchform, so the {what} \"{}\" is not available. batchform includes the \"openai\" provider and the built-in \"terraform_data\" resource.",
                    provider.name, resource.addr.type_name
                ),
            };
            let names = schemas.type_names(resource.addr.mode);
            if let Some(s) = batchform_core::diagnostic::name_suggestion(
                &resource.addr.type_name,
                names.iter().map(String::as_str),
            ) {
                detail.push_str(&format!(" Did you mean {s:?}?"));
            }
            let subject = resource.decl_range.clone();
            self.diags.push(Diagnostic::error(kind, detail).with_subject(Some(subject)));
            return;
        };
        if resource.provider_explicit
            && provider.alias.is_some()
            && !self.config.providers.contains_key(provider)
        {
            self.diags.push(
                Diagnostic::error(
                    "Provider configuration not present",
                    format!(
                        "To work with {} its original provider configuration at provider[\"{}\"].{} is required, but it has been removed or was never declared. Add a provider \"{}\" block with alias = \"{}\".",
                        resource.addr,
                        schemas.provider_source(&provider.name).unwrap_or_else(|| provider.name.clone()),
                        provider.alias.as_deref().unwrap_or_default(),
                        provider.name,
                        provider.alias.as_deref().unwrap_or_default(),
                    ),
                )
                .with_subject(Some(resource.decl_range.clone())),
            );
        }
        let instance = InstanceContext {
            count_index: resource.count.as_ref().map(|_| Value::unknown(Type::Number)),
            each_key: resource.for_each.as_ref().map(|_| Value::unknown(Type::String)),
            each_value: resource.for_each.as_ref().map(|_| Value::DYNAMIC_UNKNOWN),
            self_value: Some(Value::unknown(schema.block.implied_type())),
        };
        let instance_scope = scope.for_instance(instance);
        let (_, diags) = crate::decode::decode_body(
            &resource.body,
            &schema.block,
            &resource.open_brace_range,
            &instance_scope,
        );
        self.diags.extend(diags);
    }

    fn check_provider(
        &mut self,
        scope: &ModuleScope<'_>,
        addr: &ProviderConfigAddr,
        body: &crate::ast::Body,
        open_brace: &SourceRange,
    ) {
        let Some(schemas) = self.schemas else { return };
        let Some(schema) = schemas.provider_schema(&addr.name) else {
            self.diags.push(Diagnostic::warning(
                "Provider not available",
                format!(
                    "batchform has no provider named \"{}\"; this provider block is ignored.",
                    addr.name
                ),
            ));
            return;
        };
        let (_, diags) = crate::decode::decode_body(body, &schema.block, open_brace, scope);
        self.diags.extend(diags);
    }
}

/// Resource values during validation: unknown objects of the schema's type.
struct ValidateResources<'c> {
    config: &'c Config,
    schemas: Option<&'c dyn SchemaSource>,
}

impl ResourceValues for ValidateResources<'_> {
    fn resource(&self, addr: &ResourceAddr) -> Option<Value> {
        let resource = self.config.resources.get(addr)?;
        if resource.count.is_some() || resource.for_each.is_some() {
            return Some(Value::DYNAMIC_UNKNOWN);
        }
        let ty = self
            .schemas
            .and_then(|s| s.resource_schema(addr.mode, &addr.type_name))
            .map_or(Type::Dynamic, |s| s.block.implied_type());
        Some(Value::unknown(ty))
    }
}

fn contains_range(outer: &SourceRange, inner: &SourceRange) -> bool {
    outer.filename == inner.filename
        && outer.start.byte <= inner.start.byte
        && inner.end.byte <= outer.end.byte
}

fn for_each_body_expr<'a>(body: &'a crate::ast::Body, f: &mut dyn FnMut(&'a Expr)) {
    for attr in &body.attributes {
        f(&attr.expr);
    }
    for block in &body.blocks {
        for_each_body_expr(&block.body, f);
    }
}

/// Check a `count` value: `Ok(None)` when unknown, `Ok(Some(n))` when usable.
pub fn count_value(value: &Value, range: &SourceRange) -> Result<Option<i64>, Diagnostic> {
    let invalid = |detail: &str| {
        Diagnostic::error("Invalid count argument", detail).with_subject(Some(range.clone()))
    };
    let (bare, _) = value.unmarked();
    if bare.is_null() {
        return Err(invalid("The given \"count\" argument value is null. An integer is required."));
    }
    if !bare.is_known() {
        return Ok(None);
    }
    let n = match crate::eval::to_number(bare) {
        Ok(n) => n,
        Err(msg) => {
            return Err(Diagnostic::error(
                "Incorrect value type",
                format!("Invalid expression value: {msg}."),
            )
            .with_subject(Some(range.clone())));
        }
    };
    let Some(i) = n.to_i64() else {
        return Err(invalid(
            "The given \"count\" argument value is unsuitable: value must be a whole number, between -9223372036854775808 and 9223372036854775807.",
        ));
    };
    if i < 0 {
        return Err(invalid(
            "The given \"count\" argument value is unsuitable: must be greater than or equal to zero.",
        ));
    }
    Ok(Some(i))
}

/// Check a `for_each` value: `Ok(None)` when its keys are unknown, otherwise the
/// `(key, value)` pairs.
#[allow(clippy::type_complexity)]
pub fn for_each_value(
    value: &Value,
    range: &SourceRange,
) -> Result<Option<Vec<(String, Value)>>, Diagnostic> {
    let invalid = |detail: String| {
        Diagnostic::error("Invalid for_each argument", detail).with_subject(Some(range.clone()))
    };
    if value.contains_sensitive() && value.is_sensitive() {
        return Err(invalid("Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key.".into()));
    }
    let (bare, _) = value.unmarked();
    if bare.is_null() {
        return Err(invalid("The given \"for_each\" argument value is unsuitable: the given \"for_each\" argument value is null. A map, or set of strings is allowed.".into()));
    }
    match bare {
        Value::Unknown(Type::Map(_) | Type::Object(_) | Type::Dynamic, _) => Ok(None),
        Value::Unknown(Type::Set(elem), _) if matches!(**elem, Type::String | Type::Dynamic) => {
            Ok(None)
        }
        Value::Map(_, items) | Value::Object(items) => {
            Ok(Some(items.iter().map(|(k, v)| (k.clone(), v.clone())).collect()))
        }
        Value::Set(Type::String, items) | Value::Set(Type::Dynamic, items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if !item.is_known() {
                    return Ok(None);
                }
                match item.unmarked().0 {
                    Value::String(s) => out.push((s.clone(), item.clone())),
                    Value::Null(_) => {
                        return Err(invalid("The given \"for_each\" argument value is unsuitable: \"for_each\" sets must not contain null values.".into()));
                    }
                    _ => {}
                }
            }
            Ok(Some(out))
        }
        other => Err(invalid(format!(
            "The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.",
            other.ty().friendly_name()
        ))),
    }
}
