"""Record the outcomes of replay scenarios on a throwaway PostgreSQL.

usage: record_scenarios.py SCENARIO_DIR [SCENARIO_DIR ...]

Runs next to the throwaway PostgreSQL of migdoc_pg:

    cargo run -q -p migdoc_pg --example with_cluster -- python3 tests/oracle/record_scenarios.py tests/scenarios/NAME

For each scenario, each environment of scripts/pyenv (sa20, sa21, sa14; or the scenario's own
`environments` list, for constructs an older SQLAlchemy lacks) and each mode (upgrade_head,
step_by_step, roundtrip) it creates a fresh empty database, runs tests/oracle/run_scenario.py
SCENARIO_DIR MODE with that environment's interpreter and DATABASE_URL pointing at the
database, drops the database, and rewrites `step_order` and the `[outcome.*]` sections of
scenario.toml (everything from the `step_order` line to the end) with what it printed. The
`description` and `postgres` lines above are kept. Needs only the standard library.
"""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record_models import REPO, Cluster, python_of, toml_value  # noqa: E402

RUN = REPO / "tests" / "oracle" / "run_scenario.py"
MODES = ("upgrade_head", "step_by_step", "roundtrip")
# SQLAlchemy 2.0, 2.1 and 1.4 (the oldest Alembic 1.18 runs on).
ENVS = ("sa20", "sa21", "sa14")


def step_order(python, scenario):
    code = ("import sys; from alembic.config import Config; from alembic.script import ScriptDirectory; "
            "s = ScriptDirectory.from_config(Config(sys.argv[1])); "
            "print(' '.join(r.revision for r in reversed(list(s.walk_revisions()))))")
    out = subprocess.run([python, "-c", code, str(scenario / "alembic.ini")], check=True, capture_output=True, text=True)
    return out.stdout.split()


def record(cluster, pythons, scenario, n):
    # run_scenario.py reads step_order: write it first.
    order = step_order(pythons["sa20"], scenario)
    toml = scenario / "scenario.toml"
    text = toml.read_text()
    envs = tomllib.loads(text).get("environments", ENVS)
    cut = re.search(r"^step_order", text, re.M) or re.search(r"^\[outcome\.", text, re.M)
    head = (text[: cut.start()] if cut else text).rstrip("\n") + "\n"
    head += "step_order = [" + ", ".join(json.dumps(r) for r in order) + "]\n"
    toml.write_text(head)
    outcomes = {}
    for env in envs:
        outcomes[env] = {}
        for mode in MODES:
            db = f"scenario_{n}_{env}_{mode}"
            cluster.sql(f"CREATE DATABASE {db}")
            try:
                proc = subprocess.run([pythons[env], str(RUN), str(scenario), mode],
                                      env={**__import__("os").environ, "DATABASE_URL": cluster.url(db)},
                                      stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=scenario)
            finally:
                cluster.sql(f"DROP DATABASE {db}")
            if proc.returncode != 0:
                sys.exit(f"{scenario.name} ({env}, {mode}): run_scenario.py failed:\n{proc.stderr}")
            outcomes[env][mode] = json.loads(proc.stdout)
    body = ""
    for env, modes in outcomes.items():
        body += f"\n[outcome.{env}]\n"
        for mode in MODES:
            body += f"{mode} = {toml_value(modes[mode])}\n"
    toml.write_text(head + body)


def main(argv):
    if not argv or any(a.startswith("-") for a in argv):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    pythons = {env: python_of(env) for env in ENVS}
    cluster = Cluster()
    for n, scenario in enumerate(Path(a).resolve() for a in argv):
        record(cluster, pythons, scenario, n)
        print(f"recorded {scenario.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
