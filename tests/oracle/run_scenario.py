"""Run a scenario's migrations through real Alembic on a real PostgreSQL.

usage: run_scenario.py SCENARIO_DIR upgrade_head|step_by_step|roundtrip

DATABASE_URL must point at an EMPTY database (env.py reads it). Run it with
the interpreter of a scripts/pyenv environment. Each Alembic command is a
fresh `python -m alembic --raiseerr ...` process in SCENARIO_DIR, as
tests/scenarios/README.md describes the recorded outcomes, and this script
prints the outcome in their shape, one JSON object on stdout:

    {"ok": true}
    {"ok": false, "phase": ..., "revision": ..., "sqlstate": ..., "error": ...,
     "exception": ..., "order": [...]}

`phase` only in roundtrip mode, `revision` only when a migration function
was running, `order` only for upgrade_head on a history with a branch or
merge point. A roundtrip whose first `upgrade head` fails is
{"ok": false, "skipped": true}.

The failure is read from the traceback that `--raiseerr` makes Alembic print:
the exception is the last one printed; the revision is the outermost frame
in a revision file; the SQLSTATE comes from psycopg2's error class (one class
per SQLSTATE), "" when the error did not come from the server.
"""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from psycopg2._psycopg import sqlstate_errors

SQLSTATES = {cls.__name__: code for code, cls in sqlstate_errors.items()}
FRAME = re.compile(r'^  File "(.*)", line \d+, in ', re.M)
DBAPI_ERROR = re.compile(r"\((psycopg2\.[\w.]+)\) ")


def alembic(scenario, revisions, *args):
    """Run one Alembic command; None on success, else the failure's fields."""
    proc = subprocess.run(
        [sys.executable, "-m", "alembic", "--raiseerr", *args],
        cwd=scenario, stdin=subprocess.DEVNULL, capture_output=True, text=True,
    )
    if proc.returncode == 0:
        return None
    _, header, last = proc.stderr.rpartition("Traceback (most recent call last):\n")
    if not header:
        sys.exit(f"alembic {' '.join(args)} failed without a traceback:\n{proc.stderr}")
    lines = last.splitlines()
    cls, _, message = next(l for l in lines if l and not l.startswith(" ")).partition(": ")

    failure = {}
    frames = (Path(f).resolve() for f in FRAME.findall(last))
    revision = next((revisions[f] for f in frames if f in revisions), None)
    if revision is not None:
        failure["revision"] = revision
    # SQLAlchemy wraps the driver's exception: "(psycopg2.errors.UndefinedObject) message"
    error_class = cls
    if dbapi := DBAPI_ERROR.match(message):
        error_class, message = dbapi.group(1), message[dbapi.end():]
    name = error_class.removeprefix("psycopg2.errors.")
    failure["sqlstate"] = SQLSTATES.get(name, "") if name != error_class else ""
    # Object addresses (`<... object at 0x7f...>` in a CompileError) differ from run to run.
    failure["error"] = re.sub(r" at 0x[0-9a-f]+", "", message.split("\n")[0])
    failure["exception"] = cls.rsplit(".", 1)[-1]
    return failure


def main(argv):
    if len(argv) != 2 or argv[1] not in ("upgrade_head", "step_by_step", "roundtrip"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    scenario, mode = Path(argv[0]).resolve(), argv[1]
    script = ScriptDirectory.from_config(Config(str(scenario / "alembic.ini")))
    revisions = {Path(s.path).resolve(): s.revision for s in script.walk_revisions()}

    def run(*args):
        return alembic(scenario, revisions, *args)

    if mode == "upgrade_head":
        failure = run("upgrade", "head")
        out = {"ok": failure is None, **(failure or {})}
        if any(s.is_branch_point or s.is_merge_point for s in script.walk_revisions()):
            # The plan Alembic follows on an empty database (command.upgrade), up to the failure.
            try:
                order = [step.revision.revision for step in script._upgrade_revs("head", ())]
            except CommandError:  # e.g. multiple heads: nothing was applied
                order = []
            if failure and failure.get("revision") in order:
                order = order[: order.index(failure["revision"]) + 1]
            out["order"] = order
    elif mode == "step_by_step":
        steps = tomllib.loads((scenario / "scenario.toml").read_text())["step_order"]
        failure = None
        for rev in steps:
            if failure := run("upgrade", rev):
                break
        out = {"ok": failure is None, **(failure or {})}
    elif run("upgrade", "head"):
        out = {"ok": False, "skipped": True}
    else:
        failure = None
        for phase, args in (("downgrade", ("downgrade", "base")), ("upgrade", ("upgrade", "head"))):
            if failure := run(*args):
                failure = {"phase": phase, **failure}
                break
        out = {"ok": failure is None, **(failure or {})}
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
