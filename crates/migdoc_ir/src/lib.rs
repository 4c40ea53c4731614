//! Migration operations: every revision's `upgrade()` and `downgrade()` lowered into one list of
//! [`Op`]s, whether written as `op.*` calls, `sa.Enum` / `postgresql.ENUM` objects and their
//! `.create()` / `.drop()`, or raw SQL in `op.execute`.
//!
//! Invariant: lowering never fails and never guesses. What the evaluator cannot decide becomes
//! [`OpKind::Unknown`]; each op keeps the source range it came from.

mod eval;
pub mod types;

use migdoc_python::ast::{Expr, Stmt};
use migdoc_python::TextRange;
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
}

impl EnumSpec {
    /// With `inherit_schema=True`, the type takes the schema of the table it is used in.
    pub fn in_table_schema(&mut self, schema: Option<&str>) {
        if let (true, Some(schema), Some(name)) = (self.inherit_schema, schema.filter(|s| *s != "public"), self.name.as_mut()) {
            if !name.contains('.') {
                *name = format!("{schema}.{name}");
            }
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
    CreateTable { table: String, columns: Vec<ColumnSpec> },
    DropTable { table: String },
    AddColumn { table: String, column: ColumnSpec },
    DropColumn { table: String, column: String },
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
    CreateEnum { spec: EnumSpec, checkfirst: bool },
    /// `ENUM(...).drop(bind, checkfirst=...)`.
    DropEnum { name: String, checkfirst: bool },
    /// SQL run through `op.execute` / `conn.execute` / `exec_driver_sql`.
    Sql(SqlText),
    /// `op.bulk_insert(table, rows)`: the keys of each row.
    BulkInsert { table: String, rows: Option<Vec<Vec<String>>> },
    /// `with op.get_context().autocommit_block():` starts (true) or ends (false).
    AutocommitBlock { enter: bool },
    /// An `op.*` call understood to have no effect on types, tables or columns (indexes, constraints).
    NoCatalogEffect { call: String },
    /// An existence test decided at replay time (`SELECT EXISTS (... pg_type ...)`,
    /// `sa.inspect(bind).has_table(...)`): `when_true` runs when the object exists.
    Guard { subject: GuardSubject, when_true: Vec<Op>, when_false: Vec<Op> },
    /// Something the engine does not understand; rules stay silent on it.
    Unknown { what: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GuardSubject {
    Type(String),
    Table(String),
    /// The enum type has this label (`migdoc.alembic.rename_enum_value` tests it).
    Label { type_name: String, label: String },
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
                    OpKind::Guard { when_true, when_false, .. } => 1 + count(when_true) + count(when_false),
                    _ => 1,
                })
                .sum()
        }
        count(&self.upgrade) + count(&self.downgrade)
    }

    /// Unknown ops, counting inside guards.
    pub fn unknown_count(&self) -> usize {
        fn count(ops: &[Op]) -> usize {
            ops.iter()
                .map(|op| match &op.kind {
                    OpKind::Unknown { .. } => 1,
                    OpKind::Guard { when_true, when_false, .. } => count(when_true) + count(when_false),
                    _ => 0,
                })
                .sum()
        }
        count(&self.upgrade) + count(&self.downgrade)
    }
}

/// What lowering needs to know besides the source.
#[derive(Clone, Copy, Debug, Default)]
pub struct LowerOptions {
    /// SQLAlchemy 2.1 or later; `None` when unknown. On 2.1 `postgresql.dialect` is the psycopg 3
    /// dialect, so `isinstance(bind.dialect, postgresql.dialect)` is false under psycopg2.
    pub sqlalchemy_2_1: Option<bool>,
}

/// The project's own modules a revision may import constants, enum classes and helpers from.
pub type Externals = std::collections::BTreeMap<String, migdoc_python::Module>;

/// Lowers a revision module's `upgrade()` and `downgrade()`.
pub fn lower_revision(body: &[Stmt], options: LowerOptions, externals: &Externals) -> RevisionOps {
    let module = eval::ModuleScope::with_externals(body, options, externals);
    let mut ops = RevisionOps::default();
    for stmt in body {
        if let Stmt::FunctionDef(f) = stmt {
            match f.name.as_str() {
                "upgrade" => {
                    ops.has_upgrade = true;
                    ops.upgrade = module.run_function(f);
                }
                "downgrade" => ops.downgrade = module.run_function(f),
                _ => {}
            }
        }
    }
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
    pub fn new(body: &'a [Stmt], options: LowerOptions, externals: &'a Externals, module_name: &str, is_package: bool, cache: &EnvCache<'a>) -> Self {
        ModuleEnv { scope: eval::ModuleScope::for_module(body, options, externals, module_name, is_package, &cache.0) }
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
