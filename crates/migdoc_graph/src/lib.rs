//! The revision graph with Alembic's semantics (`alembic.script.revision.RevisionMap`, 1.18):
//! heads are revisions no `down_revision` names (a `depends_on` does not remove a head), bases have
//! no `down_revision`, and the walk order is Alembic's `_topological_sort`, so `upgrade head`
//! applies revisions in the same order Alembic does.
//!
//! Building never fails: problems (duplicate ids, missing parents, cycles, ...) are returned as
//! [`GraphProblem`]s and the graph is built from what is left.

use std::collections::HashMap;

use serde::Serialize;

/// One revision as read from its file. `file` is the caller's index for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionInput {
    pub id: String,
    pub down_revisions: Vec<String>,
    pub depends_on: Vec<String>,
    pub branch_labels: Vec<String>,
    pub file: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum GraphProblem {
    /// Two files declare the same id; Alembic keeps the last one loaded.
    DuplicateId {
        id: String,
        kept: usize,
        dropped: usize,
    },
    /// `down_revision` names a revision that does not exist.
    MissingParent { node: usize, parent: String },
    /// `depends_on` names neither a revision nor a branch label.
    MissingDependency { node: usize, dependency: String },
    /// A revision lists itself as its own parent or dependency.
    SelfReference { node: usize },
    /// A base revision (no `down_revision`) whose `depends_on` is an empty string: Alembic
    /// (1.18) stops with `DependencyCycleDetected`. On a revision with a parent it is ignored.
    EmptyDependencyOnBase { node: usize },
    /// These revisions are not reachable from both a head and a base: they form or hang off a cycle.
    Cycle { nodes: Vec<usize> },
    /// A branch label already used by another revision (or equal to a revision id).
    DuplicateBranchLabel {
        label: String,
        node: usize,
        other: usize,
    },
    /// The id contains a character Alembic forbids (`@ - + :`).
    IllegalCharacter { node: usize, character: char },
}

#[derive(Clone, Debug)]
pub struct Node {
    pub id: String,
    pub file: usize,
    /// Parents that exist, by node index.
    pub parents: Vec<usize>,
    /// Dependencies that exist, resolved through branch labels, by node index.
    pub dependencies: Vec<usize>,
    /// Children through `down_revision`.
    pub children: Vec<usize>,
    pub branch_labels: Vec<String>,
    /// Part of a cycle: left out of the order.
    pub in_cycle: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    index: HashMap<String, usize>,
    pub heads: Vec<usize>,
    pub bases: Vec<usize>,
    /// The order `alembic history` lists revisions: heads first, down to the bases.
    pub walk_order: Vec<usize>,
    pub problems: Vec<GraphProblem>,
}

