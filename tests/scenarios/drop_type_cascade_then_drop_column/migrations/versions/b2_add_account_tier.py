"""add account tier

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
    op.execute("CREATE TYPE tier AS ENUM ('free', 'pro', 'enterprise')")
    op.add_column(
        "accounts",
        sa.Column("tier", postgresql.ENUM("free", "pro", "enterprise", name="tier", create_type=False), nullable=True),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP TYPE tier CASCADE")
    op.drop_column("accounts", "tier")
