"""Issue 21: scanned pages. A text page rendered to an image and wrapped as an image-only PDF is
read by real Tesseract (`qa build --ocr auto|off|force`), cited by page; without Tesseract one
line says how to install it."""

from __future__ import annotations

import io
import shutil

import pytest

pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from qa.config import Settings  # noqa: E402
from qa.documents import SourceFile, read_document  # noqa: E402
from qa.formats import page_of, read_pdf  # noqa: E402

from test_pdf_layout import report_pdf  # noqa: E402


W, H = A4

def scanned_pdf() -> bytes:
    """A text page rendered to an image (as a scanner would give it), then a PDF of that image only."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 16)
    c.drawString(72, H - 100, "The harbour master closed the port")
    c.drawString(72, H - 124, "because of the storm on Friday.")
    c.showPage()
    c.save()
    page = pdfium.PdfDocument(buf.getvalue())[0]
    image = page.render(scale=200 / 72, grayscale=True).to_pil()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.setFont("Helvetica", 12)
    c.drawString(72, H - 80, "A first page with a text layer about the harbour and its ships.")
    c.showPage()
    c.drawImage(ImageReader(image), 0, 0, W, H)
    c.showPage()
    c.save()
    return out.getvalue()


needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="Tesseract is not installed (apt-get install tesseract-ocr)")


@needs_tesseract
def test_image_page_is_read_by_tesseract_and_cited_by_page():
    ex = read_pdf(scanned_pdf(), Settings(ocr="auto"))
    assert ex.ocr_pages == 1 and ex.ocr_seconds > 0
    at = ex.text.find("harbour master closed the port")
    assert at > 0 and page_of(ex.page_starts, at) == 2
    assert page_of(ex.page_starts, ex.text.index("A first page")) == 1


@needs_tesseract
def test_ocr_off_leaves_image_pages_with_a_note():
    ex = read_pdf(scanned_pdf(), Settings(ocr="off"))
    assert ex.ocr_pages == 0 and "harbour master" not in ex.text
    assert ex.notes and "1 page(s) are images" in ex.notes[0] and "--ocr auto" in ex.notes[0]


def test_without_tesseract_one_line_says_how_to_install_it(tmp_path, monkeypatch):
    from qa.formats import ocr

    monkeypatch.setattr(ocr, "_tesseract", lambda: None)  # as on a machine without it
    (tmp_path / "scan.pdf").write_bytes(scanned_pdf())
    f = SourceFile("scan.pdf", tmp_path / "scan.pdf", 1, 0.0, "h")
    doc, problem = read_document(f, Settings())
    assert doc is not None and "A first page" in doc.text  # the text layer is still indexed
    assert not problem.skipped and "\n" not in problem.reason
    assert "apt-get install tesseract-ocr" in problem.reason


def test_settings_refuse_an_unknown_ocr_mode():
    with pytest.raises(ValueError, match="ocr must be one of auto, off, force"):
        Settings(ocr="sometimes")


@needs_tesseract
def test_build_reads_scanned_pages_and_reports_them(tmp_path, embedder):
    from qa.build import build_index
    from qa.retriever import Retriever

    seeds = tmp_path / "docs"
    seeds.mkdir()
    (seeds / "scan.pdf").write_bytes(scanned_pdf())
    (seeds / "report.pdf").write_bytes(report_pdf())
    report = build_index(seeds, tmp_path / "index", embedder=embedder)
    assert report.ocr_pages == 1 and report.ocr_seconds > 0
    assert "OCR read 1 page in" in report.summary()
    assert report.to_dict()["ocr_pages"] == 1
    retriever = Retriever.load(tmp_path / "index", embedder=embedder)
    hit = retriever.search("harbour master closed the port storm", k=1, mode="lexical")[0]
    assert (hit.source, hit.page) == ("scan.pdf", 2)
    across = retriever.search("publish the results of the southern count", k=1, mode="lexical")[0]
    assert (across.source, across.page, across.page_end) == ("report.pdf", 1, 2)
    assert across.location == "report.pdf, pages 1–2"
