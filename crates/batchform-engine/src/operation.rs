//! What planning and applying share: the configuration, variable values, functions,
//! providers and progress hooks of one run, and the evaluation of resource configuration in
//! the right scope.

use crate::hooks::Hooks;
use crate::providers::ProviderSet;
use crate::values::InstanceValues;
use batchform_config::eval::Functions;
use batchform_config::model::{Config, Resource};
use batchform_config::scope::{InstanceContext, ModuleScope, Paths};
use batchform_core::{Diagnostic, Diagnostics, InstanceKey, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Everything one plan or apply works with.
pub struct Operation<'a> {
    pub config: &'a Config,
    pub variables: &'a BTreeMap<String, Value>,
    pub functions: &'a dyn Functions,
    pub providers: &'a ProviderSet,
    pub hooks: Arc<dyn Hooks>,
    pub paths: Paths,
    /// At most this many provider calls at once (`-parallelism`, default 10).
    pub parallelism: usize,
}

impl Operation<'_> {
    /// How many provider calls may run at once: `-parallelism`, at least 1, and at most
    /// 2^20 (a semaphore holds fewer than `usize::MAX` permits; no machine runs more calls).
    pub fn call_slots(&self) -> usize {
        self.parallelism.clamp(1, 1 << 20)
    }

    /// A module scope over the given instance values.
    pub fn scope<'s>(&'s self, values: &'s InstanceValues) -> ModuleScope<'s> {
        let mut scope = ModuleScope::new(
            self.config,
            self.variables,
            values,
            self.functions,
            self.paths.clone(),
        );
        scope.applying = false;
        scope
    }
}

/// The `count.index` / `each.*` of one instance.
pub fn instance_context(key: &InstanceKey, each_value: Option<&Value>) -> InstanceContext {
    match key {
        InstanceKey::None => InstanceContext::default(),
        InstanceKey::Int(i) => {
            InstanceContext { count_index: Some(Value::number(*i)), ..InstanceContext::default() }
        }
        InstanceKey::Str(s) => InstanceContext {
            each_key: Some(Value::String(s.clone())),
            each_value: Some(each_value.cloned().unwrap_or_else(|| Value::String(s.clone()))),
            ..InstanceContext::default()
        },
    }
}

/// Attach the resource address to diagnostics that lack one (`with ADDR,`).
pub fn with_address(diags: Diagnostics, addr: &impl std::fmt::Display) -> Diagnostics {
    diags
        .into_iter()
        .map(|d| if d.address.is_none() { d.with_address(addr.to_string()) } else { d })
        .collect()
}

/// Map a provider diagnostic's attribute path to the argument's source range in the
/// resource block, so that it is shown with the offending line.
pub fn locate(diags: Diagnostics, resource: Option<&Resource>) -> Diagnostics {
    diags
        .into_iter()
        .map(|d| {
            if d.subject.is_some() {
                return d;
            }
            let Some(resource) = resource else { return d };
            let range = d
                .attribute
                .as_ref()
                .and_then(|p| match p.0.first() {
                    Some(batchform_core::PathStep::Attr(name)) => resource
                        .body
                        .attribute(name)
                        .map(|a| a.expr.range.clone())
                        .or_else(|| resource.body.blocks_of(name).next().map(|b| b.def_range())),
                    _ => None,
                })
                .unwrap_or_else(|| resource.decl_range.clone());
            Diagnostic { subject: Some(range), ..d }
        })
        .collect()
}
