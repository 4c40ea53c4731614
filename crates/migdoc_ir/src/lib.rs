//! Migration operations: every revision's `upgrade()` and `downgrade()` lowered into one list of
//! [`Op`]s, whether written as `op.*` calls, `sa.Enum` / `postgresql.ENUM` objects and their
//! `.create()` / `.drop()`, or raw SQL in `op.execute`.
//!
//! Invariant: lowering never fails and never guesses. What the evaluator cannot decide becomes
//! [`OpKind::Unknown`]; each op keeps the source range it came from.

mod eval;
mod local_metadata;
pub mod types;

use migdoc_python::TextRange;
use migdoc_python::ast::{Expr, Stmt};
use migdoc_sql::{ParamStyle, ParsedSql};
use serde::{Deserialize, Serialize};

/// An enum type as a SQLAlchemy construct declares it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumSpec {
    /// `None` when the construct has no `name=` (SQLAlchemy then derives one from a Python class).
    pub name: Option<String>,
    /// The labels PostgreSQL gets; `None` when they cannot be evaluated.
    pub labels: Option<Vec<String>>,
    /// `postgresql.ENUM` (always honours `create_type`) rather than `sa.Enum`.
    pub dialect_enum: bool,
    /// The `create_type=` argument, when given.
    pub create_type: Option<bool>,
    /// `native_enum=False`: a VARCHAR with a CHECK constraint, no type.
    pub native: bool,
    /// `metadata=` was given: SQLAlchemy 2.0 then leaves the type to the metadata's own events.
    pub metadata_bound: bool,
    /// `inherit_schema=True`: the type lives in its table's schema.
    pub inherit_schema: bool,
    /// The name as SQLAlchemy's per-run DDL memo knows it, when PostgreSQL cuts `name` (longer
    /// than 63 bytes): two long names that PostgreSQL cuts to one are two types to the memo.
    pub memo_name: Option<String>,
    /// `postgresql.DOMAIN(name, data_type)` (SQLAlchemy 2.0 and later): a named type without
    /// labels, created and memoised the way `postgresql.ENUM` is (its own memo).
    #[serde(default)]
    pub domain: bool,
    /// `native_enum=False, create_constraint=True`: the `VARCHAR` gets a `CHECK` that only the
    /// labels pass.
    #[serde(default)]
    pub create_constraint: bool,
}

impl EnumSpec {
    /// With `inherit_schema=True`, the type takes the schema of the table it is used in.
    pub fn in_table_schema(&mut self, schema: Option<&str>) {
        if let (true, Some(schema), Some(name)) = (
            self.inherit_schema,
            schema.filter(|s| *s != "public"),
            self.name.as_mut(),
        ) && !name.contains('.')
        {
            *name = format!("{schema}.{name}");
        }
    }
}

/// A column as `sa.Column(...)` declares it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    pub name: String,
    /// The type, when it is an enum (directly or as `ARRAY(Enum)`).
    pub enum_type: Option<EnumSpec>,
    pub is_array: bool,
    pub nullable: bool,
    /// The `nullable=` argument as written (a model's `mapped_column` otherwise takes it from the
    /// annotation).
    pub explicit_nullable: Option<bool>,
    pub has_server_default: bool,
    /// A Python-side `default=` / `insert_default=` / `default_factory=`: SQLAlchemy fills the
    /// column on insert (models only; the database knows nothing of it).
    pub has_default: bool,
    /// The server default when it is a plain string (an enum label, say).
    pub server_default: Option<String>,
    /// The column fills itself: the single integer primary key (SQLAlchemy makes it SERIAL),
    /// `Identity()`, `autoincrement=True`.
    pub generated: bool,
    pub primary_key: bool,
    /// An integer type (`sa.Integer`, `sa.BigInteger`, `sa.SmallInteger`).
    pub integer: bool,
    /// The PostgreSQL type, when it is one migdoc names ([`types`]); `None` for enums and others.
    pub sql_type: Option<String>,
    /// A type argument was given (a model's `mapped_column()` without one takes the annotation's).
    pub typed: bool,
    /// `sa.ForeignKey("t.id")` among the column's arguments (not `use_alter=True`, which
    /// `op.create_table` leaves out).
    #[serde(default)]
    pub references: Option<ForeignKeySpec>,
}

/// A foreign key a migration declares: its name when given, its columns, and the table it
/// references (catalog key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKeySpec {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub referenced: String,
    /// The referenced table's columns, when written (`"users.id"`, `REFERENCES users (id)`);
    /// empty when not (the primary key): `DROP COLUMN` of one of them is refused.
    #[serde(default)]
    pub referenced_columns: Vec<String>,
}

/// One SQL string the migration executes, parsed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SqlText {
    pub text: String,
    pub style: ParamStyleTag,
    /// Where the string's first character is in the source, when it is spelled literally.
    pub content_start: Option<u32>,
    pub parsed: ParsedSql,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParamStyleTag {
    Named,
    Pyformat,
}

