"""Incremental rebuild cost on SciFact as a folder of documents (issue: rebuilds).

Prints the full build time, then the time to rebuild after adding one document and after
editing one, as ratios of the full build. Nothing is asserted: these are figures to read.

    python bench/incremental.py [--scifact ../shared/eval/scifact] [--limit N] [--backend torch]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from qa import build_index
from qa.config import Settings

HERE = Path(__file__).resolve().parent
DEFAULT_SCIFACT = HERE.parent.parent / "shared" / "eval" / "scifact"


def write_corpus(corpus_jsonl: Path, folder: Path, limit: int | None) -> int:
    """One .txt file per corpus record: title, blank line, text."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(corpus_jsonl, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            (folder / f"{rec['_id']}.txt").write_text(f"{rec['title']}\n\n{rec['text']}\n", encoding="utf-8")
            n += 1
            if limit and n >= limit:
                break
    return n


def timed(label: str, seeds: Path, index: Path, settings: Settings) -> float:
    t = time.perf_counter()
    report = build_index(seeds, index, settings=settings)
    seconds = time.perf_counter() - t
    print(f"{label:<28} {seconds:8.2f} s   {report.summary()}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    ap.add_argument("--limit", type=int, default=None, help="only the first N documents")
    ap.add_argument("--backend", default="torch")
    args = ap.parse_args()
    settings = Settings(backend=args.backend)
    with tempfile.TemporaryDirectory() as tmp:
        seeds, index = Path(tmp) / "docs", Path(tmp) / "index"
        n = write_corpus(args.scifact / "corpus.jsonl", seeds, args.limit)
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
