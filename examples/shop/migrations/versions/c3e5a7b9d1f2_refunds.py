"""add refunded status

Revision ID: c3e5a7b9d1f2
Revises: b2c4d6e8f0a1
Create Date: 2026-03-10 14:00:00.000000

"""
from typing import Sequence, Union

from alembic import op

revision: str = "c3e5a7b9d1f2"
down_revision: Union[str, None] = "b2c4d6e8f0a1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")
    op.execute("UPDATE orders SET status = 'refunded' WHERE id IN (SELECT order_id FROM refund_requests)")


def downgrade() -> None:
    pass
