"""What a page break must not cut: a sentence introducing a quotation on the next page (with the
page's footnotes between them), written here with reportlab."""

from __future__ import annotations

import io

import pytest

pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from qa.formats import page_of, read_pdf  # noqa: E402

W, H = letter


def _lines(c: canvas.Canvas, x: float, top: float, lines: list[str], size: float = 10) -> None:
    c.setFont("Times-Roman", size)
    for i, line in enumerate(lines):
        c.drawString(x, top - 1.2 * size * i, line)


def _filler(tag: str, n: int) -> list[str]:
    return [f"The {tag} survey line {i} tells how the volunteers walked the bank." for i in range(n)]


def _canvas(pagesize=letter) -> tuple[io.BytesIO, canvas.Canvas]:
    buf = io.BytesIO()
    return buf, canvas.Canvas(buf, pagesize=pagesize)


def _statement(font: float, draw) -> str:
    """The text of a page of five lines of text, then what `draw(c, y)` sets from y down in
    Helvetica of size `font` (returning where it ended), then five more lines."""
    buf, c = _canvas()
    _lines(c, 72, H - 72, _filler("before", 5))
    c.setFont("Helvetica", font)
    end = draw(c, H - 160)
    _lines(c, 72, end - 40, _filler("after", 5))
    return _read(c, buf).text


def _read(c: canvas.Canvas, buf: io.BytesIO):
    c.showPage()
    c.save()
    return read_pdf(buf.getvalue())


def test_a_colon_at_the_foot_of_a_page_introduces_the_quotation_on_the_next():
    # "..., which Wang et al. (2022) define as:" ends page 3's text, the page's footnote sits
    # below it, and the quotation it introduces opens page 4 in smaller type: the footnote goes
    # before the paragraph, and the sentence and its quotation are one.
    buf, c = _canvas()
    _lines(c, 72, H - 72, [*_filler("first", 44), "We focus on faithfulness, which Wang et al. define as:"])
    _lines(c, 72, 80, ["3 Besides granularity, we also observe many annotator qualifications."], size=8)
    c.showPage()
    _lines(c, 90, H - 72, ["\u201cChecking the factual errors in the summary, where a factual error is",
                           "a statement that contradicts the source document\u201d"], size=8.5)
    _lines(c, 72, H - 110, _filler("second", 20))
    ex = _read(c, buf)
    text = ex.text
    assert "which Wang et al. define as: \u201cChecking the factual errors in the summary" in text
    note = text.index("3 Besides granularity")
    assert note < text.index("We focus on faithfulness")
    assert page_of(ex.page_starts, note) == 1
    assert page_of(ex.page_starts, text.index("define as:")) == 1
    assert page_of(ex.page_starts, text.index("Checking the factual")) == 2


@pytest.mark.parametrize("xs, n", [([72, 120, 170, 230, 330, 420, 500], 12), ([72, 170, 330, 450], 6)])
def test_two_columns_under_a_table_across_the_page_are_read_column_by_column(xs, n):
    # A table as wide as the page above two columns (ACL's Table 1 on page 2), its caption's last
    # line short. With many cells no gutter runs from top to bottom, and the band under the
    # table has one; with few, the gutter runs between the table's columns: its rows are still
    # rows across the page, and the caption is one paragraph.
    buf, c = _canvas()
    c.setFont("Helvetica", 8)
    for r in range(n):
        for k, x in enumerate(xs):
            c.drawString(x, H - 72 - 11 * r, f"r{r}c{k}" if r else f"Head {k}")
    _lines(c, 72, H - 215, ["Table 1: A comparison of the river surveys with other surveys of the otters and of",
                            "the banks that the volunteers walked in the years before the floods came to the valley of",
                            "Otterton and the trust."], size=9)
    left = [f"Left line {i} of the survey tells how many otters were" for i in range(30)]
    right = [f"Right line {i} of the survey says when the banks flood" for i in range(30)]
    _lines(c, 72, H - 260, left)
    _lines(c, 320, H - 260, right)
    ex = _read(c, buf)
    text = ex.text
    assert " ".join(left) in text
    assert " ".join(right) in text
    assert text.index("Table 1:") < text.index("Left line 0") < text.index("Right line 0")
    assert "before the floods came to the valley of Otterton and the trust." in text
    assert f"r1c0 | Head 1: r1c1 | Head 2: r1c2 | Head 3: r1c3" in text


