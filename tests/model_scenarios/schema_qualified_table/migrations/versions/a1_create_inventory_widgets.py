"""create inventory widgets

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
    op.execute("CREATE SCHEMA inventory")
    op.create_table(
        "widgets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Enum("GEAR", "SPRING", name="widget_kind", schema="inventory"), nullable=False),
        sa.Column("quantity", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        schema="inventory",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("widgets", schema="inventory")
    op.execute("DROP TYPE inventory.widget_kind")
    op.execute("DROP SCHEMA inventory")
