"""add two long columns

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
    op.add_column("tickets", sa.Column("ticket_state_for_the_customer_support_queue_of_the_northern_region_ab", sa.Integer(), nullable=True))
    op.add_column("tickets", sa.Column("ticket_state_for_the_customer_support_queue_of_the_northern_region_cd", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    pass
