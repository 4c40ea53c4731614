"""drop legacy code

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
    # As superset's sync_db_with_models does: a column drop that may fail elsewhere, swallowed.
    try:
        with op.batch_alter_table("accounts") as batch_op:
            batch_op.drop_column("legacy_code")
    except Exception:
        pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
