"""owners

Revision ID: b2
Revises: a1
Create Date: 2025-02-02 10:00:00.000000

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
    op.create_table("owners", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id"))
    op.create_table("pets", sa.Column("id", sa.Integer(), nullable=False), sa.Column("owner_id", sa.Integer(), sa.ForeignKey("owners.id"), nullable=True), sa.PrimaryKeyConstraint("id"))
    op.execute("ALTER TABLE pets DROP CONSTRAINT pets_owner_id_fkey")
    op.drop_table("owners")


def downgrade() -> None:
    """Downgrade schema."""
    pass
