"""The browser chat, driven in headless Debian chromium through Playwright.

These tests start `python -m ui` on a free port over a temporary copy of seeds/ (plus a
document full of script/HTML payloads) and a temporary index that the app builds itself.
Screenshots of each state go to test-artifacts/ at desktop and phone width. The fixtures
(app, browser, page) and page helpers live in ui_helpers.py; the Gradio-free tests are in
test_ui_service.py.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import KLOOP_SENTENCE, SEEDS, SEED_FILE  # noqa: E402
from ui_helpers import (ARTIFACTS, DESKTOP, NESTED_SCROLLERS, PAYLOAD_NAME, PHONE, ask, clear,  # noqa: E402
                        in_viewport, open_page, running_app, snap, tab, wait_for_line)
from ui_helpers import app_fixture, browser_fixture, page_fixture  # noqa: E402,F401  (the app, browser, page fixtures)

NEW_FACT = ("Vardane river bridge\n\nThe Vardane river bridge reopened on 3 March 2024 after repairs that cost "
            "4.2 million euros. Heavy lorries are still not allowed on it.\n")


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
    # Labels a reader can use: the cited passage says it is quoted; the raw figures stay in the hover.
    score = turn.locator(f"#qa-t0-p{n} .qa-score")
    assert score.inner_text().strip() == "quoted in the answer"
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
    # The open document stays in sight beside the new answer (it used to scroll away with the page
    # and leave a lone "Close document" over an empty half page).
    page.wait_for_timeout(800)
    assert in_viewport(page, "#qa-viewer .qa-doc-head h3") and in_viewport(page, "#qa-viewer mark.qa-hl")
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
    assert "index ready:" in log and "rebuild done, the chat now answers from the new index: " in log
    assert "gen-" not in log  # no internal generation names
    assert re.search(r"build +\d+%: embedded \d+ passages?; read \d+ of \d+ files?", log) and re.search(r"embedding \d+ passages?\b", log)

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