impl From<ParamStyleTag> for ParamStyle {
    fn from(tag: ParamStyleTag) -> Self {
        match tag {
            ParamStyleTag::Named => ParamStyle::Named,
            ParamStyleTag::Pyformat => ParamStyle::Pyformat,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum OpKind {
    CreateTable {
        table: String,
        columns: Vec<ColumnSpec>,
    },
    DropTable {
        table: String,
    },
    AddColumn {
        table: String,
        column: ColumnSpec,
    },
    DropColumn {
        table: String,
        column: String,
    },
    AlterColumn {
        table: String,
        column: String,
        enum_type: Option<EnumSpec>,
        nullable: Option<bool>,
        /// `server_default="x"` sets a string default.
        server_default: Option<String>,
        /// `type_=` was given (to an enum or to any other type).
        type_changed: bool,
        /// `postgresql_using=` was given.
        using: bool,
        /// The new type's PostgreSQL name, when `type_=` is one migdoc names.
        sql_type: Option<String>,
        /// `new_column_name=`: the column is renamed.
        new_name: Option<String>,
    },
    /// `ENUM(...).create(bind, checkfirst=...)`.
    CreateEnum {
        spec: EnumSpec,
        checkfirst: bool,
    },
    /// `ENUM(...).drop(bind, checkfirst=...)`.
    DropEnum {
        name: String,
        checkfirst: bool,
    },
    /// SQL run through `op.execute` / `conn.execute` / `exec_driver_sql`.
    Sql(SqlText),
    /// `op.bulk_insert(table, rows)`: the keys of each row, and the string values given
    /// (column, value) that an enum column checks against its labels.
    BulkInsert {
        table: String,
        rows: Option<Vec<Vec<String>>>,
        #[serde(default)]
        strings: Vec<(String, String)>,
    },
    /// `with op.get_context().autocommit_block():` starts (true) or ends (false).
    AutocommitBlock {
        enter: bool,
    },
    /// The body of a `try` whose `except` swallows what fails in it starts (true) or ends
    /// (false). The body holds only operations that fail in PostgreSQL, not in Python: inside
    /// the migration's transaction a failure there aborts the transaction, so the statement
    /// after it fails (`current transaction is aborted`) and a run that goes on is one where
    /// the whole body ran. The operations between the two marks are the body's, run as such.
    SwallowingTry {
        enter: bool,
    },
    /// A foreign key on `table`: `sa.ForeignKey` / `sa.ForeignKeyConstraint` in `op.create_table`
    /// or `op.add_column`, `op.create_foreign_key`.
    AddForeignKey {
        table: String,
        key: ForeignKeySpec,
    },
    /// `op.drop_constraint(name, table)`: a foreign key of that name, if it is one (`None`: a
    /// name migdoc cannot evaluate).
    DropConstraint {
        /// `None`: a table migdoc cannot evaluate (any table's).
        table: Option<String>,
        name: Option<String>,
    },
    /// `op.rename_table(from, to)` / `ALTER TABLE ... RENAME TO`: the table keeps its columns.
    RenameTable {
        from: String,
        to: String,
    },
    /// An `op.*` call understood to have no effect on types, tables or columns (indexes, constraints).
    NoCatalogEffect {
        call: String,
    },
    /// An `op.*` call PostgreSQL runs only outside a transaction block
    /// (`create_index(..., postgresql_concurrently=True)`); `what` names its statement.
    NoTransactionBlock {
        what: String,
    },
    /// `op.drop_constraint(None, table)`, which autogenerate writes for a constraint the
    /// database named itself: SQLAlchemy cannot compile `DROP CONSTRAINT` without a name and
    /// raises `CompileError` before any SQL is sent (1.4 to 2.1), so the migration fails there
    /// unless a `try` catches it.
    UnnamedConstraintDrop {
        table: Option<String>,
    },
    /// `conn.execute("...")` with a plain string on SQLAlchemy 2.0 or later, which raises
    /// `ObjectNotExecutableError` before any SQL (1.4 sent the string to the driver). It is
    /// followed by the SQL as the fixed call (`sa.text(...)`) runs it, so that what comes
    /// after is checked against the migration its author meant.
    StringNotExecutable,
    /// An existence test decided at replay time (`SELECT EXISTS (... pg_type ...)`,
    /// `sa.inspect(bind).has_table(...)`): `when_true` runs when the object exists.
    Guard {
        subject: GuardSubject,
        when_true: Vec<Op>,
        when_false: Vec<Op>,
    },
    /// Something the engine does not understand: what it may change is its [`Footprint`], and
    /// rules stay silent on those objects (on everything, when it is unbounded).
    Unknown {
        what: String,
        footprint: Footprint,
    },
}

/// What an operation migdoc cannot fully evaluate may change in the catalog (enum types with
/// their labels, tables with their columns).
///
/// Invariant: a footprint is an over-approximation. Everything the operation can change on a real
/// database is named in `names` or covered by `any_table` / `any_type`; a footprint that is
/// [`Footprint::is_none`] belongs to operations that provably change no type, table or column
/// (data changes, reads).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footprint {
    /// Objects by their catalog key (`name`, or `schema.name` outside `public`): a table, a type,
    /// or both, of that name.
    pub names: Vec<String>,
    /// It may create, change or drop any table (SQL whose target is built at run time).
    pub any_table: bool,
    /// It may create, change or drop any enum type.
    pub any_type: bool,
    /// Tables (by catalog key) that surely exist after it, with columns it may have added,
    /// changed or dropped: a `CREATE TABLE ... AS SELECT`, a column migdoc cannot evaluate.
    pub columns_of: Vec<String>,
    /// Tables (by catalog key) whose existence and set of columns it leaves as they were, but
    /// whose column definitions (types, nullability, defaults) it may have changed: an
    /// `alter_column` that renames nothing, inside a `try` or a branch migdoc cannot decide.
    #[serde(default)]
    pub details_of: Vec<String>,
    /// Single columns, as (table by catalog key, column), that it may have added, changed or
    /// dropped: the table surely exists, and its other columns are as they were (an
    /// `add_column` or `drop_column` inside a `try`).
    #[serde(default)]
    pub columns: Vec<(String, String)>,
    /// Enum types (by catalog key) whose existence it leaves as it was, but whose labels it may
    /// have added or renamed: `ALTER TYPE t ADD VALUE` or `RENAME VALUE` that may not have run.
    #[serde(default)]
    pub labels_of: Vec<String>,
    /// Code migdoc could not read (a function, or SQL, from a module it did not find), given
    /// nothing that names an object: it may create tables and enum types of any name, change
    /// or drop any table, and change the labels of any type. Enum types are dropped and
    /// renamed by name, and it was given none: the types that exist keep existing (the
    /// assumption ARCHITECTURE.md states for code migdoc cannot see).
    #[serde(default)]
    pub unread: bool,
}

impl Footprint {
    /// May change anything.
    pub fn unbounded() -> Self {
        Footprint {
            names: Vec::new(),
            any_table: true,
            any_type: true,
            columns_of: Vec::new(),
            details_of: Vec::new(),
            columns: Vec::new(),
            labels_of: Vec::new(),
            unread: false,
        }
    }

    /// Code migdoc could not read, given no names (see [`Footprint::unread`]).
    pub fn unread_code() -> Self {
        Footprint {
            any_table: true,
            unread: true,
            ..Footprint::default()
        }
    }

    /// Unbounded, or code migdoc could not read: what follows it is not vouched for as a whole.
    pub fn is_wide(&self) -> bool {
        self.is_unbounded() || self.unread
    }

    pub fn is_unbounded(&self) -> bool {
        self.any_table && self.any_type
    }

    /// Changes no type, table or column.
    pub fn is_none(&self) -> bool {
        self.names.is_empty()
            && !self.any_table
            && !self.any_type
            && self.columns_of.is_empty()
            && self.details_of.is_empty()
            && self.columns.is_empty()
            && self.labels_of.is_empty()
            && !self.unread
    }

    pub fn of_names(names: impl IntoIterator<Item = String>) -> Self {
        let mut f = Footprint {
            names: names.into_iter().collect(),
            ..Footprint::default()
        };
        f.names.sort();
        f.names.dedup();
        f
    }

    pub fn union(mut self, other: Footprint) -> Self {
        if self.is_unbounded() || other.is_unbounded() {
            return Footprint::unbounded();
        }
        self.names.extend(other.names);
        self.names.sort();
        self.names.dedup();
        self.any_table |= other.any_table;
        self.any_type |= other.any_type;
        self.unread |= other.unread;
        self.columns_of.extend(other.columns_of);
        self.columns_of.sort();
        self.columns_of.dedup();
        self.details_of.extend(other.details_of);
        self.details_of.sort();
        self.details_of.dedup();
        self.columns.extend(other.columns);
        self.columns.sort();
        self.columns.dedup();
        self.labels_of.extend(other.labels_of);
        self.labels_of.sort();
        self.labels_of.dedup();
        self
    }

    /// The labels of enum type `name`, which surely exists (or surely does not) as it did; a
    /// name built at run time may be any enum type's.
    pub fn of_labels(name: &str) -> Self {
        if name.contains(HOLE) {
            return Footprint {
                any_type: true,
                ..Footprint::default()
            };
        }
        Footprint {
            labels_of: vec![name.to_owned()],
            ..Footprint::default()
        }
    }

    /// Column `column` of `table`, which surely exists; a column whose name migdoc could not
    /// read leaves every column of the table open.
    pub fn of_column(table: &str, column: &str) -> Self {
        if column.is_empty() || column.contains(HOLE) {
            return Footprint::of_columns(table.to_owned());
        }
        Footprint {
            columns: vec![(table.to_owned(), column.to_owned())],
            ..Footprint::default()
        }
    }

    /// The columns of `table`, which surely exists.
    pub fn of_columns(table: String) -> Self {
        Footprint {
            columns_of: vec![table],
            ..Footprint::default()
        }
    }

    /// What these operations may change when it is not known whether (or how often) they run:
    /// a branch migdoc cannot decide, a `try` body, a loop over values it cannot evaluate.
    pub fn of_ops(ops: &[Op]) -> Self {
        ops.iter().fold(Footprint::default(), |acc, op| {
            acc.union(Footprint::of_op(&op.kind))
        })
    }

    fn of_op(kind: &OpKind) -> Self {
        fn enum_names(columns: &[ColumnSpec]) -> impl Iterator<Item = String> + '_ {
            columns
                .iter()
                .filter_map(|c| c.enum_type.as_ref()?.name.clone())
        }
        match kind {
            OpKind::CreateTable { table, columns } => {
                Footprint::of_names(std::iter::once(table.clone()).chain(enum_names(columns)))
            }
            // Adding, dropping or altering a column creates or drops no table: that the table
            // exists (or not) stays as certain as it was.
            OpKind::AddColumn { table, column } => Footprint::of_column(table, &column.name).union(
                Footprint::of_names(enum_names(std::slice::from_ref(column))),
            ),
            OpKind::DropColumn { table, column } => Footprint::of_column(table, column),
            OpKind::DropTable { table } => Footprint::of_names([table.clone()]),
            OpKind::AlterColumn {
                table,
                column,
                enum_type,
                new_name,
                ..
            } => {
                let mut f = Footprint::of_names(enum_type.as_ref().and_then(|e| e.name.clone()));
                if let Some(new_name) = new_name {
                    f = f
                        .union(Footprint::of_column(table, column))
                        .union(Footprint::of_column(table, new_name));
                } else {
                    f.details_of = vec![table.clone()];
                }
                f
            }
            OpKind::CreateEnum { spec, .. } => match &spec.name {
                Some(name) => Footprint::of_names([name.clone()]),
                None => Footprint {
                    any_type: true,
                    ..Footprint::default()
                },
            },
            OpKind::DropEnum { name, .. } => Footprint::of_names([name.clone()]),
            OpKind::Sql(sql) => Footprint::of_sql(&sql.parsed),
            OpKind::RenameTable { from, to } => Footprint::of_names([from.clone(), to.clone()]),
            // Foreign keys are no objects other conclusions rest on: a key an uncertain op may add
            // is not applied (a conclusion missed, never a false one), and one it may drop is
            // forgotten anyway (`Frame::uncertain`).
            OpKind::AddForeignKey { .. } | OpKind::DropConstraint { .. } => Footprint::default(),
            // The migration stops there: nothing after it is known to run.
            OpKind::UnnamedConstraintDrop { .. } => Footprint::unbounded(),
            OpKind::BulkInsert { .. }
            | OpKind::AutocommitBlock { .. }
            | OpKind::SwallowingTry { .. }
            | OpKind::StringNotExecutable
            | OpKind::NoCatalogEffect { .. }
            | OpKind::NoTransactionBlock { .. } => Footprint::default(),
            OpKind::Guard {
                when_true,
                when_false,
                ..
            } => Footprint::of_ops(when_true).union(Footprint::of_ops(when_false)),
            OpKind::Unknown { footprint, .. } => footprint.clone(),
        }
    }

    /// What parsed SQL may change. Names that hold a hole (text built at run time, see
    /// [`HOLE`]) widen to every object of their kind; a `DO` block or SQL that does not parse is
    /// unbounded.
    pub fn of_sql(parsed: &ParsedSql) -> Self {
        use migdoc_sql::Statement as S;
        if !parsed.errors.is_empty() {
            return Footprint::unbounded();
        }
        let table = |n: &migdoc_sql::QualName| {
            if n.to_string().contains(HOLE) {
                Footprint {
                    any_table: true,
                    ..Footprint::default()
                }
            } else {
                Footprint::of_names([n.key()])
            }
        };
        let ty = |n: &migdoc_sql::QualName| {
            if n.to_string().contains(HOLE) {
                Footprint {
                    any_type: true,
                    ..Footprint::default()
                }
            } else {
                Footprint::of_names([n.key()])
            }
        };
        let mut out = Footprint::default();
        for s in &parsed.statements {
            let f = match &s.statement {
                S::CreateEnum { name, .. } | S::CreateTypeOther { name, .. } => ty(name),
                // A label added or renamed creates and drops no type.
                S::AddEnumValue { name, .. } | S::RenameEnumValue { name, .. } => {
                    Footprint::of_labels(&name.key())
                }
                S::RenameType { name, to } => ty(name).union(ty(&migdoc_sql::QualName {
                    schema: name.schema.clone(),
                    name: to.clone(),
                })),
                S::SetTypeSchema { name, schema } => ty(name).union(ty(&migdoc_sql::QualName {
                    schema: Some(schema.clone()),
                    name: name.name.clone(),
                })),
                S::DropType { names, .. } => names
                    .iter()
                    .fold(Footprint::default(), |a, n| a.union(ty(n))),
                S::CreateTable { name, .. } => table(name),
                S::AlterTable { name, actions, .. } => {
                    let mut f = table(name);
                    for a in actions {
                        match a {
                            migdoc_sql::AlterTableAction::RenameTable { to } => {
                                f = f.union(table(&migdoc_sql::QualName {
                                    schema: name.schema.clone(),
                                    name: to.clone(),
                                }));
                            }
                            migdoc_sql::AlterTableAction::SetSchema { schema } => {
                                f = f.union(table(&migdoc_sql::QualName {
                                    schema: Some(schema.clone()),
                                    name: name.name.clone(),
                                }));
                            }
                            // The new type may be any enum: the column's table is what changes.
                            _ => {}
                        }
                    }
                    f
                }
                S::DropTable { names, .. } => names
                    .iter()
                    .fold(Footprint::default(), |a, n| a.union(table(n))),
                S::Insert { .. }
                | S::Update { .. }
                | S::Transaction(_)
                | S::NoTransactionBlock { .. }
                | S::Other { .. } => Footprint::default(),
                S::Do { body } => Footprint::of_plpgsql(body),
                // An empty schema holds nothing migdoc models; `CASCADE` drops whatever it holds.
                S::CreateSchema { .. } => Footprint::default(),
                S::DropSchema { cascade, .. } => {
                    if *cascade {
                        Footprint::unbounded()
                    } else {
                        Footprint::default()
                    }
                }
            };
            out = out.union(f);
        }
        out
    }
}

impl Footprint {
    /// What a PL/pgSQL body (`DO $$ ... $$`) may change, read from its statements' leading
    /// keywords: dynamic SQL (`EXECUTE`) and `DROP SCHEMA` may change anything; `CREATE`,
    /// `ALTER` and `DROP` of a table or a type change that object (any of its kind when the name
    /// is built at run time); constraints, indexes, data and control flow change nothing
    /// migdoc models.
    pub fn of_plpgsql(body: &str) -> Self {
        let lower = body.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| c.is_whitespace() || matches!(c, ';' | '(' | ')' | ','))
            .filter(|w| !w.is_empty())
            .collect();
        let mut out = Footprint::default();
        let name_at = |i: usize| -> Option<String> {
            // Skip `if [not] exists` and `only`.
            let mut j = i;
            while matches!(
                words.get(j).copied(),
                Some("if" | "not" | "exists" | "only")
            ) {
                j += 1;
            }
            let raw = words.get(j)?;
            let name = raw.trim_matches('"');
            let plain = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                && !name.is_empty();
            plain.then(|| name.strip_prefix("public.").unwrap_or(name).to_owned())
        };
        for (i, w) in words.iter().enumerate() {
            match (*w, words.get(i + 1).copied()) {
                ("execute", _) | ("drop", Some("schema" | "owned")) => {
                    return Footprint::unbounded();
                }
                ("create" | "drop", Some("table")) | ("alter", Some("table")) => {
                    // `ALTER TABLE t ADD CONSTRAINT ...`: constraints are not modelled.
                    let action = words.get(i + 3).copied();
                    let constraint_only = *w == "alter"
                        && matches!(action, Some("add" | "drop" | "validate"))
                        && matches!(
                            words.get(i + 4).copied(),
                            Some("constraint" | "primary" | "foreign" | "unique" | "check")
                        );
                    if !constraint_only {
                        out = out.union(match name_at(i + 2) {
                            Some(n) => Footprint::of_names([n]),
                            None => Footprint {
                                any_table: true,
                                ..Footprint::default()
                            },
                        });
                    }
                }
                ("alter", Some("type"))
                    if matches!(
                        (words.get(i + 3).copied(), words.get(i + 4).copied()),
                        (Some("add" | "rename"), Some("value"))
                    ) =>
                {
                    out = out.union(match name_at(i + 2) {
                        Some(n) => Footprint::of_labels(&n),
                        None => Footprint {
                            any_type: true,
                            ..Footprint::default()
                        },
                    });
                }
                ("create" | "alter" | "drop", Some("type" | "domain")) => {
                    out = out.union(match name_at(i + 2) {
                        Some(n) => Footprint::of_names([n]),
                        None => Footprint {
                            any_type: true,
                            ..Footprint::default()
                        },
                    });
                }
                _ => {}
            }
        }
        out
    }

