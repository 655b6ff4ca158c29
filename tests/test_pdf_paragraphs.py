"""Where a paragraph starts: an indented first line after a line ending a sentence, even when that
line runs to the margin (justified text); not the indented lines of a hanging indent (a reference
list). Written here with reportlab."""

from __future__ import annotations

import io

import pytest

pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from qa.formats import read_pdf  # noqa: E402

W, H = letter
FONT, SIZE, LEFT, RIGHT = "Times-Roman", 12, 72, 540

FIRST = ("On July 13 the Court issued a temporary restraining order and an order to show cause "
         "that was set to expire on July 25, based on the river trust's application for an order "
         "against the surveyor who took the counts of the otters with him.")
SECOND = ("At the hearing of July 25, and on the stipulation of both parties, the order was extended "
          "until August 4 with a hearing on the order to show cause set for the same day at ten.")


def _lines(text: str, indent: float) -> list[tuple[str, float]]:
    """Lines of `text` filling the measure (the first indented), with where each starts."""
    out, cur, x = [], "", LEFT + indent
    for w in text.split():
        if cur and stringWidth(f"{cur} {w}", FONT, SIZE) > RIGHT - x:
            out.append((cur, x))
            cur, x = w, LEFT
        else:
            cur = f"{cur} {w}".strip()
    out.append((cur, x))
    return out


def _justified(c: canvas.Canvas, lines: list[tuple[str, float]], y: float) -> float:
    """Each line set from its start to the right margin (the last too), as justified text is."""
    for text, x in lines:
        t = c.beginText(x, y)
        t.setFont(FONT, SIZE)
        gaps = text.count(" ")
        t.setWordSpace((RIGHT - x - stringWidth(text, FONT, SIZE)) / gaps if gaps else 0)
        t.textLine(text)
        c.drawText(t)
        y -= 1.25 * SIZE
    return y


def _read(draw) -> str:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    draw(c)
    c.showPage()
    c.save()
    return read_pdf(buf.getvalue()).text


def test_an_indented_first_line_starts_a_paragraph_after_a_full_line():
    def draw(c):
        y = _justified(c, _lines(FIRST, 36), H - 90)
        _justified(c, _lines(SECOND, 36), y)

    paragraphs = _read(draw).split("\n\n")
    assert any(p.startswith("On July 13") and p.endswith("with him.") for p in paragraphs), paragraphs
    assert any(p.startswith("At the hearing of July 25") for p in paragraphs), paragraphs


def test_a_hanging_indent_does_not_start_paragraphs():
    # A reference list: each entry's first line flush, the others indented, the last one ragged.
    refs = ["Frone, M., Russell, M. and Cooper, M. (1992). Antecedents and outcomes of work and family "
            "conflict: testing a model of the work and family interface. Journal of Applied Psychology, "
            "Vol. 77, pp. 65-78, and the many later studies of the same interface.",
            "Zedeck, S. (1992). Introduction: exploring the domain of work and family careers. In Zedeck, S. "
            "(Ed.), Work, families, and organizations, Jossey-Bass, San Francisco, CA, pp. 1-32.",
            "Pisarski, A., Bohle, P. and Callan, V. (1998). Work and non-work conflict and health in shiftwork."]

    def draw(c):
        y = H - 90
        for ref in refs:
            lines = [(t, x if i == 0 else x + 24) for i, (t, x) in enumerate(_lines(ref, 0))]
            y = _justified(c, lines[:-1], y)
            c.setFont(FONT, SIZE)
            c.drawString(lines[-1][1], y, lines[-1][0])
            y -= 1.25 * SIZE

    text = _read(draw)
    assert "In Zedeck, S. (Ed.), Work, families" in text and "Journal of Applied Psychology, Vol. 77" in text, text
