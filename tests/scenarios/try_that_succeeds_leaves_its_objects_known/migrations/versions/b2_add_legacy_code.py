"""add legacy code

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
    # As langflow's 2ac71eb9c3ae does: DDL wrapped in try/except. On PostgreSQL a failure there
    # aborts the transaction, so a deploy that goes on is one where all of it ran.
    try:
        op.add_column("accounts", sa.Column("legacy_code", sa.String(), nullable=True))
        op.create_table(
            "credential",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
    except Exception as e:
        print(e)


def downgrade() -> None:
    """Downgrade schema."""
    try:
        op.drop_table("credential")
        op.drop_column("accounts", "legacy_code")
    except Exception as e:
        print(e)
