"""loyalty points (written on another branch)

Revision ID: d4f6b8a0c2e3
Revises: b2c4d6e8f0a1
Create Date: 2026-03-11 08:15:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "d4f6b8a0c2e3"
down_revision: Union[str, None] = "b2c4d6e8f0a1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("customers", sa.Column("points", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("customers", "points")
