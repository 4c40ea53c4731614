//! Visiting every expression of a tree, outermost first (for the searches that fixes need).

use crate::ast::{Expr, FStringPart, Stmt};

/// Calls `f` on every expression in `body`, in source order, an expression before the ones inside it.
pub fn each_expr<'a>(body: &'a [Stmt], f: &mut impl FnMut(&'a Expr)) {
    for stmt in body {
        stmt_exprs(stmt, f);
    }
}

fn stmt_exprs<'a>(stmt: &'a Stmt, f: &mut impl FnMut(&'a Expr)) {
    match stmt {
        Stmt::Assign { targets, value, .. } => {
            targets.iter().for_each(|t| expr(t, f));
            expr(value, f);
        }
        Stmt::AnnAssign {
            target,
            annotation,
            value,
            ..
        } => {
            expr(target, f);
            expr(annotation, f);
            value.iter().for_each(|v| expr(v, f));
        }
        Stmt::AugAssign { target, value, .. } => {
            expr(target, f);
            expr(value, f);
        }
        Stmt::Expr { value, .. } => expr(value, f),
        Stmt::FunctionDef(def) => {
            def.decorators.iter().for_each(|d| expr(d, f));
            each_expr(&def.body, f);
        }
        Stmt::ClassDef(class) => {
            class
                .decorators
                .iter()
                .chain(&class.bases)
                .for_each(|e| expr(e, f));
            class.keywords.iter().for_each(|k| expr(&k.value, f));
            each_expr(&class.body, f);
        }
        Stmt::If {
            test, body, orelse, ..
        }
        | Stmt::While {
            test, body, orelse, ..
        } => {
            expr(test, f);
            each_expr(body, f);
            each_expr(orelse, f);
        }
        Stmt::For {
            target,
            iter,
            body,
            orelse,
            ..
        } => {
            expr(target, f);
            expr(iter, f);
            each_expr(body, f);
            each_expr(orelse, f);
        }
        Stmt::With { items, body, .. } => {
            for item in items {
                expr(&item.context, f);
                item.target.iter().for_each(|t| expr(t, f));
            }
            each_expr(body, f);
        }
        Stmt::Try {
            body,
            handlers,
            orelse,
            finalbody,
            ..
        } => {
            each_expr(body, f);
            for h in handlers {
                h.type_.iter().for_each(|t| expr(t, f));
                each_expr(&h.body, f);
            }
            each_expr(orelse, f);
            each_expr(finalbody, f);
        }
        Stmt::Return { value, .. } => value.iter().for_each(|v| expr(v, f)),
        Stmt::Delete { targets, .. } => targets.iter().for_each(|t| expr(t, f)),
        Stmt::Raise { .. }
        | Stmt::Import { .. }
        | Stmt::ImportFrom { .. }
        | Stmt::Pass { .. }
        | Stmt::Break { .. }
        | Stmt::Continue { .. }
        | Stmt::Other { .. } => {}
    }
}

fn expr<'a>(e: &'a Expr, f: &mut impl FnMut(&'a Expr)) {
    f(e);
    match e {
        Expr::Attribute { value, .. } | Expr::Starred { value, .. } => expr(value, f),
        Expr::Call {
            func,
            args,
            keywords,
            ..
        } => {
            expr(func, f);
            args.iter().for_each(|a| expr(a, f));
            keywords.iter().for_each(|k| expr(&k.value, f));
        }
        Expr::FString { parts, .. } => {
            for part in parts {
                if let FStringPart::Interpolation { expr: inner, .. } = part {
                    expr(inner, f);
                }
            }
        }
        Expr::Tuple { elts, .. } | Expr::List { elts, .. } | Expr::Set { elts, .. } => {
            elts.iter().for_each(|x| expr(x, f))
        }
        Expr::Dict { items, .. } => {
            for (k, v) in items {
                k.iter().for_each(|k| expr(k, f));
                expr(v, f);
            }
        }
        Expr::BinOp { left, right, .. } => {
            expr(left, f);
            expr(right, f);
        }
        Expr::UnaryOp { operand, .. } => expr(operand, f),
        Expr::BoolOp { values, .. } => values.iter().for_each(|v| expr(v, f)),
        Expr::Compare {
            left, comparators, ..
        } => {
            expr(left, f);
            comparators.iter().for_each(|c| expr(c, f));
        }
        Expr::Subscript { value, slice, .. } => {
            expr(value, f);
            expr(slice, f);
        }
        Expr::IfExp {
            test, body, orelse, ..
        } => {
            expr(test, f);
            expr(body, f);
            expr(orelse, f);
        }
        Expr::Slice {
            lower, upper, step, ..
        } => {
            for part in [lower, upper, step].into_iter().flatten() {
                expr(part, f);
            }
        }
        Expr::Lambda { body, .. } => expr(body, f),
        Expr::Comprehension {
            key,
            elt,
            generators,
            ..
        } => {
            for g in generators {
                expr(&g.iter, f);
                expr(&g.target, f);
                g.ifs.iter().for_each(|c| expr(c, f));
            }
            key.iter().for_each(|k| expr(k, f));
            expr(elt, f);
        }
        Expr::Walrus { target, value, .. } => {
            expr(value, f);
            expr(target, f);
        }
        Expr::Name { .. }
        | Expr::Str { .. }
        | Expr::Bytes { .. }
        | Expr::Int { .. }
        | Expr::Float { .. }
        | Expr::Bool { .. }
        | Expr::NoneLiteral { .. }
        | Expr::Ellipsis { .. }
        | Expr::Other { .. } => {}
    }
}

/// Calls `f` on every statement in `body`, in source order, a statement before the ones inside
/// it (nested function and class bodies included).
pub fn each_stmt<'a>(body: &'a [Stmt], f: &mut impl FnMut(&'a Stmt)) {
    for stmt in body {
        f(stmt);
        match stmt {
            Stmt::FunctionDef(def) => each_stmt(&def.body, f),
            Stmt::ClassDef(class) => each_stmt(&class.body, f),
            Stmt::If { body, orelse, .. }
            | Stmt::For { body, orelse, .. }
            | Stmt::While { body, orelse, .. } => {
                each_stmt(body, f);
                each_stmt(orelse, f);
            }
            Stmt::With { body, .. } => each_stmt(body, f),
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                each_stmt(body, f);
                for h in handlers {
                    each_stmt(&h.body, f);
                }
                each_stmt(orelse, f);
                each_stmt(finalbody, f);
            }
            _ => {}
        }
    }
}
