"""migdoc verify's Alembic driver: runs ONE Alembic command in this process and prints its
outcome as one JSON line on stdout. Run with the project's own Python.

usage: driver.py INI URL revisions
       driver.py INI URL upgrade|downgrade TARGET

The URL is set as `sqlalchemy.url` (env.py's that read it get it; the caller also sets the
environment variables env.py reads). A failure is reported as
{"ok": false, "revision": ..., "sqlstate": ..., "error": ..., "exception": ..., "statement": ...}:
`revision` is the outermost frame of the traceback in a revision file (absent when Alembic
refused before running a migration), `sqlstate` the driver's code ("" when the error did not
come from the server), `error` the server's primary message (or the exception's first line).
"""

import json
import os
import sys


def fail(exc, revisions):
    out = {"ok": False}
    tb = exc.__traceback__
    while tb is not None:
        path = os.path.realpath(tb.tb_frame.f_code.co_filename)
        if path in revisions:
            out["revision"] = revisions[path]
            break
        tb = tb.tb_next
    orig = getattr(exc, "orig", None)
    source = orig if orig is not None else exc
    code = getattr(source, "pgcode", None) or getattr(source, "sqlstate", None) or ""
    out["sqlstate"] = code if isinstance(code, str) else ""
    text = str(source).strip() or type(source).__name__
    out["error"] = text.split("\n")[0]
    out["exception"] = type(exc).__name__
    statement = getattr(exc, "statement", None)
    if statement:
        out["statement"] = str(statement)[:2000]
    return out


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    ini, url, command_name, *args = argv
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    # Alembic 1.16+ reads `[tool.alembic]` from pyproject.toml when there is no alembic.ini.
    config = Config(toml_file=ini) if ini.endswith("pyproject.toml") else Config(ini)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # `-x key=URL` for the keys env.py reads with context.get_x_argument().
    x_args = [a for a in os.environ.get("MIGDOC_X_ARGS", "").split("\n") if a]
    if x_args:
        import argparse

        config.cmd_opts = argparse.Namespace(x=x_args)
    revisions = {}
    try:
        script = ScriptDirectory.from_config(config)
        walked = list(script.walk_revisions())
        revisions = {os.path.realpath(s.path): s.revision for s in walked}
        if command_name == "revisions":
            print(json.dumps({"ok": True, "revisions": [s.revision for s in reversed(walked)]}))
            return 0
        getattr(command, command_name)(config, *args)
    except BaseException as exc:  # noqa: BLE001 - every failure is an outcome
        if isinstance(exc, KeyboardInterrupt):
            raise
        print(json.dumps(fail(exc, revisions)))
        return 0
    print(json.dumps({"ok": True}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
