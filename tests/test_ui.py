"""The browser chat, driven in headless Debian chromium, plus its Gradio-free parts.

The browser tests start `python -m ui` on a free port over a temporary copy of seeds/ (plus a
document full of script/HTML payloads) and a temporary index that the app builds itself.
Screenshots of each state go to test-artifacts/ at desktop and phone width.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import KLOOP_SENTENCE, SEEDS, SEED_FILE  # noqa: E402
from ui_helpers import (ARTIFACTS, CHROMIUM_ARGS, DESKTOP, PHONE, chromium_or_skip, make_service,  # noqa: E402
                        running_app, snap)

PAYLOAD_NAME = "harbour <img src=x onerror=alert(9)>.md"
PAYLOAD = """# Zorbian harbour notes

The Zorbian harbour opens at dawn, as the notice <script>window.__pwned = 1; alert("script ran")</script> says.
Visitors see <img src=x onerror="window.__pwned = 2; alert('img ran')"> on the harbour gate every morning.
The harbour master's page is [click me](javascript:window.__pwned=3) and <a href="javascript:alert(4)">this link</a>.
Raw markup: <b>bold</b> <iframe src="javascript:alert(5)"></iframe> {{constructor.constructor('alert(6)')()}} ${alert(7)} <svg onload=alert(8)>.
"""
NEW_FACT = ("Vardane river bridge\n\nThe Vardane river bridge reopened on 3 March 2024 after repairs that cost "
            "4.2 million euros. Heavy lorries are still not allowed on it.\n")


# ---------------------------------------------------------------- without a browser


def test_importing_the_cli_and_library_does_not_import_gradio():
    code = ("import sys, qa, qa.cli, qa.answer, ui, ui.service, ui.render; "
            "qa.cli._parser().parse_args(['serve']); print('gradio' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_serve_help_has_examples():
    out = subprocess.run([sys.executable, "-m", "qa", "serve", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "examples:" in out.stdout and "--host" in out.stdout and "127.0.0.1" in out.stdout


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
    from qa.cli import _read_credentials as read_credentials

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
    assert "strong match" in html and "cosine 0.40" in html and "score 0.0" not in html.split("title=")[0]
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
    from ui.login import Throttle

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
    from qa.cli import _is_loopback

    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.4")


# ---------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    base = tmp_path_factory.mktemp("ui")
    seeds = base / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / PAYLOAD_NAME).write_text(PAYLOAD, encoding="utf-8")
    with running_app(seeds, base / "index", base / "serve.log") as url:
        yield {"url": url, "seeds": seeds, "base": base}


@pytest.fixture(scope="module")
def browser(app):
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, app, viewport):
    pg = browser.new_page(viewport=viewport)
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(app["url"])
    pg.wait_for_selector("#qa-question textarea")
    return pg


@pytest.fixture(scope="module")
def page(browser, app):
    pg = open_page(browser, app, DESKTOP)
    # The app builds its index on first start and shows the progress in the header; questions
    # asked meanwhile get a clear message.
    if pg.locator("#qa-status .qa-busy").count():
        app["progress"] = pg.locator("#qa-status").inner_text()
        snap(pg, "0-building")
        early = ask(pg, "what happened to Kloop Media")
        assert "still being built" in early.inner_text() or KLOOP_SENTENCE in early.inner_text()
    pg.wait_for_selector("#qa-status:has-text('passages')", timeout=180_000)
    yield pg
    pg.close()


NESTED_SCROLLERS = """root => Array.from([root, ...root.querySelectorAll('*')]).filter(e => {
    const y = getComputedStyle(e).overflowY;
    return (y === 'auto' || y === 'scroll') && e.scrollHeight > e.clientHeight + 1;
}).map(e => e.id || e.className)"""


def in_viewport(page, selector: str) -> bool:
    """Whether the element's box lies inside the window and inside every scroll box around it."""
    return page.evaluate("""sel => {
        const el = document.querySelector(sel);
        if (!el) return false;
        const r = el.getBoundingClientRect();
        if (r.height === 0 || r.top < 0 || r.bottom > window.innerHeight) return false;
        for (let box = el.parentElement; box; box = box.parentElement) {
            const y = getComputedStyle(box).overflowY;
            if (y !== 'auto' && y !== 'scroll') continue;
            const b = box.getBoundingClientRect();
            if (r.top < b.top - 1 || r.bottom > b.bottom + 1) return false;
        }
        return true;
    }""", selector)


