"""add two long tables

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
    op.create_table("ticket_state_for_the_customer_support_queue_of_the_northern_region_ab", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id"))
    op.create_table("ticket_state_for_the_customer_support_queue_of_the_northern_region_cd", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id"))


def downgrade() -> None:
    """Downgrade schema."""
    pass
