"""add invoice statuses

Revision ID: b2
Revises: a1
Create Date: 2025-01-07 10:17:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'b2'
down_revision: Union[str, None] = 'a1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


PREFIX = "billing"
NEW_LABELS = ["overdue", "void"]


def upgrade() -> None:
    """Upgrade schema."""
    with op.get_context().autocommit_block():
        for label in NEW_LABELS:
            op.execute(f"ALTER TYPE {PREFIX}_status ADD VALUE IF NOT EXISTS '{label}'")
    op.execute(f"UPDATE invoices SET status = '{NEW_LABELS[0]}' WHERE status = 'sent'")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("UPDATE invoices SET status = 'sent' WHERE status IN ('overdue', 'void')")
