//! migdoc's analysis: from the files of a project to diagnostics.
//!
//! Invariants:
//! - no I/O and no printing here: the project arrives loaded ([`migdoc_project::Sources`]);
//! - output is deterministic: diagnostics are sorted by (path, range, code);
//! - a rule never guesses: what the engine does not understand is counted as unknown and no rule
//!   reports on it.

mod base;
mod fixes;
mod registry;
mod rules;
mod selection;

use std::path::PathBuf;

use migdoc_graph::{Graph, RevisionInput};
use migdoc_ir::RevisionOps;
use migdoc_project::{Project, RevisionFile, Sources};
use migdoc_python::{LineColumn, TextRange};
use rayon::prelude::*;
use serde::Serialize;

pub use fixes::{Edit, Fix};
pub use registry::{Rule, Severity};
pub use selection::RuleSelection;

/// What the user's configuration and flags decide.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The PostgreSQL major version deployments run (default 14).
    pub postgres_version: u32,
    /// Whether the project's SQLAlchemy is 2.1 or later; `None` when unknown.
    pub sqlalchemy_2_1: Option<bool>,
    /// Whether it is 2.0 or later; `None` when unknown.
    pub sqlalchemy_2_0: Option<bool>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            postgres_version: 14,
            sqlalchemy_2_1: None,
            sqlalchemy_2_0: None,
        }
    }
}

impl Settings {
    /// The settings for PostgreSQL `postgres_version` and SQLAlchemy `sqlalchemy` (`None` when
    /// unknown).
    pub fn new(
        postgres_version: u32,
        sqlalchemy: Option<migdoc_project::SqlalchemyVersion>,
    ) -> Self {
        Settings {
            postgres_version,
            sqlalchemy_2_1: sqlalchemy
                .map(migdoc_project::SqlalchemyVersion::honours_sa_enum_create_type),
            sqlalchemy_2_0: sqlalchemy
                .map(migdoc_project::SqlalchemyVersion::refuses_a_column_twice),
        }
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
    /// A safe fix, in the diagnostic's own file (`migdoc check --fix`).
    #[serde(skip)]
    pub fix: Option<Fix>,
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
    /// What the application's models declare (empty when migdoc found no models).
    pub models: migdoc_models::ModelSchema,
    /// The catalog the replay predicts after `upgrade head`; `None` when an operation migdoc
    /// could not evaluate may have changed any of it.
    pub head: Option<migdoc_replay::Catalog>,
    /// What operations migdoc could not evaluate may have changed, after `upgrade head`.
    pub uncertain: migdoc_replay::Uncertainty,
    /// Every operation migdoc could not evaluate, in upgrade order (`--show-unknown`).
    pub unknowns: Vec<UnknownOp>,
    /// Revisions checked in full: no unbounded unknown operation before them in the upgrade
    /// order, and none of their own upgrade operations unknown with a footprint.
    pub fully_checked: usize,
    /// The schema the history presupposes, when base models are configured.
    pub base: Option<BaseSummary>,
    /// How much of the models the model rules compared, when migdoc read any.
    pub models_summary: Option<ModelsSummary>,
}

/// What the replay starts from when base models are configured (`--base-models`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BaseSummary {
    /// The modules named in the configuration.
    pub modules: Vec<String>,
    /// The tables and enum types their `create_all` makes, as migdoc read them.
    pub tables: usize,
    pub types: usize,
}

/// The models the model rules compare with the replayed head (`--models`, env.py's
/// `target_metadata`).
#[derive(Clone, Debug, Serialize)]
pub struct ModelsSummary {
    /// The modules the search for models started from.
    pub modules: Vec<String>,
    /// The model tables migdoc read.
    pub tables: usize,
    /// Those compared with the replayed head: the others may have been changed by operations
    /// migdoc could not evaluate (or may predate the history).
    pub compared: usize,
}

/// An operation migdoc could not fully evaluate, and what it silences.
#[derive(Clone, Debug, Serialize)]
pub struct UnknownOp {
    pub path: PathBuf,
    pub start: LineCol,
    pub revision: Option<String>,
    /// `upgrade` or `downgrade`.
    pub direction: &'static str,
    pub what: String,
    pub footprint: migdoc_ir::Footprint,
}

