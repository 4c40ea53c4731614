//! The replay itself: one [`Run`] per Alembic process.

use std::collections::{HashMap, HashSet};

use migdoc_graph::{AncestorIndex, Graph};
use migdoc_ir::{ColumnSpec, EnumSpec, Footprint, GuardSubject, Op, OpKind, RevisionOps};
use migdoc_python::TextRange;
use migdoc_sql::{AlterTableAction, QualName, SqlValue, Statement, TransactionControl};

use crate::catalog::{Catalog, Column, EnumType, Table};
use crate::{
    Failure, FailureKind, Mode, Note, NoteKind, Outcome, Phase, Settings, Uncertainty, Undecided,
};

/// PostgreSQL's NAMEDATALEN - 1: the longest label it accepts, in bytes.
const MAX_LABEL_BYTES: usize = 63;

/// Replays `ops` (indexed like the graph's files) in the three deploy modes. A graph of several
/// independent histories (bases no `down_revision` or `depends_on` ties together) is replayed
/// one history at a time, each on a database of its own, as a deploy of one of them
/// (`alembic upgrade <its head>`) runs; then all of them in one run, as `alembic upgrade heads`
/// applies them to one database, where the first failure none of them gives alone is what
/// sharing the database causes ([`Mode::Heads`]). PostgreSQL stops there: what follows it is
/// its aftermath, not reported.
pub fn replay(graph: &Graph, ops: &[RevisionOps], settings: &Settings) -> Outcome {
    use rayon::prelude::*;
    let ancestry = Ancestry::new(graph, ops, settings);
    let files =
        |nodes: &[usize]| -> Vec<usize> { nodes.iter().map(|&n| graph.nodes[n].file).collect() };
    let histories = graph.histories();
    if histories.len() <= 1 {
        let order = files(histories.first().map_or(&[][..], Vec::as_slice));
        return deploys(&order, ops, settings, &ancestry);
    }
    let order: Vec<usize> = graph.upgrade_order().map(|n| graph.nodes[n].file).collect();
    let (alone, together) = rayon::join(
        || {
            histories
                .par_iter()
                .map(|h| deploys(&files(h), ops, settings, &ancestry))
                .collect::<Vec<_>>()
        },
        || one_run(&order, ops, settings, &ancestry, Mode::Heads),
    );
    let mut outcome = Outcome {
        head: together.head,
        uncertain: together.uncertain,
        predates: together.predates,
        ..Outcome::default()
    };
    for mut each in alone {
        outcome.failures.append(&mut each.failures);
        outcome.notes.append(&mut each.notes);
        outcome.undecided.append(&mut each.undecided);
        outcome.predates |= each.predates;
    }
    let place = |f: &Failure| (f.file, f.range.start, f.range.end);
    let alone: HashSet<(usize, u32, u32)> = outcome.failures.iter().map(place).collect();
    if let Some(first) = together
        .failures
        .into_iter()
        .find(|f| !alone.contains(&place(f)))
    {
        outcome.failures.push(first);
    }
    outcome.notes.sort_by_key(|a| (a.file, a.range));
    outcome.notes.dedup();
    outcome
}

/// The three deploy modes of the revisions `order` (files, in upgrade order) on one database.
fn deploys(
    order: &[usize],
    ops: &[RevisionOps],
    settings: &Settings,
    ancestry: &Ancestry,
) -> Outcome {
    // The one-run replay (then the round trip from its head) and the one-revision-per-run replay
    // are independent: run them on both cores.
    let ((mut outcome, mut roundtrip), mut stepwise) = rayon::join(
        || {
            let outcome = one_run(order, ops, settings, ancestry, Mode::OneRun);
            let roundtrip = round_trip(order, ops, settings, ancestry, &outcome);
            (outcome, roundtrip)
        },
        || step_by_step(order, ops, settings, ancestry),
    );
    outcome.failures.append(&mut stepwise);
    outcome.failures.append(&mut roundtrip);

    // What already fails on a normal deploy is not reported again for the round trip.
    let normal: HashSet<(usize, u32, u32)> = outcome
        .failures
        .iter()
        .filter(|f| f.mode != Mode::RoundTrip)
        .map(|f| (f.file, f.range.start, f.range.end))
        .collect();
    outcome.failures.retain(|f| {
        f.mode != Mode::RoundTrip || !normal.contains(&(f.file, f.range.start, f.range.end))
    });
    outcome.notes.sort_by_key(|a| (a.file, a.range));
    outcome.notes.dedup();
    outcome
}

/// Mode 1, [`Mode::OneRun`]: the whole history in one `alembic upgrade head`. With
/// [`Mode::Heads`]: several independent histories in one `alembic upgrade heads`.
fn one_run(
    order: &[usize],
    ops: &[RevisionOps],
    settings: &Settings,
    ancestry: &Ancestry,
    mode: Mode,
) -> Outcome {
    let mut run = Run::new(settings, mode, Phase::Upgrade, ancestry);
    run.resume(start(settings));
    for &file in order {
        run.revision(file, &ops[file].upgrade);
    }
    Outcome {
        failures: run.failures,
        notes: run.notes,
        uncertain: run.uncertain,
        undecided: run.undecided,
        head: run.catalog,
        predates: run.predates,
    }
}

/// 2. One revision per run: the catalog carries over, the memo and the transaction do not.
fn step_by_step(
    order: &[usize],
    ops: &[RevisionOps],
    settings: &Settings,
    ancestry: &Ancestry,
) -> Vec<Failure> {
    let mut failures = Vec::new();
    let mut carried = start(settings);
    for &file in order {
        let mut run = Run::new(settings, Mode::StepByStep, Phase::Upgrade, ancestry);
        run.resume(carried);
        run.revision(file, &ops[file].upgrade);
        failures.append(&mut run.failures);
        carried = run.carry();
    }
    failures
}

/// What one run of a deploy hands the next: the database as the run left it, and what the
/// deploy has learnt of it so far.
#[derive(Default)]
struct Carried {
    catalog: Catalog,
    users: TypeUsers,
    uncertain: Uncertainty,
    /// [`Run::predates`].
    predates: bool,
    seen_types: HashSet<String>,
    seen_tables: HashSet<String>,
}

impl Carried {
    /// A deploy that finds `catalog`: all of it has been seen.
    fn on(catalog: Catalog, uncertain: Uncertainty, predates: bool) -> Self {
        Carried {
            users: TypeUsers::of(&catalog),
            seen_types: catalog.types.keys().cloned().collect(),
            seen_tables: catalog.tables.keys().cloned().collect(),
            catalog,
            uncertain,
            predates,
        }
    }
}

/// What every deploy starts from: an empty database, or the schema the history presupposes
/// ([`crate::Base`]).
fn start(settings: &Settings) -> Carried {
    match settings.base.as_deref() {
        Some(base) => Carried::on(base.catalog.clone(), base.uncertain.clone(), false),
        None => Carried::default(),
    }
}

/// 3. The round trip from head: downgrade base, then upgrade head again.
fn round_trip(
    order: &[usize],
    ops: &[RevisionOps],
    settings: &Settings,
    ancestry: &Ancestry,
    head: &Outcome,
) -> Vec<Failure> {
    let mut down = Run::new(settings, Mode::RoundTrip, Phase::Downgrade, ancestry);
    down.resume(Carried::on(
        head.head.clone(),
        head.uncertain.clone(),
        head.predates,
    ));
    for &file in order.iter().rev() {
        down.revision(file, &ops[file].downgrade);
    }
    let mut up = Run::new(settings, Mode::RoundTrip, Phase::Upgrade, ancestry);
    up.resume(down.carry());
    for &file in order {
        up.revision(file, &ops[file].upgrade);
    }
    let mut failures = down.failures;
    failures.append(&mut up.failures);
    failures
}

/// Tables some revision of the history creates. A table no revision creates predates the
/// history (created by `metadata.create_all()` or by hand): its absence in the replay says nothing.
fn created_tables(ops: &[RevisionOps]) -> HashSet<String> {
    fn walk(ops: &[Op], out: &mut HashSet<String>) {
        for op in ops {
            match &op.kind {
                OpKind::CreateTable { table, .. } => {
                    out.insert(table.clone());
                }
                OpKind::Sql(sql) => {
                    for s in &sql.parsed.statements {
                        if let Statement::CreateTable { name, .. } = &s.statement {
                            out.insert(key(name));
                        }
                    }
                }
                OpKind::Guard {
                    when_true,
                    when_false,
                    ..
                } => {
                    walk(when_true, out);
                    walk(when_false, out);
                }
                _ => {}
            }
        }
    }
    let mut out = HashSet::new();
    for revision in ops {
        walk(&revision.upgrade, &mut out);
    }
    out
}

/// How many columns of the catalog use each enum type: a reverse index kept by every change to
/// a table ([`Run::edit_table`]), so that `DROP TYPE` of an unused type costs no scan of every
/// table (a history of 50,000 revisions spent half its time in that scan). Debug builds check
/// it against the scan at every `DROP TYPE`.
#[derive(Clone, Debug, Default)]
struct TypeUsers(HashMap<String, u32>);

impl TypeUsers {
    fn of(catalog: &Catalog) -> Self {
        let mut users = TypeUsers::default();
        for table in catalog.tables.values() {
            users.add(table);
        }
        users
    }

