use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reported by `migdoc verify`: real Alembic on a real PostgreSQL failed at this revision, in
    /// `alembic upgrade head` on an empty database, in the one-revision-per-run deploy, or in the
    /// downgrade→upgrade round trip. The message carries PostgreSQL's error, its SQLSTATE, the
    /// statement, and the diagnostic `migdoc check` gave for it (or "not predicted").
    ///
    /// ## Why is this bad?
    /// A deploy that runs this history the same way fails the same way.
    ///
    /// ## Example
    /// ```text
    /// MD401 `alembic upgrade head` fails here: type "order_status" already exists (SQLSTATE 42710); predicted by MD201
    /// ```
    ///
    /// ## Use instead
    /// Fix the migration as the predicting diagnostic says (`migdoc rule MD201`).
    pub(crate) struct MigrationFails;
}