def ask(page, question: str, timeout: float = 60_000):
    """Type a question, wait for its reply; return the reply's <article> element."""
    done = ".qa-turn .qa-a:not(.qa-pending)"
    n = page.locator(done).count()
    page.fill("#qa-question textarea", question)
    page.keyboard.press("Enter")
    try:
        page.wait_for_function(f"document.querySelectorAll('{done}').length > {n} && "
                               "!document.querySelector('.qa-pending')", timeout=timeout)
    except Exception:
        snap(page, "failed-ask")
        raise AssertionError(f"no reply to {question[:80]!r}; the page shows: "
                             f"{page.locator('#qa-transcript').inner_text()[-1500:]}") from None
    return page.locator(".qa-turn").last


def tab(page, name: str):
    page.click(f"button[role=tab]:has-text('{name}')")


def clear(page):
    tab(page, "Chat")
    page.click("#qa-clear")
    page.wait_for_selector(".qa-welcome")


@pytest.mark.browser
def test_kloop_answer_quotes_and_cites_the_seed(page):
    clear(page)
    turn = ask(page, "what happened to Kloop Media")
    answer = turn.locator(".qa-answer")
    assert KLOOP_SENTENCE in answer.inner_text()
    marker = answer.locator("a.qa-cite").first
    n = int(marker.inner_text().strip("[]"))
    source = turn.locator(f"#qa-t0-p{n} summary").inner_text()
    assert SEED_FILE in source
    first, last = map(int, re.search(r"lines? (\d+)(?:–(\d+))?", source).groups(default="0"))
    assert first <= 11 <= max(first, last)
    highlighted = turn.locator(f"#qa-t0-p{n} mark.qa-hl").first.inner_text()
    assert KLOOP_SENTENCE in highlighted
    # Scores a reader can use: the cited passage is a strong match; the raw figures stay in the hover.
    score = turn.locator(f"#qa-t0-p{n} .qa-score")
    assert score.inner_text().strip() == "strong match"
    assert "cosine" in score.get_attribute("title") and "BM25" in score.get_attribute("title")
    # One scroll for the page: neither the transcript nor a passage scrolls inside it.
    turn.locator(".qa-passage").evaluate_all("ds => ds.forEach(d => { d.open = true; })")
    assert page.locator("#qa-transcript").evaluate(NESTED_SCROLLERS) == []
    snap(page, "1-answer")

    # The whole document opens scrolled to the cited span, the sentence highlighted.
    turn.locator(f"#qa-t0-p{n} button.qa-open").click()
    page.wait_for_selector("#qa-viewer #qa-target")
    assert KLOOP_SENTENCE in page.locator("#qa-viewer #qa-target mark.qa-hl").inner_text()
    page.wait_for_timeout(500)
    box = page.locator("#qa-viewer #qa-target").bounding_box()
    doc_box = page.locator("#qa-viewer .qa-doc").bounding_box()
    assert box and doc_box and box["y"] < doc_box["y"] + doc_box["height"], "cited span scrolled into view"
    # The heading names the file, then its title.
    assert page.locator("#qa-viewer .qa-doc-head h3").inner_text().strip() == SEED_FILE
    assert page.locator("#qa-viewer .qa-doc-head .qa-title").count() == 1
    snap(page, "2-document")

    # A follow-up is understood in the context of the previous question, and says what it searched.
    follow = ask(page, "and what about journalists?")
    assert "journalists and activists" in follow.locator(".qa-answer").inner_text()
    assert "follow-up" in follow.inner_text()
    searched = follow.locator(".qa-searched").inner_text()
    assert "Searched for:" in searched and "journalists" in searched and "Kloop" in searched
    # ... against the last question only: a third follow-up does not drag the first one along.
    third = ask(page, "and women with disabilities?")
    searched = third.locator(".qa-searched").inner_text()
    assert "women with disabilities" in searched and "Kloop" not in searched
    snap(page, "2b-follow-ups")
    page.click("#qa-viewer-col button:has-text('Close document')")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_open_shows_the_cited_sentence_on_the_first_click(browser, app, page, viewport):
    fresh = open_page(browser, app, viewport)  # a new tab: the viewer has never been shown in it
    try:
        turn = ask(fresh, "what happened to Kloop Media")
        n = int(turn.locator("a.qa-cite").first.inner_text().strip("[]"))
        turn.locator(f"#qa-t0-p{n} button.qa-open").click()
        fresh.wait_for_selector("#qa-viewer #qa-target mark.qa-hl")
        fresh.wait_for_function("""() => {
            const r = document.querySelector('#qa-viewer mark.qa-hl').getBoundingClientRect();
            return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
        }""", timeout=5_000)
        assert KLOOP_SENTENCE in fresh.locator("#qa-viewer mark.qa-hl").first.inner_text()
        assert in_viewport(fresh, "#qa-viewer mark.qa-hl"), "the cited sentence is on screen after one click"
        label = "desktop" if viewport == DESKTOP else "phone"
        ARTIFACTS.mkdir(exist_ok=True)
        fresh.screenshot(path=str(ARTIFACTS / f"2a-first-click-{label}.png"))
    finally:
        fresh.close()


