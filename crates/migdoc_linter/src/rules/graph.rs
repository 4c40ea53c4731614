//! Rules about the revision graph, as Alembic builds it.

use migdoc_graph::{Graph, GraphProblem};
use migdoc_project::RevisionId;

use crate::registry::declare_rule;
use crate::{Context, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a history with more than one head.
    ///
    /// ## Why is this bad?
    /// `alembic upgrade head` fails with "Multiple head revisions are present". It happens when two
    /// branches each add a migration on top of the same parent and both are merged.
    ///
    /// ## Example
    /// `b1` and `c1` both have `down_revision = "a1"`, and nothing has them both as parents.
    ///
    /// ## Use instead
    /// Merge the heads (the message gives the exact command):
    /// ```shell
    /// alembic merge -m "merge heads" b1 c1
    /// ```
    ///
    /// Branches that carry `branch_labels` (a label on a revision of each, as in OpenStack's
    /// expand/contract histories) are deployed by label or with `alembic upgrade heads`, so one
    /// head per labelled branch is by design; two heads under the same label are reported.
    ///
    /// Several *independent histories* (bases that no `down_revision` or `depends_on` ties together,
    /// usually with `branch_labels`, each deployed with `alembic upgrade <label>@head`) have one head
    /// each by design. migdoc replays each of them on a database of its own, so the rules report what
    /// fails when one of them is deployed; and all of them together, as `alembic upgrade heads` applies
    /// them to one database, where only the first failure that sharing the database causes is reported
    /// (the rule of the failure, with "fails in `alembic upgrade heads`").
    pub(crate) struct MultipleHeads;
}

declare_rule! {
    /// ## What it does
    /// Reports two revision files that declare the same revision id.
    ///
    /// ## Why is this bad?
    /// Alembic keeps the last file it loads and silently ignores the other: its migration never runs.
    ///
    /// ## Example
    /// Two files with `revision = "a1b2c3"` (often a copied file).
    ///
    /// ## Use instead
    /// Give the copy a new id (`alembic revision` generates one) and fix its children.
    pub(crate) struct DuplicateRevisionId;
}

declare_rule! {
    /// ## What it does
    /// Reports a `down_revision` that names a revision that does not exist.
    ///
    /// ## Why is this bad?
    /// Alembic cannot build the revision map: every command fails with a `KeyError`.
    ///
    /// ## Example
    /// ```python
    /// down_revision = "f00ba4"  # the parent was deleted or never committed
    /// ```
    ///
    /// ## Use instead
    /// Point `down_revision` at the revision this one really follows.
    pub(crate) struct MissingDownRevision;
}

declare_rule! {
    /// ## What it does
    /// Reports revisions that form a cycle through `down_revision`.
    ///
    /// ## Why is this bad?
    /// Alembic refuses the history ("Cycle is detected in revisions").
    ///
    /// ## Example
    /// `a.down_revision = "b"` and `b.down_revision = "a"`.
    ///
    /// ## Use instead
    /// Make one of them follow a revision outside the cycle.
    pub(crate) struct RevisionCycle;
}

declare_rule! {
    /// ## What it does
    /// Reports a branch label used by two revisions, or equal to a revision id.
    ///
    /// ## Why is this bad?
    /// Alembic raises "Branch name ... already used by revision ..." and stops.
    ///
    /// ## Example
    /// ```python
    /// branch_labels = ("billing",)  # in two revisions
    /// ```
    ///
    /// ## Use instead
    /// Label only the first revision of a branch.
    pub(crate) struct DuplicateBranchLabel;
}

declare_rule! {
    /// ## What it does
    /// Reports a file in a versions directory that has no `revision` variable and whose name is not
    /// a hexadecimal revision id.
    ///
    /// ## Why is this bad?
    /// Alembic loads every `.py` file there and fails with "Could not determine revision id from
    /// filename" for every command.
    ///
    /// ## Example
    /// A helper module `utils.py` placed inside `versions/`.
    ///
    /// ## Use instead
    /// Move helpers out of the versions directory, or declare `revision = "..."`.
    pub(crate) struct MissingRevisionId;
}

declare_rule! {
    /// ## What it does
    /// Reports a `depends_on` entry that names neither a revision nor a branch label.
    ///
    /// ## Why is this bad?
    /// Alembic cannot resolve the dependency and fails to build the revision map.
    ///
    /// ## Example
    /// ```python
    /// depends_on = "billing_base"  # a label nobody declares
    /// ```
    ///
    /// ## Use instead
    /// Depend on an existing revision id or branch label.
    pub(crate) struct MissingDependency;
}

