use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports an enum column whose model sends strings that are not labels of the database's
    /// enum type (case included).
    ///
    /// ## Why is this bad?
    /// `sa.Enum(PyEnumClass)` persists the member NAMES (`NEW_DEVELOPMENT`) unless
    /// `values_callable` says otherwise, while migrations are often written with the VALUES
    /// (`new_development`). Every insert of such a member fails with
    /// `invalid input value for enum projecttype: "NEW_DEVELOPMENT"` (22P02). The same happens
    /// when a member is added to the Python enum and no migration adds the label.
    ///
    /// ## Example
    /// ```python
    /// class ProjectType(enum.Enum):
    ///     NEW_DEVELOPMENT = "new_development"
    ///
    /// type = Column(sa.Enum(ProjectType))   # sends "NEW_DEVELOPMENT"
    /// # migration: sa.Enum("new_development", name="projecttype")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// type = Column(sa.Enum(ProjectType, values_callable=lambda e: [m.value for m in e]))
    /// ```
    /// or a migration that adds the labels
    /// (`ALTER TYPE projecttype ADD VALUE IF NOT EXISTS 'NEW_DEVELOPMENT'`).
    pub(crate) struct EnumLabelNotInDatabase;
}
