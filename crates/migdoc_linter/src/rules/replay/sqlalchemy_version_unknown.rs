use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports that a migration's outcome depends on the SQLAlchemy version and migdoc could not
    /// find it (`--sqlalchemy-version`, a lock file, a pinned requirement, pyproject or a venv).
    ///
    /// ## Why is this bad?
    /// `sa.Enum(create_type=False)` and `metadata=`-bound enums behave differently on 2.0 and 2.1;
    /// migdoc stays silent on what depends on it.
    ///
    /// ## Example
    /// A project without a lock file or pinned requirements.
    ///
    /// ## Use instead
    /// Pin SQLAlchemy, or pass `--sqlalchemy-version 2.0`.
    pub(crate) struct SqlalchemyVersionUnknown;
}
