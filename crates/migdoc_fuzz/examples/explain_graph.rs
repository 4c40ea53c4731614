//! Prints the graph a `graph` fuzz input builds: `cargo run -p migdoc_fuzz --example explain_graph -- FILE`.
#![allow(clippy::print_stdout)]
fn main() {
    let path = std::env::args().nth(1).expect("usage: explain_graph FILE");
    let data = std::fs::read(path).expect("readable input");
    let graph = migdoc_fuzz::graph_of(&data);
    for (i, n) in graph.nodes.iter().enumerate() {
        println!(
            "{i} {} parents={:?} deps={:?} children={:?} labels={:?} cycle={}",
            n.id, n.parents, n.dependencies, n.children, n.branch_labels, n.in_cycle
        );
    }
    println!("heads={:?} problems={:?}", graph.heads, graph.problems);
    println!("order={:?}", graph.upgrade_order().collect::<Vec<_>>());
}
