//! Symbolic replay of a migration history: the IR of every revision applied over the revision
//! graph into a [`Catalog`], with the semantics of Alembic (one transaction per `upgrade` run unless
//! `transaction_per_migration`; `autocommit_block`), SQLAlchemy by version (which constructs emit
//! `CREATE TYPE`; the per-run memo that stops a second `CREATE TYPE` of the same name inside one
//! `alembic upgrade` run) and PostgreSQL by version (`ADD VALUE` and transactions), in the three
//! ways teams deploy: the whole history in one run, one revision per run, and the
//! downgrade→upgrade round trip.
//!
//! Every behaviour modelled here was checked against the real thing: see `tests/scenarios/`.
//!
//! Invariant: an operation the engine does not fully understand has a footprint
//! ([`migdoc_ir::Footprint`]): the objects it may change become *uncertain* ([`Uncertainty`]) for
//! the rest of the run, and no failure that rests on an uncertain object is reported. Only an
//! unbounded footprint silences everything after it.

mod catalog;
mod engine;
pub mod live;

pub use catalog::{Catalog, Column, EnumType, Table};
pub use engine::{catalog_after, catalog_after_each, replay};

use migdoc_python::TextRange;
use serde::Serialize;

/// What decides semantics besides the files.
#[derive(Clone, Debug)]
pub struct Settings {
    pub postgres_version: u32,
    /// Whether SQLAlchemy is 2.1 or later (honours `sa.Enum(create_type=False)` and creates
    /// `metadata=`-bound enums with their table); `None` when unknown.
    pub sqlalchemy_2_1: Option<bool>,
    /// Whether SQLAlchemy is 2.0 or later (a `Table` given two columns of one name raises
    /// `DuplicateColumnError`; 1.4 keeps the last one); `None` when unknown.
    pub sqlalchemy_2_0: Option<bool>,
    /// `context.configure(transaction_per_migration=True)` in env.py.
    pub transaction_per_migration: bool,
    /// The schema the history presupposes, made before its first revision (`None`: an empty
    /// database).
    pub base: Option<std::sync::Arc<Base>>,
}

