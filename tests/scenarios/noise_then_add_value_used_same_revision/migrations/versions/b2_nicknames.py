"""nicknames

Revision ID: b2
Revises: a1
Create Date: 2025-03-01 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'b2'
down_revision: Union[str, None] = 'a1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nickname", sa.String(length=50), nullable=True))
        batch_op.create_index(batch_op.f("ix_customers_nickname"), ["nickname"], unique=False)

    # Data migration: Core DML, and a loop over query rows.
    customers = sa.table("customers", sa.column("id", sa.Integer), sa.column("email", sa.String), sa.column("nickname", sa.String))
    op.execute(customers.update().where(customers.c.nickname.is_(None)).values(nickname=op.inline_literal("anon")))
    conn = op.get_bind()
    for row in conn.execute(sa.text("SELECT id, email FROM customers")):
        conn.execute(sa.text("UPDATE customers SET email = lower(:e) WHERE id = :i"), {"e": row.email, "i": row.id})


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_nickname"))
        batch_op.drop_column("nickname")
