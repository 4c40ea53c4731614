"""seed spans

Revision ID: c3
Revises: b2
Create Date: 2025-01-06 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c3'
down_revision: Union[str, None] = 'b2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # A label b2 made: migdoc cannot know b2 ran, and silence is right.
    op.execute("INSERT INTO span (id, status) VALUES (1, 'ok')")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM span")
