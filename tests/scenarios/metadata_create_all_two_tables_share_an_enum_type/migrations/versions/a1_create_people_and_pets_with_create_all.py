"""create people and pets with create all

Revision ID: a1
Revises: 
Create Date: 2025-03-01 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision: str = 'a1'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    meta = sa.MetaData()
    sa.Table("people", meta, sa.Column("id", sa.Integer(), primary_key=True), sa.Column("mood", sa.Enum("happy", "sad", name="mood")))
    sa.Table("pets", meta, sa.Column("id", sa.Integer(), primary_key=True), sa.Column("mood", sa.Enum("happy", "sad", name="mood")))
    meta.create_all(op.get_bind(), checkfirst=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("pets")
    op.drop_table("people")
    op.execute("DROP TYPE mood")
