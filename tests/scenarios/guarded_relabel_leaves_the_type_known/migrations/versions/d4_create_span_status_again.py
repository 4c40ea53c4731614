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
    op.execute("CREATE TYPE spanstatus AS ENUM ('unset', 'ok', 'error')")


def downgrade() -> None:
    """Downgrade schema."""
    pass
