"""Every chunk is an exact span of its document and fits the model without truncation."""

from __future__ import annotations

import pytest

from qa.chunking import chunk_document
from qa.config import ChunkerSettings
from qa.documents import Document, decode_text, doc_id_for, load_corpus

from conftest import SEEDS, SEED_FILE

PARAGRAPH = ("The committee met on Tuesday and agreed that the bridge must be repaired before "
             "winter. Funding will come from the regional budget.")

AWKWARD = {
    "repeated paragraphs": "\n\n".join([PARAGRAPH] * 12),
    "one long sentence without punctuation": " ".join(
        f"word{i % 97} and another clause about river number {i}" for i in range(900)),
    "no spaces at all": "x" * 5000,
    "cyrillic": "\n\n".join(
        "Кыргызстандын бийликтери коомдук сындын бардык формаларын басууну күчөттү. "
        f"Журналисттер жана активисттер камакка алынды, абзац {i}." for i in range(40)),
    "windows line endings": "\r\n".join(f"Line {i}: {PARAGRAPH}" for i in range(60)),
    "empty lines": "\n\n\n\n".join(["", PARAGRAPH, "", "", PARAGRAPH + " Then silence.", "\n\n"] * 10),
    "mixed repeats with overlap": ("Alpha beta gamma. " * 200) + "\n\n" + ("Alpha beta gamma. " * 200),
}


def _doc(text: str, source: str = "t.txt") -> Document:
    return Document(id=doc_id_for(source), source=source, title="t", text=text, hash="h",
                    size=len(text), mtime=0.0, format="txt")


def _check(doc: Document, chunks, counter, limit: int) -> None:
    assert chunks, "a non-empty document gives at least one chunk"
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert c.text.strip() == c.text and c.text
        assert counter.count(c.text) <= limit
        assert c.line_start == 1 + doc.text.count("\n", 0, c.start)
        assert c.line_end == 1 + doc.text.count("\n", 0, c.end - 1)
    starts = [c.start for c in chunks]
    assert starts == sorted(starts), "chunks come in document order"
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    visible = {i for i, ch in enumerate(doc.text) if not ch.isspace()}
    said = _squeeze(" ".join(c.text for c in chunks))
    for run in _runs(sorted(visible - covered)):  # left out only as text said in a chunk already
        for line in doc.text[run[0]:run[1]].splitlines():
            left_out = _squeeze(line)
            for at in range(0, max(len(left_out) - 200, 0) + 1, 100):
                assert left_out[at:at + 200] in said, "no text is dropped between chunks"


def _squeeze(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    runs: list[list[int]] = []
    for i in positions:
        if runs and i <= runs[-1][1] + 2:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    return [(a, b) for a, b in runs]


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_awkward_texts_chunk_exactly(name, counter, model_info):
    doc = _doc(AWKWARD[name])
    settings = ChunkerSettings()
    chunks = chunk_document(doc, counter, settings, model_info.max_seq_length)
    _check(doc, chunks, counter, min(settings.chunk_tokens, model_info.max_seq_length))


def test_chunks_never_exceed_the_model_limit_even_if_asked_for_more(counter, model_info):
    doc = _doc(AWKWARD["one long sentence without punctuation"])
    chunks = chunk_document(doc, counter, ChunkerSettings(chunk_tokens=1000, overlap_tokens=50),
                            model_info.max_seq_length)
    assert model_info.max_seq_length == 256
    _check(doc, chunks, counter, 256)
    assert max(counter.count(c.text) for c in chunks) > 200, "chunks use the room they have"


def test_seed_document_chunks(counter, model_info):
    docs, problems = load_corpus(SEEDS)
    assert not problems
    doc = next(d for d in docs if d.source == SEED_FILE)
    chunks = chunk_document(doc, counter, ChunkerSettings(), model_info.max_seq_length)
    _check(doc, chunks, counter, ChunkerSettings().chunk_tokens)
    kloop = [c for c in chunks if "Kloop Media" in c.text]
    assert kloop and kloop[0].line_start <= 11 <= kloop[0].line_end


def test_neighbours_overlap(counter, model_info):
    doc = _doc(" ".join(f"Sentence number {i} talks about topic {i % 7}." for i in range(400)))
    chunks = chunk_document(doc, counter, ChunkerSettings(), model_info.max_seq_length)
    assert len(chunks) > 3
    assert all(b.start < a.end for a, b in zip(chunks, chunks[1:])), "consecutive chunks overlap"


def test_chunk_ids_follow_content(counter, model_info):
    settings = ChunkerSettings()
    text = "\n\n".join(f"Paragraph {i}. " + PARAGRAPH * 3 for i in range(10))
    before = chunk_document(_doc(text), counter, settings, 256)
    edited = chunk_document(_doc(text.replace("Paragraph 9.", "Paragraph nine.")), counter, settings, 256)
    same = {c.id for c in before} & {c.id for c in edited}
    assert len(same) == len(before) - 1, "only the edited chunk gets a new id"
    repeated = chunk_document(_doc(AWKWARD["repeated paragraphs"]), counter, settings, 256)
    assert len({c.id for c in repeated}) == len(repeated), "repeated text still gets distinct ids"


def test_decode_fallback_keeps_text():
    text, caveat = decode_text("café naïve".encode("cp1252"))
    assert text == "café naïve" and "cp1252" in caveat
    assert decode_text("\ufeffhello".encode("utf-8")) == ("hello", None)


REPORT = "\n\n".join(
    f"Section {i}. The river trust counted {i * 7 + 3} otters on the northern bank this year, and the "
    f"volunteers walked the same {i + 8} kilometres each week to write down every holt." for i in range(30))


def test_text_said_twice_is_indexed_once_with_the_ids_it_had(counter):
    settings = ChunkerSettings()
    once = chunk_document(_doc(REPORT), counter, settings, 256)
    twice_doc = _doc(REPORT + "\n\n" + REPORT)  # a page extracted twice
    twice = chunk_document(twice_doc, counter, settings, 256)
    _check(twice_doc, twice, counter, 256)
    assert len(once) > 3
    assert [c.id for c in twice] == [c.id for c in once]
    assert all(c.end <= len(REPORT) for c in twice)


def test_repeated_short_lines_of_a_table_are_kept(counter):
    rows = "\n".join(f"Region {i} | 0 | 0" for i in range(3))
    text = f"Otters by region in spring.\n{rows}\n\nOtters by region in autumn.\n{rows}"
    chunks = chunk_document(_doc(text), counter, ChunkerSettings(), 256)
    assert sum(c.text.count("Region 2 | 0 | 0") for c in chunks) == 2


def test_an_html_section_shown_twice_is_indexed_once(tmp_path, counter):
    from qa.config import Settings
    from qa.documents import SourceFile, read_document

    section = "".join(f"<p>Paragraph {i} of the notice says that the ferry to the island leaves at "
                      f"{i + 6} in the morning from the north quay.</p>" for i in range(12))
    html = f"<html><body><div class='desktop'>{section}</div><div class='mobile'>{section}</div></body></html>"
    path = tmp_path / "notice.html"
    path.write_text(html, encoding="utf-8")
    doc, problem = read_document(SourceFile("notice.html", path, len(html), 0.0, "h"), Settings())
    assert problem is None and doc.text.count("Paragraph 11 of the notice") == 2
    chunks = chunk_document(doc, counter, ChunkerSettings(), 256)
    assert sum(c.text.count("Paragraph 11 of the notice") for c in chunks) == 1
    assert sum(c.text.count("Paragraph 0 of the notice") for c in chunks) == 1
