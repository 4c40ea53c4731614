//! `migdoc graph`: the revision DAG as text, Mermaid, Graphviz dot or JSON.

use std::io::{self, Write};

use clap::ValueEnum;
use migdoc_graph::Graph;
use migdoc_project::Sources;
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum GraphFormat {
    Text,
    Mermaid,
    Dot,
    Json,
}

pub(crate) fn write(
    out: &mut impl Write,
    format: GraphFormat,
    graph: &Graph,
    sources: &Sources,
) -> io::Result<()> {
    match format {
        GraphFormat::Text => text(out, graph, sources),
        GraphFormat::Mermaid => mermaid(out, graph),
        GraphFormat::Dot => dot(out, graph),
        GraphFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &json_value(graph, sources))?;
            writeln!(out)
        }
    }
}

fn markers(graph: &Graph, i: usize) -> Vec<&'static str> {
    let mut m = Vec::new();
    if graph.heads.contains(&i) {
        m.push("head");
    }
    if graph.bases.contains(&i) {
        m.push("base");
    }
    if graph.is_branch_point(i) {
        m.push("branchpoint");
    }
    if graph.is_merge_point(i) {
        m.push("mergepoint");
    }
    m
}

fn ids(graph: &Graph, v: &[usize]) -> Vec<String> {
    v.iter().map(|&i| graph.nodes[i].id.clone()).collect()
}

/// Like `alembic history`: heads first, `parents -> id (markers), message`.
fn text(out: &mut impl Write, graph: &Graph, sources: &Sources) -> io::Result<()> {
    for &i in &graph.walk_order {
        let node = &graph.nodes[i];
        let parents = ids(graph, &node.parents);
        let left = if parents.is_empty() {
            "<base>".to_owned()
        } else {
            parents.join(", ")
        };
        let marks = markers(graph, i);
        let marks = if marks.is_empty() {
            String::new()
        } else {
            format!(" ({})", marks.join(") ("))
        };
        let message = sources.files[node.file]
            .header
            .message
            .as_deref()
            .unwrap_or("");
        let deps = ids(graph, &node.dependencies);
        let deps = if deps.is_empty() {
            String::new()
        } else {
            format!(" [depends on {}]", deps.join(", "))
        };
        writeln!(out, "{left} -> {}{marks}{deps}, {message}", node.id)?;
    }
    let cyclic: Vec<_> = graph
        .nodes
        .iter()
        .filter(|n| n.in_cycle)
        .map(|n| n.id.as_str())
        .collect();
    if !cyclic.is_empty() {
        writeln!(out, "in a cycle (not walkable): {}", cyclic.join(", "))?;
    }
    Ok(())
}

fn mermaid(out: &mut impl Write, graph: &Graph) -> io::Result<()> {
    writeln!(out, "graph BT")?;
    for &i in graph.walk_order.iter().rev() {
        let node = &graph.nodes[i];
        let shape = if graph.heads.contains(&i) {
            ("([", "])")
        } else {
            ("[", "]")
        };
        writeln!(
            out,
            "    n{i}{}\"{}\"{}",
            shape.0,
            node.id.replace('"', "#quot;"),
            shape.1
        )?;
        for &p in &node.parents {
            writeln!(out, "    n{p} --> n{i}")?;
        }
        for &d in &node.dependencies {
            writeln!(out, "    n{d} -.-> n{i}")?;
        }
    }
    Ok(())
}

fn dot(out: &mut impl Write, graph: &Graph) -> io::Result<()> {
    writeln!(out, "digraph revisions {{\n    rankdir=BT;")?;
    for &i in graph.walk_order.iter().rev() {
        let node = &graph.nodes[i];
        let style = if graph.heads.contains(&i) {
            ", style=bold"
        } else {
            ""
        };
        writeln!(
            out,
            "    \"{}\" [label=\"{}\"{style}];",
            escape(&node.id),
            escape(&node.id)
        )?;
        for &p in &node.parents {
            writeln!(
                out,
                "    \"{}\" -> \"{}\";",
                escape(&graph.nodes[p].id),
                escape(&node.id)
            )?;
        }
        for &d in &node.dependencies {
            writeln!(
                out,
                "    \"{}\" -> \"{}\" [style=dashed];",
                escape(&graph.nodes[d].id),
                escape(&node.id)
            )?;
        }
    }
    writeln!(out, "}}")
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn json_value(graph: &Graph, sources: &Sources) -> serde_json::Value {
    let revisions: Vec<_> = graph
        .walk_order
        .iter()
        .map(|&i| {
            let node = &graph.nodes[i];
            json!({
                "id": node.id,
                "down_revisions": ids(graph, &node.parents),
                "depends_on": ids(graph, &node.dependencies),
                "branch_labels": node.branch_labels,
                "path": sources.files[node.file].path.to_string_lossy().replace('\\', "/"),
                "message": sources.files[node.file].header.message,
                "markers": markers(graph, i),
            })
        })
        .collect();
    json!({
        "heads": ids(graph, &graph.heads),
        "bases": ids(graph, &graph.bases),
        "order": ids(graph, &graph.walk_order),
        "revisions": revisions,
    })
}
