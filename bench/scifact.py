"""SciFact retrieval quality: each search mode next to the published references (issue #3).

Runs the same evaluation as `qa eval` on the BEIR SciFact test split and prints nDCG@10,
Recall@10, Recall@100 and MRR@10 per mode, query latency, build time, and the reference rows
of the data folder's SOURCE.md underneath. Nothing is asserted: these are figures to read.

    python bench/scifact.py [--scifact DIR] [--index /tmp/scifact-index] [--json]

With --index the index is kept, so a rerun (say, after changing fusion settings) reuses its
vectors and takes seconds instead of minutes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from eval_data import SCIFACT
from qa.config import Settings
from qa.evaluate import evaluate

TARGETS = {"dense": 0.665, "lexical": 0.665, "hybrid": 0.70}  # nDCG@10, from issue #3


def references(source_md: Path) -> list[tuple[str, str, str, str]]:
    """(system, nDCG@10, Recall@10, Recall@100) rows of the 'Reference scores' table."""
    if not source_md.is_file():
        return []
    text = source_md.read_text(encoding="utf-8")
    section = text.split("## Reference scores", 1)[-1] if "## Reference scores" in text else ""
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and re.fullmatch(r"[0-9.]+", cells[1]):
            rows.append((cells[0], cells[1], cells[2], cells[3]))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scifact", type=Path, default=SCIFACT)
    ap.add_argument("--index", type=Path, default=None, help="keep the index here (reruns reuse vectors)")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    args = ap.parse_args()

    report = evaluate(args.scifact, index_dir=args.index, settings=Settings(show_progress=sys.stderr.isatty()))
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        return
    print(f"SciFact ({args.scifact}): {report.documents} documents -> {report.chunks} chunks, "
          f"{report.queries} queries; index built in {report.build_seconds:.0f} s"
          + (f" (reusing {report.reused_vectors} vectors)" if report.reused_vectors else ""))
    print()
    print(f"{'system':<58} {'nDCG@10':>8} {'R@10':>7} {'R@100':>7} {'MRR@10':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for mode, r in report.modes.items():
        label = f"qa {mode} (target nDCG@10 >= {TARGETS[mode]:.3f})"
        print(f"{label:<58} {r.ndcg_10:>8.4f} {r.recall_10:>7.4f} {r.recall_100:>7.4f} {r.mrr_10:>7.4f} "
              f"{r.latency_p50_ms:>7.1f} {r.latency_p95_ms:>7.1f}")
    for system, ndcg, r10, r100 in references(args.scifact / "SOURCE.md"):
        print(f"{'ref: ' + system[:53]:<58} {ndcg:>8} {r10:>7} {r100:>7} {'':>7} {'':>7} {'':>7}")
    s = report.settings
    print()
    print(f"chunker {s['chunker']['chunk_tokens']}/{s['chunker']['overlap_tokens']} tokens; "
          f"BM25 {s['lexical']}; fusion {s['fusion']}")


if __name__ == "__main__":
    main()
