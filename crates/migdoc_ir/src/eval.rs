//! A small evaluator for the Python that migrations are written in: constants (module and
//! function level), f-strings, `%`, `.format`, `+`, lists and tuples, `for` over known sequences,
//! `if` on dialect checks, helper functions of the same file, and the SQLAlchemy / Alembic objects
//! (`op`, `sa.Enum`, `postgresql.ENUM`, `sa.Column`, `sa.text`, the bind and its dialect).
//! PostgreSQL is the dialect: a check for it is true, a check for another dialect is false.

// Scopes are built once per revision and hit for every name: FxHash, not SipHash.
use rustc_hash::FxHashMap as HashMap;

use migdoc_python::TextRange;
use migdoc_python::ast::{
    BinOp, BoolOp, CmpOp, Expr, FStringPart, FunctionDef, Generator, Keyword, Stmt, UnaryOp,
};

use crate::{
    ColumnSpec, EnumSpec, Footprint, GuardSubject, HOLE, LowerOptions, Op, OpKind, ParamStyleTag,
    SqlText,
};

/// The largest string or list `*` builds (characters or items): more is an unknown.
/// The most texts an f-string is followed as (one per choice of its values).
const MAX_FSTRING_TEXTS: usize = 16;

const MAX_REPEAT: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq)]
enum Value {
    Str(String, Option<u32>),
    Int(i64),
    Bool(bool),
    None,
    Seq(Vec<Value>),
    /// An imported module or name, by its full dotted path (`sqlalchemy.Enum`, `alembic.op`).
    Path(String),
    Bind,
    Context,
    /// `op.get_context().config`: Alembic's `Config`, read through `get_main_option`.
    AlembicConfig,
    Dialect,
    Enum(EnumSpec),
    Column(ColumnSpec),
    /// Any other SQLAlchemy type; `array_of` when it is `ARRAY(Enum)`.
    Type {
        array_of: Option<EnumSpec>,
    },
    /// A call of another SQLAlchemy type or construct, by path (`sqlalchemy.Integer`).
    TypeNamed,
    /// A SQLAlchemy type with one PostgreSQL spelling (`sa.String(20)` → `varchar`).
    SqlType(&'static str),
    Text(String, Option<u32>),
    Function(usize),
    /// A function defined inside `upgrade()` or another function.
    Closure(std::rc::Rc<FunctionDef>),
    /// `op.batch_alter_table(table)`: its methods are `op`'s with the table given.
    Batch(String),
    /// A Python `enum.Enum` class: member names and values (values `None` when not strings).
    PyEnum {
        names: Vec<String>,
        values: Option<Vec<String>>,
    },
    /// The result of an existence query, or a test on it.
    Exists(GuardSubject, bool),
    /// A query on the catalog before `.scalar()` / `.fetchone()` / `.first()`.
    ExistsQuery(GuardSubject),
    /// `sa.inspect(bind)`.
    Inspector,
    /// `sa.PrimaryKeyConstraint("a", "b")`.
    PrimaryKey(Vec<String>),
    /// `sa.Identity()`.
    Identity,
    /// `sa.ForeignKey(...)` / `sa.ForeignKeyConstraint(...)`: `None` when migdoc cannot tell the
    /// referenced table, or it is `use_alter=True`.
    ForeignKey(Option<crate::ForeignKeySpec>),
    /// Text built at run time from parts migdoc cannot evaluate: the known parts, with
    /// [`crate::HOLE`] where the unknown ones stand.
    Holed(String),
    /// `sa.Table(name, metadata, *columns)`: data, but `.create()` / `.drop()` change the
    /// table and the enum types its columns name (`None`: a column's type has no name).
    TableObj {
        name: Option<String>,
        enum_types: Option<Vec<String>>,
        /// `sa.Table(name, metadata, *columns)` whose every argument migdoc read: its columns,
        /// so that `.create(bind)` is the DDL it emits.
        columns: Option<Vec<ColumnSpec>>,
        /// A declarative model whose columns migdoc read only in part (a mixin from another
        /// module, a `declared_attr`): `.create(bind)` creates `columns` and more.
        open_columns: bool,
    },
    /// One of these values, by a branch migdoc could not decide (SQL texts, queries).
    OneOf(Vec<Value>),
    /// A `sa.MetaData()` that [`crate::local_metadata`] lets migdoc follow: the tables
    /// registered on it so far ([`Value::TableObj`]), in order; `duplicate` when one name was
    /// registered twice (SQLAlchemy raises).
    MetaData {
        tables: Vec<Value>,
        duplicate: bool,
    },
    /// A dict literal: its keys and values.
    Dict(Vec<(Value, Value)>),
    /// A value from Python's standard library (`json.dumps(...)`, `bisect.insort(...)`): not an
    /// operation, but nothing migdoc can read either.
    Opaque,
    /// Data and its queries: an ORM `Session`, SQLAlchemy Core constructs (`sa.table`,
    /// `sa.select`, `t.update().values(...)`), result rows. Nothing reached through it changes a
    /// type, a table or a column.
    Data,
    /// `inspector.get_table_names()`: tested with `in`, an existence guard.
    TableNames,
    /// The names of table `.0`'s columns (`[c["name"] for c in inspector.get_columns(t)]`, a
    /// set, or a dict keyed by them): tested with `in`, a column's existence guard; otherwise
    /// data read from the catalog.
    ColumnNames(String),
    /// `string.Template(text)`: `.substitute(...)` fills it in.
    Template(String),
    /// What a call migdoc cannot follow returned (`Pvm("Chart", "can_read")`,
    /// `cached_app(config=...).appbuilder`): unknown, but made only from these names, its
    /// receiver's and its arguments' strings. A helper given it touches at most those names.
    Named(Vec<String>),
    /// A SQLAlchemy DDL construct for objects migdoc does not model (`DropSequence`,
    /// `CreateIndex`, `AddConstraint`, ...): executing it changes no type, table or column.
    SideDdl,
    /// A setting of the project's own that env.py passes to `context.configure()`, read as
    /// `op.get_context().opts[...]` (not one of Alembic's own keys), or what code migdoc could
    /// not read builds from such settings: a profile, a path, a flag. migdoc takes it to name
    /// no enum type; it may name a table (ARCHITECTURE.md).
    Setting,
    Unknown,
}

impl Value {
    fn truthy(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            Value::Str(s, _) => Some(!s.is_empty()),
            Value::None => Some(false),
            Value::Seq(v) => Some(!v.is_empty()),
            Value::Dict(items) => Some(!items.is_empty()),
            // One of several texts: what they all agree on.
            Value::OneOf(vs) => {
                let first = vs.first()?.truthy()?;
                vs.iter()
                    .all(|v| v.truthy() == Some(first))
                    .then_some(first)
            }
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s, _) => Some(s),
            _ => None,
        }
    }

    /// A list or tuple of strings (`["a", "b"]`).
    fn strings(&self) -> Option<Vec<String>> {
        match self {
            Value::Seq(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => None,
        }
    }
}

/// Imported modules already evaluated, by name.
/// Imported modules already evaluated, by dotted name and the depth they were linked at (a
/// module's scope depends on nothing else, so sharing it between revisions changes no result).
pub(crate) type ScopeCache<'a> =
    std::cell::RefCell<HashMap<(String, u32), std::rc::Rc<ModuleScope<'a>>>>;

pub(crate) struct ModuleScope<'a> {
    globals: HashMap<String, Value>,
    functions: Vec<&'a FunctionDef>,
    /// For each of `functions`, the module it was defined in when it was imported: it runs
    /// there (its own constants and helpers), and its operations are shown at the call.
    homes: Vec<Option<std::rc::Rc<ModuleScope<'a>>>>,
    options: LowerOptions,
}

/// The names the argument values give (a table or type name, a model's table, an enum's type),
/// and whether any of them is data; `None` when one cannot be evaluated.
fn names_and_data(values: &[Value]) -> Option<(Vec<String>, bool)> {
    fn collect(v: &Value, names: &mut Vec<String>) -> bool {
        match v {
            Value::Str(s, _) | Value::Text(s, _) => {
                names.push(s.clone());
                true
            }
            Value::Seq(items) => items.iter().all(|i| collect(i, names)),
            Value::Dict(items) => items
                .iter()
                .all(|(k, v)| collect(k, names) && collect(v, names)),
            Value::Enum(spec) => {
                names.extend(spec.name.clone());
                true
            }
            Value::Column(c) => {
                names.extend(c.enum_type.as_ref().and_then(|e| e.name.clone()));
                true
            }
            Value::Named(more) => {
                names.extend(more.iter().cloned());
                true
            }
            // A model class: its table.
            Value::TableObj { name, .. } => {
                names.extend(name.iter().cloned());
                true
            }
            Value::OneOf(items) => items.iter().all(|i| collect(i, names)),
            // Taken to name no enum type; the caller widens to any table.
            Value::Setting => true,
            // A message (`f"Couldn't transfer attribute {a.id}"`): names no object.
            Value::Holed(text) if is_message(text) => true,
            Value::Unknown
            | Value::Opaque
            | Value::Holed(_)
            | Value::Function(_)
            | Value::Closure(_)
            | Value::Batch(_) => false,
            _ => true,
        }
    }
    let mut names = Vec::new();
    let mut known = true;
    for v in values {
        known &= collect(v, &mut names);
    }
    let data = values
        .iter()
        .any(|v| matches!(v, Value::Data | Value::ColumnNames(_)));
    known.then_some((names, data))
}

/// What a `raise` is shown as among the operations migdoc could not evaluate.
const RAISE: &str = "raise";

/// A `raise`, or a call that always raises ([`OpKind::UnnamedConstraintDrop`]).
fn is_raise(op: &Op) -> bool {
    match &op.kind {
        OpKind::Unknown { what, .. } => what == RAISE,
        OpKind::UnnamedConstraintDrop { .. } => true,
        _ => false,
    }
}

/// Whether these operations fail, when they fail, in PostgreSQL and not in Python: operations
/// migdoc understands, which send their SQL inside the migration's transaction.
fn database_only(ops: &[Op]) -> bool {
    !ops.is_empty()
        && ops.iter().all(|op| match &op.kind {
            OpKind::Guard {
                when_true,
                when_false,
                ..
            } => {
                (when_true.is_empty() || database_only(when_true))
                    && (when_false.is_empty() || database_only(when_false))
            }
            OpKind::Unknown { .. }
            | OpKind::UnnamedConstraintDrop { .. }
            | OpKind::StringNotExecutable
            | OpKind::AutocommitBlock { .. }
            | OpKind::NoTransactionBlock { .. } => false,
            OpKind::CreateTable { .. }
            | OpKind::DropTable { .. }
            | OpKind::AddColumn { .. }
            | OpKind::DropColumn { .. }
            | OpKind::AlterColumn { .. }
            | OpKind::CreateEnum { .. }
            | OpKind::DropEnum { .. }
            | OpKind::Sql(_)
            | OpKind::BulkInsert { .. }
            | OpKind::SwallowingTry { .. }
            | OpKind::AddForeignKey { .. }
            | OpKind::DropConstraint { .. }
            | OpKind::RenameTable { .. }
            | OpKind::NoCatalogEffect { .. } => true,
        })
}

/// Alembic operations, which fail (if at all) in the database.
const DATABASE_OPERATIONS: &[&str] = &[
    "add_column",
    "alter_column",
    "bulk_insert",
    "create_check_constraint",
    "create_exclude_constraint",
    "create_foreign_key",
    "create_index",
    "create_primary_key",
    "create_table",
    "create_table_comment",
    "create_unique_constraint",
    "drop_column",
    "drop_constraint",
    "drop_index",
    "drop_table",
    "drop_table_comment",
    "exec_driver_sql",
    "execute",
    "rename_table",
];

/// Whether the `try` body is made of nothing but Alembic operations (in `if`s and
/// `batch_alter_table` blocks), so that no Python error can skip part of it, and no handler
/// recovers the transaction (a rollback, a savepoint), so that a database error in it ends the
/// run.
fn swallows_only_database_errors(
    body: &[Stmt],
    handlers: &[migdoc_python::ast::ExceptHandler],
) -> bool {
    fn operations(body: &[Stmt]) -> bool {
        body.iter().all(|stmt| match stmt {
            Stmt::Pass { .. } => true,
            Stmt::Expr { value, .. } => matches!(
                value,
                Expr::Call { func, .. }
                    if matches!(func.as_ref(), Expr::Attribute { attr, .. } if DATABASE_OPERATIONS.contains(&attr.as_str()))
            ),
            Stmt::If { body, orelse, .. } => operations(body) && operations(orelse),
            Stmt::With { items, body, .. } => {
                items.iter().all(|i| {
                    matches!(&i.context, Expr::Call { func, .. } if matches!(func.as_ref(), Expr::Attribute { attr, .. } if attr == "batch_alter_table"))
                }) && operations(body)
            }
            _ => false,
        })
    }
    let mut recovers = false;
    for handler in handlers {
        migdoc_python::walk::each_expr(&handler.body, &mut |e| match e {
            Expr::Attribute { attr, .. }
                if matches!(attr.as_str(), "rollback" | "begin_nested" | "commit") =>
            {
                recovers = true;
            }
            Expr::Str { value, .. } => {
                let upper = value.to_ascii_uppercase();
                if upper.contains("ROLLBACK")
                    || upper.contains("SAVEPOINT")
                    || upper.contains("COMMIT")
                {
                    recovers = true;
                }
            }
            _ => {}
        });
    }
    operations(body) && !recovers
}

/// Whether every call of `f` that returns at all raises: a plain function (no decorator,
/// generator or coroutine) whose body has a `raise` at its top level and no `return` (nor a
/// statement migdoc does not read) anywhere, nested functions included.
fn always_raises(f: &FunctionDef) -> bool {
    let mut may_return = false;
    migdoc_python::walk::each_stmt(&f.body, &mut |s| {
        may_return |= matches!(
            s,
            Stmt::Return { .. } | Stmt::Other { .. } | Stmt::Delete { .. }
        );
    });
    f.decorators.is_empty()
        && !f.is_generator
        && !f.is_async
        && f.body.iter().any(|s| matches!(s, Stmt::Raise { .. }))
        && !may_return
}

/// How deep migdoc follows helpers calling helpers.
const MAX_CALL_DEPTH: u32 = 6;

/// Methods of Python's lists, dicts and sets that change the value they are called on.
const MUTATING_METHODS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "pop",
    "remove",
    "update",
    "add",
    "discard",
    "setdefault",
    "sort",
    "reverse",
    "clear",
];

/// The other methods of Python's lists, dicts, sets and strings, and those of SQLAlchemy
/// `Table` objects and ORM sessions: with [`MUTATING_METHODS`], called on a value migdoc
/// cannot evaluate (`parents.append(x)`), they change that value or rows, never the schema.
const VALUE_METHODS: &[&str] = &[
    "get",
    "copy",
    "items",
    "keys",
    "values",
    "split",
    "strip",
    "lstrip",
    "rstrip",
    "replace",
    "startswith",
    "endswith",
    "encode",
    "decode",
    "index",
    "count",
    // A SQLAlchemy `Table` object's own (`t.append_column(sa.Column(...))`): Python, not DDL.
    "append_column",
    "append_constraint",
    // An ORM session's own (a session migdoc could not recognise as one).
    "commit",
    "flush",
    "rollback",
    "close",
    "merge",
    "expunge",
    "refresh",
    "query",
    "add_all",
    "bulk_save_objects",
    "bulk_insert_mappings",
    "bulk_update_mappings",
    // Files and streams.
    "write",
    "writelines",
    "read",
    "readline",
    "readlines",
    // Loggers and console output.
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "echo",
];

/// A method of [`MUTATING_METHODS`] or [`VALUE_METHODS`].
fn is_container_method(method: &str) -> bool {
    MUTATING_METHODS.contains(&method) || VALUE_METHODS.contains(&method)
}

/// Standard-library modules that cannot reach a database: their functions compute values.
const PURE_MODULES: &[&str] = &[
    "json",
    "bisect",
    "datetime",
    "uuid",
    "re",
    "itertools",
    "collections",
    "math",
    "hashlib",
    "base64",
    "copy",
    "time",
    "random",
    "string",
    "textwrap",
    "decimal",
    "functools",
    "operator",
    "pickle",
    "zlib",
    "binascii",
    "secrets",
    "ipaddress",
    "heapq",
    "calendar",
    "unicodedata",
    "html",
    "urllib",
    "dataclasses",
    "typing",
    "enum",
    "pprint",
    "statistics",
    "fractions",
    "struct",
    "shlex",
    "difflib",
    "logging",
    "warnings",
    "os",
    "shutil",
    "pathlib",
    "tempfile",
    "io",
    "glob",
    "csv",
    "zipfile",
    "tarfile",
    "gzip",
    "importlib",
    "inspect",
    "traceback",
    "click",
    // Data libraries that hold no connection of their own: what they are given decides
    // (`pandas.DataFrame.to_sql(name, con=bind)` is given one).
    "networkx",
    "numpy",
    "pandas",
    "yaml",
    "jwt",
    "dateutil",
    "pytz",
    "six",
    "attr",
    "toml",
    "tomli",
    "simplejson",
    "ujson",
    "orjson",
    "cryptography",
    "pydantic",
    "semver",
    "packaging",
    "jinja2",
    "bcrypt",
    "passlib",
];

/// Log and print calls are not operations.
const HARMLESS_ROOTS: &[&str] = &[
    "print", "logger", "log", "logging", "LOG", "LOGGER", "warnings", "_logger",
];

impl<'a> ModuleScope<'a> {
    /// A scope whose `from <project module> import NAME` bindings take their values from
    /// `externals` (constants and enum classes evaluated there, functions run as helpers).
    pub(crate) fn with_externals(
        body: &'a [Stmt],
        options: LowerOptions,
        externals: &'a crate::Externals,
        cache: &ScopeCache<'a>,
    ) -> Self {
        Self::for_module(body, options, externals, "", false, cache)
    }

    /// Like [`Self::with_externals`], resolving relative imports against the module's dotted
    /// name, and letting the imported modules' own imports through (three levels deep).
    pub(crate) fn for_module(
        body: &'a [Stmt],
        options: LowerOptions,
        externals: &'a crate::Externals,
        name: &str,
        is_package: bool,
        cache: &ScopeCache<'a>,
    ) -> Self {
        Self::linked(body, options, externals, name, is_package, 0, cache)
    }