/// A schema built outside the history before its first revision (`metadata.create_all()` of
/// the application's initial models, then `alembic stamp`): every deploy mode starts from it,
/// and a downgrade to base returns to it. What could not be read of it is uncertain from the
/// start, like what an unknown operation may have changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Base {
    pub catalog: Catalog,
    pub uncertain: Uncertainty,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Mode {
    /// `alembic upgrade head` on an empty database, one process.
    OneRun,
    /// `alembic upgrade <rev>` for each revision, one process each.
    StepByStep,
    /// `upgrade head`, `downgrade base`, `upgrade head`.
    RoundTrip,
    /// `alembic upgrade heads` on an empty database: several independent histories (bases no
    /// revision ties together) applied to one database in one run. Only the first failure that
    /// none of them gives on a database of its own is kept: what sharing the database causes.
    Heads,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Phase {
    Upgrade,
    Downgrade,
}

/// An operation PostgreSQL (or Alembic) will refuse, with the SQLSTATE it gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum FailureKind {
    /// 42710 `type "x" already exists`.
    DuplicateType { name: String, via: &'static str },
    /// 42704 `type "x" does not exist`. `other_branch`: created by a revision that is not an ancestor.
    UndefinedType {
        name: String,
        via: &'static str,
        other_branch: Option<usize>,
    },
    /// 42809 `"x" is not a domain`: a statement for one kind of type names another.
    WrongTypeKind {
        name: String,
        expected: &'static str,
    },
    /// 42710 `enum label "x" already exists`.
    DuplicateLabel { type_name: String, label: String },
    /// 55P04 `unsafe use of new value "x" of enum type y`.
    UnsafeNewValue { type_name: String, label: String },
    /// 25001 `ALTER TYPE ... ADD cannot run inside a transaction block` (PostgreSQL < 12).
    AddValueInTransaction { type_name: String },
    /// 22P02 `invalid input value for enum x: "y"`.
    InvalidEnumLiteral {
        type_name: String,
        label: String,
        labels: Vec<String>,
    },
    /// 23514: a value the `CHECK` of a non-native enum column does not allow.
    CheckViolation {
        table: String,
        column: String,
        value: String,
        allowed: Vec<String>,
    },
    /// 23502 null value in a NOT NULL column.
    NotNullViolation { table: String, columns: Vec<String> },
    /// 2BP01 `cannot drop type x because other objects depend on it`.
    DependentObjects {
        type_name: String,
        users: Vec<(String, String)>,
    },
    /// 2BP01 `cannot drop table x because other objects depend on it`: a foreign key of
    /// another table references it.
    ReferencedTable { table: String, users: Vec<String> },
    /// 2BP01: `DROP COLUMN` (without `CASCADE`) of a column another table's foreign key
    /// references.
    ReferencedColumn {
        table: String,
        column: String,
        users: Vec<String>,
    },
    /// 2BP01 `cannot drop schema s because other objects depend on it`: `DROP SCHEMA` without
    /// `CASCADE` of a schema that holds these tables or types.
    SchemaNotEmpty {
        schema: String,
        objects: Vec<String>,
    },
    /// 42602 `invalid enum label "..."`: longer than 63 bytes.
    LabelTooLong { label: String },
    /// 42P01 relation does not exist.
    UndefinedTable { name: String },
    /// 42P07 relation already exists.
    DuplicateTable { name: String },
    /// 22023 `"x" is not an existing enum label` (RENAME VALUE).
    UndefinedLabel { type_name: String, label: String },
    /// 42703 column does not exist.
    UndefinedColumn { table: String, column: String },
    /// 42701 `column "x" of relation "t" already exists` (an add without `IF NOT EXISTS`).
    DuplicateColumn { table: String, column: String },
    /// A table definition names a column twice: SQLAlchemy 2.0 and later raise
    /// `DuplicateColumnError` in Python, before any SQL.
    ColumnTwice { table: String, column: String },
    /// `op.drop_constraint(None, ...)`: SQLAlchemy raises `CompileError` (a constraint without a
    /// name cannot be dropped) before any SQL.
    UnnamedConstraintDrop { table: Option<String> },
    /// `conn.execute("...")` with a plain string: SQLAlchemy 2.0 and later raise
    /// `ObjectNotExecutableError` before any SQL.
    StringNotExecutable,
    /// 42804 `column "x" cannot be cast automatically to type y` (no `postgresql_using`).
    CannotCast {
        table: String,
        column: String,
        type_name: String,
    },
    /// 25001 `CREATE INDEX CONCURRENTLY cannot run inside a transaction block` (and the other
    /// statements PostgreSQL runs only outside one).
    NotInTransactionBlock { what: String },
}

impl FailureKind {
    pub fn sqlstate(&self) -> &'static str {
        match self {
            FailureKind::DuplicateType { .. } | FailureKind::DuplicateLabel { .. } => "42710",
            FailureKind::UndefinedType { .. } => "42704",
            FailureKind::WrongTypeKind { .. } => "42809",
            FailureKind::UnsafeNewValue { .. } => "55P04",
            FailureKind::AddValueInTransaction { .. }
            | FailureKind::NotInTransactionBlock { .. } => "25001",
            FailureKind::InvalidEnumLiteral { .. } => "22P02",
            FailureKind::NotNullViolation { .. } => "23502",
            FailureKind::CheckViolation { .. } => "23514",
            FailureKind::DependentObjects { .. }
            | FailureKind::ReferencedTable { .. }
            | FailureKind::ReferencedColumn { .. }
            | FailureKind::SchemaNotEmpty { .. } => "2BP01",
            FailureKind::LabelTooLong { .. } => "42602",
            FailureKind::UndefinedTable { .. } => "42P01",
            FailureKind::DuplicateTable { .. } => "42P07",
            FailureKind::UndefinedLabel { .. } => "22023",
            FailureKind::UndefinedColumn { .. } => "42703",
            FailureKind::DuplicateColumn { .. } => "42701",
            FailureKind::ColumnTwice { .. }
            | FailureKind::UnnamedConstraintDrop { .. }
            | FailureKind::StringNotExecutable => "",
            FailureKind::CannotCast { .. } => "42804",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The revision (file index) whose migration fails.
    pub file: usize,
    pub range: TextRange,
    pub kind: FailureKind,
    pub mode: Mode,
    pub phase: Phase,
    /// It happens inside a `try` whose `except` swallows it: PostgreSQL has aborted the
    /// transaction, and the statement after it fails (`current transaction is aborted`).
    pub swallowed: bool,
}

/// Risky or surprising behaviour that does not fail by itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum NoteKind {
    /// `DROP TYPE ... CASCADE` silently drops these columns.
    DropTypeCascade {
        name: String,
        columns: Vec<(String, String)>,
        /// `DROP TYPE` or `DROP DOMAIN`.
        via: &'static str,
    },
    /// `sa.Enum(..., create_type=False)` on SQLAlchemy < 2.1: the flag is ignored.
    CreateTypeIgnored { name: String },
    /// Two labels of one type differ only by case.
    LabelsDifferByCase {
        type_name: String,
        a: String,
        b: String,
    },
    /// The outcome depends on the SQLAlchemy version, which is unknown.
    SqlalchemyVersionMatters,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    pub file: usize,
    pub range: TextRange,
    pub kind: NoteKind,
}

#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub failures: Vec<Failure>,
    pub notes: Vec<Note>,
    /// The catalog after `upgrade head` in one run.
    pub head: Catalog,
    /// What operations migdoc does not understand may have changed: those objects of `head`
    /// prove nothing.
    pub uncertain: Uncertainty,
    /// What the replay itself could not decide, in the one-run upgrade.
    pub undecided: Vec<Undecided>,
    /// The history changes a table that none of its revisions creates: it starts on a database
    /// that already has tables (made by `metadata.create_all()` or by hand), so a table missing
    /// from `head` may be one of those.
    pub predates: bool,
}

