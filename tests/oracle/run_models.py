"""Check a model scenario's SQLAlchemy models against the schema its migrations build.

usage: run_models.py SCENARIO_DIR

DATABASE_URL must point at an EMPTY database (the scenario's env.py reads
it). Run it with the interpreter of a scripts/pyenv environment. It runs
`python -m alembic --raiseerr upgrade head` in SCENARIO_DIR (a fresh
process, parsed as run_scenario.py does), then imports the application's
models (`models_module` in scenario.toml, default "app.models", with
SCENARIO_DIR first on sys.path; the MetaData is the module attribute path
`metadata`, default "Base.metadata") and, for every table of
`metadata.sorted_tables`, runs three checks, each in its own transaction,
committed on success and rolled back on failure:

  insert_full      rows that give every column a value made from its type
                   (an autoincrement primary key is left to the database);
                   one row per member the model can send for an Enum
                   column, one row at a time in member order
  insert_required  one row with only the columns that are NOT NULL, have
                   no default / server_default and are not the
                   autoincrement primary key (an Enum gets its first member)
  read             select(table), all rows fetched through the model types
                   (rows of the two inserts and any the migrations seeded)

It prints one JSON object on stdout:

    {"upgrade": {"ok": true} | {"ok": false, "revision": ..., "sqlstate": ...,
                                "error": ..., "exception": ...},
     "tables": {"[schema.]table": {"insert_full": CHECK,
                                   "insert_required": CHECK, "read": CHECK}}}

CHECK is {"ok": true}, or {"ok": false, "sqlstate": ..., "error": ...,
"exception": ..., "column": ...} (`column` only when known: psycopg2's
diagnostics name it, the message names it, or the message quotes a bad
input value that only one column sent, or, for a value SQLAlchemy filled in
from a Python-side default, an enum label of only one Enum column), or {"ok": false, "skipped": true,
"column": ..., "type": ...} when a column's type has no value generator.
`sqlstate` comes from psycopg2's error class, "" for errors not raised by
the server (e.g. LookupError, StatementError); `error` is the server's
primary message or the first line of the exception text (without
SQLAlchemy's "(module.Class) " prefix); `exception` is the class of the
exception SQLAlchemy raised. When the upgrade fails, "tables" is empty.
"""

import datetime
import decimal
import enum
import importlib
import json
import os
import re
import sys
import tomllib
import uuid
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm
from alembic.config import Config
from alembic.script import ScriptDirectory
from psycopg2._psycopg import sqlstate_errors

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_scenario import alembic  # noqa: E402

SQLSTATES = {cls.__name__: code for code, cls in sqlstate_errors.items()}
WRAPPED = re.compile(r"^\(([\w.]+)\) ")
NAMED_COLUMN = re.compile(r'^(?:null value in )?column "([^"]+)"')
BAD_INPUT = re.compile(
    r'^invalid input (?:value for enum (?P<enum>[^:]+)|syntax for type [^:]+): "(?P<value>.*)"$'
)


class NoGenerator(Exception):
    """A column type without a value generator."""

    def __init__(self, column, type_):
        self.column, self.type_ = column, type_


def enum_values(type_):
    """What the model can send for an Enum: its Python members, or its labels."""
    if getattr(type_, "enum_class", None) is not None:
        return list(type_.enum_class)
    return list(type_.enums)


def wire_label(type_, value):
    """The label an Enum type sends to the database for `value`."""
    if isinstance(value, enum.Enum):
        return type_._db_value_for_elem(value)
    return value


def value_for(column, type_, n):
    """A value of SQLAlchemy type `type_` for row number `n` (>= 1) of `column`."""
    t = type_
    if isinstance(t, sa.Enum):  # insert_full sends every member itself
        return enum_values(t)[0]
    if isinstance(t, sa.ARRAY):
        return [value_for(column, t.item_type, n)]
    if isinstance(t, sa.Boolean):
        return n % 2 == 1
    if isinstance(t, sa.Integer):  # SmallInteger, BigInteger
        return n
    if isinstance(t, sa.Float):  # before Numeric: Float is a Numeric
        v = n + 0.5
        return decimal.Decimal(str(v)) if t.asdecimal else v
    if isinstance(t, sa.Numeric):
        scale = t.scale if t.scale is not None else 2
        v = decimal.Decimal(n) + decimal.Decimal(1).scaleb(-scale) if scale else decimal.Decimal(n)
        return v if t.asdecimal else float(v)
    if isinstance(t, sa.Uuid):  # postgresql.UUID is one too
        u = uuid.UUID(int=n)
        return u if t.as_uuid else str(u)
    if isinstance(t, sa.JSON):  # JSONB is one too
        return {"n": n}
    if isinstance(t, sa.Interval):
        return datetime.timedelta(minutes=n)
    if isinstance(t, sa.DateTime):
        v = datetime.datetime(2025, 1, 1, 12, 0) + datetime.timedelta(hours=n)
        return v.replace(tzinfo=datetime.timezone.utc) if t.timezone else v
    if isinstance(t, sa.Date):
        return datetime.date(2025, 1, 1) + datetime.timedelta(days=n)
    if isinstance(t, sa.Time):
        return datetime.time(n % 24, 0)
    if isinstance(t, sa.LargeBinary):
        return b"\x00" + n.to_bytes(4, "big")
    if isinstance(t, sa.String):  # Text, Unicode, VARCHAR, CHAR
        v = f"{column.name}-{n}"
        if t.length is not None and len(v) > t.length:
            v = str(n)[-t.length:]
        return v
    raise NoGenerator(column.name, type(t).__name__)


