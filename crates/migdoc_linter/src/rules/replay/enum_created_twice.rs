use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports an enum type that is created when it already exists: an explicit `CREATE TYPE` (or
    /// `.create(checkfirst=False)`) followed by `op.create_table` with an `sa.Enum` of the same name,
    /// `sa.Enum(..., create_type=False)` on SQLAlchemy before 2.1 (the flag is ignored), or two
    /// revisions that each create it.
    ///
    /// ## Why is this bad?
    /// PostgreSQL fails with `type "x" already exists` (42710). Two `op.create_table` calls in
    /// different revisions pass `alembic upgrade head` on an empty database, because SQLAlchemy
    /// creates a type name once per run, and then fail in production, where each deploy runs its
    /// new revisions in a fresh process.
    ///
    /// ## Example
    /// ```python
    /// op.execute("CREATE TYPE deal_status AS ENUM ('open', 'won')")
    /// op.create_table("deals", sa.Column("status", sa.Enum("open", "won", name="deal_status", create_type=False)))
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from sqlalchemy.dialects import postgresql
    /// op.execute("CREATE TYPE deal_status AS ENUM ('open', 'won')")
    /// op.create_table("deals", sa.Column("status", postgresql.ENUM(name="deal_status", create_type=False)))
    /// ```
    pub(crate) struct EnumCreatedTwice;
}
