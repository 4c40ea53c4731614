use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a NOT NULL column without a server default that the model does not declare.
    ///
    /// ## Why is this bad?
    /// SQLAlchemy's `INSERT` leaves the column out, so PostgreSQL fills it with NULL and rejects
    /// the row: `null value in column "x" violates not-null constraint` (23502).
    ///
    /// ## Example
    /// ```python
    /// # migration
    /// sa.Column("created_by", sa.Integer, nullable=False)
    /// # model: no created_by
    /// ```
    ///
    /// ## Use instead
    /// Declare the column in the model, give it a `server_default`, or make it nullable in a
    /// migration.
    pub(crate) struct UnmappedNotNullColumn;
}
