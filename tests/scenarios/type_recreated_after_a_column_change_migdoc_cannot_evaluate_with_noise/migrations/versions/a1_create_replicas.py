import sqlalchemy as sa
"""create replicas

Revision ID: a1
Revises: 
Create Date: 2025-01-06 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'a1'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("noise_a1", sa.Column("id", sa.Integer(), nullable=False), sa.Column("ref", sa.Integer(), nullable=True), sa.Column("email", sa.String(length=50), nullable=True), sa.PrimaryKeyConstraint("id", name=op.f("pk_noise_a1")), sa.UniqueConstraint("email", name=op.f("uq_noise_a1_email")))
    op.create_index(op.f("ix_noise_a1_email"), "noise_a1", ["email"], unique=False)
    op.create_foreign_key(op.f("fk_noise_a1_ref"), "noise_a1", "noise_a1", ["ref"], ["id"])
    with op.batch_alter_table("noise_a1", schema=None) as noise_batch:
        noise_batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        noise_batch.create_index(noise_batch.f("ix_noise_a1_note"), ["note"], unique=False)
    noise_t = sa.table("noise_a1", sa.column("id", sa.Integer), sa.column("email", sa.String))
    op.bulk_insert(noise_t, [{"id": 1, "email": "a@example.com"}])
    op.execute(noise_t.update().where(noise_t.c.id == 1).values(email="b@example.com"))
    noise_conn = op.get_bind()
    for noise_row in noise_conn.execute(sa.text("SELECT id FROM noise_a1")):
        noise_conn.execute(sa.text("UPDATE noise_a1 SET note = :n WHERE id = :i"), {"n": "x", "i": noise_row.id})
    op.execute("CREATE TYPE \"REPLICAS_STATE_CHK\" AS ENUM('A', 'U')")
    op.execute("CREATE TABLE replicas (id integer PRIMARY KEY, state \"REPLICAS_STATE_CHK\")")


def downgrade() -> None:
    op.drop_table("noise_a1")
    op.execute("DROP TABLE replicas")
    op.execute("DROP TYPE \"REPLICAS_STATE_CHK\"")