@pytest.mark.browser
def test_unanswerable_question_says_not_found_with_closest_matches(page):
    clear(page)
    turn = ask(page, "how do I bake sourdough bread")
    text = turn.inner_text()
    assert "don’t seem to answer" in text
    assert turn.locator(".qa-answer").count() == 0
    assert "Closest matches" in turn.locator(".qa-closest h4").text_content()
    assert turn.locator(".qa-closest .qa-passage").count() >= 1
    labels = turn.locator(".qa-closest .qa-score").all_inner_texts()
    assert labels and all(label.strip() == "weak match" for label in labels)
    # Gradio's footer keeps "Use via API" but not the dangling separator after it.
    assert page.locator("footer").inner_text().strip().endswith("API")
    snap(page, "3-not-found")


@pytest.mark.browser
def test_odd_questions_get_a_reply_not_a_traceback(page):
    clear(page)
    turn = ask(page, "why? " * 400)
    assert "first 1,000 characters" in turn.inner_text()
    turn = ask(page, "'; DROP TABLE chunks; -- \\u0000 ${7*7} {{7*7}}")
    assert "Traceback" not in page.content()


@pytest.mark.browser
def test_settings_change_passages_and_mode(page):
    clear(page)
    page.click("button:has-text('Search settings')")
    page.fill("#qa-k input[type=number]", "2")
    page.keyboard.press("Tab")
    page.click("#qa-mode label:has-text('lexical')")
    turn = ask(page, "what happened to Kloop Media")
    assert turn.locator(".qa-passage").count() == 2
    assert KLOOP_SENTENCE in turn.locator(".qa-answer").inner_text()
    page.fill("#qa-k input[type=number]", "5")
    page.keyboard.press("Tab")
    page.click("#qa-mode label:has-text('hybrid')")
    page.click("button:has-text('Search settings')")


@pytest.mark.browser
def test_payload_document_renders_as_inert_text(page):
    clear(page)
    turn = ask(page, "when does the Zorbian harbour open?")
    text = turn.inner_text()
    assert "The Zorbian harbour opens at dawn" in text
    assert '<script>window.__pwned = 1; alert("script ran")</script>' in text
    assert PAYLOAD_NAME in turn.locator(".qa-passage summary").first.inner_text()
    # Only cited passages start expanded; open the payload passage whichever way it ranked.
    turn.locator(".qa-passage").first.evaluate("d => { d.open = true; }")
    turn.locator("button.qa-open").first.click()
    page.wait_for_selector("#qa-viewer #qa-target")
    viewer = page.locator("#qa-viewer").inner_text()
    assert "[click me](javascript:window.__pwned=3)" in viewer and "<iframe src=" in viewer
    assert "{{constructor.constructor('alert(6)')()}} ${alert(7)}" in viewer
    tab(page, "Documents")
    page.wait_for_selector(f"#qa-documents td:has-text('{PAYLOAD_NAME}')")
    tab(page, "Chat")
    page.wait_for_timeout(500)
    injected = page.evaluate("""() => [
        '#qa-transcript', '#qa-viewer', '#qa-documents'].map(s => document.querySelector(s))
        .flatMap(root => Array.from(root.querySelectorAll('script, img, iframe, svg, b, a[href^="javascript"]')))
        .map(e => e.outerHTML)""")
    assert injected == []
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []
    snap(page, "4-payload")


@pytest.mark.browser
def test_api_endpoint_returns_the_structured_answer(app):
    from gradio_client import Client

    client = Client(app["url"], verbose=False)
    out = client.predict("what happened to Kloop Media", api_name="/ask")
    assert out["passages"][0]["source"] == SEED_FILE and out["passages"][0]["rank"] == 1
    assert KLOOP_SENTENCE in out["answer"] and out["abstained"] is False
    assert {"question", "mode", "passages", "answer", "abstained"} <= set(out)
    json.dumps(out)
    out = client.predict("how do I bake sourdough bread", 3, "dense", 0, None, api_name="/ask")
    assert out["abstained"] is True and out["answer"] == "" and len(out["passages"]) == 3


