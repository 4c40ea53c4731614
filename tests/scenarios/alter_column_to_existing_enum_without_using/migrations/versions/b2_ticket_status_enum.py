"""ticket status enum

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
    op.execute("CREATE TYPE ticket_status AS ENUM ('open', 'closed')")
    op.alter_column(
        "tickets",
        "status",
        existing_type=sa.String(length=20),
        type_=postgresql.ENUM("open", "closed", name="ticket_status", create_type=False),
        existing_nullable=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.alter_column(
        "tickets",
        "status",
        existing_type=postgresql.ENUM("open", "closed", name="ticket_status", create_type=False),
        type_=sa.String(length=20),
        existing_nullable=False,
    )
    op.execute("DROP TYPE ticket_status")
