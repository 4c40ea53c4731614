"""create accounts

Revision ID: a1
Revises: 
Create Date: 2025-01-06 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision: str = 'a1'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("CREATE TYPE account_state AS ENUM ('active', 'Active', 'ACTIVE')")
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            postgresql.ENUM("active", "Active", "ACTIVE", name="account_state", create_type=False),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO accounts (id, state) VALUES (1, 'Active')")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("accounts")
    op.execute("DROP TYPE account_state")
