"""Speed benchmark: `migdoc check` against `alembic heads` on a generated history.

usage: python3 scripts/bench.py [N ...]   (default: 2000)

Builds migdoc in release mode, generates an N-revision project with ../shared/bench/gen_corpus.py
(cached under target/bench/), and times each command over repeated runs (wall clock, after one
warm-up run). `alembic heads` runs in the pinned venv from scripts/pyenv.
"""
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT.parent / "shared" / "bench" / "gen_corpus.py"


def timed(cmd, cwd, runs):
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.mean(samples), min(samples)


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [2000]
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "migdoc"], cwd=ROOT, check=True)
    migdoc = str(ROOT / "target" / "release" / "migdoc")
    python = subprocess.run(["bash", str(ROOT / "scripts" / "pyenv"), "--print-python", "sa20"],
                            check=True, capture_output=True, text=True).stdout.strip()
    alembic = str(Path(python).parent / "alembic")
    print(f"{'revisions':>10} {'migdoc check':>16} {'alembic heads':>16} {'ratio':>8}")
    for n in sizes:
        project = ROOT / "target" / "bench" / f"corpus{n}"
        if not (project / "alembic.ini").exists():
            subprocess.run([sys.executable, str(GEN), str(project), str(n)], check=True, stdout=subprocess.DEVNULL)
        runs = 20 if n <= 5000 else 5
        m_mean, m_min = timed([migdoc, "check", str(project), "--output-format", "concise"], project, runs)
        a_mean, a_min = timed([alembic, "heads"], project, max(3, runs // 4))
        print(f"{n:>10} {m_mean:>9.1f} ms mean {a_mean:>9.1f} ms mean {a_mean / m_mean:>7.1f}x")
        print(f"{'':>10} {m_min:>10.1f} ms min {a_min:>10.1f} ms min")


if __name__ == "__main__":
    main()
