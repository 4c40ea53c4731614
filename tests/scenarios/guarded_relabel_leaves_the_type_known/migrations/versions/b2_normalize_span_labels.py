"""normalize span labels

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

_RELABELS = {"spanstatus": {"UNSET": "unset", "OK": "ok", "ERROR": "error"}}


def _existing_labels(conn, type_name):
    rows = conn.execute(
        sa.text(
            "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
            "WHERE t.typname = :type_name"
        ),
        {"type_name": type_name},
    )
    return {row[0] for row in rows}


def upgrade() -> None:
    """Upgrade schema."""
    # As langflow's c3e7a1b9d2f4 does: each rename runs only where the database holds the old label.
    conn = op.get_bind()
    for type_name, mapping in _RELABELS.items():
        labels = _existing_labels(conn, type_name)
        if not labels:
            continue
        for old, new in mapping.items():
            if old in labels and new not in labels:
                conn.execute(sa.text(f"ALTER TYPE {type_name} RENAME VALUE '{old}' TO '{new}'"))


def downgrade() -> None:
    """Downgrade schema."""
    pass
