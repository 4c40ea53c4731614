"""extend replica state

Revision ID: b2
Revises: a1
Create Date: 2025-01-07 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import context, op


# revision identifiers, used by Alembic.
revision: str = 'b2'
down_revision: Union[str, None] = 'a1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # The version table's schema, as env.py configures it: not known without running env.py.
    schema = context.get_context().version_table_schema + '.' if context.get_context().version_table_schema else ''
    op.execute('ALTER TABLE ' + schema + 'replicas ALTER COLUMN state TYPE CHAR')
    op.execute('DROP TYPE "REPLICAS_STATE_CHK"')
    op.execute("CREATE TYPE \"REPLICAS_STATE_CHK\" AS ENUM('A', 'U', 'T')")
    op.execute("ALTER TABLE %sreplicas ALTER COLUMN state TYPE \"REPLICAS_STATE_CHK\" USING state::\"REPLICAS_STATE_CHK\"" % schema)


def downgrade() -> None:
    # The version table's schema, as env.py configures it: not known without running env.py.
    schema = context.get_context().version_table_schema + '.' if context.get_context().version_table_schema else ''
    op.execute('ALTER TABLE ' + schema + 'replicas ALTER COLUMN state TYPE CHAR')
    op.execute('DROP TYPE "REPLICAS_STATE_CHK"')
    op.execute("CREATE TYPE \"REPLICAS_STATE_CHK\" AS ENUM('A', 'U')")
    op.execute("ALTER TABLE %sreplicas ALTER COLUMN state TYPE \"REPLICAS_STATE_CHK\" USING state::\"REPLICAS_STATE_CHK\"" % schema)
