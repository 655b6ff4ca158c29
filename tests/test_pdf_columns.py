"""Issue 21: multi-column pages as real reports lay them out (three columns, sidebars, key-figure
panels, title blocks, captions, headings, notices repeated at every foot, close header rows),
written with reportlab and read by qa.formats.read_pdf in reading order."""

from __future__ import annotations

import io

import pytest

pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from qa.formats import read_pdf  # noqa: E402
from qa.formats.cleanup import normalize  # noqa: E402


W, H = A4

def test_three_columns_and_a_margin_stamp():
    words = ["alder", "birch", "cedar", "dogwood", "elm", "fir", "ginkgo", "hazel", "ironwood"]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, H - 60, "Trees of the Valley")
    c.setFont("Times-Roman", 9)
    width = (W - 144 - 40) / 3
    for col, name in enumerate(("First", "Second", "Third")):
        x = 72 + col * (width + 20)
        y = H - 100
        for i in range(12):
            c.drawString(x, y, f"{name} column line {i}: {words[(col * 3 + i) % 9]}")
            y -= 12
    c.saveState()
    c.translate(30, 300)
    c.rotate(90)
    c.drawString(0, 0, "arXiv:2301.00001v1 [cs.CL] 1 Jan 2023")
    c.restoreState()
    c.showPage()
    c.save()
    text = read_pdf(buf.getvalue()).text
    assert "arXiv" not in text
    assert text.index("First column line 11") < text.index("Second column line 0")
    assert text.index("Second column line 11") < text.index("Third column line 0")


def test_a_sidebar_does_not_cut_a_sentence():
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Times-Roman", 11)
    y = H - 100
    for line in ("The otters of the upper river were counted by forty volunteers who walked",
                 "the banks at dawn, and their numbers"):
        c.drawString(72, y, line)
        y -= 14
    c.setFont("Helvetica-Bold", 15)
    c.drawString(90, y - 10, "Did you know? Otters hold hands when they sleep.")
    y -= 40
    c.setFont("Times-Roman", 11)
    for line in ("rose for the third year in a row, the trust said in its report to the",
                 "regional board on Monday."):
        c.drawString(72, y, line)
        y -= 14
    c.showPage()
    c.save()
    text = read_pdf(buf.getvalue()).text
    assert ("and their numbers rose for the third year in a row, the trust said in its report to the "
            "regional board on Monday.") in text
    assert text.index("regional board on Monday") < text.index("Did you know?")


def test_lone_surrogates_never_reach_the_text():
    # PDFium gives characters outside the BMP as two UTF-16 units; the tokenizer refuses halves.
    assert normalize("smile \ud83d here") == "smile  here"


def test_slanted_italic_text_is_read_not_dropped_as_turned():
    # A synthetic italic is drawn with a skewed text matrix (as in the Amnesty Report's titles);
    # PDFium's char angle counts the slant as a turn, but the baseline is level: the text stays.
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    y = H - 100
    for line, slanted in (("The trust published its findings in a report entitled", False),
                          ("Otters of the Northern Bank, a study of holts and spraints", True),
                          ("in May, and sent it to the regional water board.", False)):
        text = c.beginText()
        text.setFont("Times-Roman", 11)
        text.setTextTransform(1, 0, 0.21 if slanted else 0, 1, 72, y)
        text.textOut(line)
        c.drawText(text)
        y -= 14
    c.showPage()
    c.save()
    text = read_pdf(buf.getvalue()).text
    assert ("entitled Otters of the Northern Bank, a study of holts and spraints in May, and sent it"
            in text)


