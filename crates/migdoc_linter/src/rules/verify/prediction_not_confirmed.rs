use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reported by `migdoc verify`: `migdoc check` predicted a failure at this revision, but
    /// real Alembic on a real PostgreSQL ran it in every deploy mode.
    ///
    /// ## Why is this bad?
    /// A false prediction wastes a reviewer's time; `verify` says so rather than leaving it to
    /// trust.
    ///
    /// ## Example
    /// ```text
    /// MD403 `migdoc check` reported MD202 here, but PostgreSQL ran this revision in every mode
    /// ```
    ///
    /// ## Use instead
    /// Suppress the diagnostic for this revision, and report the case to migdoc's maintainers.
    pub(crate) struct PredictionNotConfirmed;
}
