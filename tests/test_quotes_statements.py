"""What the answer quotes from financial statements and court papers as PDF readers give them: headings
that run on past twelve words (two side by side read as one line), rows without cell marks. Real
indexes of small documents built with the bundled model; see qa/answer/quotes.py and reply.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa.answer import answer  # noqa: E402
from qa.answer.quotes import heading, quotable  # noqa: E402

from conftest import small_folder  # noqa: E402

# Two statements side by side on one page: their headings are read as one line of 24 words.
STATEMENT = (
    "Consolidated Statement of Comprehensive Income Consolidated Statement of Changes in Equity\n\n"
    "Hokuriku Electric Corporation and Subsidiaries Hokuriku Electric Corporation and Subsidiaries "
    "Years ended March 31, 2020 and 2021 Years ended March 31, 2020 and 2021\n\n"
    "Yen (millions)\n\n2020 2021\n\n"
    "Net profit ¥ 133,512 ¥ 101,683\n\n"
    "Other comprehensive income (loss), net of tax\n\n"
    "Total items that may be reclassified to net profit | (21,774) | 33,154\n\n"
    "Total other comprehensive income (loss) | (58,750) | 114,271\n\n"
    "Balance at end of year | ¥ 75,820 ¥ 102,777 ¥ 1,266,490 ¥ 51,801 ¥ (1,595) ¥ 1,454,293 ¥ 56,318 ¥ 1,510,611\n\n"
    "Dividends | (37,283) | (37,283) | (3,107) | (40,390)\n")

# A court's first page: the caption's lines end its chunk (the opinion's first paragraph is long).
APPEAL = (
    'In the Missouri Court of Appeals Western District\n\n'
    'DIVISION TWO ROBERT LEE HOLT, ) No. WD84512 ) Appellant, ) Appeal from the Circuit Court of ) Boone '
    'County, Missouri vs. ) No. 19BA-CR01234 ) STATE OF MISSOURI, ) Honorable Kevin M. Crane ) '
    'Respondent. )\n\n'
    'Robert Lee Holt appeals the judgment denying his Rule 29.15 motion for post-conviction relief after '
    'an evidentiary hearing. Holt claims that his trial counsel was ineffective for failing to call two '
    'witnesses who would have supported his account of the events. We find no clear error in the motion '
    "court's findings and affirm. The motion court found that counsel's decision not to call the "
    'witnesses was a matter of reasonable trial strategy, because both witnesses had given statements '
    "that contradicted Holt's account in important respects. Counsel testified at the hearing that he had"
    ' interviewed both witnesses before trial and had concluded that their testimony would do more harm '
    "than good. We defer to the motion court's determinations of credibility. The record shows that "
    'counsel reviewed the police reports, the statements of both witnesses and the recorded interview of '
    'the victim, and that he discussed with Holt before trial why he would not call the two witnesses. '
    "Holt did not testify at the hearing, and the motion court was free to believe counsel's account of "
    'their conversations. Because the decision not to call a witness is presumptively a matter of trial '
    'strategy, and Holt offered nothing to overcome that presumption, his claim fails on the first prong '
    'of the test for ineffective assistance of counsel.\n\n'
    'Factual and Procedural History\n\n'
    'In 2019, Holt was charged with one count of burglary in the first degree and one count of stealing. '
    'A jury found him guilty of both counts, and the trial court sentenced him to concurrent terms of ten'
    ' and four years. This Court affirmed the convictions on direct appeal. Holt then timely filed a pro '
    'se motion for post-conviction relief, which appointed counsel amended. After an evidentiary hearing '
    'at which trial counsel testified, the motion court denied the amended motion in a written judgment '
    'with findings of fact and conclusions of law. This appeal follows.\n'
)

# A circuit court's first page: its case number in a short line under the clerk's name, the district
# court's number in the line giving the appeal's origin.
CAPTION = (
    'United States Court of Appeals\n\n'
    'for the Fifth Circuit\n\n'
    'FILED\n\n'
    'March 3, 2023\n\n'
    'No. 22-10417 Lyle W. Cayce Clerk\n\n'
    'Jane Roe, Plaintiff—Appellant, versus Acme Mutual Insurance Company, Defendant—Appellee.\n\n'
    'Appeal from the United States District Court for the Northern District of Texas USDC No. 4:21-CV-118\n\n'
    'Before Smith, Higginson, and Wilson, Circuit Judges.\n\n'
    'Per Curiam: This case arises from a dispute over a disability insurance policy. Roe enrolled in the '
    'policy through her employer in 2019 and stopped working in 2020 after a back injury. Acme Mutual '
    'denied her claim for long-term benefits, finding that she could still perform the duties of a '
    'sedentary occupation. Roe sued in state court, and Acme Mutual removed the case to federal court. '
    'The district court granted summary judgment to Acme Mutual, and Roe appealed. We affirm.\n'
)

# An opinion's first page under the court's docket line (qa/formats/pdf_furniture.py keeps it once).
DOCKET = (
    'Case: 21-1388 Document: 00117702215 Page: 1 Date Filed: 02/11/2021 Entry ID: 6402117\n\n'
    'United States Court of Appeals For the First Circuit\n\n'
    'BETHANY GOSPEL CHURCH, Plaintiff, Appellant, v. JANET MORROW, in her official capacity as Governor '
    'of the State of Maine, Defendant, Appellee.\n\n'
    'The church challenged the Governor\'s orders limiting gatherings during the pandemic. The district '
    'court denied a preliminary injunction, finding that the orders applied alike to comparable secular '
    'gatherings. While the appeal was pending, the Governor rescinded the orders, and the church asked '
    'the court to decide the case nonetheless. We dismiss the appeal as moot.\n'
)

FOLDER = {"hokuriku-statements.txt": STATEMENT, "holt-appeal.txt": APPEAL, "roe-v-acme-ca5.txt": CAPTION,
          "bethany-v-morrow-ca1.txt": DOCKET}


@pytest.fixture(scope="module")
def retriever(tmp_path_factory, embedder):
    return small_folder(tmp_path_factory.mktemp("statements"), embedder, FOLDER)


def test_a_long_heading_is_not_quoted(retriever):
    a = answer(retriever, "What was Hokuriku Electric's total equity at the end of the year ended March 31, 2021?")
    assert not a.abstained and "1,510,611" in a.sentences[0].text, a.text
    assert not any("Subsidiaries" in s.text for s in a.sentences), a.text


def test_headings():
    title = STATEMENT.split("\n\n")[1]
    assert len(title.split()) > 12 and heading(title) and not quotable(title, 1, 3, 0)
    assert heading("Consolidated Statement of Changes in Equity Years ended March 31, 2021")
    assert heading("Kyle Lo, Lucy Lu Wang, Mark Neumann, Rodney Kinney, Daniel S. Weld, Allen Institute")  # a byline
    assert not heading("Beauty net sales decreased 2% to $3.5 billion")  # a statement
    assert not heading("Standard Variable Rate 5.37% 5.51% 4.87%")  # figures: a row
    assert not heading("Proceedings of the 58th Annual Meeting, pages 4969–4983")  # a page range
    assert not heading("The Board Approved The Budget.")  # a full stop: a sentence


def test_a_row_without_cell_marks_is_quoted(retriever):
    a = answer(retriever, "What was Hokuriku Electric's net profit for the year ended March 31, 2021?")
    assert not a.abstained and any(s.text == "Net profit ¥ 133,512 ¥ 101,683" for s in a.sentences), a.text


def test_rows_without_cell_marks():
    from qa.answer.quotes import is_field, labelled_by
    from qa.text import content_terms

    assert is_field("Net profit ¥ 233,512 ¥ 201,683") and is_field("Comprehensive income 124,762 415,954")
    assert not is_field("OCTOBER TERM, 2012 1")  # a page number after a year: no amount
    assert not is_field("Argued April 23, 2013—Decided June 13, 2013") and not is_field("Yen (millions) 2020")
    assert not is_field("Non-controlling interests ¥ 7,630 ¥ 14,395 Common stock")  # words after the figures
    asked = set(content_terms("What was the net profit for the year ended March 31, 2021?"))
    assert labelled_by("Net profit ¥ 233,512 ¥ 201,683", asked)
    # The reader may give the row under its column's header: "2020: Net profit ¥ 233,512 ¥ 201,683".
    assert is_field("2020: Net profit ¥ 233,512 ¥ 201,683") and labelled_by("2020: Net profit ¥ 233,512 ¥ 201,683", asked)


def test_a_labelled_row_takes_the_last_near_best_place():
    import numpy as np

    from qa.answer.reply import Candidate, Pool, chosen

    texts = ["Balance at end of year | ¥ 175,820 ¥ 202,777 ¥ 2,870,611",
             "Balance at end of year ¥ 175,820 ¥ 202,832 ¥ 2,538,859",
             "Comprehensive income 124,762 415,954 2021",
             "Net profit ¥ 233,512 ¥ 201,683", "Dividends | (77,283) | (84,390)"]
    pool = Pool([Candidate(t, 1, 0, len(t), 0) for t in texts], np.zeros((len(texts), 1)), [True] * len(texts),
                labelled=[3])
    assert chosen(pool, np.array([0.46, 0.24, 0.10, 0.08, 0.01])) == [0, 1, 3]
    assert chosen(pool, np.array([0.46, 0.24, 0.01, 0.08, 0.01])) == [0, 1, 3]  # room left: added
    # A labelled row quoted as a near-best sentence stays: the place taken is a sentence's.
    pool = Pool(pool.candidates, pool.features, pool.on_focus, labelled=[3, 4])
    assert chosen(pool, np.array([0.40, 0.01, 0.30, 0.08, 0.05])) == [0, 3, 4]
    # A best sentence carried on keeps its continuation; the row takes the place after them.
    carried = [Candidate("The court ruled on two points:", 1, 0, 30, 0, next=1),
               Candidate("First, the claim was late.", 1, 31, 57, 31), Candidate("Fees | $1,200", 1, 58, 71, 58)]
    pool = Pool(carried, np.zeros((3, 1)), [True] * 3, labelled=[2])
    assert chosen(pool, np.array([0.7, 0.2, 0.1])) == [0, 1, 2]


def test_a_caption_line_giving_a_number_is_quoted(retriever):
    a = answer(retriever, "What is the appeal number of Holt v. State of Missouri?")
    assert not a.abstained and "No. WD84512" in a.sentences[0].text, (a.notes, a.text)


def test_header_fields():
    from qa.answer.quotes import is_field

    assert is_field("No. 21-50498 Lyle W. Cayce Clerk") and quotable("No. 21-50498 Lyle W. Cayce Clerk", 4, 9, 0)
    caption = "HOLT, ) No. WD84512 ) Appellant, ) Appeal from the Circuit Court of ) Boone County vs. ) Respondent. )"
    assert quotable(caption, 1, 2, 0)  # the last line of its chunk, without a full stop
    assert not is_field("There is no. 5 here")


def test_a_heading_naming_a_thing_of_the_asked_kind_is_quoted(retriever):
    a = answer(retriever, "Which court decided the appeal of Robert Lee Holt?")
    assert not a.abstained and any(s.text == "In the Missouri Court of Appeals Western District" for s in a.sentences), \
        a.text


def test_headings_naming_the_asked_kind():
    from qa.answer.quotes import asked_kind, names_kind

    assert asked_kind("Which court decided the appeal?") == "court" and asked_kind("What is the rate?") is None
    assert names_kind("United States Court of Appeals", "court")
    assert not names_kind("The court affirmed.", "court") and not names_kind("Court of Appeals", None)
    assert not names_kind("Opinion of the Court.", "court")  # a sentence, quotable or not on its own
    assert not names_kind("Notice Date | Company | City | Employees Affected", "compani")  # a header row
    assert asked_kind("Which Super Bowl did Elway win?") is None  # a name, not a kind


def test_the_number_of_a_thing_asked_is_quoted_from_the_lines_giving_one(retriever):
    a = answer(retriever, "What is the Fifth Circuit case number of Roe v. Acme Mutual Insurance Company?")
    assert not a.abstained and any("No. 22-10417" in s.text for s in a.sentences), (a.notes, a.text)
    from qa.answer.quotes import names_identifier
    assert all(names_identifier(s.text) for s in a.sentences), a.text  # only lines giving a number are judged


def test_the_id_of_a_thing_asked_is_quoted_from_the_line_giving_it(retriever):
    a = answer(retriever, "What is the entry ID of the First Circuit's opinion in Bethany Gospel Church v. Morrow?")
    assert not a.abstained and "Entry ID: 6402117" in a.sentences[0].text, (a.notes, a.text)


def test_questions_asking_the_number_of_a_thing():
    from qa.answer.quotes import asks_identifier, names_identifier

    assert asks_identifier("What is the appeal number of Jagels v. State of Missouri?")
    assert asks_identifier("What is the case tracking number of the Fond du Lac County report?")
    assert not asks_identifier("What is the number of papers in S2ORC?")  # a count
    assert not asks_identifier("What is the total number of judges?") and not asks_identifier("How many case numbers?")
    assert names_identifier("No. 21-50498 Lyle W. Cayce Clerk") and names_identifier("Case Tracking Number: 150109-DSP")
    assert not names_identifier("There were no 5 cases.")
    assert not asks_identifier("What country initially received the largest number of Huguenot refugees?")
    assert asks_identifier("What is the order number of the invoice?")
    assert asks_identifier("What is the entry ID of the opinion?") and asks_identifier("What is the Page ID of page 1?")
    assert not asks_identifier("What is the idea of the paper?") and not asks_identifier("What is the ID card for?")
    assert names_identifier("Entry ID: 6402117") and names_identifier("Page 1 of 4 Page ID #:365")
    assert not names_identifier("The ID of the test")


def test_a_docket_line_gives_the_case_number_under_its_label(tmp_path, embedder):
    # "Appellate Case: 21-800" and "No. MDL 15-02641" name their case; when another document's rows give
    # "Original Case Number: ...", those had been the only lines judged.
    from qa.answer.quotes import names_identifier

    assert names_identifier("Appellate Case: 21-800 Document: 010110462922 Date Filed: 01/11/2021 Page: 1")
    assert names_identifier("IN RE: Bard IVC Filters Products No. MDL 15-02641-PHX-DGC Liability Litigation")
    assert not names_identifier("In this case: five people were hurt")
    order = ("Appellate Case: 21-800 Document: 010110462922 Date Filed: 01/11/2021 Page: 1\n\n"
             "UNITED STATES COURT OF APPEALS FOR THE TENTH CIRCUIT\n\nIn re: RICHARD P. MARTINEZ, Respondent.\n\n"
             "ORDER\n\nThe respondent has not answered the order to show cause why he should not be suspended from "
             "practice before this court. He is suspended until further order of the court.\n")
    schedule = ("Schedule A. Cases to be remanded to their transferor courts.\n\n"
                "Plaintiff: Jessica Parker | District: N.D. Cal. | Original Case Number: 5:15-cv-00787\n"
                "Plaintiff: Mark Lane | District: C.D. Cal. | Original Case Number: 2:15-cv-07937\n")
    retriever = small_folder(tmp_path, embedder, {"order.txt": order, "schedule.txt": schedule})
    a = answer(retriever, "What is the Tenth Circuit appellate case number of In re: Richard P. Martinez?")
    assert not a.abstained and "21-800" in a.sentences[0].text, (a.notes, a.text)
