"""Issue 21: a table row is one line that carries its column headers and caption, in HTML, .docx
and PDF alike (qa/formats/tables.py), so a row is retrieved and quoted as one sentence."""

from __future__ import annotations

import io

from qa.formats import line_of, read_docx, read_html
from qa.formats.tables import table_lines

FILING = """<html><body>
<h1>Form 10-Q</h1>
<p>The table below shows income.</p>
<table>
<caption>Condensed statements of income</caption>
<thead>
<tr><th></th><th colspan="2">Three months ended June 30,</th></tr>
<tr><th></th><th>2023</th><th>2022</th></tr>
</thead>
<tbody>
<tr><td>Revenue</td><td>10,000</td><td>9,000</td></tr>
<tr><td>Provision for income taxes</td><td>1,505</td><td>1,201</td></tr>
<tr><td colspan="3">Amounts in millions</td></tr>
</tbody>
</table>
<table><tr><td>Layout cell with a long paragraph of text that is not a data table at all, just prose
that a web page placed in a table for its layout, as old pages often did, and much longer than any
header could be, so it stays as it is written without any header carried into it, which is right
because there is no header here, only words of a paragraph in a table cell.</td></tr></table>
</body></html>"""


def test_html_rows_carry_spanning_headers_and_caption():
    ex = read_html(FILING.encode())
    lines = ex.text.split("\n")
    row = ("Condensed statements of income: Provision for income taxes | "
           "Three months ended June 30, 2023: 1,505 | 2022: 1,201")
    assert row in lines
    assert ("Condensed statements of income: Revenue | Three months ended June 30, 2023: 10,000 | "
            "2022: 9,000") in lines
    assert line_of(ex.text, ex.line_anchors, ex.text.index(row)) == 12  # the row's <tr> line
    assert any(line.startswith("Layout cell with a long paragraph") for line in lines)
    assert "Amounts in millions" in ex.text


