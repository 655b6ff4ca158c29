"""A question that names a document (a word in one document's title or file name and nowhere else)
gets that document's passages: qa/naming.py and the ranking it adds in qa/fusion.py. Real indexes
of small documents built with the bundled model.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa.config import LexicalSettings  # noqa: E402
from qa.index import DocumentRecord  # noqa: E402
from qa.naming import DocumentNames  # noqa: E402

from conftest import small_folder  # noqa: E402

FILLER = ("The company describes its content strategy, its technology investments and the risks it "
          "faces from competition for viewers' time, from changes in consumer behaviour and from "
          "regulation. ") * 4

# A long report whose regional table never says the company's name (only its title does) ...
ZENITH = "\n\n".join(
    ["# Zenith Streaming Inc. quarterly report"]
    + [f"## Section {i}\n\n{FILLER}" for i in range(1, 7)]
    + ["## Revenues by region\n\nStreaming revenues for the three months ended June 30, 2025, in "
       "thousands of dollars:\n\n| Region | Three months ended June 30, 2025 | Three months ended "
       "June 30, 2024 |\n|---|---|---|\n| United States and Canada | 4,929,502 | 4,295,560 |\n"
       "| Latin America | 1,306,735 | 1,204,145 |\n| Asia-Pacific | 1,305,253 | 1,051,833 |"]
    + [f"## Outlook {i}\n\n{FILLER}" for i in range(1, 4)])

# ... and a short one of another company that says "Latin America revenues" over and over.
ORBITAL = (
    "# Orbital Beverages Co. quarterly report\n\n"
    "Net operating revenues by operating segment for the three months ended June 27, 2025, in millions. "
    "Latin America net operating revenues grew on pricing, while revenues in Latin America from "
    "concentrate sales were flat. Latin America revenues for the three months ended June 27, 2025 were "
    "1,587 million dollars, compared with revenues of 1,498 million dollars in Latin America a year "
    "earlier.\n\n| Segment | Three months ended June 27, 2025 | Three months ended June 28, 2024 |\n"
    "|---|---|---|\n| Latin America | 1,587 | 1,498 |\n| North America | 5,029 | 4,836 |\n\n"
    "Unit case volume in Latin America increased 1%, and revenues in Latin America rose for the quarter.\n")

QUESTION = "What were Zenith's revenues in Latin America for the three months ended June 30, 2025?"


def _record(doc_id: str, source: str, title: str) -> DocumentRecord:
    return DocumentRecord(doc_id, source, title, "", 0, 0.0, "pdf", 1, "")


def test_a_word_names_the_one_document_whose_title_or_file_name_holds_it():
    names = DocumentNames([_record("a", "reports/unmiss-brief-2025-q3.pdf", "Brief on violence against civilians"),
                           _record("b", "amnesty-2007.pdf", "Amnesty International Report 2007"),
                           _record("c", "amnesty-2008.pdf", "Amnesty International Report 2008")],
                          LexicalSettings())
    only = {"unmiss": {"a": 1.0}, "amnesti": {"b": 1.0, "c": 1.0}, "violenc": {"a": 1.0, "b": 0.2},
            "civilian": {"a": 0.5}}
    holding = lambda term: only.get(term, {})  # noqa: E731
    assert names.named("What did UNMISS record in the third quarter?", holding) == {"a"}  # the file name
    assert names.named("What did the brief say about civilians?", holding) == {"a"}        # the title
    # in two titles, or in another document's text too: it names neither
    assert names.named("What did Amnesty International report?", holding) == set()
    assert names.named("How much violence was there?", holding) == set()
    # stop words and words of no title name nothing
    assert names.named("What was on the report of the year?", holding) == set()
    assert names.named("", holding) == set()


def test_a_named_company_s_table_beats_another_company_s_text(tmp_path, embedder):
    retriever = small_folder(tmp_path, embedder, {"zenith-quarterly.md": ZENITH, "orbital-beverages.md": ORBITAL})
    top = retriever.search(QUESTION, k=3)
    assert top[0].source == "zenith-quarterly.md" and any("1,306,735" in p.text for p in top)
    # without the ranking of the named document, the other company's text had come first
    fusion = retriever.settings.fusion
    retriever.settings = replace(retriever.settings, fusion=replace(fusion, named_weight=0.0))
    assert retriever.search(QUESTION, k=3)[0].source == "orbital-beverages.md"
    retriever.settings = replace(retriever.settings, fusion=fusion)
    # a question naming no document is searched as before
    plain = "What were the revenues in Latin America for the three months?"
    with_names = [p.chunk_id for p in retriever.search(plain, k=5)]
    retriever.settings = replace(retriever.settings, fusion=replace(fusion, named_weight=0.0))
    assert [p.chunk_id for p in retriever.search(plain, k=5)] == with_names