def test_a_running_head_seen_once_does_not_cut_the_sentence_over_the_break():
    # A slip opinion's odd pages carry "Cite as: 569 U. S. ____ (2013)", its even pages the case's
    # name: in four pages the odd head is seen once, so it is not known as furniture. It moves
    # after the paragraph that completes the sentence, and stays findable on its page.
    buf, c = _canvas()
    heads = ["(Slip Opinion) OCTOBER TERM, 2012 1", "2 TARRANT REGIONAL WATER DIST. v. HERRMANN",
             "Cite as: 569 U. S. ____ (2013) 3", "4 TARRANT REGIONAL WATER DIST. v. HERRMANN"]
    bodies = [_filler("first", 40),
              [*_filler("second", 39), "It follows that silence in compacts touching on the authority to"],
              ["control their waters means that each State was left to rule its own.", *_filler("third", 39)],
              _filler("fourth", 40)]
    for n, (head, body) in enumerate(zip(heads, bodies)):
        c.setFont("Times-Roman", 10)
        c.drawCentredString(W / 2, H - 60, head)
        _lines(c, 72, H - 110, body)
        if n < 3:
            c.showPage()
    ex = _read(c, buf)
    text = ex.text
    assert "touching on the authority to control their waters means that each State" in text
    head = text.index("Cite as: 569 U. S.")
    assert page_of(ex.page_starts, head) == 3


def test_a_spacing_accent_drawn_over_its_letter_is_put_on_it():
    # LaTeX may draw a spacing diaeresis over the "a" of "Farber" after the word ("Farber ¨"), or
    # an acute before the "e" it is over: read "Färber" and "café", and a line-end hyphen after
    # them still joins its word.
    from reportlab.pdfbase.pdfmetrics import stringWidth

    buf, c = _canvas()
    _lines(c, 72, H - 72, _filler("accent", 10))
    y = H - 72 - 12 * 10
    x = 72.0
    head = "Central, Saier and Farber"
    c.drawString(x, y, head)
    a = x + stringWidth("Central, Saier and F", "Times-Roman", 10)
    c.drawString(a + (stringWidth("a", "Times-Roman", 10) - stringWidth("\u00a8", "Times-Roman", 10)) / 2, y, "\u00a8")
    x += stringWidth(head, "Times-Roman", 10)
    c.drawString(x, y, " (2019) of the caf")
    x += stringWidth(" (2019) of the caf", "Times-Roman", 10)
    c.drawString(x + (stringWidth("e", "Times-Roman", 10) - stringWidth("\u00b4", "Times-Roman", 10)) / 2, y, "\u00b4")
    c.drawString(x, y, "e")
    c.drawString(x + stringWidth("e", "Times-Roman", 10), y, " by the river may not pro-")
    _lines(c, 72, y - 12, ["vide usable counts of the otters in the survey.", *_filler("after", 5)])
    text = _read(c, buf).text
    assert "Central, Saier and F\u00e4rber (2019) of the caf\u00e9 by the river may not provide usable counts" in text


def test_two_tables_side_by_side_are_read_as_two_tables():
    # Two statements side by side on one wide page, their rows on grids of their own: each is a
    # table of its own, not one table whose rows join a row of each.
    from reportlab.lib.pagesizes import A3, landscape

    buf, c = _canvas(landscape(A3))
    w, h = landscape(A3)
    c.setFont("Helvetica", 9)
    left = [f"Income item number {k} of the year" for k in range(24)]
    right = [f"Equity movement {k}" for k in range(30)]
    for k, label in enumerate(left):
        y = h - 100 - 16 * k
        c.drawString(60, y, label)
        c.drawRightString(330, y, f"{1000 + k:,}")
        c.drawRightString(400, y, f"{2000 + k:,}")
    for k, label in enumerate(right):
        y = h - 95 - 12.5 * k
        c.drawString(560, y, label)
        for n, x in enumerate((760, 860, 960, 1060)):
            c.drawRightString(x, y, f"{(n + 3) * 1000 + k:,}")
    text = _read(c, buf).text
    assert "\nIncome item number 5 of the year | 1,005 | 2,005\n" in text
    assert "\nEquity movement 7 | 3,007 | 4,007 | 5,007 | 6,007\n" in text


