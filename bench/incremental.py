"""Incremental rebuild cost on SciFact as a folder of documents (issue: rebuilds).

Prints the full build time, then the time to rebuild after adding one document and after
editing one, as ratios of the full build. Nothing is asserted: these are figures to read.

    python bench/incremental.py [--scifact DIR] [--limit N] [--backend torch]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from itertools import islice
from pathlib import Path

from eval_data import SCIFACT
from qa import build_index
from qa.config import Settings
from qa.evaluate import load_beir, write_corpus


def timed(label: str, seeds: Path, index: Path, settings: Settings) -> float:
    t = time.perf_counter()
    report = build_index(seeds, index, settings=settings)
    seconds = time.perf_counter() - t
    print(f"{label:<28} {seconds:8.2f} s   {report.summary()}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scifact", type=Path, default=SCIFACT)
    ap.add_argument("--limit", type=int, default=None, help="only the first N documents")
    ap.add_argument("--backend", default="torch")
    args = ap.parse_args()
    settings = Settings(backend=args.backend)
    with tempfile.TemporaryDirectory() as tmp:
        seeds, index = Path(tmp) / "docs", Path(tmp) / "index"
        data = load_beir(args.scifact)
        data = replace(data, corpus=dict(islice(data.corpus.items(), args.limit)))
        n = len(write_corpus(data, seeds))
        print(f"corpus: {n} documents from {args.scifact}; backend {args.backend}")
        full = timed("full build", seeds, index, settings)
        (seeds / "zz-new.txt").write_text("A new study of yak milk\n\nYak milk contains more fat "
                                          "and protein than cow milk, a new survey finds.\n", encoding="utf-8")
        add = timed("add one document", seeds, index, settings)
        first = sorted(seeds.glob("*.txt"))[0]
        first.write_text(first.read_text(encoding="utf-8") + "\nAn added closing sentence.\n", encoding="utf-8")
        edit = timed("edit one document", seeds, index, settings)
        noop = timed("nothing changed", seeds, index, settings)
        print()
        print(f"{'rebuild':<20} {'seconds':>8} {'of full build':>14}   target")
        for label, secs in (("add one", add), ("edit one", edit), ("no change", noop)):
            print(f"{label:<20} {secs:8.2f} {secs / full:14.2%}   < 5%")


if __name__ == "__main__":
    main()
