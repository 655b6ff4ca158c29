"""Real documents: answers and passages on a folder of real-world PDFs, HTML filings and DOCX.

Builds an index of `--folder` in a temporary directory (`qa.build_index`), then for each question
of `--questions` (default: the folder's questions.json) runs `qa.answer` and
`Retriever.search(k=5)` and prints, per question type and overall:

- quoted: the quoted sentences from the question's file hold the gold answer (answerable ones);
- top-5: a top-5 passage from that file holds it;
- top-5 + page: ... and that passage's pages include a gold page (HTML/DOCX: the file is enough);
- abstained: "absent" questions (no document answers them) where the answer abstained;
- the build time (twice with `--builds 2`).

Answers are compared after NFKC, case folding and turning every non-word character into a space,
so "ef- ficient" does not hold "efficient" and "ﬁ" holds "fi". The question sets and the files'
provenance are in bench/real_docs/ (SOURCES.md, manifest.json); the files live in /work/devset.

    python bench/real_docs.py --folder /work/devset/dev
    python bench/real_docs.py --folder /work/devset/heldout --builds 2 --json
    python bench/real_docs.py --folder /work/devset/dev --baseline /work/main   # same run, side by side

`--baseline TREE` runs this script again with TREE's `qa` first on the path, and prints its
figures beside this tree's. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

TYPES = ("second_column", "page_break", "table_cell", "hyphenated", "header_heavy", "scanned", "plain")
MEASURES = ("quoted", "top5", "top5_page")


def normalise(text: str) -> str:
    """NFKC, case-folded, every run of non-word characters one space, padded for whole-word search."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " " + " ".join(re.sub(r"[^\w]+", " ", text).split()) + " "


def holds(text: str, answer: str) -> bool:
    return normalise(answer) in normalise(text)


def load_questions(path: Path) -> list[dict]:
    questions = json.loads(path.read_text(encoding="utf-8"))
    for q in questions:
        if q["type"] not in TYPES + ("absent",):
            raise SystemExit(f"{path}: question {q['id']}: unknown type {q['type']!r}")
    return questions


def judge(question: dict, reply, passages) -> dict:
    """One question's outcome: which measures it met, and what was cited."""
    result = {"id": question["id"], "type": question["type"], "abstained": reply.abstained,
              "confidence": round(reply.confidence, 4), "answer": reply.text,
              "cited": [p.location for p in passages]}
    if question["answer"] is None:
        return result
    file, gold, pages = question["file"], question["answer"], set(question["pages"])
    quoted = " ".join(s.text for s in reply.sentences if reply.passages[s.passage - 1].source == file)
    result["quoted"] = not reply.abstained and holds(quoted, gold)
    hits = [p for p in passages if p.source == file and holds(p.text, gold)]
    result["top5"] = bool(hits)
    result["top5_page"] = any(not pages or (p.page is not None and
                                            pages & set(range(p.page, (p.page_end or p.page) + 1)))
                              for p in hits)
    return result


def run(folder: Path, questions: list[dict], builds: int) -> dict:
    from qa import Retriever, answer, build_index

    times, reports = [], []
    with tempfile.TemporaryDirectory(prefix="qa-real-docs-") as tmp:
        for n in range(builds):
            index = Path(tmp) / f"index{n}"
            t0 = time.perf_counter()
            report = build_index(folder, index, full=True)
            times.append(time.perf_counter() - t0)
            reports.append(report)
        retriever = Retriever.load(index)
        results = []
        for q in questions:
            reply = answer(retriever, q["question"])
            passages = retriever.search(q["question"], k=5)
            results.append(judge(q, reply, passages))
    report = reports[-1]
    return {"folder": str(folder), "build_seconds": [round(t, 2) for t in times],
            "documents": report.documents, "chunks": report.chunks,
            "skipped": [{"source": p.source, "reason": p.reason} for p in report.problems
                        if p.skipped and p.source != "questions.json"],
            "results": results, "summary": summarise(results)}


def summarise(results: list[dict]) -> dict:
    """Counts per type and overall: {"overall": {"n": .., "quoted": .., ...}, "absent": {...}, ...}."""
    summary: dict[str, dict[str, int]] = {}
    for r in results:
        for key in (r["type"], "overall" if r["type"] != "absent" else None):
            if key is None:
                continue
            row = summary.setdefault(key, {"n": 0})
            row["n"] += 1
            if r["type"] == "absent":
                row["abstained"] = row.get("abstained", 0) + r["abstained"]
            else:
                for m in MEASURES:
                    row[m] = row.get(m, 0) + r[m]
    return summary


def table(runs: list[tuple[str, dict]]) -> str:
    """One line per type; per run the answerable measures, or the abstentions for "absent"."""
    head = f"{'type':<14}{'n':>4}"
    for label, _ in runs:
        head += f" | {label[:30]:^30}"
    sub = " " * 18 + "".join(f" | {'quoted':>10}{'top-5':>10}{'+page':>10}" for _ in runs)
    lines = [head, sub]
    keys = [t for t in TYPES if any(t in r["summary"] for _, r in runs)] + ["overall", "absent"]
    for key in keys:
        row = runs[0][1]["summary"].get(key, {"n": 0})
        line = f"{key:<14}{row['n']:>4}"
        for _, r in runs:
            s = r["summary"].get(key, {"n": 0})
            if key == "absent":
                line += f" | {'abstained ' + frac(s.get('abstained', 0), s['n']):>30}"
            else:
                line += " | " + "".join(f"{frac(s.get(m, 0), s['n']):>10}" for m in MEASURES)
        lines.append(line)
    for label, r in runs:
        skipped = ", ".join(f"{p['source']} ({p['reason']})" for p in r["skipped"]) or "none"
        lines.append(f"{label}: build {' s, '.join(f'{t:.1f}' for t in r['build_seconds'])} s; "
                     f"{r['documents']} documents, {r['chunks']} chunks; skipped: {skipped}")
    return "\n".join(lines)


def frac(k: int, n: int) -> str:
    return f"{k}/{n}" if n else "-"


def baseline_run(tree: Path, args: argparse.Namespace) -> dict:
    """This script run with `tree`'s qa first on the path; its --json output."""
    env = dict(os.environ, PYTHONPATH=str(tree.resolve()))
    command = [sys.executable, str(Path(__file__).resolve()), "--folder", str(args.folder),
               "--questions", str(args.questions), "--builds", str(args.builds), "--json"]
    out = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"baseline run in {tree} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True, help="folder of documents to index")
    parser.add_argument("--questions", type=Path, help="questions JSON (default: FOLDER/questions.json)")
    parser.add_argument("--builds", type=int, default=1, help="build the index this many times (timing)")
    parser.add_argument("--baseline", type=Path, help="another source tree to run beside this one")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    args.questions = args.questions or args.folder / "questions.json"
    if not args.folder.is_dir():
        parser.error(f"--folder {args.folder}: not a folder")
    if not args.questions.is_file():
        parser.error(f"--questions {args.questions}: no such file")
    if args.builds < 1:
        parser.error("--builds must be at least 1")
    import logging
    logging.disable(logging.WARNING)  # pypdf's per-font chatter is not a result
    questions = load_questions(args.questions)
    result = run(args.folder, questions, args.builds)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    runs = [("this tree", result)]
    if args.baseline:
        runs.insert(0, (f"baseline {args.baseline}", baseline_run(args.baseline, args)))
    print(f"{args.folder} ({args.questions.name}):")
    print(table(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