    fn add(&mut self, table: &Table) {
        for name in table.columns.iter().filter_map(|c| c.enum_type.as_ref()) {
            *self.0.entry(name.clone()).or_default() += 1;
        }
    }

    fn remove(&mut self, table: &Table) {
        for name in table.columns.iter().filter_map(|c| c.enum_type.as_ref()) {
            if let Some(n) = self.0.get_mut(name) {
                *n = n.saturating_sub(1);
            }
        }
    }

    fn count(&self, name: &str) -> u32 {
        self.0.get(name).copied().unwrap_or(0)
    }

    fn rename(&mut self, from: &str, to: &str) {
        if let Some(n) = self.0.remove(from) {
            *self.0.entry(to.to_owned()).or_default() += n;
        }
    }
}

/// Whether an upgrade changes or refers to a table no revision creates (`created`): the
/// history starts on a schema built outside it (`metadata.create_all()`, then `alembic stamp`).
fn presupposes_schema(ops: &[RevisionOps], created: &HashSet<String>) -> bool {
    fn walk(ops: &[Op], created: &HashSet<String>) -> bool {
        ops.iter().any(|op| match &op.kind {
            OpKind::AddColumn { table, .. }
            | OpKind::DropColumn { table, .. }
            | OpKind::AlterColumn { table, .. }
            | OpKind::DropTable { table, .. }
            | OpKind::BulkInsert { table, .. }
            | OpKind::RenameTable { from: table, .. } => !created.contains(table),
            OpKind::AddForeignKey { table, key } => {
                !created.contains(table) || !created.contains(&key.referenced)
            }
            OpKind::Guard {
                when_true,
                when_false,
                ..
            } => walk(when_true, created) || walk(when_false, created),
            _ => false,
        })
    }
    ops.iter().any(|revision| walk(&revision.upgrade, created))
}

/// Which revisions are ancestors of which (by file index), for "created on another branch".
struct Ancestry {
    /// Graph node of each file.
    node_of: Vec<Option<usize>>,
    index: AncestorIndex,
    created_tables: HashSet<String>,
    /// [`presupposes_schema`], where no base schema is configured.
    presupposes_schema: bool,
}

impl Ancestry {
    fn new(graph: &Graph, ops: &[RevisionOps], settings: &Settings) -> Self {
        let mut created_tables = created_tables(ops);
        // The presupposed schema's tables are known: their absence later is a finding.
        if let Some(base) = settings.base.as_deref() {
            created_tables.extend(base.catalog.tables.keys().cloned());
        }
        let mut node_of = vec![None; ops.len()];
        for (i, node) in graph.nodes.iter().enumerate() {
            if let Some(slot) = node_of.get_mut(node.file) {
                *slot = Some(i);
            }
        }
        Ancestry {
            node_of,
            index: AncestorIndex::new(graph),
            presupposes_schema: settings.base.is_none() && presupposes_schema(ops, &created_tables),
            created_tables,
        }
    }

    fn is_ancestor(&self, ancestor: usize, of: usize) -> bool {
        match (self.node_of.get(ancestor), self.node_of.get(of)) {
            (Some(Some(a)), Some(Some(o))) => self.index.is_ancestor(*a, *o),
            _ => true,
        }
    }
}

struct Run<'a> {
    settings: &'a Settings,
    mode: Mode,
    phase: Phase,
    ancestry: &'a Ancestry,
    catalog: Catalog,
    /// The catalog's columns per enum type, kept with every change to a table.
    users: TypeUsers,
    /// SQLAlchemy's per-run memo of enum types `op.create_table` created.
    memo: HashSet<String>,
    /// The current transaction; labels added in it are unusable until it changes.
    tx: u64,
    /// Labels `ADD VALUE` added in this run, as (type, label). A new run (process)
    /// starts with none: everything before it committed.
    /// Only the current transaction's are kept (`uncommitted_tx`): the whole history is one
    /// transaction by default, so they are looked up by (type, label).
    uncommitted: HashSet<(String, String)>,
    uncommitted_tx: u64,
    autocommit: bool,
    /// Inside the body of a `try` that swallows database errors ([`OpKind::SwallowingTry`]),
    /// how deep.
    swallowing: u32,
    /// What operations migdoc could not evaluate may have changed: no failure that rests on it
    /// is reported.
    uncertain: Uncertainty,
    /// Inside the branch of a guard whose subject is uncertain: the branch taken may not be
    /// the one PostgreSQL takes, so nothing it defines becomes certain again.
    guessing: u32,
    /// What this run could not decide itself (one-run upgrade only, listed once).
    undecided: Vec<Undecided>,
    /// A table no revision creates was changed ([`Outcome::predates`]).
    predates: bool,
    /// Every type this deploy has seen exist (made by an operation it ran, or there from the
    /// start): in a history that presupposes a schema, a type outside it may be that schema's.
    seen_types: HashSet<String>,
    /// Every table this deploy has seen exist, likewise.
    seen_tables: HashSet<String>,
    file: usize,
    failures: Vec<Failure>,
    notes: Vec<Note>,
}

fn key(name: &QualName) -> String {
    name.key()
}

fn key_of(fk: &migdoc_sql::ForeignKeyDef) -> migdoc_ir::ForeignKeySpec {
    migdoc_ir::ForeignKeySpec {
        name: fk.name.clone(),
        columns: fk.columns.clone(),
        referenced: key(&fk.referenced),
        referenced_columns: fk.referenced_columns.clone(),
    }
}

