"""How much CPU a second process adds on this machine now: busy loops for 20 s, one process in a
session of its own against two processes in one session and two in two sessions. Prints figures.

On Linux with `sched_autogroup_enabled` = 1 the scheduler shares the CPU between sessions, so on
a busy machine two processes of one session (a build and its workers) get what one would; that
caps `qa build --workers 2` against `--workers 1` there (docs/scale.md).

    python bench/cpu_share.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BUSY = "import os, time\nt = time.time()\nwhile time.time() - t < {s}: pass\nprint(sum(os.times()[:2]))"


def busy(processes: int, sessions: int, seconds: float) -> list[float]:
    """CPU seconds each of `processes` busy loops got in `seconds`, spread over `sessions` sessions."""
    if sessions == 1:  # one new session holding all the loops
        inner = [sys.executable, "-c", f"import subprocess, sys\nps = [subprocess.Popen([sys.executable, '-c', "
                 f"{BUSY.format(s=seconds)!r}], stdout=subprocess.PIPE, text=True) for _ in range({processes})]\n"
                 "print(' '.join(p.communicate()[0].strip() for p in ps))"]
        out = subprocess.run(inner, capture_output=True, text=True, start_new_session=True).stdout
        return [float(x) for x in out.split()]
    procs = [subprocess.Popen([sys.executable, "-c", BUSY.format(s=seconds)], stdout=subprocess.PIPE, text=True,
                              start_new_session=True) for _ in range(processes)]
    return [float(p.communicate()[0]) for p in procs]


def main() -> None:
    autogroup = Path("/proc/sys/kernel/sched_autogroup_enabled")
    print(f"sched_autogroup_enabled: {autogroup.read_text().strip() if autogroup.exists() else 'n/a'}; "
          f"{os.cpu_count()} cores", flush=True)
    for run in (1, 2):
        for processes, sessions in ((1, 1), (2, 1), (2, 2)):
            load = os.getloadavg()[0]
            got = busy(processes, sessions, 20.0)
            print(f"run {run}: {processes} process(es) in {sessions} session(s): {sum(got):.1f} s of CPU in 20 s "
                  f"({', '.join(f'{g:.1f}' for g in got)}); load average {load:.1f}", flush=True)


if __name__ == "__main__":
    main()
