"""migdoc: keeps Alembic + PostgreSQL migration histories healthy.

The command-line tool is the `migdoc` executable installed with this package; this package holds
the safe enum helpers for migrations (`migdoc.alembic`).
"""

__all__ = ["alembic"]
