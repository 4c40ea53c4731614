use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a column whose type in the model belongs to another family than its type in the
    /// migrated table (a string in the model, an integer in the database, say).
    ///
    /// ## Why is this bad?
    /// Depending on the direction, inserts fail (`invalid input syntax for type integer`) or
    /// values come back as a different Python type than the model promises. Types of one family
    /// (`varchar` and `text`, `integer` and `bigint`) are not reported.
    ///
    /// ## Example
    /// ```python
    /// # migration
    /// sa.Column("code", sa.Integer)
    /// # model
    /// code = Column(String(10))
    /// ```
    ///
    /// ## Use instead
    /// Align them: change the model, or migrate the column with
    /// `op.alter_column("t", "code", type_=sa.String(10), postgresql_using="code::text")`.
    pub(crate) struct ColumnTypeMismatch;
}
