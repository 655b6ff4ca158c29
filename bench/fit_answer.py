"""Refit the answer scorer (qa/answer/scorer.json) from the public answer sets, cross-validated.

    python bench/fit_answer.py                 # collect (cached in /tmp), fit, print CV figures
    python bench/fit_answer.py --no-pooled --write   # how the shipped scorer.json was fitted
    python bench/fit_answer.py --no-pooled --real /work/devset/dev   # + a real-documents folder as a set

1. Collect: each set of shared/eval (squad2-absent-a, squad2-dev-a, wikiqa-dev, xquad-en-a)
   is indexed like `qa eval-answers` does and every question runs through retrieval and
   `qa.answer.reply.gather`; the candidates, their FEATURES rows and the timings are cached as
   JSON under --cache, so refitting never reruns retrieval. Unless --no-pooled, every set is
   also asked of its documents pooled with unrelated articles (POOLED), as "<set>+pooled":
   fitted on too, and printed as a check that answers hold up in a many-document folder.
   (Fitting on them lowered the own-index figures the targets are measured on: docs/answers.md.)
2. Cross-validate across articles: questions are grouped by the Wikipedia article they are about
   (the named document, else the source of the top passage: each SQuAD/XQuAD question is about
   one article, and the same article in two sets is one group). Folds hold out whole articles;
   both models are fitted without them and the held-out questions are scored. Never per question.
3. Fit both models on everything, choose the abstain threshold from the cross-validated
   risk-coverage curve, print the figures with the final weights too, and (--write) store them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answer.evaluate import AnswerQuestion, QuestionRun, load_answer_set, outcome, run_question  # noqa: E402
from qa.answer.features import FEATURES  # noqa: E402
from qa.answer.metrics import any_match, risk_coverage, summarize  # noqa: E402
from qa.answer.reply import Pool, chosen, judged, pick, quoted_in, quotes_row  # noqa: E402
from qa.answer.scorer import (ANSWER_FEATURES, WEIGHTS_FILE, Logistic, answer_features,  # noqa: E402
                              scorer_from_dict, softmax)

from eval_data import EVAL_DIR as EVAL  # noqa: E402
from logistic import fit_conditional, fit_logistic, fit_one  # noqa: E402
SETS = ("squad2-absent-a", "squad2-dev-a", "wikiqa-dev", "xquad-en-a")
FOLDS = 8


def collect(name: str, cache_dir: Path, k: int, mode: str) -> list[dict]:
    """Every question of one set through retrieval and gather(), cached as JSON."""
    path = cache_dir / f"{name}-{mode}-k{k}.json"
    if path.is_file():
        return json.loads(path.read_text())
    from qa import Retriever, build_index

    index = cache_dir / f"index-{name}"
    build_index(EVAL / name / "documents", index)
    retriever = Retriever.load(index)
    retriever.embed_query("warm-up")
    scorer = neutral_scorer()  # the weights do not change what is collected, only the timing's last step
    cache: dict = {}
    rows = []
    questions = load_answer_set(EVAL / name)
    t0 = time.time()
    for n, q in enumerate(questions, start=1):
        run = run_question(retriever, q, k=k, mode=mode, scorer=scorer, cache=cache)
        rows.append({"id": q.id, "question": q.question, "answers": q.answers, "document": q.document,
                     "sources": run.sources, "latency_ms": run.latency_ms, "pool": run.pool.to_dict(),
                     "document_pool": run.document_pool.to_dict() if run.document_pool else None})
        if n % 200 == 0:
            print(f"  {name}: {n}/{len(questions)} questions, {time.time() - t0:.0f} s", file=sys.stderr)
    path.write_text(json.dumps(rows))
    return rows


POOLED = "+pooled"
"""Suffix of a set asked of an index of its own documents plus unrelated articles (the WikiQA
set's 125 for the others, XQuAD's for WikiQA), like a real folder: each question meets passages
of other articles, and the document-level checks (qa/answer/support.py) see many documents.
Only unrelated articles are added: the SQuAD sets hold other paragraphs of the same articles,
which would answer some of the "absent" questions."""
DISTRACTORS = {"wikiqa-dev": "xquad-en-a"}
DEFAULT_DISTRACTORS = "wikiqa-dev"


def collect_pooled(sets: list[str], cache_dir: Path, k: int, mode: str) -> dict[str, list[dict]]:
    """Every question of `sets` asked of its documents pooled with unrelated ones, cached as JSON."""
    import shutil

    from qa import Retriever, build_index

    out = {}
    for name in sets:
        path = cache_dir / f"pooled-{name}-{mode}-k{k}.json"
        if path.is_file():
            out[name + POOLED] = json.loads(path.read_text())
            continue
        other = DISTRACTORS.get(name, DEFAULT_DISTRACTORS)
        folder = cache_dir / f"pooled-documents-{name}"
        own = {d.name for d in (EVAL / name / "documents").iterdir()}
        if not folder.is_dir():
            shutil.copytree(EVAL / name / "documents", folder / "own")
            (folder / "other").mkdir()
            for doc in (EVAL / other / "documents").iterdir():
                if doc.name not in own:  # never another version of the same article
                    shutil.copy2(doc, folder / "other" / doc.name)
        build_index(folder, cache_dir / f"index-pooled-{name}")
        retriever = Retriever.load(cache_dir / f"index-pooled-{name}")
        retriever.embed_query("warm-up")
        scorer, cache, rows = neutral_scorer(), {}, []
        for q in load_answer_set(EVAL / name):
            asked = AnswerQuestion(q.id, q.question, q.answers, f"own/{q.document}" if q.document else None)
            run = run_question(retriever, asked, k=k, mode=mode, scorer=scorer, cache=cache)
            rows.append({"id": q.id, "question": q.question, "answers": q.answers, "document": asked.document,
                         "sources": run.sources, "latency_ms": run.latency_ms, "pool": run.pool.to_dict(),
                         "document_pool": run.document_pool.to_dict() if run.document_pool else None})
        path.write_text(json.dumps(rows))
        out[name + POOLED] = rows
        print(f"  pooled: {name} with {other}'s articles done", file=sys.stderr)
    return out


def collect_real(folder: Path, cache_dir: Path, k: int, mode: str) -> list[dict]:
    """A real-documents folder (files plus questions.json, bench/real_docs.py's format: "answer" null
    for questions no document answers) as an answer set, cached as JSON like collect()."""
    questions = json.loads((folder / "questions.json").read_text(encoding="utf-8"))
    path = cache_dir / f"real-{folder.name}-{len(questions)}-{mode}-k{k}.json"
    if path.is_file():
        return json.loads(path.read_text())
    from qa import Retriever, build_index

    index = cache_dir / f"index-real-{folder.name}"
    build_index(folder, index, full=True)
    retriever = Retriever.load(index)
    retriever.embed_query("warm-up")
    scorer, cache, rows = neutral_scorer(), {}, []
    for item in questions:
        q = AnswerQuestion(item["id"], item["question"], [item["answer"]] if item.get("answer") else [], None)
        run = run_question(retriever, q, k=k, mode=mode, scorer=scorer, cache=cache)
        rows.append({"id": q.id, "question": q.question, "answers": q.answers, "document": item.get("file"),
                     "sources": run.sources, "latency_ms": run.latency_ms, "pool": run.pool.to_dict(),
                     "document_pool": None})
    path.write_text(json.dumps(rows))
    return rows


def neutral_scorer():
    """A scorer with zero weights: valid whatever scorer.json holds (it may predate new features)."""
    def zeros(names):
        return {"features": list(names), "mean": [0.0] * len(names), "scale": [1.0] * len(names),
                "weights": [0.0] * len(names), "bias": 0.0}
    return scorer_from_dict({"sentence": zeros(FEATURES), "answer": zeros(ANSWER_FEATURES), "abstain_below": 0.5})


def to_run(row: dict) -> QuestionRun:
    from qa.answer.evaluate import AnswerQuestion

    q = AnswerQuestion(row["id"], row["question"], row["answers"], row["document"])
    doc = Pool.from_dict(row["document_pool"]) if row["document_pool"] else None
    return QuestionRun(q, Pool.from_dict(row["pool"]), row["sources"], row["latency_ms"], doc)


def article(set_name: str, row: dict) -> str:
    return row["document"] or (row["sources"][0] if row["sources"] else f"{set_name}:none")


def fit(runs: list[QuestionRun], sets: list[str] | None = None) -> dict:
    """Both models on `runs`: the sentence model on answerable questions whose candidates hold the
    answer, the answer model on every question's would-be answer, each set (`sets[i]` names the
    set of runs[i]) weighing the same, so that the big adversarial set does not drown the others."""
    sets = sets or ["all"] * len(runs)
    size = {name: sets.count(name) for name in set(sets)}
    groups, weights = [], []
    for r, name in zip(runs, sets):
        if r.pool.candidates and r.question.answers:
            labels = np.array([any_match([c.text], r.question.answers) for c in r.pool.candidates])
            if labels.any() and not labels.all():
                groups.append((r.pool.features, labels))
                weights.append(SENTENCE_REAL_WEIGHT if name.startswith("real-") else 1.0)
    sentence = KEPT_SENTENCE or fit_conditional(groups, FEATURES, w=np.array(weights))
    ax, ay, aw = [], [], []
    for r, name in zip(runs, sets):
        if r.pool.candidates and name not in SENTENCE_ONLY:
            logits = sentence.logits(r.pool.features)
            mask = judged(r.pool)  # as answer() weighs them (reply.rank)
            probs = softmax(np.where(mask, logits, -np.inf))
            quoted = chosen(r.pool, probs)
            ax.append(answer_features(logits[mask], r.pool.features[mask], quoted_in(quoted, mask),
                                      quotes_row(r.pool, quoted)))
            picked = pick(r.pool, probs, quoted)
            ay.append(float(any_match([s.text for s in picked], r.question.answers)))
            aw.append(1.0 / size[name])
    w = np.array(aw)
    if KEPT_ANSWER is not None:
        answer = fit_one(KEPT_ANSWER, np.array(ax), np.array(ay), ADDED, w=w * len(w) / w.sum())
    else:
        answer = fit_logistic(np.array(ax), np.array(ay), ANSWER_FEATURES, w=w * len(w) / w.sum())
    return {"sentence": sentence.to_dict(), "answer": answer.to_dict(), "abstain_below": 0.5}


KEPT_ANSWER: Logistic | None = None
ADDED = ""
"""--add-answer-input NAME: the shipped answer model kept, and only NAME's weight fitted (fit_one)."""

