from alembic import op
import sqlalchemy as sa
"""extend replica state

Revision ID: b2
Revises: a1
Create Date: 2025-01-07 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import context, op


# revision identifiers, used by Alembic.
revision: str = 'b2'
down_revision: Union[str, None] = 'a1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # The version table's schema, as env.py configures it: not known without running env.py.
    op.create_table("noise_b2", sa.Column("id", sa.Integer(), nullable=False), sa.Column("ref", sa.Integer(), nullable=True), sa.Column("email", sa.String(length=50), nullable=True), sa.PrimaryKeyConstraint("id", name=op.f("pk_noise_b2")), sa.UniqueConstraint("email", name=op.f("uq_noise_b2_email")))
    op.create_index(op.f("ix_noise_b2_email"), "noise_b2", ["email"], unique=False)
    op.create_foreign_key(op.f("fk_noise_b2_ref"), "noise_b2", "noise_b2", ["ref"], ["id"])
    with op.batch_alter_table("noise_b2", schema=None) as noise_batch:
        noise_batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        noise_batch.create_index(noise_batch.f("ix_noise_b2_note"), ["note"], unique=False)
    noise_t = sa.table("noise_b2", sa.column("id", sa.Integer), sa.column("email", sa.String))
    op.bulk_insert(noise_t, [{"id": 1, "email": "a@example.com"}])
    op.execute(noise_t.update().where(noise_t.c.id == 1).values(email="b@example.com"))
    noise_conn = op.get_bind()
    for noise_row in noise_conn.execute(sa.text("SELECT id FROM noise_b2")):
        noise_conn.execute(sa.text("UPDATE noise_b2 SET note = :n WHERE id = :i"), {"n": "x", "i": noise_row.id})
    schema = context.get_context().version_table_schema + '.' if context.get_context().version_table_schema else ''
    op.execute('ALTER TABLE ' + schema + 'replicas ALTER COLUMN state TYPE CHAR')
    op.execute('DROP TYPE "REPLICAS_STATE_CHK"')
    op.execute("CREATE TYPE \"REPLICAS_STATE_CHK\" AS ENUM('A', 'U', 'T')")
    op.execute("ALTER TABLE %sreplicas ALTER COLUMN state TYPE \"REPLICAS_STATE_CHK\" USING state::\"REPLICAS_STATE_CHK\"" % schema)


def downgrade() -> None:
    # The version table's schema, as env.py configures it: not known without running env.py.
    op.drop_table("noise_b2")
    schema = context.get_context().version_table_schema + '.' if context.get_context().version_table_schema else ''
    op.execute('ALTER TABLE ' + schema + 'replicas ALTER COLUMN state TYPE CHAR')
    op.execute('DROP TYPE "REPLICAS_STATE_CHK"')
    op.execute("CREATE TYPE \"REPLICAS_STATE_CHK\" AS ENUM('A', 'U')")
    op.execute("ALTER TABLE %sreplicas ALTER COLUMN state TYPE \"REPLICAS_STATE_CHK\" USING state::\"REPLICAS_STATE_CHK\"" % schema)