def test_docx_table_rows_with_caption():
    import docx

    document = docx.Document()
    document.add_paragraph("Table 1: Staff by region")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["Region", "Staff", "Offices"], ["North", "12", "3"], ["South", "8", "2"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    lines = read_docx(buf.getvalue()).text.split("\n")
    assert "Table 1: Staff by region: Region: North | Staff: 12 | Offices: 3" in lines


def test_rows_without_headers_stay_plain():
    assert table_lines([["North", "12"], ["South", "8"]]) == ["North | 12", "South | 8"]
    assert table_lines([["Name", "Age"], ["Ann", "31"], ["Bob", "0"]]) == ["Name: Ann | Age: 31",
                                                                         "Name: Bob | Age: 0"]
    assert table_lines([["Item", "Q1", "Q2"], ["Zeros", "0", "0"]]) == ["Item: Zeros | Q1: 0 | Q2: 0"]


STATEMENT = """<html><body><table>
<tr><td colspan="3">Millions, for the three months ended June 30,</td><td>2025</td><td>2024</td></tr>
<tr><td colspan="3">Operating expenses:</td><td></td><td></td></tr>
<tr><td colspan="3">Fuel</td><td>576</td><td>625</td></tr>
<tr><td colspan="3">Total operating expenses</td><td>3,629</td><td>3,607</td></tr>
<tr><td colspan="3">Operating income</td><td>2,525</td><td>2,400</td></tr>
<tr><td colspan="3">Earnings per share:</td><td></td><td></td></tr>
<tr><td colspan="3">Diluted</td><td>3.15</td><td>2.74</td></tr>
<tr><td colspan="3">Weighted average shares:</td><td></td><td></td></tr>
<tr><td colspan="3">Diluted</td><td>594.8</td><td>610.3</td></tr>
</table></body></html>"""


def test_label_rows_name_the_rows_below_them_until_their_total():
    """A row with text in its first cell only ("Earnings per share:") is a section label, not one
    more header row (its colspan spreads it over columns); the rows below it carry it, and a
    "Total ..." row closes the section it sums."""
    lines = read_html(STATEMENT.encode()).text.split("\n")
    period = "Millions, for the three months ended June 30"
    assert f"{period}: Earnings per share: Diluted | 2025: 3.15 | 2024: 2.74" in lines
    assert f"{period}: Weighted average shares: Diluted | 2025: 594.8 | 2024: 610.3" in lines
    assert f"{period}: Operating expenses: Fuel | 2025: 576 | 2024: 625" in lines
    assert f"{period}: Total operating expenses | 2025: 3,629 | 2024: 3,607" in lines
    assert f"{period}: Operating income | 2025: 2,525 | 2024: 2,400" in lines


def test_period_label_rows_over_segment_columns():
    rows = [["", "North America", "Asia Pacific"],
            ["Three Months Ended June 27, 2025", None, None],
            ["Operating income", "$1,621", "$647"],
            ["Three Months Ended June 28, 2024", None, None],
            ["Operating income", "$1,376", "$646"]]
    lines = table_lines(rows)
    assert ("Three Months Ended June 27, 2025: Operating income | North America: $1,621 | "
            "Asia Pacific: $647") in lines
    assert ("Three Months Ended June 28, 2024: Operating income | North America: $1,376 | "
            "Asia Pacific: $646") in lines
    assert "Three Months Ended June 28, 2024" in lines  # the label row itself, said once


def test_html_rowspan_keeps_the_cells_below_in_their_columns():
    page = b"""<table><tr><th rowspan="2">Hedged item</th><th colspan="2">Gain recognized</th></tr>
<tr><th>2025</th><th>2024</th></tr>
<tr><td>Interest rate swaps</td><td>120</td><td>95</td></tr>
<tr><td rowspan="2">Currency contracts</td><td>7</td><td>8</td></tr>
<tr><td>9</td><td>10</td></tr></table>"""
    lines = read_html(page).text.split("\n")
    assert "Hedged item: Interest rate swaps | Gain recognized 2025: 120 | 2024: 95" in lines
    assert "Hedged item: Currency contracts | Gain recognized 2025: 9 | 2024: 10" in lines


def test_inline_xbrl_hidden_facts_are_not_text():
    page = b"""<html><body><div style="display:none"><ix:header><ix:hidden>
<ix:nonNumeric name="dei:AmendmentFlag">false</ix:nonNumeric>
<ix:nonNumeric name="dei:DocumentFiscalPeriodFocus">Q2</ix:nonNumeric></ix:hidden>
<ix:resources><xbrli:context id="c-1">0000021344</xbrli:context></ix:resources></ix:header></div>
<p>FORM 10-Q</p><p>Net revenues grew 5%.</p></body></html>"""
    assert read_html(page).text == "FORM 10-Q\nNet revenues grew 5%."


def test_an_inline_xbrl_filing_is_titled_by_its_cover_facts():
    # EDGAR's <title> is the file's name ("nflx-20250630"); the cover's tagged facts name the
    # company, so BM25 finds a question that names it ("Netflix's ...") in every chunk of the filing.
    page = b"""<html><head><title>nflx-20250630</title></head><body>
<p>FORM <ix:nonNumeric name="dei:DocumentType" contextRef="c-1">10-Q</ix:nonNumeric></p>
<p>For the quarterly period ended <ix:nonNumeric name="dei:DocumentPeriodEndDate" contextRef="c-1">June
30, 2025</ix:nonNumeric></p>
<p><ix:nonNumeric name="dei:EntityRegistrantName" contextRef="c-1"><span>Netflix, Inc.</span></ix:nonNumeric></p>
</body></html>"""
    ex = read_html(page)
    assert ex.title == "Netflix, Inc. Form 10-Q for the period ended June 30, 2025"
    assert ex.text.startswith("FORM 10-Q\nFor the quarterly period ended June 30, 2025\nNetflix, Inc.")
    assert read_html(b"<title>Quarterly report</title><p>Text</p>").title == "Quarterly report"


def test_a_units_row_over_every_column_is_said_once():
    rows = [["", "Three Months Ended", None, "Six Months Ended", None],
            ["", "June 30, 2025", "June 30, 2024", "June 30, 2025", "June 30, 2024"],
            ["", "(in thousands)", None, None, None],
            ["Latin America (LATAM)", "1,306,735", "1,204,145", "2,568,669", "2,369,153"]]
    assert table_lines(rows, marked_header_rows=3) == [
        "Latin America (LATAM) | Three Months Ended June 30, 2025: 1,306,735 | June 30, 2024: 1,204,145 | "
        "Six Months Ended June 30, 2025: 2,568,669 | June 30, 2024: 2,369,153 (in thousands)"]


def test_cells_that_say_their_own_labels_take_no_header():
    # A letterhead set as a table: the judge's and the clerk's names over their fields are not
    # column headers; each field keeps its own label.
    rows = [["ROBERT A. KATZMANN", "CATHERINE O'HAGAN WOLFE"], ["CHIEF JUDGE", "CLERK OF COURT"],
            ["Date: October 31, 2017", "DC Docket #: 17-cv-6761"], ["Docket #: 17-3510", "DC Court: SDNY"],
            ["Short Title: NFL v. NFLPA", "DC Judge: Failla"]]
    lines = table_lines(rows)
    assert "Date: October 31, 2017 | DC Docket #: 17-cv-6761" in lines
    assert not any("KATZMANN:" in line or "WOLFE:" in line for line in lines)
    # A table of text under its header keeps it.
    assert table_lines([["Name", "Role"], ["Ann", "Clerk"], ["Bo", "Judge"]]) == ["Name: Ann | Role: Clerk",
                                                                                   "Name: Bo | Role: Judge"]


def test_a_row_of_values_captioned_by_the_bracketed_row_under_it():
    # An SEC filing's cover: the values, then their captions in brackets under them.
    html = ("<html><body><p>FORM 8-K</p><table>"
            "<tr><td>Delaware</td><td></td><td>001-38411</td><td></td><td>47-2345678</td></tr>"
            "<tr><td>(State or other jurisdiction of incorporation)</td><td></td><td>(Commission File Number)</td>"
            "<td></td><td>(IRS Employer Identification No.)</td></tr></table>"
            "<p>The company announced its results for the quarter.</p></body></html>").encode()
    lines = read_html(html).text.split("\n")
    assert ("State or other jurisdiction of incorporation: Delaware | Commission File Number: 001-38411 | "
            "IRS Employer Identification No.: 47-2345678") in lines
    assert "(State or other jurisdiction of incorporation) | (Commission File Number) | (IRS Employer Identification No.)" \
        in lines  # the caption row keeps its line
    # A row of one-word notes captions nothing.
    assert table_lines([["Revenue", "1,200"], ["(unaudited)", "(restated)"]])[0] == "Revenue | 1,200"


def test_a_fact_box_of_labels_with_colons_takes_no_header():
    # A report's country fact box set as two columns: its first row is a label and a value, not a header.
    rows = [["Head of state:", "Georgi Parvanov"], ["Head of government:", "Boyko Borissov"],
            ["Population:", "7.5 million"], ["Life expectancy:", "73.7 years"]]
    assert table_lines(rows) == ["Head of state: Georgi Parvanov", "Head of government: Boyko Borissov",
                                 "Population: 7.5 million", "Life expectancy: 73.7 years"]
    # Without the colons, a first row of labels over text still heads the columns.
    assert table_lines([["Name", "Role"], ["Ann", "Clerk"]]) == ["Name: Ann | Role: Clerk"]


def test_a_title_in_the_first_cell_above_the_headers_is_said_on_each_row():
    # USGS Mineral Commodity Summaries: "World Production Capacity:" set in the first column above
    # two rows of headers had kept the headers off the rows ("Venezuela | — | — | 30,000 | 30,000").
    rows = [["World Production Capacity:", "", "", "", ""],
            ["", "Fused aluminum oxide", "Fused aluminum oxide", "Silicon carbide", "Silicon carbide"],
            ["", "2009", "2010", "2009", "2010"],
            ["Japan", "25,000", "25,000", "60,000", "60,000"],
            ["Venezuela", "—", "—", "30,000", "30,000"]]
    lines = table_lines(rows)
    assert lines[-1] == ("World Production Capacity: Venezuela | Fused aluminum oxide 2009: — | 2010: — | "
                         "Silicon carbide 2009: 30,000 | 2010: 30,000"), lines
    assert len(lines) == 2
