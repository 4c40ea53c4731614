use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a statement PostgreSQL runs only outside a transaction block, where Alembic runs it
    /// inside one: `CREATE INDEX CONCURRENTLY` (raw, or `op.create_index(...,
    /// postgresql_concurrently=True)`), `DROP INDEX CONCURRENTLY`, `REINDEX CONCURRENTLY`,
    /// `REINDEX DATABASE/SCHEMA/SYSTEM`, `VACUUM`, `CLUSTER` without a table, `CREATE/DROP
    /// DATABASE`, `CREATE/DROP TABLESPACE`, `ALTER SYSTEM` (each checked on PostgreSQL 15).
    ///
    /// ## Why is this bad?
    /// Alembic wraps every migration in a transaction on PostgreSQL, and PostgreSQL refuses these
    /// statements there: `CREATE INDEX CONCURRENTLY cannot run inside a transaction block`
    /// (SQLSTATE 25001). The deploy fails at that revision.
    ///
    /// ## Example
    /// ```python
    /// op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// with op.get_context().autocommit_block():
    ///     op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)
    /// ```
    pub(crate) struct NeedsAutocommitBlock;
}