impl UnknownOp {
    /// What the footprint silences, in words.
    pub fn silences(&self) -> String {
        let f = &self.footprint;
        if f.is_unbounded() {
            return "everything after it in its deploy run".to_owned();
        }
        if f.unread {
            return "every table, and the labels of every enum type, after it in its deploy run \
                    (code migdoc could not read; it is taken to drop no enum type it is not \
                    given the name of)"
                .to_owned();
        }
        if f.is_none() {
            return "nothing (no effect on types, tables or columns)".to_owned();
        }
        let columns: Vec<String> = f.columns.iter().map(|(t, c)| format!("{t}.{c}")).collect();
        let mut parts = Vec::new();
        if f.any_table {
            parts.push("every table".to_owned());
        }
        if f.any_type {
            parts.push("every enum type".to_owned());
        }
        for (names, words) in [
            (&f.names, "the tables and types named {}"),
            (&f.columns_of, "the columns of {}"),
            (
                &columns,
                if columns.len() == 1 {
                    "the column {}"
                } else {
                    "the columns {}"
                },
            ),
            (&f.labels_of, "the labels of {}"),
            (&f.details_of, "how the columns of {} are defined"),
        ] {
            if !names.is_empty() {
                let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                parts.push(words.replace("{}", &quoted.join(", ")));
            }
        }
        parts.join(" and ")
    }
}

/// Every unknown operation, in upgrade order, and how many revisions are checked in full.
fn unknown_ops(
    sources: &Sources,
    graph: &Graph,
    ops: &[RevisionOps],
    undecided: &[migdoc_replay::Undecided],
) -> (Vec<UnknownOp>, usize) {
    let mut out = Vec::new();
    let mut fully_checked = 0;
    // An unbounded unknown silences the rest of its own history (a deploy of another
    // independent history never runs it).
    let mut history_of = vec![0; graph.nodes.len()];
    for (k, history) in graph.histories().iter().enumerate() {
        for &n in history {
            history_of[n] = k;
        }
    }
    let mut unbounded_in = vec![false; graph.nodes.len()];
    for node in graph.upgrade_order() {
        let mut unbounded = unbounded_in[history_of[node]];
        let file = graph.nodes[node].file;
        let (Some(f), Some(revision)) = (sources.files.get(file), ops.get(file)) else {
            continue;
        };
        let mut own = false;
        for (direction, list) in [
            ("upgrade", &revision.upgrade),
            ("downgrade", &revision.downgrade),
        ] {
            for (op, footprint) in RevisionOps::unknowns(list) {
                if direction == "upgrade" && !footprint.is_none() {
                    own = true;
                }
                out.push(UnknownOp {
                    path: f.path.clone(),
                    start: f.line_index.line_column(&f.text, op.range.start).into(),
                    revision: f.header.id().map(str::to_owned),
                    direction,
                    what: match &op.kind {
                        migdoc_ir::OpKind::Unknown { what, .. } => what.clone(),
                        _ => String::new(),
                    },
                    footprint: footprint.clone(),
                });
            }
        }
        for u in undecided.iter().filter(|u| u.file == file) {
            own = true;
            out.push(UnknownOp {
                path: f.path.clone(),
                start: f.line_index.line_column(&f.text, u.range.start).into(),
                revision: f.header.id().map(str::to_owned),
                direction: "upgrade",
                what: u.what.to_owned(),
                footprint: u.footprint.clone(),
            });
        }
        if !unbounded && !own {
            fully_checked += 1;
        }
        unbounded |= RevisionOps::unknowns(&revision.upgrade)
            .iter()
            .any(|(_, f)| f.is_wide())
            || undecided
                .iter()
                .any(|u| u.file == file && u.footprint.is_wide());
        unbounded_in[history_of[node]] = unbounded;
    }
    (out, fully_checked)
}

/// One deploy mode as `migdoc verify` ran it for real.
#[derive(Clone, Debug, Default)]
pub struct LiveRun {
    /// `upgrade_head`, `step_by_step`, `roundtrip` or `upgrade_heads`.
    pub mode: &'static str,
    pub ok: bool,
    pub skipped: bool,
    pub phase: Option<String>,
    pub revision: Option<String>,
    pub sqlstate: Option<String>,
    pub error: Option<String>,
    pub statement: Option<String>,
    /// The test server lacked something the history needs (a PostgreSQL extension): not a
    /// finding about the migrations.
    pub environment: bool,
}

