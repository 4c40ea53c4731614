"""add legacy code again

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
    # Whether b2's drop ran is not known from here: silence is right (it ran, and this passes).
    op.add_column("accounts", sa.Column("legacy_code", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("accounts", "legacy_code")
