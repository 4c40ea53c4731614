"""tags as mood array

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
    op.add_column("tickets", sa.Column("moods", postgresql.ARRAY(sa.String(20)), nullable=True))
    op.execute("ALTER TABLE tickets ALTER COLUMN moods TYPE mood[] USING moods::mood[]")
    op.execute("INSERT INTO tickets (id, mood, moods) VALUES (1, 'ok', ARRAY['sad', 'ok']::mood[])")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM tickets")
    op.drop_column("tickets", "moods")
