//! migdoc's analysis: from the files of a project to diagnostics.
//!
//! Invariants:
//! - no I/O and no printing here: the project arrives loaded ([`migdoc_project::Sources`]);
//! - output is deterministic: diagnostics are sorted by (path, range, code);
//! - a rule never guesses: what the engine does not understand is counted as unknown and no rule
//!   reports on it.

mod registry;
mod rules;

use std::path::PathBuf;

use migdoc_graph::{Graph, RevisionInput};
use migdoc_ir::RevisionOps;
use rayon::prelude::*;
use migdoc_project::{Project, RevisionFile, Sources};
use migdoc_python::{LineColumn, TextRange};
use serde::Serialize;

pub use registry::{Rule, Severity};

/// What the user's configuration and flags decide.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The PostgreSQL major version deployments run (default 14).
    pub postgres_version: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { postgres_version: 14 }
    }
}

/// One finding. `path` is as shown to users (relative to the project root).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    #[serde(skip)]
    pub rule: Rule,
    pub severity: Severity,
    pub path: PathBuf,
    /// Byte range in the file; `None` for a diagnostic about a whole file or directory.
    #[serde(skip)]
    pub range: Option<TextRange>,
    pub start: LineCol,
    pub end: LineCol,
    pub revision: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl From<LineColumn> for LineCol {
    fn from(lc: LineColumn) -> Self {
        LineCol {
            line: lc.line,
            column: lc.column,
        }
    }
}

/// Everything `migdoc check` reports.
#[derive(Debug)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub graph: Graph,
    /// For each graph node, the index of its file in `Sources::files`.
    pub files: usize,
    pub revisions: usize,
    pub heads: Vec<String>,
    pub unknown_operations: usize,
    /// Every operation lowered from `upgrade()` and `downgrade()`, understood or not.
    pub operations: usize,
}

/// Where diagnostics are collected; rules report into it.
pub(crate) struct Context<'a> {
    pub(crate) sources: &'a Sources,
    #[allow(dead_code)] // read by the replay rules
    pub(crate) settings: &'a Settings,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Context<'a> {
    fn new(sources: &'a Sources, settings: &'a Settings) -> Self {
        Context {
            sources,
            settings,
            diagnostics: Vec::new(),
        }
    }

    /// Reports at `range` in revision file `file`.
    pub(crate) fn report(&mut self, rule: Rule, file: usize, range: Option<TextRange>, message: String, help: Option<String>) {
        let f: &RevisionFile = &self.sources.files[file];
        let (start, end) = match range {
            Some(r) => (
                f.line_index.line_column(&f.text, r.start).into(),
                f.line_index.line_column(&f.text, r.end).into(),
            ),
            None => (LineCol { line: 1, column: 1 }, LineCol { line: 1, column: 1 }),
        };
        self.diagnostics.push(Diagnostic {
            rule,
            severity: rule.default_severity(),
            path: f.path.clone(),
            range,
            start,
            end,
            revision: f.header.id().map(str::to_owned),
            message,
            help,
        });
    }

    /// Reports about a path that is not a parsed revision file.
    pub(crate) fn report_path(&mut self, rule: Rule, path: PathBuf, message: String, help: Option<String>) {
        let start = LineCol { line: 1, column: 1 };
        self.diagnostics.push(Diagnostic {
            rule,
            severity: rule.default_severity(),
            path,
            range: None,
            start,
            end: start,
            revision: None,
            message,
            help,
        });
    }
}

/// Runs every rule over a loaded project.
pub fn check(project: &Project, sources: &Sources, settings: &Settings) -> Report {
    let _ = project;
    let mut ctx = Context::new(sources, settings);
    rules::files::check(&mut ctx);
    let inputs: Vec<RevisionInput> = sources
        .files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let id = f.header.id()?;
            Some(RevisionInput {
                id: id.to_owned(),
                down_revisions: f.header.down_revisions.iter().map(|l| l.value.clone()).collect(),
                depends_on: f.header.depends_on.iter().map(|l| l.value.clone()).collect(),
                branch_labels: f.header.branch_labels.iter().map(|l| l.value.clone()).collect(),
                file: i,
            })
        })
        .collect();
    let graph = Graph::build(&inputs);
    rules::graph::check(&mut ctx, &graph);
    let ops: Vec<RevisionOps> = sources.files.par_iter().map(|f| migdoc_ir::lower_revision(&f.module.body)).collect();
    rules::invalid_sql::check(&mut ctx, &ops);
    let unknown_operations = ops.iter().map(RevisionOps::unknown_count).sum();
    let operations = ops.iter().map(|o| o.all().count()).sum();
    let mut diagnostics = ctx.diagnostics;
    diagnostics.sort_by(|a, b| {
        (&a.path, a.range.map(|r| (r.start, r.end)), a.rule.code()).cmp(&(&b.path, b.range.map(|r| (r.start, r.end)), b.rule.code()))
    });
    diagnostics.dedup();
    let heads = graph.heads.iter().map(|&h| graph.nodes[h].id.clone()).collect();
    Report {
        files: sources.files.len(),
        revisions: graph.nodes.len(),
        heads,
        unknown_operations,
        operations,
        diagnostics,
        graph,
    }
}