SENTENCE_ONLY: set[str] = set()
"""--sentence-real FOLDER ...: real-documents folders the sentence model is fitted on, not the answer model
(their sets are still cross-validated and printed)."""

SENTENCE_REAL_WEIGHT = 1.0
"""--sentence-real-weight W: each question of a real-documents folder weighs W in the sentence model's
fit (a public set's 1): the public sets hold ten times as many questions, all on Wikipedia prose."""

KEPT_SENTENCE: Logistic | None = None
"""--keep-sentence: the sentence model of the shipped scorer.json, kept as it is (only the answer
model and the threshold are refitted, so the quoted sentences do not change)."""


def fold_of(group: str) -> int:
    return zlib.crc32(group.encode()) % FOLDS


def cross_validate(data: dict[str, list[tuple[str, QuestionRun]]]) -> dict[str, list]:
    """Outcomes of every question scored by models fitted without its article's fold."""
    everything = [(s, g, r) for s, rows in data.items() for g, r in rows]
    out: dict[str, list] = {s: [] for s in data}
    for f in range(FOLDS):
        train = [(s, r) for s, g, r in everything if fold_of(g) != f]
        test = [(s, r) for s, g, r in everything if fold_of(g) == f]
        if not test:
            continue
        scorer = scorer_from_dict(fit([r for _, r in train], [s for s, _ in train]))
        for s, r in test:
            out[s].append(outcome(r, scorer, abstain_below=-1.0))
    return out