def test_two_columns_beside_a_key_figures_panel_are_read_column_by_column():
    # An analyst's note: two columns of prose, and on the right a panel of short table cells; the
    # panel must not make the page one column (which reads the two columns' lines interleaved).
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(960, 540))
    c.setFont("Helvetica", 10)
    left = [f"Left column sentence {i} tells how the harbour works went." for i in range(14)]
    right = [f"Right column sentence {i} tells what the board expects." for i in range(14)]
    for i, (a, b) in enumerate(zip(left, right)):
        c.drawString(27, 480 - 13.2 * i, a)
        c.drawString(335, 480 - 13.2 * i, b)
    c.setFont("Helvetica", 9)
    rows = [("", "2024", "2025e", "2026e"), ("Revenue", "275.5", "295.6", "319.4"),
            ("EBITA", "8.8", "10.3", "12.2"), ("EPS (adj.)", "0.43", "0.63", "0.80"),
            ("P/E (adj.)", "16.5", "11.9", "9.4"), ("Dividend yield-%", "7.0 %", "6.8 %", "7.1 %")]
    for i, row in enumerate(rows):
        for x, cell in zip((670, 765, 805, 850), row):
            c.drawString(x, 470 - 12 * i, cell)
    c.showPage()
    c.save()
    text = read_pdf(buf.getvalue()).text
    assert text.index("Left column sentence 13") < text.index("Right column sentence 0")
    assert "Left column sentence 0 tells how the harbour works went. Left column sentence 1" in text
    assert "\nEPS (adj.) | 0.43 | 0.63 | 0.80\n" in text  # the panel read on its own, row by row


def test_a_short_third_column_of_long_lines_is_a_column():
    # Three columns at the foot of a page of figures: the third holds only four lines.
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Times-Roman", 8)
    width = (W - 60) / 3
    counts = (7, 6, 4)
    for col, n in enumerate(counts):
        for i in range(n):
            c.drawString(25 + col * (width + 5), 200 - 10 * i, f"Column {col + 1} line {i} of the airworthiness rule")
    c.showPage()
    c.save()
    text = read_pdf(buf.getvalue()).text
    assert text.index("Column 1 line 6") < text.index("Column 2 line 0") < text.index("Column 2 line 5")
    assert text.index("Column 2 line 5") < text.index("Column 3 line 0")
    assert "Column 3 line 0 of the airworthiness rule Column 3 line 1" in text


def test_a_notice_repeated_at_the_foot_of_every_page_is_kept_once():
    # A rate sheet prints its conditions at the foot of each page: they are text, not a footer,
    # so they are indexed once (where first seen), while the running head leaves the text.
    notice = "Rates are subject to credit approval and may change without notice to the borrower."
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for number in (1, 2, 3):
        c.setFont("Helvetica", 9)
        c.drawString(72, H - 40, "Home Loan Rates of the Harbour Bank")
        c.setFont("Times-Roman", 11)
        for i, word in enumerate(("fixed", "variable", "offset")[number - 1:] + ("blended",)):
            c.drawString(72, H - 200 - 14 * i, f"The {word} loans of series {number * 7 + i} are listed here.")
        c.setFont("Helvetica", 7)
        c.drawString(72, 50, notice)
        c.showPage()
    c.save()
    text = read_pdf(buf.getvalue()).text
    assert text.count(notice) == 1 and "Home Loan Rates of the Harbour Bank" not in text
    assert text.index("series 7") < text.index(notice) < text.index("series 14")


def _paper_page(c: canvas.Canvas, authors: int, left: list[str], right: list[str]) -> None:
    """A paper's first page: a title block of `authors` lines across both columns, then two columns."""
    c.setFont("Times-Bold", 15)
    c.drawCentredString(W / 2, H - 70, "Counting Otters with Graphs")
    c.setFont("Times-Roman", 11)
    for i in range(authors):
        c.drawCentredString(W / 2, H - 95 - 14 * i, f"Author Number {i} and Colleague {i}, River Institute, Otterton")
    c.setFont("Times-Roman", 10)
    top = H - 110 - 14 * authors
    for i, line in enumerate(left):
        c.drawString(60, top - 12.5 * i, line)
    for i, line in enumerate(right):
        c.drawString(W / 2 + 10, top - 12.5 * i, line)
    c.showPage()


def test_two_columns_under_a_title_block_across_the_page():
    # Ten author lines cross the gutter: more than 15% of the page's lines, fewer than half of a column's.
    left = [f"Left line {i} of the first column reads on and on here." for i in range(22)]
    right = [f"Right line {i} of the second column reads on as well." for i in range(22)]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    _paper_page(c, 10, left, right)
    c.save()
    text = read_pdf(buf.getvalue()).text
    assert text.index("Left line 21 ") < text.index("Right line 0 ")
    assert "Left line 0 of the first column reads on and on here. Left line 1 of" in text


