"""recreate mood

Revision ID: c3
Revises: b2
Create Date: 2025-01-08 10:34:00.000000

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
    op.execute("CREATE TYPE mood AS ENUM ('happy', 'sad', 'neutral', 'angry')")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP TYPE mood")
