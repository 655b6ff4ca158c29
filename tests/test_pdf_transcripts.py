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
