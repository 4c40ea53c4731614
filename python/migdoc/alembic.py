"""Safe PostgreSQL enum helpers for Alembic migrations.

    from migdoc.alembic import add_enum_values, create_enum, drop_enum, enum_exists, rename_enum_value

    def upgrade():
        create_enum("order_status", ["new", "paid"])
        add_enum_values("order_status", ["shipped"])      # usable right away
        op.add_column("orders", sa.Column("status", postgresql.ENUM(name="order_status", create_type=False)))

Every helper is idempotent (running it twice, or on a database where it already ran, does
nothing the second time), quotes names and labels itself (a label may hold quotes, colons or
backslashes), and works in online and offline (`--sql`) mode. `create_enum`, `drop_enum` and
`rename_enum_value` hold migdoc's advisory lock (`pg_advisory_xact_lock(120299473629027)`, the key
`migdoc doctor --apply` uses) for the rest of their transaction. `add_enum_values` commits each
label in an autocommit block, so the transaction that follows can use it (PostgreSQL refuses a
label in the transaction that added it: `unsafe use of new value`).

`migdoc check` models each call exactly, so its predictions stay exact for code that uses them.
"""

from __future__ import annotations

from typing import Iterable, Optional

import sqlalchemy as sa
from alembic import op

__all__ = ["LOCK_KEY", "add_enum_values", "create_enum", "drop_enum", "enum_exists", "rename_enum_value"]

#: migdoc's advisory lock key: the bytes of "migdoc".
LOCK_KEY = 120299473629027


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _type(name: str, schema: Optional[str]) -> str:
    return f"{_ident(schema)}.{_ident(name)}" if schema else _ident(name)


def _literal(value: str) -> str:
    # standard_conforming_strings is on (PostgreSQL's default since 9.1): only ' is special.
    return "'" + value.replace("'", "''") + "'"


def _run(sql: str) -> None:
    # A colon followed by a word would be read as a bind parameter by sa.text().
    op.execute(sa.text(sql.replace(":", "\\:")))


def _dollar(body: str) -> str:
    tag = "$migdoc$"
    n = 0
    while tag in body:
        n += 1
        tag = f"$migdoc{n}$"
    return f"DO {tag} BEGIN {body} END {tag}"


def _lock() -> None:
    _run(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")


def enum_exists(name: str, schema: Optional[str] = None) -> bool:
    """Whether the enum type exists (in `schema`, else in the current schema). Online mode only."""
    if op.get_context().as_sql:
        raise RuntimeError("enum_exists() needs a database; in offline (--sql) mode use create_enum/drop_enum, which are idempotent")
    sql = sa.text(
        "SELECT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE t.typname = :name AND t.typtype = 'e' AND n.nspname = coalesce(:schema, current_schema()))"
    )
    return bool(op.get_bind().execute(sql, {"name": name, "schema": schema}).scalar())


def create_enum(name: str, labels: Iterable[str], schema: Optional[str] = None) -> None:
    """CREATE TYPE name AS ENUM (labels), unless a type of that name already exists."""
    labels = list(labels)
    _lock()
    create = f"CREATE TYPE {_type(name, schema)} AS ENUM ({', '.join(_literal(l) for l in labels)});"
    _run(_dollar(f"{create} EXCEPTION WHEN duplicate_object THEN NULL;"))


def add_enum_values(name: str, labels: Iterable[str], schema: Optional[str] = None,
                    before: Optional[str] = None, after: Optional[str] = None) -> None:
    """ALTER TYPE name ADD VALUE IF NOT EXISTS, for each label, committed at once (in an
    autocommit block) so that the labels can be used in the same migration."""
    if before is not None and after is not None:
        raise ValueError("give before= or after=, not both")
    position = f" BEFORE {_literal(before)}" if before is not None else f" AFTER {_literal(after)}" if after is not None else ""
    labels = list(labels)
    if after is not None:
        labels.reverse()  # each one lands right after `after`: add them last to first
    with op.get_context().autocommit_block():
        for label in labels:
            _run(f"ALTER TYPE {_type(name, schema)} ADD VALUE IF NOT EXISTS {_literal(label)}{position}")


def rename_enum_value(name: str, old: str, new: str, schema: Optional[str] = None) -> None:
    """ALTER TYPE name RENAME VALUE old TO new, when the type has `old` (nothing otherwise)."""
    _lock()
    type_name = _type(name, schema)
    body = (
        f"IF EXISTS (SELECT 1 FROM pg_enum WHERE enumtypid = to_regtype({_literal(type_name)}) AND enumlabel = {_literal(old)}) "
        f"THEN ALTER TYPE {type_name} RENAME VALUE {_literal(old)} TO {_literal(new)}; END IF;"
    )
    _run(_dollar(body))


def drop_enum(name: str, schema: Optional[str] = None) -> None:
    """DROP TYPE IF EXISTS name (never CASCADE: a type still in use makes it fail loudly)."""
    _lock()
    _run(f"DROP TYPE IF EXISTS {_type(name, schema)}")
