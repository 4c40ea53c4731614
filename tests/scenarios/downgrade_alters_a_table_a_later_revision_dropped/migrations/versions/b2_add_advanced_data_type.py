"""add advanced data type

Revision ID: b2
Revises: a1
Create Date: 2025-01-06 10:00:00.000000

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
    with op.batch_alter_table("columns") as batch_op:
        batch_op.add_column(sa.Column("advanced_data_type", sa.VARCHAR(255), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("columns") as batch_op:
        batch_op.drop_column("advanced_data_type")