def is_autoincrement_pk(table, column):
    return table.autoincrement_column is column


def failure_from(exc, table, sent):
    """The fields of a failed check; `sent` maps column name -> values sent, as text."""
    out = {"ok": False}
    orig = getattr(exc, "orig", None)
    if isinstance(exc, sa.exc.DBAPIError) and orig is not None and getattr(orig, "pgcode", None):
        out["sqlstate"] = SQLSTATES.get(type(orig).__name__, orig.pgcode)
        diag = orig.diag
        message = diag.message_primary or str(orig)
        column = diag.column_name
    else:
        out["sqlstate"] = ""
        message = str(orig) if isinstance(exc, sa.exc.StatementError) and orig is not None else str(exc)
        message = WRAPPED.sub("", message)
        column = None
    message = message.split("\n")[0]
    out["error"] = message
    out["exception"] = type(exc).__name__
    if column is None and (m := NAMED_COLUMN.match(message)) and m.group(1) in table.c:
        column = m.group(1)
    if column is None and (m := BAD_INPUT.match(message)):
        column = column_of_bad_input(table, sent, m.group("enum"), m.group("value"))
    if column is not None:
        out["column"] = column
    return out


def column_of_bad_input(table, sent, enum_name, value):
    """The one column that sent `value`, or None.

    Values the check sent itself are known; a value SQLAlchemy filled in
    (a Python-side default) is looked up among the Enum columns' labels,
    those of an Enum named like the server's type first.
    """
    senders = [c for c, values in sent.items() if value in values]
    if len(senders) == 1:
        return senders[0]
    if enum_name is None or senders:
        return None
    enums = [c for c in table.columns if isinstance(c.type, sa.Enum) and value in c.type.enums]
    named = [c for c in enums if str(c.type.name) == enum_name]
    for group in (named, enums):
        if len(group) == 1:
            return group[0].name
        if group:
            return None
    return None


def wire_text(type_, value):
    """`value` as the text the server sees for a column of `type_`."""
    if isinstance(type_, sa.Enum):
        return str(wire_label(type_, value))
    if isinstance(type_, sa.ARRAY):
        return None
    return str(value)


def run_check(engine, table, body):
    sent = {}
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            try:
                body(conn, sent)
            except BaseException:
                trans.rollback()
                raise
            trans.commit()
    except NoGenerator as e:
        return {"ok": False, "skipped": True, "column": e.column, "type": e.type_}
    except Exception as e:  # noqa: BLE001 - every failure is recorded
        return failure_from(e, table, sent)
    return {"ok": True}


def check_table(engine, table, counter):
    def next_n():
        counter[0] += 1
        return counter[0]

    def insert_full(conn, sent):
        columns = [c for c in table.columns if not is_autoincrement_pk(table, c) and c.computed is None]
        enum_sizes = [len(enum_values(c.type)) for c in columns if isinstance(c.type, sa.Enum)]
        rows = max(enum_sizes, default=1) or 1
        for i in range(rows):
            n = next_n()
            row = {}
            for c in columns:
                if isinstance(c.type, sa.Enum):
                    values = enum_values(c.type)
                    v = values[i % len(values)]
                else:
                    v = value_for(c, c.type, n)
                row[c.key] = v
            for c in columns:
                sent.setdefault(c.name, set()).add(wire_text(c.type, row[c.key]))
            conn.execute(table.insert(), [row])

    def insert_required(conn, sent):
        n = next_n()
        row = {}
        for c in table.columns:
            if c.nullable or c.default is not None or c.server_default is not None:
                continue
            if is_autoincrement_pk(table, c) or c.computed is not None or c.identity is not None:
                continue
            row[c.key] = value_for(c, c.type, n)
            sent.setdefault(c.name, set()).add(wire_text(c.type, row[c.key]))
        conn.execute(table.insert(), [row])

    def read(conn, sent):
        conn.execute(sa.select(table)).all()

    return {
        "insert_full": run_check(engine, table, insert_full),
        "insert_required": run_check(engine, table, insert_required),
        "read": run_check(engine, table, read),
    }


def load_metadata(scenario, config):
    sys.path.insert(0, str(scenario))
    module = importlib.import_module(config.get("models_module", "app.models"))
    obj = module
    for part in config.get("metadata", "Base.metadata").split("."):
        obj = getattr(obj, part)
    # Mappers are configured lazily; configure now so that every column
    # added by inheritance or declarative processing is in the tables.
    sa.orm.configure_mappers()
    return obj


def main(argv):
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    scenario = Path(argv[0]).resolve()
    config = tomllib.loads((scenario / "scenario.toml").read_text())
    script = ScriptDirectory.from_config(Config(str(scenario / "alembic.ini")))
    revisions = {Path(s.path).resolve(): s.revision for s in script.walk_revisions()}

    failure = alembic(scenario, revisions, "upgrade", "head")
    out = {"upgrade": {"ok": failure is None, **(failure or {})}, "tables": {}}
    if failure is None:
        metadata = load_metadata(scenario, config)
        engine = sa.create_engine(os.environ["DATABASE_URL"], poolclass=sa.pool.NullPool)
        for table in metadata.sorted_tables:
            out["tables"][table.fullname] = check_table(engine, table, [0])
        engine.dispose()
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
