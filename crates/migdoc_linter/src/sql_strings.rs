//! Finds the SQL strings a migration runs: `op.execute("...")`, `sa.text("...")`,
//! `conn.execute(...)`, `op.get_bind().execute(...)`, `exec_driver_sql("...")`, with string values
//! resolved through module- and function-level constants and constant f-strings.

use std::collections::HashMap;

use migdoc_python::ast::{Expr, FStringPart, Stmt};
use migdoc_python::TextRange;
use migdoc_sql::ParamStyle;

pub(crate) struct SqlString {
    pub(crate) sql: String,
    pub(crate) style: ParamStyle,
    /// The expression in the source that produced the string.
    pub(crate) range: TextRange,
    /// Where the string's first character sits in the source when it is spelled literally.
    pub(crate) content_start: Option<u32>,
}

#[derive(Default)]
pub(crate) struct Found {
    pub(crate) strings: Vec<SqlString>,
    /// `execute(...)` calls whose argument migdoc cannot evaluate.
    pub(crate) unknown: usize,
}

type Scope = HashMap<String, Expr>;

pub(crate) fn find(body: &[Stmt]) -> Found {
    let mut module_scope = Scope::new();
    bind_constants(body, &mut module_scope);
    let mut found = Found::default();
    walk_block(body, &module_scope, &mut found);
    found
}

/// Records `NAME = <str or f-string or text(...)>` assignments of a block (flow-insensitive: the
/// last assignment wins).
fn bind_constants(body: &[Stmt], scope: &mut Scope) {
    for stmt in body {
        let (target, value) = match stmt {
            Stmt::Assign { targets, value, .. } if targets.len() == 1 => (&targets[0], value),
            Stmt::AnnAssign { target, value: Some(value), .. } => (target, value),
            _ => continue,
        };
        if let Expr::Name { id, .. } = target {
            scope.insert(id.clone(), value.clone());
        }
    }
}

fn walk_block(body: &[Stmt], scope: &Scope, found: &mut Found) {
    for stmt in body {
        match stmt {
            Stmt::FunctionDef(f) => {
                let mut local = scope.clone();
                bind_constants(&f.body, &mut local);
                walk_block(&f.body, &local, found);
            }
            Stmt::ClassDef(c) => walk_block(&c.body, scope, found),
            Stmt::If { test, body, orelse, .. } | Stmt::While { test, body, orelse, .. } => {
                walk_expr(test, scope, found);
                walk_block(body, scope, found);
                walk_block(orelse, scope, found);
            }
            Stmt::For { iter, body, orelse, .. } => {
                walk_expr(iter, scope, found);
                walk_block(body, scope, found);
                walk_block(orelse, scope, found);
            }
            Stmt::With { items, body, .. } => {
                for item in items {
                    walk_expr(&item.context, scope, found);
                }
                walk_block(body, scope, found);
            }
            Stmt::Try { body, handlers, orelse, finalbody, .. } => {
                walk_block(body, scope, found);
                for h in handlers {
                    walk_block(&h.body, scope, found);
                }
                walk_block(orelse, scope, found);
                walk_block(finalbody, scope, found);
            }
            Stmt::Assign { value, .. } | Stmt::AugAssign { value, .. } | Stmt::Expr { value, .. } => {
                walk_expr(value, scope, found);
            }
            Stmt::AnnAssign { value: Some(value), .. } | Stmt::Return { value: Some(value), .. } => {
                walk_expr(value, scope, found);
            }
            _ => {}
        }
    }
}

fn callee_name(func: &Expr) -> Option<&str> {
    match func {
        Expr::Name { id, .. } => Some(id),
        Expr::Attribute { attr, .. } => Some(attr),
        _ => None,
    }
}

fn walk_expr(expr: &Expr, scope: &Scope, found: &mut Found) {
    let Expr::Call { func, args, keywords, .. } = expr else {
        match expr {
            Expr::Attribute { value, .. } => walk_expr(value, scope, found),
            Expr::List { elts, .. } | Expr::Tuple { elts, .. } => {
                elts.iter().for_each(|e| walk_expr(e, scope, found));
            }
            _ => {}
        }
        return;
    };
    walk_expr(func, scope, found);
    let name = callee_name(func);
    let first = args.first();
    match (name, first) {
        (Some("execute"), Some(arg)) => match executed_sql(arg, scope) {
            Some(s) => found.strings.push(s),
            // An SQLAlchemy construct, or a value migdoc cannot see.
            None => found.unknown += 1,
        },
        (Some("exec_driver_sql"), Some(arg)) => match resolve_string(arg, scope) {
            Some(s) => found.strings.push(s.with_style(ParamStyle::Pyformat)),
            None => found.unknown += 1,
        },
        _ => {}
    }
    for arg in args {
        walk_expr(arg, scope, found);
    }
    for kw in keywords {
        walk_expr(&kw.value, scope, found);
    }
}

/// The SQL an `execute(arg)` runs: a string (Alembic wraps it in `text()`), `text("...")`, or a
/// name bound to either. `text()` elsewhere (a `server_default`, a constraint) is an expression,
/// not a statement, and is not collected.
fn executed_sql(arg: &Expr, scope: &Scope) -> Option<SqlString> {
    let target = match arg {
        Expr::Name { id, .. } => match scope.get(id) {
            Some(bound @ Expr::Call { .. }) => bound,
            _ => arg,
        },
        _ => arg,
    };
    if let Expr::Call { func, args, .. } = target {
        if callee_name(func) == Some("text") {
            return args.first().and_then(|a| resolve_string(a, scope)).map(|s| s.with_style(ParamStyle::Named));
        }
        return None;
    }
    resolve_string(target, scope).map(|s| s.with_style(ParamStyle::Named))
}

impl SqlString {
    fn with_style(mut self, style: ParamStyle) -> Self {
        self.style = style;
        self
    }
}

/// A string value: a literal, a constant f-string, or a name bound to one.
fn resolve_string(expr: &Expr, scope: &Scope) -> Option<SqlString> {
    resolve(expr, scope, 0).map(|(sql, content_start)| SqlString {
        sql,
        style: ParamStyle::None,
        range: expr.range(),
        content_start,
    })
}

fn resolve(expr: &Expr, scope: &Scope, depth: u32) -> Option<(String, Option<u32>)> {
    if depth > 8 {
        return None;
    }
    match expr {
        Expr::Str { value, layout, .. } => Some((value.clone(), layout.content_start)),
        Expr::FString { parts, .. } => {
            let mut out = String::new();
            for part in parts {
                match part {
                    FStringPart::Literal(s) => out.push_str(s),
                    FStringPart::Interpolation { expr, conversion: None, has_format_spec: false } => {
                        out.push_str(&resolve(expr, scope, depth + 1)?.0);
                    }
                    FStringPart::Interpolation { .. } => return None,
                }
            }
            Some((out, None))
        }
        Expr::Name { id, .. } => scope.get(id).and_then(|v| resolve(v, scope, depth + 1)).map(|(s, _)| (s, None)),
        _ => None,
    }
}
