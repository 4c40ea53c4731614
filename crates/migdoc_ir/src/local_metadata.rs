//! Which `sa.MetaData()` objects of a function migdoc can follow to the end.
//!
//! `meta.create_all(bind)` creates every table registered on `meta` by then. The evaluator can
//! only say which tables those are when each registration is a statement it runs for sure, in
//! the function that owns `meta`: a `MetaData` handed to a helper, kept in a list, registered in
//! a branch or a loop, or read by a nested function may gain tables migdoc does not see. So a
//! name is followed only when the function's body shows, syntactically, that none of that
//! happens: it is bound once, at the top level, to `MetaData()`, and every other mention of it is
//! the second argument of a top-level `Table(name, meta, ...)` statement or the receiver of a
//! top-level `meta.create_all(...)` / `meta.drop_all(...)` statement.

use migdoc_python::ast::{Expr, Stmt};
use migdoc_python::walk::{each_expr, each_stmt};

/// The names bound in `body` to a `MetaData()` that is followed (see the module's docs).
pub(crate) fn followed_metadata(body: &[Stmt]) -> Vec<String> {
    // Most functions make no `MetaData()`: a look at the top level settles them.
    let mut candidates: Vec<&str> = body
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::Assign { targets, value, .. } => match (targets.as_slice(), value) {
                ([Expr::Name { id, .. }], call) if is_metadata_call(call) => Some(id.as_str()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    // Statements and expressions migdoc does not read (`del`, `global`, `yield`, ...) may name it.
    let mut opaque = false;
    each_stmt(body, &mut |s| {
        opaque |= matches!(s, Stmt::Other { .. } | Stmt::Delete { .. });
    });
    each_expr(body, &mut |e| opaque |= matches!(e, Expr::Other { .. }));
    if opaque {
        return Vec::new();
    }
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .into_iter()
        .filter(|name| followed(body, name))
        .map(str::to_owned)
        .collect()
}

/// `MetaData()` or `sa.MetaData(naming_convention=...)` (the evaluator checks that the callee
/// is SQLAlchemy's); other arguments (`schema=`) change what its tables are.
fn is_metadata_call(e: &Expr) -> bool {
    matches!(e, Expr::Call { func, args, keywords, .. }
        if args.is_empty()
            && keywords.iter().all(|k| k.arg.as_deref() == Some("naming_convention"))
            && matches!(func.as_ref(),
                Expr::Name { id, .. } | Expr::Attribute { attr: id, .. } if id == "MetaData"))
}

fn followed(body: &[Stmt], name: &str) -> bool {
    // The mentions the module's docs allow, by where they start.
    let mut allowed: Vec<u32> = Vec::new();
    let mut bindings = 0;
    for stmt in body {
        match stmt {
            Stmt::Assign { targets, value, .. } => {
                if let [Expr::Name { id, range }] = targets.as_slice()
                    && id == name
                {
                    bindings += 1;
                    if !is_metadata_call(value) {
                        return false;
                    }
                    allowed.push(range.start);
                }
                if let [Expr::Name { .. }] = targets.as_slice() {
                    allowed.extend(table_registration(value, name));
                }
            }
            Stmt::Expr { value, .. } => {
                allowed.extend(table_registration(value, name));
                if let Expr::Call { func, .. } = value
                    && let Expr::Attribute { value, attr, .. } = func.as_ref()
                    && matches!(attr.as_str(), "create_all" | "drop_all")
                    && let Expr::Name { id, range } = value.as_ref()
                    && id == name
                {
                    allowed.push(range.start);
                }
            }
            _ => {}
        }
    }
    if bindings != 1 {
        return false;
    }
    // Any other binding of the name (an import, a nested function or class, a parameter, an
    // exception's name) or mention of it.
    let mut other = false;
    each_stmt(body, &mut |s| match s {
        Stmt::Import { names, .. } | Stmt::ImportFrom { names, .. } => {
            other |= names.iter().any(|a| a.bound_name() == name);
        }
        Stmt::FunctionDef(def) => {
            other |= def.name == name
                || def.params.iter().any(|p| {
                    p.name == name || p.default.as_ref().is_some_and(|d| mentions(d, name))
                });
        }
        Stmt::ClassDef(class) => other |= class.name == name,
        Stmt::Try { handlers, .. } => {
            other |= handlers.iter().any(|h| h.name.as_deref() == Some(name));
        }
        _ => {}
    });
    each_expr(body, &mut |e| match e {
        Expr::Name { id, range } if id == name => other |= !allowed.contains(&range.start),
        Expr::Lambda { params, .. } => {
            other |= params
                .iter()
                .any(|p| p.name == name || p.default.as_ref().is_some_and(|d| mentions(d, name)));
        }
        _ => {}
    });
    !other
}

/// `Table("t", name, ...)` / `sa.Table(...)` with `name` as its second argument: where that
/// argument starts.
fn table_registration(e: &Expr, name: &str) -> Option<u32> {
    let Expr::Call { func, args, .. } = e else {
        return None;
    };
    if !matches!(func.as_ref(), Expr::Name { id, .. } | Expr::Attribute { attr: id, .. } if id == "Table")
    {
        return None;
    }
    match args.get(1) {
        Some(Expr::Name { id, range }) if id == name => Some(range.start),
        _ => None,
    }
}

fn mentions(e: &Expr, name: &str) -> bool {
    let mut found = false;
    each_expr(
        std::slice::from_ref(&Stmt::Expr {
            value: e.clone(),
            range: e.range(),
        }),
        &mut |x| found |= matches!(x, Expr::Name { id, .. } if id == name),
    );
    found
}

#[cfg(test)]
mod tests {
    use super::followed_metadata;

    fn names(src: &str) -> Vec<String> {
        let module = migdoc_python::parse_module(src);
        let migdoc_python::ast::Stmt::FunctionDef(f) = &module.body[0] else {
            panic!("a function first");
        };
        followed_metadata(&f.body)
    }

    #[test]
    fn registrations_and_create_all_at_the_top_level_are_followed() {
        let src = "def upgrade():\n    meta = sa.MetaData()\n    sa.Table('a', meta, sa.Column('id', sa.Integer))\n    t = sa.Table('b', meta)\n    meta.create_all(op.get_bind(), checkfirst=False)\n";
        assert_eq!(names(src), ["meta"]);
    }

    #[test]
    fn any_other_mention_or_binding_is_not() {
        for body in [
            // handed to a helper
            "    meta = sa.MetaData()\n    helper(meta)\n    meta.create_all(bind)\n",
            // registered in a branch
            "    meta = sa.MetaData()\n    if x:\n        sa.Table('a', meta)\n    meta.create_all(bind)\n",
            // read by a nested function
            "    meta = sa.MetaData()\n    def f():\n        sa.Table('a', meta)\n    f()\n    meta.create_all(bind)\n",
            // a default argument
            "    meta = sa.MetaData()\n    f = lambda m=meta: m\n    meta.create_all(bind)\n",
            // bound twice
            "    meta = sa.MetaData()\n    meta = sa.MetaData()\n    meta.create_all(bind)\n",
            // re-bound by an import
            "    meta = sa.MetaData()\n    from app import meta\n    meta.create_all(bind)\n",
            // a statement migdoc does not read
            "    meta = sa.MetaData()\n    del meta\n",
            // a schema of its own
            "    meta = sa.MetaData(schema='s')\n    meta.create_all(bind)\n",
            // an attribute of it
            "    meta = sa.MetaData()\n    meta.reflect(bind)\n    meta.create_all(bind)\n",
            // in a comprehension
            "    meta = sa.MetaData()\n    [sa.Table(n, meta) for n in names]\n    meta.create_all(bind)\n",
        ] {
            let src = format!("def upgrade():\n{body}");
            assert!(names(&src).is_empty(), "{body}");
        }
    }
}
