"""create drafts

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
    draft_status = postgresql.ENUM("draft", "published", name="draft_status", create_type=False)
    draft_status.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", draft_status, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("drafts")
    postgresql.ENUM(name="draft_status").drop(op.get_bind(), checkfirst=True)
