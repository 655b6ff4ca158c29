"""qa.formats: HTML, PDF and DOCX readers, built from real files generated in each test."""

from __future__ import annotations

import io
import logging
import zipfile

import pytest

from qa.formats import (READERS, Extracted, LineMap, UnreadableDocument, line_of, page_of, read_docx,
                        read_html, read_pdf)


# ---------------------------------------------------------------- helpers

def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal valid PDF written by hand (no test dependency): one Helvetica line per string."""
    objs: list[bytes] = [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
                         b""]  # 1: font, 2: page tree (filled in below)
    kids = []
    for lines in pages:
        ops = [b"BT /F1 12 Tf 14 TL 72 720 Td"]
        for line in lines:
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(b"(" + esc.encode("cp1252") + b") Tj T*")
        stream = b"\n".join(ops + [b"ET"])
        objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                    b"/Resources << /Font << /F1 1 0 R >> >> /Contents %d 0 R >>" % len(objs))
        kids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objs) + 2 if title else len(objs) + 1, len(objs))
    if title:
        objs.append(b"<< /Title (" + title.encode("cp1252") + b") >>")
        trailer += b" /Info %d 0 R" % len(objs)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


PAGES = [["Introduction to otters", "Otters live near rivers."],
         ["Chapter two: diet", "Otters eat crayfish and fish."],
         ["Chapter three: habitat", "Holts are dens dug in river banks."]]


@pytest.fixture
def pdf_file(tmp_path):
    path = tmp_path / "otters.pdf"
    path.write_bytes(make_pdf(PAGES, title="All About Otters"))
    return path


def encrypted(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------- PDF

def test_pdf_pages_and_page_of(pdf_file):
    ex = read_pdf(pdf_file.read_bytes())
    assert ex.title == "All About Otters"
    assert ex.line_anchors is None
    assert len(ex.page_starts) == 3 and ex.page_starts[0] == 0
    for number, (first, second) in enumerate(PAGES, 1):
        start = ex.page_starts[number - 1]
        assert ex.text.startswith(first, start)
        assert page_of(ex.page_starts, ex.text.index(second)) == number
    assert page_of(ex.page_starts, ex.text.index("crayfish")) == 2
    assert page_of(ex.page_starts, ex.text.index("Holts are dens")) == 3
    assert ex.text.count("\n\n") == 2  # pages joined by a blank line
    assert page_of(None, 5) is None


def test_pdf_scanned_pages_give_empty_text():
    ex = read_pdf(make_pdf([[], []]))
    assert ex.text == "" and ex.title is None


def test_pdf_page_that_fails_is_kept_empty(monkeypatch, caplog):
    from qa.formats import pdf

    original = pdf.page_segments

    def flaky(textpage, *args, **kwargs):
        if "diet" in textpage.get_text_range():
            raise KeyError("/Font")
        return original(textpage, *args, **kwargs)

    monkeypatch.setattr(pdf, "page_segments", flaky)
    with caplog.at_level(logging.WARNING, logger="qa.formats"):
        ex = read_pdf(make_pdf(PAGES))
    assert "crayfish" not in ex.text and "Holts" in ex.text
    assert page_of(ex.page_starts, ex.text.index("Holts")) == 3
    assert "page 2" in caplog.text


def test_pdf_encrypted(pdf_file):
    with pytest.raises(UnreadableDocument, match="^encrypted PDF$"):
        read_pdf(encrypted(pdf_file.read_bytes(), "secret"))
    # Owner-password-only PDFs (print restrictions) open with the empty user password.
    assert "crayfish" in read_pdf(encrypted(pdf_file.read_bytes(), "")).text


@pytest.mark.parametrize("damage", [
    lambda d: d[: len(d) // 2],
    lambda d: d[:-40],
    lambda d: b"garbage, not a PDF at all" * 20,
    lambda d: b"%PDF-1.7\n" + bytes(range(256)) * 4,
    lambda d: b"",
])
def test_pdf_damaged(pdf_file, damage):
    with pytest.raises(UnreadableDocument) as info:
        read_pdf(damage(pdf_file.read_bytes()))
    assert "\n" not in str(info.value) and str(info.value)


# ---------------------------------------------------------------- HTML

HTML = """<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>Salt &amp; Pepper   Caf&eacute;</title>
  <style>p { color: red } .secret-style {}</style>
  <script>alert(1); var secretScript = "x";</script>
</head>
<body>
<!-- secret comment -->
<h1>Menu of the Caf&eacute;</h1>
<div>Opening <b>hours</b> are
   long and <i>generous</i>.
  <div><p>Nested paragraph
  inside two divs.</p></div>
</div>
<pre>
def f(x):
    return x  &lt;tag&gt;
