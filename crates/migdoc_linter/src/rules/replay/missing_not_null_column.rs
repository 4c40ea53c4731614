use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a raw `INSERT` or `op.bulk_insert` row that omits a NOT NULL column without a default.
    ///
    /// ## Why is this bad?
    /// PostgreSQL fails with a not-null violation (23502). Model-side defaults (`default=` in
    /// SQLAlchemy) do not apply to raw SQL in a migration.
    ///
    /// ## Example
    /// ```python
    /// op.execute("INSERT INTO user_roles (user_id, role_id) VALUES (1, 2)")  # assigned_at is NOT NULL
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// op.execute("INSERT INTO user_roles (user_id, role_id, assigned_at) VALUES (1, 2, now())")
    /// ```
    pub(crate) struct MissingNotNullColumn;
}
