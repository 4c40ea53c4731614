"""add dues tracking models

Revision ID: b1
Revises: a1
Create Date: 2025-01-07 10:17:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision: str = 'b1'
down_revision: Union[str, None] = 'a1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table("noise_b1", sa.Column("id", sa.Integer(), nullable=False), sa.Column("ref", sa.Integer(), nullable=True), sa.Column("email", sa.String(length=50), nullable=True), sa.PrimaryKeyConstraint("id", name=op.f("pk_noise_b1")), sa.UniqueConstraint("email", name=op.f("uq_noise_b1_email")))
    op.create_index(op.f("ix_noise_b1_email"), "noise_b1", ["email"], unique=False)
    op.create_foreign_key(op.f("fk_noise_b1_ref"), "noise_b1", "noise_b1", ["ref"], ["id"])
    with op.batch_alter_table("noise_b1", schema=None) as noise_batch:
        noise_batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        noise_batch.create_index(noise_batch.f("ix_noise_b1_note"), ["note"], unique=False)
    noise_t = sa.table("noise_b1", sa.column("id", sa.Integer), sa.column("email", sa.String))
    op.bulk_insert(noise_t, [{"id": 1, "email": "a@example.com"}])
    op.execute(noise_t.update().where(noise_t.c.id == 1).values(email="b@example.com"))
    noise_conn = op.get_bind()
    for noise_row in noise_conn.execute(sa.text("SELECT id FROM noise_b1")):
        noise_conn.execute(sa.text("UPDATE noise_b1 SET note = :n WHERE id = :i"), {"n": "x", "i": noise_row.id})
    method_enum = postgresql.ENUM("cash", "check", "card", name="duespaymentmethod", create_type=False)
    method_enum.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "dues_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("method", method_enum, nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("noise_b1")
    op.drop_table("dues_payments")
    op.execute("DROP TYPE IF EXISTS duespaymentmethod")