@pytest.mark.browser
def test_upload_rebuild_and_ask_about_the_new_fact(page, app, tmp_path):
    new = tmp_path / "vardane-bridge.txt"
    new.write_text(NEW_FACT, encoding="utf-8")
    bad = tmp_path / "binary.txt"
    bad.write_bytes(b"\x00\x01\x02 not text")
    clear(page)
    before = ask(page, "when did the Vardane river bridge reopen?")
    assert "don’t seem to answer" in before.inner_text()

    scratch = tmp_path / "scratch notes.md"
    scratch.write_text("Scratch notes about the Ostrava tram timetable.\n", encoding="utf-8")
    tab(page, "Documents")
    # Where the documents live, as an absolute path.
    assert str(app["seeds"].resolve()) in page.locator("#qa-documents .qa-folder").inner_text()
    page.set_input_files("#qa-upload input[type=file]", [str(new), str(bad), str(scratch)])
    page.wait_for_selector("#qa-upload-msg:has-text('added vardane-bridge.txt')", timeout=30_000)
    assert "binary.txt: refused, binary file" in page.locator("#qa-upload-msg").inner_text()
    assert "Press Rebuild index" in page.locator("#qa-upload-msg").inner_text()
    assert (app["seeds"] / "vardane-bridge.txt").read_text(encoding="utf-8") == NEW_FACT
    assert not (app["seeds"] / "binary.txt").exists()
    page.wait_for_selector("#qa-documents td:has-text('new, not indexed yet')")
    snap(page, "5-uploaded")

    # Removing a document takes a confirmation; the file goes at once, the index at the rebuild.
    row = page.locator("#qa-documents tr:has(td.qa-name:text-is('scratch notes.md'))")
    row.locator("button.qa-remove").click()
    assert "Delete scratch notes.md from the documents folder?" in row.inner_text()
    assert (app["seeds"] / "scratch notes.md").exists(), "nothing is deleted before the confirmation"
    snap(page, "5a-remove-confirm")
    row.locator("button.qa-delete").click()
    page.wait_for_selector("#qa-remove-msg:has-text('removed scratch notes.md')")
    assert "Rebuild" not in page.locator("#qa-remove-msg").inner_text()  # it was never indexed
    assert not (app["seeds"] / "scratch notes.md").exists()
    assert "scratch notes.md" not in page.locator("#qa-documents").inner_text()  # never indexed: just gone

    page.click("#qa-rebuild")
    # The chat keeps answering from the old index while the rebuild runs.
    tab(page, "Chat")
    during = ask(page, "what happened to Kloop Media")
    assert KLOOP_SENTENCE in during.inner_text()
    tab(page, "Documents")
    page.wait_for_selector("#qa-build-msg:has-text('Index built'):has-text('1 added')", timeout=120_000)
    built = page.locator("#qa-build-msg").inner_text()
    assert "passages" in built and "chunk" not in built
    assert "new, not indexed" not in page.locator("#qa-documents").inner_text()
    # The rebuild was done: the upload notes and their "press Rebuild index" are gone.
    assert "Press Rebuild index" not in page.locator("#qa-upload-msg").inner_text()
    assert page.locator("#qa-remove-msg").inner_text().strip() == ""
    snap(page, "6-rebuilt")

    # The same content again: said so, and no rebuild asked for.
    page.set_input_files("#qa-upload input[type=file]", [str(new)])
    page.wait_for_selector("#qa-upload-msg:has-text('same content')", timeout=30_000)
    assert "Rebuild" not in page.locator("#qa-upload-msg").inner_text()
    assert "up to date" in page.locator("#qa-documents").inner_text()
    # The terminal running the app told the story too.
    log = (app["base"] / "serve.log").read_text(encoding="utf-8")
    assert "index ready:" in log and "rebuild done, the chat now answers from gen-" in log
    assert re.search(r"build +\d+%: read \d+ of \d+ files", log) and re.search(r"embedding \d+ passages", log)

    tab(page, "Chat")
    turn = ask(page, "when did the Vardane river bridge reopen?")
    answer = turn.locator(".qa-answer").inner_text()
    assert "reopened on 3 March 2024" in answer
    n = int(turn.locator("a.qa-cite").first.inner_text().strip("[]"))
    assert "vardane-bridge.txt" in turn.locator(".qa-passage summary").nth(n - 1).inner_text()
    snap(page, "7-new-fact")


