//! SQL that PostgreSQL rejects.

use migdoc_ir::{OpKind, RevisionOps};
use migdoc_python::TextRange;

use crate::registry::declare_rule;
use crate::{Context, Rule};

declare_rule! {
    /// ## What it does
    /// Parses every SQL string a migration runs (`op.execute`, `sa.text`, `conn.execute`,
    /// `exec_driver_sql`) with a PostgreSQL grammar and reports statements PostgreSQL rejects.
    ///
    /// ## Why is this bad?
    /// The migration fails on deploy with a syntax error, after the revisions before it were
    /// applied. A common case is `CREATE TYPE IF NOT EXISTS`, which PostgreSQL does not have.
    ///
    /// ## Example
    /// ```python
    /// op.execute("CREATE TYPE IF NOT EXISTS mood AS ENUM ('happy', 'sad')")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// op.execute("""
    ///     DO $$ BEGIN
    ///         CREATE TYPE mood AS ENUM ('happy', 'sad');
    ///     EXCEPTION WHEN duplicate_object THEN null;
    ///     END $$;
    /// """)
    /// ```
    /// or `postgresql.ENUM("happy", "sad", name="mood").create(op.get_bind(), checkfirst=True)`.
    pub(crate) struct InvalidSql;
}

/// Reports SQL syntax errors in every SQL string the migrations execute.
pub(crate) fn check(ctx: &mut Context, ops: &[RevisionOps]) {
    let mut reports = Vec::new();
    for (i, revision) in ops.iter().enumerate() {
        for op in revision.all() {
            let OpKind::Sql(sql) = &op.kind else {
                continue;
            };
            // PostgreSQL parses the whole string before it runs any of it, and stops at the
            // first syntax error: what the parser says after recovering from it is noise.
            for error in sql.parsed.errors.iter().take(1) {
                // Point inside the string when it is spelled literally, else at the call.
                let range = match sql.content_start {
                    Some(start) => TextRange::new(
                        start + error.range.start,
                        (start + error.range.end).max(start + error.range.start + 1),
                    )
                    .clamp_to(op.range),
                    None => op.range,
                };
                reports.push((i, range, error.message.clone(), error.help.clone()));
            }
        }
    }
    for (file, range, message, help) in reports {
        ctx.report(Rule::InvalidSql, file, Some(range), message, help);
    }
}

trait Clamp {
    fn clamp_to(self, outer: TextRange) -> TextRange;
}

impl Clamp for TextRange {
    fn clamp_to(self, outer: TextRange) -> TextRange {
        let start = self.start.clamp(outer.start, outer.end);
        TextRange::new(start, self.end.clamp(start, outer.end))
    }
}
