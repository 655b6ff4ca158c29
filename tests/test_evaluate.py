"""Retrieval metrics against hand-computed rankings, BEIR loading, and `qa eval` as a subprocess."""

from __future__ import annotations

import json
import math

import pytest

from qa.evaluate import (load_beir, mrr_at_k, ndcg_at_k, recall_at_k, safe_name, score_rankings,
                         write_corpus)

from test_cli import qa


def test_ndcg_hand_computed():
    # Relevant a and b at ranks 1 and 3: DCG = 1 + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3).
    assert ndcg_at_k(["a", "x", "b"], {"a": 1, "b": 1}) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert ndcg_at_k(["a", "b", "x"], {"a": 1, "b": 1}) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], {"a": 1}) == 0.0
    assert ndcg_at_k([], {"a": 1}) == 0.0
    # Graded: gains 2^2-1 = 3 and 2^1-1 = 1. Ranking b(1), a(2): DCG = 1 + 3/log2(3); ideal = 3 + 1/log2(3).
    assert ndcg_at_k(["b", "a"], {"a": 2, "b": 1}) == pytest.approx(
        (1 + 3 / math.log2(3)) / (3 + 1 / math.log2(3)))
    # Judged non-relevant documents (rel 0) gain nothing and are not in the ideal ranking.
    assert ndcg_at_k(["n", "a"], {"a": 1, "n": 0}) == pytest.approx(1 / math.log2(3))
    # A relevant document missing from the ranking still counts in the ideal DCG.
    assert ndcg_at_k(["a"], {"a": 1, "gone": 1}) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_ndcg_cuts_at_k():
    ranking = [f"x{i}" for i in range(10)] + ["a"]
    assert ndcg_at_k(ranking, {"a": 1}, k=10) == 0.0
    assert ndcg_at_k(ranking, {"a": 1}, k=11) == pytest.approx(1 / math.log2(12))
    # The ideal ranking is cut at k too: 12 relevant documents, all in the top 10 -> 1.0.
    rels = {f"r{i}": 1 for i in range(12)}
    assert ndcg_at_k([f"r{i}" for i in range(10)], rels, k=10) == pytest.approx(1.0)


def test_recall_and_mrr_hand_computed():
    rels = {"a": 1, "b": 1, "c": 1, "n": 0}
    ranking = ["x", "a", "n", "y", "b"]
    assert recall_at_k(ranking, rels, 2) == pytest.approx(1 / 3)
    assert recall_at_k(ranking, rels, 5) == pytest.approx(2 / 3)
    assert recall_at_k(ranking, rels, 100) == pytest.approx(2 / 3)
    assert mrr_at_k(ranking, rels, 10) == pytest.approx(1 / 2)
    assert mrr_at_k(["n", "x", "c"], rels, 10) == pytest.approx(1 / 3)  # rel 0 is not a hit
    assert mrr_at_k(["x"] * 10 + ["a"], rels, 10) == 0.0
    assert recall_at_k(ranking, {"n": 0}, 10) == 0.0  # nothing relevant: 0, as in pytrec_eval


def test_score_rankings_averages_over_judged_queries():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1, "c": 1}, "q3": {"d": 1}}
    rankings = {"q1": ["a"], "q2": ["x", "b"]}  # q3 was not answered: it scores 0
    r = score_rankings(rankings, qrels, latencies_ms=[10.0, 20.0, 30.0])
    ndcg_q2 = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert r.queries == 3
    assert r.ndcg_10 == pytest.approx((1 + ndcg_q2 + 0) / 3)
    assert r.recall_10 == pytest.approx((1 + 0.5 + 0) / 3)
    assert r.mrr_10 == pytest.approx((1 + 0.5 + 0) / 3)
    assert r.latency_p50_ms == pytest.approx(20.0)
    assert r.latency_p95_ms == pytest.approx(29.0)


