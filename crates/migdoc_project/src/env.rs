//! What `env.py` tells about how migrations run: where `target_metadata` comes from, and the
//! `context.configure(...)` options that change semantics (`transaction_per_migration`,
//! `version_table`, `version_table_schema`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use migdoc_python::ast::{Expr, Stmt};

/// A setting read from source: absent, a value migdoc could evaluate, or present but not evaluable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Setting<T> {
    #[default]
    Unset,
    Known(T),
    Unknown,
}

impl<T: Clone> Setting<T> {
    pub fn known(&self) -> Option<T> {
        match self {
            Setting::Known(v) => Some(v.clone()),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetMetadata {
    /// The expression as written (`Base.metadata`, `[a.metadata, b.metadata]`, `None`).
    pub expr: String,
    /// For each name the expression uses, the module it was imported from (`Base` →
    /// `myapp.models`), as written in the import (relative imports keep their dots).
    pub imports: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvInfo {
    pub path: PathBuf,
    pub target_metadata: Option<TargetMetadata>,
    /// The online `context.configure(...)` call gives Alembic a `target_metadata` (whose naming
    /// convention names the constraints operations are given without a name): `Known(false)`
    /// when it gives none or `None`, `Unset` when env.py has no `configure` call migdoc reads.
    pub passes_metadata: Setting<bool>,
    pub transaction_per_migration: Setting<bool>,
    /// Migrations run outside a transaction: `transactional_ddl=False` in the online
    /// `configure` call, or the string `"AUTOCOMMIT"` (an isolation level) anywhere in env.py.
    pub autocommit: bool,
    pub version_table: Setting<String>,
    pub version_table_schema: Setting<String>,
    /// `os.environ[...]` / `os.getenv(...)` names env.py reads (for `verify` to set the URL).
    pub env_vars: Vec<String>,
    /// `context.get_x_argument(...)` is used: the URL may come from `-x`.
    pub uses_x_arguments: bool,
    /// The keys env.py reads from `-x` (`get_x_argument(as_dictionary=True).get("db_url")`).
    pub x_argument_keys: Vec<String>,
    /// Every module env.py imports (absolute imports; `from a import b` gives `a` and `a.b`).
    pub imported_modules: Vec<String>,
    /// The `context.run_migrations()` call that runs against a database (the last one).
    pub run_migrations: Option<migdoc_python::TextRange>,
    /// env.py takes a PostgreSQL advisory lock (`pg_advisory_lock`, `pg_advisory_xact_lock`,
    /// `pg_try_advisory_*`, or a helper whose name says `advisory_lock`).
    pub advisory_lock: bool,
    /// The online `configure` call passes `include_object` or `include_name`: a filter that
    /// may leave some of the metadata's tables out of this history (a plugin's history over
    /// the application's metadata).
    pub filters_tables: bool,
    /// The text of env.py (for diagnostics about it and its `# migdoc:` comments).
    pub text: String,
    /// Its comments (`migdoc_python::Module::comments`).
    pub comments: Vec<migdoc_python::TextRange>,
}

pub fn read_env(path: PathBuf, text: &str) -> EnvInfo {
    let module = migdoc_python::parse_module(text);
    let mut reader = Reader {
        text,
        info: EnvInfo {
            path,
            ..EnvInfo::default()
        },
        imports: BTreeMap::new(),
        constants: BTreeMap::new(),
        configure_calls: Vec::new(),
    };
    reader.block(&module.body, false);
    // Several `configure` calls are usual (offline and online): the online one decides how
    // migrations run against a database, so it wins; otherwise the last one.
    let chosen = reader
        .configure_calls
        .iter()
        .rev()
        .find(|(online, _)| *online)
        .or_else(|| reader.configure_calls.last())
        .map(|(_, kw)| kw.clone());
    if let Some(keywords) = &chosen {
        let given = keywords
            .iter()
            .find(|(name, _)| name == "target_metadata")
            .map(|(_, value)| value);
        reader.info.passes_metadata = Setting::Known(match given {
            None | Some(Expr::NoneLiteral { .. }) => false,
            Some(Expr::Name { id, .. }) if id == "target_metadata" => reader
                .info
                .target_metadata
                .as_ref()
                .is_some_and(|m| m.expr != "None"),
            Some(_) => true,
        });
    }
    if let Some(keywords) = chosen {
        for (name, value) in keywords {
            match name.as_str() {
                "transaction_per_migration" => {
                    reader.info.transaction_per_migration = match value {
                        Expr::Bool { value, .. } => Setting::Known(value),
                        _ => Setting::Unknown,
                    };
                }
                "transactional_ddl" => {
                    reader.info.autocommit |= matches!(value, Expr::Bool { value: false, .. });
                }
                "include_object" | "include_name" => {
                    reader.info.filters_tables |= !matches!(value, Expr::NoneLiteral { .. });
                }
                "version_table" => reader.info.version_table = reader.string_setting(&value),
                "version_table_schema" => {
                    reader.info.version_table_schema = reader.string_setting(&value)
                }
                _ => {}
            }
        }
    }
    migdoc_python::walk::each_expr(&module.body, &mut |e| {
        if let Expr::Str { value, .. } = e
            && value.eq_ignore_ascii_case("AUTOCOMMIT")
        {
            reader.info.autocommit = true;
        }
    });
    reader.info.env_vars.sort();
    reader.info.env_vars.dedup();
    // `from app import models` may name a submodule: both candidates are kept.
    let mut modules: Vec<String> = reader
        .imports
        .values()
        .filter(|m| !m.starts_with('.'))
        .flat_map(|m| match m.split_once(':') {
            Some((base, name)) => vec![base.to_owned(), format!("{base}.{name}")],
            None => vec![m.clone()],
        })
        .collect();
    modules.sort();
    modules.dedup();
    reader.info.imported_modules = modules;
    reader.info.x_argument_keys = x_argument_keys(text);
    reader.info.run_migrations = text.rmatch_indices("run_migrations(").find_map(|(at, m)| {
        let before =
            text[..at].trim_end_matches(|c: char| c.is_alphanumeric() || c == '_' || c == '.');
        (!before.ends_with("def ")).then(|| {
            let start = text[..at]
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .map_or(0, |i| i + 1);
            migdoc_python::TextRange::new(
                u32::try_from(start).unwrap_or(0),
                u32::try_from(at + m.len() - 1).unwrap_or(0),
            )
        })
    });
    reader.info.advisory_lock =
        text.contains("advisory_lock") || text.contains("advisory_xact_lock");
    reader.info.text = text.to_owned();
    reader.info.comments = module.comments.clone();
    reader.info
}

/// The string keys read from `get_x_argument(...)`'s result on the same line:
/// `.get("key")` or `["key"]`.
fn x_argument_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for line in text.lines().filter(|l| l.contains("get_x_argument(")) {
        let after = &line[line.find("get_x_argument(").unwrap_or(0)..];
        for opener in [".get(", "["] {
            let Some(at) = after.find(opener) else {
                continue;
            };
            let rest = after[at + opener.len()..].trim_start();
            let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            if let Some(end) = rest[1..].find(quote) {
                keys.push(rest[1..=end].to_owned());
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

struct Reader<'a> {
    text: &'a str,
    info: EnvInfo,
    /// Bound name → module it was imported from.
    imports: BTreeMap<String, String>,
    /// Module-level `NAME = "literal"`.
    constants: BTreeMap<String, Expr>,
    /// (inside an `*online*` function, keyword arguments).
    configure_calls: Vec<(bool, Vec<(String, Expr)>)>,
}

impl Reader<'_> {
    fn string_setting(&self, value: &Expr) -> Setting<String> {
        let resolved = match value {
            Expr::Name { id, .. } => self.constants.get(id).unwrap_or(value),
            other => other,
        };
        match resolved {
            Expr::Str { value, .. } => Setting::Known(value.clone()),
            Expr::NoneLiteral { .. } => Setting::Unset,
            _ => Setting::Unknown,
        }
    }

    fn block(&mut self, body: &[Stmt], online: bool) {
        for stmt in body {
            self.stmt(stmt, online);
        }
    }

    fn stmt(&mut self, stmt: &Stmt, online: bool) {
        match stmt {
            Stmt::Import { names, .. } => {
                for alias in names {
                    self.imports.insert(
                        alias.bound_name().to_owned(),
                        alias.imported_module().to_owned(),
                    );
                }
            }
            Stmt::ImportFrom {
                module,
                level,
                names,
                ..
            } => {
                let base = format!(
                    "{}{}",
                    ".".repeat(*level as usize),
                    module.as_deref().unwrap_or("")
                );
                for alias in names {
                    // `from pkg import models` may import a submodule: keep the full path.
                    self.imports.insert(
                        alias.bound_name().to_owned(),
                        format!("{base}:{}", alias.name),
                    );
                }
            }
            Stmt::Assign {
                targets,
                value,
                range,
            } => {
                for target in targets {
                    self.assignment(target, value, *range);
                }
                self.expr(value, online);
            }
            Stmt::AnnAssign {
                target,
                value: Some(value),
                range,
                ..
            } => {
                self.assignment(target, value, *range);
                self.expr(value, online);
            }
            Stmt::Expr { value, .. } => self.expr(value, online),
            Stmt::FunctionDef(f) => {
                let online = online || f.name.contains("online");
                self.block(&f.body, online);
            }
            Stmt::If {
                test, body, orelse, ..
            } => {
                self.expr(test, online);
                self.block(body, online);
                self.block(orelse, online);
            }
            Stmt::With { items, body, .. } => {
                for item in items {
                    self.expr(&item.context, online);
                }
                self.block(body, online);
            }
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                self.block(body, online);
                for h in handlers {
                    self.block(&h.body, online);
                }
                self.block(orelse, online);
                self.block(finalbody, online);
            }
            Stmt::For { body, orelse, .. } | Stmt::While { body, orelse, .. } => {
                self.block(body, online);
                self.block(orelse, online);
            }
            Stmt::Return {
                value: Some(value), ..
            } => self.expr(value, online),
            _ => {}
        }
    }

    fn assignment(&mut self, target: &Expr, value: &Expr, _range: migdoc_python::TextRange) {
        let Expr::Name { id, .. } = target else {
            return;
        };
        if matches!(value, Expr::Str { .. } | Expr::Bool { .. }) {
            self.constants.insert(id.clone(), value.clone());
        }
        if id == "target_metadata" {
            let range = value.range();
            let expr = self
                .text
                .get(range.start as usize..range.end as usize)
                .unwrap_or("")
                .to_owned();
            let mut imports = BTreeMap::new();
            collect_names(value, &mut |name| {
                if let Some(module) = self.imports.get(name) {
                    imports.insert(name.to_owned(), module.clone());
                }
            });
            self.info.target_metadata = Some(TargetMetadata { expr, imports });
        }
    }

    fn expr(&mut self, expr: &Expr, online: bool) {
        if let Expr::Call {
            func,
            args,
            keywords,
            ..
        } = expr
        {
            let callee = func.dotted_name().unwrap_or_default();
            if callee == "configure" || callee.ends_with(".configure") {
                let kws = keywords
                    .iter()
                    .filter_map(|k| k.arg.clone().map(|a| (a, k.value.clone())))
                    .collect();
                self.configure_calls.push((online, kws));
            }
            if callee.ends_with("get_x_argument") {
                self.info.uses_x_arguments = true;
            }
            if matches!(
                callee.as_str(),
                "os.getenv" | "os.environ.get" | "getenv" | "environ.get"
            ) && let Some(Expr::Str { value, .. }) = args.first()
            {
                self.info.env_vars.push(value.clone());
            }
            self.expr(func, online);
            for arg in args {
                self.expr(arg, online);
            }
            for kw in keywords {
                self.expr(&kw.value, online);
            }
            return;
        }
        if let Expr::Subscript { value, slice, .. } = expr
            && value
                .dotted_name()
                .as_deref()
                .is_some_and(|n| n == "os.environ" || n == "environ")
            && let Expr::Str { value, .. } = slice.as_ref()
        {
            self.info.env_vars.push(value.clone());
        }
        match expr {
            Expr::Attribute { value, .. } | Expr::Subscript { value, .. } => {
                self.expr(value, online)
            }
            Expr::BoolOp { values, .. } => values.iter().for_each(|v| self.expr(v, online)),
            Expr::IfExp {
                test, body, orelse, ..
            } => {
                self.expr(test, online);
                self.expr(body, online);
                self.expr(orelse, online);
            }
            _ => {}
        }
    }
}

fn collect_names(expr: &Expr, f: &mut impl FnMut(&str)) {
    match expr {
        Expr::Name { id, .. } => f(id),
        Expr::Attribute { value, .. } | Expr::Subscript { value, .. } => collect_names(value, f),
        Expr::Tuple { elts, .. } | Expr::List { elts, .. } => {
            elts.iter().for_each(|e| collect_names(e, f))
        }
        Expr::Call { func, args, .. } => {
            collect_names(func, f);
            args.iter().for_each(|e| collect_names(e, f));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_configure_and_metadata() {
        let env = read_env(
            "env.py".into(),
            "import os\nfrom alembic import context\nfrom myapp.models import Base\nSCHEMA = 'ops'\n\
             target_metadata = Base.metadata\n\
             def run_migrations_offline():\n    context.configure(url=url, transaction_per_migration=False)\n\
             def run_migrations_online():\n    url = os.environ['DATABASE_URL']\n    with connectable.connect() as connection:\n        \
             context.configure(connection=connection, target_metadata=target_metadata,\n            \
             transaction_per_migration=True, version_table='versions', version_table_schema=SCHEMA)\n",
        );
        assert_eq!(env.transaction_per_migration, Setting::Known(true));
        assert_eq!(env.version_table, Setting::Known("versions".into()));
        assert_eq!(env.version_table_schema, Setting::Known("ops".into()));
        let metadata = env.target_metadata.unwrap_or_else(|| panic!("no metadata"));
        assert_eq!(metadata.expr, "Base.metadata");
        assert_eq!(
            metadata.imports.get("Base").map(String::as_str),
            Some("myapp.models:Base")
        );
        assert_eq!(env.env_vars, ["DATABASE_URL"]);
        assert_eq!(env.passes_metadata, Setting::Known(true));
    }

    #[test]
    fn whether_configure_gives_alembic_a_metadata() {
        let passes = |text: &str| read_env("env.py".into(), text).passes_metadata;
        // Alembic's own template: `target_metadata = None`, given as it is.
        assert_eq!(
            passes(
                "target_metadata = None\ncontext.configure(connection=c, target_metadata=target_metadata)\n"
            ),
            Setting::Known(false)
        );
        assert_eq!(
            passes("context.configure(connection=c)\n"),
            Setting::Known(false)
        );
        assert_eq!(
            passes("context.configure(connection=c, target_metadata=None)\n"),
            Setting::Known(false)
        );
        // Given under another name, or built by a call: a metadata all the same.
        assert_eq!(
            passes("context.configure(connection=c, target_metadata=get_metadata())\n"),
            Setting::Known(true)
        );
        assert_eq!(passes("import os\n"), Setting::Unset);
    }

    #[test]
    fn whether_migrations_run_outside_a_transaction() {
        let autocommit = |text: &str| read_env("env.py".into(), text).autocommit;
        assert!(!autocommit(
            "with connectable.connect() as connection:\n    context.configure(connection=connection)\n    \
             with context.begin_transaction():\n        context.run_migrations()\n"
        ));
        assert!(autocommit(
            "connectable = engine_from_config(config, isolation_level='AUTOCOMMIT')\n"
        ));
        assert!(autocommit(
            "connection = engine.connect().execution_options(isolation_level=\"autocommit\")\n"
        ));
        assert!(autocommit(
            "context.configure(connection=connection, transactional_ddl=False)\n"
        ));
        assert!(!autocommit(
            "context.configure(connection=connection, transactional_ddl=True)\n"
        ));
        // A comment about autocommit blocks is no setting.
        assert!(!autocommit(
            "# use op.get_context().autocommit_block() for ADD VALUE\ncontext.configure(connection=c)\n"
        ));
    }

    #[test]
    fn unknown_values_stay_unknown() {
        let env = read_env(
            "env.py".into(),
            "context.configure(transaction_per_migration=flag())\n",
        );
        assert_eq!(env.transaction_per_migration, Setting::Unknown);
        assert_eq!(env.version_table, Setting::Unset);
        assert!(env.target_metadata.is_none());
    }
}
