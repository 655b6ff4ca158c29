"""Multilingual models on XQuAD (issue 14): retrieval, quoted-answer accuracy and speed.

For each model (default: the English default, e5-small, use-m3) it indexes the Russian and the
English XQuAD documents (24 articles, the same paragraphs translated) and runs the 612
questions of each set, plus the English questions over the Russian documents ("cross",
gold answers taken from the Russian set by question id). It prints per run:

  retrieval@5  share of questions where one of the top-5 hybrid passages contains a gold answer
  quote        share where the sentences answer() quotes contain a gold answer (abstention
               switched off, so this measures the choice of sentence, not the threshold)
  abstain      share that answer() would abstain on with its default threshold
  query ms     median time to embed one question; build: chunks and chunks/s

    python bench/multilingual.py [--models english multilingual use-m3] [--every N] [--json]

Nothing is asserted: these are figures to read. The machine is shared: compare ratios within a run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from eval_data import EVAL_DIR as EVAL  # noqa: E402

from qa import build_index  # noqa: E402
from qa.answer import answer  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.retriever import Retriever  # noqa: E402


def questions(folder: Path) -> list[dict]:
    with open(folder / "questions.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def contains(text: str, answers: list[str]) -> bool:
    low = text.casefold()
    return any(a.strip() and a.strip().casefold() in low for a in answers)


def run(retriever: Retriever, qs: list[dict]) -> dict:
    hits = quotes = abstains = 0
    embed_ms = []
    for q in qs:
        t = time.perf_counter()
        retriever.embed_query(q["question"])
        embed_ms.append(1000 * (time.perf_counter() - t))
        passages = retriever.search(q["question"], k=5)
        hits += any(contains(p.text, q["answers"]) for p in passages)
        quoted = answer(retriever, q["question"], abstain_below=float("-inf"))
        quotes += contains(quoted.text, q["answers"])
        abstains += quoted.best_score < 0.45
    n = max(len(qs), 1)
    return {"questions": len(qs), "retrieval@5": round(hits / n, 3), "quote": round(quotes / n, 3),
            "abstain": round(abstains / n, 3), "query_ms": round(statistics.median(embed_ms), 1)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=["english", "multilingual", "use-m3"])
    p.add_argument("--sets", nargs="+", default=["ru", "en", "cross"])
    p.add_argument("--every", type=int, default=1,
                   help="every Nth question of each set (all articles stay represented)")
    p.add_argument("--eval", type=Path, default=EVAL, help="folder holding xquad-ru-a and xquad-en-a")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    sets = {"ru": args.eval / "xquad-ru-a", "en": args.eval / "xquad-en-a"}
    qs = {name: questions(folder) for name, folder in sets.items()}
    qs = {k: v[::max(args.every, 1)] for k, v in qs.items()}
    gold_ru = {q["id"]: q["answers"] for q in qs["ru"]}
    qs["cross"] = [{**q, "answers": gold_ru[q["id"]]} for q in qs["en"] if q["id"] in gold_ru]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            settings = Settings(model=model)
            built: dict[str, Retriever] = {}
            for name in args.sets:
                docs = "ru" if name == "cross" else name
                if docs not in built:
                    index = Path(tmp) / f"{model}-{docs}"
                    t = time.perf_counter()
                    report = build_index(sets[docs] / "documents", index, settings=settings)
                    seconds = time.perf_counter() - t
                    built[docs] = Retriever.load(index)
                    results.append({"model": model, "set": f"build-{docs}", "chunks": report.chunks,
                                    "seconds": round(seconds, 1),
                                    "chunks_per_s": round(report.chunks / seconds, 2)})
                    print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr, flush=True)
                results.append({"model": model, "set": name, **run(built[docs], qs[name])})
                print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        for r in results:
            print("  ".join(f"{k}={v}" for k, v in r.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
