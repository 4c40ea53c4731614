use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a type used before any revision creates it: `op.add_column` or `op.alter_column`
    /// with a new `sa.Enum` (they never create types), `postgresql.ENUM(create_type=False)` for a
    /// type nobody created, `ALTER TYPE` of a missing type, `DROP TYPE` without `IF EXISTS`; and a
    /// type of the wrong kind: `DROP DOMAIN` of an enum type (`IF EXISTS` does not help).
    ///
    /// ## Why is this bad?
    /// PostgreSQL fails with `type "x" does not exist` (42704), or `"x" is not a domain` (42809).
    ///
    /// ## Example
    /// ```python
    /// op.add_column("orders", sa.Column("status", sa.Enum("new", "paid", name="order_status")))
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// status = postgresql.ENUM("new", "paid", name="order_status")
    /// status.create(op.get_bind(), checkfirst=True)
    /// op.add_column("orders", sa.Column("status", status))
    /// ```
    pub(crate) struct TypeDoesNotExist;
}