def write_beir(folder, corpus, queries, qrels, header=True):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as f:
        for _id, (title, text) in corpus.items():
            f.write(json.dumps({"_id": _id, "title": title, "text": text, "metadata": {}}) + "\n")
    with open(folder / "queries.jsonl", "w", encoding="utf-8") as f:
        for _id, text in queries.items():
            f.write(json.dumps({"_id": _id, "text": text}) + "\n")
    (folder / "qrels").mkdir(exist_ok=True)
    rows = ["query-id\tcorpus-id\tscore"] if header else []
    rows += [f"{q}\t{d}\t{r}" for q, docs in qrels.items() for d, r in docs.items()]
    (folder / "qrels" / "test.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


CORPUS = {
    "volcano": ("Volcanic eruptions", "Magma rises through the crust and erupts as lava, ash and gas "
                                      "from volcanoes such as Etna and Vesuvius."),
    "sourdough": ("Baking sourdough bread", "A sourdough starter of flour and water ferments with wild "
                                            "yeast; the dough is kneaded, proofed overnight and baked."),
    "chess/opening": ("Chess openings", "The Sicilian Defence answers 1.e4 with c5; the Queen's Gambit "
                                        "offers a pawn on c4 for central control."),
    "whales": ("Humpback whales", "Humpback whales migrate thousands of kilometres between polar "
                                  "feeding grounds and tropical breeding waters, singing complex songs."),
    "bees": ("Honey bees", "Worker bees gather nectar and pollen, and a waggle dance tells the hive "
                           "where flowers are."),
}
QUERIES = {"1": "lava and ash from volcanoes", "2": "sourdough starter wild yeast fermentation",
           "3": "Sicilian Defence chess opening", "4": "an unjudged query about bees"}
# Query 3 has a second relevant document that is not in the corpus: recall 0.5, nDCG 1/(1 + 1/log2 3).
QRELS = {"1": {"volcano": 1, "whales": 0}, "2": {"sourdough": 1}, "3": {"chess/opening": 1, "missing": 1}}


def test_load_beir_and_write_corpus(tmp_path):
    folder = write_beir(tmp_path / "beir", CORPUS, QUERIES, QRELS)
    data = load_beir(folder)
    assert data.corpus["volcano"][0] == "Volcanic eruptions" and len(data.corpus) == 5
    assert data.queries["4"].startswith("an unjudged") and data.qrels["1"] == {"volcano": 1, "whales": 0}
    names = write_corpus(data, tmp_path / "docs")
    assert names[safe_name("chess/opening")] == "chess/opening" and safe_name("chess/opening") == "chess_opening.txt"
    text = (tmp_path / "docs" / "chess_opening.txt").read_text(encoding="utf-8")
    assert text.startswith("Chess openings\n\nThe Sicilian Defence")
    with pytest.raises(FileNotFoundError, match=r"not a BEIR folder: missing qrels/dev.tsv"):
        load_beir(folder, split="dev")


def test_qa_eval_on_a_tiny_beir_folder(tmp_path):
    folder = write_beir(tmp_path / "tiny", CORPUS, QUERIES, QRELS)
    out = json.loads(qa("eval", str(folder), "--json", "--index", str(tmp_path / "index")).stdout)
    assert out["documents"] == 5 and out["queries"] == 3 and out["build_seconds"] > 0
    assert set(out["modes"]) == {"hybrid", "dense", "lexical"}
    ndcg_q3 = 1 / (1 + 1 / math.log2(3))
    for mode, r in out["modes"].items():
        assert r["queries"] == 3, mode
        assert r["ndcg_10"] == pytest.approx((1 + 1 + ndcg_q3) / 3), mode
        assert r["recall_10"] == pytest.approx((1 + 1 + 0.5) / 3), mode
        assert r["recall_100"] == pytest.approx((1 + 1 + 0.5) / 3), mode
        assert r["mrr_10"] == pytest.approx(1.0), mode
        assert 0 < r["latency_p50_ms"] <= r["latency_p95_ms"], mode

    table = qa("eval", str(folder), "--mode", "lexical", "--index", str(tmp_path / "index")).stdout
    lines = table.splitlines()
    assert lines[0].startswith("tiny: 5 documents") and lines[1].split()[:2] == ["mode", "nDCG@10"]
    assert lines[2].split()[0] == "lexical" and float(lines[2].split()[1]) == pytest.approx(
        (2 + ndcg_q3) / 3, abs=1e-4)
    assert len(lines) == 3


def test_qa_eval_refuses_a_folder_that_is_not_beir(tmp_path):
    proc = qa("eval", str(tmp_path), check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"qa eval: error: {tmp_path} is not a BEIR folder: missing corpus.jsonl, queries.jsonl, "
        "qrels/test.tsv (expected corpus.jsonl, queries.jsonl and qrels/<split>.tsv)"]


def test_qa_eval_will_not_overwrite_a_real_index(tmp_path, seed_index):
    folder = write_beir(tmp_path / "tiny", CORPUS, QUERIES, QRELS)
    proc = qa("eval", str(folder), "--index", str(seed_index), check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "not one `qa eval` built" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