impl<'a> Run<'a> {
    fn new(settings: &'a Settings, mode: Mode, phase: Phase, ancestry: &'a Ancestry) -> Self {
        Run {
            settings,
            mode,
            phase,
            ancestry,
            catalog: Catalog::default(),
            users: TypeUsers::default(),
            memo: HashSet::new(),
            tx: 0,
            uncommitted: HashSet::new(),
            uncommitted_tx: 0,
            autocommit: false,
            swallowing: 0,
            uncertain: Uncertainty::default(),
            guessing: 0,
            undecided: Vec::new(),
            predates: false,
            seen_types: HashSet::new(),
            seen_tables: HashSet::new(),
            file: 0,
            failures: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn revision(&mut self, file: usize, ops: &[Op]) {
        self.file = file;
        if self.settings.transaction_per_migration {
            self.tx += 1;
        }
        self.ops(ops);
    }

    fn ops(&mut self, ops: &[Op]) {
        for op in ops {
            self.op(op);
        }
    }

    fn fail(&mut self, range: TextRange, kind: FailureKind) {
        self.report(range, kind);
    }

    /// Takes over what an earlier run of the deploy left ([`Carried`]).
    fn resume(&mut self, carried: Carried) {
        self.catalog = carried.catalog;
        self.users = carried.users;
        self.uncertain = carried.uncertain;
        self.predates = carried.predates;
        self.seen_types = carried.seen_types;
        self.seen_tables = carried.seen_tables;
    }

    /// What this run hands the next run of the deploy.
    fn carry(&mut self) -> Carried {
        Carried {
            catalog: std::mem::take(&mut self.catalog),
            users: std::mem::take(&mut self.users),
            uncertain: std::mem::take(&mut self.uncertain),
            predates: self.predates,
            seen_types: std::mem::take(&mut self.seen_types),
            seen_tables: std::mem::take(&mut self.seen_tables),
        }
    }

    /// Records a failure; `false` when it rests on what migdoc is not sure of, and stays
    /// unreported (the run that goes on is then one where the operation succeeded).
    fn report(&mut self, range: TextRange, kind: FailureKind) -> bool {
        // What an unknown operation may have changed proves nothing: stay silent on it.
        if self.uncertain.covers(&kind) {
            return false;
        }
        // A history that changes a table none of its revisions creates starts on a schema built
        // outside it (`create_all()`, then `alembic stamp`): a type this deploy never saw exist
        // may be one of that schema's, as its tables are. Told what that schema is
        // (`--base-models`), migdoc knows its types, and the absence of another is a finding.
        if let FailureKind::UndefinedType {
            name,
            other_branch: None,
            ..
        } = &kind
            && (self.predates || self.ancestry.presupposes_schema)
            && self.settings.base.is_none()
            && !self.seen_types.contains(name)
        {
            return false;
        }
        // A table the history never creates was there before it: nothing is known about it.
        // Nor, once the history has shown it starts on such a schema, is a table this deploy
        // has not yet seen exist (dropped before a revision creates it anew).
        if let FailureKind::UndefinedTable { name }
        | FailureKind::UndefinedColumn { table: name, .. } = &kind
            && (!self.ancestry.created_tables.contains(name)
                || ((self.predates || self.ancestry.presupposes_schema)
                    && self.settings.base.is_none()
                    && !self.seen_tables.contains(name)))
        {
            self.predates = true;
            return false;
        }
        let swallowed = self.swallowing > 0;
        if swallowed && kind.sqlstate().is_empty() {
            // Raised in Python, before any SQL: the `except` swallows it and the transaction
            // goes on, without the rest of the `try` body.
            self.uncertain.absorb(&Footprint::unbounded());
            return false;
        }
        self.failures.push(Failure {
            file: self.file,
            range,
            kind,
            mode: self.mode,
            phase: self.phase,
            swallowed,
        });
        true
    }

    fn note(&mut self, range: TextRange, kind: NoteKind) {
        if self.mode == Mode::OneRun && self.phase == Phase::Upgrade {
            self.notes.push(Note {
                file: self.file,
                range,
                kind,
            });
        }
    }

    fn op(&mut self, op: &Op) {
        let range = op.range;
        match &op.kind {
            OpKind::CreateTable { table, columns } => self.create_table(table, columns, range),
            OpKind::DropTable { table } => {
                if self
                    .drop_tables_referenced(std::slice::from_ref(table), false, range)
                    .is_none()
                {
                    return;
                }
                if self
                    .edit_table(table, |tables| tables.remove(table))
                    .is_none()
                {
                    self.fail(
                        range,
                        FailureKind::UndefinedTable {
                            name: table.clone(),
                        },
                    );
                }
                self.recertify_table(table);
            }
            OpKind::AddColumn { table, column } => {
                if let Some(spec) = column.enum_type.as_ref().filter(|s| s.native) {
                    // `op.add_column` never creates the type.
                    self.require_type(spec, "op.add_column", range);
                }
                let col = self.column(column);
                self.add_column(table, col, range, false);
            }
            OpKind::DropColumn { table, column } => {
                if self.column_referenced(table, column, false, range) {
                    return;
                }
                self.forget_keys_on_column(table, column);
                let dropped = self.edit_table(table, |tables| {
                    let t = tables.get_mut(table)?;
                    let before = t.columns.len();
                    t.columns.retain(|c| &c.name != column);
                    Some(t.columns.len() < before)
                });
                match dropped {
                    Some(false) => self.fail(
                        range,
                        FailureKind::UndefinedColumn {
                            table: table.clone(),
                            column: column.clone(),
                        },
                    ),
                    // `ALTER TABLE t DROP COLUMN` on a table that is not there (42P01).
                    None => self.fail(
                        range,
                        FailureKind::UndefinedTable {
                            name: table.clone(),
                        },
                    ),
                    Some(true) => {}
                }
            }
            OpKind::AlterColumn {
                table,
                column,
                enum_type,
                nullable,
                server_default,
                type_changed,
                using,
                sql_type,
                new_name,
            } => {
                // Alembic emits `ALTER TABLE ... ALTER COLUMN` only for what changes (nothing
                // for `existing_*` alone); PostgreSQL refuses a column the table lacks (42703).
                let alters = nullable.is_some()
                    || server_default.is_some()
                    || *type_changed
                    || new_name.is_some();
                if alters && !self.require_columns(table, std::slice::from_ref(column), range) {
                    return;
                }
                if let Some(spec) = enum_type.as_ref().filter(|s| s.native)
                    && self.require_type(spec, "op.alter_column", range)
                    && !using
                    && !spec.domain
                {
                    let current = self
                        .catalog
                        .tables
                        .get(table)
                        .and_then(|t| t.column(column))
                        .map(|c| c.enum_type.clone());
                    if let (Some(current), Some(name)) = (current, &spec.name)
                        && current.as_ref() != Some(name)
                    {
                        self.fail(
                            range,
                            FailureKind::CannotCast {
                                table: table.clone(),
                                column: column.clone(),
                                type_name: name.clone(),
                            },
                        );
                    }
                }
                let enum_name = enum_type
                    .as_ref()
                    .filter(|s| s.native)
                    .and_then(|s| s.name.clone());
                if let Some(label) = server_default {
                    let current = self
                        .catalog
                        .tables
                        .get(table)
                        .and_then(|t| t.column(column))
                        .and_then(|c| c.enum_type.clone());
                    if let Some(type_name) = enum_name.clone().or(current) {
                        self.use_label(&type_name, label, range);
                    }
                }
                self.edit_table(table, |tables| {
                    let c = tables
                        .get_mut(table)
                        .and_then(|t| t.columns.iter_mut().find(|c| &c.name == column))?;
                    if let Some(n) = nullable {
                        c.not_null = !n;
                    }
                    if *type_changed {
                        c.enum_type = enum_name;
                        c.sql_type = sql_type.clone();
                    }
                    if server_default.is_some() {
                        c.has_default = true;
                    }
                    if let Some(new_name) = new_name {
                        c.name.clone_from(new_name);
                    }
                    Some(())
                });
                if let Some(new_name) = new_name {
                    self.rename_key_column(table, column, new_name);
                }
            }
            OpKind::CreateEnum { spec, checkfirst } => {
                let Some(name) = spec.name.clone() else {
                    return self.taint_with(
                        "ENUM(...).create() of an enum without a name",
                        range,
                        Footprint {
                            any_type: true,
                            ..Footprint::default()
                        },
                    );
                };
                // With a check, the type exists afterwards either way, but its labels are
                // those of this call only when it was certainly missing.
                let guessed = *checkfirst && self.uncertain.type_exists(&name);
                if self.catalog.types.contains_key(&name) {
                    if !checkfirst {
                        let anew = self.anew_type(&name);
                        self.fail(
                            range,
                            FailureKind::DuplicateType {
                                name: name.clone(),
                                via: ".create(checkfirst=False)",
                            },
                        );
                        if anew {
                            self.define_spec(&name, spec, range);
                        }
                    } else if guessed {
                        self.recertify_type(&name, false);
                    }
                    return;
                }
                self.define_spec(&name, spec, range);
                if guessed {
                    self.recertify_type(&name, false);
                }
            }
            OpKind::DropEnum { name, checkfirst } => {
                self.drop_type(name, !checkfirst, false, "DROP TYPE", range)
            }
            // SQL PostgreSQL rejects (reported by its own rule) changes nothing.
            OpKind::Sql(sql) if !sql.parsed.errors.is_empty() => {}
            OpKind::Sql(sql) => {
                for statement in &sql.parsed.statements {
                    self.statement(&statement.statement, range);
                }
            }
            OpKind::BulkInsert {
                table,
                rows,
                strings,
            } => {
                if let Some(rows) = rows {
                    for row in rows {
                        self.insert_columns(table, Some(row), range);
                    }
                }
                for (column, value) in strings {
                    self.check_value(table, column, &SqlValue::Str(value.clone()), range);
                }
            }
            OpKind::AutocommitBlock { enter } => {
                // Alembic commits before the block and begins a new transaction after it.
                self.autocommit = *enter;
                self.tx += 1;
            }
            OpKind::SwallowingTry { enter } => {
                if *enter {
                    self.swallowing += 1;
                } else {
                    self.swallowing = self.swallowing.saturating_sub(1);
                }
            }
            OpKind::NoCatalogEffect { .. } => {}
            OpKind::NoTransactionBlock { what } => self.no_transaction_block(what, range),
            OpKind::Guard {
                subject,
                when_true,
                when_false,
            } => {
                let exists = match subject {
                    GuardSubject::Type(name) => self.catalog.types.contains_key(name),
                    GuardSubject::Table(name) => self.catalog.tables.contains_key(name),
                    GuardSubject::Label { type_name, label } => self
                        .catalog
                        .types
                        .get(type_name)
                        .is_some_and(|t| t.labels.contains(label)),
                    GuardSubject::Column { table, column } => self
                        .catalog
                        .tables
                        .get(table)
                        .is_some_and(|t| t.column(column).is_some()),
                };
                let guessing = match subject {
                    GuardSubject::Type(name) => self.uncertain.type_exists(name),
                    GuardSubject::Table(name) => self.uncertain.table_exists(name),
                    GuardSubject::Label { type_name, .. } => self.uncertain.type_labels(type_name),
                    // A table no revision creates was there before the history, with columns
                    // migdoc does not know.
                    GuardSubject::Column { table, column } => {
                        self.uncertain.column(table, column)
                            || (!self.catalog.tables.contains_key(table)
                                && !self.ancestry.created_tables.contains(table))
                    }
                };
                self.guessing += u32::from(guessing);
                self.ops(if exists { when_true } else { when_false });
                self.guessing -= u32::from(guessing);
            }
            OpKind::RenameTable { from, to } => self.alter_table(
                from,
                &[AlterTableAction::RenameTable { to: to.clone() }],
                range,
            ),
            OpKind::AddForeignKey { table, key } => self.add_key(table, key.clone()),
            OpKind::DropConstraint { table, name } => {
                self.drop_key(table.as_deref(), name.as_deref())
            }
            OpKind::Unknown { footprint, .. } => self
                .uncertain
                .absorb_over(footprint, self.catalog.types.keys()),
            OpKind::UnnamedConstraintDrop { table } => {
                // In a branch that may not run, it may not fail either.
                if self.guessing == 0 {
                    self.fail(
                        range,
                        FailureKind::UnnamedConstraintDrop {
                            table: table.clone(),
                        },
                    );
                }
                // The migration stops there: nothing after it is known to run.
                self.uncertain.absorb(&migdoc_ir::Footprint::unbounded());
            }
            // Reported; the replay goes on with the SQL that follows it, as it does after any
            // failure.
            OpKind::StringNotExecutable => {
                if self.guessing == 0 {
                    self.fail(range, FailureKind::StringNotExecutable);
                }
            }
        }
    }

    /// Something the replay itself cannot decide (an enum without a name, a `DO` block it does
    /// not follow): it has a footprint as an unknown operation does, and is listed with them.
    fn taint_with(&mut self, what: &'static str, range: TextRange, footprint: Footprint) {
        self.list_undecided(what, range, &footprint);
        self.uncertain
            .absorb_over(&footprint, self.catalog.types.keys());
    }

    /// `--show-unknown` lists what the replay could not follow (once: the upgrade of the run
    /// that replays every revision).
    fn list_undecided(&mut self, what: &'static str, range: TextRange, footprint: &Footprint) {
        if self.mode == Mode::OneRun && self.phase == Phase::Upgrade && !footprint.is_none() {
            self.undecided.push(Undecided {
                file: self.file,
                range,
                what,
                footprint: footprint.clone(),
            });
        }
    }

    /// The column as the catalog records it.
    fn column(&self, spec: &ColumnSpec) -> Column {
        Column {
            name: spec.name.clone(),
            enum_type: spec
                .enum_type
                .as_ref()
                .filter(|s| s.native)
                .and_then(|s| s.name.clone()),
            not_null: !spec.nullable,
            has_default: spec.has_server_default || spec.generated,
            sql_type: if spec.is_array {
                None
            } else {
                spec.sql_type.clone()
            },
            allowed: spec
                .enum_type
                .as_ref()
                .filter(|s| !s.native && s.create_constraint && !spec.is_array)
                .and_then(|s| s.labels.clone()),
        }
    }

    /// Adds `column` to `table`; one already there fails (42701) unless `if_not_exists`, which
    /// keeps the one there.
    fn add_column(&mut self, table: &str, column: Column, range: TextRange, if_not_exists: bool) {
        let name = column.name.clone();
        let added = self.edit_table(table, |tables| {
            let t = tables.get_mut(table)?;
            if t.columns.iter().any(|c| c.name == column.name) {
                return Some(false);
            }
            t.columns.push(column);
            Some(true)
        });
        match added {
            None => self.fail(
                range,
                FailureKind::UndefinedTable {
                    name: table.to_owned(),
                },
            ),
            Some(false) if !if_not_exists => self.fail(
                range,
                FailureKind::DuplicateColumn {
                    table: table.to_owned(),
                    column: name,
                },
            ),
            Some(_) => {}
        }
    }

    /// Changes table `table` (and nothing else) through `edit`, keeping [`TypeUsers`] in step.
    fn edit_table<R>(
        &mut self,
        table: &str,
        edit: impl FnOnce(&mut std::collections::BTreeMap<String, Table>) -> R,
    ) -> R {
        let existed = match self.catalog.tables.get(table) {
            Some(t) => {
                self.users.remove(t);
                true
            }
            None => false,
        };
        let result = edit(&mut self.catalog.tables);
        let exists = match self.catalog.tables.get(table) {
            Some(t) => {
                self.users.add(t);
                true
            }
            None => false,
        };
        if exists && !existed {
            self.seen_tables.insert(table.to_owned());
        }
        // A dropped table's foreign keys go with it; a new table has none, and no existing
        // foreign key references it (they reference tables, not names).
        if existed != exists {
            self.catalog.foreign_keys.remove(table);
        }
        if !existed && exists {
            for keys in self.catalog.foreign_keys.values_mut() {
                keys.retain(|k| k.referenced != table);
            }
        }
        result
    }

    /// `DROP TABLE` of each of `tables` (one statement): the foreign keys of other tables that
    /// reference one of them refuse it (2BP01), unless `cascade` drops those keys. `None` when
    /// it is refused.
    fn drop_tables_referenced(
        &mut self,
        tables: &[String],
        cascade: bool,
        range: TextRange,
    ) -> Option<()> {
        for table in tables {
            let users: Vec<String> = self
                .catalog
                .foreign_keys
                .iter()
                .filter(|(t, keys)| {
                    !tables.contains(t)
                        && self.catalog.tables.contains_key(*t)
                        && keys.iter().any(|k| &k.referenced == table)
                })
                .map(|(t, _)| t.clone())
                .collect();
            if users.is_empty() || !self.catalog.tables.contains_key(table) {
                continue;
            }
            if !cascade {
                self.fail(
                    range,
                    FailureKind::ReferencedTable {
                        table: table.clone(),
                        users,
                    },
                );
                return None;
            }
            for keys in self.catalog.foreign_keys.values_mut() {
                keys.retain(|k| &k.referenced != table);
            }
        }
        Some(())
    }

    /// A table renamed or moved: its foreign keys go with it, and those that reference it
    /// follow it.
    fn move_table(&mut self, from: &str, to: &str) {
        // What an unknown may have made of the table moves with it (the replay may not even
        // have it to move).
        self.uncertain.move_table(from, to);
        let keys = self.catalog.foreign_keys.remove(from);
        if let Some(t) = self.edit_table(from, |tables| tables.remove(from)) {
            self.edit_table(to, |tables| tables.insert(to.to_owned(), t));
            if let Some(keys) = keys {
                self.catalog.foreign_keys.insert(to.to_owned(), keys);
            }
            for keys in self.catalog.foreign_keys.values_mut() {
                for k in keys.iter_mut().filter(|k| k.referenced == from) {
                    k.referenced = to.to_owned();
                }
            }
        }
    }

    /// A foreign key on `table`. Both tables must exist (otherwise PostgreSQL fails, which
    /// migdoc does not model here): only then is the key known to be there.
    fn add_key(&mut self, table: &str, key: migdoc_ir::ForeignKeySpec) {
        if self.catalog.tables.contains_key(table)
            && self.catalog.tables.contains_key(&key.referenced)
        {
            self.catalog
                .foreign_keys
                .entry(table.to_owned())
                .or_default()
                .push(key);
        }
    }

    /// A constraint dropped from `table` (`None`: a table migdoc cannot tell): the key of that
    /// name; a name migdoc does not know may be a key it knows without a name (PostgreSQL's or a
    /// naming convention's), so those go too.
    fn drop_key(&mut self, table: Option<&str>, name: Option<&str>) {
        // The constraint may be a non-native enum's CHECK: its columns then allow anything
        // (`allowed` is no type use: `TypeUsers` need not hear of it).
        for (key, t) in &mut self.catalog.tables {
            if table.is_none_or(|n| n == key) {
                t.columns.iter_mut().for_each(|c| c.allowed = None);
            }
        }
        let forget = |keys: &mut Vec<migdoc_ir::ForeignKeySpec>| match name {
            Some(n) if keys.iter().any(|k| k.name.as_deref() == Some(n)) => {
                keys.retain(|k| k.name.as_deref() != Some(n));
            }
            Some(_) => keys.retain(|k| k.name.is_some()),
            None => keys.clear(),
        };
        match table {
            Some(table) => {
                if let Some(keys) = self.catalog.foreign_keys.get_mut(table) {
                    forget(keys);
                }
            }
            None => self.catalog.foreign_keys.values_mut().for_each(forget),
        }
    }

    /// Whether dropping `table.column` is refused because a foreign key references it (2BP01,
    /// reported); under `CASCADE` those keys go instead.
    fn column_referenced(
        &mut self,
        table: &str,
        column: &str,
        cascade: bool,
        range: TextRange,
    ) -> bool {
        if self
            .catalog
            .tables
            .get(table)
            .is_none_or(|t| t.column(column).is_none())
        {
            return false;
        }
        let refers = |k: &migdoc_ir::ForeignKeySpec| {
            k.referenced == table && k.referenced_columns.iter().any(|c| c == column)
        };
        let users: Vec<String> = self
            .catalog
            .foreign_keys
            .iter()
            .filter(|(_, keys)| keys.iter().any(refers))
            .map(|(t, _)| t.clone())
            .collect();
        if users.is_empty() {
            return false;
        }
        if cascade {
            for keys in self.catalog.foreign_keys.values_mut() {
                keys.retain(|k| !refers(k));
            }
            return false;
        }
        self.fail(
            range,
            FailureKind::ReferencedColumn {
                table: table.to_owned(),
                column: column.to_owned(),
                users,
            },
        );
        true
    }

    /// `table.from` is now `table.to`, in the keys on the table and in those referencing it.
    fn rename_key_column(&mut self, table: &str, from: &str, to: &str) {
        for (on, keys) in &mut self.catalog.foreign_keys {
            for k in keys.iter_mut() {
                if on == table {
                    k.columns
                        .iter_mut()
                        .filter(|c| *c == from)
                        .for_each(|c| *c = to.to_owned());
                }
                if k.referenced == table {
                    k.referenced_columns
                        .iter_mut()
                        .filter(|c| *c == from)
                        .for_each(|c| *c = to.to_owned());
                }
            }
        }
    }

    /// Foreign keys of `table` that use `column` go with it.
    fn forget_keys_on_column(&mut self, table: &str, column: &str) {
        if let Some(keys) = self.catalog.foreign_keys.get_mut(table) {
            keys.retain(|k| !k.columns.iter().any(|c| c == column));
        }
    }

    /// Whether `op.create_table` emits `CREATE TYPE` for this enum (checked against SQLAlchemy 2.0
    /// and 2.1); `None` when it depends on an unknown SQLAlchemy version.
    fn table_creates_type(&self, spec: &EnumSpec) -> Option<bool> {
        if !spec.native {
            return Some(false);
        }
        if spec.dialect_enum {
            return Some(spec.create_type != Some(false));
        }
        let version_matters = spec.create_type == Some(false) || spec.metadata_bound;
        match (version_matters, self.settings.sqlalchemy_2_1) {
            (false, _) => Some(true),
            (true, None) => None,
            // 2.1 honours create_type=False and creates metadata-bound enums with the table.
            (true, Some(true)) => Some(spec.create_type != Some(false)),
            // 2.0 ignores create_type=False; a metadata-bound enum is left to the metadata.
            (true, Some(false)) => Some(!spec.metadata_bound),
        }
    }

    fn create_table(&mut self, table: &str, columns: &[ColumnSpec], range: TextRange) {
        // `sa.Table` (which `op.create_table` builds) refuses a second column of one name from
        // SQLAlchemy 2.0 on; 1.4 replaces the first with it (checked with 1.4.54, 2.0.58, 2.1.9).
        let twice = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.name.is_empty() && !c.name.contains(migdoc_ir::HOLE))
            .find(|(i, c)| columns[..*i].iter().any(|d| d.name == c.name))
            .map(|(_, c)| c.name.clone());
        if let Some(column) = twice {
            match self.settings.sqlalchemy_2_0 {
                Some(true) => {
                    self.fail(
                        range,
                        FailureKind::ColumnTwice {
                            table: table.to_owned(),
                            column,
                        },
                    );
                    return;
                }
                None => self.note(range, NoteKind::SqlalchemyVersionMatters),
                Some(false) => {}
            }
            // 1.4 (or an unknown version) keeps the last of them, in the first one's place.
            let mut kept: Vec<ColumnSpec> = Vec::with_capacity(columns.len());
            for c in columns {
                match kept.iter_mut().find(|k| k.name == c.name) {
                    Some(k) => *k = c.clone(),
                    None => kept.push(c.clone()),
                }
            }
            return self.create_table_of(table, &kept, range);
        }
        self.create_table_of(table, columns, range);
    }

    fn create_table_of(&mut self, table: &str, columns: &[ColumnSpec], range: TextRange) {
        for spec in columns.iter().filter_map(|c| c.enum_type.as_ref()) {
            if spec.create_type == Some(false)
                && !spec.dialect_enum
                && self.settings.sqlalchemy_2_1 == Some(false)
                && let Some(name) = &spec.name
            {
                self.note(range, NoteKind::CreateTypeIgnored { name: name.clone() });
            }
            let Some(name) = spec.name.clone() else {
                if spec.native {
                    self.taint_with(
                        "an enum without a name in op.create_table",
                        range,
                        Footprint {
                            any_type: true,
                            ..Footprint::default()
                        },
                    );
                }
                continue;
            };
            match self.table_creates_type(spec) {
                None => {
                    self.note(range, NoteKind::SqlalchemyVersionMatters);
                    self.taint_with(
                        "an enum whose creation depends on the unknown SQLAlchemy version",
                        range,
                        Footprint::of_names([name.clone()]),
                    );
                }
                Some(true) => {
                    // The memo: one `CREATE TYPE` per name per run, whatever happened since, even
                    // a `DROP TYPE` in between. Domains have a memo of their own (`pg_domain`).
                    let memo = spec.memo_name.clone().unwrap_or_else(|| name.clone());
                    let memo = if spec.domain {
                        format!("domain\0{memo}")
                    } else {
                        memo
                    };
                    if !self.memo.insert(memo) {
                        self.require_type_name(&name, "op.create_table", range);
                        continue;
                    }
                    let anew = self.anew_type(&name);
                    if self.catalog.types.contains_key(&name) {
                        self.fail(
                            range,
                            FailureKind::DuplicateType {
                                name: name.clone(),
                                via: if spec.domain {
                                    "op.create_table with postgresql.DOMAIN"
                                } else {
                                    "op.create_table"
                                },
                            },
                        );
                    }
                    if anew || !self.catalog.types.contains_key(&name) {
                        self.define_spec(&name, spec, range);
                    }
                }
                Some(false) => {
                    if spec.native {
                        self.require_type(spec, "op.create_table", range);
                    }
                }
            }
        }
        if self.catalog.tables.contains_key(table) {
            let anew = self.anew_table(table);
            self.fail(
                range,
                FailureKind::DuplicateTable {
                    name: table.to_owned(),
                },
            );
            if !anew {
                return;
            }
            self.edit_table(table, |tables| tables.remove(table));
        }
        let cols = columns.iter().map(|c| self.column(c)).collect();
        for spec in columns {
            if let (Some(label), Some(type_name)) = (
                &spec.server_default,
                spec.enum_type
                    .as_ref()
                    .filter(|s| s.native)
                    .and_then(|s| s.name.clone()),
            ) {
                self.use_label(&type_name, label, range);
            }
        }
        let file = self.file;
        self.edit_table(table, |tables| {
            tables.insert(
                table.to_owned(),
                Table {
                    columns: cols,
                    created_by: file,
                },
            )
        });
        self.recertify_table(table);
    }

    /// A `CREATE` of type `name`, which the replay has but an unknown may have dropped: silent,
    /// and it defines the type anew (had the type been there, the migration fails here).
    fn anew_type(&self, name: &str) -> bool {
        self.guessing == 0
            && self.catalog.types.contains_key(name)
            && self.uncertain.type_exists(name)
    }

    /// The same for a `CREATE TABLE` of table `name`.
    fn anew_table(&self, name: &str) -> bool {
        self.guessing == 0
            && self.catalog.tables.contains_key(name)
            && self.uncertain.table_exists(name)
    }

    /// Table `name` was defined anew, whole (or dropped), by an operation that certainly ran.
    fn recertify_table(&mut self, name: &str) {
        if self.guessing == 0 {
            self.uncertain.recertify_table(name);
        }
    }

    /// Type `name` was defined anew (or dropped) by an operation that certainly ran; its labels
    /// with it when `labels_known`.
    fn recertify_type(&mut self, name: &str, labels_known: bool) {
        if self.guessing == 0 {
            self.uncertain.recertify_type(name, labels_known);
        } else if !labels_known {
            self.uncertain.labels.insert(name.to_owned());
        }
    }

    fn require_type(&mut self, spec: &EnumSpec, via: &'static str, range: TextRange) -> bool {
        let Some(name) = &spec.name else {
            self.taint_with(
                "an enum without a name",
                range,
                Footprint {
                    any_type: true,
                    ..Footprint::default()
                },
            );
            return false;
        };
        self.require_type_name(name, via, range)
    }

    fn require_type_name(&mut self, name: &str, via: &'static str, range: TextRange) -> bool {
        match self.catalog.types.get(name) {
            Some(t) => {
                let creator = t.created_by;
                if !self.ancestry.is_ancestor(creator, self.file) && self.phase == Phase::Upgrade {
                    // It exists only because Alembic happened to apply another branch first.
                    self.failures_note_other_branch(name, via, creator, range);
                }
                true
            }
            None => {
                self.fail(
                    range,
                    FailureKind::UndefinedType {
                        name: name.to_owned(),
                        via,
                        other_branch: None,
                    },
                );
                false
            }
        }
    }

    fn failures_note_other_branch(
        &mut self,
        name: &str,
        via: &'static str,
        creator: usize,
        range: TextRange,
    ) {
        if self.mode == Mode::OneRun {
            // Recorded as a failure kind with the other branch named: it fails whenever Alembic
            // picks the other order (and in every deploy where the branches run apart).
            self.fail(
                range,
                FailureKind::UndefinedType {
                    name: name.to_owned(),
                    via,
                    other_branch: Some(creator),
                },
            );
        }
    }

    /// The type `spec` creates: an enum type, or a domain (a type without labels).
    fn define_spec(&mut self, name: &str, spec: &EnumSpec, range: TextRange) {
        if spec.domain {
            self.define_other_type(name, true);
        } else {
            self.define_type(name, spec.labels.clone(), range);
        }
    }

    /// A type without labels: a domain, a composite or range type.
    fn define_other_type(&mut self, name: &str, domain: bool) {
        self.seen_types.insert(name.to_owned());
        self.catalog.types.insert(
            name.to_owned(),
            EnumType {
                labels: Vec::new(),
                created_by: self.file,
                is_enum: false,
                is_domain: domain,
            },
        );
        self.recertify_type(name, true);
    }

    fn define_type(&mut self, name: &str, labels: Option<Vec<String>>, range: TextRange) {
        let Some(labels) = labels else {
            // Labels unknown: the type exists but nothing about its labels can be said.
            self.recertify_type(name, false);
            self.seen_types.insert(name.to_owned());
            self.catalog.types.insert(
                name.to_owned(),
                EnumType {
                    labels: Vec::new(),
                    created_by: self.file,
                    is_enum: true,
                    is_domain: false,
                },
            );
            return;
        };
        for label in &labels {
            if label.len() > MAX_LABEL_BYTES {
                self.fail(
                    range,
                    FailureKind::LabelTooLong {
                        label: label.clone(),
                    },
                );
            }
        }
        for (i, a) in labels.iter().enumerate() {
            if let Some(b) = labels[i + 1..]
                .iter()
                .find(|b| *b != a && b.to_lowercase() == a.to_lowercase())
            {
                self.note(
                    range,
                    NoteKind::LabelsDifferByCase {
                        type_name: name.to_owned(),
                        a: a.clone(),
                        b: b.clone(),
                    },
                );
            }
        }
        // Labels of a type created in this transaction are usable at once; only ADD VALUE is special.
        self.seen_types.insert(name.to_owned());
        self.catalog.types.insert(
            name.to_owned(),
            EnumType {
                labels,
                created_by: self.file,
                is_enum: true,
                is_domain: false,
            },
        );
        self.recertify_type(name, true);
    }

    /// `DROP SCHEMA ... CASCADE`: its tables, then its types (and the columns elsewhere that use
    /// them) go with it.
    fn drop_schema_objects(&mut self, schema: &str, range: TextRange) {
        let in_schema = |key: &str| match key.split_once('.') {
            Some((s, _)) => s == schema,
            None => schema == "public",
        };
        let tables: Vec<String> = self
            .catalog
            .tables
            .keys()
            .filter(|k| in_schema(k))
            .cloned()
            .collect();
        for table in tables {
            self.edit_table(&table, |tables| tables.remove(&table));
        }
        let types: Vec<String> = self
            .catalog
            .types
            .keys()
            .filter(|k| in_schema(k))
            .cloned()
            .collect();
        for name in types {
            self.drop_type(&name, false, true, "DROP TYPE", range);
        }
    }

    /// `ALTER TYPE name RENAME TO` / `SET SCHEMA`: the type must exist and `to` be free
    /// (`same_is_noop`: a move to where it already is does nothing).
    fn move_type_to(
        &mut self,
        name: &QualName,
        to: &QualName,
        via: &'static str,
        same_is_noop: bool,
        range: TextRange,
    ) {
        let from = key(name);
        let to_key = key(to);
        // What an unknown may have made of the type moves with it (the replay may not even
        // have it to move).
        if self.uncertain.type_exists(&from) {
            self.uncertain
                .absorb(&Footprint::of_names([to_key.clone()]));
        } else if self.uncertain.labels.contains(&from) {
            self.uncertain.labels.insert(to_key.clone());
        }
        if !self.require_type_name(&from, "ALTER TYPE", range) {
            return;
        }
        if same_is_noop && to_key == from {
            return;
        }
        if self.catalog.types.contains_key(&to_key) {
            self.fail(range, FailureKind::DuplicateType { name: to_key, via });
            return;
        }
        self.move_type(&from, to_key);
    }

    /// A type renamed or moved to another schema: its labels go with it, and the columns that
    /// use it use it under its new name (PostgreSQL refers to types by OID).
    fn move_type(&mut self, from: &str, to_key: String) {
        if let Some(t) = self.catalog.types.remove(from) {
            self.seen_types.insert(to_key.clone());
            self.catalog.types.insert(to_key.clone(), t);
        }
        for t in self.catalog.tables.values_mut() {
            for c in &mut t.columns {
                if c.enum_type.as_deref() == Some(from) {
                    c.enum_type = Some(to_key.clone());
                }
            }
        }
        self.users.rename(from, &to_key);
    }

    fn drop_type(
        &mut self,
        name: &str,
        must_exist: bool,
        cascade: bool,
        via: &'static str,
        range: TextRange,
    ) {
        if !self.catalog.types.contains_key(name) {
            if must_exist {
                self.fail(
                    range,
                    FailureKind::UndefinedType {
                        name: name.to_owned(),
                        via,
                        other_branch: None,
                    },
                );
            }
            // Dropped, or the migration failed here: it is gone from here on.
            self.recertify_type(name, true);
            return;
        }
        // Every table is scanned only when some column does use the type.
        let users = if self.users.count(name) == 0 {
            Vec::new()
        } else {
            self.catalog.users_of(name)
        };
        debug_assert_eq!(
            users,
            self.catalog.users_of(name),
            "the type users index missed a change"
        );
        if !users.is_empty() {
            if !cascade {
                let columns = users.clone();
                if self.report(
                    range,
                    FailureKind::DependentObjects {
                        type_name: name.to_owned(),
                        users,
                    },
                ) {
                    return;
                }
                // Not sure it fails (what migdoc could not evaluate may have changed those
                // columns): the run that goes on is one where the type was dropped, and the
                // columns no longer used it.
                for (table, column) in &columns {
                    self.uncertain.absorb(&Footprint::of_column(table, column));
                    self.edit_table(table, |tables| {
                        if let Some(c) = tables
                            .get_mut(table)
                            .and_then(|t| t.columns.iter_mut().find(|c| &c.name == column))
                        {
                            c.enum_type = None;
                        }
                    });
                }
            } else {
                self.note(
                    range,
                    NoteKind::DropTypeCascade {
                        name: name.to_owned(),
                        columns: users.clone(),
                        via,
                    },
                );
                for (table, column) in &users {
                    self.edit_table(table, |tables| {
                        if let Some(t) = tables.get_mut(table) {
                            t.columns.retain(|c| &c.name != column);
                        }
                    });
                }
            }
        }
        self.catalog.types.remove(name);
        self.recertify_type(name, true);
    }

    /// A use of `label` as a value of enum type `type_name` (INSERT, UPDATE, DEFAULT).
    fn use_label(&mut self, type_name: &str, label: &str, range: TextRange) {
        let Some(t) = self.catalog.types.get(type_name) else {
            return;
        };
        if !t.is_enum {
            return;
        }
        if !t.labels.iter().any(|l| l == label) {
            let labels = t.labels.clone();
            self.fail(
                range,
                FailureKind::InvalidEnumLiteral {
                    type_name: type_name.to_owned(),
                    label: label.to_owned(),
                    labels,
                },
            );
            return;
        }
        if self.uncommitted_tx == self.tx
            && !self.uncommitted.is_empty()
            && self
                .uncommitted
                .contains(&(type_name.to_owned(), label.to_owned()))
        {
            self.fail(
                range,
                FailureKind::UnsafeNewValue {
                    type_name: type_name.to_owned(),
                    label: label.to_owned(),
                },
            );
        }
    }

    fn statement(&mut self, statement: &Statement, range: TextRange) {
        match statement {
            Statement::CreateEnum { name, labels } => {
                let name = key(name);
                let anew = self.anew_type(&name);
                if self.catalog.types.contains_key(&name) {
                    self.fail(
                        range,
                        FailureKind::DuplicateType {
                            name: name.clone(),
                            via: "CREATE TYPE",
                        },
                    );
                }
                if anew || !self.catalog.types.contains_key(&name) {
                    self.define_type(&name, Some(labels.clone()), range);
                }
            }
            Statement::CreateTypeOther { name, domain } => {
                let name = key(name);
                let anew = self.anew_type(&name);
                if self.catalog.types.contains_key(&name) {
                    self.fail(
                        range,
                        FailureKind::DuplicateType {
                            name: name.clone(),
                            via: if *domain {
                                "CREATE DOMAIN"
                            } else {
                                "CREATE TYPE"
                            },
                        },
                    );
                }
                if anew || !self.catalog.types.contains_key(&name) {
                    self.define_other_type(&name, *domain);
                }
            }
            Statement::AddEnumValue {
                name,
                label,
                if_not_exists,
                position,
            } => self.add_value(&key(name), label, *if_not_exists, position.as_ref(), range),
            Statement::RenameEnumValue { name, from, to } => {
                let name = key(name);
                if !self.require_type_name(&name, "ALTER TYPE", range) {
                    return;
                }
                // PostgreSQL's order (RenameEnumLabel): the new label's length, then the old
                // label, then the new one (renaming a label to itself is a duplicate).
                if to.len() > MAX_LABEL_BYTES {
                    let label = to.clone();
                    return self.fail(range, FailureKind::LabelTooLong { label });
                }
                let Some(t) = self.catalog.types.get_mut(&name) else {
                    return;
                };
                if !t.labels.contains(from) {
                    let label = from.clone();
                    self.fail(
                        range,
                        FailureKind::UndefinedLabel {
                            type_name: name,
                            label,
                        },
                    );
                } else if t.labels.contains(to) {
                    let label = to.clone();
                    self.fail(
                        range,
                        FailureKind::DuplicateLabel {
                            type_name: name,
                            label,
                        },
                    );
                } else if let Some(l) = t.labels.iter_mut().find(|l| *l == from) {
                    *l = to.clone();
                }
            }
            Statement::RenameType { name, to } => {
                let to = QualName {
                    schema: name.schema.clone(),
                    name: to.clone(),
                };
                // Renaming a type to its own name is a duplicate, as in PostgreSQL.
                self.move_type_to(name, &to, "ALTER TYPE ... RENAME TO", false, range);
            }
            Statement::SetTypeSchema { name, schema } => {
                let to = QualName {
                    schema: Some(schema.clone()),
                    name: name.name.clone(),
                };
                self.move_type_to(name, &to, "ALTER TYPE ... SET SCHEMA", true, range);
            }
            Statement::DropType {
                names,
                if_exists,
                cascade,
                domain,
            } => {
                for name in names {
                    let name = key(name);
                    // `DROP DOMAIN` of another type (an enum) is refused, `IF EXISTS` or not;
                    // `DROP TYPE` drops a domain too.
                    if *domain && self.catalog.types.get(&name).is_some_and(|t| !t.is_domain) {
                        self.fail(
                            range,
                            FailureKind::WrongTypeKind {
                                name,
                                expected: "a domain",
                            },
                        );
                        return;
                    }
                    self.drop_type(
                        &name,
                        !if_exists,
                        *cascade,
                        if *domain { "DROP DOMAIN" } else { "DROP TYPE" },
                        range,
                    );
                }
            }
            Statement::CreateTable {
                name,
                columns,
                if_not_exists,
                columns_complete,
                foreign_keys,
            } => {
                let table = key(name);
                if self.catalog.tables.contains_key(&table) {
                    let anew = !if_not_exists && self.anew_table(&table);
                    if !if_not_exists {
                        self.fail(
                            range,
                            FailureKind::DuplicateTable {
                                name: table.clone(),
                            },
                        );
                    }
                    if !anew {
                        return;
                    }
                    self.edit_table(&table, |tables| tables.remove(&table));
                }
                if !columns_complete {
                    self.list_undecided(
                        "a CREATE TABLE whose columns come from elsewhere (AS SELECT, SELECT INTO, LIKE, INHERITS, PARTITION OF, OF)",
                        range,
                        &Footprint::of_columns(table.clone()),
                    );
                }
                let cols = columns
                    .iter()
                    .map(|c| Column {
                        name: c.name.clone(),
                        enum_type: self.type_of(&c.type_name),
                        not_null: c.not_null,
                        has_default: c.default.is_some() || c.generated,
                        sql_type: sql_type_of(&c.type_name, c.is_array),
                        allowed: None,
                    })
                    .collect();
                let file = self.file;
                self.edit_table(&table.clone(), |tables| {
                    tables.insert(
                        table.clone(),
                        Table {
                            columns: cols,
                            created_by: file,
                        },
                    )
                });
                // The table surely exists now; its columns are known when every one is listed.
                self.recertify_table(&table);
                if !columns_complete {
                    self.uncertain.open_columns(&table);
                }
                for fk in columns
                    .iter()
                    .filter_map(|c| c.references.as_ref())
                    .chain(foreign_keys)
                {
                    self.add_key(&table, key_of(fk));
                }
            }
            Statement::AlterTable { name, actions, .. } => {
                self.alter_table(&key(name), actions, range)
            }
            Statement::DropTable {
                names,
                if_exists,
                cascade,
            } => {
                let keys: Vec<String> = names.iter().map(key).collect();
                if self
                    .drop_tables_referenced(&keys, *cascade, range)
                    .is_none()
                {
                    return;
                }
                for name in names {
                    let table = key(name);
                    if self
                        .edit_table(&table, |tables| tables.remove(&table))
                        .is_none()
                        && !if_exists
                    {
                        self.fail(
                            range,
                            FailureKind::UndefinedTable {
                                name: table.clone(),
                            },
                        );
                    }
                    self.recertify_table(&table);
                }
            }
            Statement::CreateSchema { name, .. } => {
                self.catalog.schemas.insert(name.clone());
            }
            Statement::DropSchema { names, cascade, .. } => {
                // RESTRICT (the default) refuses a schema that still holds a table or a type
                // migdoc knows of (it may hold others migdoc does not track).
                if !cascade {
                    for name in names {
                        let objects: Vec<String> = self
                            .catalog
                            .tables
                            .keys()
                            .chain(self.catalog.types.keys())
                            .filter(|k| k.split_once('.').is_some_and(|(s, _)| s == name))
                            .cloned()
                            .collect();
                        if !objects.is_empty() {
                            self.fail(
                                range,
                                FailureKind::SchemaNotEmpty {
                                    schema: name.clone(),
                                    objects,
                                },
                            );
                            return;
                        }
                    }
                }
                for name in names {
                    self.catalog.schemas.remove(name);
                    if *cascade {
                        self.drop_schema_objects(name, range);
                    }
                }
            }
            Statement::Insert {
                table,
                columns,
                rows,
                ..
            } => {
                let table = key(table);
                let names = columns.clone();
                // A column the table lacks fails before any row is made (42703).
                if let Some(names) = &names
                    && !self.require_columns(&table, names, range)
                {
                    return;
                }
                // `INSERT ... SELECT` may produce no rows (it passes on an empty database): only
                // VALUES rows are checked.
                for row in rows {
                    self.insert_columns(&table, names.as_deref(), range);
                    if let Some(names) = &names {
                        for (column, value) in names.iter().zip(row) {
                            self.check_value(&table, column, value, range);
                        }
                    }
                }
            }
            Statement::Update {
                table,
                assignments,
                conditions,
            } => {
                let table = key(table);
                let targets: Vec<String> = assignments.iter().map(|(c, _)| c.clone()).collect();
                if !self.require_columns(&table, &targets, range) {
                    return;
                }
                for (column, value) in conditions.iter().chain(assignments) {
                    self.check_value(&table, column, value, range);
                }
            }
            Statement::Transaction(TransactionControl::Commit | TransactionControl::Rollback) => {
                // psycopg2 does not see a COMMIT sent as SQL: it sends no new BEGIN, so every
                // later statement of this run commits on its own (checked on PostgreSQL 15).
                self.tx += 1;
                self.autocommit = true;
            }
            Statement::Transaction(TransactionControl::Begin) => {
                self.tx += 1;
                self.autocommit = false;
            }
            Statement::Do { body } => self.do_block(body, range),
            Statement::NoTransactionBlock { what } => self.no_transaction_block(what, range),
            Statement::Other { .. } => {}
        }
    }

    /// Alembic runs every migration in a transaction on PostgreSQL: such a statement needs an
    /// `autocommit_block()` (or a COMMIT before it).
    fn no_transaction_block(&mut self, what: &str, range: TextRange) {
        if !self.autocommit {
            self.fail(
                range,
                FailureKind::NotInTransactionBlock {
                    what: what.to_owned(),
                },
            );
        }
    }

    /// The enum type a SQL type name refers to, when the catalog has it.
    /// The catalog type a column of SQL type `type_name` has: an enum type, a domain, a
    /// composite or range type (what `DROP TYPE` finds depending on it).
    fn type_of(&self, type_name: &QualName) -> Option<String> {
        let k = key(type_name);
        self.catalog.types.contains_key(&k).then_some(k)
    }

    fn is_enum_type(&self, name: &str) -> bool {
        self.catalog.types.get(name).is_some_and(|t| t.is_enum)
    }

    fn alter_table(&mut self, table: &str, actions: &[AlterTableAction], range: TextRange) {
        for action in actions {
            match action {
                AlterTableAction::AddColumn {
                    column,
                    if_not_exists,
                } => {
                    let col = Column {
                        name: column.name.clone(),
                        enum_type: self.type_of(&column.type_name),
                        not_null: column.not_null,
                        has_default: column.default.is_some() || column.generated,
                        sql_type: sql_type_of(&column.type_name, column.is_array),
                        allowed: None,
                    };
                    if let (Some(type_name), Some(SqlValue::Str(label))) =
                        (col.enum_type.clone(), &column.default)
                    {
                        self.use_label(&type_name, label, range);
                    }
                    self.add_column(table, col, range, *if_not_exists);
                    if let Some(fk) = &column.references {
                        self.add_key(table, key_of(fk));
                    }
                }
                AlterTableAction::AddForeignKey(fk) => self.add_key(table, key_of(fk)),
                AlterTableAction::DropConstraint { name } => self.drop_key(Some(table), Some(name)),
                AlterTableAction::AddConstraint => {}
                AlterTableAction::DropColumn { name, cascade, .. } => {
                    if self.column_referenced(table, name, *cascade, range) {
                        continue;
                    }
                    self.forget_keys_on_column(table, name);
                    self.edit_table(table, |tables| {
                        if let Some(t) = tables.get_mut(table) {
                            t.columns.retain(|c| &c.name != name);
                        }
                    });
                }
                AlterTableAction::AlterColumnType {
                    name,
                    type_name,
                    is_array,
                    using,
                } => {
                    let enum_type = self.type_of(type_name);
                    // Without `USING`, PostgreSQL casts in assignment context: nothing but the
                    // same enum becomes an enum (text, varchar, another enum, their arrays fail
                    // with 42804); an enum becomes text freely.
                    let current = self
                        .catalog
                        .tables
                        .get(table)
                        .and_then(|t| t.column(name))
                        .map(|c| c.enum_type.clone());
                    if let (false, Some(target), Some(current)) = (*using, &enum_type, current)
                        && current.as_ref() != Some(target)
                        && self.is_enum_type(target)
                    {
                        self.fail(
                            range,
                            FailureKind::CannotCast {
                                table: table.to_owned(),
                                column: name.clone(),
                                type_name: if *is_array {
                                    format!("{target}[]")
                                } else {
                                    target.clone()
                                },
                            },
                        );
                    }
                    self.edit_table(table, |tables| {
                        if let Some(c) = tables
                            .get_mut(table)
                            .and_then(|t| t.columns.iter_mut().find(|c| &c.name == name))
                        {
                            c.enum_type = enum_type;
                            c.sql_type = sql_type_of(type_name, false);
                        }
                    });
                }
                AlterTableAction::SetDefault { name, default } => {
                    self.check_value(table, name, default, range);
                    if let Some(c) = self
                        .catalog
                        .tables
                        .get_mut(table)
                        .and_then(|t| t.columns.iter_mut().find(|c| &c.name == name))
                    {
                        c.has_default = true;
                    }
                }
                AlterTableAction::DropDefault { name } => {
                    if let Some(c) = self
                        .catalog
                        .tables
                        .get_mut(table)
                        .and_then(|t| t.columns.iter_mut().find(|c| &c.name == name))
                    {
                        c.has_default = false;
                    }
                }
                AlterTableAction::SetNotNull { name } | AlterTableAction::DropNotNull { name } => {
                    let not_null = matches!(action, AlterTableAction::SetNotNull { .. });
                    if let Some(c) = self
                        .catalog
                        .tables
                        .get_mut(table)
                        .and_then(|t| t.columns.iter_mut().find(|c| &c.name == name))
                    {
                        c.not_null = not_null;
                    }
                }
                AlterTableAction::RenameColumn { from, to } => {
                    self.rename_key_column(table, from, to);
                    if let Some(c) = self
                        .catalog
                        .tables
                        .get_mut(table)
                        .and_then(|t| t.columns.iter_mut().find(|c| &c.name == from))
                    {
                        c.name = to.clone();
                    }
                }
                AlterTableAction::RenameTable { to } => {
                    // The columns move as they are (in the table's schema); a table already
                    // named `to` is replaced.
                    let to = match table.split_once('.') {
                        Some((schema, _)) => format!("{schema}.{to}"),
                        None => to.clone(),
                    };
                    self.move_table(table, &to);
                }
                AlterTableAction::SetSchema { schema } => {
                    let bare = table.split_once('.').map_or(table, |(_, name)| name);
                    let to = if schema == "public" {
                        bare.to_owned()
                    } else {
                        format!("{schema}.{bare}")
                    };
                    if to != table {
                        self.move_table(table, &to);
                    }
                }
                // Constraints among them: a foreign key may be dropped there (`DROP CONSTRAINT`),
                // so the table's are forgotten (never a false "still referenced").
                AlterTableAction::Other => {
                    self.catalog.foreign_keys.remove(table);
                }
            }
        }
    }

    fn check_value(&mut self, table: &str, column: &str, value: &SqlValue, range: TextRange) {
        let SqlValue::Str(label) = value else { return };
        if self.uncertain.column_definition(table, column) {
            return;
        }
        if let Some(allowed) = self
            .catalog
            .tables
            .get(table)
            .and_then(|t| t.column(column))
            .and_then(|c| c.allowed.as_ref())
            .filter(|allowed| !allowed.contains(label))
        {
            let allowed = allowed.clone();
            self.fail(
                range,
                FailureKind::CheckViolation {
                    table: table.to_owned(),
                    column: column.to_owned(),
                    value: label.clone(),
                    allowed,
                },
            );
            return;
        }
        let Some(type_name) = self
            .catalog
            .tables
            .get(table)
            .and_then(|t| t.column(column))
            .and_then(|c| c.enum_type.clone())
        else {
            return;
        };
        self.use_label(&type_name, label, range);
    }

    /// A row that gives `columns` (all, in table order, when `None`).
    /// Whether `table` has every column of `columns` (a table migdoc does not know, or may not
    /// know exactly, has them all); the first it lacks fails with 42703.
    fn require_columns(&mut self, table: &str, columns: &[String], range: TextRange) -> bool {
        if self.uncertain.table(table) {
            return true;
        }
        let Some(t) = self.catalog.tables.get(table) else {
            // The table is not there at all (42P01).
            self.fail(
                range,
                FailureKind::UndefinedTable {
                    name: table.to_owned(),
                },
            );
            return false;
        };
        // A column an unknown may have added is not missing for sure.
        let Some(missing) = columns
            .iter()
            .find(|c| t.column(c).is_none() && !self.uncertain.column(table, c))
            .cloned()
        else {
            return true;
        };
        self.fail(
            range,
            FailureKind::UndefinedColumn {
                table: table.to_owned(),
                column: missing,
            },
        );
        false
    }

    fn insert_columns(&mut self, table: &str, columns: Option<&[String]>, range: TextRange) {
        if self.uncertain.table(table) {
            return;
        }
        let Some(t) = self.catalog.tables.get(table) else {
            return;
        };
        let Some(given) = columns else { return };
        let missing: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.not_null && !c.has_default && !given.contains(&c.name))
            .map(|c| c.name.clone())
            .collect();
        if missing.is_empty() {
            return;
        }
        self.fail(
            range,
            FailureKind::NotNullViolation {
                table: table.to_owned(),
                columns: missing,
            },
        );
    }

