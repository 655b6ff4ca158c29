"""Answers in real folders: the targets of docs/answers.md that are not public answer sets.

    python bench/answer_folders.py                       # seed + 2 reports, and /work/devset dev
    python bench/answer_folders.py --devset DIR --split heldout

1. The seed report with two unrelated human-rights reports (tests/data/unrelated-reports): its 6
   answerable questions quoted right, its 8 on-topic absent questions abstained (the lists of
   tests/test_support.py).
2. A real-documents set (a folder of files plus questions.json: [{"question", "answer", "type"}],
   type "absent" for questions the documents do not answer): answerable questions quoted right
   (the answer's words among the quoted sentences, qa.answer.metrics.any_match) and absent ones
   abstained. The index is built once under --cache and updated (not rebuilt) on later runs.

The figures before this work are in docs/answers.md (the same questions, the previous code).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "tests" / "data" / "unrelated-reports"
sys.path.insert(0, str(ROOT))

from qa import Retriever, build_index  # noqa: E402
from qa.answer import answer  # noqa: E402
from qa.answer.metrics import any_match  # noqa: E402


def seed_and_reports(cache: Path) -> list[tuple[str, bool, bool, str]]:
    """(question, answerable, right, notes) on the seed report plus two unrelated reports."""
    questions = json.loads((REPORTS / "questions.json").read_text(encoding="utf-8"))  # the tests' own lists
    docs = cache / "seed-and-reports"
    if not docs.is_dir():
        docs.mkdir(parents=True)
        shutil.copy(ROOT / "seeds" / "amnesty-report-kyrgyzstan-2023.txt", docs)
        for p in REPORTS.glob("*.txt"):
            shutil.copy(p, docs)
    build_index(docs, cache / "index-seed-and-reports")
    r = Retriever.load(cache / "index-seed-and-reports")
    rows = []
    for item in questions["answerable"]:
        q, quote = item["question"], item["quote"]
        a = answer(r, q)
        rows.append((q, True, not a.abstained and any(quote in s.text for s in a.sentences), " ".join(a.notes)))
    for q in questions["on_topic_absent"]:
        a = answer(r, q)
        rows.append((q, False, a.abstained, " ".join(a.notes)))
    return rows


def devset(folder: Path, cache: Path) -> list[tuple[str, bool, bool, str]]:
    """(question, answerable, right, notes) on a real-documents set."""
    questions = json.loads((folder / "questions.json").read_text(encoding="utf-8"))
    index = cache / f"index-devset-{folder.name}"
    build_index(folder, index)
    r = Retriever.load(index)
    rows = []
    for item in questions:
        a = answer(r, item["question"])
        if item.get("type") == "absent":
            rows.append((item["question"], False, a.abstained, " ".join(a.notes)))
        else:
            right = not a.abstained and any_match([s.text for s in a.sentences], [item["answer"]])
            rows.append((item["question"], True, right, " ".join(a.notes)))
    return rows


def report(title: str, rows: list[tuple[str, bool, bool, str]], verbose: bool) -> None:
    answerable = [r for r in rows if r[1]]
    absent = [r for r in rows if not r[1]]
    print(f"{title}: answerable quoted right {sum(r[2] for r in answerable)}/{len(answerable)}, "
          f"absent abstained {sum(r[2] for r in absent)}/{len(absent)}")
    if verbose:
        for q, ok_answerable, right, notes in rows:
            print(f"   {'ok ' if right else 'NO '} {'answer' if ok_answerable else 'absent'}  {q}  {notes}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--devset", type=Path, default=Path("/work/devset"))
    ap.add_argument("--split", nargs="*", default=["dev"])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/qa-answer-folders"))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    report("seed + 2 unrelated reports", seed_and_reports(args.cache), args.verbose)
    for split in args.split:
        folder = args.devset / split
        if (folder / "questions.json").is_file():
            files = sum(1 for p in folder.iterdir() if p.name != "questions.json")
            report(f"real documents, {split} ({files} files)", devset(folder, args.cache), args.verbose)
        else:
            print(f"{folder}: no questions.json, skipped")
    print(f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
