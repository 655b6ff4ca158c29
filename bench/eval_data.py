"""Where the benchmarks find the public evaluation sets: one place for the path.

The sets live in `shared/eval/` next to the checkout or above it (each has a SOURCE.md); set
QA_EVAL_DIR, or pass --scifact to a script, to use another copy.

>>> SCIFACT.name
'scifact'
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _eval_dir() -> Path:
    if os.environ.get("QA_EVAL_DIR"):
        return Path(os.environ["QA_EVAL_DIR"])
    found = [p / "shared" / "eval" for p in ROOT.parents if (p / "shared" / "eval").is_dir()]
    return found[0] if found else ROOT.parent / "shared" / "eval"


EVAL_DIR = _eval_dir()
SCIFACT = EVAL_DIR / "scifact"
