use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports `op.drop_constraint(None, ...)` where env.py gives Alembic no `target_metadata`,
    /// so no naming convention can name the constraint. Autogenerate writes this call for a
    /// constraint the database named itself (a foreign key, unique or check constraint declared
    /// without `name=`), usually in `downgrade()`, and it is copied from there. Where env.py
    /// passes a `target_metadata`, its naming convention may name the constraint (a template
    /// made of the table's name alone) or not: migdoc reports nothing, and takes what follows
    /// the call as what may not run.
    ///
    /// ## Why is this bad?
    /// SQLAlchemy cannot emit `DROP CONSTRAINT` without a name: it raises `CompileError` (`Can't
    /// emit DROP CONSTRAINT for constraint ...; it has no name`) before any SQL is sent, with
    /// SQLAlchemy 1.4, 2.0 and 2.1 alike. The migration stops there; inside a `try` that
    /// swallows the error, the rest of the `try` body never runs, and the objects it would have
    /// changed stay as they were.
    ///
    /// ## Example
    /// ```python
    /// def downgrade():
    ///     op.drop_constraint(None, "orders", type_="foreignkey")
    /// ```
    ///
    /// ## Use instead
    /// Name the constraint as PostgreSQL named it (`<table>_<column>_fkey` for a foreign key,
    /// `<table>_<column>_key` for a unique constraint, `<table>_<column>_check` for a check). A
    /// naming convention on the models' `MetaData` makes autogenerate write names from then on
    /// (a convention alone does not rescue the `None`: a foreign key's template needs its
    /// columns, which the call does not give).
    /// ```python
    /// def downgrade():
    ///     op.drop_constraint("orders_customer_id_fkey", "orders", type_="foreignkey")
    /// ```
    pub(crate) struct UnnamedConstraintDrop;
}
