"""sync job status labels

Revision ID: b2
Revises: a1
Create Date: 2025-01-07 10:17:00.000000

"""
from typing import Sequence, Union

from alembic import op
import alembic_postgresql_enum  # noqa: F401  (registers op.sync_enum_values)
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'b2'
down_revision: Union[str, None] = 'a1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.sync_enum_values(
        enum_schema="public",
        enum_name="job_status",
        new_values=["queued", "running", "done", "failed"],
        affected_columns=[("jobs", "status")],
        enum_values_to_rename=[],
    )


def downgrade() -> None:
    """Downgrade schema."""
    pass
