#!/usr/bin/env python3
"""Records what real PostgreSQL does with the real histories (scripts/real-histories): each
history is run by `migdoc verify --versions --catalog-after-each` (real Alembic, an env.py
migdoc writes, a throwaway PostgreSQL) and the outcome of every deploy mode, and of each
revision run one at a time with the catalog after it (enum types and their labels, tables and
their columns), is written to tests/real_truth/NAME.json. A history of several independent
histories (bases nothing ties together) has each run one revision at a time on a database of its
own, and `upgrade_heads`: all of them in one `alembic upgrade heads`. `tests/cli/truth.rs` holds `migdoc check`'s
errors against these files on every test run, without a database.

usage: scripts/record-truth.py [--install] [NAME ...]     (default: every history in the manifest)

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
        subprocess.run([str(py), "-m", "pip", "install", "-q", f"{DISTRIBUTION.get(project, project)}=={version}",
                        "psycopg2-binary", "alembic==1.18.4", "sqlalchemy==2.1.9"], check=True)
        return py
    sa20 = subprocess.run(["bash", str(ROOT / "scripts" / "pyenv"), "--print-python", "sa20"], check=True,
                          capture_output=True, text=True).stdout.strip()
    return Path(sa20)


def step(s):
    """One revision run on its own, with the catalog right after it (when it ran): enum types with
    their labels, tables with their columns, as PostgreSQL reports them."""
    out = {k: s[k] for k in ("revision", "ok", "sqlstate", "error", "exception", "environment") if k in s}
    catalog = s.get("catalog")
    if catalog is not None:
        out["catalog"] = {
            "types": {n: t["labels"] for n, t in sorted(catalog["types"].items()) if t.get("is_enum", True)},
            "tables": {n: [c["name"] for c in t["columns"]] for n, t in sorted(catalog["tables"].items())},
        }
    return out


def record(name, version, versions, python, migdoc):
    prepare = ["--prepare", PREPARE[name]] if name in PREPARE else []
    out = subprocess.run([str(migdoc), "verify", str(versions), "--versions", str(versions), "--python", str(python),
                          "--catalog-after-each", "--output-format", "json", *prepare], capture_output=True, text=True)
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
        "upgrade_head": mode(verify["upgrade_head"]),
        "step_by_step": mode(verify["step_by_step"]),
        "roundtrip": mode(verify["roundtrip"]),
        **({"upgrade_heads": mode(verify["upgrade_heads"])} if "upgrade_heads" in verify else {}),
        "steps": [step(s) for s in verify["steps"]],
    }
    return truth, None


def dump(truth):
    """The truth as JSON with one line per step (a step's catalog is long)."""
    steps = truth["steps"]
    head = json.dumps({k: v for k, v in truth.items() if k != "steps"}, indent=1)
    lines = ",\n".join("  " + json.dumps(s, separators=(",", ":")) for s in steps)
    return head[:-2] + ',\n "steps": [\n' + lines + "\n ]\n}\n"


def main(argv):
    install = "--install" in argv
    names = [a for a in argv if not a.startswith("--")]
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
