use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a native enum column whose model names a different PostgreSQL type than the one
    /// the migrated column has.
    ///
    /// ## Why is this bad?
    /// `metadata.create_all()` (test fixtures) creates a type the database does not have, and
    /// `alembic revision --autogenerate` keeps proposing a type change. SQLAlchemy without
    /// `name=` names the type after the Python class, lower-cased.
    ///
    /// ## Example
    /// ```python
    /// status = Column(sa.Enum(Status))    # type "status"
    /// # migration: sa.Enum(..., name="order_status")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// status = Column(sa.Enum(Status, name="order_status"))
    /// ```
    pub(crate) struct EnumTypeNameMismatch;
}
