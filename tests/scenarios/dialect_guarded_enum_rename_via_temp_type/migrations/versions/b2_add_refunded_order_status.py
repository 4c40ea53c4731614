"""add refunded order status

Revision ID: b2
Revises: a1
Create Date: 2025-01-07 10:17:00.000000

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
    """Upgrade schema."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TYPE order_status RENAME TO order_status_old")
        op.execute("CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'refunded')")
        op.execute(
            "ALTER TABLE orders ALTER COLUMN status TYPE order_status "
            "USING status::text::order_status"
        )
        op.execute("DROP TYPE order_status_old")


def downgrade() -> None:
    """Downgrade schema."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("UPDATE orders SET status = 'paid' WHERE status = 'refunded'")
        op.execute("ALTER TYPE order_status RENAME TO order_status_old")
        op.execute("CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped')")
        op.execute(
            "ALTER TABLE orders ALTER COLUMN status TYPE order_status "
            "USING status::text::order_status"
        )
        op.execute("DROP TYPE order_status_old")
