use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports `ALTER TYPE ... ADD VALUE` inside a transaction when the target PostgreSQL is older
    /// than 12.
    ///
    /// ## Why is this bad?
    /// PostgreSQL 11 and older refuse it: `ALTER TYPE ... ADD cannot run inside a transaction block`.
    ///
    /// ## Example
    /// ```python
    /// op.execute("ALTER TYPE mood ADD VALUE 'calm'")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// with op.get_context().autocommit_block():
    ///     op.execute("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'calm'")
    /// ```
    pub(crate) struct AddValueInTransaction;
}