    fn add_value(
        &mut self,
        name: &str,
        label: &str,
        if_not_exists: bool,
        position: Option<&(bool, String)>,
        range: TextRange,
    ) {
        if !self.require_type_name(name, "ALTER TYPE ... ADD VALUE", range) {
            return;
        }
        if self.settings.postgres_version < 12 && !self.autocommit {
            self.fail(
                range,
                FailureKind::AddValueInTransaction {
                    type_name: name.to_owned(),
                },
            );
        }
        if label.len() > MAX_LABEL_BYTES {
            self.fail(
                range,
                FailureKind::LabelTooLong {
                    label: label.to_owned(),
                },
            );
        }
        let tx = self.tx;
        let autocommit = self.autocommit;
        let Some(t) = self.catalog.types.get_mut(name) else {
            return;
        };
        if t.labels.iter().any(|l| l == label) {
            if !if_not_exists {
                let label = label.to_owned();
                self.fail(
                    range,
                    FailureKind::DuplicateLabel {
                        type_name: name.to_owned(),
                        label,
                    },
                );
            }
            return;
        }
        // PostgreSQL looks for the neighbour only once the label is known to be new (an
        // existing label with IF NOT EXISTS is skipped whatever the neighbour).
        match position {
            None => t.labels.push(label.to_owned()),
            Some((before, neighbour)) => match t.labels.iter().position(|l| l == neighbour) {
                Some(i) => t
                    .labels
                    .insert(if *before { i } else { i + 1 }, label.to_owned()),
                None => {
                    let label = neighbour.clone();
                    self.fail(
                        range,
                        FailureKind::UndefinedLabel {
                            type_name: name.to_owned(),
                            label,
                        },
                    );
                    return;
                }
            },
        }
        if !autocommit {
            if self.uncommitted_tx != tx {
                self.uncommitted.clear();
                self.uncommitted_tx = tx;
            }
            self.uncommitted.insert((name.to_owned(), label.to_owned()));
        }
    }

