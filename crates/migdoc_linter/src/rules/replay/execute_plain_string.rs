use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports `Connection.execute()` given a plain string (`op.get_bind().execute("UPDATE
    /// ...")`) where the project runs SQLAlchemy 2.0 or later. Migrations written for
    /// SQLAlchemy 1.3 or 1.4 are full of it, and they keep passing on databases that already
    /// ran them: the break shows on the first fresh database after the upgrade (a new
    /// environment, CI that builds its schema with `alembic upgrade head`).
    ///
    /// ## Why is this bad?
    /// SQLAlchemy 2.0 removed the 1.x behaviour of sending a string to the driver: `execute()`
    /// raises `ObjectNotExecutableError: Not an executable object` before any SQL is sent, and
    /// the migration stops there. (`op.execute("...")` is not concerned: Alembic wraps the
    /// string in `text()` itself.)
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     conn = op.get_bind()
    ///     conn.execute("UPDATE accounts SET status = 'active' WHERE status IS NULL")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// def upgrade():
    ///     conn = op.get_bind()
    ///     conn.execute(sa.text("UPDATE accounts SET status = 'active' WHERE status IS NULL"))
    /// ```
    pub(crate) struct ExecutePlainString;
}
