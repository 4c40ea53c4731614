use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports an enum label longer than 63 bytes.
    ///
    /// ## Why is this bad?
    /// PostgreSQL refuses it: `invalid enum label` (42602).
    ///
    /// ## Example
    /// A label generated from a long sentence.
    ///
    /// ## Use instead
    /// Keep labels to 63 bytes (UTF-8).
    pub(crate) struct EnumLabelTooLong;
}
