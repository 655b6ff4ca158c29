"""Issue 21: real PDFs written in each test with reportlab (two columns, running heads, page
numbers, a footnote, a table, hyphenated line ends, a sentence over a page break),
read by qa.formats.read_pdf and chunked for the index. Scanned pages: test_ocr.py; multi-column
layouts: test_pdf_columns.py."""

from __future__ import annotations

import io

import pytest

pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from qa.chunking import chunk_document  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.formats import page_of, read_pdf  # noqa: E402
from qa.formats.cleanup import dehyphenate, good_title, join_lines, mend_words, normalize  # noqa: E402
from qa.text import split_sentences  # noqa: E402

W, H = A4
HEAD = "Annual Report of the River Trust"

LEFT = ["The river trust counted otters along the",
        "northern bank in every month of the year,",
        "and the counts rose steadily from spring to",
        "the late autumn floods. Volunteers walked",
        "the same eight kilometres each week and",
        "wrote down every holt and every spraint.",
        "The count was ef-",
        "ficient because the volunteers knew each",
        "bend of the water. By October the trust",
        "had recorded forty-one otters, the largest",
        "number since the survey began, and the"]
RIGHT = ["board agreed to extend the survey to the",
         "southern bank next year. Funding for that",
         "work will come from the regional water",
         "board and from private donors who have",
         "supported the trust for a decade or more.",
         "The southern bank is steeper and harder",
         "to walk, so the trust will train twenty",
         "new volunteers before the spring count",
         "starts in March, with a guide for each",
         "group of four walkers on the first day."]
PAGE2 = ["spring and summer of the following year, when the water is low and the banks",
         "are dry enough to walk safely. The trust thanks every volunteer for the work."]


def _columns_page(c: canvas.Canvas, number: int, left: list[str], right: list[str], tail: list[str],
                  footnote: str | None = None) -> None:
    c.setFont("Helvetica", 9)
    c.drawString(72, H - 40, HEAD)                     # running head
    c.drawString(W / 2 - 20, 30, f"{number} | P a g e")  # page number
    c.setFont("Times-Roman", 11)
    y = H - 100
    for a, b in zip(left + [""] * len(right), right + [""] * len(left)):
        if not a and not b:
            break
        c.drawString(72, y, a)
        c.drawString(W / 2 + 10, y, b)
        y -= 14
    for line in tail:
        c.drawString(72, y, line)
        y -= 14
    if footnote:
        c.setFont("Times-Roman", 8)
        c.drawString(72, 60, footnote)
    c.showPage()


def report_pdf() -> bytes:
    """Two pages: two columns on page 1 whose last sentence goes on over the page break."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    _columns_page(c, 1, LEFT, RIGHT, ["The trust will publish the results of the southern count in the"],
                  footnote="1 Counts by the volunteers of the river trust, checked by the regional board.")
    _columns_page(c, 2, PAGE2, [], [])
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def report():
    return read_pdf(report_pdf())


def test_columns_are_read_in_order_without_running_heads(report):
    text = report.text
    assert HEAD not in text and "P a g e" not in text
    # The left column's last sentence goes on at the top of the right column.
    assert "number since the survey began, and the board agreed to extend the survey" in text
    assert text.index("northern bank") < text.index("southern bank next year") < text.index("spring count")


def test_hyphen_at_a_line_end_is_joined(report):
    assert "The count was efficient because" in report.text


def test_sentence_over_a_page_break_is_one_sentence_and_cites_both_pages(report, counter):
    text = report.text
    sentence = ("The trust will publish the results of the southern count in the spring and summer of "
                "the following year, when the water is low and the banks are dry enough to walk safely.")
    start = text.index(sentence)  # one sentence, not cut by the footnote or the page break
    assert page_of(report.page_starts, start) == 1
    assert page_of(report.page_starts, start + len(sentence) - 1) == 2
    assert any(text[a:b] == sentence for a, b in split_sentences(text))
    # The footnote stays on page 1, before the paragraph that goes on to page 2.
    note = text.index("1 Counts by the volunteers")
    assert note < start and page_of(report.page_starts, note) == 1

    from qa.documents import Document

    doc = Document(id="d-1", source="report.pdf", title="t", text=text, hash="h", size=1, mtime=0.0,
                   format="pdf", page_starts=report.page_starts)
    chunks = chunk_document(doc, counter, Settings().chunker, 256)
    assert all(doc.text[c.start:c.end] == c.text for c in chunks)
    holder = next(c for c in chunks if sentence in c.text)
    assert (holder.page, holder.page_end) == (1, 2)


def table_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, H - 80, "Quarterly Results")
    c.setFont("Helvetica", 11)
    c.drawString(72, H - 120, "Table 2: Income by quarter")
    rows = [("", "2023", "2022"), ("Revenue", "10,000", "9,000"),
            ("Provision for income taxes", "1,505", "1,201"), ("Net income", "3,100", "2,950")]
    y = H - 145
    for row in rows:
        for x, cell in zip((72, 300, 400), row):
            c.drawString(x, y, cell)
        y -= 16
    c.drawString(72, y - 20, "Revenue grew in every quarter of the year.")
    c.drawString(72, 30, "1")  # a page number that must not become the title
    c.showPage()
    c.save()
    return buf.getvalue()


def test_table_rows_carry_their_headers_and_caption():
    ex = read_pdf(table_pdf())
    lines = ex.text.splitlines()
    assert "Table 2: Income by quarter: Provision for income taxes | 2023: 1,505 | 2022: 1,201" in lines
    assert "Table 2: Income by quarter: Net income | 2023: 3,100 | 2022: 2,950" in lines
    assert ex.title == "Quarterly Results"


def _lines(c: canvas.Canvas, lines: list[str], y: float) -> float:
    """Lines of body text from `y` down, 14 points apart; the `y` below them."""
    for line in lines:
        c.drawString(72, y, line)
        y -= 14
    return y


def float_pdf() -> bytes:
    """Two pages: page 1 ends mid-sentence, page 2 opens with a table (caption, rows, note) and then
    the sentence goes on, as a statistical report sets its tables at the top of a page."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Times-Roman", 11)
    _lines(c, ["The death rates in this report are subject to three limitations. First, the race of",
               "the decedent is reported by the funeral director. Second, the rates reflect only the",
               "underlying cause of death and not other contributing causes of death such"], H - 100)
    c.showPage()
    c.setFont("Helvetica", 9)
    c.drawString(72, H - 80, "TABLE 3. Number of deaths and death rates for coronary heart disease, by age group")
    y = H - 104
    for row in (("Age group", "Deaths", "Rate"), ("45-54", "5,663", "28.7"), ("55-64", "12,273", "81.6"),
                ("65-74", "22,270", "234.7")):
        for x, cell in zip((72, 260, 360), row):
            c.drawString(x, y, cell)
        y -= 14
    c.drawString(72, y - 6, "* Per 100,000 population.")
    c.setFont("Times-Roman", 11)
    _lines(c, ["as diabetes, which varies substantially across racial and ethnic groups. Finally, the",
               "state of residence at death might not reflect where the decedent lived most of a life."], y - 40)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_a_table_at_the_top_of_a_page_does_not_cut_the_sentence_going_over():
    ex = read_pdf(float_pdf())
    text = ex.text
    sentence = ("Second, the rates reflect only the underlying cause of death and not other contributing causes of "
                "death such as diabetes, which varies substantially across racial and ethnic groups.")
    start = text.index(sentence)
    assert any(text[a:b] == sentence for a, b in split_sentences(text))
    assert page_of(ex.page_starts, start) == 1 and page_of(ex.page_starts, start + len(sentence) - 1) == 2
    row = text.index("55-64")  # the table stays on its page, after the sentence
    assert row > start + len(sentence) and page_of(ex.page_starts, row) == 2


