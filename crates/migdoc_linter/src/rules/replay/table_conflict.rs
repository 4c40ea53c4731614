use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a table created when it already exists, or altered, dropped or filled when it does not;
    /// a column added twice, or used when it does not exist; a column cast to an enum without
    /// `USING`; a table, or a column, dropped while a foreign key of another table still
    /// references it; and a schema dropped (without `CASCADE`) while it still holds a table or a
    /// type.
    ///
    /// ## Why is this bad?
    /// PostgreSQL fails with `relation "x" already exists` (42P07), `relation "x" does not exist`
    /// (42P01), `column "c" ... already exists` (42701), `column "c" ... does not exist` (42703),
    /// `column "c" cannot be cast automatically` (42804), or `cannot drop table x because other
    /// objects depend on it` (2BP01: drop the referencing table or its foreign key first, or use
    /// `DROP TABLE ... CASCADE`, which drops the key and keeps the referencing table; `cannot drop
    /// column c of table t because other objects depend on it` and `cannot drop schema s because
    /// other objects depend on it`, the same code, for a column and a schema).
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
