"""rebuild events

Revision ID: b2
Revises: a1
Create Date: 2025-03-02 10:00:00.000000

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
    op.execute("CREATE TABLE events_new AS SELECT id, at FROM events")
    op.drop_table("events")
    op.rename_table("events_new", "events")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("events")
    op.create_table("events", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("at", sa.DateTime(), nullable=True))
