"""Which sentences the answer quotes from documents as people have them: tables with dot leaders,
form fields, table rows, list bullets, names in camel case, references between sentences. Real
indexes of small documents built with the bundled model; see qa/answer/quotes.py, reply.py and qa/text.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa.answer import answer  # noqa: E402
from qa.answer.quotes import continues, is_field, labelled_by  # noqa: E402
from qa.answer.reply import Candidate, Pool, chosen  # noqa: E402
from qa.text import content_terms  # noqa: E402

from conftest import small_folder, write  # noqa: E402

# Long enough (about 190 word pieces) that the paragraph after it starts a chunk of its own.
OVERVIEW = (
    "The Company designs, manufactures and markets smartphones, personal computers, tablets, wearables and "
    "accessories, and sells a variety of related services. The Company's fiscal year is the 52- or 53-week "
    "period that ends on the last Saturday of September. The following discussion should be read in "
    "conjunction with the condensed consolidated financial statements and accompanying notes included in "
    "Part I, Item 1 of this Form 10-Q. Net sales by category and by reportable segment are presented below, "
    "together with the main reasons for the changes from the same quarter a year earlier. The Company "
    "reports segment information on the basis of its geographic operations, which are managed separately, "
    "and each segment offers the same products and services to its customers. Further information on the "
    "Company's segments, the risks that affect them and the methods used to allocate costs among them is "
    "given in the notes to the financial statements and in the annual report for the previous fiscal year.")

FOLDER = {
    # A cost table whose rows run on past dot leaders.
    "harbour-fees.txt":
        "Port of Eastham: schedule of fees for 2024\n\n"
        "ESTIMATED FEES\n\n"
        "Fee per hour Fee per call Fee on all vessels\n\n"
        "Inbound pilotage ........................ Up to 6 pilot-hours × $140 per hour = Up to $840 ......... "
        "Up to $1,260 ....... Up to $52,400. Up to $1,900.\n\n"
        "Fees are charged to the vessel's agent and are payable within thirty days of the call.\n",
    # A form: fields without a full stop.
    "incident-report.txt":
        "90-Day Summary Report for Serious Injury Case Tracking Number: 160311-DSP-Kenosha-212 Agency: "
        "Kenosha County Department of Human Services\n\n"
        "Child Information (at time of incident)\n\n"
        "Date of Incident: 03/11/2016\n\n"
        "Description of the incident:\n\n"
        "The agency received a report that a two year-old child was admitted to the hospital with a broken arm. "
        "The child's father said the child had fallen from a bunk bed.\n",
    # The next paragraph of each starts a chunk with a bullet or a name in camel case.
    "arms-trade.txt": OVERVIEW.replace("The Company", "The campaign").replace("Form 10-Q", "report") + "\n\n"
        "■ Developing countries now absorb more than two thirds of world defence imports, increasingly using "
        "private contractors in diverse supply chains. The report documented unaccounted arms flights to "
        "several countries under embargo.\n",
    "quarterly-report.txt": OVERVIEW + "\n\n"
        "iPhone net sales increased during the third quarter compared to the same quarter a year earlier due to "
        "higher net sales of Pro models.\nMac\nMac net sales increased during the third quarter due to higher net "
        "sales of laptops.\n",
    # A table whose last row ends the document without a full stop.
    "tax-note.txt":
        "Provision for Income Taxes\n\n"
        "The provision for income taxes, the effective tax rate and the statutory federal income tax rate for "
        "the three months ended June 28, 2025 and June 29, 2024, were as follows (dollars in millions):\n"
        "Provision for income taxes | Three Months Ended June 28, 2025: $4,597 | June 29, 2024: $4,046\n"
        "Effective tax rate | Three Months Ended June 28, 2025: 16.4% | June 29, 2024: 15.9%\n",
    # The narrative speaks of the rate; the row labelled with it gives the figure.
    "harbour-tax-note.txt":
        "Income Taxes\n\n"
        "The harbour authority's effective tax rate for the third quarter of 2024 was higher than in the third "
        "quarter of 2023, due primarily to the revaluation of its foreign currency deposits.\n"
        "Provision for income taxes | Three Months Ended September 28, 2024: $2,310 | September 30, 2023: $2,004\n"
        "Effective tax rate | Three Months Ended September 28, 2024: 18.2% | September 30, 2023: 14.7%\n"
        "Home Port Tax Rates | Effective as at 1 October 2024\n"
        "The authority expects its effective tax rate to stay close to the statutory rate in the coming year.\n",
    # A table with a header row: the header names what is asked, the rows hold the answers.
    "layoff-notices.txt":
        "Notices of layoffs received in 2015\n\n"
        "Notice Date | Effective Date | Company | City | Employees Affected | Layoff or Closure\n"
        "09/03/2015 | 11/02/2015 | Harbour Tools Corp. | Eastham | 64 | Layoff Permanent\n"
        "09/04/2015 | 11/06/2015 | Quay Bakery | Westport | 12 | Closure Permanent\n",
    # Rows whose label opens in lower case ("iPad") are rows of their own, not the row before's.
    "net-sales.txt":
        "Net sales by category\n\n"
        "The following table shows net sales by category for the three months ended June 28, 2025 (dollars "
        "in millions):\n"
        "Mac | Three Months Ended June 28, 2025: 8,046 | June 29, 2024: 7,009\n"
        "iPad | Three Months Ended June 28, 2025: 6,581 | June 29, 2024: 7,162\n"
        "Services | Three Months Ended June 28, 2025: 27,423 | June 29, 2024: 24,213\n",
}


@pytest.fixture(scope="module")
def retriever(tmp_path_factory, embedder):
    return small_folder(tmp_path_factory.mktemp("quotes"), embedder, FOLDER)


def _quoted(a) -> str:
    assert not a.abstained, (a.notes, a.confidence)
    return " ".join(s.text for s in a.sentences)


def test_a_table_row_runs_on_past_its_dot_leaders(retriever):
    a = answer(retriever, "What is the estimated fee on all vessels of inbound pilotage?")
    assert "Up to $52,400" in _quoted(a), a.text


def test_a_form_field_is_quoted(retriever):
    a = answer(retriever, "What was the date of the incident in the Kenosha report?")
    assert "Date of Incident: 03/11/2016" in _quoted(a), a.text


def test_a_table_row_at_the_end_of_a_chunk_is_quoted(retriever):
    a = answer(retriever, "What was the effective tax rate for the three months ended June 28, 2025?")
    assert "16.4%" in _quoted(a), a.text


@pytest.mark.parametrize("question, opening, expected", [
    ("What share of world defence imports do developing countries absorb?", "Developing countries",
     "more than two thirds of world defence imports"),
    ("Why did iPhone net sales increase in the third quarter?", "iPhone net sales", "Pro models"),
])
def test_a_chunk_may_open_with_a_bullet_or_a_name_in_camel_case(retriever, question, opening, expected):
    a = answer(retriever, question)
    # The sentence opens a chunk that is not the document's first (what the rule is about).
    assert any(p.start > 0 and p.text.lstrip("■ ").startswith(opening) for p in a.passages)
    quoted = _quoted(a)
    assert expected in quoted and "■" not in quoted, a.text


def test_a_reference_between_two_sentences_does_not_end_the_quote():
    first = "This is, however, a classic case where speech is brigaded with action."
    reference = "See Speiser v. Randall, 357 U. S. 513, 536-537 (DOUGLAS, J., concurring)."
    then = "They are indeed inseparable and a prosecution can be launched for the overt acts actually caused."
    assert continues(first, reference)
    texts = ["The example usually given is the case of one who falsely shouts fire in a crowded theatre.", first,
             reference, then, "Apart from rare instances of that kind, speech is immune from prosecution."]
    pool = Pool([Candidate(t, 1, 0, len(t), 0, next=i + 1 if i + 1 < len(texts) else -1)
                 for i, t in enumerate(texts)], np.zeros((len(texts), 1)), [True] * len(texts))
    assert chosen(pool, np.array([0.01, 0.9, 0.02, 0.04, 0.03])) == [1, 2, 3]


def test_a_row_labelled_with_the_question_is_quoted_beside_a_sentence_without_the_figure(retriever):
    a = answer(retriever, "What was the harbour authority's effective tax rate for the third quarter of 2024?")
    quoted = _quoted(a)
    assert "Effective tax rate | Three Months Ended September 28, 2024: 18.2%" in quoted, a.text
    assert "Home Port Tax Rates" not in quoted  # its cell is no figure


def test_labelled_rows():
    terms = set(content_terms("What is the home loan interest rate of the 1 Year Fixed Rate loan?"))
    assert labelled_by("1 Year Fixed Rate | Investment Home Loan: 4.29% | 5.93%", terms)
    assert not labelled_by("Home Loan Interest Rates | Effective as at 9 April 2019", terms)  # no figure cell
    assert not labelled_by("Standard Variable Rate | 5.37%", terms)  # "standard", "variable" not asked
    assert not labelled_by("The loan rate was raised to 4.29% in 2019.", terms)  # no row
    asked = set(content_terms("What was the North America operating income for the three months ended June 27, 2025?"))
    assert labelled_by("Three Months Ended June 27, 2025: Operating income (loss) | North America: $1,621", asked)
    assert not labelled_by("Three Months Ended June 27, 2025: Other operating charges | North America: 71", asked)


def test_fields_and_rows():
    assert is_field("Date of Incident: 01/09/2015")
    assert is_field("Net income | 23,434 | 21,448")
    assert is_field("Kentucky | Permit: 264,140 | Handgun: 50,796")
    assert not is_field("Table 1: Results for 2019")  # a caption
    assert not is_field("Apple Inc. | Q3 2025 Form 10-Q | 17")  # a running footer
    assert not is_field("Rates rose: 4.29% in 2019\nand more")  # two lines
    assert is_field("Three Months Ended June 27, 2025: Operating income (loss) | Europe: $1,325 | Asia: $647")


def test_a_connective_carries_the_sentence_on():
    claim = "Many known complexity classes are suspected to be unequal, but this has not been proved."
    assert continues(claim, "For instance P ⊆ NP ⊆ PP ⊆ PSPACE, but it is possible that P = PSPACE.")
    assert continues("Two seats are for the Law Officers, who are not elected.",
                     "As such the Law Officers may attend and speak but cannot vote.")
    assert continues("Some boycotts make it harder for a system to function.", "In this way, they are coercive.")
    assert not continues(claim, "Forests cover a third of the country.")


def test_a_header_row_is_not_quoted(retriever):
    quoted = _quoted(answer(retriever, "Which company had a layoff or closure in Eastham?"))
    assert "Harbour Tools Corp. | Eastham | 64" in quoted and "Notice Date" not in quoted, quoted


def test_an_index_cut_by_other_sentence_rules_is_embedded_again(tmp_path, embedder):
    import json

    from qa import build_index
    from qa.text import SENTENCE_RULES

    docs, index = tmp_path / "docs", tmp_path / "index"
    write(docs, "harbour-fees.txt", FOLDER["harbour-fees.txt"])
    build_index(docs, index, embedder=embedder)
    assert not build_index(docs, index, embedder=embedder).full_rebuild
    manifest = json.loads((index / "manifest.json").read_text())
    assert manifest["answer_model"]["sentence_rules"] == SENTENCE_RULES
    manifest["answer_model"]["sentence_rules"] = SENTENCE_RULES - 1  # spans stored by the rules before
    (index / "manifest.json").write_text(json.dumps(manifest))
    r = build_index(docs, index, embedder=embedder)
    assert r.full_rebuild and "sentence rules" in r.full_reason and r.embedded_chunks == r.chunks


def test_a_row_opening_in_lower_case_is_quoted_on_its_own(retriever):
    a = answer(retriever, "What were iPad net sales in the three months ended June 28, 2025?")
    assert any(s.text.startswith("iPad | Three Months Ended June 28, 2025: 6,581") for s in a.sentences), a.text
