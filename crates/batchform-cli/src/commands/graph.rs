//! `batchform graph [-type=plan]`: the dependency graph in DOT, as Terraform prints it.

use super::Context;
use batchform_core::ResourceAddr;
use std::collections::BTreeSet;

/// Print the resource dependency graph in the DOT language.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `plan` prints the full operation graph (providers, orphans, outputs) instead of the
    /// resource graph.
    #[arg(long = "type", value_name = "TYPE")]
    pub graph_type: Option<String>,
    /// Use this state file to find resources that exist only in state.
    #[arg(long, value_name = "PATH")]
    pub state: Option<std::path::PathBuf>,
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let loaded = crate::workdir::load(&ctx.working_dir);
    if loaded.diagnostics.has_errors() {
        crate::diagnostics::print(&loaded.diagnostics, &loaded.sources, ctx.color(false));
        return 1;
    }
    let graph = match batchform_engine::graph::DepGraph::build(&loaded.config) {
        Ok(g) => g,
        Err(d) => {
            crate::diagnostics::print(&d, &loaded.sources, ctx.color(false));
            return 1;
        }
    };
    let path = crate::commands::state::state_path(&loaded.config, args.state.as_deref());
    let state = crate::commands::state::read_state(&path).ok().flatten().unwrap_or_default();
    match args.graph_type.as_deref() {
        None => out!("{}", resource_graph(&loaded.config, &graph, &state)),
        Some("plan" | "plan-refresh-only" | "plan-destroy" | "apply") => {
            out!("{}", operation_graph(&loaded.config, &graph, &state))
        }
        Some(other) => {
            eoutln!(
                "\nError: Invalid graph type\n\nThe graph type {other:?} is not supported. Use -type=plan, or no -type for the resource graph."
            );
            return 1;
        }
    }
    0
}

fn resource_graph(
    config: &batchform_config::model::Config,
    graph: &batchform_engine::graph::DepGraph,
    state: &batchform_state::State,
) -> String {
    let mut nodes: BTreeSet<ResourceAddr> = config.resources.keys().cloned().collect();
    nodes.extend(state.resources.keys().cloned());
    let mut out = String::from(
        "digraph G {\n  rankdir = \"RL\";\n  node [shape = rect, fontname = \"sans-serif\"];\n",
    );
    for n in &nodes {
        out.push_str(&format!("  \"{n}\" [label=\"{n}\"];\n"));
    }
    for (addr, deps) in sorted(&graph.direct) {
        for dep in deps {
            out.push_str(&format!("  \"{addr}\" -> \"{dep}\";\n"));
        }
    }
    out.push_str("}\n");
    out
}

fn sorted(
    direct: &std::collections::HashMap<ResourceAddr, BTreeSet<ResourceAddr>>,
) -> Vec<(&ResourceAddr, &BTreeSet<ResourceAddr>)> {
    let mut v: Vec<_> = direct.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

fn operation_graph(
    config: &batchform_config::model::Config,
    graph: &batchform_engine::graph::DepGraph,
    state: &batchform_state::State,
) -> String {
    let registry = crate::providers::Registry::builtin();
    let provider_node = |name: &str, alias: Option<&str>| {
        let source = registry.source(name).unwrap_or_else(|| name.to_string());
        batchform_engine::providers::state_address(&source, alias).replace('"', "\\\"")
    };
    let mut nodes: Vec<String> = Vec::new();
    // (from, to) node names; the DOT lines are made after the transitive reduction.
    let mut edges: BTreeSet<(String, String)> = BTreeSet::new();
    let mut providers = BTreeSet::new();
    for (addr, r) in &config.resources {
        let p = provider_node(&r.provider.name, r.provider.alias.as_deref());
        nodes.push(format!("\t\t\"[root] {addr} (expand)\" [label = \"{addr}\", shape = \"box\"]"));
        let deps = graph.direct.get(addr).cloned().unwrap_or_default();
        if deps.is_empty() {
            edges.insert((format!("[root] {addr} (expand)"), format!("[root] {p}")));
        }
        for dep in deps {
            edges.insert((format!("[root] {addr} (expand)"), format!("[root] {dep} (expand)")));
        }
        edges.insert((format!("[root] {p} (close)"), format!("[root] {addr} (expand)")));
        providers.insert(p);
    }
    for inst in state.instance_addrs() {
        if config.resources.contains_key(&inst.resource) {
            continue;
        }
        let p = state.provider(&inst.resource).unwrap_or_default().replace('"', "\\\"");
        let shown = inst.to_string().replace('"', "\\\"");
        nodes.push(format!(
            "\t\t\"[root] {shown} (orphan)\" [label = \"{}\", shape = \"box\"]",
            inst.resource
        ));
        edges.insert((format!("[root] {shown} (orphan)"), format!("[root] {p}")));
        edges.insert((format!("[root] {p} (close)"), format!("[root] {shown} (orphan)")));
        providers.insert(p);
    }
    for p in &providers {
        nodes.push(format!("\t\t\"[root] {p}\" [label = \"{p}\", shape = \"diamond\"]"));
        edges.insert(("[root] root".to_string(), format!("[root] {p} (close)")));
    }
    let mut resolver = batchform_engine::graph::RefResolver::new(config);
    for (name, output) in &config.outputs {
        edges.insert(("[root] root".to_string(), format!("[root] output.{name} (expand)")));
        let mut deps = BTreeSet::new();
        for expr in output.value.iter().chain(output.depends_on.iter()) {
            resolver.resources_of(expr, &mut deps);
        }
        for dep in deps {
            edges.insert((
                format!("[root] output.{name} (expand)"),
                format!("[root] {dep} (expand)"),
            ));
        }
    }
    nodes.sort();
    let mut edges: Vec<String> = transitive_reduction(edges)
        .into_iter()
        .map(|(from, to)| format!("\t\t\"{from}\" -> \"{to}\""))
        .collect();
    edges.sort();
    let mut out = String::from(
        "digraph {\n\tcompound = \"true\"\n\tnewrank = \"true\"\n\tsubgraph \"root\" {\n",
    );
    for n in nodes {
        out.push_str(&n);
        out.push('\n');
    }
    for e in edges {
        out.push_str(&e);
        out.push('\n');
    }
    out.push_str("\t}\n}\n");
    out
}

/// Drop every edge `a -> c` implied by a longer path `a -> b -> ... -> c`, as Terraform
/// reduces its graph before printing it.
fn transitive_reduction(edges: BTreeSet<(String, String)>) -> Vec<(String, String)> {
    use std::collections::{BTreeMap, HashSet};
    let mut succ: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in &edges {
        succ.entry(from).or_default().push(to);
    }
    // Whether `target` is reachable from `start` without using the edge start -> target.
    let reachable_otherwise = |start: &str, target: &str| -> bool {
        let mut seen = HashSet::new();
        let mut stack: Vec<&str> =
            succ.get(start).into_iter().flatten().copied().filter(|n| *n != target).collect();
        while let Some(n) = stack.pop() {
            if n == target {
                return true;
            }
            if seen.insert(n) {
                stack.extend(succ.get(n).into_iter().flatten().copied());
            }
        }
        false
    };
    let kept: Vec<bool> = edges.iter().map(|(from, to)| !reachable_otherwise(from, to)).collect();
    edges.into_iter().zip(kept).filter_map(|(edge, keep)| keep.then_some(edge)).collect()
}
