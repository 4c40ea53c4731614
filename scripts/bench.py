"""Speed comparison users can reproduce: `migdoc check` against what they would otherwise run, on
the same generated history, cold and warm.

usage: python3 scripts/bench.py [--runs K] [--no-pipeline] [N ...]   (default: 2000)

For each N it generates an N-revision project with scripts/gen_corpus.py (cached under
target/bench/) and times, wall clock, after one warm-up run each:
  - `migdoc check`              (release build; parse, graph, IR, replay in 3 deploy modes, rules)
  - `alembic heads`             (Alembic loading the same history; the cheapest thing it does)
  - `alembic upgrade head --sql | squawk`   (offline SQL for the whole history, linted by squawk;
                                 needs an offline branch in env.py, which the generated env.py
                                 lacks, so it runs on a copy whose env.py has one)
in two states, each compared only with itself:
  - cold: `migdoc check --no-cache`; Python without bytecode (PYTHONDONTWRITEBYTECODE=1 and no
    __pycache__), so Alembic compiles every revision file;
  - warm: migdoc's cache (.migdoc_cache) written by the warm-up run; Python's __pycache__ written
    by its warm-up run. This is the state of a developer's second commit.
The operating system's file cache is warm in both (the warm-up run reads every file).
It prints the means, the minimums, the ratios and migdoc's peak memory (max RSS). Alembic and
squawk-cli come from the pinned `bench` venv (scripts/pyenv bench). The pipeline is skipped above
10,000 revisions (minutes per run) and with --no-pipeline.
"""
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT / "scripts" / "gen_corpus.py"

OFFLINE = '''if context.is_offline_mode():
    context.configure(url="postgresql://", target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
'''


def timed(cmd, cwd, runs, shell=False, env=None):
    run = lambda: subprocess.run(cmd, cwd=cwd, shell=shell, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    run()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.mean(samples), min(samples)


def python_env(warm):
    """Python with its bytecode cache (warm) or without it (cold)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not warm:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def drop_caches(project):
    for d in list(project.rglob("__pycache__")) + list(project.glob(".migdoc_cache")):
        shutil.rmtree(d, ignore_errors=True)


def peak_rss_mb(cmd, cwd):
    """Max RSS of one run, measured in a child of its own so that no earlier run counts."""
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def offline_copy(project):
    copy = project.with_name(project.name + "-offline")
    if not (copy / "alembic.ini").exists():
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".migdoc_cache", "__pycache__"))
        env = copy / "migrations" / "env.py"
        text = env.read_text().rstrip()
        assert text.endswith("run_migrations_online()"), "unexpected env.py from gen_corpus.py"
        env.write_text(text[: -len("run_migrations_online()")] + OFFLINE)
    return copy


def main():
    args = sys.argv[1:]
    runs = 20
    pipeline = True
    sizes = []
    while args:
        a = args.pop(0)
        if a == "--runs":
            runs = int(args.pop(0))
        elif a == "--no-pipeline":
            pipeline = False
        else:
            sizes.append(int(a))
    sizes = sizes or [2000]
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "migdoc"], cwd=ROOT, check=True)
    migdoc = str(ROOT / "target" / "release" / "migdoc")
    python = subprocess.run(["bash", str(ROOT / "scripts" / "pyenv"), "--print-python", "bench"],
                            check=True, capture_output=True, text=True).stdout.strip()
    alembic = str(Path(python).parent / "alembic")
    squawk = str(Path(python).parent / "squawk")
    rows = []
    for n in sizes:
        project = ROOT / "target" / "bench" / f"gen-{n}"
        if not (project / "alembic.ini").exists():
            subprocess.run([sys.executable, str(GEN), str(project), str(n)], check=True, stdout=subprocess.DEVNULL)
        copy = offline_copy(project) if pipeline and n <= 10000 else None
        k = runs if n <= 5000 else max(3, runs // 4)
        for warm in (False, True):
            for d in (project, copy):
                if d:
                    drop_caches(d)
            check = [migdoc, "check", str(project), "--output-format", "concise"] + ([] if warm else ["--no-cache"])
            m = timed(check, project, k)
            rss = peak_rss_mb(check, project)
            env = python_env(warm)
            a = timed([alembic, "heads"], project, max(3, k // 4), env=env)
            p = None
            if copy:
                cmd = f"'{alembic}' upgrade head --sql 2>/dev/null | '{squawk}' >/dev/null 2>&1"
                p = timed(cmd, copy, 3, shell=True, env=env)
            rows.append({"n": n, "warm": warm, "m": m, "rss": rss, "a": a, "p": p})
            print_table(rows)
        for d in (project, copy):
            if d:
                drop_caches(d)


def print_table(rows):
    print()
    print("| revisions | state | `migdoc check` mean (min) | peak memory | `alembic heads` mean (min) | ratio | `alembic upgrade head --sql \\| squawk` mean (min) | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        m_mean, m_min = r["m"]
        a_mean, a_min = r["a"]
        state = "warm" if r["warm"] else "cold"
        line = f"| {r['n']:,} | {state} | {m_mean:.1f} ms ({m_min:.1f}) | {r['rss']:.0f} MB | {a_mean:,.0f} ms ({a_min:,.0f}) | {a_mean / m_mean:.1f}x |"
        if r["p"]:
            p_mean, p_min = r["p"]
            line += f" {p_mean:,.0f} ms ({p_min:,.0f}) | {p_mean / m_mean:.0f}x |"
        else:
            line += " not run | |"
        print(line)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
