"""The page itself in the viewer: a PDF citation shows its page, rendered by the server, the cited
sentence marked on it, beside (or above) the text view, at desktop and phone width.

`python -m ui` runs over a folder holding one PDF written by the test (tests/test_formats.make_pdf);
the app builds its index itself with the bundled model. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_formats import make_pdf  # noqa: E402
from ui_helpers import DESKTOP, PHONE, ask, in_viewport, open_page, running_app, snap  # noqa: E402
from ui_helpers import browser_fixture  # noqa: E402,F401  (the browser fixture, over this module's app)

from ui import render  # noqa: E402

SOURCE = "harbour <i>report.pdf"  # markup in the name must stay text
FILLER = [f"Note {i}: the quay was swept and the nets were dried in the sun." for i in range(1, 30)]
HARBOUR = [["Harbour report", "The ferry leaves the harbour at seven in the morning.", *FILLER],
           ["Lighthouse", *FILLER[:20], "The lighthouse keeper rings the copper bell at noon every day.",
            "Gulls nest on the old pier beside the lighthouse."]]
SENTENCE = "The lighthouse keeper rings the copper bell at noon every day."


@pytest.fixture(scope="module", name="app")
def pdf_app(tmp_path_factory):
    base = tmp_path_factory.mktemp("ui-pages")
    seeds = base / "seeds"
    seeds.mkdir()
    (seeds / SOURCE).write_bytes(make_pdf(HARBOUR))
    with running_app(seeds, base / "index", base / "serve.log") as url:
        yield {"url": url, "seeds": seeds, "base": base}


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_pdf_citation_shows_the_page_with_the_sentence_marked(browser, app, viewport):
    page = open_page(browser, app, viewport)
    try:
        page.wait_for_selector("#qa-status:has-text('passages')", timeout=180_000)
        turn = ask(page, "When does the lighthouse keeper ring the copper bell?")
        assert SENTENCE in turn.locator(".qa-answer").inner_text()
        n = int(turn.locator("a.qa-cite").first.inner_text().strip("[]"))
        turn.locator(f"#qa-t0-p{n} button.qa-open").click()
        img = page.locator("#qa-viewer .qa-page img").first
        img.wait_for()
        page.wait_for_function("() => { const i = document.querySelector('#qa-viewer .qa-page img');"
                               " return i && i.complete && i.naturalWidth > 0; }", timeout=10_000)
        assert img.evaluate("i => [i.naturalWidth, i.getAttribute('src').slice(0, 22)]") == \
            [1000, "data:image/png;base64,"]
        caption = page.locator("#qa-viewer .qa-page figcaption").first.inner_text()
        assert caption == "Page 2 of 2, the cited text marked"
        assert SOURCE in img.get_attribute("alt") and page.locator("#qa-viewer i").count() == 0
        # The page is scrolled to the mark, which is on screen; the text view is still there.
        page.wait_for_function("""() => {
            const b = document.querySelector('#qa-viewer .qa-page-box').getBoundingClientRect();
            const m = document.querySelector('#qa-viewer .qa-page-mark').getBoundingClientRect();
            return m.top >= b.top && m.bottom <= b.bottom && m.left >= b.left && m.right <= b.right;
        }""", timeout=5_000)
        assert in_viewport(page, "#qa-viewer .qa-page-mark"), "the marked sentence is in sight"
        assert SENTENCE in page.locator("#qa-viewer .qa-doc mark.qa-hl").first.inner_text()
        # Nothing wider than the window: a page wider than its box scrolls inside the box.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        box = page.locator("#qa-viewer .qa-page-box").bounding_box()
        assert box and box["width"] >= 250 and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        label = "desktop" if viewport == DESKTOP else "phone"
        snap(page, f"6-pdf-page-opened-at-{label}")
    finally:
        page.close()


def test_viewer_html_for_a_page_and_for_a_refusal():
    class Img:  # the fields of qa.PageImage the viewer reads
        png, page, pages, width, height, marks, first_mark, first_mark_left = b"\x89PNG", 3, 9, 10, 20, 0, None, None

    record = {"text": "abc", "title": "", "size": 3}
    p = {"source": 'x"<i>.pdf', "page": 3, "page_end": 3, "start": 0, "end": 3, "text": "abc",
         "line_start": 1, "line_end": 1}
    html = render.document(record, p, [], [Img()])
    assert 'src="data:image/png;base64,iVBORw=="' in html and "<i>" not in html
    assert "Page 3 of 9 (the cited text could not be located on the page image)" in html
    assert 'class="qa-page-mark"' not in html
    refused = render.document(record, p, [], [], "The page itself cannot be shown: x: <outside>.")
    assert "qa-page" not in refused and "&lt;outside&gt;" in refused


def test_service_renders_the_cited_pages_and_nothing_outside_the_folder(tmp_path):
    from qa import PageNotAvailable
    from ui.service import MAX_PAGES_SHOWN, Service

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "long.pdf").write_bytes(make_pdf([[f"Page {i} text."] for i in range(1, 6)]))
    (tmp_path / "secret.pdf").write_bytes(make_pdf([["Secret plans."]]))
    (seeds / "link.pdf").symlink_to(tmp_path / "secret.pdf")
    service = Service(seeds, tmp_path / "index")  # rendering needs no index
    cited = {"source": "long.pdf", "page": 2, "page_end": 5, "text": "Page 2 text. Page 3 text."}
    images = service.page_images(cited, ["Page 3 text."])
    assert [(i.page, i.marks) for i in images] == [(2, 1), (3, 2), (4, 0)][:MAX_PAGES_SHOWN]
    assert service.page_images({"source": "notes.txt", "page": None, "text": "x"}) == []
    for source in ["../secret.pdf", str(tmp_path / "secret.pdf"), "link.pdf"]:
        with pytest.raises(PageNotAvailable, match="outside the documents folder"):
            service.page_images({"source": source, "page": 1, "text": "Secret plans."})
