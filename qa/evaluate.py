"""nDCG@10, Recall@10/100 and MRR@10 of each search mode on a BEIR-format data set.

The corpus goes through the same pipeline as `qa build`: each record becomes a text file
(title, blank line, text), `build_index` chunks and embeds it, and every judged query is run
through `Retriever.search`. Passages map back to corpus documents by their first occurrence in
the ranking (the document's best passage), as in BEIR's max-over-passages evaluation.

>>> report = evaluate("../shared/eval/scifact")
>>> round(report.modes["hybrid"].ndcg_10, 2)
0.73
"""

from __future__ import annotations

import csv
import json
import logging
import math
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .build import build_index
from .config import Settings
from .embedding import Embedder
from .errors import IndexMismatchError, QAError
from .index import is_url
from .retriever import MODES, Retriever

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
CORPUS_FOLDER = "qa-eval-corpus"  # recorded as the index's corpus root, marks indexes we built


@dataclass(frozen=True)
class BeirData:
    """A BEIR folder: corpus {_id: (title, text)}, queries {_id: text}, qrels {query: {doc: rel}}."""

    corpus: dict[str, tuple[str, str]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_beir(folder: str | Path, split: str = "test") -> BeirData:
    """Read `corpus.jsonl`, `queries.jsonl` and `qrels/<split>.tsv` from a BEIR folder."""
    folder = Path(folder)
    needed = [folder / "corpus.jsonl", folder / "queries.jsonl", folder / "qrels" / f"{split}.tsv"]
    missing = [str(p.relative_to(folder)) for p in needed if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} is not a BEIR folder: missing {', '.join(missing)} "
                                "(expected corpus.jsonl, queries.jsonl and qrels/<split>.tsv)")
    corpus = {str(r["_id"]): (r.get("title") or "", r.get("text") or "") for r in _jsonl(needed[0])}
    queries = {str(r["_id"]): r["text"] for r in _jsonl(needed[1])}
    qrels: dict[str, dict[str, int]] = {}
    with open(needed[2], encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) < 3 or not row[2].strip().lstrip("-").isdigit():
                continue  # the header line, or a blank one
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    return BeirData(corpus, queries, qrels)


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


# --- Metrics: the BEIR / pytrec_eval definitions, for one query's ranking of document ids ---

def ndcg_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with gains 2^rel - 1 and discount log2(rank + 1).

    The ideal ranking orders every judged document by relevance. For binary judgments
    (SciFact's) this equals pytrec_eval's `ndcg_cut` exactly.

    >>> round(ndcg_at_k(["x", "a"], {"a": 1}), 4)  # one relevant document, found at rank 2
    0.6309
    """
    dcg = sum((2 ** qrels.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranking[:k]))
    ideal = sorted((r for r in qrels.values() if r > 0), reverse=True)[:k]
    idcg = sum((2 ** r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int) -> float:
    """Share of the relevant documents (rel > 0) found in the top k.

    >>> recall_at_k(["a", "x", "b"], {"a": 1, "b": 1, "c": 1}, k=2)
    0.3333333333333333
    """
    relevant = {d for d, r in qrels.items() if r > 0}
    return len(relevant.intersection(ranking[:k])) / len(relevant) if relevant else 0.0


def mrr_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 10) -> float:
    """1 / rank of the first relevant document in the top k, else 0.

    >>> mrr_at_k(["x", "y", "a"], {"a": 1})
    0.3333333333333333
    """
    for i, d in enumerate(ranking[:k]):
        if qrels.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


@dataclass(frozen=True)
class ModeResult:
    """One search mode's figures, averaged over the judged queries; latencies in milliseconds."""

    ndcg_10: float
    recall_10: float
    recall_100: float
    mrr_10: float
    latency_p50_ms: float
    latency_p95_ms: float
    queries: int


def score_rankings(rankings: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]],
                   latencies_ms: Sequence[float] = ()) -> ModeResult:
    """Average the metrics over every judged query (a query missing from `rankings` scores 0)."""
    per_query = [(ndcg_at_k(rankings.get(q, []), rels, 10), recall_at_k(rankings.get(q, []), rels, 10),
                  recall_at_k(rankings.get(q, []), rels, 100), mrr_at_k(rankings.get(q, []), rels, 10))
                 for q, rels in qrels.items()]
    mean = np.mean(per_query, axis=0) if per_query else np.zeros(4)
    lat = np.asarray(latencies_ms, dtype=np.float64)
    p50, p95 = (np.percentile(lat, [50, 95]) if lat.size else (0.0, 0.0))
    return ModeResult(*map(float, mean), float(p50), float(p95), len(per_query))


@dataclass
class EvalReport:
    """What `qa eval` prints; `to_dict()` is its `--json` output."""

    dataset: str
    documents: int
    chunks: int
    queries: int
    build_seconds: float
    reused_vectors: int = 0  # > 0 when a kept index (`index_dir`) was updated, not built afresh
    modes: dict[str, ModeResult] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["modes"] = {m: asdict(r) for m, r in self.modes.items()}
        return d


def safe_name(doc_id: str) -> str:
    """A file name for a corpus id: `safe_name("a/b c") -> 'a_b_c.txt'`."""
    return re.sub(r"[^\w.-]", "_", doc_id).lstrip(".")[:100] + ".txt"


