"""qa eval-answers: the metric functions on hand-made outcomes, and the command on a tiny real set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.answer.metrics import (METRIC_KEYS, Outcome, average_precision, matches, reciprocal_rank,
                               risk_coverage, summarize)

ROOT = Path(__file__).resolve().parent.parent


def test_matching_ignores_case_punctuation_and_spacing():
    assert matches("The Normans were in Normandy in the 10th  and 11th centuries.", "10th and 11th Centuries")
    assert not matches("He was born in 1910.", "191")           # whole words only
    long_gold = "The black-and-white series originally ran from October 15, 1951, to May 6, 1957."
    assert matches("The black and white series originally ran from October 15, 1951, to May 6, 1957", long_gold)
    assert not matches("", "x") and not matches("anything", "")


def test_ranking_metrics():
    assert average_precision([True, False, True]) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision([False, False]) == 0.0
    assert reciprocal_rank([False, False, True]) == pytest.approx(1 / 3)


def test_summary_on_a_hand_made_set():
    outcomes = [
        Outcome("a", True, False, True, True, 0.9, 10.0),     # answered right
        Outcome("b", True, False, True, False, 0.8, 20.0),    # right, but not the first sentence
        Outcome("c", True, False, False, False, 0.7, 30.0),   # answered wrong
        Outcome("d", True, True, True, True, 0.2, 40.0),      # abstained though it knew
        Outcome("e", False, True, False, False, 0.1, 50.0),   # rightly abstained
        Outcome("f", False, False, False, False, 0.6, 60.0),  # answered an unanswerable one
    ]
    m = summarize(outcomes)
    assert set(m) == set(METRIC_KEYS)
    assert m["answer_accuracy"] == pytest.approx(2 / 4)
    assert m["top1_accuracy"] == pytest.approx(1 / 4)
    assert m["abstain_recall"] == pytest.approx(1 / 2)
    assert m["abstain_precision"] == pytest.approx(1 / 2)
    assert m["answered_precision"] == pytest.approx(2 / 4)
    assert m["overall"] == pytest.approx(3 / 6)
    assert m["map"] is None and m["mrr"] is None
    assert m["latency_p50_ms"] == pytest.approx(35.0)


def test_risk_coverage_moves_with_the_threshold():
    outcomes = [Outcome("a", True, False, True, True, 0.9), Outcome("b", True, False, False, False, 0.6),
                Outcome("c", False, False, False, False, 0.3)]
    rows = {r["threshold"]: r for r in risk_coverage(outcomes, [0.0, 0.5, 0.8, 0.95])}
    assert rows[0.0]["coverage"] == 1.0 and rows[0.0]["answered_precision"] == pytest.approx(1 / 3)
    assert rows[0.5]["coverage"] == pytest.approx(2 / 3) and rows[0.5]["overall"] == pytest.approx(2 / 3)
    assert rows[0.8]["answered_precision"] == 1.0 and rows[0.8]["overall"] == pytest.approx(2 / 3)
    assert rows[0.95]["coverage"] == 0.0 and rows[0.95]["overall"] == pytest.approx(1 / 3)


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory) -> Path:
    """Two small documents, two answerable questions (one naming its document) and one absent answer."""
    d = tmp_path_factory.mktemp("set")
    (d / "documents").mkdir()
    (d / "documents" / "otters.txt").write_text(
        "Sea otters live along the coasts of the northern Pacific Ocean. They eat sea urchins, crabs "
        "and clams. An adult sea otter weighs between 14 and 45 kilograms. Sea otters use stones as "
        "tools to open shells.\n", encoding="utf-8")
    (d / "documents" / "bridges.txt").write_text(
        "The Golden Gate Bridge opened in 1937 and spans the Golden Gate strait. Its main span is "
        "1,280 metres long. The bridge is painted in a colour called International Orange.\n",
        encoding="utf-8")
    questions = [
        {"id": "1", "question": "When did the Golden Gate Bridge open?", "answers": ["1937"]},
        {"id": "2", "question": "What do sea otters use as tools?", "answers": ["stones"],
         "document": "otters.txt"},
        {"id": "3", "question": "Who designed the Golden Gate Bridge?", "answers": []},
    ]
    (d / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    return d


def _qa(*args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1",
           "HOME": str(Path.home())}
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_eval_answers_json_has_exactly_the_documented_keys(tiny_set, tmp_path):
    r = _qa("eval-answers", str(tiny_set), "--json", "--index", str(tmp_path / "index"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == set(METRIC_KEYS) | {"set", "questions", "answerable", "unanswerable", "settings"}
    assert (out["questions"], out["answerable"], out["unanswerable"]) == (3, 2, 1)
    assert out["answer_accuracy"] == 1.0            # both answers are plain in the documents
    assert out["map"] is not None and out["map"] > 0.5  # otters.txt ranks its "stones" sentence high
    assert out["settings"]["scorer"]
    # A rerun reuses the kept index; the table form prints every figure.
    r = _qa("eval-answers", str(tiny_set), "--index", str(tmp_path / "index"), "--curve")
    assert r.returncode == 0 and "answer_accuracy" in r.stdout and "coverage" in r.stdout


def test_eval_answers_refuses_a_folder_that_is_not_a_set(tmp_path):
    r = _qa("eval-answers", str(tmp_path))
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "not an answer set" in r.stderr


WIKIQA = Path("/work/shared/eval/wikiqa-dev")


@pytest.mark.slow
@pytest.mark.skipif(not WIKIQA.is_dir(), reason="the shared WikiQA set is not on this machine")
def test_the_fitted_weights_reproduce_their_recorded_figures():
    """scorer.json records what its weights scored when fitted; `qa eval-answers` must agree."""
    from qa.answer.evaluate import evaluate_answers
    from qa.answer.scorer import load_scorer

    scorer = load_scorer()
    recorded = scorer.record["record"]["final"]["wikiqa-dev"]
    report = evaluate_answers(WIKIQA, scorer=scorer)
    for key in ("answer_accuracy", "answered_precision", "map", "mrr"):
        assert report.metrics[key] == pytest.approx(recorded[key], abs=0.02), key