    /// What SQL built at run time may change: [`Footprint::of_sql`] when it parses with its
    /// holes; otherwise, statement by statement, by its leading keywords (a hole where
    /// PostgreSQL wants a row list or an expression does not parse): data statements change
    /// nothing, anything else may change anything.
    pub fn of_holed_sql(text: &str) -> Self {
        let parsed = migdoc_sql::parse(text);
        if parsed.errors.is_empty() {
            return Footprint::of_sql(&parsed);
        }
        // `f'ALTER INDEX {schema}"ix" ...'`: a hole right before a quoted name is its schema
        // prefix (`"public".`, or nothing); read so, the name still holds the hole.
        let quoted = format!("{HOLE}\"");
        if text.contains(&quoted) {
            let parsed = migdoc_sql::parse(&text.replace(&quoted, &format!("{HOLE}.\"")));
            if parsed.errors.is_empty() {
                return Footprint::of_sql(&parsed);
            }
        }
        // `f"CREATE TYPE t AS ENUM ({labels})"`: holes where only a string literal may stand.
        let parsed = migdoc_sql::parse(&text.replace(HOLE, &format!("'{HOLE}'")));
        if parsed.errors.is_empty() {
            return Footprint::of_sql(&parsed);
        }
        let data_only = text
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .all(|statement| {
                let first = statement
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_ascii_uppercase();
                match first.as_str() {
                    "UPDATE" | "INSERT" | "DELETE" | "VALUES" | "WITH" => true,
                    // `SELECT ... INTO t` makes a table.
                    "SELECT" => !statement
                        .split_whitespace()
                        .any(|w| w.eq_ignore_ascii_case("into")),
                    _ => false,
                }
            });
        if data_only {
            Footprint::default()
        } else {
            Footprint::unbounded()
        }
    }
}