    #[allow(clippy::too_many_arguments)]
    fn linked(
        body: &'a [Stmt],
        options: LowerOptions,
        externals: &'a crate::Externals,
        name: &str,
        is_package: bool,
        depth: u32,
        cache: &ScopeCache<'a>,
    ) -> Self {
        let mut scope = ModuleScope::new(body, options.clone());
        // An imported module's `__name__` is its dotted name (`Flask(__name__)`, a logger's
        // name): a plain string. A revision file's is whatever Alembic made up: unknown.
        if !name.is_empty() {
            scope
                .globals
                .entry("__name__".to_owned())
                .or_insert_with(|| Value::Str(name.to_owned(), None));
        }
        if externals.is_empty() {
            return scope;
        }
        // Each imported module is evaluated once per cache (a project's model modules import
        // each other: without it, the work grows with the import fan-out cubed).
        let foreign = |absolute: &str| -> Option<std::rc::Rc<ModuleScope<'a>>> {
            let external = externals.get(absolute)?;
            let key = (absolute.to_owned(), depth);
            if let Some(scope) = cache.borrow().get(&key).cloned() {
                return Some(scope);
            }
            let foreign_is_package = is_package_name(externals, absolute);
            let scope = std::rc::Rc::new(if depth < 3 {
                ModuleScope::linked(
                    &external.body,
                    options.clone(),
                    externals,
                    absolute,
                    foreign_is_package,
                    depth + 1,
                    cache,
                )
            } else {
                ModuleScope::new(&external.body, options.clone())
            });
            cache.borrow_mut().insert(key, std::rc::Rc::clone(&scope));
            Some(scope)
        };
        // Imports at module level, and those inside the module's functions (`upgrade()` often
        // imports its helpers itself).
        let nested = body.iter().filter_map(|s| match s {
            Stmt::FunctionDef(f) => Some(f.body.iter()),
            _ => None,
        });
        for stmt in body.iter().chain(nested.flatten()) {
            match stmt {
                Stmt::ImportFrom {
                    module,
                    level,
                    names,
                    ..
                } => {
                    let Some(absolute) =
                        migdoc_python::absolute_import(name, is_package, module.as_deref(), *level)
                    else {
                        continue;
                    };
                    for alias in names {
                        let bound = alias.bound_name().to_owned();
                        if let Some(module) = foreign(&absolute) {
                            match module.globals.get(&alias.name) {
                                Some(Value::Function(i)) => {
                                    let value = scope.bring(&module, *i);
                                    scope.globals.insert(bound, value);
                                }
                                Some(v) => {
                                    scope.globals.insert(bound, without_functions(v.clone()));
                                }
                                None => {
                                    if let Some(sub) =
                                        foreign(&format!("{absolute}.{}", alias.name))
                                    {
                                        scope.import_module(&bound, &sub);
                                    }
                                }
                            }
                        } else if let Some(sub) = foreign(&format!("{absolute}.{}", alias.name)) {
                            // `from pkg import submodule`.
                            scope.import_module(&bound, &sub);
                        } else if *level > 0 {
                            // `from . import x` of a module that is not read: leave it unknown.
                            scope.globals.insert(bound, Value::Unknown);
                        }
                    }
                }
                Stmt::Import { names, .. } => {
                    for alias in names.iter().filter(|a| a.asname.is_some()) {
                        // `import app.db.utils as utils`.
                        if let Some(module) = foreign(&alias.name) {
                            scope.import_module(alias.bound_name(), &module);
                        }
                    }
                }
                // `helpers = importlib.import_module("app.migrations.helpers")`.
                Stmt::Assign { targets, value, .. } => {
                    if let ([Expr::Name { id, .. }], Some(module)) = (
                        targets.as_slice(),
                        import_module_literal(value).and_then(|m| foreign(&m)),
                    ) {
                        scope.import_module(id, &module);
                    }
                }
                _ => {}
            }
        }
        // Module-level names that read an imported module (`f = helpers.f`) could not be
        // evaluated before the imports were linked: evaluate them again.
        for stmt in body {
            let Stmt::Assign { targets, value, .. } = stmt else {
                continue;
            };
            let [Expr::Name { id, .. }] = targets.as_slice() else {
                continue;
            };
            if matches!(scope.globals.get(id), Some(Value::Unknown) | None) {
                let v = Frame::new(&scope).eval(value);
                if !matches!(v, Value::Unknown) {
                    scope.globals.insert(id.clone(), v);
                }
            }
        }
        scope
    }

    /// Makes function `index` of `home` callable from this scope; it runs in `home`.
    fn bring(&mut self, home: &std::rc::Rc<ModuleScope<'a>>, index: usize) -> Value {
        let f = home.functions[index];
        // A function `home` itself imported keeps its own home.
        let owner = home.homes[index]
            .clone()
            .unwrap_or_else(|| std::rc::Rc::clone(home));
        self.functions.push(f);
        self.homes.push(Some(owner));
        Value::Function(self.functions.len() - 1)
    }

    /// `import app.utils as u` / `from app import utils`: `u.f(...)` and `u.CONST` resolve
    /// through `bound.name` globals.
    fn import_module(&mut self, bound: &str, module: &std::rc::Rc<ModuleScope<'a>>) {
        let mut names: Vec<(&String, &Value)> = module.globals.iter().collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        for (n, v) in names {
            // The module's own imports stay its own; a declarative base's tables
            // (`Base.metadata`) come along.
            if n.contains('.') && !matches!(v, Value::MetaData { .. }) {
                continue;
            }
            let value = match v {
                Value::Function(i) => self.bring(module, *i),
                v => without_functions(v.clone()),
            };
            self.globals.insert(format!("{bound}.{n}"), value);
        }
    }

    /// Evaluates an expression at module level.
    pub(crate) fn eval_expr(&self, expr: &Expr) -> crate::Evaluated {
        let mut frame = Frame::new(self);
        public(frame.eval(expr))
    }

    pub(crate) fn global(&self, name: &str) -> crate::Evaluated {
        self.globals
            .get(name)
            .cloned()
            .map_or(crate::Evaluated::Unknown, public)
    }

    pub(crate) fn new(body: &'a [Stmt], options: LowerOptions) -> Self {
        let mut scope = ModuleScope {
            globals: HashMap::default(),
            functions: Vec::new(),
            homes: Vec::new(),
            options,
        };
        // A module-level `try` binds what its body binds (`try: from sqlalchemy.orm import
        // mapped_column; _Column = mapped_column` / `except ImportError: ...`): the project's
        // dependencies are installed, so the body is what runs.
        let body = &flatten_try(body)[..];
        for &stmt in body {
            match stmt {
                Stmt::Import { names, .. } => {
                    for alias in names {
                        scope.globals.insert(
                            alias.bound_name().to_owned(),
                            Value::Path(alias.imported_module().to_owned()),
                        );
                    }
                }
                Stmt::ImportFrom {
                    module: Some(module),
                    names,
                    ..
                } => {
                    for alias in names {
                        scope.globals.insert(
                            alias.bound_name().to_owned(),
                            Value::Path(format!("{module}.{}", alias.name)),
                        );
                    }
                }
                Stmt::FunctionDef(f) => {
                    scope
                        .globals
                        .insert(f.name.clone(), Value::Function(scope.functions.len()));
                    scope.functions.push(f);
                    scope.homes.push(None);
                }
                Stmt::ClassDef(c)
                    if c.bases
                        .iter()
                        .any(|b| b.dotted_name().is_some_and(|n| n.ends_with("Enum"))) =>
                {
                    scope.globals.insert(c.name.clone(), py_enum(&c.body));
                }
                // Any other class in a migration is a stand-in model (`class Slice(Base)`) or a
                // plain data holder: what is done with it is data.
                Stmt::ClassDef(c) => {
                    scope.globals.insert(c.name.clone(), Value::Data);
                }
                _ => {}
            }
        }
        // Module-level constants, in order (a constant may use an earlier one).
        for &stmt in body {
            let (target, value) = match stmt {
                Stmt::Assign { targets, value, .. } if targets.len() == 1 => (&targets[0], value),
                Stmt::AnnAssign {
                    target,
                    value: Some(value),
                    ..
                } => (target, value),
                _ => continue,
            };
            if let Expr::Name { id, .. } = target {
                let mut frame = Frame::new(&scope);
                let v = frame.eval(value);
                scope.globals.insert(id.clone(), v);
            }
        }
        // Declarative stand-in models (`class Tag(Base): __tablename__ = "tag"`): their
        // `__table__.create(bind)` creates that table and the enum types of its columns. The
        // columns are the class's own and its mixins' in this module (a mixin from elsewhere, a
        // `declared_attr`, a column migdoc cannot read: the table has more than it knows).
        let mut models = Vec::new();
        // Each class of the module: its columns, whether migdoc read them all, whether it is a
        // model (has a `__tablename__`).
        let mut classes: HashMap<String, (Vec<Value>, bool, bool)> = HashMap::default();
        let declarative_bases: Vec<&str> = body
            .iter()
            .filter_map(|&stmt| match stmt {
                Stmt::Assign { targets, value, .. } => match (targets.as_slice(), value) {
                    ([Expr::Name { id, .. }], Expr::Call { func, .. })
                        if func
                            .dotted_name()
                            .is_some_and(|n| n.rsplit('.').next() == Some("declarative_base")) =>
                    {
                        Some(id.as_str())
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect();
        for &stmt in body {
            let Stmt::ClassDef(c) = stmt else { continue };
            if !matches!(scope.globals.get(&c.name), Some(Value::Data)) {
                continue;
            }
            let mut frame = Frame::new(&scope);
            let mut name = None;
            let mut enum_types = Some(Vec::new());
            let mut columns: Vec<Value> = Vec::new();
            let mut complete = c.keywords.is_empty();
            for base in &c.bases {
                match base {
                    Expr::Name { id, .. } if declarative_bases.contains(&id.as_str()) => {}
                    Expr::Name { id, .. } if id == "object" => {}
                    // Joined-table inheritance: the table has its own columns, and more.
                    Expr::Name { id, .. } if classes.get(id).is_some_and(|c| c.2) => {
                        complete = false
                    }
                    Expr::Name { id, .. } => match classes.get(id) {
                        Some((inherited, whole, _)) => {
                            for col in inherited {
                                let Value::Column(spec) = col else { continue };
                                // The class's own column of that name overrides the mixin's.
                                let own = c.body.iter().any(|s| match s {
                                    Stmt::Assign { targets, .. } => matches!(
                                        targets.as_slice(),
                                        [Expr::Name { id, .. }] if *id == spec.name
                                    ),
                                    _ => false,
                                });
                                if !own {
                                    columns.push(col.clone());
                                }
                            }
                            complete &= whole;
                        }
                        None => complete = false,
                    },
                    _ => complete = false,
                }
            }
            for stmt in &c.body {
                match stmt {
                    Stmt::Assign { targets, value, .. } => {
                        match (targets.as_slice(), frame.eval(value)) {
                            ([Expr::Name { id, .. }], Value::Str(t, _))
                                if id == "__tablename__" =>
                            {
                                name = Some(t)
                            }
                            ([Expr::Name { id, .. }], Value::Column(mut col)) => {
                                match &col.enum_type {
                                    Some(EnumSpec { name: Some(n), .. }) => {
                                        enum_types.iter_mut().for_each(|e| e.push(n.clone()))
                                    }
                                    Some(_) => enum_types = None,
                                    None => {}
                                }
                                if col.name.is_empty() {
                                    col.name = id.clone();
                                }
                                columns.push(Value::Column(col));
                            }
                            // `__table_args__` (a schema, constraints), a column migdoc cannot
                            // read.
                            ([Expr::Name { id, .. }], _) if id == "__table_args__" => {
                                complete = false
                            }
                            (_, Value::Unknown | Value::Opaque) => complete = false,
                            _ => {}
                        }
                    }
                    Stmt::AnnAssign { .. } => complete = false,
                    Stmt::FunctionDef(f) if !f.decorators.is_empty() => complete = false,
                    _ => {}
                }
            }
            // The inherited columns' enum types too.
            for col in &columns {
                if let Value::Column(spec) = col
                    && let Some(e) = &spec.enum_type
                {
                    match &e.name {
                        Some(n) => enum_types.iter_mut().for_each(|t| {
                            if !t.contains(n) {
                                t.push(n.clone())
                            }
                        }),
                        None => enum_types = None,
                    }
                }
            }
            classes.insert(c.name.clone(), (columns.clone(), complete, name.is_some()));
            if name.is_some() {
                let read = !columns.is_empty();
                models.push((
                    c.name.clone(),
                    Value::TableObj {
                        name,
                        enum_types,
                        columns: read.then(|| table_columns(&columns)),
                        open_columns: !complete,
                    },
                ));
            }
        }
        // A declarative base every subclass of which in this module is a model migdoc read
        // the name of: its `metadata` holds those tables (`for name, table in
        // Base.metadata.tables.items(): if name == "t": ...`). Classes of other modules may
        // register more; migration stand-in models are the module's own.
        for &base in &declarative_bases {
            let mut tables = Vec::new();
            let mut whole = true;
            for &stmt in body {
                let Stmt::ClassDef(c) = stmt else { continue };
                if !c
                    .bases
                    .iter()
                    .any(|b| matches!(b, Expr::Name { id, .. } if id == base))
                {
                    continue;
                }
                match models.iter().find(|(n, _)| *n == c.name) {
                    Some((_, table @ Value::TableObj { name: Some(_), .. })) => {
                        tables.push(table.clone())
                    }
                    _ => whole = false,
                }
            }
            if whole && !tables.is_empty() {
                let mut names: Vec<&str> = tables
                    .iter()
                    .filter_map(|t| match t {
                        Value::TableObj { name: Some(n), .. } => Some(n.as_str()),
                        _ => None,
                    })
                    .collect();
                names.sort_unstable();
                let duplicate = names.windows(2).any(|w| w[0] == w[1]);
                let metadata = Value::MetaData { tables, duplicate };
                scope.globals.insert(format!("{base}.metadata"), metadata);
            }
        }
        if !models.is_empty() {
            scope.globals.extend(models);
            // Constants that read the models (`TABLES = [A.__table__, B.__table__]`), again.
            for &stmt in body {
                let (target, value) = match stmt {
                    Stmt::Assign { targets, value, .. } if targets.len() == 1 => {
                        (&targets[0], value)
                    }
                    Stmt::AnnAssign {
                        target,
                        value: Some(value),
                        ..
                    } => (target, value),
                    _ => continue,
                };
                if let Expr::Name { id, .. } = target
                    && !matches!(
                        scope.globals.get(id),
                        Some(Value::TableObj { .. } | Value::Function(_) | Value::PyEnum { .. })
                    )
                {
                    let v = Frame::new(&scope).eval(value);
                    scope.globals.insert(id.clone(), v);
                }
            }
        }
        scope
    }

    /// Runs statements of the module itself (not of a function) and returns their ops.
    pub(crate) fn run_block(&self, body: &[Stmt]) -> Vec<Op> {
        let mut frame = Frame::new(self);
        frame.block(body);
        frame.ops
    }

    pub(crate) fn run_function(&self, f: &FunctionDef) -> Vec<Op> {
        let mut frame = Frame::new(self);
        frame.followed_metadata = crate::local_metadata::followed_metadata(&f.body);
        frame.block(&f.body);
        frame.ops
    }
}

struct Frame<'s, 'a> {
    module: &'s ModuleScope<'a>,
    locals: HashMap<String, Value>,
    ops: Vec<Op>,
    returned: bool,
    /// A `return` in a branch migdoc cannot decide ran: what follows may not run.
    maybe_returned: bool,
    /// What `return` gave (`Unknown` when two returns differ).
    ret: Option<Value>,
    /// The functions being called, outermost first (recursion is not unrolled).
    stack: Vec<*const FunctionDef>,
    /// In a function defined inside another (a closure): the variables of the frame that
    /// called it, as it reads them.
    enclosing: Option<std::rc::Rc<HashMap<String, Value>>>,
    /// What a parameter no argument fills holds: unknown, or data in a callback the standard
    /// library calls with its own values ([`Self::data_callback_footprint`]).
    missing_args: Value,
    /// [`Self::missing_args`] for the next frame a call makes.
    next_missing_args: Option<Value>,
    /// [`Self::enclosing`] for the next frame a call makes (a closure's).
    next_enclosing: Option<std::rc::Rc<HashMap<String, Value>>>,
    /// Evaluating a recursive call's footprint: calls back into the stack are cut.
    cutting: bool,
    /// The variables at the end of each branch [`Self::sub_block`] ran, for
    /// [`Self::merge_branches`].
    branch_locals: Vec<HashMap<String, Value>>,
    /// The path ended in `raise`: the migration fails there.
    raised: bool,
    /// What set `maybe_returned` was a call that may raise, not a `return`.
    maybe_raised: bool,
    /// A `continue` or `break` ran: the rest of the loop body does not.
    jump: Option<Jump>,
    /// A `continue` or `break` in a branch migdoc cannot decide ran: the rest of the loop body
    /// (and after a `break`, the loop's later iterations) may not run.
    maybe_jump: Option<Jump>,
    depth: u32,
    /// Inside `with op.get_context().autocommit_block():` blocks (how deep).
    autocommit: u32,
    /// The local `sa.MetaData()` names whose tables migdoc follows ([`crate::local_metadata`]).
    followed_metadata: Vec<String>,
}

/// How a loop body was left early (`Break` is the stronger: it ends the loop too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Jump {
    Continue,
    Break,
}

/// A condition of existence tests (`has_table(a) and not column_exists(b, c)`).
enum Condition {
    /// The subject exists (`true`) or does not (`false`).
    Test(GuardSubject, bool),
    Known(bool),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

impl Condition {
    /// How many existence tests it makes.
    fn tests(&self) -> usize {
        match self {
            Condition::Test(..) => 1,
            Condition::Known(_) => 0,
            Condition::All(parts) | Condition::Any(parts) => parts.iter().map(Self::tests).sum(),
            Condition::Not(inner) => inner.tests(),
        }
    }

    /// The guards that run `yes` when it holds and `no` otherwise, one test at a time in
    /// Python's order (what `and` and `or` skip is not tested).
    fn guards(&self, yes: &[Op], no: &[Op], range: TextRange) -> Vec<Op> {
        match self {
            Condition::Known(true) => yes.to_vec(),
            Condition::Known(false) => no.to_vec(),
            Condition::Test(subject, positive) => {
                let (when_true, when_false) = if *positive { (yes, no) } else { (no, yes) };
                vec![Op {
                    kind: OpKind::Guard {
                        subject: subject.clone(),
                        when_true: when_true.to_vec(),
                        when_false: when_false.to_vec(),
                    },
                    range,
                }]
            }
            Condition::Not(inner) => inner.guards(no, yes, range),
            Condition::All(parts) => parts
                .iter()
                .rev()
                .fold(yes.to_vec(), |then, part| part.guards(&then, no, range)),
            Condition::Any(parts) => parts.iter().rev().fold(no.to_vec(), |otherwise, part| {
                part.guards(yes, &otherwise, range)
            }),
        }
    }
}

impl<'s, 'a> Frame<'s, 'a> {
    fn new(module: &'s ModuleScope<'a>) -> Self {
        Frame {
            module,
            locals: HashMap::default(),
            ops: Vec::new(),
            returned: false,
            ret: None,
            stack: Vec::new(),
            enclosing: None,
            missing_args: Value::Unknown,
            next_missing_args: None,
            next_enclosing: None,
            cutting: false,
            branch_locals: Vec::new(),
            maybe_returned: false,
            raised: false,
            maybe_raised: false,
            jump: None,
            maybe_jump: None,
            depth: 0,
            autocommit: 0,
            followed_metadata: Vec::new(),
        }
    }

    fn lookup(&self, name: &str) -> Value {
        self.locals
            .get(name)
            .or_else(|| self.enclosing.as_deref().and_then(|e| e.get(name)))
            .or_else(|| self.module.globals.get(name))
            .cloned()
            .unwrap_or(Value::Unknown)
    }

    fn push(&mut self, kind: OpKind, range: TextRange) {
        self.ops.push(Op { kind, range });
    }

    fn unknown(&mut self, what: &str, footprint: Footprint, range: TextRange) {
        self.push(
            OpKind::Unknown {
                what: what.to_owned(),
                footprint,
            },
            range,
        );
    }

    /// Ops whose running migdoc cannot decide (a branch, a loop, a `try` body) as one unknown
    /// op with their footprint; nothing when there are none.
    fn uncertain(&mut self, what: &str, ops: &[Op], range: TextRange) {
        if ops.is_empty() {
            return;
        }
        // A `raise` in it, when it runs, fails the migration: the run that goes on is one where
        // it did not run, so it adds nothing to the footprint.
        let kept: Vec<Op>;
        let ops = if ops.iter().any(is_raise) {
            kept = ops.iter().filter(|op| !is_raise(op)).cloned().collect();
            &kept[..]
        } else {
            ops
        };
        let footprint = Footprint::of_ops(ops);
        // Name what makes it unbounded, so that `--show-unknown` points at the cause.
        let unbounded = footprint.is_unbounded();
        let cause = footprint
            .is_wide()
            .then(|| {
                ops.iter().find_map(|op| match &op.kind {
                    // The innermost cause of a nested one.
                    OpKind::Unknown {
                        what,
                        footprint: inner,
                    } if inner.is_unbounded() || (!unbounded && inner.unread) => Some(
                        what.rsplit_once(" (")
                            .map_or(what.as_str(), |(_, inner)| inner.trim_end_matches(')'))
                            .to_owned(),
                    ),
                    _ => None,
                })
            })
            .flatten();
        match cause {
            Some(cause) => self.unknown(&format!("{what} ({cause})"), footprint, range),
            None => self.unknown(what, footprint, range),
        }
        // A foreign key it may drop is forgotten all the same: forgetting one never makes a
        // conclusion (only "still referenced" rests on them), so it needs no footprint.
        fn drops(ops: &[Op], out: &mut Vec<Op>) {
            for op in ops {
                match &op.kind {
                    OpKind::DropConstraint { .. } => out.push(op.clone()),
                    OpKind::Guard {
                        when_true,
                        when_false,
                        ..
                    } => {
                        drops(when_true, out);
                        drops(when_false, out);
                    }
                    _ => {}
                }
            }
        }
        let mut hoisted = Vec::new();
        drops(ops, &mut hoisted);
        self.ops.extend(hoisted);
    }

    fn block(&mut self, body: &[Stmt]) {
        for (i, stmt) in body.iter().enumerate() {
            if self.returned || self.jump.is_some() {
                return;
            }
            if self.early_exit_guard(stmt, &body[i + 1..]) {
                return;
            }
            self.stmt(stmt);
            if self.maybe_returned && !self.returned {
                // A `return` in a branch migdoc cannot decide: what follows may not run. When it
                // always raises, the run that goes on is the one that returned.
                let mark = self.branch_locals.len();
                let (ops, _, raised, _) = self.sub_block(&body[i + 1..]);
                self.branch_locals.truncate(mark);
                self.maybe_returned = true;
                if !raised {
                    let raising = std::mem::take(&mut self.maybe_raised);
                    self.uncertain(
                        if raising {
                            "statements after a drop_constraint without a name (it raises unless target_metadata's naming convention names it)"
                        } else {
                            "statements after a return in a branch migdoc cannot decide"
                        },
                        &ops,
                        stmt.range(),
                    );
                }
                return;
            }
            if self.maybe_jump.is_some() && !self.returned && self.jump.is_none() {
                // The same for a `continue` or `break`: the rest of the loop body may not run.
                let mark = self.branch_locals.len();
                let (ops, _, raised, jump) = self.sub_block(&body[i + 1..]);
                // The loop goes on with what the rest of the body set, or with what it found.
                self.merge_branches(mark, true);
                self.maybe_jump = self.maybe_jump.max(jump);
                if !raised {
                    self.uncertain(
                        "statements after a continue or break in a branch migdoc cannot decide",
                        &ops,
                        stmt.range(),
                    );
                }
                return;
            }
        }
    }

    /// `if <existence test>: ...; return` (or `continue`), without `else`: what follows it in
    /// this block runs only when the test goes the other way, so it is the guard's other branch
    /// (`if inspector.has_table("t"): return`, `if name in columns: continue`). Returns whether
    /// it took `stmt` and `rest`. Both ways end this block; the enclosing blocks see a `return`
    /// (or `continue`) migdoc cannot decide, as they would without the guard.
    fn early_exit_guard(&mut self, stmt: &Stmt, rest: &[Stmt]) -> bool {
        let Stmt::If {
            test,
            body,
            orelse,
            range,
        } = stmt
        else {
            return false;
        };
        // `None`: a `return`; else the loop's `continue`.
        let exit = match body.last() {
            Some(Stmt::Return { value: None, .. }) => None,
            Some(Stmt::Return {
                value: Some(Expr::NoneLiteral { .. }),
                ..
            }) => None,
            Some(Stmt::Continue { .. }) => Some(Jump::Continue),
            _ => return false,
        };
        if !orelse.is_empty() {
            return false;
        }
        let Value::Exists(subject, positive) = self.eval_quiet(test) else {
            return false;
        };
        let mark = self.branch_locals.len();
        let (exits, _, _, j_exit) = self.sub_block(&body[..body.len() - 1]);
        let (goes_on, returned, _, j_on) = self.sub_block(rest);
        self.merge_branches(mark, false);
        let (when_true, when_false) = if positive {
            (exits, goes_on)
        } else {
            (goes_on, exits)
        };
        self.push(
            OpKind::Guard {
                subject,
                when_true,
                when_false,
            },
            *range,
        );
        match exit {
            None => self.maybe_returned = true,
            jump => self.maybe_jump = self.maybe_jump.max(jump),
        }
        self.maybe_returned |= returned;
        self.maybe_jump = self.maybe_jump.max(j_exit).max(j_on);
        true
    }

    /// `test` as existence tests joined by `and`, `or` and `not` (and constants), when it is one.
    fn existence_condition(&mut self, test: &Expr) -> Option<Condition> {
        match test {
            Expr::BoolOp { op, values, .. } => {
                let parts = values
                    .iter()
                    .map(|v| self.existence_condition(v))
                    .collect::<Option<Vec<_>>>()?;
                Some(match op {
                    BoolOp::And => Condition::All(parts),
                    BoolOp::Or => Condition::Any(parts),
                })
            }
            Expr::UnaryOp {
                op: UnaryOp::Not,
                operand,
                ..
            } => Some(Condition::Not(Box::new(self.existence_condition(operand)?))),
            _ => match self.eval_quiet(test) {
                Value::Exists(subject, positive) => Some(Condition::Test(subject, positive)),
                v => v.truthy().map(Condition::Known),
            },
        }
    }

    /// Runs `body` in a copy of this frame and returns its ops, whether it may return,
    /// whether it always raises (for branches decided later), and whether it may leave the
    /// loop body it is in (`continue` / `break`).
    fn sub_block(&mut self, body: &[Stmt]) -> (Vec<Op>, bool, bool, Option<Jump>) {
        let saved_ops = std::mem::take(&mut self.ops);
        let saved_locals = self.locals.clone();
        let saved_maybe = std::mem::replace(&mut self.maybe_returned, false);
        let saved_maybe_raised = std::mem::replace(&mut self.maybe_raised, false);
        let saved_raised = std::mem::replace(&mut self.raised, false);
        let saved_jump = (self.jump.take(), self.maybe_jump.take());
        self.block(body);
        let returned = std::mem::replace(&mut self.returned, false)
            | std::mem::replace(&mut self.maybe_returned, saved_maybe);
        self.maybe_raised = saved_maybe_raised;
        let raised = std::mem::replace(&mut self.raised, saved_raised);
        let jump = std::mem::replace(&mut self.jump, saved_jump.0)
            .max(std::mem::replace(&mut self.maybe_jump, saved_jump.1));
        let ops = std::mem::replace(&mut self.ops, saved_ops);
        let after = std::mem::replace(&mut self.locals, saved_locals);
        if !raised {
            self.branch_locals.push(after);
        }
        (ops, returned, raised, jump)
    }

    /// After branches migdoc could not choose between (run by [`Self::sub_block`] since
    /// `mark`), each variable holds what the branches agree on, one of their SQL texts
    /// ([`Value::OneOf`]), or an unknown value; with `fallthrough`, not running any branch is a
    /// way too (a loop that runs no time).
    fn merge_branches(&mut self, mark: usize, fallthrough: bool) {
        let mut ends: Vec<HashMap<String, Value>> = self.branch_locals.drain(mark..).collect();
        if fallthrough || ends.is_empty() {
            ends.push(self.locals.clone());
        }
        let mut keys: Vec<String> = ends.iter().flat_map(|e| e.keys().cloned()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            let values: Vec<Value> = ends
                .iter()
                .map(|e| {
                    e.get(&k)
                        .or_else(|| self.locals.get(&k))
                        .cloned()
                        .unwrap_or(Value::Unknown)
                })
                .collect();
            let merged = if values.iter().all(|v| same_value(v, &values[0])) {
                values[0].clone()
            } else if values.iter().all(|v| {
                matches!(
                    v,
                    Value::Str(..)
                        | Value::Text(..)
                        | Value::Holed(_)
                        | Value::OneOf(_)
                        | Value::Data
                )
            }) {
                let mut alternatives = Vec::new();
                for v in values {
                    match v {
                        Value::OneOf(vs) => alternatives.extend(vs),
                        v => alternatives.push(v),
                    }
                }
                Value::OneOf(alternatives)
            } else {
                Value::Unknown
            };
            self.locals.insert(k, merged);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Expr { value, .. } => {
                self.eval_statement_call(value);
            }
            Stmt::Assign { targets, value, .. } => {
                let before = self.ops.len();
                let v = self.eval(value);
                // `t = create_table("t", ...)`: a helper's effect does not depend on its result
                // being used, so the objects it is given are not vouched for. A call given
                // nothing migdoc can name (`app = create_app()`, `r = Reflect(op)`) is read as
                // building a value: migdoc assumes it changes no schema (ARCHITECTURE.md).
                if self.ops.len() == before {
                    self.unfollowed_call(value, &v);
                    if self.ops.len() > before && self.ops[before..].iter().any(|o| matches!(&o.kind, OpKind::Unknown { footprint, .. } if footprint.is_wide())) {
                        self.ops.truncate(before);
                    }
                } else {
                    self.building_a_value(value, before);
                }
                let v = match (targets.as_slice(), value) {
                    ([Expr::Name { id, .. }], Expr::Call { func, .. })
                        if matches!(v, Value::Data)
                            && self.followed_metadata.contains(id)
                            && matches!(self.eval_quiet(func), Value::Path(p)
                                if p.starts_with("sqlalchemy.") && p.ends_with(".MetaData")) =>
                    {
                        Value::MetaData {
                            tables: Vec::new(),
                            duplicate: false,
                        }
                    }
                    _ => v,
                };
                for target in targets {
                    self.assign(target, v.clone());
                }
            }
            Stmt::AnnAssign {
                target,
                value: Some(value),
                ..
            } => {
                let v = self.eval(value);
                self.assign(target, v);
            }
            // An existence test (`if inspector.has_table("t"):`), or tests joined by `and`,
            // `or`, `not` (`if column_exists(t, "a", conn) and not column_exists(t, "b",
            // conn):`): guards decided test by test at replay time.
            Stmt::If {
                test,
                body,
                orelse,
                range,
            } if self
                .existence_condition(test)
                .is_some_and(|c| (1..=4).contains(&c.tests())) =>
            {
                let Some(condition) = self.existence_condition(test) else {
                    return;
                };
                // What evaluating a single test records (the query it runs) comes first.
                if !matches!(test, Expr::BoolOp { .. }) {
                    self.eval(test);
                }
                let mark = self.branch_locals.len();
                let (a, ra, _, ja) = self.sub_block(body);
                let (b, rb, _, jb) = self.sub_block(orelse);
                self.merge_branches(mark, false);
                self.maybe_jump = self.maybe_jump.max(ja).max(jb);
                // A branch that returns: what follows may not run (an early return with
                // nothing else in its branch is `early_exit_guard`'s).
                self.maybe_returned |= ra || rb;
                let ops = condition.guards(&a, &b, *range);
                self.ops.extend(ops);
            }
            Stmt::If {
                test,
                body,
                orelse,
                range,
            } => match self.eval(test).truthy().or_else(|| self.dialect_test(test)) {
                Some(true) => self.block(body),
                Some(false) => self.block(orelse),
                None => {
                    let mark = self.branch_locals.len();
                    let (a, ra, xa, ja) = self.sub_block(body);
                    let (b, rb, xb, jb) = self.sub_block(orelse);
                    if xa || xb {
                        self.branch_locals.truncate(mark);
                    }
                    match (xa, xb) {
                        // A branch that raises fails the migration: the run that goes on is the
                        // one that took the other branch.
                        (true, false) => self.block(orelse),
                        (false, true) => self.block(body),
                        (true, true) => {
                            self.raised = true;
                            self.returned = true;
                        }
                        (false, false) => {
                            self.merge_branches(mark, false);
                            let mut ops = a;
                            ops.extend(b);
                            self.uncertain(
                                "a branch on a condition migdoc cannot decide",
                                &ops,
                                *range,
                            );
                            if ra || rb {
                                self.maybe_returned = true;
                            }
                            self.maybe_jump = self.maybe_jump.max(ja).max(jb);
                        }
                    }
                }
            },
            Stmt::For {
                target,
                iter,
                body,
                orelse,
                range,
            } => match iter_values(self.eval(iter)) {
                Ok(items) => {
                    // `continue` and `break` belong to this loop; after a `break` migdoc cannot
                    // decide, the later iterations and the `else` may not run.
                    let outer = (self.jump.take(), self.maybe_jump.take());
                    let mut broke = false;
                    let mut before_maybe_break: Option<Vec<Op>> = None;
                    for item in items {
                        self.assign(target, item);
                        self.block(body);
                        if self.returned {
                            break;
                        }
                        let maybe = self.maybe_jump.take();
                        if self.jump.take() == Some(Jump::Break) {
                            broke = true;
                            break;
                        }
                        if maybe == Some(Jump::Break) && before_maybe_break.is_none() {
                            before_maybe_break = Some(std::mem::take(&mut self.ops));
                        }
                    }
                    if !broke && !self.returned {
                        self.block(orelse);
                    }
                    if let Some(before) = before_maybe_break {
                        let after = std::mem::replace(&mut self.ops, before);
                        self.uncertain(
                            "iterations after a break in a branch migdoc cannot decide",
                            &after,
                            *range,
                        );
                    }
                    (self.jump, self.maybe_jump) = outer;
                }
                Err(iterated) => {
                    // Rows of a query, or values migdoc cannot evaluate: the body runs any number
                    // of times, so its footprint is what counts.
                    let item = item_of(iterated);
                    self.assign(target, item);
                    let mark = self.branch_locals.len();
                    let (ops, returned, _, _) = self.sub_block(body);
                    self.merge_branches(mark, true);
                    self.uncertain("a loop over values migdoc cannot evaluate", &ops, *range);
                    if returned {
                        self.maybe_returned = true;
                    }
                }
            },
            Stmt::With { items, body, range } => {
                let autocommit = items.iter().any(|i| {
                    matches!(&i.context, Expr::Call { func, .. } if matches!(func.as_ref(), Expr::Attribute { attr, .. } if attr == "autocommit_block"))
                });
                if autocommit {
                    self.push(OpKind::AutocommitBlock { enter: true }, *range);
                    self.autocommit += 1;
                } else {
                    for item in items {
                        let v = self.eval(&item.context);
                        if let Some(target) = &item.target {
                            self.assign(target, v);
                        }
                    }
                }
                self.block(body);
                if autocommit {
                    self.autocommit -= 1;
                    self.push(OpKind::AutocommitBlock { enter: false }, *range);
                }
            }
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                range,
            } => {
                // A failure inside the try may be swallowed: what it runs is not a plain sequence.
                let mark = self.branch_locals.len();
                let (mut ops, returned, _, mut jump) = self.sub_block(body);
                // The body's variables, when it may end normally.
                let body_ends = self.branch_locals.len() > mark;
                // A handler that always raises fails the migration: it adds nothing to the run
                // that goes on.
                let mut all_raise = !handlers.is_empty();
                let mut handled_ops = Vec::new();
                let mut handled_jump = None;
                for handler in handlers {
                    let (handled, _, raised, j) = self.sub_block(&handler.body);
                    if !raised {
                        all_raise = false;
                        handled_ops.extend(handled);
                        handled_jump = handled_jump.max(j);
                    }
                }
                // Unless every handler raises again (what fails in the body fails the run), or
                // the body only holds operations that fail in PostgreSQL: then a failure aborts
                // the transaction and the run with it. Either way a run that goes on is one
                // where the whole body ran.
                let swallowing = !all_raise
                    && self.autocommit == 0
                    && !self.module.options.autocommit
                    && database_only(&ops)
                    && swallows_only_database_errors(body, handlers);
                if !returned && jump.is_none() && body_ends && (all_raise || swallowing) {
                    if let Some(after) = self.branch_locals.drain(mark..).next() {
                        self.locals = after;
                    }
                    if swallowing {
                        self.push(OpKind::SwallowingTry { enter: true }, *range);
                        self.ops.extend(ops);
                        self.push(OpKind::SwallowingTry { enter: false }, *range);
                    } else {
                        self.ops.extend(ops);
                    }
                    self.block(orelse);
                    self.block(finalbody);
                    return;
                }
                ops.extend(handled_ops);
                jump = jump.max(handled_jump);
                self.maybe_jump = self.maybe_jump.max(jump);
                // The try body may stop anywhere: what it assigned may or may not have happened.
                self.merge_branches(mark, true);
                self.uncertain("statements inside try/except", &ops, *range);
                self.block(orelse);
                self.block(finalbody);
            }
            Stmt::Return { value, .. } => {
                let v = value.as_ref().map_or(Value::None, |e| self.eval(e));
                // Two returns that give different values: the result is unknown.
                self.ret = Some(match self.ret.take() {
                    None => v,
                    Some(old) if same_value(&old, &v) => old,
                    Some(_) => Value::Unknown,
                });
                self.returned = true;
            }
            Stmt::While { body, range, .. } => {
                let mark = self.branch_locals.len();
                let (ops, _, _, _) = self.sub_block(body);
                self.merge_branches(mark, true);
                self.uncertain("a while loop", &ops, *range);
            }
            Stmt::FunctionDef(f) => {
                self.locals.insert(
                    f.name.clone(),
                    Value::Closure(std::rc::Rc::new((**f).clone())),
                );
            }
            // A local import: library names as paths (project modules were linked at module level).
            Stmt::ImportFrom {
                module: Some(module),
                level: 0,
                names,
                ..
            } => {
                for alias in names {
                    let bound = alias.bound_name();
                    if !self.module.globals.contains_key(bound) {
                        self.locals.insert(
                            bound.to_owned(),
                            Value::Path(format!("{module}.{}", alias.name)),
                        );
                    }
                }
            }
            Stmt::Import { names, .. } => {
                for alias in names {
                    let bound = alias.bound_name();
                    if !self.module.globals.contains_key(bound) {
                        self.locals.insert(
                            bound.to_owned(),
                            Value::Path(alias.imported_module().to_owned()),
                        );
                    }
                }
            }
            Stmt::ClassDef(_) | Stmt::Pass { .. } | Stmt::ImportFrom { .. } => {}
            Stmt::Raise { range } => {
                // The migration fails here: nothing after it is known to run.
                self.unknown(RAISE, Footprint::unbounded(), *range);
                self.returned = true;
                self.raised = true;
            }
            Stmt::Continue { .. } => self.jump = Some(Jump::Continue),
            Stmt::Break { .. } => self.jump = Some(Jump::Break),
            // `sql += " WHERE ..."`, `n += 1`: what Python computes, or unknown.
            Stmt::AugAssign {
                target, op, value, ..
            } => {
                let current = match target {
                    Expr::Name { .. } => self.eval_quiet(target),
                    _ => Value::Unknown,
                };
                let v = binop(*op, current, self.eval(value));
                self.assign(target, v);
            }
            Stmt::Delete { targets, .. } => {
                for target in targets {
                    self.forget(target);
                }
            }
            Stmt::AnnAssign { .. } | Stmt::Other { .. } => {}
        }
    }

    fn assign(&mut self, target: &Expr, value: Value) {
        match target {
            Expr::Name { id, .. } => {
                self.locals.insert(id.clone(), value);
            }
            // `d[k] = v` on a dict or list migdoc knows: that entry; otherwise the container
            // is no longer known.
            Expr::Subscript {
                value: base, slice, ..
            } if matches!(base.as_ref(), Expr::Name { .. }) => {
                let Expr::Name { id, .. } = base.as_ref() else {
                    return;
                };
                let key = match slice.as_ref() {
                    Expr::Slice { .. } => Value::Unknown,
                    index => self.eval(index),
                };
                let updated = match (self.lookup(id), key) {
                    (Value::Dict(mut items), key @ (Value::Str(..) | Value::Int(_))) => {
                        items.retain(|(k, _)| !same_value(k, &key));
                        items.push((key, value));
                        Value::Dict(items)
                    }
                    (Value::Seq(mut items), Value::Int(i)) => {
                        let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
                        let at = if i < 0 { i + len } else { i };
                        match usize::try_from(at).ok().filter(|&a| a < items.len()) {
                            Some(a) => {
                                items[a] = value;
                                Value::Seq(items)
                            }
                            None => Value::Unknown,
                        }
                    }
                    (Value::Data, _) => Value::Data,
                    _ => Value::Unknown,
                };
                self.locals.insert(id.clone(), updated);
            }
            Expr::Tuple { elts, .. } | Expr::List { elts, .. } => {
                let items = match value {
                    Value::Seq(items) if items.len() == elts.len() => items,
                    // A row unpacked into its columns.
                    Value::Data => vec![Value::Data; elts.len()],
                    named @ Value::Named(_) => vec![named; elts.len()],
                    _ => vec![Value::Unknown; elts.len()],
                };
                for (t, v) in elts.iter().zip(items) {
                    self.assign(t, v);
                }
            }
            _ => {}
        }
    }

    /// `del x`, `del d[k]`: the name is unbound, or the container it holds no longer known.
    fn forget(&mut self, target: &Expr) {
        match target {
            Expr::Name { id, .. } => {
                self.locals.insert(id.clone(), Value::Unknown);
            }
            Expr::Subscript { value, .. } => {
                if let Expr::Name { id, .. } = value.as_ref()
                    && !matches!(self.lookup(id), Value::Data)
                {
                    self.locals.insert(id.clone(), Value::Unknown);
                }
            }
            Expr::Tuple { elts, .. } | Expr::List { elts, .. } => {
                for e in elts {
                    self.forget(e);
                }
            }
            _ => {}
        }
    }

    /// `isinstance(x, postgresql.dialect)` and friends, which `eval` leaves unknown.
    fn dialect_test(&mut self, test: &Expr) -> Option<bool> {
        match test {
            Expr::Call { func, args, .. } if matches!(func.as_ref(), Expr::Name { id, .. } if id == "isinstance") =>
            {
                let class = match self.eval(args.get(1)?) {
                    Value::Path(path) => path,
                    _ => args.get(1)?.dotted_name()?,
                };
                // A test of something else (`isinstance(module, StorageModule)` in a helper)
                // is no dialect test: undecided.
                let of_dialect =
                    matches!(self.eval_quiet(args.first()?), Value::Dialect | Value::Bind)
                        || class.to_ascii_lowercase().contains("dialect")
                        || class.contains("postgresql")
                        || class.contains("psycopg");
                if !of_dialect {
                    return None;
                }
                if class.ends_with("postgresql.dialect") {
                    // The package's default dialect: psycopg2 on SQLAlchemy 2.0, psycopg 3 on 2.1.
                    return self.module.options.sqlalchemy_2_1.map(|v| !v);
                }
                Some(
                    class.contains("postgresql")
                        || class.contains("PGDialect")
                        || class.contains("psycopg"),
                )
            }
            Expr::UnaryOp {
                op: UnaryOp::Not,
                operand,
                ..
            } => self.dialect_test(operand).map(|b| !b),
            _ => None,
        }
    }

    /// The operations recorded since `before` by a helper migdoc followed to build the value
    /// `value` assigns (`appbuilder = cached_app(config=...).appbuilder`). What it did not
    /// understand is read as if it had not followed it: the call builds a value, and what it
    /// may change is what its arguments name, or nothing when they name nothing or cannot be
    /// evaluated. What it understood stays. So following a helper never leaves migdoc knowing
    /// less than not following it.
    fn building_a_value(&mut self, value: &Expr, before: usize) {
        let wide =
            |o: &Op| matches!(&o.kind, OpKind::Unknown { footprint, .. } if footprint.is_wide());
        if !self.ops[before..].iter().any(wide) {
            return;
        }
        let mut call = value;
        while let Expr::Attribute { value, .. } | Expr::Subscript { value, .. } = call {
            call = value;
        }
        let Expr::Call {
            func,
            args,
            keywords,
            range,
        } = call
        else {
            return;
        };
        let mut kept: Vec<Op> = self.ops.drain(before..).filter(|o| !wide(o)).collect();
        let footprint = self.call_footprint(None, args, keywords, false);
        self.ops.append(&mut kept);
        if !footprint.is_wide() && !footprint.is_none() {
            let name = func.dotted_name().unwrap_or_else(|| "a call".into());
            self.unknown(&name, footprint, *range);
        }
    }

    /// An expression statement: a call with effects (an op) or something harmless.
    fn eval_statement_call(&mut self, expr: &Expr) {
        // `sys.exit(...)` ends the migration as `raise` does.
        if let Expr::Call { func, range, .. } = expr
            && func.dotted_name().is_some_and(|n| matches!(self.lookup(n.split('.').next().unwrap_or_default()), Value::Path(p) if p == "sys"))
            && func.dotted_name().is_some_and(|n| n.ends_with(".exit"))
        {
            self.unknown("sys.exit", Footprint::unbounded(), *range);
            self.returned = true;
            self.raised = true;
            return;
        }
        let before = self.ops.len();
        let value = self.eval(expr);
        if self.ops.len() > before {
            return;
        }
        self.unfollowed_call(expr, &value);
    }

    /// `expr`, evaluated to `value` without recording an op: when it is a call migdoc could
    /// not follow, an unknown op with the footprint of what it was given.
    fn unfollowed_call(&mut self, expr: &Expr, value: &Value) {
        if let Expr::Call {
            func,
            args,
            keywords,
            range,
        } = expr
        {
            let root = root_name(func);
            if root.is_some_and(|r| {
                HARMLESS_ROOTS.contains(&r) || r.to_ascii_lowercase().ends_with("logger")
            }) {
                return;
            }
            // A helper migdoc followed: its operations are recorded, its result is only a value.
            let followed = match func.as_ref() {
                Expr::Name { id, .. } => {
                    matches!(self.lookup(id), Value::Function(_) | Value::Closure(_))
                }
                Expr::Attribute { value, attr, .. } => {
                    matches!(value.as_ref(), Expr::Name { id, .. } if matches!(self.module.globals.get(&format!("{id}.{attr}")), Some(Value::Function(_))))
                }
                _ => false,
            };
            if matches!(value, Value::Unknown | Value::Named(_) | Value::Setting) && !followed {
                let name = func.dotted_name().unwrap_or_else(|| "a call".into());
                let receiver = match func.as_ref() {
                    Expr::Attribute { value, .. } => Some(self.eval_quiet(value)),
                    _ => None,
                };
                // Alembic's `Config` only reads `alembic.ini`: a value migdoc may not know,
                // never an effect on the database.
                if matches!(receiver, Some(Value::AlembicConfig)) {
                    return;
                }
                let unread = matches!(self.eval_quiet(func), Value::Path(p) if is_unread(&p));
                let footprint = self.call_footprint(receiver.as_ref(), args, keywords, unread);
                self.unknown(&name, footprint, *range);
            }
        }
    }

    /// The footprint of running a function migdoc can follow, given as a callback to a call it
    /// cannot follow (`app.after_request(fn)`, `event.listen(target, "connect", fn)`): the call
    /// may run it, any number of times, with any arguments. Its operations are not kept: they
    /// may never run.
    fn callback_footprint(&mut self, callback: &Value, range: TextRange) -> Footprint {
        let mark = self.ops.len();
        match callback {
            Value::Function(i) => {
                self.call_index(*i, &[], &[], range);
            }
            Value::Closure(f) => {
                let f = std::rc::Rc::clone(f);
                self.call_closure(&f, &[], &[], range);
            }
            _ => return Footprint::unbounded(),
        }
        let ops: Vec<Op> = self.ops.drain(mark..).filter(|op| !is_raise(op)).collect();
        Footprint::of_ops(&ops)
    }

    /// [`Self::callback_footprint`] for a function the standard library calls with values of
    /// its own (`json.dump(data, f, default=serialize)`, `sorted(rows, key=by_name)`): its
    /// parameters hold data.
    fn data_callback_footprint(&mut self, callback: &Value, range: TextRange) -> Footprint {
        self.next_missing_args = Some(Value::Data);
        let footprint = self.callback_footprint(callback, range);
        self.next_missing_args = None;
        footprint
    }

    /// What a call migdoc cannot follow may change: the objects its receiver and arguments
    /// name (a helper called with a table or a type name), or anything when an argument cannot
    /// be evaluated or none names an object. A function migdoc could not read (`unread`: from
    /// a module it did not find) given nothing that may name an object has
    /// [`Footprint::unread_code`]'s.
    fn call_footprint(
        &mut self,
        receiver: Option<&Value>,
        args: &[Expr],
        keywords: &[Keyword],
        unread: bool,
    ) -> Footprint {
        let schema = self.kwarg(keywords, "schema").map(|e| self.eval_quiet(e));
        // Functions it is given: what running them may change (and no names).
        let mut callbacks = Footprint::default();
        let mut values = Vec::with_capacity(args.len() + keywords.len());
        for e in args.iter().chain(keywords.iter().map(|k| &k.value)) {
            match self.eval_quiet(e) {
                v @ (Value::Function(_) | Value::Closure(_)) => {
                    callbacks = callbacks.union(self.callback_footprint(&v, e.range()));
                }
                v => values.push(v),
            }
        }
        let Some((mut names, data)) = names_and_data(&values) else {
            return Footprint::unbounded();
        };
        if callbacks.is_unbounded() {
            return callbacks;
        }
        // A setting of the project's may name a table (never an enum type): code migdoc
        // could not read that is given one may touch any table; other code, anything.
        let setting = values.iter().any(holds_a_setting);
        if setting && !unread {
            return Footprint::unbounded();
        }
        if let Some(Value::Named(more)) = receiver {
            names.extend(more.iter().cloned());
        }
        if names.is_empty() {
            // Rows, ORM objects and plain values name no table or type: a call that gets only
            // those changes data. A call that gets nothing at all may do anything, but code
            // migdoc could not read, given no value of a module it could not read either (which
            // may hold a name), drops no enum type.
            let unread_values = values
                .iter()
                .any(|v| matches!(v, Value::Path(p) if is_unread(p)));
            return if data && !setting {
                callbacks
            } else if unread && !unread_values {
                Footprint::unread_code().union(callbacks)
            } else {
                Footprint::unbounded()
            };
        }
        if let Some(Value::Str(schema, _)) = schema {
            let qualified: Vec<String> = names.iter().map(|n| format!("{schema}.{n}")).collect();
            names.extend(qualified);
        }
        let footprint = Footprint::of_names(names).union(callbacks);
        if setting {
            footprint.union(Footprint::unread_code())
        } else {
            footprint
        }
    }

    /// Evaluates without keeping the ops it would record (to look at a condition first).
    fn eval_quiet(&mut self, expr: &Expr) -> Value {
        let n = self.ops.len();
        let v = self.eval(expr);
        self.ops.truncate(n);
        v
    }

    fn eval(&mut self, expr: &Expr) -> Value {
        match expr {
            Expr::Str { value, layout, .. } => Value::Str(value.clone(), layout.content_start),
            Expr::Int { value: Some(i), .. } => Value::Int(*i),
            Expr::Bool { value, .. } => Value::Bool(*value),
            Expr::NoneLiteral { .. } => Value::None,
            Expr::Name { id, .. } => self.lookup(id),
            Expr::Tuple { elts, .. } | Expr::List { elts, .. } | Expr::Set { elts, .. } => {
                Value::Seq(elts.iter().map(|e| self.eval(e)).collect())
            }
            Expr::Dict { items, .. } => Value::Dict(
                items
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_ref().map_or(Value::Unknown, |k| self.eval(k)),
                            self.eval(v),
                        )
                    })
                    .collect(),
            ),
            Expr::FString { parts, .. } => {
                // Each text the f-string may give: one, or several when a value is one of a
                // few strings (`{'CONCURRENTLY ' if c else ''}`), with whether it holds a hole.
                let mut texts: Vec<(String, bool)> = vec![(String::new(), false)];
                for part in parts {
                    match part {
                        FStringPart::Literal(s) => {
                            for (t, _) in &mut texts {
                                t.push_str(s);
                            }
                        }
                        FStringPart::Interpolation {
                            expr,
                            conversion,
                            has_format_spec,
                            format_spec,
                        } => {
                            let value = self.eval(expr);
                            let spec = match (has_format_spec, format_spec) {
                                (false, _) => Some(""),
                                (true, Some(spec)) => Some(spec.as_str()),
                                (true, None) => None,
                            };
                            let render = |value: &Value| -> (String, bool) {
                                let text = match (value, conversion) {
                                    (Value::Holed(s), None | Some('s')) if spec == Some("") => {
                                        return (s.clone(), true);
                                    }
                                    (v, None | Some('s')) => {
                                        spec.and_then(|spec| py_format(v, spec))
                                    }
                                    (Value::Str(s, _), Some('r')) => spec.and_then(|spec| {
                                        py_format(&Value::Str(py_repr(s), None), spec)
                                    }),
                                    _ => None,
                                };
                                text.map_or_else(|| (HOLE.to_owned(), true), |t| (t, false))
                            };
                            let choices: Vec<(String, bool)> = match &value {
                                Value::OneOf(vs) if texts.len() * vs.len() <= MAX_FSTRING_TEXTS => {
                                    vs.iter().map(render).collect()
                                }
                                v => vec![render(v)],
                            };
                            texts = texts
                                .iter()
                                .flat_map(|(t, h)| {
                                    choices
                                        .iter()
                                        .map(move |(c, ch)| (format!("{t}{c}"), *h || *ch))
                                })
                                .collect();
                        }
                    }
                }
                let mut values: Vec<Value> = texts
                    .into_iter()
                    .map(|(t, holed)| {
                        if holed {
                            Value::Holed(t)
                        } else {
                            Value::Str(t, None)
                        }
                    })
                    .collect();
                if values.len() == 1 {
                    values.pop().unwrap_or(Value::Unknown)
                } else {
                    Value::OneOf(values)
                }
            }
            Expr::BinOp {
                left, op, right, ..
            } => {
                let (l, r) = (self.eval(left), self.eval(right));
                binop(*op, l, r)
            }
            Expr::UnaryOp {
                op: UnaryOp::Not,
                operand,
                ..
            } => match self.eval(operand) {
                Value::Exists(subject, positive) => Value::Exists(subject, !positive),
                v => match v.truthy() {
                    Some(b) => Value::Bool(!b),
                    None => self
                        .dialect_test(operand)
                        .map_or(Value::Unknown, |b| Value::Bool(!b)),
                },
            },
            Expr::UnaryOp {
                op: op @ (UnaryOp::Neg | UnaryOp::Pos),
                operand,
                ..
            } => match (op, self.eval(operand)) {
                (UnaryOp::Neg, Value::Int(i)) => i.checked_neg().map_or(Value::Unknown, Value::Int),
                (_, Value::Int(i)) => Value::Int(i),
                _ => Value::Unknown,
            },
            Expr::BoolOp { op, values, .. } => {
                let mut result = Some(matches!(op, BoolOp::And));
                for v in values {
                    let t = self.eval(v).truthy().or_else(|| self.dialect_test(v));
                    result = match (op, result, t) {
                        (BoolOp::And, _, Some(false)) | (BoolOp::Or, _, Some(true)) => {
                            return Value::Bool(t == Some(true));
                        }
                        (_, Some(r), Some(_)) => Some(r),
                        _ => None,
                    };
                }
                result.map_or(Value::Unknown, Value::Bool)
            }
            Expr::Compare {
                left,
                ops,
                comparators,
                ..
            } if ops.len() == 1 => {
                let (l, r) = (self.eval(left), self.eval(&comparators[0]));
                compare(ops[0], &l, &r)
            }
            Expr::Attribute { value, attr, .. } => {
                if let Expr::Name { id, .. } = value.as_ref()
                    && let Some(v) = self.module.globals.get(&format!("{id}.{attr}"))
                {
                    return v.clone();
                }
                // `down_version_module.Base.metadata`: an imported module's declarative base.
                if let Some(dotted) = value.dotted_name()
                    && dotted.contains('.')
                    && let Some(v @ Value::MetaData { .. }) =
                        self.module.globals.get(&format!("{dotted}.{attr}"))
                {
                    return v.clone();
                }
                let base = self.eval(value);
                // `(15, 4)` on PostgreSQL 15: the major version deployments run, the minor one
                // unknown.
                if matches!(base, Value::Dialect) && attr == "server_version_info" {
                    return self
                        .module
                        .options
                        .postgres_version
                        .map_or(Value::Unknown, |v| {
                            Value::Seq(vec![Value::Int(i64::from(v)), Value::Unknown])
                        });
                }
                attribute(base, attr)
            }
            Expr::Call {
                func,
                args,
                keywords,
                range,
            } => self.call(func, args, keywords, *range),
            // `*LABELS` in a call: its items (callers that take sequences accept it).
            Expr::Starred { value, .. } => self.eval(value),
            Expr::Walrus { target, value, .. } => {
                let v = self.eval(value);
                self.assign(target, v.clone());
                v
            }
            Expr::Comprehension {
                key,
                elt,
                generators,
                range,
            } => {
                // The comprehension's own variables do not outlive it.
                let saved = self.locals.clone();
                let v = self.comprehension(key.as_deref(), elt, generators, *range);
                self.locals = saved;
                v
            }
            Expr::Subscript { value, slice, .. } => {
                let base = self.eval(value);
                match slice.as_ref() {
                    Expr::Slice {
                        lower, upper, step, ..
                    } => {
                        let mut bound = |e: &Option<Box<Expr>>| match e {
                            None => Some(None),
                            Some(e) => match self.eval(e) {
                                Value::Int(i) => Some(Some(i)),
                                Value::None => Some(None),
                                _ => None,
                            },
                        };
                        match (bound(lower), bound(upper), bound(step)) {
                            (Some(lo), Some(hi), Some(None | Some(1))) => slice_of(base, lo, hi),
                            _ => Value::Unknown,
                        }
                    }
                    index => {
                        let index = self.eval(index);
                        subscript(base, &index)
                    }
                }
            }
            Expr::IfExp {
                test, body, orelse, ..
            } => {
                let decided = self.eval(test).truthy().or_else(|| self.dialect_test(test));
                match decided {
                    Some(true) => self.eval(body),
                    Some(false) => self.eval(orelse),
                    // `"CONCURRENTLY " if c else ""`: one of two texts.
                    None => {
                        let arms = [self.eval_quiet(body), self.eval_quiet(orelse)];
                        let texts = arms.iter().all(|v| {
                            matches!(v, Value::Str(..) | Value::Holed(_) | Value::OneOf(_))
                        });
                        if texts {
                            let mut alternatives = Vec::new();
                            for v in arms {
                                match v {
                                    Value::OneOf(vs) => alternatives.extend(vs),
                                    v => alternatives.push(v),
                                }
                            }
                            Value::OneOf(alternatives)
                        } else {
                            Value::Unknown
                        }
                    }
                }
            }
            _ => Value::Unknown,
        }
    }

    /// A comprehension over a sequence migdoc knows, with conditions it can decide: its items
    /// (a dict for `{k: v for ...}`), and the ops they record. Over rows: data. Over what a
    /// call migdoc could not follow returned: made from the same names. Otherwise unknown,
    /// and the ops its items may record are uncertain.
    fn comprehension(
        &mut self,
        key: Option<&Expr>,
        elt: &Expr,
        generators: &[Generator],
        range: TextRange,
    ) -> Value {
        if let Some(table) = self.column_names_of(key.unwrap_or(elt), generators) {
            return Value::ColumnNames(table);
        }
        let before = self.ops.len();
        if let [g] = generators
            && let Ok(items) = iter_values(self.eval(&g.iter))
        {
            let mut out = Vec::new();
            let mut decided = true;
            for item in items {
                self.assign(&g.target, item);
                let mut keep = true;
                for cond in &g.ifs {
                    match self.eval(cond).truthy() {
                        Some(t) => keep &= t,
                        None => decided = false,
                    }
                }
                if !decided {
                    break;
                }
                if keep {
                    let k = key.map(|k| self.eval(k));
                    out.push((k, self.eval(elt)));
                }
            }
            if decided {
                return match key {
                    Some(_) => Value::Dict(
                        out.into_iter()
                            .map(|(k, v)| (k.unwrap_or(Value::Unknown), v))
                            .collect(),
                    ),
                    None => Value::Seq(out.into_iter().map(|(_, v)| v).collect()),
                };
            }
            self.ops.truncate(before);
        }
        let mut all_data = true;
        let mut names = Some(Vec::new());
        for g in generators {
            let item = item_of(self.eval_quiet(&g.iter));
            match &item {
                Value::Data => {}
                Value::Named(n) => {
                    all_data = false;
                    if let Some(names) = names.as_mut() {
                        names.extend(n.iter().cloned());
                    }
                }
                _ => {
                    all_data = false;
                    names = None;
                }
            }
            self.assign(&g.target, item);
            for cond in &g.ifs {
                self.eval_quiet(cond);
            }
        }
        let mark = self.ops.len();
        if let Some(k) = key {
            self.eval(k);
        }
        self.eval(elt);
        let ops: Vec<Op> = self.ops.drain(mark..).collect();
        self.uncertain(
            "a comprehension over values migdoc cannot evaluate",
            &ops,
            range,
        );
        match (all_data, names) {
            (true, _) => Value::Data,
            (false, Some(names)) => Value::Named(names),
            (false, None) => Value::Unknown,
        }
    }

    /// `[c["name"] for c in inspector.get_columns("t")]` (or `c.get("name")`, a set, a dict
    /// keyed by the name): the table whose column names it lists. `schema=` qualifies it.
    fn column_names_of(&mut self, key: &Expr, generators: &[Generator]) -> Option<String> {
        let [g] = generators else { return None };
        let Expr::Name { id: var, .. } = &g.target else {
            return None;
        };
        let Expr::Call {
            func,
            args,
            keywords,
            ..
        } = &g.iter
        else {
            return None;
        };
        let Expr::Attribute { value, attr, .. } = func.as_ref() else {
            return None;
        };
        if !g.ifs.is_empty()
            || attr != "get_columns"
            || !is_name_of(key, var)
            || !matches!(self.eval_quiet(value), Value::Inspector)
        {
            return None;
        }
        let table = match args
            .first()
            .or_else(|| self.kwarg(keywords, "table_name"))
            .map(|a| self.eval_quiet(a))
        {
            Some(Value::Str(t, _)) => t,
            _ => return None,
        };
        match self.kwarg(keywords, "schema").map(|e| self.eval_quiet(e)) {
            None | Some(Value::None) => Some(table),
            Some(Value::Str(schema, _)) => Some(format!("{schema}.{table}")),
            Some(_) => None,
        }
    }

    fn call(
        &mut self,
        func: &Expr,
        args: &[Expr],
        keywords: &[Keyword],
        range: TextRange,
    ) -> Value {
        // A function of a project module imported as a module (`utils.helper(...)`).
        if let Expr::Attribute { value, attr, .. } = func
            && let Expr::Name { id, .. } = value.as_ref()
            && let Some(Value::Function(i)) =
                self.module.globals.get(&format!("{id}.{attr}")).cloned()
        {
            return self.call_index(i, args, keywords, range);
        }
        // Methods first: the receiver decides.
        if let Expr::Attribute { value, attr, .. } = func {
            // A method of one of several texts: of a text migdoc does not know.
            let receiver = match self.eval(value) {
                Value::OneOf(_) => Value::Unknown,
                v => v,
            };
            match (&receiver, attr.as_str()) {
                // `op.get_context().opts.get("profile")`: as `opts["profile"]`.
                (Value::Setting, "get") => {
                    let key = args.first().map(|a| self.eval(a));
                    return key.map_or(Value::Unknown, |k| setting(&k));
                }
                (Value::Path(_), "execute") if is_op(&receiver) => {
                    let sql = args.first().or_else(|| self.kwarg(keywords, "sqltext"));
                    self.execute(sql, ParamStyleTag::Named, range);
                    return Value::Unknown;
                }
                // The driver's cursor (`conn.connection.cursor()`): its `execute` runs SQL as
                // written, `copy_expert` and friends move rows.
                (Value::Bind, "cursor") => {
                    for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                        self.eval(a);
                    }
                    return Value::Data;
                }
                (Value::Bind | Value::Data, "execute") => {
                    // `text(...)` uses `:name` parameters; a plain string goes to the driver as it
                    // is (SQLAlchemy 1.x), with psycopg2's `%s` parameters.
                    let arg = args.first().map(|a| self.eval_quiet(a));
                    // SQLAlchemy 2.0 refuses a plain string: the migration fails there. The SQL
                    // follows, as 1.x ran it (through the driver, `%s` parameters).
                    // Text with holes is a plain string only where the argument itself builds
                    // it (an f-string, `+`, `%`): `text()` of such text evaluates to the same
                    // holed value, so one held in a variable may be either.
                    let plain = match &arg {
                        Some(Value::Str(..)) => true,
                        Some(Value::Holed(..)) => args.first().is_some_and(builds_a_string),
                        _ => false,
                    };
                    let not_executable = matches!(receiver, Value::Bind)
                        && plain
                        && self.module.options.sqlalchemy_2_0 == Some(true);
                    if not_executable {
                        self.push(OpKind::StringNotExecutable, range);
                    }
                    if let Some(subject) = arg.as_ref().and_then(existence_query) {
                        return Value::ExistsQuery(subject);
                    }
                    let style = match arg {
                        Some(Value::Str(..)) => ParamStyleTag::Pyformat,
                        _ => ParamStyleTag::Named,
                    };
                    self.execute(args.first(), style, range);
                    return Value::Data;
                }
                // `.execute(sa.text(...))` on a connection migdoc could not recognise as one (a
                // helper's, a context manager's): SQL run on the database all the same.
                (Value::Unknown | Value::Named(_), "execute")
                    if matches!(
                        args.first().map(|a| self.eval_quiet(a)),
                        Some(Value::Text(..))
                    ) =>
                {
                    self.execute(args.first(), ParamStyleTag::Named, range);
                    return Value::Data;
                }
                // `alembic.ini`'s `[alembic]` options, as configured.
                (Value::AlembicConfig, "get_main_option") => {
                    let key = args.first().map(|a| self.eval(a));
                    let default = self
                        .kwarg(keywords, "default")
                        .or_else(|| args.get(1))
                        .map(|e| self.eval(e))
                        .unwrap_or(Value::None);
                    return match (key, self.module.options.main_options.as_deref()) {
                        (Some(Value::Str(key, _)), Some(options)) => options
                            .get(&key)
                            .map_or(default, |v| Value::Str(v.clone(), None)),
                        _ => Value::Unknown,
                    };
                }
                (Value::Bind, "exec_driver_sql") => {
                    self.execute(args.first(), ParamStyleTag::Pyformat, range);
                    return Value::Data;
                }
                // Queries, rows and ORM sessions: data, never the catalog (`session.execute` of
                // SQL text is handled with `execute` above).
                (
                    Value::TableObj {
                        name: Some(name),
                        columns: Some(columns),
                        open_columns,
                        ..
                    },
                    "create",
                ) if self.table_create(name, columns, args, keywords, range) => {
                    if *open_columns {
                        self.unknown(
                            "create() of a model with columns migdoc cannot read (a mixin from elsewhere, a declared_attr)",
                            Footprint::of_columns(name.clone()),
                            range,
                        );
                    }
                    return Value::None;
                }
                (Value::TableObj { .. }, "create" | "drop") => {
                    let footprint = table_footprint(&receiver);
                    self.unknown(&format!("{attr}() of a SQLAlchemy table"), footprint, range);
                    return Value::None;
                }
                (Value::TableObj { .. }, _) => {
                    for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                        self.eval(a);
                    }
                    return Value::Data;
                }
                // `db.Session(bind=bind)` on an extension object migdoc could not evaluate
                // (`db = get_sqla_class()()`): an ORM session all the same.
                (Value::Unknown | Value::Named(_), factory) if is_session_factory(factory) => {
                    for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                        self.eval(a);
                    }
                    return Value::Data;
                }
                // The same statement with values for its parameters (`.params(...)`, which
                // prefect's data migrations use) or other options.
                (
                    Value::Text(..),
                    "bindparams" | "params" | "unique_params" | "columns" | "execution_options",
                ) => {
                    for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                        self.eval(a);
                    }
                    return receiver.clone();
                }
                // Python's own container and string methods change a Python value, not the
                // database; so do the methods of what the standard library made from values
                // that reach no database (`csv.DictWriter(f, ...).writerows(rows)`), unless
                // they are given a connection or a function.
                (Value::Opaque, _) => {
                    let mut handle = false;
                    for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                        handle |= reaches_the_database(&self.eval_quiet(a));
                    }
                    if !handle {
                        for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                            self.eval(a);
                        }
                        return Value::Opaque;
                    }
                }
                // `t.insert().values(...)`, `t.update()`: SQLAlchemy Core DML on a table migdoc
                // could not evaluate (a helper's result, a parameter): data.
                // `Model.__table__.delete()`, also of a model imported from a module migdoc
                // could not read: a DML construct.
                (
                    Value::Unknown | Value::Named(_) | Value::Path(_),
                    "insert" | "update" | "delete" | "select",
                ) if args.is_empty() && !is_op(&receiver) => {
                    return Value::Data;
                }
                (Value::Unknown | Value::Named(_) | Value::Seq(_) | Value::Dict(_), method)
                    if is_container_method(method)
                        // Those below, on a list or a dict migdoc knows, give what Python gives.
                        && !matches!(
                            (&receiver, method),
                            (Value::Dict(_), "items" | "keys" | "values" | "get")
                                | (Value::Seq(_), "append" | "extend")
                        ) =>
                {
                    for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                        self.eval(a);
                    }
                    // `d.update(...)`, `names.insert(0, x)` on a list or dict migdoc knows: it
                    // is no longer what migdoc knows.
                    if matches!(receiver, Value::Seq(_) | Value::Dict(_))
                        && MUTATING_METHODS.contains(&method)
                        && let Expr::Name { id, .. } = value.as_ref()
                    {
                        self.locals.insert(id.clone(), Value::Unknown);
                    }
                    return Value::Data;
                }
                // `metadata.create_all(bind, tables=[A.__table__, ...])`: those tables.
                (Value::Data | Value::MetaData { .. }, "create_all" | "drop_all")
                    if self.kwarg(keywords, "tables").is_some() =>
                {
                    let tables = self.kwarg(keywords, "tables").map(|e| self.eval(e));
                    let footprint = match tables {
                        Some(Value::Seq(items)) => items
                            .iter()
                            .fold(Footprint::default(), |acc, t| acc.union(table_footprint(t))),
                        _ => Footprint::unbounded(),
                    };
                    self.unknown(
                        &format!("metadata.{attr}() of listed tables"),
                        footprint,
                        range,
                    );
                    return Value::None;
                }
                // `meta.create_all(bind)` of a `MetaData` migdoc follows: the DDL it emits.
                (
                    Value::MetaData {
                        tables,
                        duplicate: false,
                    },
                    "create_all",
                ) if self.kwarg(keywords, "tables").is_none()
                    && args.get(1).is_none()
                    && self.metadata_create_all(tables, args, keywords, range) =>
                {
                    return Value::None;
                }
                // Otherwise (`drop_all()` too) the tables and types it names, when it names them.
                (Value::MetaData { tables, .. }, "create_all" | "drop_all")
                    if self.kwarg(keywords, "tables").is_none() && args.get(1).is_none() =>
                {
                    for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                        self.eval(a);
                    }
                    let footprint = tables
                        .iter()
                        .fold(Footprint::default(), |acc, t| acc.union(table_footprint(t)));
                    self.unknown(&format!("{attr}() of a MetaData"), footprint, range);
                    return Value::None;
                }
                (Value::MetaData { .. }, _) => {
                    for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                        self.eval(a);
                    }
                    self.unknown(
                        &format!("{attr}() of a SQLAlchemy metadata"),
                        Footprint::unbounded(),
                        range,
                    );
                    return Value::None;
                }
                // `sa.Table(...).create(bind)`, `metadata.create_all(bind)`: DDL migdoc does not follow.
                // DDL needs a connection: `factory.create(sa.String(256))` given none builds a
                // value (a column type), as other methods of data do.
                (Value::Data, "create" | "drop" | "create_all" | "drop_all")
                    if args
                        .iter()
                        .chain(keywords.iter().map(|k| &k.value))
                        .any(|a| matches!(self.eval_quiet(a), Value::Bind | Value::Context)) =>
                {
                    self.unknown(
                        &format!("{attr}() of a SQLAlchemy table or metadata"),
                        Footprint::unbounded(),
                        range,
                    );
                    return Value::None;
                }
                // Reflected column names are data too (`existing.get(name)`, `cols.keys()`).
                (Value::Data | Value::ColumnNames(_), _) => {
                    for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                        self.eval(a);
                    }
                    return Value::Data;
                }
                // The connection's own commit ends Alembic's transaction (the next statement begins
                // a new one): labels added before it are usable after it.
                (Value::Bind, "commit") => {
                    self.push(OpKind::AutocommitBlock { enter: false }, range);
                    return Value::None;
                }
                // A rollback undoes what the transaction did so far: migdoc does not follow it.
                (Value::Bind, "rollback") => {
                    self.unknown(
                        "a rollback of the migration's transaction",
                        Footprint::unbounded(),
                        range,
                    );
                    return Value::None;
                }
                (Value::Bind, "begin" | "begin_nested" | "close" | "scalar" | "scalars") => {
                    return Value::Data;
                }
                (Value::Inspector, "get_table_names") => return Value::TableNames,
                (Value::Dict(items), "items") => {
                    return Value::Seq(
                        items
                            .iter()
                            .map(|(k, v)| Value::Seq(vec![k.clone(), v.clone()]))
                            .collect(),
                    );
                }
                (Value::Dict(items), "keys") => {
                    return Value::Seq(items.iter().map(|(k, _)| k.clone()).collect());
                }
                (Value::Dict(items), "values") => {
                    return Value::Seq(items.iter().map(|(_, v)| v.clone()).collect());
                }
                (Value::Dict(_), "get") => {
                    let key = args.first().map(|a| self.eval(a)).unwrap_or(Value::Unknown);
                    let default = args.get(1).map_or(Value::None, |a| self.eval(a));
                    let found = match &receiver {
                        Value::Dict(items) => dict_get(items, &key),
                        _ => None,
                    };
                    return match (found, &key) {
                        (Some(v), _) => v.clone(),
                        (None, Value::Str(..) | Value::Int(_)) => default,
                        _ => Value::Unknown,
                    };
                }
                (Value::Seq(items), "append" | "extend") => {
                    // `names.append(x)` on a local list: the list grows.
                    let mut items = items.clone();
                    let added = args.first().map(|a| self.eval(a)).unwrap_or(Value::Unknown);
                    match (attr.as_str(), added) {
                        ("append", v) => items.push(v),
                        (_, Value::Seq(more)) => items.extend(more),
                        _ => items.push(Value::Unknown),
                    }
                    if let Expr::Name { id, .. } = value.as_ref() {
                        self.locals.insert(id.clone(), Value::Seq(items));
                    }
                    return Value::None;
                }
                // `checkfirst` defaults to true for `postgresql.ENUM` and `DOMAIN` (`NamedType`),
                // to false for `sa.Enum` (`SchemaType.create` / `.drop`), in 1.4, 2.0 and 2.1.
                (Value::Enum(spec), "create") => {
                    let checkfirst = self.checkfirst(args, keywords, spec.dialect_enum);
                    self.push(
                        OpKind::CreateEnum {
                            spec: spec.clone(),
                            checkfirst,
                        },
                        range,
                    );
                    return Value::None;
                }
                (Value::Enum(spec), "drop") => {
                    let checkfirst = self.checkfirst(args, keywords, spec.dialect_enum);
                    match &spec.name {
                        Some(name) => self.push(
                            OpKind::DropEnum {
                                name: name.clone(),
                                checkfirst,
                            },
                            range,
                        ),
                        None => self.unknown(
                            "drop of an enum without a name",
                            Footprint {
                                any_type: true,
                                ..Footprint::default()
                            },
                            range,
                        ),
                    }
                    return Value::None;
                }
                (Value::Str(s, _), "format") => {
                    let positional: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
                    let named: Vec<(String, Value)> = keywords
                        .iter()
                        .filter_map(|k| Some((k.arg.clone()?, self.eval(&k.value))))
                        .collect();
                    // A value migdoc cannot evaluate leaves a hole, as in an f-string.
                    return match brace_format(s, &positional, &named) {
                        Some((s, false)) => Value::Str(s, None),
                        Some((s, true)) => Value::Holed(s),
                        None => Value::Unknown,
                    };
                }
                (
                    Value::ExistsQuery(subject),
                    "scalar" | "fetchone" | "first" | "scalar_one" | "scalar_one_or_none",
                ) => {
                    return Value::Exists(subject.clone(), true);
                }
                (Value::Inspector, "has_table") => {
                    return match args.first().map(|a| self.eval(a)) {
                        Some(Value::Str(t, _)) => Value::Exists(GuardSubject::Table(t), true),
                        _ => Value::Unknown,
                    };
                }
                // SQLAlchemy's `Inspector` only reads the catalog (`get_unique_constraints`,
                // `get_indexes`, `has_index`, `reflect_table`, ...): what it returns is data.
                (Value::Inspector, _) => {
                    for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                        self.eval(a);
                    }
                    return Value::Data;
                }
                (Value::Batch(table), method) => {
                    let table = table.clone();
                    return self.batch_call(&table, method, args, keywords, range);
                }
                (Value::Template(text), "substitute" | "safe_substitute") => {
                    let mut vars: Vec<(String, Value)> = Vec::new();
                    if let Some(Value::Dict(items)) = args.first().map(|a| self.eval(a)) {
                        vars.extend(
                            items
                                .into_iter()
                                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v))),
                        );
                    }
                    vars.extend(
                        keywords
                            .iter()
                            .filter_map(|k| Some((k.arg.clone()?, self.eval(&k.value)))),
                    );
                    return template_substitute(text, &vars, attr == "safe_substitute");
                }
                (Value::Str(s, _), "replace") => {
                    let a: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
                    return match (a.first(), a.get(1), a.len()) {
                        (Some(Value::Str(from, _)), Some(Value::Str(to, _)), 2) => {
                            Value::Str(s.replace(from.as_str(), to), None)
                        }
                        (Some(Value::Str(from, _)), Some(_), 2) => {
                            Value::Holed(s.replace(from.as_str(), HOLE))
                        }
                        _ => Value::Unknown,
                    };
                }
                (Value::Str(s, _), "strip") if args.is_empty() => {
                    return Value::Str(s.trim().to_owned(), None);
                }
                (Value::Str(s, _), "upper") => return Value::Str(s.to_uppercase(), None),
                (Value::Str(s, _), "lower") => return Value::Str(s.to_lowercase(), None),
                (Value::Str(s, _), "join") => {
                    return args
                        .first()
                        .and_then(|a| self.eval(a).strings())
                        .map_or(Value::Unknown, |parts| Value::Str(parts.join(s), None));
                }
                _ => {}
            }
            if let Value::Path(path) = &receiver {
                let full = format!("{path}.{attr}");
                return self.call_path(&full, args, keywords, range);
            }
            return self.data_call(Some(&receiver), args, keywords);
        }
        if let Expr::Name { id, .. } = func
            && matches!(self.lookup(id), Value::Unknown)
            && let Some(v) = self.builtin(id, args)
        {
            return v;
        }
        match self.eval(func) {
            Value::Path(path) => self.call_path(&path, args, keywords, range),
            Value::Function(i) => self.call_index(i, args, keywords, range),
            Value::Closure(f) => self.call_closure(&f, args, keywords, range),
            // `Session = sessionmaker(); session = Session(bind=bind)`.
            Value::Data => Value::Data,
            _ => Value::Unknown,
        }
    }

    /// A call migdoc cannot follow whose arguments are all rows, ORM objects or queries
    /// (`json.loads(row.params)`, `convert(obj)`): its result is data too. Otherwise unknown.
    fn data_call(
        &mut self,
        receiver: Option<&Value>,
        args: &[Expr],
        keywords: &[Keyword],
    ) -> Value {
        // Each argument is evaluated once: a nested call's arguments would otherwise be
        // evaluated again at every level.
        let values: Vec<Value> = args
            .iter()
            .chain(keywords.iter().map(|k| &k.value))
            .map(|e| self.eval_quiet(e))
            .collect();
        // A string may name a table or a type: such a call is not plain data.
        let plain = values.iter().all(|v| {
            matches!(
                v,
                Value::Data | Value::Int(_) | Value::Bool(_) | Value::None
            )
        });
        if plain && values.iter().any(|v| matches!(v, Value::Data)) {
            return Value::Data;
        }
        // Otherwise: made from the names it was given, when migdoc knows them all.
        let mut names = match receiver {
            None | Some(Value::Path(_) | Value::Setting) => Vec::new(),
            Some(Value::Named(names)) => names.clone(),
            Some(_) => return Value::Unknown,
        };
        let setting =
            matches!(receiver, Some(Value::Setting)) || values.iter().any(holds_a_setting);
        match names_and_data(&values).map(|(names, _)| names) {
            // Built from settings alone (`get_filepath_container(profile)`): a setting too.
            Some(more) if setting => {
                if names.is_empty() && more.is_empty() {
                    Value::Setting
                } else {
                    Value::Unknown
                }
            }
            Some(more) => {
                names.extend(more);
                Value::Named(names)
            }
            None => Value::Unknown,
        }
    }

    /// Python's builtins that migrations use on values migdoc knows.
    fn builtin(&mut self, name: &str, args: &[Expr]) -> Option<Value> {
        let arg = args.first().map(|a| self.eval(a));
        Some(match (name, arg) {
            ("bool", Some(v)) => v.truthy().map_or(Value::Unknown, Value::Bool),
            // A file: the standard library's, no database.
            ("open", Some(_)) => {
                for a in &args[1..] {
                    self.eval(a);
                }
                Value::Opaque
            }
            ("str", Some(v @ Value::Str(..))) => v,
            ("str", Some(Value::Int(i))) => Value::Str(i.to_string(), None),
            ("len", Some(Value::Seq(items))) => {
                Value::Int(i64::try_from(items.len()).unwrap_or(i64::MAX))
            }
            ("len", Some(Value::Str(s, _))) => {
                Value::Int(i64::try_from(s.chars().count()).unwrap_or(i64::MAX))
            }
            // `type(name, (Base,), {"__tablename__": name})`: a model class made at run time.
            ("type", Some(Value::Str(..))) if args.len() == 3 => match self.eval(&args[2]) {
                Value::Dict(items) => items
                    .iter()
                    .find(|(k, _)| k.as_str() == Some("__tablename__"))
                    .map_or(Value::Unknown, |(_, v)| match v {
                        Value::Str(n, _) => Value::TableObj {
                            name: Some(n.clone()),
                            enum_types: None,
                            columns: None,
                            open_columns: false,
                        },
                        _ => Value::Unknown,
                    }),
                _ => Value::Unknown,
            },
            ("len", Some(Value::Dict(items))) => {
                Value::Int(i64::try_from(items.len()).unwrap_or(i64::MAX))
            }
            ("str", Some(v @ (Value::Bool(_) | Value::None))) => {
                py_format(&v, "").map_or(Value::Unknown, |s| Value::Str(s, None))
            }
            ("repr", Some(Value::Str(s, _))) => Value::Str(py_repr(&s), None),
            ("repr", Some(Value::Int(i))) => Value::Str(i.to_string(), None),
            ("int", Some(Value::Int(i))) => Value::Int(i),
            ("int", Some(Value::Str(s, _))) => s.trim().parse().map_or(Value::Unknown, Value::Int),
            // Over rows of a query: data still.
            ("list" | "tuple" | "enumerate" | "zip" | "sorted" | "reversed", Some(Value::Data)) => {
                Value::Data
            }
            ("list" | "tuple", Some(v)) => iter_values(v).map_or(Value::Unknown, Value::Seq),
            ("range", Some(Value::Int(first))) => {
                let rest: Vec<Value> = args[1..].iter().map(|a| self.eval(a)).collect();
                let (start, stop, step) = match rest.as_slice() {
                    [] => (0, first, 1),
                    [Value::Int(stop)] => (first, *stop, 1),
                    [Value::Int(stop), Value::Int(step)] if *step != 0 => (first, *stop, *step),
                    _ => return Some(Value::Unknown),
                };
                let mut out = Vec::new();
                let mut i = start;
                while (step > 0 && i < stop) || (step < 0 && i > stop) {
                    if out.len() >= MAX_REPEAT {
                        return Some(Value::Unknown);
                    }
                    out.push(Value::Int(i));
                    i += step;
                }
                Value::Seq(out)
            }
            ("enumerate", Some(v)) => {
                let start = match args.get(1).map(|a| self.eval(a)) {
                    None => 0,
                    Some(Value::Int(s)) => s,
                    Some(_) => return Some(Value::Unknown),
                };
                match iter_values(v) {
                    Ok(items) => Value::Seq(
                        items
                            .into_iter()
                            .zip(start..)
                            .map(|(item, i)| Value::Seq(vec![Value::Int(i), item]))
                            .collect(),
                    ),
                    Err(_) => Value::Unknown,
                }
            }
            ("zip", Some(first)) => {
                let mut columns = vec![iter_values(first)];
                for a in &args[1..] {
                    let v = self.eval(a);
                    columns.push(iter_values(v));
                }
                let Ok(columns) = columns.into_iter().collect::<Result<Vec<_>, _>>() else {
                    return Some(Value::Unknown);
                };
                let n = columns.iter().map(Vec::len).min().unwrap_or(0);
                Value::Seq(
                    (0..n)
                        .map(|i| Value::Seq(columns.iter().map(|c| c[i].clone()).collect()))
                        .collect(),
                )
            }
            ("sorted", Some(Value::Seq(items))) if items.iter().all(|i| i.as_str().is_some()) => {
                let mut items = items;
                items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                Value::Seq(items)
            }
            ("reversed", Some(Value::Seq(mut items))) => {
                items.reverse();
                Value::Seq(items)
            }
            _ => return None,
        })
    }

    /// Positional arguments with `*seq` spread; a `*x` migdoc cannot evaluate leaves the rest
    /// of the positions unknown (one unknown stands for them all).
    fn positional(&mut self, args: &[Expr]) -> Vec<Value> {
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            match a {
                Expr::Starred { value, .. } => match self.eval(value) {
                    Value::Seq(items) => out.extend(items),
                    _ => {
                        out.push(Value::Unknown);
                        out.extend(std::iter::repeat_n(Value::Unknown, 8));
                        break;
                    }
                },
                a => out.push(self.eval(a)),
            }
        }
        out
    }

    fn keyword_or_default<'p>(
        &mut self,
        param: &'p migdoc_python::ast::Param,
        named: &[(String, Value)],
        used: &mut Vec<&'p str>,
    ) -> Value {
        if let Some((_, v)) = named.iter().find(|(n, _)| *n == param.name) {
            used.push(&param.name);
            return v.clone();
        }
        match &param.default {
            Some(default) => self.eval(default),
            None => self.missing_args.clone(),
        }
    }

    /// Calls function `index` of this module: in its home module when it was imported, with
    /// its operations shown at the call (their own ranges are in another file).
    fn call_index(
        &mut self,
        index: usize,
        args: &[Expr],
        keywords: &[Keyword],
        range: TextRange,
    ) -> Value {
        let f = self.module.functions[index];
        match self.module.homes[index].clone() {
            Some(home) => self.call_in(&home, f, args, keywords, range, true),
            None => self.call_def(f, args, keywords, range),
        }
    }

    fn call_def(
        &mut self,
        f: &FunctionDef,
        args: &[Expr],
        keywords: &[Keyword],
        range: TextRange,
    ) -> Value {
        let module = self.module;
        self.call_in(module, f, args, keywords, range, false)
    }

    /// A function defined inside the one running: it reads the variables of the frame that
    /// calls it (its own name too, for a recursive walk), and what it may change of them
    /// (`found.append(x)`, `seen[k] = v` on a list or dict of that frame) is no longer known
    /// after the call.
    fn call_closure(
        &mut self,
        f: &std::rc::Rc<FunctionDef>,
        args: &[Expr],
        keywords: &[Keyword],
        range: TextRange,
    ) -> Value {
        let mut env: HashMap<String, Value> =
            self.enclosing.as_deref().cloned().unwrap_or_default();
        env.extend(self.locals.iter().map(|(k, v)| (k.clone(), v.clone())));
        let module = self.module;
        self.next_enclosing = Some(std::rc::Rc::new(env));
        let result = self.call_in(module, f, args, keywords, range, false);
        self.next_enclosing = None;
        for name in mutated_names(&f.body) {
            if matches!(self.locals.get(&name), Some(Value::Seq(_) | Value::Dict(_))) {
                self.locals.insert(name, Value::Unknown);
            }
        }
        result
    }

    /// Runs `f` in `home`. A recursive call (a walk over a tree) is not unrolled: it has the
    /// footprint of `f`'s body run once more with unknown arguments and its own recursive calls
    /// cut, which covers every depth. Ops of a helper from another module (`foreign`) are shown
    /// at the call.
    fn call_in(
        &mut self,
        home: &ModuleScope<'a>,
        f: &FunctionDef,
        args: &[Expr],
        keywords: &[Keyword],
        range: TextRange,
        foreign: bool,
    ) -> Value {
        // Taken first: the arguments' own calls make frames of their own.
        let enclosing = self.next_enclosing.take();
        let missing_args = self.next_missing_args.take();
        let id: *const FunctionDef = f;
        let recursive = self.stack.contains(&id);
        if recursive && self.cutting {
            return Value::Unknown;
        }
        if self.depth >= MAX_CALL_DEPTH && !recursive {
            let footprint = self.call_footprint(None, args, keywords, false);
            if !footprint.is_none() {
                self.unknown(
                    "a helper call nested deeper than migdoc follows",
                    footprint,
                    range,
                );
            }
            return Value::Unknown;
        }
        let values: Vec<Value> = if recursive {
            vec![Value::Unknown; args.len()]
        } else {
            self.positional(args)
        };
        let named: Vec<(String, Value)> = keywords
            .iter()
            .filter_map(|k| {
                Some((
                    k.arg.clone()?,
                    if recursive {
                        Value::Unknown
                    } else {
                        self.eval(&k.value)
                    },
                ))
            })
            .collect();
        // A function value is an index into its own module's table: passed to another module,
        // or returned from one, it is a function migdoc no longer follows.
        let crossing = !std::ptr::eq(home, self.module);
        let (values, named) = if crossing {
            (
                values.into_iter().map(without_functions).collect(),
                named
                    .into_iter()
                    .map(|(n, v)| (n, without_functions(v)))
                    .collect(),
            )
        } else {
            (values, named)
        };
        let mut frame = Frame::new(home);
        frame.depth = self.depth + 1;
        frame.stack.clone_from(&self.stack);
        frame.stack.push(id);
        frame.cutting = self.cutting || recursive;
        frame.enclosing = enclosing;
        if let Some(v) = missing_args {
            frame.missing_args = v;
        }
        let result = frame.run_call(f, values, named, range);
        // A list or dict handed to a function that changes its parameters' contents
        // (`names.append(x)`, `d[k] = v`): the caller's is no longer what migdoc knows.
        if !recursive {
            let mutated = mutated_names(&f.body);
            if f.params.iter().any(|p| mutated.contains(&p.name)) {
                for e in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                    if let Expr::Name { id, .. } = e
                        && matches!(self.locals.get(id), Some(Value::Seq(_) | Value::Dict(_)))
                    {
                        self.locals.insert(id.clone(), Value::Unknown);
                    }
                }
            }
        }
        let result = if crossing {
            without_functions(result)
        } else {
            result
        };
        let mut ops = std::mem::take(&mut frame.ops);
        // A helper that raises on every path (`def _fail(detail): raise RuntimeError(...)`,
        // with no `return` anywhere) stops the run where it is called, as a `raise` there would:
        // that rests on nothing migdoc decided.
        if frame.raised && always_raises(f) {
            if foreign {
                at_call(&mut ops, range);
            }
            self.ops.extend(ops);
            self.returned = true;
            self.raised = true;
            return Value::Unknown;
        }
        // Otherwise a helper's `raise` may rest on what migdoc decided about the helper's module
        // (a global another function sets at run time): unlike one in the migration's own code,
        // it is not taken to stop the run, and what it hides stays unknown.
        for op in &mut ops {
            if is_raise(op) {
                op.kind = OpKind::Unknown {
                    what: "a raise in a helper".to_owned(),
                    footprint: Footprint::unbounded(),
                };
            }
        }
        if foreign {
            at_call(&mut ops, range);
        }
        if recursive {
            self.uncertain("a recursive helper call", &ops, range);
            return Value::Unknown;
        }
        self.ops.extend(ops);
        // What it returns, when migdoc cannot evaluate it, is what a call it could not follow
        // would give (made from the names in its arguments): following a helper never leaves
        // migdoc knowing less than not following it.
        if matches!(result, Value::Unknown) {
            return self.data_call(None, args, keywords);
        }
        result
    }

    /// Binds `f`'s parameters in this (new) frame and runs its body: positional arguments up
    /// to `*args`, then keywords by name, then defaults. Returns what it returns, when every
    /// path that ends returns the same known value.
    fn run_call(
        &mut self,
        f: &FunctionDef,
        values: Vec<Value>,
        named: Vec<(String, Value)>,
        _range: TextRange,
    ) -> Value {
        use migdoc_python::ast::ParamKind;
        let mut positional = values.into_iter();
        let mut used: Vec<&str> = Vec::new();
        for param in &f.params {
            let value = match param.kind {
                ParamKind::Positional => match positional.next() {
                    Some(v) => v,
                    None => self.keyword_or_default(param, &named, &mut used),
                },
                ParamKind::KeywordOnly => self.keyword_or_default(param, &named, &mut used),
                ParamKind::VarArgs => Value::Seq(positional.by_ref().collect()),
                ParamKind::VarKeywords => Value::Dict(
                    named
                        .iter()
                        .filter(|(n, _)| !used.contains(&n.as_str()))
                        .map(|(n, v)| (Value::Str(n.clone(), None), v.clone()))
                        .collect(),
                ),
            };
            self.locals.insert(param.name.clone(), value);
        }
        // A helper that returns a value (a dialect test, a name) is evaluated for it.
        if let [
            Stmt::Return {
                value: Some(expr), ..
            },
        ] = f.body.as_slice()
        {
            return self.eval(expr);
        }
        self.followed_metadata = crate::local_metadata::followed_metadata(&f.body);
        self.block(&f.body);
        if f.is_generator {
            // What it yields (a `@contextmanager`'s connection) is not evaluated.
            return Value::Unknown;
        }
        match self.ret.take() {
            Some(v) if !self.maybe_returned => v,
            Some(_) => Value::Unknown,
            None => Value::None,
        }
    }

    /// `migdoc.alembic`'s enum helpers, modelled as what they run (see python/migdoc/alembic.py):
    /// `create_enum` is a checkfirst create, `add_enum_values` an autocommit block of
    /// `ADD VALUE IF NOT EXISTS`, `rename_enum_value` a rename guarded by the old label,
    /// `drop_enum` a `DROP TYPE IF EXISTS`, `enum_exists` an existence test.
    fn migdoc_helper(
        &mut self,
        helper: &str,
        args: &[Expr],
        keywords: &[Keyword],
        range: TextRange,
    ) -> Value {
        let arg = |this: &mut Self, i: usize, key: &str| -> Option<Value> {
            this.kwarg(keywords, key)
                .or_else(|| args.get(i))
                .map(|e| this.eval(e))
        };
        let name = arg(self, 0, "name").and_then(|v| v.as_str().map(str::to_owned));
        let schema_index = match helper {
            "enum_exists" | "drop_enum" => 1,
            "create_enum" | "add_enum_values" => 2,
            _ => 3,
        };
        let schema = match arg(self, schema_index, "schema") {
            None | Some(Value::None) => Some(None),
            Some(v) => v.as_str().map(|s| (s != "public").then(|| s.to_owned())),
        };
        let (Some(name), Some(schema)) = (name, schema) else {
            self.unknown(
                &format!("migdoc.alembic.{helper}() with a name migdoc cannot evaluate"),
                Footprint {
                    any_type: true,
                    ..Footprint::default()
                },
                range,
            );
            return Value::Unknown;
        };
        let qualified = match &schema {
            Some(s) => format!("{s}.{name}"),
            None => name.clone(),
        };
        let sql_type = match &schema {
            Some(s) => format!("{}.{}", sql_ident(s), sql_ident(&name)),
            None => sql_ident(&name),
        };
        let strings = |v: Option<Value>| v?.strings();
        match helper {
            "enum_exists" => Value::Exists(GuardSubject::Type(qualified), true),
            "create_enum" => {
                let labels = strings(arg(self, 1, "labels"));
                let spec = EnumSpec {
                    name: Some(qualified),
                    labels,
                    dialect_enum: true,
                    create_type: None,
                    native: true,
                    metadata_bound: false,
                    inherit_schema: false,
                    memo_name: None,
                    domain: false,
                    create_constraint: false,
                };
                self.push(
                    OpKind::CreateEnum {
                        spec,
                        checkfirst: true,
                    },
                    range,
                );
                Value::None
            }
            "add_enum_values" => {
                let Some(mut labels) = strings(arg(self, 1, "labels")) else {
                    self.unknown(
                        "migdoc.alembic.add_enum_values() with labels migdoc cannot evaluate",
                        Footprint::of_names([qualified]),
                        range,
                    );
                    return Value::Unknown;
                };
                let before = arg(self, 3, "before").and_then(|v| v.as_str().map(str::to_owned));
                let after = arg(self, 4, "after").and_then(|v| v.as_str().map(str::to_owned));
                let position = match (&before, &after) {
                    (Some(b), _) => format!(" BEFORE {}", sql_literal(b)),
                    (None, Some(a)) => {
                        labels.reverse();
                        format!(" AFTER {}", sql_literal(a))
                    }
                    (None, None) => String::new(),
                };
                self.push(OpKind::AutocommitBlock { enter: true }, range);
                for label in labels {
                    self.push_sql(
                        format!(
                            "ALTER TYPE {sql_type} ADD VALUE IF NOT EXISTS {}{position}",
                            sql_literal(&label)
                        ),
                        range,
                    );
                }
                self.push(OpKind::AutocommitBlock { enter: false }, range);
                Value::None
            }
            "rename_enum_value" => {
                let old = arg(self, 1, "old").and_then(|v| v.as_str().map(str::to_owned));
                let new = arg(self, 2, "new").and_then(|v| v.as_str().map(str::to_owned));
                let (Some(old), Some(new)) = (old, new) else {
                    self.unknown(
                        "migdoc.alembic.rename_enum_value() with labels migdoc cannot evaluate",
                        Footprint::of_names([qualified]),
                        range,
                    );
                    return Value::Unknown;
                };
                let saved = std::mem::take(&mut self.ops);
                self.push_sql(
                    format!(
                        "ALTER TYPE {sql_type} RENAME VALUE {} TO {}",
                        sql_literal(&old),
                        sql_literal(&new)
                    ),
                    range,
                );
                let when_true = std::mem::replace(&mut self.ops, saved);
                self.push(
                    OpKind::Guard {
                        subject: GuardSubject::Label {
                            type_name: qualified,
                            label: old,
                        },
                        when_true,
                        when_false: Vec::new(),
                    },
                    range,
                );
                Value::None
            }
            "drop_enum" => {
                self.push(
                    OpKind::DropEnum {
                        name: qualified,
                        checkfirst: true,
                    },
                    range,
                );
                Value::None
            }
            _ => {
                self.unknown(
                    &format!("migdoc.alembic.{helper}()"),
                    Footprint::of_names([qualified]),
                    range,
                );
                Value::Unknown
            }
        }
    }

    /// SQL that migdoc writes itself (no source offsets).
    fn push_sql(&mut self, text: String, range: TextRange) {
        let parsed = migdoc_sql::parse(&text);
        self.push(
            OpKind::Sql(SqlText {
                text,
                style: ParamStyleTag::Named,
                content_start: None,
                parsed,
            }),
            range,
        );
    }

    fn kwarg<'e>(&self, keywords: &'e [Keyword], name: &str) -> Option<&'e Expr> {
        keywords
            .iter()
            .find(|k| k.arg.as_deref() == Some(name))
            .map(|k| &k.value)
    }

    fn kwarg_bool(&mut self, keywords: &[Keyword], name: &str) -> Option<bool> {
        let e = self.kwarg(keywords, name)?;
        self.eval(e).truthy()
    }

    fn kwarg_str(&mut self, keywords: &[Keyword], name: &str) -> Option<String> {
        let e = self.kwarg(keywords, name)?;
        self.eval(e).as_str().map(str::to_owned)
    }

    fn execute(&mut self, arg: Option<&Expr>, style: ParamStyleTag, range: TextRange) {
        let value = arg.map(|a| self.eval(a)).unwrap_or(Value::Unknown);
        let (text, content_start) = match value {
            Value::Str(s, start) | Value::Text(s, start) => (s, start),
            // SQLAlchemy Core DML and queries (`t.update().values(...)`, `sa.select(...)`), and
            // DDL for sequences, indexes, constraints and comments.
            Value::Data | Value::SideDdl => {
                self.push(
                    OpKind::NoCatalogEffect {
                        call: "execute() of a SQLAlchemy query".into(),
                    },
                    range,
                );
                return;
            }
            // One of several SQL texts: what any of them may change.
            Value::OneOf(alternatives) => {
                let footprint = alternatives.iter().fold(Footprint::default(), |acc, v| {
                    acc.union(match v {
                        Value::Str(t, _) | Value::Text(t, _) | Value::Holed(t) => {
                            Footprint::of_holed_sql(&migdoc_sql::neutralize_params(t, style.into()))
                        }
                        Value::Data | Value::SideDdl => Footprint::default(),
                        _ => Footprint::unbounded(),
                    })
                });
                self.unknown(
                    "SQL chosen by a branch migdoc cannot decide",
                    footprint,
                    arg.map_or(range, Expr::range),
                );
                return;
            }
            // SQL built at run time: its statements' kinds and known names still bound it.
            Value::Holed(text) => {
                let footprint =
                    Footprint::of_holed_sql(&migdoc_sql::neutralize_params(&text, style.into()));
                self.unknown(
                    "SQL built from values migdoc cannot evaluate",
                    footprint,
                    arg.map_or(range, Expr::range),
                );
                return;
            }
            // A name imported from a module migdoc did not read (a bare versions directory
            // without its project, or a third-party module): say which, so that the user knows
            // what would let migdoc see.
            Value::Path(path) => {
                let footprint = if is_unread(&path) {
                    Footprint::unread_code()
                } else {
                    Footprint::unbounded()
                };
                self.unknown(&format!("execute() of `{path}`, from a module migdoc could not read (not found from here, or not the project's)"), footprint, range);
                return;
            }
            _ => {
                self.unknown(
                    "execute() of something migdoc cannot evaluate",
                    Footprint::unbounded(),
                    range,
                );
                return;
            }
        };
        // A literal spelled inline keeps its offsets; one reached through a name does not.
        let content_start =
            if arg.is_some_and(|a| matches!(a, Expr::Str { .. } | Expr::Call { .. })) {
                content_start
            } else {
                None
            };
        let parsed = migdoc_sql::parse(&migdoc_sql::neutralize_params(&text, style.into()));
        // The op points at the SQL argument: that is what a diagnostic about the SQL underlines.
        let range = arg.map_or(range, Expr::range);
        self.push(
            OpKind::Sql(SqlText {
                text,
                style,
                content_start,
                parsed,
            }),
            range,
        );
    }

    /// `sa.Table(name, metadata, *columns).create(bind[, checkfirst])` as the DDL SQLAlchemy
    /// emits (checked against 1.4, 2.0 and 2.1): the table's `before_create` event creates each
    /// enum type its columns name (once per call: a memo of its own, not Alembic's), checked
    /// first when `checkfirst` says types (2.1's default, `CheckFirst.TYPES`; before 2.1 the
    /// default is false, nothing is checked), then `CREATE TABLE`. False when migdoc cannot say
    /// (an unknown SQLAlchemy version where it matters, an enum bound to a metadata, a
    /// `checkfirst` it cannot read): the call stays an unknown.
    fn table_create(
        &mut self,
        name: &str,
        columns: &[ColumnSpec],
        args: &[Expr],
        keywords: &[Keyword],
        range: TextRange,
    ) -> bool {
        let explicit = match (self.kwarg(keywords, "checkfirst"), args.get(1)) {
            (Some(e), _) | (None, Some(e)) => match self.eval_quiet(e) {
                Value::Bool(b) => Some(b),
                _ => return false,
            },
            (None, None) => None,
        };
        let sa21 = self.module.options.sqlalchemy_2_1;
        let has_enums = columns
            .iter()
            .any(|c| c.enum_type.as_ref().is_some_and(|e| e.native));
        // `checkfirst=True` checks tables and types; the default checks types from 2.1 on.
        let (types_checked, tables_checked) = match (explicit, sa21) {
            (Some(b), _) => (b, b),
            (None, Some(v)) => (v, false),
            (None, None) if !has_enums => (false, false),
            (None, None) => return false,
        };
        let Some(mut ops) = self.event_types(&[columns], types_checked, range) else {
            return false;
        };
        ops.extend(table_ops(name, columns, range));
        self.push_checked(name, ops, tables_checked, range);
        true
    }

    /// `meta.create_all(bind[, tables, checkfirst])` of a followed `MetaData` as the DDL it
    /// emits: the enum types of every table (`checkfirst`: those that exist are skipped), then
    /// each table in the order of its foreign keys (`checkfirst`: those that exist are skipped).
    /// `false` when it is not what migdoc can tell (a table or a type it did not read whole).
    fn metadata_create_all(
        &mut self,
        tables: &[Value],
        args: &[Expr],
        keywords: &[Keyword],
        range: TextRange,
    ) -> bool {
        // `checkfirst=True` is the default of every version (2.1: `CheckFirst.ALL`).
        let checkfirst = match (self.kwarg(keywords, "checkfirst"), args.get(2)) {
            (Some(e), _) | (None, Some(e)) => match self.eval_quiet(e) {
                Value::Bool(b) => b,
                _ => return false,
            },
            (None, None) => true,
        };
        let mut read: Vec<(&str, &[ColumnSpec])> = Vec::new();
        for t in tables {
            match t {
                Value::TableObj {
                    name: Some(name),
                    columns: Some(columns),
                    open_columns: false,
                    ..
                } => read.push((name, columns)),
                _ => return false,
            }
        }
        let all: Vec<&[ColumnSpec]> = read.iter().map(|(_, c)| *c).collect();
        let Some(types) = self.event_types(&all, checkfirst, range) else {
            return false;
        };
        for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
            self.eval(a);
        }
        self.ops.extend(types);
        for (name, columns) in dependency_order(&read) {
            let ops = table_ops(name, columns, range);
            self.push_checked(name, ops, checkfirst, range);
        }
        true
    }

    /// The `CREATE TYPE`s a table's (or a metadata's) create events emit for the enum types of
    /// `tables`' columns, each once; `None` when migdoc cannot tell which (a type without a
    /// name, bound to a metadata, taking the table's schema, or whose `create_type=False`
    /// counts by a SQLAlchemy version migdoc does not know).
    fn event_types(
        &self,
        tables: &[&[ColumnSpec]],
        checkfirst: bool,
        range: TextRange,
    ) -> Option<Vec<Op>> {
        let sa21 = self.module.options.sqlalchemy_2_1;
        let mut ops = Vec::new();
        let mut memo = std::collections::BTreeSet::new();
        for e in tables
            .iter()
            .flat_map(|columns| columns.iter())
            .filter_map(|c| c.enum_type.as_ref())
            .filter(|e| e.native)
        {
            if e.name.is_none() || e.metadata_bound || e.inherit_schema {
                return None;
            }
            // `sa.Enum` ignores `create_type=False` before 2.1.
            let creates = match (e.create_type, e.dialect_enum, sa21) {
                (Some(false), true, _) => false,
                (Some(false), false, None) => return None,
                (Some(false), false, Some(v)) => !v,
                _ => true,
            };
            // One memo per kind (`pg_enum`, `pg_domain`).
            if creates && memo.insert((e.domain, e.name.clone())) {
                ops.push(Op {
                    kind: OpKind::CreateEnum {
                        spec: e.clone(),
                        checkfirst,
                    },
                    range,
                });
            }
        }
        Some(ops)
    }

    /// `ops` creating table `name`, under a check that it does not exist when `checked`.
    fn push_checked(&mut self, name: &str, ops: Vec<Op>, checked: bool, range: TextRange) {
        if checked {
            self.push(
                OpKind::Guard {
                    subject: GuardSubject::Table(name.to_owned()),
                    when_true: Vec::new(),
                    when_false: ops,
                },
                range,
            );
        } else {
            self.ops.extend(ops);
        }
    }

    /// An `op.*` call's argument by keyword, else by position among its evaluated positional
    /// `values` (`None` when absent).
    fn arg_or_keyword(
        &mut self,
        values: &[Value],
        keywords: &[Keyword],
        i: usize,
        kw: &str,
    ) -> Value {
        match self.kwarg(keywords, kw) {
            Some(e) => self.eval(e),
            None => values.get(i).cloned().unwrap_or(Value::None),
        }
    }

    /// The string values of `op.bulk_insert`'s rows, by column (`[{"mood": "happy"}]`).
    fn rows_strings(&mut self, expr: Option<&Expr>) -> Vec<(String, String)> {
        let Some(Expr::List { elts, .. } | Expr::Tuple { elts, .. }) = expr else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for row in elts {
            let Expr::Dict { items, .. } = row else {
                continue;
            };
            for (k, v) in items {
                if let (Some(k), Value::Str(v, _)) =
                    (k.as_ref().and_then(|k| k.as_str()), self.eval_quiet(v))
                {
                    out.push((k.to_owned(), v));
                }
            }
        }
        out
    }

    /// The `checkfirst` of `type.create(bind, checkfirst)` / `.drop(...)`: by keyword or second
    /// positional argument, else the class's default.
    fn checkfirst(&mut self, args: &[Expr], keywords: &[Keyword], default: bool) -> bool {
        if let Some(v) = self.kwarg_bool(keywords, "checkfirst") {
            return v;
        }
        match args.get(1).map(|a| self.eval(a)) {
            Some(Value::Bool(b)) => b,
            _ => default,
        }
    }

    #[allow(clippy::too_many_lines)]
    fn call_path(
        &mut self,
        path: &str,
        args: &[Expr],
        keywords: &[Keyword],
        range: TextRange,
    ) -> Value {
        let last = path.rsplit('.').next().unwrap_or(path);
        let is_sa = path.starts_with("sqlalchemy");
        if path.starts_with("alembic.op.") || path.starts_with("alembic.context.") {
            let unnamed = last == "drop_constraint"
                && matches!(
                    args.first()
                        .or_else(|| self.kwarg(keywords, "constraint_name"))
                        .map(|e| self.eval_quiet(e)),
                    Some(Value::None)
                );
            if unnamed && !self.module.options.no_naming_convention {
                // env.py gives Alembic a `target_metadata`: its naming convention may name
                // the constraint (a template of the table's name alone), or SQLAlchemy raises
                // (no template for that kind, or one that needs columns). What follows may
                // not run.
                let v = self.op_call(last, args, keywords, range);
                self.maybe_returned = true;
                self.maybe_raised = true;
                return v;
            }
            if unnamed {
                let table = args
                    .get(1)
                    .or_else(|| self.kwarg(keywords, "table_name"))
                    .and_then(|e| match self.eval_quiet(e) {
                        Value::Str(t, _) if !t.contains(HOLE) => Some(t),
                        _ => None,
                    });
                let schema = self.kwarg_str(keywords, "schema").filter(|s| s != "public");
                let table = table.map(|t| match schema {
                    Some(s) => format!("{s}.{t}"),
                    None => t,
                });
                self.push(OpKind::UnnamedConstraintDrop { table }, range);
                self.returned = true;
                self.raised = true;
                return Value::None;
            }
            return self.op_call(last, args, keywords, range);
        }
        if let Some(helper) = path.strip_prefix("migdoc.alembic.") {
            return self.migdoc_helper(helper, args, keywords, range);
        }
        if is_session_factory(last) {
            return Value::Data;
        }
        if !is_sa {
            let top = path.split('.').next().unwrap_or_default();
            // `cast(Table, x)` is `x` to Python; the type is for type checkers.
            if matches!(path, "typing.cast" | "typing_extensions.cast") && args.len() == 2 {
                self.eval(&args[0]);
                return self.eval(&args[1]);
            }
            // Alembic's own messages (`from alembic import util`): a warning or a line printed;
            // text written to the console.
            if matches!(
                path,
                "alembic.util.warn"
                    | "alembic.util.msg"
                    | "alembic.util.messaging.warn"
                    | "alembic.util.messaging.msg"
                    | "sys.stderr.write"
                    | "sys.stdout.write"
                    | "sys.stderr.flush"
                    | "sys.stdout.flush"
            ) {
                for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                    self.eval(a);
                }
                return Value::None;
            }
            if path == "string.Template"
                && let Some(Value::Str(text, _)) = args.first().map(|a| self.eval(a))
            {
                return Value::Template(text);
            }
            if PURE_MODULES.contains(&top) {
                // A copy or a decoding of rows (`copy.deepcopy(row)`, `json.loads(row.params)`)
                // is data; anything else from the standard library is opaque. Given a
                // connection or a function (`functools.partial(conn.execute, ...)`), it is not
                // known what it runs.
                let mut data = false;
                let mut handle = false;
                let mut callbacks = Footprint::default();
                for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                    match self.eval(a) {
                        f @ (Value::Function(_) | Value::Closure(_)) => {
                            callbacks = callbacks.union(self.data_callback_footprint(&f, range));
                        }
                        v => {
                            data |= matches!(v, Value::Data);
                            handle |= reaches_the_database(&v);
                        }
                    }
                }
                if handle {
                    return Value::Unknown;
                }
                if !callbacks.is_none() {
                    self.unknown(path, callbacks, range);
                }
                return if data { Value::Data } else { Value::Opaque };
            }
            return self.data_call(None, args, keywords);
        }
        match last {
            "inspect" | "from_engine" => Value::Inspector,
            // `CreateSchema("x")` is `CREATE SCHEMA "x"` (the replay keeps schemas).
            "CreateSchema" => {
                let name = args.first().map(|a| self.eval(a));
                match name.as_ref().and_then(Value::as_str) {
                    Some(name) => {
                        let name = name.replace('"', "\"\"");
                        let if_not_exists =
                            if self.kwarg_bool(keywords, "if_not_exists") == Some(true) {
                                "IF NOT EXISTS "
                            } else {
                                ""
                            };
                        Value::Text(format!("CREATE SCHEMA {if_not_exists}\"{name}\""), None)
                    }
                    None => Value::SideDdl,
                }
            }
            "CreateSequence" | "DropSequence" | "CreateIndex" | "DropIndex" | "AddConstraint"
            | "DropConstraint" | "SetTableComment" | "DropTableComment" | "SetColumnComment"
            | "DropColumnComment" => Value::SideDdl,
            // SQLAlchemy Core: table and column stand-ins, queries and DML, SQL functions.
            "Table" => {
                let values: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
                let name = values.first().and_then(Value::as_str).map(|n| {
                    match self.kwarg_str(keywords, "schema") {
                        Some(s) if s != "public" => format!("{s}.{n}"),
                        _ => n.to_owned(),
                    }
                });
                let enum_types = values
                    .iter()
                    .filter_map(|v| match v {
                        Value::Column(c) => c.enum_type.as_ref().map(|e| e.name.clone()),
                        _ => None,
                    })
                    .collect();
                let read = values.len() >= 2
                    && keywords.iter().all(|k| k.arg.as_deref() == Some("schema"))
                    && values[2..].iter().all(|v| {
                        matches!(
                            v,
                            Value::Column(_) | Value::PrimaryKey(_) | Value::ForeignKey(_)
                        )
                    });
                let columns = read.then(|| table_columns(&values[1..]));
                let table = Value::TableObj {
                    name,
                    enum_types,
                    columns,
                    open_columns: false,
                };
                // Registered on a followed `MetaData`: `create_all()` creates it.
                if let Some(Expr::Name { id, .. }) = args.get(1)
                    && let Some(Value::MetaData { tables, duplicate }) = self.locals.get_mut(id)
                {
                    let name = |t: &Value| match t {
                        Value::TableObj { name, .. } => name.clone(),
                        _ => None,
                    };
                    let new = name(&table);
                    *duplicate |= new.is_some() && tables.iter().any(|t| name(t) == new);
                    tables.push(table.clone());
                }
                table
            }
            // `sa.table(name, *columns, schema=...)`: a stand-in that DML and `op.bulk_insert`
            // name the table by; it has no `.create()`.
            "table" => {
                let values: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
                for k in keywords {
                    self.eval(&k.value);
                }
                let name = values
                    .first()
                    .and_then(Value::as_str)
                    .filter(|n| !n.contains(HOLE))
                    .map(|n| match self.kwarg_str(keywords, "schema") {
                        Some(s) if s != "public" => format!("{s}.{n}"),
                        _ => n.to_owned(),
                    });
                Value::TableObj {
                    name,
                    enum_types: None,
                    columns: None,
                    open_columns: false,
                }
            }
            "MetaData" | "declarative_base" | "registry" | "column" | "select" | "insert"
            | "update" | "delete" | "literal_column" | "bindparam" | "and_" | "or_" | "not_"
            | "case" | "cast" | "exists" | "literal" | "null" | "true" | "false" | "tuple_"
            | "values" | "union" | "union_all" | "distinct" | "desc" | "asc" | "join"
            | "outerjoin" | "func" | "any_" | "all_" => {
                for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
                    self.eval(a);
                }
                Value::Data
            }
            "PrimaryKeyConstraint" => {
                let cols = args
                    .iter()
                    .filter_map(|a| self.eval(a).as_str().map(str::to_owned))
                    .collect();
                Value::PrimaryKey(cols)
            }
            "Identity" => Value::Identity,
            "ForeignKey" | "ForeignKeyConstraint" => {
                let values: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
                let strings = |v: Option<&Value>| v?.strings();
                let (columns, target, targets) = if last == "ForeignKey" {
                    let target = values.first().cloned();
                    let targets = target
                        .as_ref()
                        .and_then(Value::as_str)
                        .map(|t| vec![t.to_owned()]);
                    (Some(Vec::new()), target, targets)
                } else {
                    let first = match values.get(1) {
                        Some(Value::Seq(items)) => items.first().cloned(),
                        _ => None,
                    };
                    (strings(values.first()), first, strings(values.get(1)))
                };
                // `"table.column"` (or `"schema.table.column"`): the referenced columns.
                let referenced_columns = targets
                    .and_then(|ts| {
                        ts.iter()
                            .map(|t| {
                                t.rsplit_once('.')
                                    .filter(|(_, c)| !c.contains(HOLE))
                                    .map(|(_, c)| c.to_owned())
                            })
                            .collect::<Option<Vec<_>>>()
                    })
                    .unwrap_or_default();
                let use_alter = self.kwarg_bool(keywords, "use_alter") == Some(true);
                let name = self.kwarg_str(keywords, "name");
                let referenced = target
                    .as_ref()
                    .and_then(Value::as_str)
                    .filter(|t| !t.contains(HOLE))
                    .and_then(|t| t.rsplit_once('.'))
                    .map(|(table, _)| catalog_key(table));
                Value::ForeignKey(match (columns, referenced, use_alter) {
                    (Some(columns), Some(referenced), false) => Some(crate::ForeignKeySpec {
                        name,
                        columns,
                        referenced,
                        referenced_columns,
                    }),
                    _ => None,
                })
            }
            // Column arguments that are not types.
            "Sequence" | "Computed" | "FetchedValue" | "DefaultClause" => Value::Unknown,
            // A constraint is no type, and among a table's elements no column either.
            "CheckConstraint" => Value::SideDdl,
            "Enum" | "ENUM" => {
                let dialect_enum = last == "ENUM" || path.contains("postgresql");
                let mut labels = Some(Vec::new());
                for arg in args {
                    match self.eval(arg) {
                        Value::Str(s, _) => {
                            if let Some(l) = labels.as_mut() {
                                l.push(s);
                            }
                        }
                        v @ Value::Seq(_) => match (labels.as_mut(), v.strings()) {
                            (Some(l), Some(s)) => l.extend(s),
                            _ => labels = None,
                        },
                        // SQLAlchemy persists member NAMES unless `values_callable` says otherwise.
                        Value::PyEnum { names, values } => {
                            let uses_values = self.kwarg(keywords, "values_callable").is_some();
                            let chosen = if uses_values { values } else { Some(names) };
                            match (labels.as_mut(), chosen) {
                                (Some(l), Some(c)) => l.extend(c),
                                _ => labels = None,
                            }
                        }
                        // A starred expression or an imported class: labels unknown here.
                        _ => labels = None,
                    }
                }
                // `schema="x"` puts the type in schema x (the catalog names it `x.name`).
                let schema = self.kwarg_str(keywords, "schema").filter(|s| s != "public");
                let name = self.kwarg_str(keywords, "name").map(|n| match &schema {
                    Some(s) => format!("{s}.{n}"),
                    None => n,
                });
                let create_type = self.kwarg_bool(keywords, "create_type");
                let native = self.kwarg_bool(keywords, "native_enum").unwrap_or(true);
                let metadata_bound = self.kwarg(keywords, "metadata").is_some();
                // Without `name=`, SQLAlchemy names the type after the Python class, lower-cased.
                // An enum class migdoc cannot read (imported from a module it does not have) is
                // still a class: the name is still its name, lower-cased; only the labels are
                // unknown.
                let name = name.or_else(|| {
                    let class = match args.first()? {
                        Expr::Name { id, .. } => id.clone(),
                        Expr::Attribute { attr, .. } => attr.clone(),
                        _ => return None,
                    };
                    match self.eval_quiet(args.first()?) {
                        Value::PyEnum { .. } | Value::Path(_) | Value::Unknown | Value::Data
                            if args.len() == 1 =>
                        {
                            Some(class.to_lowercase())
                        }
                        _ => None,
                    }
                });
                let inherit_schema = self.kwarg_bool(keywords, "inherit_schema").unwrap_or(false);
                Value::Enum(EnumSpec {
                    name,
                    labels,
                    dialect_enum,
                    create_type,
                    native,
                    metadata_bound,
                    inherit_schema,
                    memo_name: None,
                    domain: false,
                    create_constraint: self
                        .kwarg_bool(keywords, "create_constraint")
                        .unwrap_or(false),
                })
            }
            // `postgresql.DOMAIN(name, data_type, *, ..., create_type=True, **kw)`: a named type
            // with the events of `postgresql.ENUM` (SQLAlchemy 2.0's `NamedType`).
            "DOMAIN" if path.contains("postgresql") => {
                let schema = self.kwarg_str(keywords, "schema").filter(|s| s != "public");
                let name = match args.first() {
                    Some(a) => self.eval(a).as_str().map(str::to_owned),
                    None => self.kwarg_str(keywords, "name"),
                }
                .filter(|n| !n.contains(HOLE))
                .map(|n| match &schema {
                    Some(s) => format!("{s}.{n}"),
                    None => n,
                });
                Value::Enum(EnumSpec {
                    name,
                    labels: None,
                    dialect_enum: true,
                    create_type: self.kwarg_bool(keywords, "create_type"),
                    native: true,
                    metadata_bound: self.kwarg(keywords, "metadata").is_some(),
                    inherit_schema: self.kwarg_bool(keywords, "inherit_schema").unwrap_or(false),
                    memo_name: None,
                    domain: true,
                    create_constraint: false,
                })
            }
            "ARRAY" => {
                let inner = args.first().map(|a| self.eval(a));
                Value::Type {
                    array_of: match inner {
                        Some(Value::Enum(spec)) => Some(spec),
                        _ => None,
                    },
                }
            }
            "Column" | "mapped_column" => self.column_call(last == "mapped_column", args, keywords),
            "DateTime" | "TIMESTAMP" | "Time" | "TIME" => {
                let timezone = self.kwarg_bool(keywords, "timezone").unwrap_or(false);
                crate::types::from_sqlalchemy(last, timezone)
                    .map_or(Value::TypeNamed, Value::SqlType)
            }
            "text" | "DDL" => match args.first().map(|a| self.eval(a)) {
                Some(Value::Str(s, start)) => Value::Text(s, start),
                Some(Value::Holed(s)) => Value::Holed(s),
                Some(v @ Value::OneOf(_)) => v,
                _ => Value::Unknown,
            },
            _ => crate::types::from_sqlalchemy(last, false)
                .map_or_else(|| Value::TypeNamed, Value::SqlType),
        }
    }

    /// `sa.Column(...)` in a migration or a model, `mapped_column(...)` in a model. A column in a
    /// model may leave its name to the attribute it is assigned to (`name` is then empty) and,
    /// with `mapped_column`, its type and nullability to the `Mapped[...]` annotation
    /// (`nullable` is then `None` in `explicit_nullable`).
    fn column_call(&mut self, mapped: bool, args: &[Expr], keywords: &[Keyword]) -> Value {
        let evaluated: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
        let mut values = evaluated.into_iter().peekable();
        let name = match values.peek() {
            Some(Value::Str(name, _)) => {
                let name = name.clone();
                values.next();
                name
            }
            // A migration's column always has a name; a model's may take the attribute's. An
            // unknown first argument that is a call is a type (`Column(CustomType())`); a name
            // may be the column's name.
            Some(Value::Unknown) if !mapped && !matches!(args.first(), Some(Expr::Call { .. })) => {
                return Value::Unknown;
            }
            _ => String::new(),
        };
        // `mapped_column(default=False, name="async")`: the keyword names it as the first
        // argument does.
        let name = match self.kwarg(keywords, "name").map(|e| self.eval_quiet(e)) {
            Some(Value::Str(keyword, _)) if name.is_empty() => keyword,
            // A name migdoc cannot evaluate: not the attribute's.
            Some(_) if name.is_empty() => return Value::Unknown,
            _ => name,
        };
        let server_default = self
            .kwarg(keywords, "server_default")
            .is_some_and(|e| !matches!(e, Expr::NoneLiteral { .. }));
        let mut column = ColumnSpec {
            name,
            enum_type: None,
            is_array: false,
            nullable: true,
            explicit_nullable: None,
            has_server_default: server_default,
            server_default: self.kwarg_str(keywords, "server_default"),
            has_default: ["default", "insert_default", "default_factory"]
                .iter()
                .any(|k| {
                    self.kwarg(keywords, k)
                        .is_some_and(|e| !matches!(e, Expr::NoneLiteral { .. }))
                }),
            generated: false,
            primary_key: false,
            integer: false,
            sql_type: None,
            typed: false,
            references: None,
        };
        for v in values {
            match v {
                Value::Enum(spec) => {
                    column.enum_type = Some(spec);
                    column.typed = true;
                }
                Value::Type { array_of } => {
                    column.is_array = true;
                    column.typed = true;
                    if let Some(spec) = array_of {
                        column.enum_type = Some(spec);
                    }
                }
                Value::Path(p) if p.ends_with("Enum") || p.ends_with("ENUM") => {
                    // `sa.Column("x", sa.Enum)` without arguments: nothing to create.
                    column.typed = true;
                }
                Value::SqlType(t) => {
                    column.sql_type = Some(t.to_owned());
                    column.typed = true;
                }
                Value::Path(p) if p.starts_with("sqlalchemy") => {
                    column.sql_type = crate::types::from_sqlalchemy(&p, false).map(str::to_owned);
                    column.typed = true;
                }
                Value::TypeNamed => column.typed = true,
                Value::Identity => column.generated = true,
                Value::ForeignKey(Some(key)) => {
                    column.references = Some(crate::ForeignKeySpec {
                        columns: vec![column.name.clone()],
                        ..key
                    });
                }
                _ => {}
            }
        }
        column.integer = column
            .sql_type
            .as_deref()
            .is_some_and(|t| crate::types::family(t) == "integer");
        let primary_key = self.kwarg_bool(keywords, "primary_key").unwrap_or(false);
        column.explicit_nullable = self.kwarg_bool(keywords, "nullable");
        column.nullable = column.explicit_nullable.unwrap_or(!primary_key);
        column.primary_key = primary_key;
        let autoincrement = self.kwarg_bool(keywords, "autoincrement");
        column.generated |= primary_key && column.integer && autoincrement != Some(false);
        column.generated |= autoincrement == Some(true);
        Value::Column(column)
    }

    fn op_call(
        &mut self,
        name: &str,
        args: &[Expr],
        keywords: &[Keyword],
        range: TextRange,
    ) -> Value {
        // `op.alter_column(table_name="t", column_name="c")`: Alembic's positional parameters
        // given by keyword take their places.
        let spliced = splice_keywords(op_parameters(name), args, keywords);
        let args = spliced.as_deref().unwrap_or(args);
        // `op.create_table(name, *columns)`: the sequence spread.
        let values: Vec<Value> = self.positional(args);
        let spread_unknown = args.iter().any(|a| matches!(a, Expr::Starred { .. }))
            && values.iter().any(|v| matches!(v, Value::Unknown));
        // Tables are named `schema.table` when `schema=` names a schema other than public.
        let schema = self.kwarg_str(keywords, "schema").filter(|s| s != "public");
        let qualify = |t: String| match &schema {
            Some(s) => format!("{s}.{t}"),
            None => t,
        };
        let str_arg = |i: usize| values.get(i).and_then(|v| v.as_str().map(str::to_owned));
        let table_arg = || str_arg(0).filter(|t| !t.contains(HOLE)).map(qualify);
        match name {
            "batch_alter_table" => {
                // A table name migdoc cannot evaluate still makes a batch block: its operations
                // touch that one table, whichever it is.
                let table = values
                    .first()
                    .and_then(Value::as_str)
                    .map_or_else(|| HOLE.to_owned(), |t| qualify(t.to_owned()));
                return Value::Batch(table);
            }
            "get_bind" => return Value::Bind,
            "get_context" => return Value::Context,
            // `op.f("ix_x")`: the name as given, marked as final for the naming convention.
            "f" => return values.into_iter().next().unwrap_or(Value::Unknown),
            // migdoc replays an online upgrade.
            "is_offline_mode" => return Value::Bool(false),
            "is_transactional_ddl" => return Value::Bool(true),
            "get_x_argument" => return Value::Seq(Vec::new()),
            "inline_literal" => return values.into_iter().next().unwrap_or(Value::Unknown),
            "execute" => {
                self.execute(args.first(), ParamStyleTag::Named, range);
                return Value::None;
            }
            "sync_enum_values" => {
                let arg = |this: &mut Self, i: usize, kw: &str| {
                    this.arg_or_keyword(&values, keywords, i, kw)
                };
                let (schema, enum_name) = (arg(self, 0, "enum_schema"), arg(self, 1, "enum_name"));
                let (new_values, columns, renames) = (
                    arg(self, 2, "new_values"),
                    arg(self, 3, "affected_columns"),
                    arg(self, 4, "enum_values_to_rename"),
                );
                match sync_enum_values_sql(&schema, &enum_name, &new_values, &columns, &renames) {
                    Some(statements) => {
                        for sql in statements {
                            self.push_sql(sql, range);
                        }
                    }
                    None => {
                        let name = enum_name
                            .as_str()
                            .map_or_else(|| HOLE.to_owned(), str::to_owned);
                        let footprint = Footprint::of_names([name.clone(), format!("{name}_old")])
                            .union(Footprint {
                                any_table: true,
                                ..Footprint::default()
                            });
                        self.unknown(
                            "op.sync_enum_values() with arguments migdoc cannot evaluate",
                            footprint,
                            range,
                        );
                    }
                }
                return Value::None;
            }
            _ => {}
        }
        let kind = match name {
            "create_table" => table_arg().map(|table| {
                let mut columns = table_columns(&values[1..]);
                for c in &mut columns {
                    if let Some(e) = c.enum_type.as_mut() {
                        e.in_table_schema(schema.as_deref());
                    }
                }
                OpKind::CreateTable { table, columns }
            }),
            "drop_table" => table_arg().map(|table| OpKind::DropTable { table }),
            "add_column" => match (table_arg(), values.get(1)) {
                (Some(table), Some(Value::Column(column))) if !column.name.is_empty() => {
                    let mut column = column.clone();
                    if let Some(e) = column.enum_type.as_mut() {
                        e.in_table_schema(schema.as_deref());
                    }
                    Some(OpKind::AddColumn { table, column })
                }
                _ => None,
            },
            "drop_column" => table_arg()
                .zip(str_arg(1))
                .map(|(table, column)| OpKind::DropColumn { table, column }),
            "alter_column" => {
                let enum_type = match self.kwarg(keywords, "type_").map(|e| self.eval(e)) {
                    Some(Value::Enum(spec)) => Some(spec),
                    _ => None,
                };
                let nullable = self.kwarg_bool(keywords, "nullable");
                let server_default = self.kwarg_str(keywords, "server_default");
                let type_changed = self.kwarg(keywords, "type_").is_some();
                let sql_type = match self.kwarg(keywords, "type_").map(|e| self.eval(e)) {
                    Some(Value::SqlType(t)) => Some(t.to_owned()),
                    Some(Value::Path(p)) => {
                        crate::types::from_sqlalchemy(&p, false).map(str::to_owned)
                    }
                    _ => None,
                };
                let using = self.kwarg(keywords, "postgresql_using").is_some();
                let new_name = self.kwarg_str(keywords, "new_column_name");
                table_arg()
                    .zip(str_arg(1))
                    .map(|(table, column)| OpKind::AlterColumn {
                        table,
                        column,
                        enum_type,
                        nullable,
                        server_default,
                        type_changed,
                        using,
                        sql_type,
                        new_name: new_name.clone(),
                    })
            }
            // `op.bulk_insert(sa.table("t", ...), [{"col": value}, ...])`: the table a stand-in
            // names (a variable's own name is not one), each row's keys, and the string values
            // written into enum columns.
            "bulk_insert" => {
                let table = match values.first() {
                    Some(Value::Str(s, _)) => Some(s.clone()),
                    Some(Value::TableObj { name: Some(n), .. }) => Some(n.clone()),
                    _ => None,
                };
                let strings = self.rows_strings(args.get(1));
                table.map(|table| OpKind::BulkInsert {
                    table,
                    rows: rows_keys(args.get(1)),
                    strings,
                })
            }
            "rename_table" => table_arg()
                .zip(str_arg(1).map(qualify))
                .map(|(from, to)| OpKind::RenameTable { from, to }),
            "create_index" | "drop_index"
                if self.kwarg_bool(keywords, "postgresql_concurrently") == Some(true) =>
            {
                Some(concurrently(name))
            }
            // `op.create_foreign_key(name, source, referent, local_cols, remote_cols)`.
            "create_foreign_key" => {
                let arg = |this: &mut Self, i: usize, kw: &str| {
                    this.arg_or_keyword(&values, keywords, i, kw)
                };
                let source = arg(self, 1, "source_table");
                let referent = arg(self, 2, "referent_table");
                let constraint = arg(self, 0, "constraint_name");
                let local = arg(self, 3, "local_cols").strings();
                let remote = arg(self, 4, "remote_cols").strings();
                let source = source
                    .as_str()
                    .filter(|t| !t.contains(HOLE))
                    .map(|t| qualify(t.to_owned()));
                let referent_schema = self.kwarg_str(keywords, "referent_schema");
                let referent =
                    referent.as_str().filter(|t| !t.contains(HOLE)).map(
                        |t| match &referent_schema {
                            Some(s) => catalog_key(&format!("{s}.{t}")),
                            None => t.to_owned(),
                        },
                    );
                match (source, referent, local) {
                    (Some(table), Some(referenced), Some(columns)) => Some(OpKind::AddForeignKey {
                        table,
                        key: crate::ForeignKeySpec {
                            name: constraint.as_str().map(str::to_owned),
                            columns,
                            referenced,
                            referenced_columns: remote.unwrap_or_default(),
                        },
                    }),
                    _ => Some(OpKind::NoCatalogEffect {
                        call: name.to_owned(),
                    }),
                }
            }
            // `op.drop_constraint(name, table, type_=...)`: only a foreign key matters.
            "drop_constraint" => {
                let arg = |this: &mut Self, i: usize, kw: &str| {
                    this.arg_or_keyword(&values, keywords, i, kw)
                };
                let type_ = self.kwarg_str(keywords, "type_");
                let table = arg(self, 1, "table_name")
                    .as_str()
                    .filter(|t| !t.contains(HOLE))
                    .map(|t| qualify(t.to_owned()));
                let constraint = arg(self, 0, "constraint_name")
                    .as_str()
                    .filter(|n| !n.contains(HOLE))
                    .map(str::to_owned);
                // A CHECK may be a non-native enum's: the replay lifts it (and, not knowing
                // the kinds of unnamed constraints, forgets the table's unnamed keys).
                Some(match type_.as_deref() {
                    Some("unique" | "primary") => OpKind::NoCatalogEffect {
                        call: name.to_owned(),
                    },
                    _ => OpKind::DropConstraint {
                        table,
                        name: constraint,
                    },
                })
            }
            "create_index"
            | "drop_index"
            | "create_unique_constraint"
            | "create_check_constraint"
            | "create_primary_key"
            | "create_table_comment"
            | "drop_table_comment"
            | "create_exclude_constraint" => Some(OpKind::NoCatalogEffect {
                call: name.to_owned(),
            }),
            _ => None,
        };
        match kind {
            // `if_exists=True` / `if_not_exists=True` (Alembic 1.13+): decided against the catalog.
            Some(OpKind::DropTable { table })
                if self.kwarg_bool(keywords, "if_exists") == Some(true) =>
            {
                let drop = Op {
                    kind: OpKind::DropTable {
                        table: table.clone(),
                    },
                    range,
                };
                self.push(
                    OpKind::Guard {
                        subject: GuardSubject::Table(table),
                        when_true: vec![drop],
                        when_false: Vec::new(),
                    },
                    range,
                );
            }
            Some(OpKind::CreateTable { table, columns })
                if self.kwarg_bool(keywords, "if_not_exists") == Some(true) =>
            {
                let create = Op {
                    kind: OpKind::CreateTable {
                        table: table.clone(),
                        columns,
                    },
                    range,
                };
                self.push(
                    OpKind::Guard {
                        subject: GuardSubject::Table(table),
                        when_true: Vec::new(),
                        when_false: vec![create],
                    },
                    range,
                );
            }
            Some(kind) => {
                // A `sa.Column(...)` argument migdoc could not evaluate: the table has a column
                // the replay does not know.
                let incomplete = match &kind {
                    OpKind::CreateTable { table, .. } => (spread_unknown
                        || args.iter().skip(1).any(|a| {
                            let v = self.eval_quiet(a);
                            // A column migdoc could not evaluate (or name), or a value that may
                            // be one.
                            (matches!(a, Expr::Call { func, .. } if func.dotted_name().is_some_and(|n| n.ends_with("Column")))
                                && !matches!(&v, Value::Column(c) if !c.name.is_empty()))
                                || matches!(v, Value::Unknown | Value::Named(_) | Value::Opaque | Value::Path(_))
                        }))
                    .then(|| table.clone()),
                    _ => None,
                };
                let keys: Vec<OpKind> = match &kind {
                    OpKind::CreateTable { table, columns } => columns
                        .iter()
                        .filter_map(|c| c.references.clone())
                        .chain(values.iter().filter_map(|v| match v {
                            Value::ForeignKey(Some(k)) => Some(k.clone()),
                            _ => None,
                        }))
                        .map(|key| OpKind::AddForeignKey {
                            table: table.clone(),
                            key,
                        })
                        .collect(),
                    OpKind::AddColumn { table, column } => column
                        .references
                        .clone()
                        .map(|key| OpKind::AddForeignKey {
                            table: table.clone(),
                            key,
                        })
                        .into_iter()
                        .collect(),
                    _ => Vec::new(),
                };
                self.push(kind, range);
                for key in keys {
                    self.push(key, range);
                }
                if let Some(table) = incomplete {
                    self.unknown(
                        "a column migdoc cannot evaluate",
                        Footprint::of_columns(table),
                        range,
                    );
                }
            }
            None => {
                let footprint = match name {
                    // Operations on one table whose name (or a column) migdoc cannot evaluate:
                    // that table, whichever it is, and the enum types its columns name.
                    "create_table" | "drop_table" | "add_column" | "drop_column"
                    | "alter_column" | "rename_table" => {
                        // A column of a table migdoc can name: the columns of that table.
                        let mut f = match table_arg() {
                            Some(table)
                                if matches!(
                                    name,
                                    "add_column" | "drop_column" | "alter_column"
                                ) =>
                            {
                                Footprint::of_columns(table)
                            }
                            _ => Footprint {
                                any_table: true,
                                ..Footprint::default()
                            },
                        };
                        for v in &values {
                            match v {
                                Value::Column(c) => match &c.enum_type {
                                    Some(EnumSpec { name: Some(n), .. }) => f.names.push(n.clone()),
                                    Some(_) => f.any_type = true,
                                    None => {}
                                },
                                Value::Str(..)
                                | Value::Holed(_)
                                | Value::PrimaryKey(_)
                                | Value::None => {}
                                // Constraints and other arguments migdoc does not model.
                                _ => {}
                            }
                        }
                        if let Some(e) = self.kwarg(keywords, "type_") {
                            match self.eval_quiet(e) {
                                Value::Enum(EnumSpec { name: Some(n), .. }) => f.names.push(n),
                                Value::Enum(_) => f.any_type = true,
                                _ => {}
                            }
                        }
                        f
                    }
                    "bulk_insert" => Footprint::default(),
                    _ => self.call_footprint(None, args, keywords, false),
                };
                self.unknown(&format!("op.{name}"), footprint, range);
            }
        }
        // `op.create_table` returns the `Table` it made: `t.insert().from_select(...)`,
        // `t.update()` on it are data, and what else it is used for names that table.
        if name == "create_table"
            && let Some(Value::Str(table, _)) = values.first()
            && !table.contains(HOLE)
        {
            return Value::Named(vec![qualify(table.clone())]);
        }
        Value::None
    }
}