/// Whether env.py gives Alembic a filter of the tables it compares (`include_object`).
fn filters_tables(project: &Project) -> bool {
    project.env.as_ref().is_some_and(|e| e.filters_tables)
}

/// `migdoc verify`'s findings: the real runs against `check`'s predictions, the migrated catalog
/// (`live`, after a successful `upgrade head`) against the replay and against the models. The
/// returned report is `check`'s with its diagnostics replaced by these.
pub fn verify_report(
    project: &Project,
    sources: &Sources,
    settings: &Settings,
    runs: &[LiveRun],
    live: Option<&migdoc_replay::Catalog>,
) -> Report {
    let mut report = check(project, sources, settings);
    let mut ctx = Context::new(sources);
    let config_path = project.config.as_ref().map_or_else(
        || PathBuf::from("alembic.ini"),
        |c| migdoc_project::shown_path(&project.root, &c.source),
    );
    rules::verify::check(&mut ctx, &report, runs, live, &config_path);
    if let Some(live) = live {
        let outcome = migdoc_replay::Outcome {
            head: live.clone(),
            ..migdoc_replay::Outcome::default()
        };
        rules::models::check(
            &mut ctx,
            &report.models,
            &outcome,
            settings,
            filters_tables(project),
        );
    }
    let mut diagnostics = ctx.diagnostics;
    sort_diagnostics(&mut diagnostics);
    report.diagnostics = diagnostics;
    report
}

/// What the user's configuration does to a report: rules not selected are dropped, configured
/// severities set, `# migdoc: ignore[...]` comments applied (and, with `report_unused`, the
/// useless ones reported: `verify` runs other rules than the ones the comments name).
pub fn apply_selection(
    report: &mut Report,
    project: &Project,
    sources: &Sources,
    selection: &RuleSelection,
    report_unused: bool,
) {
    selection.apply(&mut report.diagnostics);
    rules::suppressions::apply(
        &mut report.diagnostics,
        sources,
        project.env.as_ref(),
        selection,
        report_unused,
    );
    sort_diagnostics(&mut report.diagnostics);
}

fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (&a.path, a.range.map(|r| (r.start, r.end)), a.rule.code()).cmp(&(
            &b.path,
            b.range.map(|r| (r.start, r.end)),
            b.rule.code(),
        ))
    });
    diagnostics.dedup();
}

/// The models of the project's model modules.
pub fn read_models(sources: &Sources) -> migdoc_models::ModelSchema {
    schema_of(&sources.models)
}

/// What the model modules of `models` declare.
pub(crate) fn schema_of(models: &migdoc_project::ModelSources) -> migdoc_models::ModelSchema {
    let inputs: Vec<migdoc_models::Input<'_>> = models
        .modules
        .iter()
        .map(|m| migdoc_models::Input {
            name: &m.name,
            is_package: m.is_package,
            module: &m.module,
        })
        .collect();
    migdoc_models::extract(&inputs)
}