/// What stands in SQL text for a part migdoc cannot evaluate (an f-string's `{x}`, a `%s` whose
/// argument is unknown): an identifier PostgreSQL's grammar accepts wherever a name or a literal
/// may stand, so the statement's kind and the names that are known still count.
pub const HOLE: &str = "__migdoc_hole__";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GuardSubject {
    Type(String),
    Table(String),
    /// The enum type has this label (`migdoc.alembic.rename_enum_value` tests it).
    Label {
        type_name: String,
        label: String,
    },
    /// The table has this column (`"c" in [c["name"] for c in inspector.get_columns("t")]`).
    Column {
        table: String,
        column: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Op {
    pub kind: OpKind,
    pub range: TextRange,
}

/// A revision's two directions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RevisionOps {
    pub upgrade: Vec<Op>,
    pub downgrade: Vec<Op>,
    /// `upgrade()` was found (a module without it is not a migration Alembic can run).
    pub has_upgrade: bool,
}

impl RevisionOps {
    pub fn all(&self) -> impl Iterator<Item = &Op> {
        self.upgrade.iter().chain(&self.downgrade)
    }

    /// Every op, counting inside guards (a guard counts as one, plus what it holds).
    pub fn op_count(&self) -> usize {
        fn count(ops: &[Op]) -> usize {
            ops.iter()
                .map(|op| match &op.kind {
                    OpKind::Guard {
                        when_true,
                        when_false,
                        ..
                    } => 1 + count(when_true) + count(when_false),
                    _ => 1,
                })
                .sum()
        }
        count(&self.upgrade) + count(&self.downgrade)
    }

    /// Every unknown op of `ops`, counting inside guards, with its footprint.
    pub fn unknowns(ops: &[Op]) -> Vec<(&Op, &Footprint)> {
        fn walk<'a>(ops: &'a [Op], out: &mut Vec<(&'a Op, &'a Footprint)>) {
            for op in ops {
                match &op.kind {
                    OpKind::Unknown { footprint, .. } => out.push((op, footprint)),
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
        let mut out = Vec::new();
        walk(ops, &mut out);
        out
    }

    /// Unknown ops, counting inside guards.
    pub fn unknown_count(&self) -> usize {
        fn count(ops: &[Op]) -> usize {
            ops.iter()
                .map(|op| match &op.kind {
                    OpKind::Unknown { .. } => 1,
                    OpKind::Guard {
                        when_true,
                        when_false,
                        ..
                    } => count(when_true) + count(when_false),
                    _ => 0,
                })
                .sum()
        }
        count(&self.upgrade) + count(&self.downgrade)
    }
}

/// What lowering needs to know besides the source.
#[derive(Clone, Debug, Default)]
pub struct LowerOptions {
    /// SQLAlchemy 2.0 or later; `None` when unknown. 2.0 refuses a plain string in
    /// `Connection.execute`.
    pub sqlalchemy_2_0: Option<bool>,
    /// SQLAlchemy 2.1 or later; `None` when unknown. On 2.1 `postgresql.dialect` is the psycopg 3
    /// dialect, so `isinstance(bind.dialect, postgresql.dialect)` is false under psycopg2.
    pub sqlalchemy_2_1: Option<bool>,
    /// `alembic.ini`'s `[alembic]` options, which `op.get_context().config.get_main_option(key)`
    /// returns (`None` for a missing key); `None` when there is no configuration (a bare
    /// versions directory), and then the call is unknown.
    pub main_options: Option<std::sync::Arc<std::collections::BTreeMap<String, String>>>,
    /// env.py gives Alembic no `target_metadata`, so no naming convention names a constraint
    /// an operation is given without a name: `op.drop_constraint(None, ...)` surely raises.
    /// `false` when env.py passes one (or is not known): it may name it, or raise.
    pub no_naming_convention: bool,
    /// env.py runs migrations outside a transaction (`isolation_level="AUTOCOMMIT"`,
    /// `transactional_ddl=False`): a failure a `try` swallows leaves the run going, with the
    /// rest of the `try` body not run.
    pub autocommit: bool,
    /// The PostgreSQL major version deployments run: `dialect.server_version_info` starts with
    /// it. `None` when unknown.
    pub postgres_version: Option<u32>,
}

/// The project's own modules a revision may import constants, enum classes and helpers from.
pub type Externals = std::collections::BTreeMap<String, migdoc_python::Module>;

/// Names as PostgreSQL stores them: SQLAlchemy and Alembic send a long name as it is, and
/// PostgreSQL cuts it to 63 bytes (SQL text is cut by `migdoc_sql` as it is read).
fn clip_names(ops: &mut [Op]) {
    use migdoc_sql::truncate_key as clip;
    fn clip_spec(spec: &mut EnumSpec) {
        if let Some(name) = spec.name.as_mut() {
            let clipped = clip(name);
            if clipped != *name {
                spec.memo_name = Some(std::mem::replace(name, clipped));
            }
        }
    }
    fn clip_enum(spec: &mut Option<EnumSpec>) {
        if let Some(spec) = spec.as_mut() {
            clip_spec(spec);
        }
    }
    fn clip_column(c: &mut ColumnSpec) {
        c.name = clip(&c.name);
        clip_enum(&mut c.enum_type);
    }
    for op in ops {
        match &mut op.kind {
            OpKind::CreateTable { table, columns } => {
                *table = clip(table);
                columns.iter_mut().for_each(clip_column);
            }
            OpKind::DropTable { table } => *table = clip(table),
            OpKind::AddColumn { table, column } => {
                *table = clip(table);
                clip_column(column);
            }
            OpKind::DropColumn { table, column } => {
                *table = clip(table);
                *column = clip(column);
            }
            OpKind::AlterColumn {
                table,
                column,
                enum_type,
                new_name,
                ..
            } => {
                *table = clip(table);
                *column = clip(column);
                clip_enum(enum_type);
                if let Some(n) = new_name {
                    *n = clip(n);
                }
            }
            OpKind::CreateEnum { spec, .. } => clip_spec(spec),
            OpKind::DropEnum { name, .. } => *name = clip(name),
            OpKind::BulkInsert {
                table,
                rows,
                strings,
            } => {
                *table = clip(table);
                for row in rows.iter_mut().flatten() {
                    row.iter_mut().for_each(|c| *c = clip(c));
                }
                strings.iter_mut().for_each(|(c, _)| *c = clip(c));
            }
            OpKind::RenameTable { from, to } => {
                *from = clip(from);
                *to = clip(to);
            }
            OpKind::AddForeignKey { table, key } => {
                *table = clip(table);
                key.referenced = clip(&key.referenced);
                key.columns.iter_mut().for_each(|c| *c = clip(c));
                if let Some(n) = key.name.as_mut() {
                    *n = clip(n);
                }
            }
            OpKind::DropConstraint { table, name } => {
                if let Some(t) = table.as_mut() {
                    *t = clip(t);
                }
                if let Some(n) = name.as_mut() {
                    *n = clip(n);
                }
            }
            OpKind::Guard {
                subject,
                when_true,
                when_false,
            } => {
                match subject {
                    GuardSubject::Type(n) | GuardSubject::Table(n) => *n = clip(n),
                    GuardSubject::Label { type_name, .. } => *type_name = clip(type_name),
                    GuardSubject::Column { table, column } => {
                        *table = clip(table);
                        *column = clip(column);
                    }
                }
                clip_names(when_true);
                clip_names(when_false);
            }
            OpKind::Unknown { footprint, .. } => {
                footprint.names.iter_mut().for_each(|n| *n = clip(n))
            }
            OpKind::UnnamedConstraintDrop { table } => {
                if let Some(t) = table {
                    *t = clip(t);
                }
            }
            OpKind::Sql(_)
            | OpKind::StringNotExecutable
            | OpKind::AutocommitBlock { .. }
            | OpKind::SwallowingTry { .. }
            | OpKind::NoCatalogEffect { .. }
            | OpKind::NoTransactionBlock { .. } => {}
        }
    }
}

/// Lowers a revision module's `upgrade()` and `downgrade()`.
pub fn lower_revision(body: &[Stmt], options: LowerOptions, externals: &Externals) -> RevisionOps {
    lower_revision_in(body, options, externals, &EnvCache::default())
}

/// [`lower_revision`], reusing the imported modules `cache` holds (revisions of one project
/// import the same helpers: each is evaluated once per cache, not once per revision).
pub fn lower_revision_in<'a>(
    body: &'a [Stmt],
    options: LowerOptions,
    externals: &'a Externals,
    cache: &EnvCache<'a>,
) -> RevisionOps {
    let module = eval::ModuleScope::with_externals(body, options, externals, &cache.0);
    let mut ops = RevisionOps::default();
    let mut has_downgrade = false;
    for stmt in body {
        if let Stmt::FunctionDef(f) = stmt {
            match f.name.as_str() {
                "upgrade" => {
                    ops.has_upgrade = true;
                    ops.upgrade = module.run_function(f);
                }
                "downgrade" => {
                    has_downgrade = true;
                    ops.downgrade = module.run_function(f);
                }
                _ => {}
            }
        }
    }
    // A revision without `downgrade()`: Alembic's downgrade through it fails
    // (`AttributeError: module ... has no attribute 'downgrade'`), as a `raise` does.
    if ops.has_upgrade && !has_downgrade {
        ops.downgrade.push(Op {
            kind: OpKind::Unknown {
                what: "no `downgrade` function (Alembic raises AttributeError)".to_owned(),
                footprint: Footprint::unbounded(),
            },
            range: TextRange::default(),
        });
    }
    // Statements of the module itself run when Alembic loads the revision, before any
    // migration of the command (`ENUM(...).create(op.get_bind(), checkfirst=True)` at module
    // level, in a `try` for commands without a database). What they do is uncertain from this
    // revision on (read here, not where the load happens); calls the evaluator cannot follow
    // there (`sys.path.append(...)`) are left out, as module code was before.
    let module_level: Vec<Stmt> = body
        .iter()
        .filter(|s| {
            matches!(
                s,
                Stmt::Expr { .. }
                    | Stmt::Try { .. }
                    | Stmt::With { .. }
                    | Stmt::If { .. }
                    | Stmt::For { .. }
            )
        })
        .cloned()
        .collect();
    if ops.has_upgrade && !module_level.is_empty() {
        let run: Vec<Op> = module
            .run_block(&module_level)
            .into_iter()
            .filter(
                |op| !matches!(&op.kind, OpKind::Unknown { footprint, .. } if footprint.is_wide()),
            )
            .collect();
        let footprint = Footprint::of_ops(&run);
        if !footprint.is_none()
            && let Some(first) = run.first()
        {
            let at_load = Op {
                kind: OpKind::Unknown {
                    what: "code at module level, run when Alembic loads the revision".to_owned(),
                    footprint,
                },
                range: first.range,
            };
            ops.upgrade.insert(0, at_load.clone());
            ops.downgrade.insert(0, at_load);
        }
    }
    clip_names(&mut ops.upgrade);
    clip_names(&mut ops.downgrade);
    ops
}

/// A module evaluated for its declarations (models): the same evaluator as migrations use, so
/// that `sa.Enum(PyEnum)` means the same labels in a model and in a migration.
pub struct ModuleEnv<'a> {
    scope: eval::ModuleScope<'a>,
}

/// What an expression in a model module evaluates to, as far as models care.
#[derive(Clone, Debug, PartialEq)]
pub enum Evaluated {
    Column(ColumnSpec),
    Enum(EnumSpec),
    /// A SQLAlchemy type with one PostgreSQL name (see [`types`]).
    SqlType(String),
    /// Some other SQLAlchemy type (`sa.ARRAY(...)`, a `TypeDecorator`): known to be a type.
    OtherType,
    PyEnum(PyEnumClass),
    Str(String),
    Bool(bool),
    Seq(Vec<Evaluated>),
    None,
    Unknown,
}

/// A Python `enum.Enum` class: member names, and their values when all are strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PyEnumClass {
    pub names: Vec<String>,
    pub values: Option<Vec<String>>,
}

