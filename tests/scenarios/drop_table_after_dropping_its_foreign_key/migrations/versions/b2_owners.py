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
    op.add_column("tickets", sa.Column("owner_id", sa.Integer(), nullable=True))
    op.create_foreign_key("fk_tickets_owner", "tickets", "owners", ["owner_id"], ["id"])
    op.drop_constraint("fk_tickets_owner", "tickets", type_="foreignkey")
    op.drop_table("owners")


def downgrade() -> None:
    """Downgrade schema."""
    pass
