use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports labels of a database enum type that the model never sends.
    ///
    /// ## Why is this bad?
    /// Usually harmless, but a row holding such a label cannot be read through the model:
    /// SQLAlchemy raises `LookupError: 'x' is not among the defined enum values`. It is often the
    /// other half of a names-versus-values mix-up.
    ///
    /// ## Example
    /// ```python
    /// # database type status: ('active', 'archived', 'legacy'); model sends 'active', 'archived'
    /// ```
    ///
    /// ## Use instead
    /// Add the member to the Python enum, or drop the label from the type in a migration.
    pub(crate) struct EnumLabelNeverSent;
}
