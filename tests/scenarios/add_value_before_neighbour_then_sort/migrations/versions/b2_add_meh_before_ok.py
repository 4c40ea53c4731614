"""add meh before ok

Revision ID: b2
Revises: a1
Create Date: 2025-02-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'b2'
down_revision: Union[str, None] = 'a1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'")
    op.execute("INSERT INTO tickets (id, mood) VALUES (1, 'meh'), (2, 'sad')")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM tickets")