impl Frame<'_, '_> {
    /// `batch_op.<method>(...)` inside `with op.batch_alter_table(table) as batch_op:`: the same
    /// operation as `op.<method>(table, ...)`.
    fn batch_call(
        &mut self,
        table: &str,
        method: &str,
        args: &[Expr],
        keywords: &[Keyword],
        range: TextRange,
    ) -> Value {
        let table_arg = Expr::Str {
            value: table.to_owned(),
            layout: migdoc_python::ast::StrLayout {
                content_start: None,
            },
            range,
        };
        let mut full_args = Vec::with_capacity(args.len() + 1);
        match method {
            // These take no table.
            "execute" => {
                self.execute(args.first(), ParamStyleTag::Named, range);
                return Value::None;
            }
            "f" | "get_bind" | "get_context" | "inline_literal" => {
                return self.op_call(method, args, keywords, range);
            }
            // These take the table first in `op`, the object name first in batch mode.
            "create_index" | "drop_index"
                if self.kwarg_bool(keywords, "postgresql_concurrently") == Some(true) =>
            {
                self.push(concurrently(method), range);
                return Value::None;
            }
            // The object name first, then the table: `op`'s order.
            "create_foreign_key" | "drop_constraint" if !args.is_empty() => {
                full_args.push(args[0].clone());
                full_args.push(table_arg);
                full_args.extend(args[1..].iter().cloned());
            }
            "create_index"
            | "drop_index"
            | "create_foreign_key"
            | "drop_constraint"
            | "create_unique_constraint"
            | "create_check_constraint"
            | "create_primary_key" => {
                self.push(
                    OpKind::NoCatalogEffect {
                        call: method.to_owned(),
                    },
                    range,
                );
                return Value::None;
            }
            _ => {
                full_args.push(table_arg);
                full_args.extend(args.iter().cloned());
            }
        }
        self.op_call(method, &full_args, keywords, range)
    }
}

