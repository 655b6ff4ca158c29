"""qa.pages: a PDF page rendered to PNG with the cited text marked, only from inside the folder.

The PDFs are written in each test (tests/test_formats.make_pdf: Helvetica 12 pt, one line per
string, 14 pt apart, the first line's baseline 720 pt up a 612 x 792 pt page).
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_formats import make_pdf  # noqa: E402

from qa import PageImage, PageNotAvailable, PageRenderer  # noqa: E402
from qa.pages import find_spans, render_page  # noqa: E402

PAGES = [["Harbour report", "The ferry leaves at seven in the morning."],
         ["Second page", "Nothing happens here.", "The lighthouse keeper rings the copper bell at noon.",
          "Gulls nest on the old pier."]]
SENTENCE = "The lighthouse keeper rings the copper bell at noon."


@pytest.fixture
def folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.pdf").write_bytes(make_pdf(PAGES))
    return docs


def pixels(image: PageImage) -> Image.Image:
    return Image.open(io.BytesIO(image.png)).convert("RGB")


def orange_rows(img: Image.Image) -> list[int]:
    """Rows holding the sentence mark's orange: red well above blue, green clearly below red
    (the passage's light yellow has less red-blue contrast and nearly full green)."""
    w, h = img.size
    data = img.load()
    return [y for y in range(h) if any(r > 200 and r - b > 95 and g < 225 for r, g, b in
                                       (data[x, y] for x in range(0, w, 2)))]


def test_page_rendered_with_the_sentence_marked_where_it_is_printed(folder):
    image = PageRenderer(folder).render("harbour.pdf", 2, sentences=[SENTENCE])
    img = pixels(image)
    assert image.png.startswith(b"\x89PNG") and (image.page, image.pages) == (2, 2)
    assert img.size == (image.width, image.height) and image.width == 1000 and abs(image.height - 1294) <= 1
    assert image.marks == 1  # one line, one box
    # The sentence is the third line: baseline at 720 - 2 * 14 = 692 pt, so its top is about
    # 100 pt from the page's top edge; the mark's rows lie there and nowhere else.
    rows = orange_rows(img)
    top, bottom = min(rows) / img.height * 792, max(rows) / img.height * 792
    assert 85 < top < 102 and 100 < bottom < 116, (top, bottom)
    assert abs(image.first_mark * 792 - top) < 4


def test_unmarked_page_and_text_not_on_it(folder):
    plain = PageRenderer(folder).render("harbour.pdf", 1)
    assert plain.marks == 0 and plain.first_mark is None and orange_rows(pixels(plain)) == []
    elsewhere = PageRenderer(folder).render("harbour.pdf", 1, sentences=[SENTENCE])
    assert elsewhere.marks == 0


def test_passage_light_and_sentence_strong(folder):
    passage = "Nothing happens here. " + SENTENCE + " Gulls nest on the old pier."
    image = render_page(folder / "harbour.pdf", 2, passage=passage, sentences=[SENTENCE])
    assert image.marks == 4  # three passage lines, then the sentence's line on top
    marked = pixels(image)
    tinted = [y for y in range(0, marked.height, 2)  # the page is black on white: any tint is a mark
              if any((lambda r, g, b: r - b > 40)(*marked.getpixel((x, y))) for x in range(100, 900, 5))]
    # From the second line (baseline 706 pt: top near 75 pt from the page's top) to the fourth.
    assert 70 < min(tinted) / marked.height * 792 < 80 and 110 < max(tinted) / marked.height * 792 < 125
    assert 85 < min(orange_rows(marked)) / marked.height * 792 < 102  # the sentence: the third line


def test_find_spans_ignores_spacing_hyphenation_ligatures_and_order():
    page = "Otters eat cray-\nfish and ﬁsh.\r\nThey sleep in holts."
    (a, b), = find_spans(page, "otters eat crayfish and fish")
    assert page[a:b] == "Otters eat cray-\nfish and ﬁsh"
    # Reading order that differs (a column read the other way): runs of words are found apart.
    spans = find_spans(page, "They sleep in holts. Otters eat crayfish and")
    assert sorted(page[a:b] for a, b in spans) == ["Otters eat cray-\nfish and", "They sleep in holts"]
    assert find_spans(page, "badgers dig setts under hedges") == []
    assert find_spans(page, "") == [] and find_spans("", "otters") == []


def test_only_pdfs_inside_the_folder(folder, tmp_path):
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(make_pdf([["Secret plans"]]))
    (folder / "notes.txt").write_text("not a pdf")
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.pdf").write_bytes(make_pdf([["Inner file"]]))
    os.symlink(outside, folder / "link-out.pdf")
    os.symlink(folder / "harbour.pdf", folder / "link-in.pdf")
    renderer = PageRenderer(folder)
    for bad in ["../secret.pdf", str(outside), "link-out.pdf", "sub/../../secret.pdf"]:
        with pytest.raises(PageNotAvailable, match="outside the documents folder"):
            renderer.render(bad, 1)
    with pytest.raises(PageNotAvailable, match="only PDF pages"):
        renderer.render("notes.txt", 1)
    for bad in ["missing.pdf", "", "a\x00b.pdf"]:
        with pytest.raises(PageNotAvailable):
            renderer.render(bad, 1)
    with pytest.raises(PageNotAvailable, match="has no page 3 \\(it has 2\\)"):
        renderer.render("harbour.pdf", 3)
    with pytest.raises(PageNotAvailable, match="whole number"):
        renderer.render("harbour.pdf", 0)
    assert renderer.render("link-in.pdf", 2).pages == 2
    assert renderer.render("sub/inner.pdf", 1).pages == 1


def test_damaged_pdf_is_one_line(folder):
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage that is not a pdf")
    with pytest.raises(PageNotAvailable, match="broken.pdf: unreadable PDF"):
        PageRenderer(folder).render("broken.pdf", 1)


def test_cache_reuses_pages_forgets_the_oldest_and_notices_changes(folder):
    renderer = PageRenderer(folder)
    first = renderer.render("harbour.pdf", 2, sentences=[SENTENCE])
    assert renderer.render("harbour.pdf", 2, sentences=[SENTENCE]) is first
    assert renderer.render("harbour.pdf", 2) is not first  # other marks, another image
    # A changed file renders anew.
    path = folder / "harbour.pdf"
    path.write_bytes(make_pdf([PAGES[0], ["Second page", SENTENCE]]))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    again = renderer.render("harbour.pdf", 2, sentences=[SENTENCE])
    assert again is not first and again.png != first.png
    # Bounded: room for one page only, so the older one is dropped.
    small = PageRenderer(folder, max_bytes=len(again.png) + 10)
    one = small.render("harbour.pdf", 1)
    small.render("harbour.pdf", 2)
    assert small.render("harbour.pdf", 1) is not one


def test_the_example_in_docs_runs(tmp_path, monkeypatch, capsys):
    doc = (Path(__file__).resolve().parent.parent / "docs" / "real-documents.md").read_text()
    code = doc.split("<!-- example: pages -->\n```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "harbour.pdf").write_bytes(make_pdf(PAGES))
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/real-documents.md", "exec"), {})
    assert capsys.readouterr().out == "1 2 1000 1\n"
    assert (tmp_path / "page.png").read_bytes().startswith(b"\x89PNG")
