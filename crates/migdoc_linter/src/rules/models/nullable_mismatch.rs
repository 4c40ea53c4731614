use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a column the model declares nullable (without a default) that the migrated table
    /// has as NOT NULL without a server default.
    ///
    /// ## Why is this bad?
    /// The model lets the application create an object without a value for it; SQLAlchemy then
    /// sends NULL and PostgreSQL rejects the row with a not-null violation (23502).
    ///
    /// ## Example
    /// ```python
    /// # migration
    /// sa.Column("region", sa.String(20), nullable=False)
    /// # model
    /// region = Column(String(20))          # nullable by default
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// region = Column(String(20), nullable=False)
    /// ```
    /// or give the column a default on either side.
    pub(crate) struct NullableMismatch;
}
