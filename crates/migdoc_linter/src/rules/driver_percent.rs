//! SQL sent to the driver as it is, with a `%` the driver takes for a parameter.

use migdoc_ir::{OpKind, ParamStyleTag, RevisionOps};
use migdoc_python::TextRange;

use crate::registry::declare_rule;
use crate::{Context, Rule, Severity};

declare_rule! {
    /// ## What it does
    /// Reports a `%` in SQL that goes to the database driver as it is (`exec_driver_sql`, and
    /// SQLAlchemy 1.x's `Connection.execute("...")` with a plain string) that is neither `%%`
    /// nor a parameter (`%s`, `%(name)s`): `format('%I', ...)`, `LIKE 'x%'`, `5 % 3`.
    ///
    /// The driver decides. The project's driver is read from `sqlalchemy.url` in alembic.ini
    /// when env.py takes the URL from nowhere else: psycopg2 and psycopg (`postgresql://`,
    /// `postgresql+psycopg2://`, `postgresql+psycopg://`) make it an error, asyncpg silences the
    /// rule, and an unknown driver makes it a warning.
    ///
    /// ## Why is this bad?
    /// SQLAlchemy passes the driver an empty set of parameters, and psycopg2 and psycopg then
    /// read every `%` as the start of one: psycopg2 raises `TypeError` (`dict is not a
    /// sequence`), psycopg `ProgrammingError` (`only '%s', '%b', '%t' are allowed as
    /// placeholders`), before any SQL is sent (SQLAlchemy 1.4, 2.0 and 2.1). asyncpg passes the
    /// text as it is: a migration written against asyncpg breaks when the same history is run
    /// with psycopg2, as `alembic` from a shell or a test suite often is.
    ///
    /// ## Example
    /// ```python
    /// op.get_bind().exec_driver_sql("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables")
    /// ```
    ///
    /// ## Use instead
    /// Let SQLAlchemy quote it for the driver:
    /// ```python
    /// op.get_bind().execute(sa.text("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"))
    /// ```
    pub(crate) struct DriverPercent;
}

/// Which driver the project connects with, as far as it can be read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Driver {
    /// psycopg2 or psycopg: `%` starts a parameter.
    Pyformat,
    /// asyncpg (or another driver that sends the text as it is).
    Verbatim,
    Unknown,
}

fn driver(project: &migdoc_project::Project) -> Driver {
    // A URL env.py may take from the environment or `-x` says nothing of the driver.
    if project
        .env
        .as_ref()
        .is_some_and(|e| !e.env_vars.is_empty() || e.uses_x_arguments)
    {
        return Driver::Unknown;
    }
    let Some(scheme) = project.url_scheme.as_deref() else {
        return Driver::Unknown;
    };
    match scheme {
        "postgresql"
        | "postgres"
        | "postgresql+psycopg2"
        | "postgresql+psycopg"
        | "postgresql+psycopg2cffi" => Driver::Pyformat,
        s if s.starts_with("postgresql+") => Driver::Verbatim,
        _ => Driver::Unknown,
    }
}

/// Byte offsets of each `%` psycopg2 and psycopg would take for the start of a parameter they
/// cannot fill.
fn stray_percents(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            match b.get(i + 1) {
                Some(b'%') => {
                    i += 2;
                    continue;
                }
                Some(b's' | b'b' | b't') => {}
                Some(b'(') => {
                    // `%(name)s`
                    if let Some(close) = text[i..].find(')')
                        && matches!(b.get(i + close + 1), Some(b's' | b'b' | b't'))
                    {
                        i += close + 2;
                        continue;
                    }
                    out.push(i);
                }
                _ => out.push(i),
            }
        }
        i += 1;
    }
    out
}

pub(crate) fn check(ctx: &mut Context, project: &migdoc_project::Project, ops: &[RevisionOps]) {
    let severity = match driver(project) {
        Driver::Verbatim => return,
        Driver::Pyformat => Severity::Error,
        Driver::Unknown => Severity::Warning,
    };
    fn walk(ops: &[migdoc_ir::Op], file: usize, out: &mut Vec<(usize, TextRange)>) {
        let mut after_not_executable = false;
        for op in ops {
            match &op.kind {
                // SQLAlchemy 2.0 refuses the call before the driver sees it (MD222).
                OpKind::StringNotExecutable => {
                    after_not_executable = true;
                    continue;
                }
                OpKind::Sql(sql)
                    if sql.style == ParamStyleTag::Pyformat && !after_not_executable =>
                {
                    if let Some(&at) = stray_percents(&sql.text).first() {
                        let range = match sql.content_start {
                            Some(start) => {
                                let at = start + u32::try_from(at).unwrap_or(0);
                                TextRange::new(at, at + 1)
                            }
                            None => op.range,
                        };
                        out.push((file, range));
                    }
                }
                OpKind::Guard {
                    when_true,
                    when_false,
                    ..
                } => {
                    walk(when_true, file, out);
                    walk(when_false, file, out);
                }
                _ => {}
            }
            after_not_executable = false;
        }
    }
    let mut found = Vec::new();
    for (file, revision) in ops.iter().enumerate() {
        walk(&revision.upgrade, file, &mut found);
        walk(&revision.downgrade, file, &mut found);
    }
    let which = if severity == Severity::Error {
        "the project's driver (psycopg2 or psycopg) reads this `%` as a parameter it cannot fill and raises before any SQL is sent"
    } else {
        "psycopg2 and psycopg read this `%` as a parameter they cannot fill and raise before any SQL is sent (asyncpg does not)"
    };
    for (file, range) in found {
        ctx.report_with(
            Rule::DriverPercent,
            severity,
            file,
            Some(range),
            format!("this SQL goes to the driver as it is: {which}"),
            Some("run it as `sa.text(...)` through `execute()` (SQLAlchemy escapes `%` for the driver), or write `%%`".into()),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn percents_a_driver_cannot_fill() {
        let at = super::stray_percents;
        assert_eq!(at("SELECT format('%I.%I', a, b)"), [15, 18]);
        assert_eq!(at("SELECT 'x' LIKE 'x%'"), [18]);
        assert!(at("SELECT 5 %% 3").is_empty());
        assert!(at("UPDATE t SET a = %s WHERE b = %(b)s").is_empty());
        assert_eq!(at("SELECT 100%"), [10]);
    }
}
