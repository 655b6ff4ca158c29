"""Issue 21: a court transcript's line numbers ("1" ... "25" down the margin, one before each
line) are page furniture: they must not land inside the sentences (written here with reportlab)."""

from __future__ import annotations

import pytest

pytest.importorskip("reportlab")
import io  # noqa: E402

from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from qa.formats import read_pdf  # noqa: E402

W, H = letter
WORDS = ("CHIEF JUSTICE ROBERTS: We will hear argument first this morning in case 12-345, the river trust "
         "versus the state of Otterland. Mr. Smith. MR. SMITH: Mr. Chief Justice, and may it please the Court: "
         "The question in this case is whether a volunteer who counts otters along a river bank is an employee "
         "of the trust for the purposes of the federal wage statute, and the answer is no, because the "
         "volunteer is paid nothing and sets the hours of the survey himself. JUSTICE KAGAN: Well, Mr. Smith, "
         "what about the volunteers who are given a stipend for the spring count? MR. SMITH: Those are "
         "different, Justice Kagan, because the stipend covers travel and nothing else. JUSTICE ALITO: And "
         "the trust keeps a list of the volunteers, with the hours each of them walked along the bank? "
         "MR. SMITH: It keeps a list, Justice Alito, but the list is for the insurer and not for the wages. "
         "JUSTICE SOTOMAYOR: Who decides which stretch of the river a volunteer walks on a given day? "
         "MR. SMITH: The volunteers choose among themselves at the start of each season, and the trust "
         "does not assign them. CHIEF JUSTICE ROBERTS: Thank you, counsel. The case is submitted.").split()


def transcript_pdf() -> bytes:
    lines, cur = [], ""
    for w in WORDS:
        if len(cur) + len(w) + 1 > 58:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w).strip()
    lines.append(cur)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    c.setFont("Courier", 12)
    for i in range(25):
        y = H - 90 - i * 24
        c.drawRightString(90, y, str(i + 1))
        if i < len(lines):
            c.drawString(108, y, lines[i])
    c.setFont("Courier", 10)
    c.drawCentredString(W / 2, 40, "Alderson Reporting Company")
    c.showPage()
    c.save()
    return buf.getvalue()


def test_transcript_line_numbers_leave_the_text():
    text = read_pdf(transcript_pdf()).text
    assert "We will hear argument first this morning in case 12-345, the river trust" in text
    assert "JUSTICE KAGAN: Well, Mr. Smith, what about the volunteers who are given a stipend" in text
    assert not any(line.strip().isdigit() for line in text.split("\n"))


def test_a_numbered_list_is_not_line_numbers():
    # A short list numbered 1-4 in a page of prose keeps its numbers.
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    c.setFont("Times-Roman", 11)
    prose = [f"The trust walked the bank in week {i} and counted every holt along the water." for i in range(12)]
    items = ["1 Count the holts.", "2 Count the otters.", "3 Write both down.", "4 Send the sheet in."]
    for i, line in enumerate(prose + items):
        c.drawString(72, 700 - 14 * i, line)
    c.showPage()
    c.save()
    text = read_pdf(buf.getvalue()).text
    assert "1 Count the holts." in text and "4 Send the sheet in." in text


def _pleading_pdf(body: list[str]) -> bytes:
    """A pleading-paper page: the docket line over the page and the order's footer under it, line numbers 1-28 every 24 points down
    the left margin, and the text double-spaced at its own pitch (27 points), so most of its lines
    fall between the numbers and only some share a number's baseline."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    c.setFont("Times-Roman", 10)
    c.drawString(60, H - 25, "Case 8:16-cv-01261 Document 40 Filed 08/05/16 Page 2 of 4 Page ID #:366")
    c.setFont("Times-Roman", 12)
    for i in range(28):
        c.drawRightString(86, H - 76 - 24 * i, str(i + 1))
    for i, line in enumerate(body):
        c.drawString(104, H - 88 - 27 * i, line)
    c.setFont("Times-Roman", 9)
    c.drawRightString(560, 50, "ORDER")
    c.drawRightString(560, 39, "8:16-cv-1261-DOC (KESx)")
    c.drawCentredString(W / 2, 30, "-2-")
    c.showPage()
    c.save()
    return buf.getvalue()


def test_pleading_line_numbers_off_the_text_lines_leave_the_text():
    lines, cur = [], ""
    for w in WORDS + WORDS:
        if len(cur) + len(w) + 1 > 70:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w).strip()
    text = read_pdf(_pleading_pdf(lines[:24])).text
    assert "We will hear argument first this morning in case 12-345, the river trust versus" in text
    assert "JUSTICE KAGAN: Well, Mr. Smith, what about the volunteers" in text
    body = text[text.index("CHIEF JUSTICE"):]
    assert not any(t.isdigit() for t in body.replace("|", " ").split()), body


def test_a_numbered_table_keeps_its_row_numbers():
    # Rows numbered 1-12 in a table's first column, on a page of prose: the numbers share their
    # rows' baselines, so they are the table's, not a margin's line numbers.
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    c.setFont("Times-Roman", 11)
    prose = [f"The trust walked the bank in week {i} and counted every holt along the water." for i in range(14)]
    for i, line in enumerate(prose):
        c.drawString(72, 740 - 14 * i, line)
    for i in range(12):
        y = 500 - 16 * i
        c.drawRightString(86, y, str(i + 1))
        c.drawString(110, y, f"Holt {chr(65 + i)}")
        c.drawRightString(300, y, f"{3 * i + 2} otters")
    c.showPage()
    c.save()
    text = read_pdf(buf.getvalue()).text
    assert "1 | Holt A" in text.replace(": ", " | ") or "1 | Holt A | 2 otters" in text, text[-600:]
