use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a revision that uses a type created by a revision that is not its ancestor (a
    /// sibling branch).
    ///
    /// ## Why is this bad?
    /// It works only when Alembic happens to apply the other branch first; the order follows the
    /// merge revision's `down_revision` tuple, and a database deployed from one branch alone fails
    /// with `type "x" does not exist`.
    ///
    /// ## Example
    /// Branch A creates `duespaymentmethod`; branch B adds a value to it; both hang off the same parent.
    ///
    /// ## Use instead
    /// Make the revision depend on the one that creates the type (`depends_on = "<rev>"`), or move
    /// it after the merge.
    pub(crate) struct ReliesOnOtherBranch;
}