/// The parameters of Alembic's `Operations` methods that may be passed by position, in order
/// (`inspect.signature` of alembic 1.18). In batch mode the table is put first before these
/// apply (`batch_call`).
fn op_parameters(method: &str) -> &'static [&'static str] {
    match method {
        "create_table" | "drop_table" | "drop_table_comment" => &["table_name"],
        "add_column" => &["table_name", "column"],
        "drop_column" | "alter_column" => &["table_name", "column_name"],
        "rename_table" => &["old_table_name", "new_table_name"],
        "create_index" => &["index_name", "table_name", "columns"],
        "drop_index" => &["index_name", "table_name"],
        "create_unique_constraint" | "create_primary_key" => {
            &["constraint_name", "table_name", "columns"]
        }
        "create_check_constraint" => &["constraint_name", "table_name", "condition"],
        "drop_constraint" => &["constraint_name", "table_name", "type_"],
        "create_foreign_key" => &[
            "constraint_name",
            "source_table",
            "referent_table",
            "local_cols",
            "remote_cols",
        ],
        "bulk_insert" => &["table", "rows"],
        "execute" => &["sqltext"],
        "create_table_comment" => &["table_name", "comment"],
        "batch_alter_table" => &["table_name", "schema"],
        _ => &[],
    }
}

