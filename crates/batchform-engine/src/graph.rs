//! The resource dependency graph: which resources each resource's configuration refers to
//! (directly, through locals, or by `depends_on`), in an order where dependencies come
//! first. Built in time linear in the size of the configuration.

use batchform_config::ast::{Body, Expr};
use batchform_config::model::{Config, Resource};
use batchform_config::refs::Subject;
use batchform_core::{Diagnostic, Diagnostics, ResourceAddr};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeSet, HashMap};

/// Dependencies between the resources of a configuration.
pub struct DepGraph {
    /// Resources, dependencies before dependents.
    pub order: Vec<ResourceAddr>,
    /// The resources each resource refers to directly (locals looked through).
    pub direct: HashMap<ResourceAddr, BTreeSet<ResourceAddr>>,
    graph: DiGraph<ResourceAddr, ()>,
    index: HashMap<ResourceAddr, NodeIndex>,
}

/// Every expression in a body and its nested blocks.
pub(crate) fn body_exprs<'a>(body: &'a Body, out: &mut Vec<&'a Expr>) {
    for a in &body.attributes {
        out.push(&a.expr);
    }
    for b in &body.blocks {
        body_exprs(&b.body, out);
    }
}

/// Every expression of a resource block that can refer to other objects.
pub fn resource_exprs(resource: &Resource) -> Vec<&Expr> {
    let mut out = Vec::new();
    body_exprs(&resource.body, &mut out);
    out.extend(resource.count.iter());
    out.extend(resource.for_each.iter());
    out.extend(resource.depends_on.iter());
    out.extend(resource.lifecycle.replace_triggered_by.iter());
    for rule in resource.lifecycle.preconditions.iter().chain(&resource.lifecycle.postconditions) {
        out.push(&rule.condition);
        out.push(&rule.error_message);
    }
    out
}

/// The resources an expression refers to, looking through locals (memoised per local).
pub struct RefResolver<'c> {
    config: &'c Config,
    locals: HashMap<String, BTreeSet<ResourceAddr>>,
    visiting: BTreeSet<String>,
}

impl<'c> RefResolver<'c> {
    pub fn new(config: &'c Config) -> RefResolver<'c> {
        RefResolver { config, locals: HashMap::new(), visiting: BTreeSet::new() }
    }

    pub fn resources_of(&mut self, expr: &Expr, out: &mut BTreeSet<ResourceAddr>) {
        for r in batchform_config::refs::references(expr) {
            match r.subject {
                Subject::Resource(addr) if self.config.resources.contains_key(&addr) => {
                    out.insert(addr);
                }
                Subject::Local(name) => {
                    let deps = self.local(&name);
                    out.extend(deps);
                }
                _ => {}
            }
        }
    }

    fn local(&mut self, name: &str) -> BTreeSet<ResourceAddr> {
        if let Some(d) = self.locals.get(name) {
            return d.clone();
        }
        if !self.visiting.insert(name.to_string()) {
            return BTreeSet::new(); // a cycle; validation reports it
        }
        let mut deps = BTreeSet::new();
        if let Some(local) = self.config.locals.get(name) {
            let expr = local.expr.clone();
            self.resources_of(&expr, &mut deps);
        }
        self.visiting.remove(name);
        self.locals.insert(name.to_string(), deps.clone());
        deps
    }
}

impl DepGraph {
    pub fn build(config: &Config) -> Result<DepGraph, Diagnostics> {
        let mut resolver = RefResolver::new(config);
        let mut graph = DiGraph::new();
        let mut index = HashMap::with_capacity(config.resources.len());
        for addr in config.resources.keys() {
            index.insert(addr.clone(), graph.add_node(addr.clone()));
        }
        let mut direct = HashMap::with_capacity(config.resources.len());
        for (addr, resource) in &config.resources {
            let mut deps = BTreeSet::new();
            for expr in resource_exprs(resource) {
                resolver.resources_of(expr, &mut deps);
            }
            // A resource also depends on what its provider configuration refers to.
            if let Some(p) = config.providers.get(&resource.provider) {
                let mut exprs = Vec::new();
                body_exprs(&p.body, &mut exprs);
                for e in exprs {
                    resolver.resources_of(e, &mut deps);
                }
            }
            deps.remove(addr);
            for dep in &deps {
                graph.add_edge(index[dep], index[addr], ());
            }
            direct.insert(addr.clone(), deps);
        }
        let order = match petgraph::algo::toposort(&graph, None) {
            Ok(nodes) => nodes.into_iter().map(|n| graph[n].clone()).collect(),
            Err(cycle) => {
                let start = graph[cycle.node_id()].clone();
                let mut members: Vec<String> = petgraph::algo::tarjan_scc(&graph)
                    .into_iter()
                    .find(|scc| scc.iter().any(|n| graph[*n] == start))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|n| graph[n].to_string())
                    .collect();
                members.sort();
                return Err(Diagnostic::error(format!("Cycle: {}", members.join(", ")), "").into());
            }
        };
        Ok(DepGraph { order, direct, graph, index })
    }

    /// Every resource `addr` depends on, directly or not (what state records as
    /// `dependencies`), sorted.
    pub fn transitive(&self, addr: &ResourceAddr) -> Vec<ResourceAddr> {
        let Some(&start) = self.index.get(addr) else { return Vec::new() };
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(n) = stack.pop() {
            for dep in self.graph.neighbors_directed(n, petgraph::Direction::Incoming) {
                if seen.insert(self.graph[dep].clone()) {
                    stack.push(dep);
                }
            }
        }
        seen.into_iter().collect()
    }

    /// `addrs` and everything they depend on (for `-target`).
    pub fn with_dependencies(&self, addrs: &BTreeSet<ResourceAddr>) -> BTreeSet<ResourceAddr> {
        let mut out = addrs.clone();
        for a in addrs {
            out.extend(self.transitive(a));
        }
        out
    }
}
