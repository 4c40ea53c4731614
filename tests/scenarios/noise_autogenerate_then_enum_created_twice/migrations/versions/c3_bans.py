"""bans

Revision ID: c3
Revises: b2
Create Date: 2025-03-01 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c3'
down_revision: Union[str, None] = 'b2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("CREATE TYPE ban_reason AS ENUM ('spam', 'abuse')")
    op.create_table(
        "bans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Enum("spam", "abuse", name="ban_reason"), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_bans_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bans")),
    )


def downgrade() -> None:
    op.drop_table("bans")
    op.execute("DROP TYPE ban_reason")