/// `args` with the keywords that name positional parameters past them put in their places (a
/// parameter left out in between is `None`); `None` when no keyword does.
fn splice_keywords(params: &[&str], args: &[Expr], keywords: &[Keyword]) -> Option<Vec<Expr>> {
    if args.iter().any(|a| matches!(a, Expr::Starred { .. })) {
        return None;
    }
    let given = |p: &str| keywords.iter().find(|k| k.arg.as_deref() == Some(p));
    let last = params
        .iter()
        .enumerate()
        .skip(args.len())
        .rfind(|(_, p)| given(p).is_some())?
        .0;
    let mut out = args.to_vec();
    for p in &params[args.len()..=last] {
        out.push(match given(p) {
            Some(k) => k.value.clone(),
            None => Expr::NoneLiteral {
                range: TextRange::default(),
            },
        });
    }
    Some(out)
}

/// The columns of `op.create_table`, with table-level primary keys applied: a single integer
/// primary key column becomes SERIAL (SQLAlchemy's autoincrement), every key column NOT NULL.
fn table_columns(values: &[Value]) -> Vec<ColumnSpec> {
    let mut columns: Vec<ColumnSpec> = values
        .iter()
        .filter_map(|v| match v {
            Value::Column(c) if !c.name.is_empty() => Some(c.clone()),
            _ => None,
        })
        .collect();
    for v in values {
        if let Value::PrimaryKey(names) = v {
            for c in columns.iter_mut().filter(|c| names.contains(&c.name)) {
                c.primary_key = true;
                c.nullable = false;
            }
        }
    }
    let keys: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].primary_key)
        .collect();
    if let [only] = keys[..]
        && columns[only].integer
    {
        columns[only].generated = true;
    }
    columns
}