/// Where diagnostics are collected; rules report into it.
pub(crate) struct Context<'a> {
    pub(crate) sources: &'a Sources,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Context<'a> {
    fn new(sources: &'a Sources) -> Self {
        Context {
            sources,
            diagnostics: Vec::new(),
        }
    }

    /// Reports at `range` in revision file `file`, with the rule's default severity.
    pub(crate) fn report(
        &mut self,
        rule: Rule,
        file: usize,
        range: Option<TextRange>,
        message: String,
        help: Option<String>,
    ) {
        self.report_with(rule, rule.default_severity(), file, range, message, help);
    }

    /// Reports with a severity that depends on where the problem bites (a normal deploy or not).
    pub(crate) fn report_with(
        &mut self,
        rule: Rule,
        severity: Severity,
        file: usize,
        range: Option<TextRange>,
        message: String,
        help: Option<String>,
    ) {
        let f: &RevisionFile = &self.sources.files[file];
        let range = range.map(|r| on_char_boundaries(&f.text, r));
        let (start, end) = match range {
            Some(r) => (
                f.line_index.line_column(&f.text, r.start).into(),
                f.line_index.line_column(&f.text, r.end).into(),
            ),
            None => (
                LineCol { line: 1, column: 1 },
                LineCol { line: 1, column: 1 },
            ),
        };
        self.diagnostics.push(Diagnostic {
            rule,
            severity,
            path: f.path.clone(),
            range,
            start,
            end,
            revision: f.header.id().map(str::to_owned),
            message,
            help,
            fix: None,
        });
    }

    /// Reports at `range` in model module `module` (`Sources::models`), with the rule's default severity.
    pub(crate) fn report_model(
        &mut self,
        rule: Rule,
        module: usize,
        range: TextRange,
        message: String,
        help: Option<String>,
    ) {
        self.report_model_with(rule, rule.default_severity(), module, range, message, help);
    }

    pub(crate) fn report_model_with(
        &mut self,
        rule: Rule,
        severity: Severity,
        module: usize,
        range: TextRange,
        message: String,
        help: Option<String>,
    ) {
        let m = &self.sources.models.modules[module];
        let range = on_char_boundaries(&m.text, range);
        self.diagnostics.push(Diagnostic {
            rule,
            severity,
            path: m.path.clone(),
            range: Some(range),
            start: m.line_index.line_column(&m.text, range.start).into(),
            end: m.line_index.line_column(&m.text, range.end).into(),
            revision: None,
            message,
            help,
            fix: None,
        });
    }

    /// Reports at a range of a file that is not a revision file (env.py).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn report_at(
        &mut self,
        rule: Rule,
        path: PathBuf,
        range: TextRange,
        start: LineCol,
        end: LineCol,
        message: String,
        help: Option<String>,
    ) {
        self.diagnostics.push(Diagnostic {
            rule,
            severity: rule.default_severity(),
            path,
            range: Some(range),
            start,
            end,
            revision: None,
            message,
            help,
            fix: None,
        });
    }

    /// Gives the diagnostic reported last a fix.
    pub(crate) fn attach_fix(&mut self, fix: Option<Fix>) {
        if let Some(last) = self.diagnostics.last_mut() {
            last.fix = fix;
        }
    }

    /// Reports about a path that is not a parsed revision file.
    pub(crate) fn report_path(
        &mut self,
        rule: Rule,
        path: PathBuf,
        message: String,
        help: Option<String>,
    ) {
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
            fix: None,
        });
    }
}

/// `range` clamped to `text` and widened to character boundaries: a range computed inside a
/// string literal (SQL offsets, escapes, a lossily decoded file) may end inside a character.
fn on_char_boundaries(text: &str, range: TextRange) -> TextRange {
    let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
    let mut start = range.start.min(len);
    while !text.is_char_boundary(start as usize) {
        start -= 1;
    }
    let mut end = range.end.clamp(start, len);
    while !text.is_char_boundary(end as usize) {
        end += 1;
    }
    TextRange::new(start, end)
}

/// The revision graph of the loaded files, as Alembic builds it.
pub fn build_graph(sources: &Sources) -> Graph {
    let inputs: Vec<RevisionInput> = sources
        .files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let id = f.header.id()?;
            Some(RevisionInput {
                id: id.to_owned(),
                down_revisions: f
                    .header
                    .down_revisions
                    .iter()
                    .map(|l| l.value.clone())
                    .collect(),
                depends_on: f
                    .header
                    .depends_on
                    .iter()
                    .map(|l| l.value.clone())
                    .collect(),
                branch_labels: f
                    .header
                    .branch_labels
                    .iter()
                    .map(|l| l.value.clone())
                    .collect(),
                file: i,
            })
        })
        .collect();
    Graph::build(&inputs)
}

/// Every revision's operations, indexed like `sources.files`.
pub fn lower(project: &Project, sources: &Sources, settings: &Settings) -> Vec<RevisionOps> {
    lower_with(project, sources, settings, |_| None)
}

