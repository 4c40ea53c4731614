"""Seeds the fuzz corpora from the repository's own projects (deterministic; standard library only).

usage: python3 fuzz/seed.py
check:  each scenario project as one input (env.py and its revision files joined by the separator)
        and each revision file alone, plus every 12th revision of the real histories that
        scripts/real-histories downloads (when they are under target/); sql: every string handed to op.execute / sa.text;
config: every alembic.ini and pyproject.toml; quote and graph: a few hand-written inputs.
libFuzzer adds what it finds to the same folders; `cargo fuzz cmin` keeps them small.
"""
import ast
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
SEP = b"\n#%%\n"


def put(target, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def projects():
    for parent in ["tests/scenarios", "tests/model_scenarios", "examples"]:
        for p in sorted((ROOT / parent).iterdir()):
            if (p / "alembic.ini").exists():
                yield p


def main():
    for project in projects():
        env = sorted(project.glob("**/env.py"))
        versions = sorted(project.glob("**/versions/*.py"))
        parts = [b"# env.py\n" + e.read_bytes() for e in env[:1]] + [v.read_bytes() for v in versions]
        put("check", SEP.join(parts))
        for v in versions:
            put("check", v.read_bytes())
            try:
                tree = ast.parse(v.read_text())
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("execute", "text"):
                    for arg in node.args:
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                            put("sql", arg.value.encode())
        for name in ["alembic.ini", "pyproject.toml", "migdoc.toml"]:
            if (project / name).exists():
                put("config", (project / name).read_bytes())
    real = ROOT / "target" / "real-histories"
    for project in sorted(p for p in real.iterdir() if p.is_dir()) if real.is_dir() else []:
        for f in sorted(project.glob("**/versions/**/*.py"))[::12]:
            put("check", f.read_bytes())
    put("config", b'[tool.migdoc]\nselect = ["MD1"]\nignore = ["MD215"]\nseverity = { MD106 = "warning" }\npostgres-version = 15\n')
    put("config", b'[tool.alembic]\nscript_location = "%(here)s/migrations"\nversion_locations = ["a", "b"]\n')
    for name, label in [("mood", "it's"), ("Weird\"Name", "back\\slash"), ("s.t", "\u00e9t\u00e9 \U0001f600"), ("x" * 70, "y" * 70)]:
        put("quote", name.encode() + b"\x01" + label.encode())
    for seed in [b"\x00\x00\x01\x01\x01\x00\x02\x01\x01\x00", bytes(range(64)), b"\x10\x01\x10\x03\xff"]:
        put("graph", seed)


if __name__ == "__main__":
    main()
