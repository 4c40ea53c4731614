"""migdoc verify's Alembic driver, run with the project's own Python as `python -c DRIVER ...`
(no file to leave behind). The database URL comes in the environment variable MIGDOC_URL, never
on the command line (it may hold a password).

usage: -c DRIVER INI revisions          (the base-to-head order, and the independent histories)
       -c DRIVER INI upgrade|downgrade TARGET
       -c DRIVER INI steps REV...
       -c DRIVER INI sql RANGE

`upgrade`/`downgrade` run ONE Alembic command and print its outcome as one JSON line. `steps`
runs `alembic upgrade REV` for each REV in turn, each as its own Alembic run (a new Config,
env.py executed again, a new connection and MigrationContext, so SQLAlchemy's per-run memo and
the transaction start afresh, as in a deploy that runs one revision per process; the revision
files themselves are read once), printing one JSON line per revision (with "step": REV) as soon
as it ends, and stopping at the first failure (with MIGDOC_STEP_WAIT, it first prints
{"ok": true, "ready": true} and waits for a line on stdin before the first revision and after
each one, so that the caller can read the database in between). `sql` runs `alembic upgrade RANGE --sql` (offline:
no connection; MIGDOC_URL only names the dialect) and prints {"ok": true, "sql": TEXT}.

A failure is reported as
{"ok": false, "revision": ..., "sqlstate": ..., "error": ..., "exception": ..., "statement": ...}:
`revision` is the outermost frame of the traceback in a revision file (absent when Alembic
refused before running a migration), `sqlstate` the driver's code ("" when the error did not
come from the server), `error` the server's primary message (or the exception's first line).
A module the project's migrations import and this Python lacks is {"ok": false, "missing": NAME}.
With MIGDOC_FLASK_APP (`--flask-app`), everything runs inside that Flask application's app
context, found the way `flask --app` finds it.
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
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        out["missing"] = exc.name
    statement = getattr(exc, "statement", None)
    if statement:
        out["statement"] = str(statement)[:2000]
    return out


def histories(walked, order):
    """The independent histories, each in base-to-head order: revisions tied together through
    down_revision or depends_on (Alembic's own resolved links)."""
    parent = {s.revision: s.revision for s in walked}

    def root(r):
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for s in walked:
        links = getattr(s, "_all_down_revisions", None)
        if links is None:
            down = s.down_revision
            links = (down if isinstance(down, (tuple, list)) else (down,) if down else ()) + tuple(s.dependencies or ())
        for other in links:
            if other in parent:
                a, b = root(s.revision), root(other)
                if a != b:
                    parent[a] = b
    out = {}
    for r in order:
        out.setdefault(root(r), []).append(r)
    return list(out.values())


def announce_each_revision():
    """Prints `migdoc-progress REV` as each migration function starts (the caller bounds each
    revision's time, not only the command's). Where Alembic's steps differ from what this wraps,
    nothing is printed."""
    try:
        import functools

        from alembic.runtime import migration
    except ImportError:
        return
    step = getattr(migration, "RevisionStep", None)
    if step is None:
        return
    init = step.__init__

    def init_announced(self, revision_map, revision, is_upgrade, *args, **kwargs):
        init(self, revision_map, revision, is_upgrade, *args, **kwargs)
        fn = getattr(self, "migration_fn", None)
        if fn is None:
            return

        @functools.wraps(fn)
        def announced(*a, **kw):
            print("migdoc-progress " + str(getattr(revision, "revision", "")), flush=True)
            return fn(*a, **kw)

        self.migration_fn = announced

    step.__init__ = init_announced


def emit(out):
    print(json.dumps(out), flush=True)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ini, command_name, *args = argv
    url = os.environ.get("MIGDOC_URL", "")
    try:
        from alembic import command
        from alembic.config import Config
        from alembic.script import ScriptDirectory
    except ImportError as exc:
        emit({"ok": False, "missing": exc.name or "alembic", "error": str(exc), "exception": type(exc).__name__})
        return 0
    # The project's module roots come after Alembic is imported, as with the `alembic` command
    # (which imports itself before `prepend_sys_path`): a migrations directory named `alembic`
    # beside alembic.ini (langflow's) must not shadow the library.
    for path in reversed([p for p in os.environ.get("MIGDOC_SYS_PATH", "").split("\n") if p]):
        sys.path.insert(0, path)
    if os.environ.get("MIGDOC_PROGRESS") == "1":
        announce_each_revision()
    flask_app = os.environ.get("MIGDOC_FLASK_APP")
    if flask_app:
        # `--flask-app`: the app is found as `flask --app` finds it, and its app context stays
        # pushed for the whole run, as in `flask db upgrade`.
        try:
            from flask.cli import ScriptInfo

            ScriptInfo(app_import_path=flask_app).load_app().app_context().push()
        except BaseException as exc:  # noqa: BLE001 - every failure is an outcome
            if isinstance(exc, KeyboardInterrupt):
                raise
            emit(fail(exc, {}))
            return 0

    def config():
        # Alembic 1.16+ reads `[tool.alembic]` from pyproject.toml when there is no alembic.ini.
        cfg = Config(toml_file=ini) if ini.endswith("pyproject.toml") else Config(ini)
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        # `-x key=URL` for the keys env.py reads with context.get_x_argument().
        x_args = [a for a in os.environ.get("MIGDOC_X_ARGS", "").split("\n") if a]
        if x_args:
            import argparse

            cfg.cmd_opts = argparse.Namespace(x=x_args)
        return cfg

    revisions = {}
    try:
        script = ScriptDirectory.from_config(config())
        walked = list(script.walk_revisions())
        revisions = {os.path.realpath(s.path): s.revision for s in walked}
    except BaseException as exc:  # noqa: BLE001 - every failure is an outcome
        if isinstance(exc, KeyboardInterrupt):
            raise
        emit(fail(exc, revisions))
        return 0
    if command_name == "revisions":
        order = [s.revision for s in reversed(walked)]
        emit({"ok": True, "revisions": order, "histories": histories(walked, order)})
        return 0
    if command_name == "sql":
        import io

        buffer = io.StringIO()
        cfg = config()
        cfg.output_buffer = buffer
        try:
            command.upgrade(cfg, args[0], sql=True)
        except BaseException as exc:  # noqa: BLE001 - every failure is an outcome
            if isinstance(exc, KeyboardInterrupt):
                raise
            emit(fail(exc, revisions))
            return 0
        emit({"ok": True, "sql": buffer.getvalue()})
        return 0
    if command_name == "steps":
        # The revision files are read once per process (as pytest-alembic does): every run
        # still gets its own Config, env.py, connection and MigrationContext.
        from_config = ScriptDirectory.from_config.__func__
        cached = {}

        def reuse_revision_map(cls, cfg):
            directory = from_config(cls, cfg)
            if "map" in cached:
                directory.revision_map = cached["map"]
            else:
                cached["map"] = directory.revision_map
            return directory

        ScriptDirectory.from_config = classmethod(reuse_revision_map)
    steps = [(rev, "upgrade", [rev]) for rev in args] if command_name == "steps" else [(None, command_name, args)]
    wait = os.environ.get("MIGDOC_STEP_WAIT") == "1"
    if wait:
        # Ready, before the first revision (the application, if any, has started): the caller
        # reads the database as the history finds it.
        emit({"ok": True, "ready": True})
        if not sys.stdin.readline():
            return 0
    for i, (step, name, step_args) in enumerate(steps):
        # With MIGDOC_STEP_WAIT, the caller reads the database between two revisions.
        if wait and i > 0 and not sys.stdin.readline():
            return 0
        try:
            getattr(command, name)(config(), *step_args)
        except BaseException as exc:  # noqa: BLE001 - every failure is an outcome
            if isinstance(exc, KeyboardInterrupt):
                raise
            out = fail(exc, revisions)
            if step is not None:
                out["step"] = step
            emit(out)
            return 0
        emit({"ok": True, "step": step} if step is not None else {"ok": True})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
