"""The chat's "Search only in" choice, in headless chromium (fixtures: ui_helpers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import KLOOP_SENTENCE, SEED_FILE  # noqa: E402
from ui_helpers import PAYLOAD_NAME, ask, clear, snap  # noqa: E402
from ui_helpers import app_fixture, browser_fixture, page_fixture  # noqa: E402,F401  (the app, browser, page fixtures)


def _sources(turn) -> set[str]:
    return {s.split(" ")[0] for s in turn.locator(".qa-passage summary").all_inner_texts()}


@pytest.mark.browser
def test_search_only_in_the_chosen_document(page):
    clear(page)
    page.click("#qa-scope input")
    options = page.locator("ul[role=listbox] li")
    options.first.wait_for()
    assert {SEED_FILE, PAYLOAD_NAME} <= set(options.all_inner_texts())
    page.locator("ul[role=listbox] li", has_text="harbour").click()
    page.keyboard.press("Escape")
    turn = ask(page, "what happened to Kloop Media")
    snap(page, "scope-harbour")
    assert KLOOP_SENTENCE not in turn.inner_text()
    assert all(PAYLOAD_NAME.split(" ")[0] in s for s in turn.locator(".qa-passage summary").all_inner_texts())
    page.click("#qa-scope button[aria-label='Clear']" if page.locator("#qa-scope button[aria-label='Clear']").count()
               else "#qa-scope .token-remove")
    turn = ask(page, "what happened to Kloop Media")
    assert KLOOP_SENTENCE in turn.locator(".qa-answer").inner_text()