</pre>
<ul><li>tea</li><li>coffee<br>cocoa</li></ul>
<table><tr><th>Dish</th><th>Price</th></tr><tr><td>Borscht</td><td>5</td></tr></table>
<p>Борщ со сметаной — it&#39;s classic.</p>
<noscript>secret noscript</noscript><template><p>secret template</p></template>
</body>
</html>
"""


def source_line(phrase: str) -> int:
    return next(i for i, line in enumerate(HTML.splitlines(), 1) if phrase in line)


def test_html_visible_text_and_title():
    ex = read_html(HTML.encode("utf-8"))
    assert ex.title == "Salt & Pepper Café"
    assert ex.page_starts is None
    for hidden in ("alert", "secret", "color: red", "DOCTYPE"):
        assert hidden not in ex.text
    lines = ex.text.split("\n")
    assert lines[:3] == ["Menu of the Café", "Opening hours are long and generous.",
                         "Nested paragraph inside two divs."]
    assert "def f(x):\n    return x  <tag>" in ex.text  # <pre> kept as is, entities decoded
    assert ["tea", "coffee", "cocoa", "Dish: Borscht | Price: 5"] == lines[5:9]  # a row with its headers
    assert lines[9] == "Борщ со сметаной — it's classic."


@pytest.mark.parametrize("phrase, source", [
    ("Menu of", "Menu of"), ("Opening", "Opening"), ("long and", "long and"), ("generous", "long and"),
    ("Nested", "Nested"), ("inside two", "inside two"), ("def f", "def f"), ("return x", "return x"),
    ("cocoa", "cocoa"), ("Borscht", "Borscht"), ("Борщ", "Борщ"),
])
def test_html_line_of_points_at_source_line(phrase, source):
    ex = read_html(HTML.encode("utf-8"))
    assert ex.line_anchors[0][0] == 0
    assert list(ex.line_anchors) == sorted(ex.line_anchors)
    offset = ex.text.index(phrase)
    assert line_of(ex.text, ex.line_anchors, offset) == source_line(source)
    assert LineMap(ex.text, ex.line_anchors).line(offset + 1) == source_line(source)


def test_html_crlf_lines_and_h1_title():
    page = "<html>\r\n<body>\r\n<h1>Only <em>heading</em></h1>\r\n\r\n<p>Deep\r\ntext</p>"
    ex = read_html(page.encode("utf-8"))
    assert ex.title == "Only heading"
    assert line_of(ex.text, ex.line_anchors, ex.text.index("text")) == 6


def test_html_cp1252_with_meta_charset(tmp_path):
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            '<title>Caf\u00e9 \u201cquoted\u201d</title></head>\n<body>\n'
            '<p>na\u00efve r\u00e9sum\u00e9 \u20ac100</p>')
    path = tmp_path / "old.html"
    path.write_bytes(page.encode("cp1252"))
    ex = read_html(path.read_bytes())
    assert ex.title == "Caf\u00e9 \u201cquoted\u201d"
    assert ex.text == "na\u00efve r\u00e9sum\u00e9 \u20ac100"
    assert line_of(ex.text, ex.line_anchors, 0) == 3


@pytest.mark.parametrize("data, text", [
    (b"\xef\xbb\xbf<p>bom \xc3\xa9</p>", "bom \u00e9"),
    ("<p>utf16 \u00e9</p>".encode("utf-16"), "utf16 \u00e9"),
    (b"<p>undeclared \xe9t\xe9</p>", "undeclared \u00e9t\u00e9"),  # not UTF-8 -> cp1252
    (b'<meta charset="utf-8"><p>mislabelled \xe9</p>', "mislabelled \u00e9"),
    (b'<meta charset="no-such"><p>odd \x81</p>', "odd \ufffd"),
    (b"", ""),
])
def test_html_decoding_never_loses_the_page(data, text):
    assert read_html(data).text == text


def test_html_odd_markup_does_not_lose_text():
    page = (b"<title>One</title><p>a</p><![foo[ x ]]><p>b</p><title>Two</title>"
            b"<svg><title>tooltip</title></svg><p>c</p>")
    ex = read_html(page)
    assert ex.text == "a\nb\nc" and ex.title == "One"


def test_line_of_without_anchors_counts_text_lines():
    assert line_of("a\nb\nc", None, 4) == 3
    assert LineMap("a\nb\nc").line(0) == 1


# ---------------------------------------------------------------- DOCX

def test_docx_text_table_and_title(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Quarterly Report", level=1)
    document.add_paragraph("Revenue grew in the north.")
    table = document.add_table(rows=2, cols=3)
    for r, row in enumerate([["Region", "Q1", "Q2"], ["North", "10", "12"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("")
    document.add_heading("Outlook", level=2)
    document.add_paragraph("Flat next year.")
    path = tmp_path / "report.docx"
    document.save(path)

    ex = read_docx(path.read_bytes())
    assert ex.text == ("Quarterly Report\nRevenue grew in the north.\nRegion: North | Q1: 10 | Q2: 12\n"
                       "Outlook\nFlat next year.")  # a table row carries its column headers
    assert ex.title == "Quarterly Report"
    assert ex.page_starts is None and ex.line_anchors is None

    document.core_properties.title = "Q3 Report (final)"
    document.save(path)
    assert read_docx(path.read_bytes()).title == "Q3 Report (final)"


def test_docx_damaged(tmp_path):
    with pytest.raises(UnreadableDocument, match=r"not a valid \.docx \(zip\) file"):
        read_docx(b"this is not a zip file" * 10)
    empty_zip = io.BytesIO()
    zipfile.ZipFile(empty_zip, "w").close()
    with pytest.raises(UnreadableDocument, match="docx"):
        read_docx(empty_zip.getvalue())


def test_readers_table():
    assert set(READERS) == {".html", ".htm", ".pdf", ".docx"}
    assert READERS[".htm"] is read_html
    assert isinstance(READERS[".html"](b"<p>x</p>"), Extracted)
    assert issubclass(UnreadableDocument, ValueError)