/// [`lower`], where `known` gives a file's operations when they were already lowered with the
/// same settings and imported modules (the cache): only the others are lowered.
pub fn lower_with(
    project: &Project,
    sources: &Sources,
    settings: &Settings,
    known: impl Fn(&RevisionFile) -> Option<RevisionOps> + Sync,
) -> Vec<RevisionOps> {
    let options = lower_options(project, settings);
    // A few chunks per thread, each lowered in order with one cache of the imported modules:
    // revisions of one project import the same helpers, evaluated once per chunk.
    let chunk = sources
        .files
        .len()
        .div_ceil(rayon::current_num_threads() * 2)
        .max(1);
    sources
        .files
        .par_chunks(chunk)
        .flat_map_iter(|files| {
            let cache = migdoc_ir::EnvCache::default();
            files
                .iter()
                .map(|f| {
                    known(f).unwrap_or_else(|| {
                        migdoc_ir::lower_revision_in(
                            &f.module().body,
                            options.clone(),
                            &sources.modules,
                            &cache,
                        )
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// What lowering depends on besides the files and the modules they import.
pub fn lower_options(project: &Project, settings: &Settings) -> migdoc_ir::LowerOptions {
    migdoc_ir::LowerOptions {
        sqlalchemy_2_0: settings.sqlalchemy_2_0,
        sqlalchemy_2_1: settings.sqlalchemy_2_1,
        main_options: project.main_options.clone().map(std::sync::Arc::new),
        no_naming_convention: project
            .env
            .as_ref()
            .is_some_and(|e| e.passes_metadata == migdoc_project::Setting::Known(false)),
        autocommit: project.env.as_ref().is_some_and(|e| e.autocommit),
        postgres_version: Some(settings.postgres_version),
    }
}

/// The replay's settings for this project.
pub fn replay_settings(
    project: &Project,
    sources: &Sources,
    settings: &Settings,
) -> migdoc_replay::Settings {
    migdoc_replay::Settings {
        base: base::presupposed(sources),
        postgres_version: settings.postgres_version,
        sqlalchemy_2_1: settings.sqlalchemy_2_1,
        sqlalchemy_2_0: settings.sqlalchemy_2_0,
        transaction_per_migration: project
            .env
            .as_ref()
            .is_some_and(|e| e.transaction_per_migration == migdoc_project::Setting::Known(true)),
    }
}

/// Runs every rule over a loaded project.
pub fn check(project: &Project, sources: &Sources, settings: &Settings) -> Report {
    check_lowered(
        project,
        sources,
        settings,
        &lower(project, sources, settings),
    )
}

/// [`check`] with every revision's operations already lowered (`ops` indexed like `sources.files`).
pub fn check_lowered(
    project: &Project,
    sources: &Sources,
    settings: &Settings,
    ops: &[RevisionOps],
) -> Report {
    let mut ctx = Context::new(sources);
    rules::files::check(&mut ctx);
    rules::hygiene::check(&mut ctx, project.env.as_ref());
    let graph = build_graph(sources);
    rules::graph::check(&mut ctx, &graph);
    rules::invalid_sql::check(&mut ctx, ops);
    rules::driver_percent::check(&mut ctx, project, ops);
    let replay_settings = replay_settings(project, sources, settings);
    let base = replay_settings.base.as_deref().map(|b| BaseSummary {
        modules: sources.base_models.entry.clone(),
        tables: b.catalog.tables.len(),
        types: b.catalog.types.len(),
    });
    let outcome = migdoc_replay::replay(&graph, ops, &replay_settings);
    let bases: Vec<String> = graph
        .histories()
        .iter()
        .filter_map(|h| h.first().map(|&n| graph.nodes[n].id.clone()))
        .collect();
    rules::replay::check(&mut ctx, &outcome, &bases);
    let models = read_models(sources);
    let compared = rules::models::check(
        &mut ctx,
        &models,
        &outcome,
        settings,
        filters_tables(project),
    );
    let models_summary = (!models.tables.is_empty()).then(|| ModelsSummary {
        modules: sources.models.entry.clone(),
        tables: models.tables.len(),
        compared,
    });
    let unknown_operations = ops.iter().map(RevisionOps::unknown_count).sum();
    let operations = ops.iter().map(RevisionOps::op_count).sum();
    let mut diagnostics = ctx.diagnostics;
    sort_diagnostics(&mut diagnostics);
    let heads = graph
        .heads
        .iter()
        .map(|&h| graph.nodes[h].id.clone())
        .collect();
    let (unknowns, fully_checked) = unknown_ops(sources, &graph, ops, &outcome.undecided);
    Report {
        unknowns,
        fully_checked,
        base,
        models_summary,
        models,
        head: outcome.uncertain.is_certain().then(|| outcome.head.clone()),
        uncertain: outcome.uncertain,
        files: sources.files.len(),
        revisions: graph.nodes.len(),
        heads,
        unknown_operations,
        operations,
        diagnostics,
        graph,
    }
}