/// What `.create()` / `.drop()` of a SQLAlchemy table may change: the table and the enum types
/// its columns name (any type when one has no name); anything when it is not such a table.
/// `v` with every function of a module's table ([`Value::Function`], an index into it) made
/// unknown, inside containers too: what a value from one module may hold in another.
fn without_functions(v: Value) -> Value {
    match v {
        Value::Function(_) => Value::Unknown,
        Value::Seq(items) => Value::Seq(items.into_iter().map(without_functions).collect()),
        Value::OneOf(items) => Value::OneOf(items.into_iter().map(without_functions).collect()),
        Value::Dict(items) => Value::Dict(
            items
                .into_iter()
                .map(|(k, v)| (without_functions(k), without_functions(v)))
                .collect(),
        ),
        v => v,
    }
}

fn table_footprint(t: &Value) -> Footprint {
    match t {
        Value::TableObj {
            name: Some(n),
            enum_types: Some(types),
            ..
        } => Footprint::of_names(std::iter::once(n.clone()).chain(types.iter().cloned())),
        Value::TableObj {
            name: Some(n),
            enum_types: None,
            ..
        } => Footprint {
            any_type: true,
            ..Footprint::of_names([n.clone()])
        },
        _ => Footprint::unbounded(),
    }
}

/// `CREATE TABLE` of a table SQLAlchemy builds (its enum types already created by its events,
/// or left alone), then its columns' foreign keys.
fn table_ops(name: &str, columns: &[ColumnSpec], range: TextRange) -> Vec<Op> {
    let columns: Vec<ColumnSpec> = columns
        .iter()
        .cloned()
        .map(|mut c| {
            if let Some(e) = c.enum_type.as_mut() {
                e.dialect_enum = true;
                e.create_type = Some(false);
            }
            c
        })
        .collect();
    let keys: Vec<Op> = columns
        .iter()
        .filter_map(|c| c.references.clone())
        .map(|key| Op {
            kind: OpKind::AddForeignKey {
                table: name.to_owned(),
                key,
            },
            range,
        })
        .collect();
    std::iter::once(Op {
        kind: OpKind::CreateTable {
            table: name.to_owned(),
            columns,
        },
        range,
    })
    .chain(keys)
    .collect()
}

