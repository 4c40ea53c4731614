#!/usr/bin/env python3
"""Records what real PostgreSQL does with the real histories (scripts/real-histories): each
history is run by `migdoc verify --versions --catalog-after-each` (real Alembic, an env.py
migdoc writes, a throwaway PostgreSQL) and the outcome of every deploy mode, and of each
revision run one at a time with the catalog after it (enum types and their labels, tables and
their columns; before the first revision of each history too), is written to tests/real_truth/NAME.json. A history of several independent
histories (bases nothing ties together) has each run one revision at a time on a database of its
own, and `upgrade_heads`: all of them in one `alembic upgrade heads`. `tests/cli/truth.rs` holds `migdoc check`'s
errors against these files on every test run, without a database.

usage: scripts/record-truth.py [--install] [NAME ...]     (default: every history in the manifest)
       scripts/record-truth.py --rewrite [NAME ...]     (the recorded files again, in this layout)

A history whose revisions import their own package needs that package: with --install, a venv
per project under target/truth/ gets the pinned release (and psycopg2) from PyPI; without it, a
history whose imports fail is reported and skipped. Histories that import nothing but Alembic
and SQLAlchemy run with the pinned sa20 venv.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRUTH = ROOT / "tests" / "real_truth"


def manifest():
    subprocess.run(["bash", str(ROOT / "scripts" / "real-histories")], check=True)
    rows = []
    for line in (ROOT / "target" / "real-histories" / "manifest.tsv").read_text().splitlines():
        name, version, versions = line.split("\t")
        rows.append((name, version, Path(versions)))
    return rows


def project_of(name):
    """The PyPI project a history ships in (`ckan-ckanext-activity` ships in ckan)."""
    for line in (ROOT / "tests" / "oracle" / "real_histories.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#") and (name == parts[0] or name.startswith(parts[0] + "-")):
            return parts[0], parts[1]
    return None, None


# The distribution that holds what a project's revisions import, when a lighter one does
# (mlflow's revisions import `mlflow.exceptions` and `mlflow.utils`, which mlflow-skinny ships).
DISTRIBUTION = {"mlflow": "mlflow-skinny"}

# What a history presupposes, made the way its project's own initialisation makes it, before the
# first revision (`migdoc verify --prepare`). mlflow's `_initialize_tables` runs
# `InitialBase.metadata.create_all(engine)`, then upgrades.
PREPARE = {
    "mlflow": "python -c 'import os, sqlalchemy; "
              "from mlflow.store.tracking.dbmodels.initial_models import Base; "
              "Base.metadata.create_all(sqlalchemy.create_engine(os.environ[\"MIGDOC_URL\"]))'",
}
# The same schema told to `migdoc check` (`--base-models`): the modules PREPARE's create_all reads.
BASE_MODELS = {"mlflow": ["mlflow.store.tracking.dbmodels.initial_models"]}

# Projects whose revisions need their Flask application (`superset db upgrade` runs them inside
# the app context, through Flask-Migrate): the app (`migdoc verify --flask-app`), the variable its
# configuration reads the database URL from (`--url-env`), and what else it must be given to start.
FLASK_APP = {"apache-superset": "superset.app:create_app()"}
URL_ENV = {"apache-superset": ["SUPERSET__SQLALCHEMY_DATABASE_URI"],
           "apache-airflow": ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]}
ENV = {"apache-superset": {"SUPERSET_SECRET_KEY": "migdoc-truth-recording-only-0123456789"},
       "apache-airflow": {"AIRFLOW_HOME": str(ROOT / "target" / "truth" / "apache-airflow" / "home")}}
# Where a wheel's loose requirements resolve to a release that breaks the app: superset 6.1.0's
# metastore cache does not take Flask-Caching 2.4's `ignore_delete_many_errors`.
PINS = {"apache-superset": ["flask-caching==2.3.1"]}
# The Alembic and SQLAlchemy the project itself requires, when it does not run on the pinned
# ones (superset 6.1.0 and airflow 2.10.5 require SQLAlchemy < 2; langflow-base 1.13.0's lfx
# pins its own).
OWN_STACK = {"apache-superset", "apache-airflow", "langflow-base"}


def python_for(name, install):
    project, version = project_of(name)
    venv = ROOT / "target" / "truth" / project
    py = venv / "bin" / "python"
    if py.exists():
        return py
    if install:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        # Wheels such as ckan's declare no dependencies: Alembic and SQLAlchemy at the versions
        # the recorded truth was made with.
        stack = [] if project in OWN_STACK else ["alembic==1.18.4", "sqlalchemy==2.1.9"]
        subprocess.run([str(py), "-m", "pip", "install", "-q", f"{DISTRIBUTION.get(project, project)}=={version}",
                        "psycopg2-binary", *stack, *PINS.get(project, [])], check=True)
        return py
    sa20 = subprocess.run(["bash", str(ROOT / "scripts" / "pyenv"), "--print-python", "sa20"], check=True,
                          capture_output=True, text=True).stdout.strip()
    return Path(sa20)


def step(s):
    """One revision run on its own, with the catalog right after it (when it ran): enum types with
    their labels, tables with their columns, as PostgreSQL reports them."""
    out = {k: s[k] for k in ("revision", "ok", "sqlstate", "error", "exception", "environment") if k in s}
    # The first revision of each history also has the catalog before it: what `--prepare` or
    # the application made before any revision ran.
    for key in ("catalog_before", "catalog"):
        catalog = s.get(key)
        if catalog is not None:
            out[key] = {
                "types": {n: t["labels"] for n, t in sorted(catalog["types"].items()) if t.get("is_enum", True)},
                "tables": {n: [c["name"] for c in t["columns"]] for n, t in sorted(catalog["tables"].items())},
            }
    return out


def project_root_of(versions):
    """Where a user of the project runs migdoc (as tests/cli/support.rs's `project_root_of`): the
    nearest directory at most three levels above the versions directory that holds alembic.ini,
    else the versions directory. verify then reads the project's env.py for what the generic
    env.py keeps of it (`transaction_per_migration`, the version table)."""
    for d in [versions, *versions.parents][:4]:
        if (d / "alembic.ini").is_file():
            return d
    return versions


def record(name, version, versions, python, migdoc):
    prepare = ["--prepare", PREPARE[name]] if name in PREPARE else []
    flask = ["--flask-app", FLASK_APP[name]] if name in FLASK_APP else []
    url_env = [a for var in URL_ENV.get(name, []) for a in ("--url-env", var)]
    out = subprocess.run([str(migdoc), "verify", str(project_root_of(versions)), "--versions", str(versions), "--python", str(python),
                          "--catalog-after-each", "--step-timeout", "120", "--output-format", "json", *prepare, *flask, *url_env],
                         capture_output=True, text=True, env={**os.environ, **ENV.get(name, {})})
    if out.returncode == 2:
        return None, out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "exit 2"
    verify = json.loads(out.stdout)["verify"]
    keep = ("ok", "skipped", "phase", "revision", "sqlstate", "error", "exception", "environment")
    def mode(run):
        return {k: run[k] for k in keep if k in run}
    truth = {
        "name": name,
        "version": version,
        "alembic": verify["alembic_version"],
        "sqlalchemy": verify["sqlalchemy_version"],
        "postgres": verify["postgres_version"],
        "revisions": verify["revisions"],
        **({"histories": verify["histories"]} if "histories" in verify else {}),
        **({"prepare": PREPARE[name]} if name in PREPARE else {}),
        **({"base_models": BASE_MODELS[name]} if name in BASE_MODELS else {}),
        **({"flask_app": FLASK_APP[name]} if name in FLASK_APP else {}),
        "upgrade_head": mode(verify["upgrade_head"]),
        "step_by_step": mode(verify["step_by_step"]),
        "roundtrip": mode(verify["roundtrip"]),
        **({"upgrade_heads": mode(verify["upgrade_heads"])} if "upgrade_heads" in verify else {}),
        "steps": [step(s) for s in verify["steps"]],
    }
    return truth, None


def firsts(truth):
    """The first revision of each independent history: its catalog starts from nothing."""
    return {h[0] for h in truth.get("histories", []) if h} | ({truth["steps"][0]["revision"]} if truth["steps"] else set())


def expand(truth):
    """Every step's full catalog, from a file where steps carry `catalog_changes`."""
    current = None
    for s in truth["steps"]:
        changes = s.pop("catalog_changes", None)
        if "catalog" in s:
            current = s["catalog"]
        elif changes is not None and current is not None:
            current = {kind: {n: v for n, v in {**current[kind], **changes[kind]}.items() if v is not None}
                       for kind in ("types", "tables")}
            s["catalog"] = current
        else:
            current = None
    return truth


def dump(truth):
    """The truth as JSON with one line per step. A step's catalog is written in full at the first
    revision of each history (and after a step without one); otherwise as `catalog_changes`
    against the step before it: each enum type or table that is new or changed with its labels or
    columns, and null for each one that is gone."""
    head = json.dumps({k: v for k, v in truth.items() if k != "steps"}, indent=1)
    start = firsts(truth)
    lines, previous = [], None
    for s in truth["steps"]:
        s = dict(s)
        catalog = s.get("catalog")
        if catalog is not None and previous is not None and s["revision"] not in start:
            del s["catalog"]
            s["catalog_changes"] = {
                kind: {**{n: v for n, v in catalog[kind].items() if previous[kind].get(n) != v},
                       **{n: None for n in previous[kind] if n not in catalog[kind]}}
                for kind in ("types", "tables")
            }
        previous = catalog
        lines.append("  " + json.dumps(s, separators=(",", ":")))
    return head[:-2] + ',\n "steps": [\n' + ",\n".join(lines) + "\n ]\n}\n"


def main(argv):
    install = "--install" in argv
    names = [a for a in argv if not a.startswith("--")]
    if "--rewrite" in argv:
        # Writes the recorded files again in the current layout, without running anything.
        for path in sorted(TRUTH.glob("*.json")):
            if not names or path.stem in names:
                path.write_text(dump(expand(json.loads(path.read_text()))))
        return
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "migdoc"], cwd=ROOT, check=True)
    migdoc = ROOT / "target" / "release" / "migdoc"
    TRUTH.mkdir(parents=True, exist_ok=True)
    for name, version, versions in manifest():
        if names and name not in names:
            continue
        python = python_for(name, install)
        truth, problem = record(name, version, versions, python, migdoc)
        if truth is None:
            print(f"{name}: not recorded: {problem}", flush=True)
            continue
        (TRUTH / f"{name}.json").write_text(dump(truth))
        ran = sum(1 for s in truth["steps"] if s["ok"])
        failed = [s for s in truth["steps"] if not s["ok"]]
        where = f", fails at {failed[0]['revision']} ({failed[0].get('sqlstate') or failed[0].get('exception')})" if failed else ""
        print(f"{name}: {ran} of {len(truth['revisions'])} revisions ran one at a time{where}; "
              f"upgrade head {'ok' if truth['upgrade_head']['ok'] else 'failed'}, "
              f"round trip {'ok' if truth['roundtrip']['ok'] else 'skipped' if truth['roundtrip'].get('skipped') else 'failed'}",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
