"""The browser chat's Gradio-free parts: the Service, rendering, the serve CLI, login throttling.

The browser tests themselves are in test_ui_browser.py; shared helpers in ui_helpers.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import KLOOP_SENTENCE, SEEDS  # noqa: E402
from ui_helpers import make_service  # noqa: E402


def test_importing_the_cli_and_library_does_not_import_gradio():
    code = ("import sys, qa, qa.cli, qa.answer, ui, ui.service, ui.render; "
            "qa.cli._parser().parse_args(['serve']); print('gradio' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_serve_help_has_examples():
    out = subprocess.run([sys.executable, "-m", "qa", "serve", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "examples:" in out.stdout and "--host" in out.stdout and "127.0.0.1" in out.stdout
    from ui.app import ANSWER_CONCURRENCY

    # `qa serve` leaves the answer concurrency to the app unless told: the help must say the same
    assert f"(default: {ANSWER_CONCURRENCY}," in " ".join(out.stdout.split())
    from qa.cli import _parser

    assert _parser().parse_args(["serve"]).concurrency is None


@pytest.fixture()
def service(tmp_path, seed_index):
    return make_service(tmp_path, seed_index, SEEDS)


def test_failed_rebuild_keeps_the_old_index_answering(service):
    from ui import render

    generation = service.retriever.generation
    shutil.move(service.seeds_dir, service.seeds_dir.with_name("moved"))
    assert service.start_build()
    state = service.wait_for_build(60)
    assert not state.running and "no documents folder" in state.error
    assert service.retriever.generation == generation
    assert KLOOP_SENTENCE in service.ask("what happened to Kloop Media").text
    html = render.build_result(service.status(), None, None)
    assert "Rebuild failed" in html and "previous index" in html


def test_credentials_from_the_option_and_a_file(tmp_path):
    from qa.cli_serve import _read_credentials as read_credentials

    f = tmp_path / "users"
    f.write_text("# who may sign in\nann:s3cret:with:colons\n\nbob:pw\n", encoding="utf-8")
    assert read_credentials(None, None) is None
    assert read_credentials("me:pw", str(f)) == [("ann", "s3cret:with:colons"), ("bob", "pw"), ("me", "pw")]
    with pytest.raises(ValueError, match="USER:PASSWORD"):
        read_credentials("nopassword", None)


def test_render_escapes_document_text_and_names():
    from ui import render

    evil = '<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))'
    p = {"rank": 1, "score": 0.5, "text": f"Intro. {evil} End.", "source": f"{evil}.md", "title": evil,
         "start": 0, "end": 0, "line_start": 1, "line_end": 2, "page": None, "page_end": None,
         "chunk_id": "c", "doc_id": "d", "dense_score": 0.5, "lexical_score": 1.0}
    p["end"] = len(p["text"])
    a = {"question": evil, "query": evil, "mode": "hybrid", "passages": [p], "answer": "", "abstained": False,
         "sentences": [{"text": evil, "passage": 1, "start": 7, "end": 7 + len(evil)}], "notes": []}
    pages = [render.transcript([{"question": evil, "answer": a}]),
             render.document({"text": p["text"], "title": evil, "size": 10}, p, a["sentences"]),
             render.transcript([{"question": evil, "answer": dict(a, abstained=True, sentences=[])}])]
    for html in pages:
        assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_match_strength_labels_and_answer_confidence_in_words():
    from ui import render

    def p(cos, bm25, score=0.03):
        return {"rank": 1, "score": score, "text": "t", "source": "a.txt", "title": "", "start": 0, "end": 1,
                "line_start": 1, "line_end": 1, "page": None, "page_end": None, "chunk_id": "c", "doc_id": "d",
                "dense_score": cos, "lexical_score": bm25}

    passages = [p(0.40, 8.0), p(0.36, 4.0), p(0.10, 0.0)]
    r = render.match_strengths(passages)
    assert r[0] == 1.0 and r[0] > r[1] > r[2]
    assert [render.strength_label(x) for x in r] == ["strong match", "partial match", "weak match"]
    assert render.match_strengths([p(0.4, 0.0), p(0.2, 0.0)]) == [1.0, 0.5]  # dense mode: cosine only
    a = {"question": "q", "query": "q", "mode": "hybrid", "passages": passages, "answer": "x [1]",
         "abstained": False, "notes": [], "sentences": [{"text": "t", "passage": 1, "start": 0, "end": 1}]}
    html = render.reply(0, a)
    # the quoted passage says so (its match in the hover); the others say how well they match
    assert "quoted in the answer" in html and "partial match" in html and "weak match" in html
    assert "cosine 0.40" in html and "score 0.0" not in html.split("title=")[0]
    assert "qa-legend" in html  # what the labels mean
    html_weak = render.reply(0, dict(a, sentences=[{"text": "t", "passage": 3, "start": 0, "end": 1}]))
    assert "strong match" in html_weak and html_weak.count("quoted in the answer") == 1  # passage 3 only
    assert "qa-confidence" not in html  # no probability in this answer: nothing invented
    assert "likely answer, 82%" in render.reply(0, dict(a, confidence=0.82))
    assert "unlikely answer, 20%" in render.reply(0, dict(a, confidence=0.2))
    closest = render.reply(0, dict(a, abstained=True, sentences=[], answer=""))
    assert "strong match" not in closest and "partial match" not in closest and "weak match" in closest


def test_follow_ups_are_read_against_the_last_question_only(service):
    from ui.handlers import Handlers

    h = Handlers(service)
    turns = []
    queries = []
    for q in ("what happened to Kloop Media", "and what about journalists?", "and women with disabilities?"):
        html, turns, _ = list(h.chat(q, turns, 5, "hybrid", 0))[-1]
        queries.append(turns[-1]["answer"]["query"])
    assert queries[0] == "what happened to Kloop Media"
    assert "journalists" in queries[1] and "Kloop" in queries[1]
    assert "women with disabilities" in queries[2] and "Kloop" not in queries[2], queries[2]
    assert f"Searched for: “{queries[2]}”" in html


CONVERSATIONS = [  # written from seeds/: (question, words the answer must quote)
    [("what happened to Kloop Media", "liquidation of one legal entity"),
     ("and what about journalists?", "journalists and activists who criticize"),
     ("were they tortured?", "conditions equivalent to torture")],
    [("what does the report say about NGOs?", "regulating the activities of NGOs"),
     ("and women with disabilities?", "women and girls with disabilities"),
     ("what discrimination did they face?", "intersecting discrimination")],
    [("what did Agnes Callamard say?", "paints a bleak picture"),
     ("and what about artificial intelligence?", "rapid development of artificial intelligence"),
     ("what could it fuel?", "racism, discrimination")],
    [("how many countries does the report cover?", "155 countries"),
     ("and what about peaceful protesters?", "Peaceful protesters have encountered"),
     ("and rallies?", "ban on rallies")],
    [("what law restricts the media?", "On Protection against Inaccurate"),
     ("what else did the authorities do?", "blocking of a website"),
     ("and what about civil society?", "previously active civil society")],
]


def test_follow_up_history_strategies_on_written_conversations(service, capsys):
    """Condensing against the last question answers as well as against the last (growing) query.

    Measured 2026-11-29 on these 15 turns: no history 13/15, last query 13/15, last question
    13/15 (both misses are questions that need no history). The seed document is too small
    to tell the strategies apart by answers; the difference is the query, which no longer grows.
    """
    hits, longest = {}, {}
    for strategy in ("none", "last query", "last question"):
        hits[strategy], longest[strategy] = 0, 0
        for conversation in CONVERSATIONS:
            previous = None
            for question, wanted in conversation:
                history = [] if previous is None or strategy == "none" else \
                    [previous.query if strategy == "last query" else previous.question]
                previous = service.ask(question, history=history)
                hits[strategy] += wanted in previous.text
                longest[strategy] = max(longest[strategy], len(previous.query))
    with capsys.disabled():
        print(f"\nfollow-up strategies, answers quoting the expected words of 15 turns: {hits}; "
              f"longest query: {longest}")
    assert hits["last question"] >= hits["last query"] and hits["last question"] >= 12


def test_documents_panel_words_folder_and_removal(service):
    from ui import render

    html = render.documents(service.files(), service.seeds_dir.resolve())
    assert str(service.seeds_dir.resolve()) in html and "Remove…" in html and "Passages" in html
    report = {"documents": 2, "chunks": 9, "added": ["a"], "changed": [], "removed": [], "renamed": [],
              "unchanged": 1, "embedded_chunks": 3, "reused_vectors": 6, "seconds": 1.25,
              "skipped": [{"source": "bad\nname.txt", "reason": "binary file"}]}
    built = render.build_result({"ready": True}, report, None)
    assert "9 passages" in built and "embedded 3 passages" in built and "chunk" not in built
    assert "bad\\nname.txt: binary file" in built  # a newline in a name stays on one line
    from ui.service import in_words

    assert in_words("embedded 120/400 chunks") == "embedded 120 of 400 passages"
    assert in_words("chunked 3/10 files") == "read 3 of 10 files"


def test_answers_run_concurrently_and_folder_changes_one_at_a_time(service):
    from ui.app import ANSWER_CONCURRENCY, build_app

    assert ANSWER_CONCURRENCY > 1
    demo = build_app(service)
    fns = {getattr(fn, "__name__", ""): block for block in (demo.fns.values() if isinstance(demo.fns, dict)
                                                             else demo.fns)
           for fn in [block.fn]}
    assert fns["chat"].concurrency_limit == ANSWER_CONCURRENCY == fns["ask"].concurrency_limit
    assert fns["chat"].concurrency_id == fns["ask"].concurrency_id
    for name in ("upload", "rebuild", "remove"):
        assert fns[name].concurrency_limit == 1 and fns[name].concurrency_id == fns["upload"].concurrency_id
    assert fns["upload"].concurrency_id != fns["chat"].concurrency_id


def test_answers_given_in_parallel_match_the_same_answers_given_one_by_one(service):
    """ANSWER_CONCURRENCY > 1 is safe: threads sharing one Retriever get the serial results."""
    from concurrent.futures import ThreadPoolExecutor

    from ui.app import ANSWER_CONCURRENCY

    questions = ["what happened to Kloop Media", "ban on rallies", "women with disabilities",
                 "journalists arrested", "freedom of expression", "how do I bake bread"] * 2

    def run(q):
        a = service.ask(q).to_dict()
        return a["answer"], [p["chunk_id"] for p in a["passages"]]

    serial = {q: run(q) for q in set(questions)}
    with ThreadPoolExecutor(ANSWER_CONCURRENCY) as pool:
        parallel = list(pool.map(run, questions))
    assert parallel == [serial[q] for q in questions]


def test_login_throttle_doubles_the_wait_after_free_failures():
    from qa import Throttle

    now = [0.0]
    t = Throttle(free=3, base=1.0, cap=8.0, clock=lambda: now[0])
    assert [t.failed("a") for _ in range(7)] == [0, 0, 0, 1, 2, 4, 8]
    assert t.wait("a") == 8 and t.wait("b") == 0  # per client
    now[0] = 9.0
    assert t.wait("a") == 0
    t.succeeded("a")
    assert t.failures("a") == 0 and t.failed("a") == 0


@pytest.mark.parametrize("args, code, words", [
    (["--host", "::"], 2, "IPv6 address :: is not supported"),
    (["--port", "70000"], 2, "from 1 to 65535"),
    (["--auth", "nopassword"], 2, "expected USER:PASSWORD"),
])
def test_serve_refuses_bad_arguments_in_one_line(args, code, words, tmp_path):
    out = subprocess.run([sys.executable, "-m", "qa", "serve", "--seeds", str(tmp_path), "--index",
                          str(tmp_path / "index"), *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == code and words in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and not (tmp_path / "index").exists()


def test_serve_on_a_taken_port_says_so_in_one_line(tmp_path, seed_index):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "qa", "serve", "--seeds", str(SEEDS), "--index", str(seed_index),
                              "--port", str(port)], capture_output=True, text=True, timeout=120,
                             env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert out.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in out.stderr
    assert "Traceback" not in out.stderr


def test_is_loopback_and_empty_host():
    from qa.cli_serve import _is_loopback

    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.4")



def test_the_app_spares_gradio_per_event_work_but_keeps_a_users_setting(service, monkeypatch):
    import importlib.util

    from ui.app import ANALYTICS_EVERY, STATUS_UPDATE_SECONDS, build_app, queued

    monkeypatch.delenv("GRADIO_ANALYTICS_CACHE_FREQUENCY", raising=False)
    installed = importlib.util.find_spec("matplotlib") is not None
    demo = build_app(service)
    assert demo._queue.ANAYLTICS_CACHE_FREQUENCY == ANALYTICS_EVERY  # was: after every event
    queue = queued(demo)._queue  # places in line every few seconds, not to every waiting client per event
    assert not queue.live_updates and queue.update_intervals == STATUS_UPDATE_SECONDS
    from ui.handlers import Handlers  # type hints Gradio reads per event: evaluated once, not per call

    assert Handlers.ask.__annotations__["question"] is str and Handlers.chat.__annotations__["question"] is str
    import gc

    from ui.app import freeze_startup_objects  # start-up's objects out of the full collections

    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 10_000 and len(gc.get_objects(2)) < gc.get_freeze_count()
    finally:
        gc.unfreeze()
    if not installed:
        assert "matplotlib" in sys.modules and sys.modules["matplotlib"] is None
        with pytest.raises(ImportError):  # at once: Gradio tries it on every event
            import matplotlib  # noqa: F401
    monkeypatch.setenv("GRADIO_ANALYTICS_CACHE_FREQUENCY", "7")
    assert build_app(service)._queue.ANAYLTICS_CACHE_FREQUENCY == 7
