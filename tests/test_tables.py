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
