"""What the answer quotes from a paper's page furniture: the page range in its first-page footer, for
"On which pages of the ACL proceedings ...?", where the footer names the venue in full ("Association for
Computational Linguistics"). A real index of small documents built with the bundled model; see
qa/answer/quotes.py (asks_pages), reply.py and support.py (spelled_out).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa.answer import answer  # noqa: E402

from conftest import small_folder  # noqa: E402

# A paper's first pages as a PDF reader gives them: the footer with the page range sits among the
# footnotes' URLs; the paper never writes "ACL".
PAPER = (
    "CITEGRAPH: Learning Paper Representations from Citation Graphs\n\n"
    "Abstract\n\n"
    "We present CITEGRAPH, a method for learning representations of scientific papers from their "
    "citation graph. Each paper is embedded from its title and abstract, and the model is trained so "
    "that a paper lies closer to the papers it cites than to papers it does not cite. CITEGRAPH "
    "improves paper recommendation and classification over strong baselines.\n\n"
    "1 Introduction\n\n"
    "Representations of whole papers help readers find related work. A paper's title and abstract say "
    "what it is about, but a general language model does not turn them into representations that "
    "separate topics well. Citations are a signal of relatedness that authors give for free: a paper "
    "cites the papers it builds on.\n\n"
    "Proceedings of the 57th Annual Meeting of the Association for Computational Linguistics, pages "
    "1201–1213 Florence, Italy, July 28 - August 2, 2019. c 2019 Association for Computational Linguistics\n\n"
    "1 https://github.com/example/citegraph\n\n"
    "2 https://api.example.org/graph\n\n"
    "3 http://example.org/data\n\n"
    "2 Method\n\n"
    "The model reads a paper's title and abstract with a transformer and takes the pooled output as the "
    "paper's representation. Training uses triples of a query paper, a paper it cites and a paper it "
    "does not cite, with a margin loss. Hard negatives are papers cited by the cited paper but not by "
    "the query paper.\n\n"
    "3 Experiments\n\n"
    "We evaluate the paper representations on citation prediction, paper recommendation and topic "
    "classification. On every task the representations of CITEGRAPH outperform those of the general "
    "language model and of earlier citation-based methods. The gains are largest for papers with few "
    "citations, which the graph alone describes poorly.\n"
)

# Another document of the folder says "ACL": without the spelled-out venue, the paper would lack it.
NEWS = (
    "Conference notes\n\n"
    "The ACL 2019 conference was held in Florence. Many of its papers studied representations of text, "
    "and several won awards for their evaluation of language models. The ACL meeting next year moves "
    "online.\n"
)

# A score sheet: rows of judges' marks, its print date in the footer, a line of its own.
SHEET = "GP Lyon Trophy 2013\n\nPAIRS FREE SKATING JUDGES DETAILS PER SKATER\n\n" + "\n".join(
    f"{rank} | PAIRS FREE SKATING Rank Name: Skater {rank} | Nation: {nation} | Starting Number: {start} | "
    f"Total Segment Score: {score:.2f} | Element Score: {score / 2:.2f} | Deductions: 0.00"
    for rank, nation, start, score in [(1, "RUS", 8, 201.31), (2, "CAN", 7, 188.05), (3, "GER", 6, 176.44),
                                       (4, "FRA", 5, 160.12), (5, "USA", 4, 151.90), (6, "ITA", 3, 140.77),
                                       (7, "JPN", 2, 133.58), (8, "CHN", 1, 120.02)]) + \
    "\n\nJudges Total Program Component Score (factored) | Total Deductions: 0.00\n\nPrinted: 17.11.2013 22:14:31\n"

FOLDER = {"citegraph-acl-2019.txt": PAPER, "conference-notes.txt": NEWS, "gp-lyon-2013-pairs-free.txt": SHEET}


@pytest.fixture(scope="module")
def retriever(tmp_path_factory, embedder):
    return small_folder(tmp_path_factory.mktemp("headers"), embedder, FOLDER)


def test_the_page_range_of_a_paper_is_quoted_from_its_footer(retriever):
    a = answer(retriever, "On which pages of the ACL 2019 proceedings does the CITEGRAPH paper appear?")
    assert not a.abstained and any("pages 1201–1213" in s.text for s in a.sentences), (a.notes, a.text)
    assert all("pages 1201–1213" in s.text for s in a.sentences), a.text


def test_questions_asking_which_pages():
    from qa.answer.quotes import asks_pages, gives_pages

    assert asks_pages("On which pages of the ACL 2020 proceedings is the S2ORC paper printed?")
    assert asks_pages("What pages of the journal does the article take up?")
    assert not asks_pages("How many pages does the report have?") and not asks_pages("Which page is it on?")
    assert gives_pages("Proceedings of ACL, pages 4969–4983") and gives_pages("Nature 521, pp. 436-444")
    assert not gives_pages("See the pages below.") and not gives_pages("page 4969")


def test_an_acronym_spelled_out():
    from qa.answer.support import spelled_out

    assert spelled_out("ACL", "the 58th Annual Meeting of the Association for Computational Linguistics, pages")
    assert spelled_out("NFL", "the National Football League") and spelled_out("EU", "the European Union")
    assert not spelled_out("ACL", "an anterior cruciate ligament")  # lower case: words, not a name
    assert not spelled_out("Acl", "Association for Computational Linguistics")  # not an acronym
    assert not spelled_out("ACL", "Association Linguistics")


def test_a_print_date_is_quoted_from_a_sheets_footer(retriever):
    a = answer(retriever, "When were the GP Lyon Trophy 2013 pairs judges' details printed?")
    assert not a.abstained and any("17.11.2013" in s.text for s in a.sentences), (a.notes, a.text)


def test_a_print_date_further_down_takes_the_place_of_the_last_passage(retriever):
    # The footer's chunk comes third: with k=2 it is found by the deeper search and shown in place of
    # the second passage, so the answer still shows the k passages asked for.
    question = "When were the GP Lyon Trophy 2013 pairs free skating judges' details printed?"
    assert not any("Printed:" in p.text for p in retriever.search(question, k=2))
    a = answer(retriever, question, k=2)
    assert len(a.passages) == 2 and "Printed:" in a.passages[1].text, [p.text[:40] for p in a.passages]
    assert not a.abstained and any("17.11.2013" in s.text for s in a.sentences), (a.notes, a.text)


def test_dated_fields():
    from qa.answer.quotes import dated_field
    from qa.text import content_terms

    asked = set(content_terms("When were the judges' details printed?"))
    assert dated_field("Printed: 16.11.2012 21:07:09", asked)
    assert not dated_field("Printed: 200 copies", asked)  # no date
    assert not dated_field("Filed: March 3, 2023", asked)  # a label the question does not use
