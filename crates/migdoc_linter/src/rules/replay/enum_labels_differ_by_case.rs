use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports an enum type with two labels that differ only by case.
    ///
    /// ## Why is this bad?
    /// PostgreSQL accepts it, but labels are case-sensitive: code that sends `ACTIVE` and code that
    /// sends `active` write different values, a common source of `invalid input value for enum`.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TYPE status AS ENUM ('active', 'ACTIVE')
    /// ```
    ///
    /// ## Use instead
    /// One spelling per value.
    pub(crate) struct EnumLabelsDifferByCase;
}