impl Graph {
    /// Builds the graph from revisions in Alembic's load order (version locations in order, file
    /// names sorted within each).
    pub fn build(inputs: &[RevisionInput]) -> Graph {
        let mut graph = Graph::default();
        let mut problems = Vec::new();
        // 1. Nodes; a duplicate id replaces the earlier one (Alembic's map keeps the last).
        let mut kept_inputs: Vec<&RevisionInput> = Vec::new();
        for input in inputs {
            if let Some(c) = input
                .id
                .chars()
                .find(|c| matches!(c, '@' | '-' | '+' | ':'))
            {
                problems.push(GraphProblem::IllegalCharacter {
                    node: input.file,
                    character: c,
                });
            }
            if let Some(&existing) = graph.index.get(&input.id) {
                problems.push(GraphProblem::DuplicateId {
                    id: input.id.clone(),
                    kept: input.file,
                    dropped: graph.nodes[existing].file,
                });
                graph.nodes[existing].file = input.file;
                kept_inputs[existing] = input;
                continue;
            }
            graph.index.insert(input.id.clone(), graph.nodes.len());
            graph.nodes.push(Node {
                id: input.id.clone(),
                file: input.file,
                parents: Vec::new(),
                dependencies: Vec::new(),
                children: Vec::new(),
                branch_labels: input.branch_labels.clone(),
                in_cycle: false,
            });
            kept_inputs.push(input);
        }
        // 2. Branch labels resolve to the revision that declares them.
        let mut labels: HashMap<String, usize> = HashMap::new();
        for (i, input) in kept_inputs.iter().enumerate() {
            for label in &input.branch_labels {
                let clash = labels
                    .get(label)
                    .copied()
                    .or_else(|| graph.index.get(label).copied());
                match clash {
                    Some(other) => problems.push(GraphProblem::DuplicateBranchLabel {
                        label: label.clone(),
                        node: input.file,
                        other: graph.nodes[other].file,
                    }),
                    None => {
                        labels.insert(label.clone(), i);
                    }
                }
            }
        }
        // 3. Edges.
        for (i, input) in kept_inputs.iter().enumerate() {
            if input.down_revisions.contains(&input.id) || input.depends_on.contains(&input.id) {
                problems.push(GraphProblem::SelfReference { node: input.file });
                continue;
            }
            for parent in dedup(&input.down_revisions) {
                match graph.index.get(parent) {
                    Some(&p) => {
                        graph.nodes[i].parents.push(p);
                        graph.nodes[p].children.push(i);
                    }
                    None => problems.push(GraphProblem::MissingParent {
                        node: input.file,
                        parent: parent.clone(),
                    }),
                }
            }
            for dep in dedup(&input.depends_on) {
                if dep.is_empty() {
                    if input.down_revisions.is_empty() {
                        problems.push(GraphProblem::EmptyDependencyOnBase { node: input.file });
                    }
                    continue;
                }
                match graph.index.get(dep).or_else(|| labels.get(dep)) {
                    Some(&d) => {
                        if !graph.nodes[i].dependencies.contains(&d) {
                            graph.nodes[i].dependencies.push(d);
                        }
                    }
                    None => problems.push(GraphProblem::MissingDependency {
                        node: input.file,
                        dependency: dep.clone(),
                    }),
                }
            }
        }
        // 4. Heads and bases in map order.
        graph.heads = (0..graph.nodes.len())
            .filter(|&i| graph.nodes[i].children.is_empty())
            .collect();
        graph.bases = (0..graph.nodes.len())
            .filter(|&i| graph.nodes[i].parents.is_empty())
            .collect();
        // 5. Cycles: Alembic keeps what is both below a head and above a base.
        let below_heads = graph.reach(&graph.heads, |n| &n.parents);
        let above_bases = graph.reach(&graph.bases, |n| &n.children);
        let mut cyclic: Vec<usize> = (0..graph.nodes.len())
            .filter(|&i| !(below_heads[i] && above_bases[i]))
            .collect();
        // Dependency cycles (Alembic's DependencyCycleDetected): the same test over parents and
        // dependencies together, from the "real" heads and bases (nothing depends on a real head;
        // a real base depends on nothing).
        let n = graph.nodes.len();
        let mut dependents = vec![Vec::new(); n];
        for (i, node) in graph.nodes.iter().enumerate() {
            for &d in &node.dependencies {
                dependents[d].push(i);
            }
        }
        let reach_all = |starts: Vec<usize>, down: bool| {
            let mut seen = vec![false; n];
            let mut stack = starts;
            while let Some(i) = stack.pop() {
                if std::mem::replace(&mut seen[i], true) {
                    continue;
                }
                let node = &graph.nodes[i];
                let next: Box<dyn Iterator<Item = &usize>> = if down {
                    Box::new(node.parents.iter().chain(&node.dependencies))
                } else {
                    Box::new(node.children.iter().chain(&dependents[i]))
                };
                stack.extend(next.copied().filter(|&j| !seen[j]));
            }
            seen
        };
        let real_heads: Vec<usize> = (0..n)
            .filter(|&i| graph.nodes[i].children.is_empty() && dependents[i].is_empty())
            .collect();
        let real_bases: Vec<usize> = (0..n)
            .filter(|&i| {
                graph.nodes[i].parents.is_empty() && graph.nodes[i].dependencies.is_empty()
            })
            .collect();
        let (down, up) = (reach_all(real_heads, true), reach_all(real_bases, false));
        let more: Vec<usize> = (0..n)
            .filter(|&i| !(cyclic.contains(&i) || down[i] && up[i]))
            .collect();
        cyclic.extend(more);
        // A cycle can also sit between a head and a base (Alembic's reachability test misses
        // it): whatever a topological sort over parents and dependencies cannot place is in or
        // below a cycle (found by the `graph` fuzz target, twice).
        let mut in_cycle = vec![false; n];
        for &i in &cyclic {
            in_cycle[i] = true;
        }
        let mut pending: Vec<usize> = vec![0; n];
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, node) in graph
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| !in_cycle[*i])
        {
            // A parent in a cycle is never placed, so neither is anything below it.
            let mut down: Vec<usize> = node
                .parents
                .iter()
                .chain(&node.dependencies)
                .copied()
                .collect();
            down.sort_unstable();
            down.dedup();
            pending[i] = down.len();
            for d in down {
                next[d].push(i);
            }
        }
        let mut ready: Vec<usize> = (0..n)
            .filter(|&i| !in_cycle[i] && pending[i] == 0)
            .collect();
        let mut placed = vec![false; n];
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop() {
            placed[i] = true;
            order.push(i);
            for &j in &next[i] {
                pending[j] -= 1;
                if pending[j] == 0 {
                    ready.push(j);
                }
            }
        }
        cyclic.extend((0..n).filter(|&i| !in_cycle[i] && !placed[i]));
        cyclic.sort_unstable();
        if !cyclic.is_empty() {
            for &i in &cyclic {
                graph.nodes[i].in_cycle = true;
            }
            problems.push(GraphProblem::Cycle {
                nodes: cyclic.iter().map(|&i| graph.nodes[i].file).collect(),
            });
        }
        // Without cycles, the walk asks its ancestry questions of an index built on this order
        // (constant time each) instead of walking the graph at every branch.
        let index = cyclic
            .is_empty()
            .then(|| AncestorIndex::with_order(&graph, &order));
        graph.walk_order = graph.topological_walk(index.as_ref());
        graph.problems = problems;
        graph
    }

    pub fn get(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn node(&self, i: usize) -> &Node {
        &self.nodes[i]
    }

    /// The walk as it was before the index: each head's ancestors walked at every branch.
    /// The `graph` fuzz target checks that both give the same order.
    #[doc(hidden)]
    pub fn walk_order_by_walks(&self) -> Vec<usize> {
        self.topological_walk(None)
    }

    /// The order `alembic upgrade heads` applies revisions: bases first.
    pub fn upgrade_order(&self) -> impl Iterator<Item = usize> + '_ {
        self.walk_order.iter().rev().copied()
    }

    pub fn is_branch_point(&self, i: usize) -> bool {
        self.nodes[i].children.len() > 1
    }

    pub fn is_merge_point(&self, i: usize) -> bool {
        self.nodes[i].parents.len() > 1
    }

    /// Every node reachable from `starts` through `next`, including the starts.
    fn reach(&self, starts: &[usize], next: impl Fn(&Node) -> &Vec<usize>) -> Vec<bool> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<usize> = starts.to_vec();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            stack.extend(next(&self.nodes[i]).iter().copied().filter(|&j| !seen[j]));
        }
        seen
    }

    /// The independent histories: revisions tied together through `down_revision` or
    /// `depends_on`, each in upgrade order, in the order their first revision is applied.
    /// `alembic upgrade heads` applies them all to one database; a deploy of one of them
    /// (`alembic upgrade <its head>`, `<label>@head`) applies only its own revisions.
    ///
    /// A graph with a problem (a `down_revision` that names no revision cuts one history in two,
    /// a cycle leaves revisions out) is one history: its parts were meant to run together.
    pub fn histories(&self) -> Vec<Vec<usize>> {
        if !self.problems.is_empty() {
            let all: Vec<usize> = self.upgrade_order().collect();
            return if all.is_empty() {
                Vec::new()
            } else {
                vec![all]
            };
        }
        fn root(of: &mut [usize], mut i: usize) -> usize {
            while of[i] != i {
                of[i] = of[of[i]];
                i = of[i];
            }
            i
        }
        let mut of: Vec<usize> = (0..self.nodes.len()).collect();
        for (i, node) in self.nodes.iter().enumerate() {
            for &j in node.parents.iter().chain(&node.dependencies) {
                let (a, b) = (root(&mut of, i), root(&mut of, j));
                of[a.max(b)] = a.min(b);
            }
        }
        let mut slot: HashMap<usize, usize> = HashMap::new();
        let mut histories: Vec<Vec<usize>> = Vec::new();
        for n in self.upgrade_order() {
            let r = root(&mut of, n);
            let k = *slot.entry(r).or_insert_with(|| {
                histories.push(Vec::new());
                histories.len() - 1
            });
            histories[k].push(n);
        }
        histories
    }

    /// Ancestors of `i` through parents and dependencies (Alembic's `_get_ancestor_nodes`), `i` included.
    pub fn ancestors(&self, i: usize) -> Vec<bool> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![i];
        while let Some(n) = stack.pop() {
            if std::mem::replace(&mut seen[n], true) {
                continue;
            }
            let node = &self.nodes[n];
            stack.extend(
                node.parents
                    .iter()
                    .chain(&node.dependencies)
                    .copied()
                    .filter(|&j| !seen[j]),
            );
        }
        seen
    }

    /// Dependencies that are not already dependencies of an ancestor (`_normalize_depends_on`).
    /// Alembic keeps these in a Python set, so its order among several is not stable; migdoc sorts.
    fn normalized_dependencies(&self, i: usize) -> Vec<usize> {
        let node = &self.nodes[i];
        if node.dependencies.is_empty() {
            return Vec::new();
        }
        let mut deps = node.dependencies.clone();
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<usize> = node.parents.clone();
        while let Some(n) = stack.pop() {
            if std::mem::replace(&mut seen[n], true) {
                continue;
            }
            deps.retain(|d| !self.nodes[n].dependencies.contains(d));
            stack.extend(self.nodes[n].parents.iter().copied().filter(|&j| !seen[j]));
        }
        deps.sort_unstable();
        deps
    }

    /// `parents + normalized dependencies`, deduplicated, in that order.
    fn normalized_down(&self, i: usize) -> Vec<usize> {
        let mut down = self.nodes[i].parents.clone();
        for d in self.normalized_dependencies(i) {
            if !down.contains(&d) {
                down.push(d);
            }
        }
        down
    }

    /// Alembic's `RevisionMap._topological_sort(all revisions, heads)`, step for step.
    /// `index` answers ancestry when the graph has no cycle; otherwise each head's ancestors
    /// are walked.
    fn topological_walk(&self, index: Option<&AncestorIndex>) -> Vec<usize> {
        let mut todo: Vec<bool> = self.nodes.iter().map(|n| !n.in_cycle).collect();
        let mut remaining = todo.iter().filter(|t| **t).count();
        // Alembic starts from the "real" heads (`_real_heads`, what `heads` resolves to): no
        // revision names them as a parent or in `depends_on` (and, around a cycle, only
        // revisions in the cycle do). A head another revision depends on is walked from there.
        let mut depended_on = vec![false; self.nodes.len()];
        for node in self.nodes.iter().filter(|n| !n.in_cycle) {
            for &d in &node.dependencies {
                depended_on[d] = true;
            }
        }
        let mut current_heads: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| {
                todo[i]
                    && !depended_on[i]
                    && self.nodes[i]
                        .children
                        .iter()
                        .all(|&c| self.nodes[c].in_cycle)
            })
            .collect();
        let mut ancestors = HeadAncestry::new(self, index, &current_heads);
        let mut output = Vec::with_capacity(remaining);
        let mut idx = 0;
        // Heads passed over since the last step. Outside cycles a head that blocks is walked
        // next; heads that are each other's ancestors (only through a cycle, which Alembic
        // refuses) would pass the turn forever, so after a full round the candidate goes anyway.
        let mut passes = 0;
        while !current_heads.is_empty() {
            let candidate = current_heads[idx];
            let blocker = (0..current_heads.len())
                .find(|&j| j != idx && ancestors.contains(j, current_heads[j], candidate));
            if let Some(j) = blocker
                && passes <= current_heads.len()
            {
                // Another head depends on the candidate: that head is walked first.
                idx = j;
                passes += 1;
                continue;
            }
            passes = 0;
            if todo[candidate] {
                output.push(candidate);
                todo[candidate] = false;
                remaining -= 1;
            }
            let down = self.normalized_down(candidate);
            let to_add: Vec<usize> = down
                .into_iter()
                .filter(|&r| todo[r] && !current_heads.contains(&r))
                .collect();
            if to_add.is_empty() {
                current_heads.remove(idx);
                ancestors.remove(idx);
                idx = idx.saturating_sub(1);
            } else if self.normalized_dependencies(candidate).is_empty()
                && self.nodes[candidate].parents.len() == 1
            {
                current_heads[idx] = to_add[0];
                ancestors.step_down(idx, candidate);
            } else {
                current_heads[idx] = to_add[0];
                ancestors.replace(self, idx, to_add[0]);
                for &extra in &to_add[1..] {
                    current_heads.push(extra);
                    ancestors.push(self, extra);
                }
            }
        }
        debug_assert_eq!(remaining, 0);
        output
    }
}