def test_a_label_alone_on_its_row_inside_a_table_keeps_the_table_whole():
    # A price sheet: a header row, then groups of rows each under a label of its own ("Ethanol
    # ($/gal)"): the rows keep the header's column names, and their group's label.
    buf, c = _canvas()
    c.setFont("Helvetica", 9)
    y = H - 60
    for x, head in ((200, "This week"), (270, "Last week"), (340, "Year ago")):
        c.drawString(x, y, head)
    for group, rows in (("Ethanol ($/gal)", (("Iowa", "1.35 - 1.42", "1.38 - 1.43", "1.27 - 1.35"),
                                              ("Minnesota", "1.38 - 1.48", "1.40 - 1.49", "1.28 - 1.35"))),
                        ("Biodiesel ($/gal)", (("Iowa", "2.85", "2.99 - 3.30", "2.85 - 3.07"),
                                               ("Illinois", "3.40", "3.47 - 3.54", "2.95 - 3.05")))):
        y -= 13
        c.drawString(17 + 55, y, group)
        for row in rows:
            y -= 13
            for x, cell in zip((29 + 55, 200, 270, 340), row):
                c.drawString(x, y, cell)
    _lines(c, 72, y - 40, _filler("sheet", 5))
    text = _read(c, buf).text
    assert "Ethanol ($/gal): Iowa | This week: 1.35 - 1.42 | Last week: 1.38 - 1.43" in text
    assert "Biodiesel ($/gal): Iowa | This week: 2.85 | Last week: 2.99 - 3.30" in text


def test_figures_led_by_a_yen_sign_are_cells_of_their_own():
    # "¥ 233,512   ¥ 201,683" set closer than the gap that cuts text into cells: two figures, as
    # with "$" or "€", each under its year.
    def draw(c: canvas.Canvas, y: float) -> float:
        c.drawRightString(250, y, "2020")
        c.drawRightString(320, y, "2021")
        for label, a, b in (("Net profit", "233,512", "201,683"), ("Total equity", "2,511,155", "2,870,611")):
            y -= 14
            c.drawString(72, y, label)
            c.drawRightString(320, y, f"\u00a5 {a}      \u00a5 {b}")
        return y

    assert "Net profit | 2020: \u00a5 233,512 | 2021: \u00a5 201,683" in _statement(9, draw)


def test_figures_set_between_the_two_lines_of_their_label_are_one_row():
    # A statement's label on two lines with its figures centred between them: one row, the
    # label whole, then the figures.
    rows = [("Net profit", None, "233,512", "201,683"),
            ("Changes in fair value of financial assets measured at",
             "fair value through other comprehensive income", "(31,874)", "64,457"),
            ("Remeasurements of defined benefit plans", None, "(23,574)", "84,501"),
            ("Share of other comprehensive income of investments",
             "accounted for using the equity method", "(1,528)", "2,159")]

    def draw(c: canvas.Canvas, y: float) -> float:
        for label, second, a, b in rows:
            y -= 20
            c.drawString(80, y + 6 if second else y, label)
            if second:
                c.drawString(80, y - 6, second)
            c.drawRightString(330, y, a)
            c.drawRightString(380, y, b)
        return y

    text = _statement(7, draw)
    assert ("Changes in fair value of financial assets measured at fair value through other comprehensive "
            "income | (31,874) | 64,457") in text
    assert "Share of other comprehensive income of investments accounted for using the equity method | (1,528)" in text


def test_a_docket_line_on_every_page_is_kept_once_and_a_plain_running_head_not_at_all():
    # A court filing's top line gives its case, document and entry numbers on every page; a report's
    # footer only its name and the page number. The first is indexed once, on its first page, so
    # "the entry ID of the opinion" can be found; the second leaves the text.
    buf, c = _canvas()
    for page, tag in ((1, "first"), (2, "second"), (3, "third")):
        _lines(c, 72, H - 40, [f"Case: 20-1507 Document: 00117684624 Page: {page} Date Filed: "
                               "12/22/2020 Entry ID: 6390389"], size=8)
        _lines(c, 72, H - 90, _filler(tag, 30))
        _lines(c, 250, 40, [f"Annual Survey Report 2006 | {40 + page}"], size=8)
        c.showPage()
    c.save()
    read = read_pdf(buf.getvalue())
    assert read.text.count("Entry ID: 6390389") == 1
    at = read.text.index("Entry ID: 6390389")
    assert page_of(read.page_starts, at) == 1 and at < read.text.index("first survey line 0")
    assert "Annual Survey Report" not in read.text
    assert "third survey line 29" in read.text
