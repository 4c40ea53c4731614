"""seed admin role

Revision ID: b2
Revises: a1
Create Date: 2025-01-07 10:17:00.000000

"""
import datetime
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
    user_roles = sa.table(
        "user_roles",
        sa.column("user_id", sa.Integer),
        sa.column("role_id", sa.Integer),
        sa.column("assigned_by", sa.String),
        sa.column("updated_at", sa.DateTime),
    )
    op.bulk_insert(
        user_roles,
        [
            {"user_id": 1, "role_id": 1, "assigned_by": "seed", "updated_at": datetime.datetime(2025, 1, 1)},
        ],
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM user_roles WHERE assigned_by = 'seed'")
