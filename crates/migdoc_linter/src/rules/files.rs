//! Rules about files that cannot be read as Python.

use migdoc_project::FileProblemKind;

use crate::registry::declare_rule;
use crate::{Context, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a revision file that is not valid Python.
    ///
    /// ## Why is this bad?
    /// Alembic imports every file in the versions directory before it runs anything: one file that
    /// does not parse stops every `alembic` command, for every revision.
    ///
    /// ## Example
    /// ```python
    /// def upgrade() -> None
    ///     op.add_column("users", sa.Column("age", sa.Integer()))
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// def upgrade() -> None:
    ///     op.add_column("users", sa.Column("age", sa.Integer()))
    /// ```
    pub(crate) struct InvalidPython;
}

declare_rule! {
    /// ## What it does
    /// Reports a revision file that cannot be read, or whose bytes are not UTF-8.
    ///
    /// ## Why is this bad?
    /// Python refuses a source file that is not valid UTF-8 (without an encoding declaration), so
    /// Alembic fails on it before running any migration.
    ///
    /// ## Example
    /// A file saved in Latin-1 with `# café` in a comment.
    ///
    /// ## Use instead
    /// Save the file as UTF-8.
    pub(crate) struct UnreadableFile;
}

declare_rule! {
    /// ## What it does
    /// Reports a configured version location that does not exist.
    ///
    /// ## Why is this bad?
    /// Alembic silently skips it: revisions you expect to run are not part of the history.
    ///
    /// ## Example
    /// ```ini
    /// [alembic]
    /// version_locations = %(here)s/migrations/versions %(here)s/plugins/versions
    /// ```
    /// where `plugins/versions` was renamed.
    ///
    /// ## Use instead
    /// Point `version_locations` at directories that exist.
    pub(crate) struct MissingVersionDirectory;
}

pub(crate) fn check(ctx: &mut Context) {
    for problem in &ctx.sources.problems {
        match &problem.kind {
            FileProblemKind::MissingVersionDirectory => ctx.report_path(
                Rule::MissingVersionDirectory,
                problem.path.clone(),
                format!(
                    "version location `{}` does not exist; Alembic skips it",
                    problem.path.display()
                ),
                Some("fix `version_locations` in alembic.ini, or create the directory".into()),
            ),
            FileProblemKind::Unreadable(error) => ctx.report_path(
                Rule::UnreadableFile,
                problem.path.clone(),
                format!("cannot read this file: {error}"),
                None,
            ),
        }
    }
    for (i, file) in ctx.sources.files.iter().enumerate() {
        if file.not_utf8 {
            ctx.report(
                Rule::UnreadableFile,
                i,
                None,
                "this file is not valid UTF-8: Python cannot import it".into(),
                Some("save the file as UTF-8".into()),
            );
        }
        if let Some(error) = file.facts.errors.first() {
            let more = file.facts.errors.len() - 1;
            let suffix = if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            };
            ctx.report(
                Rule::InvalidPython,
                i,
                Some(error.range),
                format!("this file is not valid Python: {}{suffix}", error.message),
                Some("Alembic imports every revision file: fix the syntax error or `alembic` fails for every command".into()),
            );
        }
    }
}
