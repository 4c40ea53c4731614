"""add a long table

Revision ID: b2
Revises: a1
Create Date: 2025-02-02 10:00:00.000000

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
    op.create_table("ticket_state_for_the_customer_support_queue_of_the_northern_region", sa.Column("id", sa.Integer(), nullable=False), sa.Column("m", postgresql.ENUM(name="mood", create_type=False), nullable=False), sa.PrimaryKeyConstraint("id"))
    op.execute("INSERT INTO ticket_state_for_the_customer_support_queue_of_the_northern_reg (id) VALUES (1)")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("ticket_state_for_the_customer_support_queue_of_the_northern_region")
