"""add users mood

Revision ID: b2
Revises: a1
Create Date: 2025-01-07 10:17:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision: str = 'b2'
down_revision: Union[str, None] = 'a1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    mood_enum = postgresql.ENUM("happy", "sad", "neutral", name="mood", create_type=False)
    mood_enum.create(op.get_bind(), checkfirst=True)
    op.add_column("users", sa.Column("mood", mood_enum, nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("users", "mood")
    mood_enum = postgresql.ENUM("happy", "sad", "neutral", name="mood", create_type=False)
    mood_enum.drop(op.get_bind(), checkfirst=True)