    /// `DO $$ ... $$`: a `CREATE TYPE` guarded by `EXCEPTION WHEN duplicate_object` or by an
    /// `IF NOT EXISTS (SELECT ... pg_type ...)` creates the type only when it is missing; any other
    /// body is not understood.
    fn do_block(&mut self, body: &str, range: TextRange) {
        let lower = body.to_lowercase();
        let Some(start) = lower.find("create type") else {
            return self.taint_with("a DO block", range, Footprint::of_plpgsql(body));
        };
        let end = lower[start..].find(';').map_or(body.len(), |e| start + e);
        let parsed = migdoc_sql::parse(&body[start..end]);
        let guarded = lower.contains("duplicate_object")
            || (lower.contains("not exists") && lower.contains("pg_type"));
        match parsed.statements.first().map(|s| &s.statement) {
            Some(Statement::CreateEnum { name, labels }) if guarded => {
                let name = key(name);
                if !self.catalog.types.contains_key(&name) {
                    self.define_type(&name, Some(labels.clone()), range);
                }
            }
            Some(statement @ Statement::CreateEnum { .. })
                if !lower.contains("exception") && !lower.contains(" if ") =>
            {
                let statement = statement.clone();
                self.statement(&statement, range);
            }
            _ => self.taint_with("a DO block", range, Footprint::of_plpgsql(body)),
        }
    }
}

