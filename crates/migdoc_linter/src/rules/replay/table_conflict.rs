use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a table created when it already exists, or altered, dropped or filled when it does not.
    ///
    /// ## Why is this bad?
    /// PostgreSQL fails with `relation "x" already exists` (42P07) or `relation "x" does not exist`
    /// (42P01).
    ///
    /// ## Example
    /// ```python
    /// op.add_column("user", sa.Column("age", sa.Integer()))  # the table is "users"
    /// ```
    ///
    /// ## Use instead
    /// Name the table the earlier revisions created.
    pub(crate) struct TableConflict;
}
