"""comprehensive audit system

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
    op.execute("CREATE TYPE platformtype AS ENUM ('meta_ads', 'tiktok_ads', 'google_ads')")
    op.create_table(
        "audit_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "platform",
            postgresql.ENUM("meta_ads", "tiktok_ads", "google_ads", name="platformtype", create_type=False),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("audit_campaigns")
    op.execute("DROP TYPE platformtype")
