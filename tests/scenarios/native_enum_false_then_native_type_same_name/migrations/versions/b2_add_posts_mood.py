"""add posts mood

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
    op.execute("CREATE TYPE mood AS ENUM ('happy', 'sad', 'neutral')")
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column("posts", sa.Column("mood", postgresql.ENUM("happy", "sad", "neutral", name="mood", create_type=False)))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("posts")
    op.execute("DROP TYPE mood")