def counsel_pdf() -> bytes:
    """An opinion's counsel list running over a page break after a semicolon, a running head between."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Times-Roman", 11)
    _lines(c, ["Nelson Mullins Riley & Scarborough LLP, by Jane Doe, for North Carolina Sheriffs'",
               "Association; and Poyner Spruill LLP, by John Roe, for North Carolina Association of",
               "Chiefs of Police;"], H - 100)
    c.showPage()
    c.setFont("Times-Roman", 11)
    c.drawString(W / 2 - 50, H - 60, "Opinion of the Court")
    _lines(c, ["and Jim O'Neill for North Carolina Conference of District Attorneys, amici curiae.", "",
               "The plaintiffs operate sweepstakes terminals whose games the State contends are games",
               "of chance. The trial court granted summary judgment for the State."], H - 100)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_a_list_going_on_after_a_semicolon_over_a_page_break_is_one_sentence():
    ex = read_pdf(counsel_pdf())
    assert "Chiefs of Police; and Jim O'Neill for North Carolina Conference" in ex.text, ex.text[:400]


def test_title_is_never_a_page_number_or_a_file_name():
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle("report-final.docx")
    c.setFont("Helvetica", 11)
    c.drawString(72, H - 60, "1 | P a g e")
    c.drawString(72, H - 100, "Otters returned to the northern bank this year.")
    c.showPage()
    c.save()
    ex = read_pdf(buf.getvalue())
    assert ex.title is None  # the caller then takes the first real line, never "1 | P a g e"
    assert good_title("1 | P a g e") is None and good_title("3") is None and good_title("a.pdf") is None
    assert good_title("Otters of the north") == "Otters of the north"


def test_text_drawn_twice_is_read_once():
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica-Bold", 12)
    para = "The dam was opened on the first of May after a long dispute."
    c.drawString(72, H - 100, para)
    c.drawString(72.3, H - 100, para)  # fake bold: the same glyphs drawn again 0.3 pt to the right
    c.setFont("Helvetica", 12)
    c.drawString(72, H - 140, "Fishermen welcomed the decision to open the dam at last.")
    c.drawString(72, H - 300, "Fishermen welcomed the decision to open the dam at last.")  # said twice
    c.showPage()
    c.save()
    text = read_pdf(buf.getvalue()).text
    assert text.count(para) == 1
    assert text.count("Fishermen welcomed") == 1


def test_cleanup_of_ligatures_glyphs_and_hyphens():
    assert normalize("e\ufb00ect of \ufb01sh \ufb02ow") == "effect of fish flow"
    assert normalize("e\u21b5orts") == "efforts"
    assert mend_words("a dicult task, great eorts and a signicant e\ue000ect") == \
        "a difficult task, great efforts and a significant effect"  # lost ligatures
    assert mend_words("the otters of the river") == "the otters of the river"
    assert dehyphenate("ef", "ficient") == "efficient"
    assert dehyphenate("long", "term") is None
    assert join_lines(["a well-", "known and long-", "term plan, summari-", "sed"]) == \
        "a well-known and long-term plan, summarised"


def test_docs_examples_run():
    import doctest
    from pathlib import Path

    from qa.cli import _parser

    docs = Path(__file__).resolve().parents[1] / "docs" / "documents.md"
    result = doctest.testfile(str(docs), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 3
    for line in docs.read_text(encoding="utf-8").splitlines():  # every `qa build ...` example parses
        if line.strip().startswith("qa build"):
            argv = line.strip().split("  ")[0].split()[1:]
            _parser().parse_args(argv)