/// Tables in the order `create_all()` creates them (SQLAlchemy's `sort_tables_and_constraints`):
/// passes over the definition order, each taking the tables whose referenced tables (among
/// these) are taken. Tables caught in a cycle keep their definition order (SQLAlchemy adds
/// those keys afterwards; migdoc's keys are separate ops anyway).
fn dependency_order<'t>(
    tables: &[(&'t str, &'t [ColumnSpec])],
) -> Vec<(&'t str, &'t [ColumnSpec])> {
    let key = |n: &str| catalog_key(n);
    let parents: Vec<Vec<String>> = tables
        .iter()
        .map(|(name, columns)| {
            columns
                .iter()
                .filter_map(|c| c.references.as_ref())
                .map(|k| k.referenced.clone())
                .filter(|r| *r != key(name) && tables.iter().any(|(n, _)| key(n) == *r))
                .collect()
        })
        .collect();
    let mut todo: Vec<usize> = (0..tables.len()).collect();
    let mut order = Vec::new();
    while !todo.is_empty() {
        let pending: Vec<String> = todo.iter().map(|&i| key(tables[i].0)).collect();
        let ready: Vec<usize> = todo
            .iter()
            .copied()
            .filter(|&i| parents[i].iter().all(|p| !pending.contains(p)))
            .collect();
        let ready = if ready.is_empty() {
            todo.clone()
        } else {
            ready
        };
        todo.retain(|i| !ready.contains(i));
        order.extend(ready.into_iter().map(|i| tables[i]));
    }
    order
}

/// A dotted table name as the catalog keys it: `schema.name`, or `name` in `public`.
fn catalog_key(dotted: &str) -> String {
    dotted.strip_prefix("public.").unwrap_or(dotted).to_owned()
}

/// `name` double-quoted, as `migdoc.alembic` writes it.
fn sql_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `value` as a standard string literal, as `migdoc.alembic` writes it.
fn sql_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `SELECT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'x')` and the like.
fn existence_query(v: &Value) -> Option<GuardSubject> {
    let (Value::Str(sql, _) | Value::Text(sql, _)) = v else {
        return None;
    };
    let lower = sql.to_lowercase();
    if !lower.trim_start().starts_with("select") {
        return None;
    }
    let quoted = |key: &str| -> Option<String> {
        let at = lower.find(key)?;
        let rest = &sql[at + key.len()..];
        let start = rest.find('\'')? + 1;
        let end = rest[start..].find('\'')? + start;
        Some(rest[start..end].to_owned())
    };
    if lower.contains("pg_type") {
        return quoted("typname").map(GuardSubject::Type);
    }
    if lower.contains("information_schema.tables") || lower.contains("pg_tables") {
        return quoted("table_name")
            .or_else(|| quoted("tablename"))
            .map(GuardSubject::Table);
    }
    None
}

fn is_package_name(externals: &crate::Externals, name: &str) -> bool {
    let prefix = format!("{name}.");
    externals
        .range(prefix.clone()..)
        .next()
        .is_some_and(|(k, _)| k.starts_with(&prefix))
}

/// An evaluated value as the public API shows it.
fn public(v: Value) -> crate::Evaluated {
    use crate::Evaluated as E;
    match v {
        Value::Str(s, _) => E::Str(s),
        Value::Bool(b) => E::Bool(b),
        Value::None => E::None,
        Value::Seq(items) => E::Seq(items.into_iter().map(public).collect()),
        Value::Enum(spec) => E::Enum(spec),
        Value::Column(c) => E::Column(c),
        Value::SqlType(t) => E::SqlType(t.to_owned()),
        Value::Path(p) if p.starts_with("sqlalchemy") => {
            match crate::types::from_sqlalchemy(&p, false) {
                Some(t) => E::SqlType(t.to_owned()),
                None => E::OtherType,
            }
        }
        Value::Type { .. } | Value::TypeNamed => E::OtherType,
        Value::PyEnum { names, values } => E::PyEnum(crate::PyEnumClass { names, values }),
        _ => E::Unknown,
    }
}

/// Members of a Python enum class body: `NAME = "value"` (aliases, equal values, keep the first name).
fn py_enum(body: &[Stmt]) -> Value {
    let mut names = Vec::new();
    let mut values = Some(Vec::new());
    for stmt in body {
        let Stmt::Assign { targets, value, .. } = stmt else {
            continue;
        };
        let [Expr::Name { id, .. }] = targets.as_slice() else {
            continue;
        };
        if id.starts_with('_') {
            continue;
        }
        match value {
            Expr::Str { value, .. } => {
                if let Some(v) = values.as_mut() {
                    if v.contains(value) {
                        // An alias of an earlier member: not a member of its own.
                        continue;
                    }
                    v.push(value.clone());
                }
            }
            _ => values = None,
        }
        names.push(id.clone());
    }
    Value::PyEnum { names, values }
}

/// A callable that gives an ORM session (`Session`, `sessionmaker`, `scoped_session`, a project's
/// `create_session()` / `get_session()`): what is done through a session is data.
fn is_session_factory(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with("session") || lower == "sessionmaker" || lower == "scoped_session"
}

/// The module `importlib.import_module("...")` names, when it is a string literal.
fn import_module_literal(expr: &Expr) -> Option<String> {
    let Expr::Call { func, args, .. } = expr else {
        return None;
    };
    let callee = func.dotted_name()?;
    if callee != "import_module" && callee != "importlib.import_module" {
        return None;
    }
    match args.first()? {
        Expr::Str { value, .. } => Some(value.clone()),
        _ => None,
    }
}

/// Whether two values are the same (a string's source offset aside).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x, _), Value::Str(y, _)) | (Value::Text(x, _), Value::Text(y, _)) => x == y,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (a, b) => a == b,
    }
}

/// Ops of a helper from another module, shown at the call that ran them.
fn at_call(ops: &mut [Op], range: TextRange) {
    for op in ops {
        op.range = range;
        match &mut op.kind {
            OpKind::Guard {
                when_true,
                when_false,
                ..
            } => {
                at_call(when_true, range);
                at_call(when_false, range);
            }
            // Offsets into the other file's string literal mean nothing here.
            OpKind::Sql(sql) => sql.content_start = None,
            _ => {}
        }
    }
}

fn is_op(v: &Value) -> bool {
    matches!(v, Value::Path(p) if p == "alembic.op")
}

fn root_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name { id, .. } => Some(id),
        Expr::Attribute { value, .. } | Expr::Call { func: value, .. } => root_name(value),
        _ => None,
    }
}

/// An item of something iterated that is not a known sequence: a row of rows (or of a table),
/// what a call migdoc could not follow returned is made from the same names, else unknown.
/// What `for x in v` goes through, when migdoc knows it: a sequence's items, a dict's keys, a
/// string's characters.
// `Err` hands the value back unchanged, moved: boxing it would allocate on every loop.
#[allow(clippy::result_large_err)]
fn iter_values(v: Value) -> Result<Vec<Value>, Value> {
    match v {
        Value::Seq(items) => Ok(items),
        Value::Dict(items) => Ok(items.into_iter().map(|(k, _)| k).collect()),
        Value::Str(s, _) => Ok(s.chars().map(|c| Value::Str(c.to_string(), None)).collect()),
        other => Err(other),
    }
}

/// `var["name"]` or `var.get("name")`: a reflected column's name.
fn is_name_of(expr: &Expr, var: &str) -> bool {
    let is_var = |e: &Expr| matches!(e, Expr::Name { id, .. } if id == var);
    let is_name = |e: &Expr| matches!(e, Expr::Str { value, .. } if value == "name");
    match expr {
        Expr::Subscript { value, slice, .. } => is_var(value) && is_name(slice),
        Expr::Call { func, args, .. } => {
            matches!(func.as_ref(), Expr::Attribute { value, attr, .. } if attr == "get" && is_var(value))
                && matches!(args.as_slice(), [a] | [a, _] if is_name(a))
        }
        _ => false,
    }
}

/// `d[key]` on a dict literal migdoc knows (string and integer keys; the last binding wins).
fn dict_get<'v>(items: &'v [(Value, Value)], key: &Value) -> Option<&'v Value> {
    items
        .iter()
        .rev()
        .find(|(k, _)| match (k, key) {
            (Value::Str(a, _), Value::Str(b, _)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            _ => false,
        })
        .map(|(_, v)| v)
}

/// A Python index into `len` items: negative counts from the end.
fn index_in(i: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if i < 0 { i + len } else { i };
    (0..len)
        .contains(&i)
        .then(|| usize::try_from(i).ok())
        .flatten()
}

/// `v[i]` on what migdoc knows: a sequence or a string by position, a dict by key.
fn subscript(base: Value, index: &Value) -> Value {
    match (base, index) {
        (Value::Seq(items), Value::Int(i)) => {
            index_in(*i, items.len()).map_or(Value::Unknown, |i| items[i].clone())
        }
        (Value::Str(s, _), Value::Int(i)) => {
            let chars: Vec<char> = s.chars().collect();
            index_in(*i, chars.len())
                .map_or(Value::Unknown, |i| Value::Str(chars[i].to_string(), None))
        }
        (Value::Dict(items), key) => dict_get(&items, key).cloned().unwrap_or(Value::Unknown),
        (named @ Value::Named(_), _) => named,
        (Value::Setting, key) => setting(key),
        _ => Value::Unknown,
    }
}

/// The keys of `MigrationContext.opts` that are Alembic's own: what `context.configure()` and
/// the command pass (read from Alembic's source). Any other key is a setting of the project's.
const ALEMBIC_OPTS: &[&str] = &[
    "alembic_module_prefix",
    "as_sql",
    "autogenerate_plugins",
    "compare_server_default",
    "compare_type",
    "connection",
    "destination_rev",
    "dialect_name",
    "dialect_opts",
    "dont_mutate",
    "downgrade_token",
    "fn",
    "include_name",
    "include_object",
    "include_schemas",
    "literal_binds",
    "on_version_apply",
    "output_buffer",
    "output_encoding",
    "process_revision_directives",
    "purge",
    "render_as_batch",
    "render_item",
    "script",
    "sqlalchemy_module_prefix",
    "starting_rev",
    "tag",
    "target_metadata",
    "template_args",
    "transaction_per_migration",
    "transactional_ddl",
    "upgrade_token",
    "url",
    "user_module_prefix",
    "version_table",
    "version_table_pk",
    "version_table_schema",
];

/// `op.get_context().opts[key]`: the connection, one of Alembic's own options (which may name
/// the version table or its schema: unknown), or a setting of the project's.
fn setting(key: &Value) -> Value {
    match key {
        Value::Str(k, _) if k == "connection" => Value::Bind,
        Value::Str(k, _) if ALEMBIC_OPTS.contains(&k.as_str()) => Value::Unknown,
        Value::Str(..) => Value::Setting,
        _ => Value::Unknown,
    }
}

/// `v[lo:hi]` (step 1) on a sequence or a string, with Python's clamping.
fn slice_of(base: Value, lo: Option<i64>, hi: Option<i64>) -> Value {
    let bounds = |len: usize| {
        let n = i64::try_from(len).unwrap_or(i64::MAX);
        let clamp =
            |i: i64| usize::try_from((if i < 0 { i + n } else { i }).clamp(0, n)).unwrap_or(0);
        let (a, b) = (lo.map_or(0, clamp), hi.map_or(len, clamp));
        (a, b.max(a))
    };
    match base {
        Value::Seq(items) => {
            let (a, b) = bounds(items.len());
            Value::Seq(items[a..b].to_vec())
        }
        Value::Str(s, _) => {
            let chars: Vec<char> = s.chars().collect();
            let (a, b) = bounds(chars.len());
            Value::Str(chars[a..b].iter().collect(), None)
        }
        _ => Value::Unknown,
    }
}