/// A construct the replay could not decide (an enum without a name, a `DO` block it does not
/// follow), with the footprint it gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undecided {
    pub file: usize,
    pub range: TextRange,
    pub what: &'static str,
    pub footprint: migdoc_ir::Footprint,
}

/// The objects of a replayed catalog that operations migdoc could not evaluate may have
/// changed. Sticky: once uncertain, an object stays so for the rest of the run, until an
/// operation migdoc follows defines it anew, whole (`CREATE TYPE x AS ENUM (...)`, a `CREATE
/// TABLE` of every column, a `DROP`): what it is from then on rests on that operation alone.
/// Should the unknown have made it already, that operation fails in PostgreSQL and nothing after
/// it runs; either way a conclusion drawn after it holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Uncertainty {
    /// Anything may have changed.
    pub unbounded: bool,
    pub any_table: bool,
    pub any_type: bool,
    /// Code migdoc could not read ran ([`migdoc_ir::Footprint::unread`]): it may have ended the
    /// transaction, and the enum types it found kept existing (`any_type` and the types'
    /// `labels` say the rest).
    pub unread: bool,
    /// Tables and types (by catalog key) that may have changed.
    pub names: std::collections::BTreeSet<String>,
    /// Enum types that exist, with labels migdoc does not know.
    pub labels: std::collections::BTreeSet<String>,
    /// Tables that surely exist, with columns migdoc does not know (`CREATE TABLE ... AS
    /// SELECT`, `LIKE`, `INHERITS`): what rests on their existence holds, what rests on their
    /// columns does not.
    pub columns: std::collections::BTreeSet<String>,
    /// Tables that surely exist with the columns migdoc knows, whose column definitions
    /// (types, nullability, defaults) may differ from the replay's (an `alter_column` inside a
    /// `try`): what rests on which columns exist holds, what rests on their definitions does not.
    pub details: std::collections::BTreeSet<String>,
    /// Single columns of tables that surely exist, by table: they may have been added, changed
    /// or dropped (an `add_column` inside a `try`); the table's other columns are as replayed.
    pub some_columns: std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
    /// Tables and types defined anew since what made them uncertain (see above).
    certain_tables: std::collections::BTreeSet<String>,
    certain_types: std::collections::BTreeSet<String>,
}

