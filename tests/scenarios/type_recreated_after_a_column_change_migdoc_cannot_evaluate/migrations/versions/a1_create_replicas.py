"""create replicas

Revision ID: a1
Revises: 
Create Date: 2025-01-06 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'a1'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("CREATE TYPE \"REPLICAS_STATE_CHK\" AS ENUM('A', 'U')")
    op.execute("CREATE TABLE replicas (id integer PRIMARY KEY, state \"REPLICAS_STATE_CHK\")")


def downgrade() -> None:
    op.execute("DROP TABLE replicas")
    op.execute("DROP TYPE \"REPLICAS_STATE_CHK\"")
