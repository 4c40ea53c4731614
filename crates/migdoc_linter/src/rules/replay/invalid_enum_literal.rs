use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a string written into an enum column (INSERT, UPDATE, `op.bulk_insert`, a server
    /// default) that is not a label of the column's type, case included, or into a non-native
    /// enum column whose `CHECK` only the labels pass (`native_enum=False,
    /// create_constraint=True`); and a label `ALTER TYPE` names that the type lacks: the old
    /// label of `RENAME VALUE`, the neighbour of `ADD VALUE ... BEFORE` / `AFTER` (also with
    /// `IF NOT EXISTS`, unless the new label already exists).
    ///
    /// ## Why is this bad?
    /// PostgreSQL fails with `invalid input value for enum x: "y"` (22P02), with `"y" is not
    /// an existing enum label` (22023), or with `violates check constraint` (23514); a column
    /// typed `sa.Enum(..., validate_strings=True)` raises `LookupError` in SQLAlchemy first. A
    /// common cause is `sa.Enum(PyEnum)`, which stores member NAMES, next to SQL that uses the
    /// values.
    ///
    /// ## Example
    /// ```python
    /// op.execute("UPDATE projects SET kind = 'NEW_DEVELOPMENT'")  # the labels are lower case
    /// ```
    ///
    /// ## Use instead
    /// Use an existing label, or add it first (in its own transaction).
    pub(crate) struct InvalidEnumLiteral;
}
