"""users and mood

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
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))
    # The statement is spelled backwards: SQL migdoc cannot evaluate, which may create anything.
    op.execute("".join(reversed(")'das' ,'yppah'( MUNE SA doom EPYT ETAERC")))


def downgrade() -> None:
    op.drop_table("users")
    op.execute("DROP TYPE mood")