/// For each head of the walk, the set of the head and its ancestors: asked of the index, or
/// (when the graph has cycles, which the index leaves out) walked and kept per head.
enum HeadAncestry<'a> {
    Index(&'a AncestorIndex),
    Walked(Vec<Vec<bool>>),
}

impl<'a> HeadAncestry<'a> {
    fn new(graph: &Graph, index: Option<&'a AncestorIndex>, heads: &[usize]) -> Self {
        match index {
            Some(index) => HeadAncestry::Index(index),
            None => HeadAncestry::Walked(heads.iter().map(|&h| graph.ancestors(h)).collect()),
        }
    }

    /// Whether `a` is head number `j` (now at node `head`) or one of its ancestors.
    fn contains(&self, j: usize, head: usize, a: usize) -> bool {
        match self {
            HeadAncestry::Index(index) => index.is_ancestor(a, head),
            HeadAncestry::Walked(sets) => sets[j][a],
        }
    }

    fn remove(&mut self, j: usize) {
        if let HeadAncestry::Walked(sets) = self {
            sets.remove(j);
        }
    }

    /// Head `j` moved from `from` to its only parent: its set loses `from`.
    fn step_down(&mut self, j: usize, from: usize) {
        if let HeadAncestry::Walked(sets) = self {
            sets[j][from] = false;
        }
    }

