use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reported by `migdoc verify`: after a successful `alembic upgrade head`, the database's
    /// catalog (enum types and labels, tables, columns, NOT NULL, types) differs from the one
    /// `migdoc check` replayed.
    ///
    /// ## Why is this bad?
    /// The static checks reason about the replayed catalog: where it is wrong they can miss a
    /// problem or report one that is not there. The difference is either a construct migdoc does
    /// not understand yet or a bug in migdoc; it is never hidden.
    ///
    /// ## Example
    /// ```text
    /// MD402 type `mood`: the database has labels 'sad', 'ok', 'happy'; migdoc's replay has 'sad', 'ok'
    /// ```
    ///
    /// ## Use instead
    /// Nothing to fix in the project; the report helps migdoc's maintainers.
    pub(crate) struct ReplayDiffers;
}