/// `l <op> r` as Python computes it (`+`, `*`, `-` and `%` on the values migdoc follows); text
/// with an unknown part keeps a [`HOLE`] there. For one of several texts, each of them.
fn binop(op: BinOp, l: Value, r: Value) -> Value {
    let texts = |v: &Value| matches!(v, Value::Str(..) | Value::Holed(_));
    match (&l, &r) {
        (Value::OneOf(alternatives), _) if !matches!(r, Value::OneOf(_)) => {
            let results: Vec<Value> = alternatives
                .iter()
                .map(|a| binop(op, a.clone(), r.clone()))
                .collect();
            if results.iter().all(texts) {
                return Value::OneOf(results);
            }
            return binop(op, Value::Unknown, r);
        }
        (_, Value::OneOf(alternatives)) if !matches!(l, Value::OneOf(_)) => {
            let results: Vec<Value> = alternatives
                .iter()
                .map(|a| binop(op, l.clone(), a.clone()))
                .collect();
            if results.iter().all(texts) {
                return Value::OneOf(results);
            }
            return binop(op, l, Value::Unknown);
        }
        (Value::OneOf(_), Value::OneOf(_)) => return binop(op, Value::Unknown, Value::Unknown),
        _ => {}
    }
    match (op, l, r) {
        (BinOp::Add, Value::Str(a, _), Value::Str(b, _)) => Value::Str(a + &b, None),
        (BinOp::Add, Value::Seq(mut a), Value::Seq(b)) => {
            a.extend(b);
            Value::Seq(a)
        }
        // `"x" * 64`, `[sa.Column(...)] * 2`: repeated as Python does (n <= 0 gives
        // an empty value), within a budget.
        (BinOp::Mult, Value::Str(a, _), Value::Int(n))
        | (BinOp::Mult, Value::Int(n), Value::Str(a, _)) => {
            let n = usize::try_from(n).unwrap_or(0);
            if a.len().saturating_mul(n) > MAX_REPEAT {
                Value::Unknown
            } else {
                Value::Str(a.repeat(n), None)
            }
        }
        (BinOp::Mult, Value::Seq(a), Value::Int(n))
        | (BinOp::Mult, Value::Int(n), Value::Seq(a)) => {
            let n = usize::try_from(n).unwrap_or(0);
            if a.len().saturating_mul(n) > MAX_REPEAT {
                Value::Unknown
            } else {
                Value::Seq(a.iter().cloned().cycle().take(a.len() * n).collect())
            }
        }
        (BinOp::Add, Value::Int(a), Value::Int(b)) => {
            a.checked_add(b).map_or(Value::Unknown, Value::Int)
        }
        (BinOp::Sub, Value::Int(a), Value::Int(b)) => {
            a.checked_sub(b).map_or(Value::Unknown, Value::Int)
        }
        (BinOp::Mult, Value::Int(a), Value::Int(b)) => {
            a.checked_mul(b).map_or(Value::Unknown, Value::Int)
        }
        (BinOp::Mod, Value::Str(fmt, _), args) => match percent(&fmt, &args, false) {
            Some(s) => Value::Str(s, None),
            None => percent(&fmt, &args, true).map_or(Value::Unknown, Value::Holed),
        },
        (BinOp::Add, Value::Str(a, _) | Value::Holed(a), Value::Str(b, _) | Value::Holed(b)) => {
            Value::Holed(a + &b)
        }
        (BinOp::Add, Value::Str(a, _) | Value::Holed(a), Value::Unknown) => Value::Holed(a + HOLE),
        (BinOp::Add, Value::Unknown, Value::Str(b, _) | Value::Holed(b)) => {
            Value::Holed(format!("{HOLE}{b}"))
        }
        // Arithmetic with a number (`processed += len(rows)`, `i + 1`): a number, or what an
        // operand's own `__add__` makes of it; never a connection or a function.
        (
            BinOp::Add
            | BinOp::Sub
            | BinOp::Mult
            | BinOp::Div
            | BinOp::FloorDiv
            | BinOp::Mod
            | BinOp::Pow,
            Value::Int(_) | Value::Data,
            Value::Int(_) | Value::Data | Value::Unknown,
        )
        | (
            BinOp::Add
            | BinOp::Sub
            | BinOp::Mult
            | BinOp::Div
            | BinOp::FloorDiv
            | BinOp::Mod
            | BinOp::Pow,
            Value::Unknown,
            Value::Int(_) | Value::Data,
        ) => Value::Data,
        _ => Value::Unknown,
    }
}

/// `l <op> r` as Python decides it; for one of several texts, what every one of them gives.
fn compare(op: CmpOp, l: &Value, r: &Value) -> Value {
    let each = |alternatives: &[Value], f: &dyn Fn(&Value) -> Value| {
        let results: Vec<Value> = alternatives.iter().map(f).collect();
        match results.first() {
            Some(Value::Bool(b))
                if results
                    .iter()
                    .all(|v| matches!(v, Value::Bool(c) if c == b)) =>
            {
                Value::Bool(*b)
            }
            _ => Value::Unknown,
        }
    };
    if let Value::OneOf(alternatives) = l {
        return each(alternatives, &|a| compare(op, a, r));
    }
    if let Value::OneOf(alternatives) = r {
        return each(alternatives, &|a| compare(op, l, a));
    }
    let ordering = py_ordering(l, r);
    if let Some(o) = ordering
        && matches!(
            op,
            CmpOp::Eq | CmpOp::NotEq | CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE
        )
    {
        use std::cmp::Ordering::{Equal, Greater, Less};
        return Value::Bool(match op {
            CmpOp::Eq => o == Equal,
            CmpOp::NotEq => o != Equal,
            CmpOp::Lt => o == Less,
            CmpOp::LtE => o != Greater,
            CmpOp::Gt => o == Greater,
            _ => o != Less,
        });
    }
    match (op, l, r) {
        (CmpOp::Is, Value::None, Value::None) => return Value::Bool(true),
        (CmpOp::IsNot, Value::None, Value::None) => return Value::Bool(false),
        (
            CmpOp::Is,
            Value::Str(..) | Value::Int(_) | Value::Bool(_) | Value::Seq(_),
            Value::None,
        ) => {
            return Value::Bool(false);
        }
        (
            CmpOp::IsNot,
            Value::Str(..) | Value::Int(_) | Value::Bool(_) | Value::Seq(_),
            Value::None,
        ) => {
            return Value::Bool(true);
        }
        // A substring, a dict's key.
        (CmpOp::In | CmpOp::NotIn, Value::Str(a, _), Value::Str(b, _)) => {
            return Value::Bool(b.contains(a.as_str()) == (op == CmpOp::In));
        }
        (CmpOp::In | CmpOp::NotIn, Value::Str(a, _), Value::Dict(items)) => {
            let found = items.iter().any(|(k, _)| k.as_str() == Some(a.as_str()));
            return Value::Bool(found == (op == CmpOp::In));
        }
        _ => {}
    }
    match (op, l.as_str(), r.as_str()) {
        (CmpOp::Eq, Some(a), Some(b)) => Value::Bool(a == b),
        (CmpOp::NotEq, Some(a), Some(b)) => Value::Bool(a != b),
        (CmpOp::In, Some(a), _) => match r {
            Value::Seq(items) => Value::Bool(items.iter().any(|i| i.as_str() == Some(a))),
            Value::TableNames => Value::Exists(GuardSubject::Table(a.to_owned()), true),
            Value::ColumnNames(table) => Value::Exists(
                GuardSubject::Column {
                    table: table.clone(),
                    column: a.to_owned(),
                },
                true,
            ),
            _ => Value::Unknown,
        },
        (CmpOp::NotIn, Some(a), _) => match r {
            Value::Seq(items) => Value::Bool(!items.iter().any(|i| i.as_str() == Some(a))),
            Value::TableNames => Value::Exists(GuardSubject::Table(a.to_owned()), false),
            Value::ColumnNames(table) => Value::Exists(
                GuardSubject::Column {
                    table: table.clone(),
                    column: a.to_owned(),
                },
                false,
            ),
            _ => Value::Unknown,
        },
        _ => Value::Unknown,
    }
}

/// A connection, Alembic's `op` or context, or a function: what lets code it is given to run
/// SQL.
/// `body`'s statements, with those of each `try`'s body, `else` and `finally` in its place (what
/// runs when nothing raises), at any depth.
fn flatten_try(body: &[Stmt]) -> Vec<&Stmt> {
    let mut out = Vec::with_capacity(body.len());
    for stmt in body {
        match stmt {
            Stmt::Try {
                body,
                orelse,
                finalbody,
                ..
            } => {
                out.extend(flatten_try(body));
                out.extend(flatten_try(orelse));
                out.extend(flatten_try(finalbody));
            }
            _ => out.push(stmt),
        }
    }
    out
}

/// Whether `path` (a name imported from a module migdoc did not find) is code migdoc could not
/// read: not SQLAlchemy's, Alembic's or the standard library's, which it knows.
fn is_unread(path: &str) -> bool {
    let top = path.split('.').next().unwrap_or_default();
    !matches!(
        top,
        "sqlalchemy" | "alembic" | "migdoc" | "sys" | "os" | "logging"
    ) && !PURE_MODULES.contains(&top)
}

/// The words a PostgreSQL 15 statement may begin with (the SQL Commands of its manual).
const SQL_COMMANDS: &[&str] = &[
    "ABORT",
    "ALTER",
    "ANALYZE",
    "ANALYSE",
    "BEGIN",
    "CALL",
    "CHECKPOINT",
    "CLOSE",
    "CLUSTER",
    "COMMENT",
    "COMMIT",
    "COPY",
    "CREATE",
    "DEALLOCATE",
    "DECLARE",
    "DELETE",
    "DISCARD",
    "DO",
    "DROP",
    "END",
    "EXECUTE",
    "EXPLAIN",
    "FETCH",
    "GRANT",
    "IMPORT",
    "INSERT",
    "LISTEN",
    "LOAD",
    "LOCK",
    "MERGE",
    "MOVE",
    "NOTIFY",
    "PREPARE",
    "REASSIGN",
    "REFRESH",
    "REINDEX",
    "RELEASE",
    "RESET",
    "REVOKE",
    "ROLLBACK",
    "SAVEPOINT",
    "SECURITY",
    "SELECT",
    "SET",
    "SHOW",
    "START",
    "TABLE",
    "TRUNCATE",
    "UNLISTEN",
    "UPDATE",
    "VACUUM",
    "VALUES",
    "WITH",
];

/// Whether text built at run time is a message for people, not SQL or a name: it begins with
/// a word that begins no SQL statement, and goes on after a space (`Couldn't transfer {x}`).
/// Names with spaces would have to be quoted identifiers; migdoc takes none to be one.
fn is_message(text: &str) -> bool {
    let text = text.trim_start();
    let Some((first, rest)) = text.split_once(char::is_whitespace) else {
        return false;
    };
    !rest.trim().is_empty()
        && first.chars().next().is_some_and(char::is_alphabetic)
        && first
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | ',' | ':'))
        && !SQL_COMMANDS.contains(&first.to_ascii_uppercase().as_str())
}

/// Whether `v`, or a value it holds (an item of a list, a tuple, a dict, one of several
/// values), is one `is` accepts.
fn holds(v: &Value, is: fn(&Value) -> bool) -> bool {
    is(v)
        || match v {
            Value::Seq(items) | Value::OneOf(items) => items.iter().any(|i| holds(i, is)),
            Value::Dict(items) => items.iter().any(|(k, v)| holds(k, is) || holds(v, is)),
            _ => false,
        }
}

/// Whether `v` is, or holds, a [`Value::Setting`].
fn holds_a_setting(v: &Value) -> bool {
    holds(v, |v| matches!(v, Value::Setting))
}

fn reaches_the_database(v: &Value) -> bool {
    holds(v, |v| match v {
        Value::Bind | Value::Context | Value::Batch(_) | Value::Function(_) | Value::Closure(_) => {
            true
        }
        Value::Path(p) => p.starts_with("alembic"),
        _ => false,
    })
}

/// The names whose list, dict or set `body` changes in place: `x.append(...)` and the other
/// [`MUTATING_METHODS`], `x[k] = v`, `x[k] += v`, `del x[k]`.
fn mutated_names(body: &[Stmt]) -> std::collections::HashSet<String> {
    let mut names = std::collections::HashSet::new();
    let subscripted = |t: &Expr| match t {
        Expr::Subscript { value, .. } => match value.as_ref() {
            Expr::Name { id, .. } => Some(id.clone()),
            _ => None,
        },
        _ => None,
    };
    migdoc_python::walk::each_stmt(body, &mut |s| match s {
        Stmt::Assign { targets, .. } => names.extend(targets.iter().filter_map(subscripted)),
        Stmt::AugAssign { target, .. } => {
            names.extend(subscripted(target));
            // `x += [...]` on a list extends it in place.
            if let Expr::Name { id, .. } = target {
                names.insert(id.clone());
            }
        }
        Stmt::Delete { targets, .. } => names.extend(targets.iter().filter_map(subscripted)),
        _ => {}
    });
    migdoc_python::walk::each_expr(body, &mut |e| {
        if let Expr::Call { func, .. } = e
            && let Expr::Attribute { value, attr, .. } = func.as_ref()
            && let Expr::Name { id, .. } = value.as_ref()
            && MUTATING_METHODS.contains(&attr.as_str())
        {
            names.insert(id.clone());
        }
    });
    names
}

/// How Python orders two values: integers, strings, and tuples item by item (`(15, 4) >=
/// (9, 6)`), as far as the items migdoc knows decide it.
fn py_ordering(l: &Value, r: &Value) -> Option<std::cmp::Ordering> {
    match (l, r) {
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        (Value::Str(a, _), Value::Str(b, _)) => Some(a.cmp(b)),
        (Value::Seq(a), Value::Seq(b)) => {
            for (x, y) in a.iter().zip(b) {
                match py_ordering(x, y)? {
                    std::cmp::Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(a.len().cmp(&b.len()))
        }
        _ => None,
    }
}

fn item_of(iterated: Value) -> Value {
    match iterated {
        Value::Data | Value::TableObj { .. } | Value::ColumnNames(_) => Value::Data,
        named @ Value::Named(_) => named,
        _ => Value::Unknown,
    }
}

fn attribute(base: Value, attr: &str) -> Value {
    match (base, attr) {
        // `db.session`, `settings.Session`: an ORM session (or its factory).
        (Value::Path(_), _) if is_session_factory(attr) => Value::Data,
        (Value::Path(p), _) => Value::Path(format!("{p}.{attr}")),
        (Value::Bind | Value::Context | Value::Inspector, "dialect") => Value::Dialect,
        (Value::Inspector, "bind" | "engine") => Value::Bind,
        (Value::Bind, "engine" | "connection") => Value::Bind,
        (Value::Bind | Value::Dialect, "name") => Value::Str("postgresql".into(), None),
        (Value::Context, "bind" | "connection") => Value::Bind,
        (Value::Context, "config") => Value::AlembicConfig,
        (Value::Context, "opts") | (Value::Setting, _) => Value::Setting,
        // `metadata.tables`: its tables by name (a dict).
        (Value::MetaData { tables, .. }, "tables") => Value::Dict(
            tables
                .into_iter()
                .filter_map(|t| match &t {
                    Value::TableObj { name: Some(n), .. } => Some((Value::Str(n.clone(), None), t)),
                    _ => None,
                })
                .collect(),
        ),
        (v @ Value::TableObj { .. }, "__table__") => v,
        (Value::TableObj { name: Some(n), .. }, "__tablename__" | "name") => Value::Str(n, None),
        (Value::Data | Value::TableObj { .. } | Value::ColumnNames(_), _) => Value::Data,
        (v @ Value::Named(_), _) => v,
        _ => Value::Unknown,
    }
}

/// The keys of `op.bulk_insert(table, [{"a": 1}, ...])` rows.
fn rows_keys(expr: Option<&Expr>) -> Option<Vec<Vec<String>>> {
    let Some(Expr::List { elts, .. } | Expr::Tuple { elts, .. }) = expr else {
        return None;
    };
    elts.iter()
        .map(|row| match row {
            Expr::Dict { items, .. } => items
                .iter()
                .map(|(k, _)| k.as_ref().and_then(|k| k.as_str().map(str::to_owned)))
                .collect(),
            _ => None,
        })
        .collect()
}

/// Python's `string.Template(text).substitute(vars)`: `$$` is `$`, `$name` and `${name}` are
/// replaced. A value migdoc cannot evaluate leaves a [`HOLE`]; a missing name is unknown
/// (`KeyError`), or kept as written with `safe`.
fn template_substitute(text: &str, vars: &[(String, Value)], safe: bool) -> Value {
    let ident = |c: char| c == '_' || c.is_ascii_alphanumeric();
    let mut out = String::with_capacity(text.len());
    let mut holed = false;
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
            continue;
        }
        let (name, tail) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], &braced[end + 1..]),
                None => ("", after),
            }
        } else {
            let end = after.find(|c: char| !ident(c)).unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        let valid = name.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic())
            && name.chars().all(ident);
        if !valid {
            // `$` not followed by a name: an error for `substitute`, kept by `safe_substitute`.
            if !safe {
                return Value::Unknown;
            }
            out.push('$');
            rest = after;
            continue;
        }
        match vars.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v) {
            Some(Value::Str(v, _)) => out.push_str(v),
            Some(Value::Int(i)) => out.push_str(&i.to_string()),
            Some(_) => {
                out.push_str(HOLE);
                holed = true;
            }
            None if safe => out.push_str(&rest[i..rest.len() - tail.len()]),
            None => return Value::Unknown,
        }
        rest = tail;
    }
    out.push_str(rest);
    if holed {
        Value::Holed(out)
    } else {
        Value::Str(out, None)
    }
}

/// `"..." % args`: `%s` of strings and integers, `%d` of integers, and `%%`. With `holes`, an
/// argument migdoc cannot use (and a `%(name)s`) becomes [`HOLE`]; without, the result is `None`.
/// Python's `repr()` of a string: single quotes unless the text holds one and no double quote.
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `format(value, spec)` for strings and integers, with the spec's `[[fill]align][0][width][type]`
/// (types `s`, `d` or none); anything else is not evaluated.
fn py_format(value: &Value, spec: &str) -> Option<String> {
    let (text, numeric) = match value {
        Value::Str(s, _) => (s.clone(), false),
        Value::Int(i) => (i.to_string(), true),
        Value::Bool(b) => ((if *b { "True" } else { "False" }).to_owned(), false),
        Value::None => ("None".to_owned(), false),
        _ => return None,
    };
    if spec.is_empty() {
        return Some(text);
    }
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
    let (mut fill, mut align) = (' ', None);
    if chars.len() >= 2 && is_align(chars[1]) {
        (fill, align) = (chars[0], Some(chars[1]));
        i = 2;
    } else if chars.first().is_some_and(|c| is_align(*c)) {
        align = Some(chars[0]);
        i = 1;
    }
    if chars.get(i) == Some(&'0') && align.is_none() {
        (fill, align) = ('0', Some('='));
        i += 1;
    }
    let digits: String = chars[i..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    i += digits.len();
    let width: usize = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    match chars.get(i..) {
        Some([] | ['s']) if !numeric => {}
        Some([] | ['d']) if numeric => {}
        _ => return None,
    }
    let len = text.chars().count();
    if len >= width {
        return Some(text);
    }
    let pad = |n: usize| fill.to_string().repeat(n);
    Some(match align.unwrap_or(if numeric { '>' } else { '<' }) {
        '<' => text.clone() + &pad(width - len),
        '>' => pad(width - len) + &text,
        '^' => pad((width - len) / 2) + &text + &pad(width - len - (width - len) / 2),
        // `=`: padding after the sign.
        _ => match text.strip_prefix('-') {
            Some(digits) => format!("-{}{digits}", pad(width - len)),
            None => pad(width - len) + &text,
        },
    })
}

fn percent(fmt: &str, args: &Value, holes: bool) -> Option<String> {
    let items: Vec<&Value> = match args {
        Value::Seq(items) => items.iter().collect(),
        other => vec![other],
    };
    let one = |spec: char, v: Option<&Value>| -> Option<String> {
        match (spec, v?) {
            ('s', Value::Str(s, _)) => Some(s.clone()),
            ('r', Value::Str(s, _)) => Some(py_repr(s)),
            ('s' | 'd' | 'r', Value::Int(i)) => Some(i.to_string()),
            ('s' | 'r', v @ (Value::Bool(_) | Value::None)) => py_format(v, ""),
            _ => None,
        }
    };
    let mut out = String::new();
    let mut it = items.into_iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            spec @ ('s' | 'd' | 'r') => match one(spec, it.next()) {
                Some(text) => out.push_str(&text),
                None if holes => out.push_str(HOLE),
                None => return None,
            },
            // `%(name)s` with a dict.
            '(' => {
                let name: String = chars.by_ref().take_while(|c| *c != ')').collect();
                let spec = chars.next()?;
                let value = match args {
                    Value::Dict(entries) => dict_get(entries, &Value::Str(name, None)),
                    _ => None,
                };
                match one(spec, value) {
                    Some(text) => out.push_str(&text),
                    None if holes => out.push_str(HOLE),
                    None => return None,
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// `"...".format(...)` with `{}`, `{0}`, `{name}` and `{{`/`}}`.
/// `str.format`: the text, and whether it holds a [`HOLE`] where a value migdoc cannot evaluate
/// stands. `None` for a field it does not read (a missing argument, a conversion or a format
/// spec).
fn brace_format(
    fmt: &str,
    positional: &[Value],
    named: &[(String, Value)],
) -> Option<(String, bool)> {
    let mut holed = false;
    let mut out = String::new();
    let mut next = 0;
    let mut rest = fmt;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push(tail.chars().next()?);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return None;
        }
        let close = tail.find('}')?;
        let field = &tail[1..close];
        let value = if field.is_empty() {
            next += 1;
            positional.get(next - 1)?
        } else if let Ok(i) = field.parse::<usize>() {
            positional.get(i)?
        } else {
            &named.iter().find(|(n, _)| n == field)?.1
        };
        match value {
            Value::Str(s, _) => out.push_str(s),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Holed(s) => {
                out.push_str(s);
                holed = true;
            }
            // Anything else is some text migdoc does not know.
            _ => {
                out.push_str(HOLE);
                holed = true;
            }
        }
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    Some((out, holed))
}

/// `op.create_index(..., postgresql_concurrently=True)` (or `drop_index`): a statement PostgreSQL
/// runs only outside a transaction block.
fn concurrently(call: &str) -> OpKind {
    let what = if call == "drop_index" {
        "DROP INDEX CONCURRENTLY"
    } else {
        "CREATE INDEX CONCURRENTLY"
    };
    OpKind::NoTransactionBlock {
        what: what.to_owned(),
    }
}

/// The statements alembic-postgresql-enum's `op.sync_enum_values` runs (its
/// `SyncEnumValuesOp._set_enum_values`, version 1.11): the type renamed to `<name>_old`, created
/// again with `new_values` (quoted as the library quotes them: not escaped), each affected
/// column cast to it (with the renames as a `CASE`), the old type dropped (which fails while a
/// column the call did not list still uses it). `None` when an argument is not a known value, or
/// a column is given in a form other than `(table, column)`.
fn sync_enum_values_sql(
    schema: &Value,
    name: &Value,
    new_values: &Value,
    columns: &Value,
    renames: &Value,
) -> Option<Vec<String>> {
    let strings = |v: &Value| -> Option<Vec<String>> {
        match v {
            Value::Seq(items) => items
                .iter()
                .map(|i| i.as_str().filter(|s| !s.contains(HOLE)).map(str::to_owned))
                .collect(),
            _ => None,
        }
    };
    let (schema, name) = (
        schema.as_str().filter(|s| !s.contains(HOLE))?,
        name.as_str().filter(|s| !s.contains(HOLE))?,
    );
    let labels = strings(new_values)?;
    let columns: Vec<Vec<String>> = match columns {
        Value::Seq(items) => items.iter().map(strings).collect::<Option<_>>()?,
        _ => return None,
    };
    let renames: Vec<Vec<String>> = match renames {
        Value::Seq(items) => items.iter().map(strings).collect::<Option<_>>()?,
        Value::None => Vec::new(),
        _ => return None,
    };
    if columns.iter().any(|c| c.len() != 2) || renames.iter().any(|r| r.len() != 2) {
        return None;
    }
    let type_name = format!("\"{schema}\".\"{name}\"");
    let mut out = vec![
        format!("ALTER TYPE {type_name} RENAME TO \"{name}_old\""),
        format!(
            "CREATE TYPE {type_name} AS ENUM({})",
            labels
                .iter()
                .map(|l| format!("'{l}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ];
    for c in &columns {
        let (table, column) = (&c[0], &c[1]);
        let using = if renames.is_empty() {
            format!("\"{column}\"::text::{type_name}")
        } else {
            let whens: Vec<String> = renames
                .iter()
                .map(|r| {
                    format!(
                        "WHEN \"{column}\"::text = '{}' THEN '{}'::{type_name}",
                        r[0], r[1]
                    )
                })
                .collect();
            format!(
                "CASE {} ELSE \"{column}\"::text::{type_name} END",
                whens.join(" ")
            )
        };
        out.push(format!("ALTER TABLE \"{schema}\".\"{table}\" ALTER COLUMN \"{column}\" TYPE {type_name} USING {using}"));
    }
    out.push(format!("DROP TYPE \"{schema}\".\"{name}_old\""));
    Some(out)
}

/// An expression that makes a `str` itself: a literal, an f-string, `+` or `%` on text, or
/// `.format(...)` (never `text(...)`).
fn builds_a_string(e: &Expr) -> bool {
    match e {
        Expr::Str { .. } | Expr::FString { .. } | Expr::BinOp { .. } => true,
        Expr::Call { func, .. } => {
            matches!(func.as_ref(), Expr::Attribute { attr, .. } if attr == "format")
        }
        _ => false,
    }
}
