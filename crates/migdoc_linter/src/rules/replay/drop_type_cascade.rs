use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports `DROP TYPE ... CASCADE` of a type that columns still use.
    ///
    /// ## Why is this bad?
    /// PostgreSQL silently drops every column of that type, and their data.
    ///
    /// ## Example
    /// ```python
    /// op.execute("DROP TYPE IF EXISTS grant_status CASCADE")
    /// ```
    ///
    /// ## Use instead
    /// Drop or convert the columns explicitly, then drop the type without CASCADE.
    pub(crate) struct DropTypeCascade;
}
