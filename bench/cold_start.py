"""Cold start: `qa ask` on the seed corpus as a brand-new process, end to end.

Builds a seed index per backend in a temporary folder, then times `qa ask "..."` a few times as
fresh processes and prints median wall time and peak memory, with the torch backend as the
baseline. Prints figures; asserts nothing.

    python bench/cold_start.py [--runs 5] [--backends torch onnx-int8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "what happened to Kloop Media"


# Runs `qa` and reports its own peak memory (VmHWM) on stderr at exit.
WRAPPER = """
import atexit, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("VmHWM " + line.split()[1] + "\\n")
atexit.register(peak)
sys.argv = ["qa"] + sys.argv[1:]
from qa.cli import main
raise SystemExit(main())
"""


def run(args: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of one `qa` process."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", WRAPPER, *args], cwd=cwd, check=True,
                          capture_output=True, text=True, env=dict(os.environ, HF_HUB_OFFLINE="1"))
    wall = time.perf_counter() - t
    kb = [int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("VmHWM ")]
    return wall, (kb[-1] / 1024 if kb else float("nan"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--backends", nargs="+", default=["torch", "onnx-int8"])
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "seeds", work / "seeds")
        for backend in args.backends:
            index = f"index-{backend}"
            run(["build", "--index", index, "--backend", backend], work)
            run(["ask", QUESTION, "--index", index], work)  # warm the page cache once
            walls, rss = [], 0.0
            for _ in range(args.runs):
                wall, peak = run(["ask", QUESTION, "--index", index], work)
                walls.append(wall)
                rss = max(rss, peak)
            rows.append((backend, statistics.median(walls), min(walls), rss))
    base = rows[0][1]
    print(f"`qa ask` as a new process, {args.runs} runs each (median / best), peak RSS of each process")
    print(f"{'backend':<12} {'median s':>9} {'best s':>8} {'vs ' + rows[0][0]:>10} {'peak MB':>9}   target")
    for backend, med, best, rss in rows:
        print(f"{backend:<12} {med:9.2f} {best:8.2f} {base / med:9.1f}x {rss:9.0f}   < 2 s")


if __name__ == "__main__":
    main()
