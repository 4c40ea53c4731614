use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a label added with `ALTER TYPE ... ADD VALUE` and used (INSERT, UPDATE, a default)
    /// before the transaction that added it commits.
    ///
    /// ## Why is this bad?
    /// PostgreSQL fails with `unsafe use of new value` (55P04). By default Alembic runs the whole
    /// `alembic upgrade` as one transaction, so a use in a *later* revision of the same run fails
    /// too, while a deploy that runs one revision per process passes.
    ///
    /// ## Example
    /// ```python
    /// op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")
    /// op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// with op.get_context().autocommit_block():
    ///     op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")
    /// op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")
    /// ```
    pub(crate) struct NewLabelUsedInSameTransaction;
}