/// Modules already evaluated, shared by the [`ModuleEnv`]s of one project.
#[derive(Default)]
pub struct EnvCache<'a>(eval::ScopeCache<'a>);

impl<'a> ModuleEnv<'a> {
    /// `module_name` is the module's dotted name (`app.models`); `is_package` when it is an
    /// `__init__.py`: both resolve relative imports against `externals`. Imported modules are
    /// evaluated once per `cache`.
    pub fn new(
        body: &'a [Stmt],
        options: LowerOptions,
        externals: &'a Externals,
        module_name: &str,
        is_package: bool,
        cache: &EnvCache<'a>,
    ) -> Self {
        ModuleEnv {
            scope: eval::ModuleScope::for_module(
                body,
                options,
                externals,
                module_name,
                is_package,
                &cache.0,
            ),
        }
    }

    pub fn eval(&self, expr: &Expr) -> Evaluated {
        self.scope.eval_expr(expr)
    }

    /// The Python enum class bound to `name` in this module (defined or imported).
    pub fn py_enum(&self, name: &str) -> Option<PyEnumClass> {
        match self.scope.global(name) {
            Evaluated::PyEnum(class) => Some(class),
            _ => None,
        }
    }

    /// What the module binds `name` to.
    pub fn global(&self, name: &str) -> Evaluated {
        self.scope.global(name)
    }
}

#[cfg(test)]
mod tests;
