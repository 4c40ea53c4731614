use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a model table that the migration history never creates.
    ///
    /// ## Why is this bad?
    /// The application will query a table the migrated database does not have: every query
    /// fails with `relation "x" does not exist` (42P01). `metadata.create_all()` in the test suite
    /// hides it, because it creates the table from the models, not from the migrations.
    ///
    /// ## Example
    /// ```python
    /// class Invoice(Base):
    ///     __tablename__ = "invoices"   # no revision creates "invoices"
    /// ```
    ///
    /// ## Use instead
    /// Generate the missing migration (`alembic revision --autogenerate`) and review it.
    pub(crate) struct ModelTableMissing;
}
