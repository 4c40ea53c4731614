use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports `sa.Enum(..., create_type=False)` on a SQLAlchemy version before 2.1.
    ///
    /// ## Why is this bad?
    /// Before 2.1, `sa.Enum` silently ignores `create_type`: `op.create_table` still runs
    /// `CREATE TYPE`, which fails when the type was created explicitly.
    ///
    /// ## Example
    /// ```python
    /// sa.Column("status", sa.Enum("open", "won", name="deal_status", create_type=False))
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from sqlalchemy.dialects import postgresql
    /// sa.Column("status", postgresql.ENUM("open", "won", name="deal_status", create_type=False))
    /// ```
    pub(crate) struct CreateTypeIgnored;
}