impl Uncertainty {
    /// [`Self::absorb`], over a catalog holding the enum types `types`: code migdoc could not
    /// read leaves each of them existing (as certainly as before), with labels it may have
    /// changed, and may have made any other.
    pub fn absorb_over<'t>(
        &mut self,
        footprint: &migdoc_ir::Footprint,
        types: impl IntoIterator<Item = &'t String>,
    ) {
        if !footprint.unread || footprint.is_unbounded() {
            self.absorb(footprint);
            return;
        }
        let types: Vec<&String> = types.into_iter().collect();
        let kept: Vec<String> = types
            .iter()
            .filter(|t| !self.type_exists(t) && !footprint.names.contains(t))
            .map(|t| (*t).clone())
            .collect();
        self.absorb(footprint);
        self.unread = true;
        self.any_type = true;
        self.certain_types.clear();
        self.certain_types.extend(kept);
        self.labels.extend(types.into_iter().cloned());
    }

    pub fn absorb(&mut self, footprint: &migdoc_ir::Footprint) {
        if footprint.is_unbounded() {
            self.certain_tables.clear();
            self.certain_types.clear();
        }
        if footprint.any_table {
            self.certain_tables.clear();
        }
        if footprint.any_type {
            self.certain_types.clear();
        }
        for name in &footprint.names {
            self.certain_tables.remove(name);
            self.certain_types.remove(name);
        }
        self.unbounded |= footprint.is_unbounded();
        self.any_table |= footprint.any_table;
        self.any_type |= footprint.any_type;
        self.names.extend(footprint.names.iter().cloned());
        self.columns.extend(footprint.columns_of.iter().cloned());
        self.details.extend(footprint.details_of.iter().cloned());
        self.labels.extend(footprint.labels_of.iter().cloned());
        for (table, column) in &footprint.columns {
            self.some_columns
                .entry(table.clone())
                .or_default()
                .insert(column.clone());
        }
    }

    /// Table `name` was defined anew, whole (or dropped), by an operation migdoc followed.
    pub fn recertify_table(&mut self, name: &str) {
        if self.table_exists(name) {
            self.certain_tables.insert(name.to_owned());
        }
        self.columns.remove(name);
        self.details.remove(name);
        self.some_columns.remove(name);
    }

    /// Table `name` surely exists, with columns migdoc does not know.
    pub fn open_columns(&mut self, name: &str) {
        self.columns.insert(name.to_owned());
    }

    /// Table `from` is now `to`: what is uncertain about it goes with it.
    pub fn move_table(&mut self, from: &str, to: &str) {
        if self.table_exists(from) {
            self.absorb(&migdoc_ir::Footprint::of_names([to.to_owned()]));
        }
        if self.columns.remove(from) {
            self.columns.insert(to.to_owned());
        }
        if self.details.remove(from) {
            self.details.insert(to.to_owned());
        }
        if let Some(columns) = self.some_columns.remove(from) {
            self.some_columns.insert(to.to_owned(), columns);
        }
    }

    /// Type `name` was defined anew (or dropped) by an operation migdoc followed; its labels
    /// with it when `labels_known`.
    pub fn recertify_type(&mut self, name: &str, labels_known: bool) {
        if self.type_exists(name) {
            self.certain_types.insert(name.to_owned());
        }
        if labels_known {
            self.labels.remove(name);
        } else {
            self.labels.insert(name.to_owned());
        }
    }

    /// Nothing is uncertain: the replayed catalog is what the database will have.
    pub fn is_certain(&self) -> bool {
        !self.unbounded
            && !self.unread
            && !self.any_table
            && !self.any_type
            && self.names.is_empty()
            && self.labels.is_empty()
            && self.columns.is_empty()
            && self.details.is_empty()
            && self.some_columns.is_empty()
    }

    /// Whether table `name` may differ from the replay's: whether it exists, or which columns
    /// it has.
    pub fn table(&self, name: &str) -> bool {
        self.table_exists(name) || self.columns.contains(name)
    }

    /// Whether table `name` may differ from the replay's in any way: whether it exists, which
    /// columns it has, or how they are defined.
    pub fn table_definition(&self, name: &str) -> bool {
        self.table(name) || self.details.contains(name) || self.some_columns.contains_key(name)
    }

    /// Whether column `column` of table `table` may exist where the replay says it does not,
    /// or the reverse.
    pub fn column(&self, table: &str, column: &str) -> bool {
        self.table(table)
            || self
                .some_columns
                .get(table)
                .is_some_and(|c| c.contains(column))
    }

    /// Whether column `column` of table `table` may differ from the replay's in any way:
    /// whether it exists, or how it is defined.
    pub fn column_definition(&self, table: &str, column: &str) -> bool {
        self.column(table, column) || self.details.contains(table)
    }

    /// Whether table `name` may exist where the replay says it does not, or the reverse.
    pub fn table_exists(&self, name: &str) -> bool {
        (self.unbounded || self.any_table || self.names.contains(name))
            && !self.certain_tables.contains(name)
    }

    pub fn type_exists(&self, name: &str) -> bool {
        (self.unbounded || self.any_type || self.names.contains(name))
            && !self.certain_types.contains(name)
    }

    /// Whether the labels of type `name` may differ from the replay's.
    pub fn type_labels(&self, name: &str) -> bool {
        self.type_exists(name) || self.labels.contains(name)
    }

    /// Whether `kind` rests on something uncertain.
    pub fn covers(&self, kind: &FailureKind) -> bool {
        match kind {
            FailureKind::DuplicateType { name, .. }
            | FailureKind::UndefinedType { name, .. }
            | FailureKind::WrongTypeKind { name, .. } => self.type_exists(name),
            FailureKind::DuplicateLabel { type_name, .. }
            | FailureKind::InvalidEnumLiteral { type_name, .. }
            | FailureKind::UndefinedLabel { type_name, .. } => self.type_labels(type_name),
            // These rest on the transaction too, which an unbounded unknown may have ended.
            FailureKind::UnsafeNewValue { type_name, .. }
            | FailureKind::AddValueInTransaction { type_name } => {
                self.unbounded || self.unread || self.type_labels(type_name)
            }
            FailureKind::NotNullViolation { table, .. }
            | FailureKind::CheckViolation { table, .. } => self.table_definition(table),
            FailureKind::UndefinedColumn { table, column }
            | FailureKind::DuplicateColumn { table, column } => self.column(table, column),
            FailureKind::UndefinedTable { name } | FailureKind::DuplicateTable { name } => {
                self.table_exists(name)
            }
            FailureKind::DependentObjects { type_name, users } => {
                self.type_exists(type_name) || users.iter().any(|(t, _)| self.table_definition(t))
            }
            FailureKind::ReferencedTable { table, users }
            | FailureKind::ReferencedColumn { table, users, .. } => {
                self.table_definition(table) || users.iter().any(|t| self.table_definition(t))
            }
            FailureKind::SchemaNotEmpty { objects, .. } => objects
                .iter()
                .any(|o| self.table_definition(o) || self.type_exists(o)),
            FailureKind::CannotCast {
                table, type_name, ..
            } => self.table_definition(table) || self.type_labels(type_name),
            // Nothing in the catalog: only an unbounded unknown (which may end the transaction)
            // covers it, as for `ADD VALUE`'s transaction.
            FailureKind::LabelTooLong { .. } | FailureKind::NotInTransactionBlock { .. } => {
                self.unbounded || self.unread
            }
            // The definition (the call) alone decides it.
            FailureKind::ColumnTwice { .. }
            | FailureKind::UnnamedConstraintDrop { .. }
            | FailureKind::StringNotExecutable => false,
        }
    }
}