/// The canonical PostgreSQL name of a type written in SQL (`int4`, `varchar(20)`), if migdoc names it.
fn sql_type_of(type_name: &QualName, is_array: bool) -> Option<String> {
    if is_array
        || type_name
            .schema
            .as_deref()
            .is_some_and(|s| s != "pg_catalog")
    {
        return None;
    }
    let bare = type_name.name.split('(').next().unwrap_or_default();
    migdoc_ir::types::from_sql(bare).map(str::to_owned)
}

/// The catalog after the revisions whose file `include` accepts, applied in upgrade order one
/// revision per run (as a deploy applies them); and whether an operation migdoc does not
/// understand ran.
pub fn catalog_after(
    graph: &Graph,
    ops: &[RevisionOps],
    settings: &Settings,
    include: &dyn Fn(usize) -> bool,
) -> (Catalog, bool) {
    catalog_after_each(graph, ops, settings, include, &mut |_, _| {})
}

/// [`catalog_after`], calling `each(file, catalog)` after every revision it applies.
pub fn catalog_after_each(
    graph: &Graph,
    ops: &[RevisionOps],
    settings: &Settings,
    include: &dyn Fn(usize) -> bool,
    each: &mut dyn FnMut(usize, &Catalog),
) -> (Catalog, bool) {
    let ancestry = Ancestry::new(graph, ops, settings);
    let mut carried = start(settings);
    for file in graph
        .upgrade_order()
        .map(|n| graph.nodes[n].file)
        .filter(|&f| include(f))
    {
        let Some(revision) = ops.get(file) else {
            continue;
        };
        let mut run = Run::new(settings, Mode::StepByStep, Phase::Upgrade, &ancestry);
        run.resume(carried);
        run.revision(file, &revision.upgrade);
        carried = run.carry();
        each(file, &carried.catalog);
    }
    // Doctor writes to databases: any uncertainty at all makes the catalog incomplete.
    (carried.catalog, !carried.uncertain.is_certain())
}
