"""create jobs and archive

Revision ID: a1
Revises: 
Create Date: 2025-01-07 10:17:00.000000

"""
from typing import Sequence, Union

from alembic import op
import alembic_postgresql_enum  # noqa: F401  (registers op.sync_enum_values)
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a1'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    status = sa.Enum("queued", "running", "done", name="job_status")
    op.create_table("jobs", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("status", status, nullable=False))
    op.create_table("archive", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("status", status, nullable=False))
    op.execute("INSERT INTO jobs (id, status) VALUES (1, 'running')")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("archive")
    op.drop_table("jobs")
    op.execute("DROP TYPE job_status")