def with_threshold(outcomes: list, t: float) -> list:
    from dataclasses import replace

    return [replace(o, abstained=o.confidence < t or o.abstained and o.confidence < 0) for o in outcomes]


def table(title: str, per_set: dict[str, list], t: float) -> None:
    keys = ("overall", "answered_precision", "answer_accuracy", "top1_accuracy", "abstain_recall", "map", "mrr")
    print(f"\n{title} (abstain below {t:.2f})")
    print(f"{'set':<17}" + "".join(f"{k[:12]:>13}" for k in keys))
    for s, outs in per_set.items():
        m = summarize(with_threshold(outs, t))
        print(f"{s:<17}" + "".join(f"{'-' if m[k] is None else format(m[k], '.3f'):>13}" for k in keys))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/qa-fit-answer"))
    ap.add_argument("-k", type=int, default=5)
    ap.add_argument("--mode", default="hybrid")
    ap.add_argument("--write", action="store_true", help="write qa/answer/scorer.json")
    ap.add_argument("--sets", nargs="*", default=list(SETS))
    ap.add_argument("--real", type=Path, nargs="*", default=[],
                    help="real-documents folders (files + questions.json) fitted and cross-validated as sets too")
    ap.add_argument("--no-pooled", action="store_true",
                    help="fit on each set's own index only (default: also every set asked of one pooled index)")
    ap.add_argument("--keep-sentence", action="store_true",
                    help="keep the shipped sentence model; refit only the answer model and the threshold")
    ap.add_argument("--add-answer-input", metavar="NAME",
                    help="keep the shipped answer model too (with --keep-sentence), fitting only the weight of "
                         "the answer input NAME (shipped with weight 0)")
    ap.add_argument("--sentence-real", type=Path, nargs="*", default=[],
                    help="real-documents folders for the sentence model only (the answer model is fitted on --real)")
    ap.add_argument("--sentence-real-weight", type=float, default=1.0,
                    help="weight of each real-folder question in the sentence model's fit (public: 1)")
    ap.add_argument("--threshold", type=float,
                    help="abstain below this confidence instead of the one choose_threshold picks (recorded)")
    args = ap.parse_args()
    global SENTENCE_REAL_WEIGHT
    SENTENCE_REAL_WEIGHT = args.sentence_real_weight
    if args.keep_sentence:
        global KEPT_SENTENCE
        KEPT_SENTENCE = Logistic.from_dict(json.loads(WEIGHTS_FILE.read_text())["sentence"])
    if args.add_answer_input:
        global KEPT_ANSWER, ADDED
        KEPT_ANSWER, ADDED = Logistic.from_dict(json.loads(WEIGHTS_FILE.read_text())["answer"]), args.add_answer_input
    args.cache.mkdir(parents=True, exist_ok=True)
    data = {}
    articles: dict[str, str] = {}
    for s in args.sets:
        rows = collect(s, args.cache, args.k, args.mode)
        data[s] = [(article(s, row), to_run(row)) for row in rows]
        articles.update({row["id"]: g for row, (g, _) in zip(rows, data[s])})
        print(f"{s}: {len(rows)} questions, {len({g for g, _ in data[s]})} articles", file=sys.stderr)
    SENTENCE_ONLY.update(f"real-{folder.name}" for folder in args.sentence_real)
    for folder in [*args.real, *args.sentence_real]:
        rows = collect_real(folder, args.cache, args.k, args.mode)
        name = f"real-{folder.name}"
        data[name] = [(f"{name}:{article(name, row)}", to_run(row)) for row in rows]
        print(f"{name}: {len(rows)} questions, {len({g for g, _ in data[name]})} documents", file=sys.stderr)
    if not args.no_pooled:
        for name, rows in collect_pooled(args.sets, args.cache, args.k, args.mode).items():
            # A question keeps its article's group: its two runs are never split across folds.
            data[name] = [(articles[row["id"]], to_run(row)) for row in rows]
    cv = cross_validate(data)
    pooled = [o for outs in cv.values() for o in outs]
    print("\ncross-validated risk-coverage, all sets pooled (threshold, coverage, precision, overall):")
    for row in risk_coverage(pooled):
        print("  " + "  ".join(f"{v:.3f}" for v in row.values()))
    threshold = choose_threshold({s: o for s, o in cv.items() if s not in SENTENCE_ONLY}) \
        if args.threshold is None else args.threshold
    table("cross-validated across articles", cv, threshold)
    weights = fit([r for rows in data.values() for _, r in rows], [s for s, rows in data.items() for _ in rows])
    weights["abstain_below"] = threshold
    final = scorer_from_dict(weights)
    final_outcomes = {s: [outcome(r, final, -1.0) for _, r in rows] for s, rows in data.items()}
    table("final weights, scored on the same questions (optimistic)", final_outcomes, threshold)
    table("cross-validated, never abstaining", cv, 0.0)
    for s, rows in data.items():
        quoted = [len(chosen(r.pool, softmax(final.sentence_logits(r.pool.features)))) for _, r in rows if r.pool.candidates]
        print(f"{s}: {np.mean(quoted):.2f} sentences quoted on average per question")
    lat = np.array([r.latency_ms for rows in data.values() for _, r in rows])
    print(f"\nanswer() latency while collecting (sentence vectors cached per chunk): p50 {np.percentile(lat, 50):.1f} ms, "
          f"p95 {np.percentile(lat, 95):.1f} ms")
    if args.write:
        cvm = {s: summarize(with_threshold(o, threshold)) for s, o in cv.items()}
        weights["record"] = {
            "fitted": "bench/fit_answer.py on " + ", ".join(args.sets + [str(f) for f in args.real])
                      + f" (mode {args.mode}, k={args.k})" + ("; the sentence model kept" if args.keep_sentence else "")
                      + (f"; the answer model kept but for {ADDED}" if ADDED else ""),
            "data": hashlib.sha256(json.dumps(sorted(r.question.id for rows in data.values() for _, r in rows))
                                   .encode()).hexdigest()[:16],
            "threshold_reason": THRESHOLD_REASON if args.threshold is None else
            f"given (--threshold {args.threshold}); choose_threshold would pick {choose_threshold(cv)}",
            "cross_validated": _rounded(cvm),
            "final": _rounded({s: summarize(with_threshold(o, threshold)) for s, o in final_outcomes.items()}),
        }
        WEIGHTS_FILE.write_text(json.dumps(weights, indent=1) + "\n")
        print(f"\nwrote {WEIGHTS_FILE}")


def _rounded(per_set: dict[str, dict]) -> dict[str, dict]:
    return {s: {k: (None if v is None else round(v, 4)) for k, v in m.items() if "latency" not in k}
            for s, m in per_set.items()}


THRESHOLD_REASON = ("the confidence is a calibrated probability that the quote is right; the threshold maximises "
                    "right decisions (answered right + rightly abstained) on the cross-validated risk-coverage "
                    "curves, each set weighing the same: lower, the absent-answer sets quote wrong sentences; "
                    "higher, the all-answerable sets (XQuAD, WikiQA) lose right answers")


def choose_threshold(cv: dict[str, list]) -> float:
    """The threshold with the most right decisions, each set weighing the same (cross-validated)."""
    grid = [round(t, 2) for t in np.arange(0.05, 0.96, 0.01)]
    curves = [risk_coverage(outs, grid) for outs in cv.values()]
    macro = [np.mean([c[i]["overall"] for c in curves]) for i in range(len(grid))]
    return grid[int(np.argmax(macro))]


if __name__ == "__main__":
    main()