def write_corpus(data: BeirData, folder: Path) -> dict[str, str]:
    """One text file per corpus record (title, blank line, text); returns file name -> _id."""
    folder.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    for doc_id, (title, text) in data.corpus.items():
        name = safe_name(doc_id)
        if name in names:  # two ids that clean to the same name
            name = f"{name[:-4]}-{len(names)}.txt"
        names[name] = doc_id
        body = f"{title.strip()}\n\n{text.strip()}\n" if title.strip() else f"{text.strip()}\n"
        (folder / name).write_text(body, encoding="utf-8")
    return names


def rank_documents(retriever: Retriever, query: str, mode: str, ids: Mapping[str, str],
                   depth: int = 100) -> list[str]:
    """Corpus ids of the `depth` best documents: each one's best passage decides its place."""
    passages = retriever.search(query, k=depth, mode=mode, per_doc=1)  # type: ignore[arg-type]
    return [ids[p.source] for p in passages]


def evaluate(beir_dir: str | Path, *, modes: Sequence[str] = MODES, index_dir: str | Path | None = None,
             settings: Settings | None = None, embedder: Embedder | None = None, split: str = "test",
             progress: Progress | None = None) -> EvalReport:
    """Build an index of the BEIR corpus and score every judged query in each mode.

    `index_dir` keeps the index (a rerun then reuses its vectors); by default it lives in a
    temporary folder. Anything already in `index_dir` is replaced by the BEIR corpus.
    """
    settings = settings or Settings()
    for mode in modes:
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
    data = load_beir(beir_dir, split)
    if index_dir is not None:
        _check_replaceable(index_dir if is_url(index_dir) else Path(index_dir))
    say = progress or (lambda f, m: None)
    with tempfile.TemporaryDirectory(prefix="qa-eval-") as tmp:
        corpus_dir = Path(tmp) / CORPUS_FOLDER
        ids = write_corpus(data, corpus_dir)
        index = (index_dir if is_url(index_dir) else Path(index_dir)) if index_dir else Path(tmp) / "index"
        say(0.0, f"indexing {len(ids)} documents")
        t0 = time.perf_counter()
        built = build_index(corpus_dir, index, settings=settings, embedder=embedder,
                            progress=lambda f, m: say(0.8 * f, m))
        build_seconds = time.perf_counter() - t0
        retriever = Retriever.load(index, settings=settings, embedder=embedder)
        report = EvalReport(dataset=Path(beir_dir).name, documents=built.documents, chunks=built.chunks,
                            queries=len(data.qrels), build_seconds=build_seconds,
                            reused_vectors=built.reused_vectors, settings=_settings_dict(settings))
        judged = [q for q in data.qrels if q in data.queries]
        if len(judged) < len(data.qrels):
            logger.warning("%d judged queries are missing from queries.jsonl; they score 0",
                           len(data.qrels) - len(judged))
        retriever.embed_query("warm-up")  # the first call loads the model; keep it out of the timings
        for m, mode in enumerate(modes):
            rankings, latencies = _run_queries(retriever, data, judged, mode, ids, settings.show_progress)
            report.modes[mode] = score_rankings(rankings, data.qrels, latencies)
            say(0.8 + 0.2 * (m + 1) / len(modes), f"scored {mode} search")
            logger.info("%s: %s", mode, report.modes[mode])
    return report


def _check_replaceable(index_dir: Path) -> None:
    """Refuse to overwrite an index of someone's documents with a benchmark corpus."""
    from .errors import IndexNotFoundError
    from .index import open_store

    try:
        root = open_store(index_dir).read_manifest().corpus_root
    except IndexNotFoundError:
        return
    except QAError:
        root = ""
    if Path(root).name != CORPUS_FOLDER:
        raise IndexMismatchError(
            f"{index_dir} holds an index of {root or 'unknown documents'}, not one `qa eval` built; "
            "pass an empty or new folder to --index")


def _run_queries(retriever: Retriever, data: BeirData, judged: list[str], mode: str,
                 ids: Mapping[str, str], show_progress: bool) -> tuple[dict[str, list[str]], list[float]]:
    from tqdm.auto import tqdm

    rankings, latencies = {}, []
    for q in tqdm(judged, desc=f"{mode} queries", unit="query", disable=not show_progress):
        t = time.perf_counter()
        rankings[q] = rank_documents(retriever, data.queries[q], mode, ids)
        latencies.append(1000 * (time.perf_counter() - t))
    return rankings, latencies


def _settings_dict(settings: Settings) -> dict[str, Any]:
    return {"model": settings.model, "backend": settings.backend,
            "chunker": settings.chunker.as_dict(), "lexical": settings.lexical.as_dict(),
            "fusion": asdict(settings.fusion)}


def format_table(report: EvalReport) -> str:
    """The figures as a plain-text table, one row per mode."""
    reused = f", reusing {report.reused_vectors} vectors" if report.reused_vectors else ""
    lines = [f"{report.dataset}: {report.documents} documents, {report.chunks} chunks, "
             f"{report.queries} judged queries; index built in {report.build_seconds:.1f} s{reused}",
             f"{'mode':<8} {'nDCG@10':>8} {'R@10':>7} {'R@100':>7} {'MRR@10':>7} {'p50 ms':>7} {'p95 ms':>7}"]
    for mode, r in report.modes.items():
        lines.append(f"{mode:<8} {r.ndcg_10:>8.4f} {r.recall_10:>7.4f} {r.recall_100:>7.4f} "
                     f"{r.mrr_10:>7.4f} {r.latency_p50_ms:>7.1f} {r.latency_p95_ms:>7.1f}")
    return "\n".join(lines)
