"""Blocks of fields set side by side (a court's letterhead, a repair estimate's panels) are read
block by block, each value with its own label, not as a table whose first row labels the others
(written here with reportlab)."""

from __future__ import annotations

import io

import pytest

pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from qa.formats import read_pdf  # noqa: E402

W, H = letter
PROSE = ("A notice of appeal filed by the river trust in the above referenced case was docketed today. "
         "This number must appear on all documents related to this case that are filed in this Court.")


def _read(draw) -> list[str]:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    draw(c)
    c.setFont("Times-Roman", 12)
    cut = PROSE.index(" ", 90)
    c.drawString(72, 300, PROSE[:cut])
    c.drawString(72, 286, PROSE[cut + 1:])
    c.showPage()
    c.save()
    return read_pdf(buf.getvalue()).text.split("\n")


def test_a_letterhead_of_two_columns_of_fields_is_read_column_by_column():
    # The chief judge's and the clerk's names head two columns of "Label: value" lines; a value
    # wraps onto a line of its own.
    left = ["JANE Q. ROE", "CHIEF JUDGE", "Date: October 31, 2017", "Docket #: 17-3510",
            "Short Title: River Trust v. State of", "Otterland"]
    right = ["JOHN P. DOE", "CLERK OF COURT", "DC Docket #: 17-cv-6761", "DC Court: SDNY (NEW YORK",
             "CITY)", "DC Judge: Failla"]

    def draw(c):
        for i, (a, b) in enumerate(zip(left, right)):
            c.setFont("Times-Roman", 12)
            c.drawString(72, 640 - 14 * i, a)
            c.drawString(372, 640 - 14 * i, b)

    lines = _read(draw)
    for line in ("JANE Q. ROE CHIEF JUDGE", "Date: October 31, 2017", "Docket #: 17-3510",
                 "Short Title: River Trust v. State of Otterland", "JOHN P. DOE CLERK OF COURT",
                 "DC Docket #: 17-cv-6761", "DC Court: SDNY (NEW YORK CITY)", "DC Judge: Failla"):
        assert line in lines, lines
    assert not any("JANE Q. ROE:" in line or "JOHN P. DOE:" in line for line in lines)


def test_panels_of_labels_and_values_side_by_side_keep_their_labels():
    # Two panels under their titles, each a column of labels and a column of values: no row of
    # them is the others' header.
    customer = [("Insured name", "Gabriel Diaz"), ("Claim #", "SF-1008"), ("Policy #", "POL-2022-555"),
                ("Phone", "(425) 111-1111"), ("Email", "gabriel@example.com")]
    vehicle = [("Year", "2022"), ("Make", "Jeep"), ("Model", "Grand Cherokee"), ("Trim", "Limited"),
               ("VIN", "1C4RJFBG2NC123456"), ("Odometer", "9,800")]

    def draw(c):
        c.setFont("Helvetica", 10)
        c.drawString(120, 640, "Customer Information")
        c.drawString(350, 640, "Vehicle Information")
        for i, (label, value) in enumerate(customer):
            c.drawString(77, 626 - 13 * i, label)
            c.drawString(158, 626 - 13 * i, value)
        for i, (label, value) in enumerate(vehicle):
            c.drawString(311, 626 - 13 * i, label)
            c.drawString(380, 626 - 13 * i, value)

    lines = _read(draw)
    for line in ("Customer Information", "Insured name: Gabriel Diaz", "Claim #: SF-1008", "Vehicle Information",
                 "Year: 2022", "VIN: 1C4RJFBG2NC123456", "Odometer: 9,800"):
        assert line in lines, lines
    assert lines.index("Customer Information") < lines.index("Email: gabriel@example.com") < lines.index("Year: 2022")


def test_a_table_of_figures_under_spanning_headers_stays_a_table():
    # Column heads spanning pairs of figure columns (not the row labels) make a table, not panels.
    def draw(c):
        c.setFont("Helvetica", 10)
        c.drawString(250, 640, "Three Months Ended")
        c.drawString(400, 640, "Six Months Ended")
        for k, x in enumerate((250, 310, 400, 460)):
            c.drawString(x, 626, ("2025", "2024")[k % 2])
        for i, (label, figures) in enumerate([("Revenue", (1505, 1201, 2950, 2400)), ("Taxes", (80, 75, 160, 150)),
                                              ("Net income", (410, 380, 800, 700))]):
            c.drawString(77, 612 - 13 * i, label)
            for x, f in zip((250, 310, 400, 460), figures):
                c.drawString(x, 612 - 13 * i, f"{f:,}")

    lines = _read(draw)
    revenue = next(line for line in lines if line.startswith("Revenue |"))
    assert "Three Months Ended" in revenue and "1,505" in revenue and "2,400" in revenue