declare_rule! {
    /// ## What it does
    /// Reports a revision id that contains a character Alembic forbids (`@`, `-`, `+`, `:`).
    ///
    /// ## Why is this bad?
    /// Alembic raises "Character(s) ... not allowed in revision identifier" when it loads the file.
    ///
    /// ## Example
    /// ```python
    /// revision = "2024-01-add-users"
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// revision = "2024_01_add_users"
    /// ```
    pub(crate) struct InvalidRevisionId;
}

declare_rule! {
    /// ## What it does
    /// Reports a `revision` or `down_revision` that migdoc cannot evaluate without running the file.
    ///
    /// ## Why is this bad?
    /// It is legal for Alembic, but migdoc leaves the revision out of the graph (or treats it as a
    /// base), so every check about it is weaker.
    ///
    /// ## Example
    /// ```python
    /// revision = make_id()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// revision = "3f2a9c1d"
    /// ```
    pub(crate) struct DynamicRevisionHeader;
}

pub(crate) fn check(ctx: &mut Context, graph: &Graph) {
    // A header migdoc cannot evaluate may be the missing parent or the merge that joins two heads:
    // then those conclusions would be guesses, and migdoc stays silent on them.
    let uncertain = ctx.sources.files.iter().any(|f| {
        matches!(f.header.id, RevisionId::NotLiteral(_)) || f.header.down_revision_unknown
    });
    for (i, file) in ctx.sources.files.iter().enumerate() {
        match &file.header.id {
            RevisionId::Missing => ctx.report(
                Rule::MissingRevisionId,
                i,
                None,
                "this file has no `revision` variable and its name is not a revision id: Alembic fails to load the history".into(),
                Some("declare `revision = \"...\"`, or move this file out of the versions directory".into()),
            ),
            RevisionId::NotLiteral(range) => ctx.report(
                Rule::DynamicRevisionHeader,
                i,
                Some(*range),
                "migdoc cannot evaluate `revision` here; this file is left out of the graph".into(),
                Some("assign the revision id as a string literal".into()),
            ),
            _ => {}
        }
        if let Some(range) = file.header.branch_labels_unknown {
            ctx.report(
                Rule::DynamicRevisionHeader,
                i,
                Some(range),
                "migdoc cannot evaluate `branch_labels` here; it reads this revision as labelled, with labels it does not know".into(),
                Some("assign `branch_labels` as a string or a tuple of strings".into()),
            );
        }
        if file.header.down_revision_unknown {
            ctx.report(
                Rule::DynamicRevisionHeader,
                i,
                file.header.down_revision_range,
                "migdoc cannot evaluate `down_revision` here; it treats this revision as a base"
                    .into(),
                Some("assign `down_revision` as a string, a tuple of strings, or None".into()),
            );
        }
    }
    let files = &ctx.sources.files;
    let rev_range = |file: usize| files[file].header.id_range();
    let mut reports = Vec::new();
    for problem in &graph.problems {
        match problem {
            GraphProblem::DuplicateId { id, kept, dropped } => {
                let other = files[*kept].path.display().to_string();
                reports.push((
                    Rule::DuplicateRevisionId,
                    *dropped,
                    rev_range(*dropped),
                    format!(
                        "revision id `{id}` is also declared in {other}; Alembic ignores this file"
                    ),
                    Some(
                        "give one of the two files a new revision id and update its children"
                            .into(),
                    ),
                ));
            }
            GraphProblem::MissingParent { .. } | GraphProblem::MissingDependency { .. }
                if uncertain => {}
            GraphProblem::MissingParent { node, parent } => {
                let range = files[*node]
                    .header
                    .down_revisions
                    .iter()
                    .find(|l| &l.value == parent)
                    .map(|l| l.range);
                reports.push((
                    Rule::MissingDownRevision,
                    *node,
                    range,
                    format!("`down_revision` names `{parent}`, which no revision file declares"),
                    Some(
                        "point `down_revision` at an existing revision (see `migdoc graph`)".into(),
                    ),
                ));
            }
            GraphProblem::MissingDependency { node, dependency } => {
                let range = files[*node]
                    .header
                    .depends_on
                    .iter()
                    .find(|l| &l.value == dependency)
                    .map(|l| l.range);
                reports.push((
                    Rule::MissingDependency,
                    *node,
                    range,
                    format!("`depends_on` names `{dependency}`, which is neither a revision nor a branch label"),
                    None,
                ));
            }
            GraphProblem::EmptyDependencyOnBase { node } => {
                let range = files[*node]
                    .header
                    .depends_on
                    .iter()
                    .find(|l| l.value.is_empty())
                    .map(|l| l.range);
                reports.push((
                    Rule::RevisionCycle,
                    *node,
                    range,
                    "`depends_on` is an empty string on a base revision: Alembic stops with `DependencyCycleDetected` before any migration runs".into(),
                    Some("write `depends_on = None`".into()),
                ));
            }
            GraphProblem::SelfReference { node } => reports.push((
                Rule::RevisionCycle,
                *node,
                files[*node].header.down_revision_range,
                "this revision names itself as its own parent or dependency".into(),
                None,
            )),
            GraphProblem::Cycle { nodes } => {
                let ids: Vec<&str> = nodes.iter().filter_map(|&n| files[n].header.id()).collect();
                for &node in nodes {
                    reports.push((
                        Rule::RevisionCycle,
                        node,
                        files[node].header.down_revision_range,
                        format!(
                            "revision is part of (or hangs off) a cycle: {}",
                            ids.join(", ")
                        ),
                        Some("make one revision of the cycle follow a revision outside it".into()),
                    ));
                }
            }
            GraphProblem::DuplicateBranchLabel { label, node, other } => {
                let range = files[*node]
                    .header
                    .branch_labels
                    .iter()
                    .find(|l| &l.value == label)
                    .map(|l| l.range);
                reports.push((
                    Rule::DuplicateBranchLabel,
                    *node,
                    range,
                    format!(
                        "branch label `{label}` is already used by {}",
                        files[*other].path.display()
                    ),
                    Some(
                        "label only the first revision of a branch, with a name used nowhere else"
                            .into(),
                    ),
                ));
            }
            GraphProblem::IllegalCharacter { node, character } => reports.push((
                Rule::InvalidRevisionId,
                *node,
                rev_range(*node),
                format!("revision ids may not contain `{character}`: Alembic refuses this file"),
                Some("use letters, digits and underscores".into()),
            )),
        }
    }
    // A missing parent turns its child into a base and its branch into an extra head; a cycle or
    // a duplicate branch label makes Alembic refuse the whole history. Alembic fails on those
    // first, so they are the thing to report, not the heads.
    let broken = graph.problems.iter().any(|p| {
        matches!(
            p,
            GraphProblem::MissingParent { .. }
                | GraphProblem::Cycle { .. }
                | GraphProblem::DuplicateBranchLabel { .. }
        )
    });
    if graph.heads.len() > 1 && !uncertain && !broken {
        // The heads of labelled branches (a `branch_labels` on a revision of the branch, as in
        // OpenStack's expand/contract histories) are deployed by label or with `alembic upgrade
        // heads`: several by design. Heads under the same nearest label, or under none, are a
        // fork nobody merged.
        let labelled = |n: usize| {
            let node = graph.node(n);
            !node.branch_labels.is_empty()
                || files[node.file].header.branch_labels_unknown.is_some()
        };
        let mut groups: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
        for &head in &graph.heads {
            let label = nearest_labelled(graph, head, &labelled);
            match groups.iter_mut().find(|(l, _)| *l == label) {
                Some((_, heads)) => heads.push(head),
                None => groups.push((label, vec![head])),
            }
        }
        for (label, heads) in groups.iter().filter(|(_, heads)| heads.len() > 1) {
            let ids: Vec<&str> = heads.iter().map(|&h| graph.nodes[h].id.as_str()).collect();
            // On a labelled branch, what fails is deploying the branch by its label.
            let fails = match label.map(|l| graph.node(l)) {
                Some(root) => match root.branch_labels.first() {
                    Some(name) => format!("`alembic upgrade {name}@head` fails"),
                    None => format!(
                        "deploying the branch labelled at `{}` by its label fails",
                        root.id
                    ),
                },
                None => "`alembic upgrade head` fails".to_owned(),
            };
            let command = format!("alembic merge -m \"merge heads\" {}", ids.join(" "));
            for &head in heads {
                let node = graph.node(head);
                reports.push((
                    Rule::MultipleHeads,
                    node.file,
                    rev_range(node.file),
                    format!(
                        "revision `{}` is one of {} heads ({}): {fails}",
                        node.id,
                        ids.len(),
                        ids.join(", ")
                    ),
                    Some(format!("merge them: `{command}`")),
                ));
            }
        }
    }
    for (rule, file, range, message, help) in reports {
        ctx.report(rule, file, range, message, help);
    }
}

/// The nearest revision at or below `head` (through `down_revision`, nearest first) that
/// carries branch labels.
fn nearest_labelled(graph: &Graph, head: usize, labelled: &dyn Fn(usize) -> bool) -> Option<usize> {
    let mut seen = vec![false; graph.nodes.len()];
    let mut queue = std::collections::VecDeque::from([head]);
    while let Some(n) = queue.pop_front() {
        if std::mem::replace(&mut seen[n], true) {
            continue;
        }
        if labelled(n) {
            return Some(n);
        }
        queue.extend(graph.node(n).parents.iter().copied());
    }
    None
}