def test_a_caption_at_the_top_of_the_next_column_waits_for_the_sentence():
    left = [f"Line {i} of the introduction goes on about the otters here," for i in range(20)]
    left[-1] = "which also improves the ranking of results (Xiong et al.,"
    right = ["Figure 1: Part of the otter graph.", "2017). We describe the counting methods used in the",
             "survey of the river, and the graph of the holts."] + [
        f"Right line {i} of the second column reads on as well." for i in range(17)]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    _paper_page(c, 3, left, right)
    c.save()
    text = read_pdf(buf.getvalue()).text
    assert "ranking of results (Xiong et al., 2017). We describe the counting methods" in text
    assert "Figure 1: Part of the otter graph." in text


def test_a_heading_at_the_top_of_a_column_does_not_carry_a_sentence_on():
    # An affiliation line ends without a stop; the "Abstract" heading after it is not its tail,
    # while a paragraph of the next column that starts with a name may be.
    from qa.formats.pdf_layout import continues_across
    from qa.formats.pdf_page import Block

    prev = Block("para", "Paul G. Allen School of Computer Science & Engineering, University of Washington", 10.7)
    assert not continues_across(prev, Block("para", "Abstract", 10.7))
    assert not continues_across(prev, Block("para", "1 Introduction", 10.7))
    assert continues_across(Block("para", "The survey was paid for by the regional board and by the", 10.7),
                            Block("para", "United Nations Environment Programme, which asked for the counts.", 10.7))


def test_spacing_accents_join_the_letter_they_belong_to():
    assert normalize("a na\u00a8\u0131ve reader") == "a naïve reader"           # LaTeX: accent first
    assert normalize("Age\u02c6ncia Nacional") == "Agência Nacional"          # accent after the letter
    assert normalize("Erd\u02ddos number") == "Erdős number"
    assert normalize("a\u02dco") == "a\u02dco"                                 # either side: left alone


def test_a_header_row_set_close_is_cut_into_its_columns():
    # Header words about one type size apart (closer than the gap that cuts segments) over
    # columns of figures: each figure carries its own header, not the first of a run of them.
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    c.setFont("Helvetica", 9)
    heads = ("Passengers", "RPK (000's)", "ASK (000's)", "L/F(%)")
    columns = [150.0]
    for head in heads[:-1]:
        columns.append(columns[-1] + stringWidth(head, "Helvetica", 9) + 9)  # one type size apart
    c.drawString(72, 700, "Month")
    for x, head in zip(columns, heads):
        c.drawString(x, 700, head)
    for i, (month, figures) in enumerate((("Jul-2015", ("698,352", "3,297,825", "4,056,445", "81.3")),
                                          ("Aug-2015", ("721,817", "3,386,829", "4,104,459", "82.5")),
                                          ("Sep-2015", ("665,754", "3,266,736", "4,070,863", "80.2")))):
        c.drawString(72, 686 - 13 * i, month)
        for x, figure in zip(columns, figures):
            c.drawString(x, 686 - 13 * i, figure)
    c.showPage()
    c.save()
    text = read_pdf(buf.getvalue()).text
    assert "Aug-2015 | Passengers: 721,817 | RPK (000's): 3,386,829 | ASK (000's): 4,104,459 | L/F(%): 82.5" in text


def test_a_venue_line_at_the_foot_of_a_page_does_not_cut_a_sentence_over_the_break():
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Times-Roman", 11)
    lines = ["Most research on counting otters reports results on large surveys of the northern",
             "rivers, such as the Tyne and the Tweed, and the best known of them is the count of"]
    for i, line in enumerate(lines):
        c.drawString(72, 200 - 14 * i, line)
    c.setFont("Times-Roman", 8)
    c.drawString(72, 60, "Proceedings of the River Trust Meeting, pages 84-91, Otterton, June 2018.")
    c.showPage()
    c.setFont("Times-Roman", 11)
    c.drawString(72, H - 100, "the river trust (Ammar et al., 2016), which walked every bank of both rivers.")
    c.showPage()
    c.save()
    ex = read_pdf(buf.getvalue())
    assert "the best known of them is the count of the river trust (Ammar et al., 2016)" in ex.text
    assert "Proceedings of the River Trust Meeting" in ex.text
