"""create span status again

Revision ID: d4
Revises: c3
Create Date: 2025-01-06 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'd4'
down_revision: Union[str, None] = 'c3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # b2 changed the labels at most: the type exists.
    op.create_table("noise_d4", sa.Column("id", sa.Integer(), nullable=False), sa.Column("ref", sa.Integer(), nullable=True), sa.Column("email", sa.String(length=50), nullable=True), sa.PrimaryKeyConstraint("id", name=op.f("pk_noise_d4")), sa.UniqueConstraint("email", name=op.f("uq_noise_d4_email")))
    op.create_index(op.f("ix_noise_d4_email"), "noise_d4", ["email"], unique=False)
    op.create_foreign_key(op.f("fk_noise_d4_ref"), "noise_d4", "noise_d4", ["ref"], ["id"])
    with op.batch_alter_table("noise_d4", schema=None) as noise_batch:
        noise_batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        noise_batch.create_index(noise_batch.f("ix_noise_d4_note"), ["note"], unique=False)
    noise_t = sa.table("noise_d4", sa.column("id", sa.Integer), sa.column("email", sa.String))
    op.bulk_insert(noise_t, [{"id": 1, "email": "a@example.com"}])
    op.execute(noise_t.update().where(noise_t.c.id == 1).values(email="b@example.com"))
    noise_conn = op.get_bind()
    for noise_row in noise_conn.execute(sa.text("SELECT id FROM noise_d4")):
        noise_conn.execute(sa.text("UPDATE noise_d4 SET note = :n WHERE id = :i"), {"n": "x", "i": noise_row.id})
    op.execute("CREATE TYPE spanstatus AS ENUM ('unset', 'ok', 'error')")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("noise_d4")
    pass
