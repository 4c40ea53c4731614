"""Record the outcomes of the model scenarios on a throwaway PostgreSQL.

usage: record_models.py [SCENARIO_DIR ...]     (default: every tests/model_scenarios/*/)

Runs next to the throwaway PostgreSQL of migdoc_pg (the cluster logic lives
there once):

    cargo run -q -p migdoc_pg --example with_cluster -- python3 tests/oracle/record_models.py

For each scenario and each environment of scripts/pyenv (sa20, sa21) it
creates a fresh empty database, runs tests/oracle/run_models.py SCENARIO_DIR
with that environment's interpreter and DATABASE_URL pointing at the
database, drops the database, and rewrites the scenario's `[outcome.*]`
sections (everything from the first `[outcome.` line to the end of
scenario.toml) with what run_models.py printed.

psql comes from PATH, else PG_BIN (default /usr/lib/postgresql/15/bin).
Needs only the standard library.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "tests" / "model_scenarios"
RUN_MODELS = REPO / "tests" / "oracle" / "run_models.py"
ENVS = ("sa20", "sa21")
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
# Key order of a recorded check or upgrade result.
ORDER = ("ok", "skipped", "revision", "sqlstate", "error", "exception", "column", "type")
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class Cluster:
    """The server `with_cluster` started (libpq's PGHOST / PGPORT / PGUSER)."""

    def __init__(self):
        if "PGHOST" not in os.environ:
            sys.exit("record_models.py needs a server: run it as\n"
                     "  cargo run -q -p migdoc_pg --example with_cluster -- python3 tests/oracle/record_models.py")
        self.host = os.environ["PGHOST"]
        self.port = os.environ.get("PGPORT", "5432")

    def sql(self, statement):
        subprocess.run(
            [shutil.which("psql") or str(PG_BIN / "psql"), "-q", "-X", "-d", "postgres",
             "-v", "ON_ERROR_STOP=1", "-c", statement],
            check=True, stdin=subprocess.DEVNULL,
        )

    def url(self, db):
        return f"postgresql+psycopg2://postgres@/{db}?host={self.host}&port={self.port}"


def python_of(env):
    out = subprocess.run([str(REPO / "scripts" / "pyenv"), "--print-python", env],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), k))
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v[k])}" for k in keys) + " }"
    raise TypeError(f"no TOML form for {v!r}")


def toml_key(k):
    return k if BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def outcome_toml(outcomes):
    out = []
    for env, result in outcomes.items():
        out.append(f"\n[outcome.{env}]\nupgrade = {toml_value(result['upgrade'])}\n")
        if not result["tables"]:
            out.append("tables = {}\n")
        for table, checks in result["tables"].items():
            out.append(f"\n[outcome.{env}.tables.{toml_key(table)}]\n")
            for check in ("insert_full", "insert_required", "read"):
                out.append(f"{check} = {toml_value(checks[check])}\n")
    return "".join(out)


def record(cluster, pythons, scenario, n):
    outcomes = {}
    for env in ENVS:
        db = f"models_{n}_{env}"
        cluster.sql(f"CREATE DATABASE {db}")
        try:
            proc = subprocess.run(
                [pythons[env], str(RUN_MODELS), str(scenario)],
                env={**os.environ, "DATABASE_URL": cluster.url(db)},
                stdin=subprocess.DEVNULL, capture_output=True, text=True,
            )
        finally:
            cluster.sql(f"DROP DATABASE {db}")
        if proc.returncode != 0:
            sys.exit(f"{scenario.name} ({env}): run_models.py failed:\n{proc.stderr}")
        outcomes[env] = json.loads(proc.stdout)
    toml = scenario / "scenario.toml"
    text = toml.read_text()
    cut = re.search(r"^\[outcome\.", text, re.M)
    head = (text[: cut.start()] if cut else text).rstrip("\n") + "\n"
    toml.write_text(head + outcome_toml(outcomes))


def main(argv):
    if any(a.startswith("-") for a in argv):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    scenarios = [Path(a).resolve() for a in argv] or sorted(
        p for p in SCENARIOS.iterdir() if (p / "scenario.toml").is_file()
    )
    pythons = {env: python_of(env) for env in ENVS}
    cluster = Cluster()
    for n, scenario in enumerate(scenarios):
        record(cluster, pythons, scenario, n)
        print(f"recorded {scenario.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
