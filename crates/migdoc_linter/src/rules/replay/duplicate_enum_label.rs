use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports `ALTER TYPE ... ADD VALUE` of a label the type already has, without `IF NOT EXISTS`,
    /// and `RENAME VALUE` to an existing label (to itself, too).
    ///
    /// ## Why is this bad?
    /// PostgreSQL fails with `enum label "x" already exists` (42710).
    ///
    /// ## Example
    /// ```python
    /// op.execute("ALTER TYPE order_status ADD VALUE 'paid'")  # 'paid' is already a label
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'paid'")
    /// ```
    pub(crate) struct DuplicateEnumLabel;
}
