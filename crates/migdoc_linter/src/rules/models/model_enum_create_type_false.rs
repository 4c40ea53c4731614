use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a model enum declared with `create_type=False` (honoured by `postgresql.ENUM`, and
    /// by `sa.Enum` from SQLAlchemy 2.1).
    ///
    /// ## Why is this bad?
    /// Test suites build their schema with `metadata.create_all()`, which then never creates the
    /// type: every fixture fails with `type "x" does not exist`. Migrations, not models, are the
    /// place to control type creation.
    ///
    /// ## Example
    /// ```python
    /// status = Column(postgresql.ENUM(Status, name="status", create_type=False))
    /// ```
    ///
    /// ## Use instead
    /// Leave `create_type` at its default in the model, or create the types in the test fixture
    /// before `create_all()`:
    /// ```python
    /// postgresql.ENUM(Status, name="status").create(conn, checkfirst=True)
    /// Base.metadata.create_all(conn)
    /// ```
    pub(crate) struct ModelEnumCreateTypeFalse;
}
