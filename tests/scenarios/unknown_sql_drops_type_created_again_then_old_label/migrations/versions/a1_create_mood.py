"""create mood

Revision ID: a1
Revises: 
Create Date: 2025-03-01 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision: str = 'a1'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP TYPE IF EXISTS mood")
