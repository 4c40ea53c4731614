use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a model column that the migrated table does not have.
    ///
    /// ## Why is this bad?
    /// SQLAlchemy names every mapped column in its `INSERT` and `SELECT` statements, so the first
    /// query on the table fails with `column x.y does not exist` (42703). A migration that
    /// creates a stub table "to be completed later" is the classic cause.
    ///
    /// ## Example
    /// ```python
    /// # migration
    /// op.create_table("projects", sa.Column("id", sa.Integer, primary_key=True))
    /// # model
    /// class Project(Base):
    ///     __tablename__ = "projects"
    ///     id = Column(Integer, primary_key=True)
    ///     project_name = Column(String(200), nullable=False)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// op.add_column("projects", sa.Column("project_name", sa.String(200), nullable=False))
    /// ```
    pub(crate) struct ModelColumnMissing;
}
