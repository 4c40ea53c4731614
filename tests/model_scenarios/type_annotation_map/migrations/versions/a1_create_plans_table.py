"""create plans table

Revision ID: a1
Revises: 
Create Date: 2025-03-10 09:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a1'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("tier", sa.Enum("free", "pro", "enterprise", name="tier"), nullable=False),
        sa.Column("renews_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.execute("INSERT INTO plans (code, tier, renews_at) VALUES ('starter', 'free', now())")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("plans")
    op.execute("DROP TYPE tier")
