"""create alerts table

Revision ID: a1
Revises: 
Create Date: 2025-03-10 09:00:00.000000

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
    alert_level = postgresql.ENUM("low", "high", "critical", name="alert_level")
    alert_level.create(op.get_bind())
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            postgresql.ENUM("low", "high", "critical", name="alert_level", create_type=False),
            nullable=False,
        ),
        sa.Column("raised_at", sa.DateTime(), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("alerts")
    postgresql.ENUM(name="alert_level").drop(op.get_bind())
