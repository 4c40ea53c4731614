"""create customers

Revision ID: a1f3c2d4e5b6
Revises:
Create Date: 2026-01-05 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "a1f3c2d4e5b6"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("status", sa.Enum("active", "banned", name="customer_status"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("customers")
    op.execute("DROP TYPE customer_status")
