"""Differential oracle: what Alembic itself makes of a migration history.

usage: alembic_oracle.py [--recursive] VERSIONS_DIR [VERSIONS_DIR ...]
       alembic_oracle.py --each VERSIONS_DIR [VERSIONS_DIR ...]   (one history each, one line each)

Run it with the interpreter of the sa20 environment (scripts/pyenv
--print-python sa20). It prints one JSON object on stdout:

    {"mode": "ast", "revisions": [...], "heads": [...], "bases": [...],
     "order": [...], "branch_points": [...], "merge_points": [...],
     "files": N, "error": null}

Id lists are sorted, except "order", which is the order in which
`alembic history` walks the revisions (heads down to bases, as
ScriptDirectory.walk_revisions() yields them). On failure "error" is
"<exception class>: <message>" and fields not known by then are null; the
exit status is 0 whenever the JSON was printed (2 for a usage error).

Migration files are NOT imported (real projects import their own packages
from them). Instead the module-level `revision`, `down_revision`,
`branch_labels` and `depends_on` assignments are read with `ast`, and the
graph is built by Alembic's own RevisionMap from objects of Alembic's own
Revision class, so heads, bases, order and graph errors are Alembic's
verdicts. File selection reuses alembic.script.base's helpers and mirrors
ScriptDirectory._load_revisions / Script._from_path (alembic 1.18.4): only
the .py files directly in each directory (or below it with --recursive,
like `recursive_version_locations`), skipping names starting with
`__init__` or `.#`; a file without `revision` takes its id from a
hexadecimal file name (`<hex>.py`) or fails. Sourceless (.pyc) histories
are not supported.

Alembic merely warns about a duplicate revision id (the last file wins)
and about a missing parent (then fails with a bare KeyError); the oracle
promotes those warnings to errors.
"""

import ast
import json
import re
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

from alembic.script.base import Script, _legacy_rev, _only_source_rev_file
from alembic.script.revision import Revision, RevisionMap

# The names Script.__init__ / Script._from_path read from a migration module.
WANTED = ("revision", "down_revision", "branch_labels", "depends_on")


class NonLiteralValue(Exception):
    """A wanted name is bound to something `ast.literal_eval` can't evaluate."""


class AstScript(Revision):
    """A Revision built from a file's literal assignments, like alembic's Script."""

    def __init__(self, path, names):
        self.path = str(path)
        rev_id = names["revision"]
        labels = names.get("branch_labels")
        self.own_labels = (labels,) if isinstance(labels, str) else tuple(labels or ())
        super().__init__(
            rev_id,
            names["down_revision"],
            dependencies=names.get("depends_on"),
            branch_labels=names.get("branch_labels"),
        )


def list_files(dirs, recursive):
    """Candidate files in the order Alembic loads them (ScriptDirectory._load_revisions)."""
    scriptdir = SimpleNamespace(sourceless=False, recursive_version_locations=recursive)
    seen = set()
    for vers in (Path(d).absolute() for d in dirs):
        if not vers.exists():  # Alembic silently skips missing locations
            continue
        for path in Script._list_py_dir(scriptdir, vers):
            real = path.resolve()
            if real in seen:  # Alembic warns "loaded twice! ignoring"
                print(f"alembic_oracle: {real} listed twice, ignored", file=sys.stderr)
                continue
            seen.add(real)
            if _only_source_rev_file.match(real.name):  # Script._from_path's filter
                yield real


def read_names(path):
    """The last module-level literal binding of each WANTED name in a file.

    Plain (`x = ...`, `x = y = ...`) and annotated (`x: T = ...`) assignments
    count; anything nested in if/try/def blocks is ignored.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # e.g. "\d" in SQL strings
        tree = ast.parse(path.read_bytes(), filename=str(path))
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id in WANTED:
                try:
                    names[target.id] = ast.literal_eval(node.value)
                except (ValueError, TypeError, SyntaxError):
                    raise NonLiteralValue(
                        f"{path.name}:{node.lineno}: {target.id} is not a literal"
                    ) from None
    return names


def make_revision(path):
    """Mirror Script._from_path + Script.__init__ for one file."""
    names = read_names(path)
    if "revision" not in names:
        m = _legacy_rev.match(path.name)
        if not m:
            raise RuntimeError(  # alembic raises util.CommandError here
                f"Could not determine revision id from filename {path.name}. "
                "Be sure the 'revision' variable is declared inside the script"
            )
        names["revision"] = m.group(1)
    if "down_revision" not in names:  # Script.__init__ reads module.down_revision
        module_id = re.sub(r"\W", "_", path.name)
        raise AttributeError(f"module '{module_id}' has no attribute 'down_revision'")
    return AstScript(path, names)


def main(argv):
    if argv[:1] == ["--each"] and len(argv) > 1:
        # One history per directory, one JSON line each: many small graphs in one process.
        for d in argv[1:]:
            json.dump(verdict([d], False), sys.stdout)
            sys.stdout.write("\n")
        return 0
    recursive = "--recursive" in argv
    dirs = [a for a in argv if a != "--recursive"]
    if not dirs or any(a.startswith("-") for a in dirs):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    json.dump(verdict(dirs, recursive), sys.stdout)
    sys.stdout.write("\n")
    return 0


def unmerged_heads(rmap, scripts):
    """The heads a deploy cannot reach as one: grouped by the nearest revision at or below them
    (through down_revision) that declares branch labels, the heads of a group of two or more
    when Alembic refuses `<label>@head` for that group's label (or, unlabelled, `head`)."""
    by_id = {s.revision: s for s in scripts}

    def nearest(head):
        seen, queue = set(), [head]
        while queue:
            rev = queue.pop(0)
            if rev in seen or rev not in by_id:
                continue
            seen.add(rev)
            if by_id[rev].own_labels:
                return rev
            queue.extend(by_id[rev]._versioned_down_revisions)
        return None

    groups = {}
    for head in sorted(rmap.heads):
        groups.setdefault(nearest(head), []).append(head)
    out = []
    for root, heads in groups.items():
        if len(heads) < 2:
            continue
        target = "head" if root is None else f"{by_id[root].own_labels[0]}@head"
        try:
            rmap.get_revisions(target)
        except Exception:
            out.extend(heads)
    return sorted(out)


def verdict(dirs, recursive):
    out = dict(mode="ast", revisions=None, heads=None, bases=None, order=None,
               branch_points=None, merge_points=None, files=0, error=None)
    scripts = []
    try:
        for path in list_files(dirs, recursive):
            out["files"] += 1
            scripts.append(make_revision(path))
        out["revisions"] = sorted({s.revision for s in scripts})

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # see the module docstring
            rmap = RevisionMap(lambda: scripts)
            out["heads"] = sorted(rmap.heads)
            out["bases"] = sorted(rmap.bases)
            # ScriptDirectory.walk_revisions(), i.e. `alembic history`
            out["order"] = [
                r.revision
                for r in rmap.iterate_revisions(
                    "heads", "base", inclusive=True, assert_relative_length=False
                )
            ]
        out["unmerged_heads"] = unmerged_heads(rmap, scripts)
        out["branch_points"] = sorted(s.revision for s in scripts if s.is_branch_point)
        out["merge_points"] = sorted(s.revision for s in scripts if s.is_merge_point)
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
