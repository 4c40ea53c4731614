"""add draft model with status enum

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
    # Create enum type first (must exist before table creation)
    draft_status_enum = postgresql.ENUM(
        "streaming", "partial", "complete", "editing", "exported",
        name="draft_status",
        create_type=True,
    )
    draft_status_enum.create(op.get_bind(), checkfirst=True)

    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("streaming", "partial", "complete", "editing", "exported", name="draft_status", create_type=False),
            server_default="streaming",
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("drafts")

    draft_status_enum = postgresql.ENUM(name="draft_status")
    draft_status_enum.drop(op.get_bind(), checkfirst=True)
