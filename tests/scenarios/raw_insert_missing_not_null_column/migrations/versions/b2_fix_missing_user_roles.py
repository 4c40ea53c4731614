"""fix missing user roles

Revision ID: b2
Revises: a1
Create Date: 2025-01-07 10:17:00.000000

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
    op.execute(
        """
        INSERT INTO user_roles (user_id, role_id, assigned_by, created_at)
        VALUES (1, 1, 'migration_fix', NOW())
        """
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM user_roles WHERE assigned_by = 'migration_fix'")
