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
    # The convention names it `uq_accounts`: the drop runs, and so does what follows.
    op.drop_constraint(None, "accounts", type_="unique")
    op.drop_column("accounts", "legacy_code")


def downgrade() -> None:
    """Downgrade schema."""
    op.add_column("accounts", sa.Column("legacy_code", sa.String(), nullable=True))
    op.create_unique_constraint("uq_accounts", "accounts", ["email"])
