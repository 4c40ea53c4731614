"""rename mood to feeling

Revision ID: b2
Revises: a1
Create Date: 2025-02-02 10:00:00.000000

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
    op.execute("ALTER TYPE mood RENAME TO feeling")
    op.add_column("tickets", sa.Column("before", postgresql.ENUM(name="feeling", create_type=False), nullable=True))
    op.execute("INSERT INTO tickets (id, mood, before) VALUES (1, 'ok', 'sad')")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("tickets", "before")
    op.execute("DELETE FROM tickets")
    op.execute("ALTER TYPE feeling RENAME TO mood")
