use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports an operation that fails inside a `try` whose `except` swallows the error, in a
    /// migration that runs inside a transaction (Alembic's default on PostgreSQL). The message
    /// names the failure PostgreSQL gives for the operation itself.
    ///
    /// migdoc reads such a `try` when its body holds nothing but Alembic operations (in `if`s
    /// and `batch_alter_table` blocks) and no handler rolls back or uses a savepoint: whatever
    /// fails there fails in PostgreSQL, not in Python. A deploy that goes on past it is then
    /// one where the whole body ran, and migdoc checks what follows with that knowledge.
    ///
    /// ## Why is this bad?
    /// The `except` catches the Python exception, but PostgreSQL has already aborted the
    /// transaction: every statement after it fails with `current transaction is aborted,
    /// commands ignored until end of transaction block` (25P02), and so does Alembic's update of
    /// `alembic_version` when nothing else follows. The migration fails one statement later,
    /// with an error that hides the real one. The `try` does not make the operation optional.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     try:
    ///         op.add_column("accounts", sa.Column("email", sa.String()))  # already there
    ///     except Exception:
    ///         pass
    ///     op.create_index("ix_accounts_email", "accounts", ["email"])  # 25P02
    /// ```
    ///
    /// ## Use instead
    /// Write the operation for the database the history makes. Where a database may really
    /// differ, test for the object (`if not column_exists(...)`), or run the operation in a
    /// savepoint, which PostgreSQL rolls back alone:
    /// ```python
    /// def upgrade():
    ///     try:
    ///         with op.get_bind().begin_nested():
    ///             op.add_column("accounts", sa.Column("email", sa.String()))
    ///     except sa.exc.ProgrammingError:
    ///         pass
    ///     op.create_index("ix_accounts_email", "accounts", ["email"])
    /// ```
    pub(crate) struct SwallowedDatabaseError;
}
