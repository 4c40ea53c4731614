"""create employees table

Revision ID: a1
Revises: 
Create Date: 2025-03-10 09:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a1'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("budget", sa.Integer(), nullable=True),
        sa.Column("discipline", sa.Enum("BACKEND", "FRONTEND", "DATA", name="discipline"), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO employees (name, kind, discipline) VALUES ('Ada', 'engineer', 'DATA')")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("employees")
    op.execute("DROP TYPE discipline")
