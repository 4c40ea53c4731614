"""backfill status

Revision ID: b2
Revises: a1
Create Date: 2025-01-06 10:00:00.000000

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
    # Written for SQLAlchemy 1.x, which sent a plain string to the driver.
    conn = op.get_bind()
    conn.execute("UPDATE accounts SET status = 'active' WHERE status IS NULL")


def downgrade() -> None:
    """Downgrade schema."""
    pass
