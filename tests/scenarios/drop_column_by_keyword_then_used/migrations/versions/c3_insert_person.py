"""insert person

Revision ID: c3
Revises: b2
Create Date: 2025-03-03 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision: str = 'c3'
down_revision: Union[str, None] = 'b2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("INSERT INTO people (id, mood) VALUES (1, 'x')")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM people")
