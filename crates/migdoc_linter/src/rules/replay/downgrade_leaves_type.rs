use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a migration whose downgrade leaves an object behind that its upgrade creates, so
    /// that upgrading again after a downgrade fails.
    ///
    /// ## Why is this bad?
    /// `op.drop_table` never drops the enum types its table used. After `alembic downgrade`, the
    /// next `alembic upgrade` fails with `type "x" already exists`.
    ///
    /// ## Example
    /// ```python
    /// def downgrade():
    ///     op.drop_table("people")  # the type "mood" stays
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// def downgrade():
    ///     op.drop_table("people")
    ///     op.execute("DROP TYPE mood")
    /// ```
    pub(crate) struct DowngradeLeavesType;
}
