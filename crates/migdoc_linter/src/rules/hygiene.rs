//! Deploy hygiene: what the incident reports found in migrations that did run, but should not have
//! shipped as they were.

use migdoc_python::LineIndex;

use crate::registry::declare_rule;
use crate::{Context, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a `TODO`, `FIXME` or `XXX` left in a comment or docstring of a migration.
    ///
    /// ## Why is this bad?
    /// A migration runs once per database and is never edited after it has run anywhere: a stub
    /// "to be completed later" ships as it is, and what it left out (a column, a label, a data fix)
    /// is missing in production. Finish the migration, or write a new one for the rest.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.create_table("invoices", sa.Column("id", sa.Integer, primary_key=True))
    ///     # TODO: add the status column once the enum is agreed
    /// ```
    ///
    /// ## Use instead
    /// Create the whole table now, or remove the note and plan the next revision.
    pub(crate) struct TodoInMigration;
}

declare_rule! {
    /// ## What it does
    /// Reports an `env.py` that runs migrations without taking a PostgreSQL advisory lock.
    ///
    /// ## Why is this bad?
    /// When several replicas (or a deploy job and a pod's start-up hook) run `alembic upgrade` at
    /// the same moment, each reads the same `alembic_version` and runs the same revisions: one
    /// fails with `type "x" already exists` or `duplicate key value`, and the database can be left
    /// half migrated. A session-level `pg_advisory_lock` makes the others wait, then find nothing
    /// to do. migdoc uses the key `120299473629027` (the bytes of "migdoc"), the same one
    /// `migdoc doctor --apply` takes, so a repair never interleaves with a deploy.
    ///
    /// ## Example
    /// ```python
    /// with connectable.connect() as connection:
    ///     context.configure(connection=connection, target_metadata=target_metadata)
    ///     with context.begin_transaction():
    ///         context.run_migrations()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// with connectable.connect() as connection:
    ///     connection.execute(sa.text("SELECT pg_advisory_lock(120299473629027)"))
    ///     connection.commit()  # the lock outlives the commit; Alembic then opens its own transaction
    ///     try:
    ///         context.configure(connection=connection, target_metadata=target_metadata)
    ///         with context.begin_transaction():
    ///             context.run_migrations()
    ///     finally:
    ///         connection.execute(sa.text("SELECT pg_advisory_unlock(120299473629027)"))
    ///         connection.commit()
    /// ```
    /// The commits matter: `connection.execute()` autobegins a transaction in SQLAlchemy 2, and
    /// Alembic then leaves the transaction to the caller. Without any commit, `alembic upgrade`
    /// exits 0 and nothing it did is kept (seen with SQLAlchemy 2.0.58 and 2.1.9 on PostgreSQL 15).
    pub(crate) struct MigrationsWithoutLock;
}

/// The env.py lines MD218 suggests, indented for `run_migrations_online()`.
pub(crate) fn lock_snippet() -> String {
    let key = migdoc_pg::LOCK_KEY;
    format!(
        "connection.execute(sa.text(\"SELECT pg_advisory_lock({key})\")); connection.commit() before `context.configure(...)`, \
         and `SELECT pg_advisory_unlock({key})` + commit in a `finally:` after `run_migrations()` (`migdoc rule MD218` shows the whole snippet)"
    )
}

pub(crate) fn check(ctx: &mut Context, env: Option<&migdoc_project::EnvInfo>) {
    for (file, f) in ctx.sources.files.iter().enumerate() {
        let mut found = Vec::new();
        for &range in &f.facts.comments {
            if let Some(word) = todo_word(&f.text[range.start as usize..range.end as usize]) {
                found.push((range, word));
            }
        }
        // The module docstring and those of upgrade()/downgrade().
        for &range in &f.facts.docstrings {
            let text = &f.text[range.start as usize..range.end as usize];
            if let Some(word) = todo_word(text) {
                found.push((range, word));
            }
        }
        for (range, word) in found {
            ctx.report(
                Rule::TodoInMigration,
                file,
                Some(range),
                format!("`{word}` left in a migration: what it says is still to do will not run anywhere this revision already ran"),
                Some("finish the migration before it ships, or remove the note and put the rest in a new revision".into()),
            );
        }
    }
    if let Some(env) = env
        && let Some(call) = env.run_migrations
        && !env.advisory_lock
    {
        let index = LineIndex::new(&env.text);
        ctx.report_at(
            Rule::MigrationsWithoutLock,
            env.path.clone(),
            call,
            index.line_column(&env.text, call.start).into(),
            index.line_column(&env.text, call.end).into(),
            "env.py runs migrations without a PostgreSQL advisory lock: two deploys at once run the same revisions".into(),
            Some(format!("take migdoc's lock around it: {}", lock_snippet())),
        );
    }
}

/// `TODO`, `FIXME` or `XXX` as a word in upper case.
fn todo_word(text: &str) -> Option<&'static str> {
    // Most comments and docstrings hold none of them: skip the split.
    if !["TODO", "FIXME", "XXX"].iter().any(|w| text.contains(w)) {
        return None;
    }
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .find_map(|word| match word {
            "TODO" => Some("TODO"),
            "FIXME" => Some("FIXME"),
            "XXX" => Some("XXX"),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::todo_word;

    #[test]
    fn finds_words_not_parts() {
        assert_eq!(todo_word("# TODO: later"), Some("TODO"));
        assert_eq!(todo_word("# fixme FIXME(alice)"), Some("FIXME"));
        assert_eq!(todo_word("# TODOS and XXXL and MY_TODO"), None);
        assert_eq!(
            todo_word("# todo in lower case is a word, not a marker"),
            None
        );
    }
}
