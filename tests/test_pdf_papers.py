"""Issue 21: two-column papers as conferences print them (ACM, AAAI, ACL), written here with
reportlab: the title as the running head of a later page, a rare word broken at a line end, a
footnote in type only a little smaller than the text, a math glyph drawn in a tall box."""

from __future__ import annotations

import io

import pytest

pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from qa.formats import read_pdf  # noqa: E402

W, H = letter
TITLE = "Counting Otters Along Rivers with Volunteer Surveys"


def _lines(c: canvas.Canvas, x: float, top: float, lines: list[str], size: float = 10) -> None:
    c.setFont("Times-Roman", size)
    for i, line in enumerate(lines):
        c.drawString(x, top - 1.2 * size * i, line)


class _Paper:
    """A letter-size PDF drawn on `c`; read() ends its last page and reads it with qa's reader."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=letter)

    def read(self):
        self.c.showPage()
        self.c.save()
        return read_pdf(self.buf.getvalue())


def _filler(tag: str, n: int) -> list[str]:
    return [f"The {tag} survey line {i} tells how the volunteers walked the bank." for i in range(n)]


def test_the_title_as_running_head_of_a_later_page_is_furniture():
    # Odd pages carry the paper's title at the top, even pages its authors: in a short paper the
    # title's head is seen on one page only, and it must not cut the sentence going over the break.
    paper = _Paper()
    c = paper.c
    c.setFont("Times-Bold", 16)
    c.drawCentredString(W / 2, H - 72, TITLE)
    _lines(c, 72, H - 120, _filler("first", 40) + ["Experts walk many rivers to find out how the otters"])
    c.showPage()
    c.setFont("Times-Roman", 8)
    c.drawString(72, H - 40, "Shen, et al.")
    _lines(c, 72, H - 120, ["fare in winter, when the banks flood.", *_filler("second", 30)])
    c.showPage()
    c.setFont("Times-Roman", 8)
    c.drawString(72, H - 40, TITLE)
    _lines(c, 72, H - 120, _filler("third", 30))
    c.showPage()
    c.setFont("Times-Roman", 8)
    c.drawString(72, H - 40, "Shen, et al.")
    _lines(c, 72, H - 120, _filler("fourth", 30))
    ex = paper.read()
    assert ex.text.count(TITLE) == 1  # the title on page 1, not the head of page 3
    page3 = ex.text[ex.page_starts[2]:ex.page_starts[3]]
    assert page3.startswith("The third survey line 0")
    assert "how the otters fare in winter, when the banks flood." in ex.text


def test_a_rare_word_broken_at_a_line_end_is_joined():
    # "contemplation" is not in the model's vocabulary; its two pieces are words of the page only
    # because the break made them, so they do not make it a compound.
    paper = _Paper()
    c = paper.c
    _lines(c, 72, H - 100, [*_filler("river", 5),
                            "The volunteers need time for quiet contempla-",
                            "tion of the water before they count, and for",
                            "the prioritization of the banks that flood. Pri-",
                            "oritization is set by the board each spring.",
                            "A long-",
                            "term plan is agreed with the regional board."])
    text = paper.read().text
    assert "quiet contemplation of the water" in text
    assert "Prioritization is set by the board" in text
    assert "A long-term plan" in text  # a compound stays one


def test_a_footnote_a_little_smaller_than_the_text_leaves_the_sentence_whole():
    # AAAI sets text in 10 pt and footnotes in 9 pt: a footnote at the foot of the first column
    # goes after the text, and the sentence runs on into the second column.
    paper = _Paper()
    c = paper.c
    left = _filler("left", 40) + ["These counts matter more today as rivers continuously"]
    right = ["become warmer than before, and the otters move north.", *_filler("right", 40)]
    _lines(c, 54, H - 72, left)
    _lines(c, 320, H - 72, right)
    c.line(54, 120, 150, 120)
    _lines(c, 54, 108, ["*The work was done during an internship with the River Trust.",
                        "Correspondence to: the survey office, Otterton."], size=9)
    text = paper.read().text
    assert "as rivers continuously become warmer than before, and the otters move north." in text
    assert "*The work was done during an internship with the River Trust. Correspondence to:" in text


def test_a_tall_math_glyph_does_not_cut_its_paragraph():
    # A math font's glyph box can be twice the text's ("a dense vector v"): its line is still
    # a line of the paragraph, not a block of larger type.
    paper = _Paper()
    c = paper.c
    lines = ["Our goal is to represent a given paper P as a dense vector", "", "that best represents the",
             "paper and can be used in downstream tasks by the readers."]
    _lines(c, 72, H - 100, [*_filler("math", 6), lines[0]])
    y = H - 100 - 12 * 7
    c.setFont("Times-Roman", 10)
    c.drawString(72, y, "of numbers")
    c.setFont("Times-Italic", 22)
    c.drawString(122, y, "v")
    c.setFont("Times-Roman", 10)
    c.drawString(136, y, "that best represents the")
    _lines(c, 72, y - 12, [lines[3], *_filler("after", 3)])
    text = paper.read().text
    assert "as a dense vector of numbers v that best represents the paper and can be used" in text


def test_a_raised_footnote_mark_is_read_with_its_note():
    # LaTeX sets a footnote's mark raised before the note ("∗ Equal contribution", "² SPECTER: ..."):
    # on a baseline of its own it was a row of its own, and the note lost its number.
    paper = _Paper()
    c = paper.c
    _lines(c, 72, H - 72, _filler("marked", 45))
    for y, mark, note in ((100, "\u2217", "Equal contribution of both authors."),
                          (88, "2", "The survey data are kept by the River Trust in Otterton.")):
        c.setFont("Times-Roman", 5.5)
        c.drawString(72, y + 3.5, mark)
        c.setFont("Times-Roman", 8)
        c.drawString(76, y, note)
    text = paper.read().text
    assert "\n\n\u2217 Equal contribution of both authors.\n\n2 The survey data are kept by the River" in text


def test_a_table_header_set_as_one_run_and_a_caption_below_carry_into_its_rows():
    # ACL and AAAI set a table's header words closer than the gap that cuts text into cells, and
    # its caption below it: both still label every row.
    from reportlab.pdfbase.pdfmetrics import stringWidth

    paper = _Paper()
    c = paper.c
    _lines(c, 72, H - 72, _filler("table", 8))
    c.setFont("Helvetica", 9)
    y = H - 200
    heads, x, ends = ("Field", "Precision", "Recall", "Score"), 72.0, []
    for head in heads:
        c.drawString(x, y, head)
        ends.append(x + stringWidth(head, "Helvetica", 9))
        x = ends[-1] + 10  # closer than 1.5 type sizes: one run of text
    for k, (label, figures) in enumerate((("title", ("85.5", "85.1", "85.3")),
                                          ("authors", ("92.1", "92.4", "92.2")),
                                          ("venues", ("91.7", "89.7", "90.7")))):
        c.drawString(72, y - 13 * (k + 1), label)
        for end, figure in zip(ends[1:], figures):
            c.drawRightString(end, y - 13 * (k + 1), figure)
    _lines(c, 72, y - 70, ["Table 1: Results of the parser on the river survey.", "", *_filler("after", 5)])
    text = paper.read().text
    assert ("Table 1: Results of the parser on the river survey: Field: authors | Precision: 92.1 | "
            "Recall: 92.4 | Score: 92.2") in text