    fn replace(&mut self, graph: &Graph, j: usize, head: usize) {
        if let HeadAncestry::Walked(sets) = self {
            sets[j] = graph.ancestors(head);
        }
    }

    fn push(&mut self, graph: &Graph, head: usize) {
        if let HeadAncestry::Walked(sets) = self {
            sets.push(graph.ancestors(head));
        }
    }
}

/// Answers "is `a` an ancestor of `b`?" in constant time. The graph is cut into chains (maximal
/// paths whose inner links are a node's only parent and that parent's only child); ancestry
/// between chains is a bitset per chain. Alembic histories have few branches, so chains are few.
#[derive(Clone, Debug)]
pub struct AncestorIndex {
    chain: Vec<u32>,
    pos: Vec<u32>,
    /// `ancestors[c]`: bitset of chains that are (wholly) ancestors of chain `c`.
    ancestors: Vec<Vec<u64>>,
}

impl AncestorIndex {
    pub fn new(graph: &Graph) -> Self {
        let order: Vec<usize> = graph.upgrade_order().collect();
        AncestorIndex::with_order(graph, &order)
    }

    /// The index over `order`, any order that puts parents and dependencies first.
    fn with_order(graph: &Graph, order: &[usize]) -> Self {
        let n = graph.nodes.len();
        let mut chain = vec![u32::MAX; n];
        let mut pos = vec![0; n];
        let mut heads: Vec<usize> = Vec::new();
        // A chain must end at every node another chain points to, so that "chain a is an ancestor
        // of chain b" means all of a: a node with two children ends its chain, and so does a
        // node some revision `depends_on` (dependencies are no children).
        let mut depended_on = vec![false; n];
        for node in &graph.nodes {
            for &d in &node.dependencies {
                depended_on[d] = true;
            }
        }
        for &i in order {
            let node = &graph.nodes[i];
            let continues = match (node.parents.as_slice(), node.dependencies.is_empty()) {
                ([p], true) => {
                    graph.nodes[*p].children.len() == 1 && !depended_on[*p] && chain[*p] != u32::MAX
                }
                _ => false,
            };
            if continues {
                let p = node.parents[0];
                chain[i] = chain[p];
                pos[i] = pos[p] + 1;
            } else {
                chain[i] = u32::try_from(heads.len()).unwrap_or(u32::MAX);
                heads.push(i);
            }
        }
        let chains = heads.len();
        let words = chains.div_ceil(64);
        let mut ancestors = vec![vec![0u64; words]; chains];
        // Chains are numbered in upgrade order, so a chain's parents are numbered before it.
        for (c, &head) in heads.iter().enumerate() {
            let node = &graph.nodes[head];
            let mut set = vec![0u64; words];
            for &p in node.parents.iter().chain(&node.dependencies) {
                let pc = chain[p] as usize;
                if pc >= chains {
                    continue;
                }
                set[pc / 64] |= 1 << (pc % 64);
                for (w, bits) in set.iter_mut().zip(&ancestors[pc]) {
                    *w |= bits;
                }
            }
            ancestors[c] = set;
        }
        AncestorIndex {
            chain,
            pos,
            ancestors,
        }
    }