@pytest.mark.browser
def test_failed_rebuild_is_shown_and_the_old_index_stays(page, app):
    seeds = app["seeds"]
    moved = seeds.with_name("seeds-moved")
    seeds.rename(moved)
    try:
        tab(page, "Documents")
        page.click("#qa-rebuild")
        page.wait_for_selector("#qa-build-msg:has-text('Rebuild failed')", timeout=60_000)
        assert "no documents folder" in page.locator("#qa-build-msg").inner_text()
        snap(page, "8-rebuild-failed")
        tab(page, "Chat")
        turn = ask(page, "when did the Vardane river bridge reopen?")
        assert "reopened on 3 March 2024" in turn.locator(".qa-answer").inner_text()
    finally:
        moved.rename(seeds)


@pytest.mark.browser
def test_sign_in_is_throttled_per_client_and_every_endpoint_needs_it(app, page):
    import httpx
    from gradio_client import Client

    log = app["base"] / "auth.log"
    with running_app(app["seeds"], app["base"] / "index", log, extra=("--auth", "ann:right")) as url:
        login = url + "login"
        codes = [httpx.post(login, data={"username": "ann", "password": f"wrong{i}"}).status_code
                 for i in range(5)]
        assert codes == [400, 400, 400, 400, 429], codes  # 3 free tries, then a lock-out
        locked = httpx.post(login, data={"username": "ann", "password": "right"})
        assert locked.status_code == 429 and "Try again in" in locked.json()["detail"]
        assert int(locked.headers["retry-after"]) >= 1
        time.sleep(float(locked.headers["retry-after"]) + 0.2)
        ok = httpx.post(login, data={"username": "ann", "password": "right"})
        assert ok.status_code == 200
        assert httpx.post(login, data={"username": "ann", "password": "wrong"}).status_code == 400  # reset
        # Without the session cookie the API and the config stay closed.
        with pytest.raises(Exception):
            Client(url, verbose=False).predict("what happened to Kloop Media", api_name="/ask")
        assert httpx.get(url + "config").status_code in (401, 403)
        text = log.read_text(encoding="utf-8")
        assert "failed sign-in from 127.0.0.1" in text and "locked out" in text


@pytest.mark.browser
def test_empty_host_binds_locally_without_the_exposure_warning(app, page):
    log = app["base"] / "host.log"
    with running_app(app["seeds"], app["base"] / "index", log, extra=("--host", "")) as url:
        assert url.startswith("http://127.0.0.1:")
        wait_for_line(log, "the chat is at")
    text = log.read_text(encoding="utf-8")
    assert "the chat is at http://127.0.0.1:" in text and "without --auth" not in text


@pytest.mark.browser
def test_first_run_says_it_prepares_the_model_and_hides_the_noise(tmp_path, browser):
    """A machine without the ONNX export (a fresh HOME): one line about it, no weight bars or advice."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(SEEDS, tmp_path / "seeds")
    log = tmp_path / "serve.log"
    seen = []
    with running_app(tmp_path / "seeds", tmp_path / "index", log, env={"HOME": str(home)}, timeout=300) as url:
        pg = browser.new_page(viewport=DESKTOP)  # the page shows the build as it goes
        try:
            pg.goto(url)
            pg.wait_for_selector("#qa-status")
            deadline = time.monotonic() + 300
            while "index ready" not in log.read_text(encoding="utf-8") and time.monotonic() < deadline:
                seen.append(pg.locator("#qa-status").inner_text())
                time.sleep(0.5)
            pg.wait_for_selector("#qa-status:has-text('passages')", timeout=30_000)
        finally:
            pg.close()
        wait_for_line(log, "index ready", timeout=30)
    assert any("Building the index" in s and "preparing the embedding model once" in s for s in seen), seen[:5]
    text = log.read_text(encoding="utf-8")
    assert list((home / ".cache" / "qa" / "onnx").glob("*-int8.onnx")), "the export really ran"
    assert text.count("preparing the embedding model once (about 20 s)") == 1
    assert "Loading weights" not in text and "pre-processing" not in text and "Traceback" not in text


def wait_for_line(log: Path, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, f"no {text!r} in the log:\n{log.read_text(encoding='utf-8')[-2000:]}"
        time.sleep(0.3)
