use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports `DROP TYPE` (or `.drop()`) of a type that a column still uses.
    ///
    /// ## Why is this bad?
    /// PostgreSQL fails with `cannot drop type x because other objects depend on it` (2BP01),
    /// typically in a downgrade that drops the type before the table.
    ///
    /// ## Example
    /// ```python
    /// def downgrade():
    ///     op.execute("DROP TYPE mood")
    ///     op.drop_table("people")
    /// ```
    ///
    /// ## Use instead
    /// Drop the table (or the column) first, then the type.
    pub(crate) struct DropTypeInUse;
}
