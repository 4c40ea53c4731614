"""add account owner

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
    op.add_column("accounts", sa.Column("user_id", sa.Integer(), nullable=True))
    op.create_foreign_key(None, "accounts", "users", ["user_id"], ["id"])


def downgrade() -> None:
    """Downgrade schema."""
    # What autogenerate writes for the key PostgreSQL named `accounts_user_id_fkey`.
    op.drop_constraint(None, "accounts", type_="foreignkey")
    op.drop_column("accounts", "user_id")
