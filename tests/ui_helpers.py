"""Helpers for the UI tests: run `python -m ui` on a free port, drive Debian's chromium.

Kept out of conftest.py so the UI tests add nothing to the other test modules' fixtures.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from conftest import KLOOP_SENTENCE, SEEDS

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("QA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PAYLOAD_NAME = "harbour <img src=x onerror=alert(9)>.md"
PAYLOAD = """# Zorbian harbour notes

The Zorbian harbour opens at dawn, as the notice <script>window.__pwned = 1; alert("script ran")</script> says.
Visitors see <img src=x onerror="window.__pwned = 2; alert('img ran')"> on the harbour gate every morning.
The harbour master's page is [click me](javascript:window.__pwned=3) and <a href="javascript:alert(4)">this link</a>.
Raw markup: <b>bold</b> <iframe src="javascript:alert(5)"></iframe> {{constructor.constructor('alert(6)')()}} ${alert(7)} <svg onload=alert(8)>.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(seeds: Path, index: Path, log: Path, *, timeout: float = 180.0,
                extra: tuple[str, ...] = (), env: dict[str, str] | None = None) -> Iterator[str]:
    """`python -m ui` as a subprocess on a free local port; yields its URL, stops it afterwards."""
    port = free_port()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1", **(env or {}))
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ui", "--seeds", str(seeds), "--index", str(index),
                                 "--port", str(port), *extra], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the app did not start in {timeout:.0f} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def make_service(tmp_path: Path, seed_index: Path, seeds: Path):
    """A started ui.service.Service over copies of `seeds` and the prebuilt seed index."""
    from ui.service import Service

    shutil.copytree(seeds, tmp_path / "seeds")
    shutil.copytree(seed_index, tmp_path / "index")
    service = Service(tmp_path / "seeds", tmp_path / "index")
    service.start()
    return service


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return CHROMIUM
    message = f"no chromium at {CHROMIUM} (apt-get install chromium, or set QA_CHROMIUM)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def snap(page, name: str) -> list[Path]:
    """Screenshots of the current state at desktop and phone width under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    paths = []
    original = page.viewport_size
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(400)
        path = ARTIFACTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size(original or DESKTOP)
    return paths


# ---------------------------------------------------------------- the browser fixtures (test_ui_browser.py)


@pytest.fixture(scope="module", name="app")
def app_fixture(tmp_path_factory):
    base = tmp_path_factory.mktemp("ui")
    seeds = base / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / PAYLOAD_NAME).write_text(PAYLOAD, encoding="utf-8")
    with running_app(seeds, base / "index", base / "serve.log") as url:
        yield {"url": url, "seeds": seeds, "base": base}


@pytest.fixture(scope="module", name="browser")
def browser_fixture(app):
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


@pytest.fixture(scope="module", name="page")
def page_fixture(browser, app):
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


def wait_for_line(log: Path, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, f"no {text!r} in the log:\n{log.read_text(encoding='utf-8')[-2000:]}"
        time.sleep(0.3)