    /// Whether node `a` is `b` or one of its ancestors (through parents and dependencies).
    pub fn is_ancestor(&self, a: usize, b: usize) -> bool {
        let (ca, cb) = (self.chain[a] as usize, self.chain[b] as usize);
        if ca >= self.ancestors.len() || cb >= self.ancestors.len() {
            return false;
        }
        if ca == cb {
            return self.pos[a] <= self.pos[b];
        }
        self.ancestors[cb][ca / 64] & (1 << (ca % 64)) != 0
    }
}

fn dedup(items: &[String]) -> Vec<&String> {
    let mut out: Vec<&String> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(id: &str, down: &[&str]) -> RevisionInput {
        RevisionInput {
            id: id.into(),
            down_revisions: down.iter().map(|s| (*s).into()).collect(),
            depends_on: Vec::new(),
            branch_labels: Vec::new(),
            file: 0,
        }
    }

    fn ids(g: &Graph, v: &[usize]) -> Vec<String> {
        v.iter().map(|&i| g.nodes[i].id.clone()).collect()
    }

    #[test]
    fn branch_and_merge() {
        let g = Graph::build(&[
            rev("a", &[]),
            rev("b", &["a"]),
            rev("c", &["a"]),
            rev("d", &["b", "c"]),
        ]);
        assert!(g.problems.is_empty());
        assert_eq!(ids(&g, &g.heads), ["d"]);
        assert_eq!(ids(&g, &g.bases), ["a"]);
        // As `alembic history` lists it (checked against Alembic 1.18).
        assert_eq!(ids(&g, &g.walk_order), ["d", "b", "c", "a"]);
        assert!(g.is_branch_point(0));
        assert!(g.is_merge_point(3));
    }

    /// Revisions tied by `down_revision` or `depends_on` are one history; the order within
    /// each is the upgrade order.
    #[test]
    fn independent_histories() {
        let mut e = rev("e", &[]);
        e.depends_on = vec!["a".into()];
        let g = Graph::build(&[
            rev("a", &[]),
            rev("b", &["a"]),
            rev("x", &[]),
            rev("y", &["x"]),
            e,
            rev("z", &[]),
        ]);
        let histories: Vec<Vec<String>> = g.histories().iter().map(|h| ids(&g, h)).collect();
        let order = ids(&g, &g.upgrade_order().collect::<Vec<_>>());
        assert_eq!(histories.len(), 3, "{histories:?}");
        for history in &histories {
            let mut within: Vec<&String> = order.iter().filter(|i| history.contains(i)).collect();
            within.dedup();
            assert_eq!(within, history.iter().collect::<Vec<_>>());
        }
        let mut sorted: Vec<Vec<String>> = histories
            .into_iter()
            .map(|mut h| {
                h.sort();
                h
            })
            .collect();
        sorted.sort();
        assert_eq!(sorted, [vec!["a", "b", "e"], vec!["x", "y"], vec!["z"]]);
        // A parent that does not exist cuts a history in two by mistake: it stays one.
        let g = Graph::build(&[rev("a", &[]), rev("b", &["a"]), rev("c", &["typo"])]);
        assert!(!g.problems.is_empty());
        assert_eq!(g.histories().len(), 1);
    }

    /// Found by the `graph` fuzz target: `b` and `c` are each other's parents, between a base and
    /// a head, where Alembic's reachability test does not see the cycle; they were applied in an
    /// order that put a child before its parent.
    #[test]
    fn a_cycle_between_a_base_and_a_head_is_a_cycle() {
        let g = Graph::build(&[
            rev("a", &[]),
            rev("b", &["a", "c"]),
            rev("c", &["b"]),
            rev("d", &["c"]),
            rev("e", &["a"]),
        ]);
        let in_cycle: Vec<&str> = g
            .nodes
            .iter()
            .filter(|n| n.in_cycle)
            .map(|n| n.id.as_str())
            .collect();
        assert_eq!(in_cycle, ["b", "c", "d"]);
        assert_eq!(ids(&g, &g.upgrade_order().collect::<Vec<_>>()), ["a", "e"]);
    }

    /// Found by the `graph` fuzz target: `z` merges base `a` with `x`, which is in a cycle no
    /// base reaches; `z` is reachable from both a head and a base, yet can never be applied.
    #[test]
    fn a_merge_of_a_cycle_hangs_off_it() {
        let g = Graph::build(&[
            rev("a", &[]),
            rev("x", &["y"]),
            rev("y", &["x"]),
            rev("z", &["a", "x"]),
        ]);
        let in_cycle: Vec<&str> = g
            .nodes
            .iter()
            .filter(|n| n.in_cycle)
            .map(|n| n.id.as_str())
            .collect();
        assert_eq!(in_cycle, ["x", "y", "z"]);
        assert_eq!(ids(&g, &g.upgrade_order().collect::<Vec<_>>()), ["a"]);
    }

    /// Found by the `graph` fuzz target (a timeout): `b` depends on `c`, `c` on `a`, and `a`'s
    /// parent is `b`, a dependency cycle Alembic refuses (DependencyCycleDetected); the walk used
    /// to pass the turn between heads forever.
    #[test]
    fn dependency_cycles_are_cycles() {
        let mut b = rev("b", &[]);
        b.depends_on = vec!["c".into()];
        let mut c = rev("c", &[]);
        c.depends_on = vec!["a".into()];
        let mut d = rev("d", &[]);
        d.depends_on = vec!["c".into()];
        let g = Graph::build(&[rev("a", &["b"]), b, c, d, rev("e", &[])]);
        let in_cycle: Vec<&str> = g
            .nodes
            .iter()
            .filter(|n| n.in_cycle)
            .map(|n| n.id.as_str())
            .collect();
        assert_eq!(in_cycle, ["a", "b", "c", "d"]);
        assert!(
            g.problems
                .iter()
                .any(|p| matches!(p, GraphProblem::Cycle { .. }))
        );
        assert_eq!(ids(&g, &g.walk_order), ["e"]);
    }

    /// Three bases loaded as r2, r0, r1, r2 depending on r1: `alembic upgrade heads` starts from
    /// the real heads (r2, r0; r1 is depended on) and applies r0, r1, r2 (checked against
    /// Alembic 1.18); starting from every head gave r1, r0, r2.
    #[test]
    fn the_walk_starts_from_the_real_heads() {
        let mut r2 = rev("r2", &[]);
        r2.depends_on = vec!["r1".into()];
        let g = Graph::build(&[r2, rev("r0", &[]), rev("r1", &[])]);
        assert!(g.problems.is_empty());
        assert_eq!(ids(&g, &g.heads), ["r2", "r0", "r1"]);
        assert_eq!(
            ids(&g, &g.upgrade_order().collect::<Vec<_>>()),
            ["r0", "r1", "r2"]
        );
    }

    /// Found by the `graph` fuzz target: `c` depends on `a`, whose only child `b` had continued
    /// `a`'s chain, so the index took `b` for an ancestor of `c`.
    #[test]
    fn a_dependency_on_the_middle_of_a_chain() {
        let mut c = rev("c", &[]);
        c.depends_on = vec!["a".into()];
        let g = Graph::build(&[rev("a", &[]), rev("b", &["a"]), c]);
        let index = AncestorIndex::new(&g);
        let id = |name: &str| g.get(name).unwrap_or_else(|| panic!("no {name}"));
        let (a, b, c) = (id("a"), id("b"), id("c"));
        assert!(index.is_ancestor(a, c));
        assert!(!index.is_ancestor(b, c));
        assert!(index.is_ancestor(a, b));
    }

    #[test]
    fn ancestor_index_agrees_with_a_walk() {
        let g = Graph::build(&[
            rev("a", &[]),
            rev("b", &["a"]),
            rev("c", &["a"]),
            rev("d", &["b", "c"]),
            rev("e", &["d"]),
            rev("f", &["c"]),
        ]);
        let index = AncestorIndex::new(&g);
        for x in 0..g.nodes.len() {
            let walk = g.ancestors(x);
            for (y, &is) in walk.iter().enumerate() {
                assert_eq!(
                    index.is_ancestor(y, x),
                    is,
                    "{} ancestor of {}",
                    g.nodes[y].id,
                    g.nodes[x].id
                );
            }
        }
    }

    #[test]
    fn depends_on_does_not_remove_a_head() {
        let mut b = rev("b", &[]);
        b.depends_on = vec!["a".into()];
        let g = Graph::build(&[rev("a", &[]), b]);
        assert_eq!(ids(&g, &g.heads), ["a", "b"]);
        assert_eq!(ids(&g, &g.walk_order), ["b", "a"]);
    }

    #[test]
    fn problems_are_reported_not_fatal() {
        let g = Graph::build(&[
            rev("a", &["b"]),
            rev("b", &["a"]),
            rev("c", &["zz"]),
            rev("e", &[]),
            rev("e", &["c"]),
        ]);
        assert!(
            g.problems
                .iter()
                .any(|p| matches!(p, GraphProblem::Cycle { nodes } if nodes.len() == 2))
        );
        assert!(
            g.problems
                .iter()
                .any(|p| matches!(p, GraphProblem::MissingParent { parent, .. } if parent == "zz"))
        );
        assert!(
            g.problems
                .iter()
                .any(|p| matches!(p, GraphProblem::DuplicateId { id, .. } if id == "e"))
        );
        assert_eq!(ids(&g, &g.walk_order), ["e", "c"]);
    }
}
