"""What the answer quotes from letters, court filings and statistical tables whose answers stand on
lines that are no sentence: a letter's dateline, a signature block, the "Filed" line at the head of
an opinion, a letterhead row, and a table row labelled by its first cell's value. Real indexes of
small documents built with the bundled model; see qa/answer/quotes.py, fields.py and periods.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa.answer import answer  # noqa: E402
from qa.answer.fields import names_dateline, names_holder  # noqa: E402
from qa.answer.periods import contradicted_periods  # noqa: E402
from qa.answer.quotes import asks_deadline, dated_field, labelled_by, verb_dated  # noqa: E402
from qa.answer.support import spelled_out  # noqa: E402

from conftest import quoted, small_folder  # noqa: E402

LETTERS = (
    "Appendix I: Letters to the Provincial Mining Bureau and Governor Amaro Teles\n\n"
    "February 11, 2019\n\n"
    "Mr. Xavier Lund Director Provincial Mining Bureau 27 Wanshou Road, Lunda District\n\n"
    "Re: Relocation of Families near the Kiluba Copper Mine\n\n"
    "Dear Director Lund,\n\n"
    "Civic Monitor is an independent nongovernmental organization that documents forced evictions in more "
    "than thirty countries. We are writing to request information about the relocation of families living "
    "near the Kiluba copper mine, which our researchers documented during visits in 2018.\n\n"
    "Sincerely,\n\nNadia Oyelaran\nAfrica Director\n\n"
    "March 21, 2019\n\n"
    "Amaro Teles Governor of the Northern Province Provincial Government House 2 Jiankang Road, Kasama\n\n"
    "Re: Compensation for Evicted Families\n\n"
    "Dear Governor Teles,\n\n"
    "Civic Monitor is an independent nongovernmental organization that documents forced evictions in more "
    "than thirty countries. We are writing to ask what compensation the provincial government has paid to "
    "the families evicted from the Kiluba settlement, and when the remaining payments will be made.\n\n"
    "Sincerely,\n\nNadia Oyelaran\nAfrica Director\n"
)


def test_a_dateline_answers_when_a_letter_was_written():
    q = "On what date did Civic Monitor write to Governor Amaro Teles?"
    assert names_dateline("March 21, 2019", q) and names_dateline("11 February 2019", q)
    assert not names_dateline("March 21, 2019", "When did the evictions begin?")  # not the letter's date
    assert not names_dateline("We wrote on March 21, 2019.", q)  # a sentence, not a dateline


def test_the_dateline_of_the_letter_asked_about_is_quoted(tmp_path, embedder):
    quoted(tmp_path, embedder, {"civic-monitor-letters.txt": LETTERS},
           "On what date did Civic Monitor write to Governor Amaro Teles?", "March 21, 2019")


OPENING = (
    "UNITED STATES COURT OF APPEALS FOR THE SIXTH CIRCUIT\n\n"
    "Deborah S. Hunt Clerk\n\n"
    "Filed: September 20, 2017\n\n"
    "Re: Case No. 17-3994, Island Creek Coal Company v. Linda Hill, et al Originating Case No. : 16-0556\n\n"
    "Dear Counsel,\n\n"
    "This appeal has been docketed as case number 17-3994 with the caption that is enclosed on a separate "
    "page. The following forms should be downloaded from the web site and filed with the Clerk's Office by "
    "October 4, 2017. Petitioner: Appearance of Counsel, Disclosure of Corporate Affiliations. Respondent: "
    "Appearance of Counsel. More specific instructions are printed on each form. If these forms are not "
    "timely filed, the case will be dismissed for want of prosecution.\n\n"
    "Sincerely yours,\n\n"
    "s/Karen S. Fultz Case Manager Direct Dial No. 513-564-7036 cc: Mr. Thomas O. Shepherd Jr.\n"
)


def test_a_signature_block_names_the_holder_of_the_title_signed():
    q = "Who is the case manager for Island Creek Coal Company v. Linda Hill?"
    assert names_holder("s/Karen S. Fultz Case Manager Direct Dial No. 513-564-7036 cc: Mr. Thomas O. Shepherd Jr.", q)
    assert not names_holder("s/Karen S. Fultz Case Manager Direct Dial No. 513-564-7036", "Who is the clerk?")
    # a masthead line naming several people, the title asked before a dash and its holder after it
    line = "Board of Education - Anjali Kausar, Ben Liao, Phyllis Vogel Superintendent – Wendy Gudalewicz"
    assert names_holder(line, "Who is the superintendent of the Cupertino Union School District?")
    assert not names_holder(line, "Who is the principal of the school?")
    # a letterhead read as a row of cells: each cell is a line of its own
    assert names_holder("Deborah S. Hunt: Clerk | POTTER STEWART U.S. COURTHOUSE: CINCINNATI, OHIO 45202 | Tel.",
                        "Who is the clerk of the Sixth Circuit?")


def test_the_case_manager_is_quoted_from_the_signature_block(tmp_path, embedder):
    quoted(tmp_path, embedder, {"ca6-case-opening-letter.txt": OPENING},
           "Who is the case manager for Island Creek Coal Company v. Linda Hill?", "Karen S. Fultz")


def test_a_deadline_is_read_in_the_text_not_in_the_filing_date(tmp_path, embedder):
    assert asks_deadline("By what date must the initial forms be filed?")
    assert not asks_deadline("When was the appeal filed?")
    a = quoted(tmp_path, embedder, {"ca6-case-opening-letter.txt": OPENING},
               "By what date must the initial forms in case 17-3994 be filed with the Clerk's Office?",
               "October 4, 2017")
    assert "Filed: September 20, 2017" not in a.sentences[0].text


OPINION = (
    "IN THE SUPREME COURT OF NORTH CAROLINA\n\n"
    "No. 363A14-4\n\n"
    "Filed 11 February 2022\n\n"
    "GIFT SURPLUS, LLC, and SANDHILL AMUSEMENTS, INC., Plaintiffs,\n\nv.\n\n"
    "STATE OF NORTH CAROLINA, ex rel. ROY COOPER, GOVERNOR, in his official capacity\n\n"
    "On discretionary review pursuant to N.C.G.S. § 7A-31 of a unanimous decision of the Court of Appeals, "
    "268 N.C. App. 1 (2019), affirming an order entered by the Superior Court, Wake County. Heard in the "
    "Supreme Court on 30 August 2021.\n\n"
    "Plaintiffs operate sweepstakes terminals in which players buy gift certificates and receive entries in a "
    "game whose outcome the State contends is determined by chance. The trial court granted summary judgment "
    "for the State and the Court of Appeals affirmed.\n"
)


def test_the_verb_asked_before_a_date_dates_the_document():
    assert verb_dated("Filed 11 February 2022", {"file", "decis"})
    assert verb_dated("Received 1 October 2003; revised 22 December 2004; accepted 3 January 2005", {"accept"})
    assert not verb_dated("Filed 11 February 2022", {"heard"})
    assert not dated_field("Filed 11 February 2022", {"file"})  # no label: not a field that only pages give


def test_the_filed_line_answers_when_the_decision_was_filed(tmp_path, embedder):
    quoted(tmp_path, embedder, {"gift-surplus-v-state-2022.txt": OPINION},
           "When was the North Carolina Supreme Court's decision in Gift Surplus v. State filed?",
           "Filed 11 February 2022")


ARRESTS = (
    "Table 325. Arrests by Race\n\n"
    "[Represents arrests reported (not charged) by 12,371 agencies with a total population of 239,839,971 as "
    "estimated by the FBI.]\n\n"
    "Offense charged: Murder and nonnegligent manslaughter. | Total: 9,775 | White: 4,741 | Black: 4,801 | "
    "Indian/Alaskan Native: 98 | Asian Pacific Islander: 135\n"
    "Offense charged: Forcible rape. | Total: 16,362 | White: 10,644 | Black: 5,319 | Indian/Alaskan Native: "
    "169 | Asian Pacific Islander: 230\n"
    "Offense charged: Robbery. | Total: 100,496 | White: 43,039 | Black: 55,742 | Indian/Alaskan Native: 726 | "
    "Asian Pacific Islander: 989\n"
    "Offense charged: Aggravated assault. | Total: 330,368 | White: 209,922 | Black: 111,904 | "
    "Indian/Alaskan Native: 4,154 | Asian Pacific Islander: 4,388\n\n"
    "Some persons may be arrested more than once during a year; the data in this table may therefore count "
    "multiple arrests of the same person.\n"
)


def test_a_row_is_labelled_by_the_value_of_its_first_cell():
    row = "Offense charged: Robbery. | Total: 100,496 | White: 43,039 | Black: 55,742"
    assert labelled_by(row, {"robberi", "arrest", "black", "2009"})
    assert not labelled_by(row, {"burglari", "arrest"})
    assert not labelled_by("Offense charged: Robbery.", {"robberi"})  # a field, not a row: its label is the label
    assert not labelled_by("Year Ended December 31: 2022 | Total: $2,325,888", {"revenu", "2022"})  # a year names no row


def test_years_a_file_is_named_by_contradict_only_later_years():
    assert contradicted_periods([("2009", "2009")], "Arrests", "statistical-abstract-2012.txt", "Robbery | Total: 9") == []
    assert contradicted_periods([("2014", "2014")], "Arrests", "statistical-abstract-2012.txt",
                                "Robbery | Total: 9") == ["2014"]
    assert contradicted_periods([("2009", "2009")], "Arrests", "statistical-abstract-2012.txt",
                                "Robbery arrests in 2011 | Total: 9") == ["2009"]


def test_the_row_of_the_offence_asked_is_quoted_from_a_yearbook_of_another_year(tmp_path, embedder):
    # The 2012 yearbook's table names no year: the file's "2012" had been taken for the passage's own
    # period, and 2009's arrests for another period's.
    quoted(tmp_path, embedder, {"statistical-abstract-2012-arrests.txt": ARRESTS},
           "How many Black persons were arrested for robbery in 2009?", "55,742")


def test_an_acronym_is_written_with_full_stops_or_in_capitals():
    assert spelled_out("US", "the U.S. Court of Appeals") and spelled_out("US", "UNITED STATES COURT OF APPEALS")
    assert not spelled_out("US", "tell us the court")


def test_the_clerk_is_quoted_from_a_letterhead_row(tmp_path, embedder):
    other = ("The US Court of Appeals for the Ninth Circuit hears appeals from the district courts of nine "
             "western states. Its clerk's office is in San Francisco.\n")
    letterhead = ("UNITED STATES COURT OF APPEALS FOR THE SIXTH CIRCUIT\n\n"
                  "Deborah S. Hunt: Clerk | POTTER STEWART U.S. COURTHOUSE: CINCINNATI, OHIO 45202-3988 | "
                  "Tel.: (513) 564-7000\n\n" + OPENING.split("\n\n", 3)[3])
    retriever = small_folder(tmp_path, embedder, {"ca6-letter.txt": letterhead, "ninth-circuit.txt": other})
    a = answer(retriever, "Who is the Clerk of the US Court of Appeals for the Sixth Circuit?")
    assert not a.abstained and any("Deborah S. Hunt" in s.text for s in a.sentences), (a.notes, a.text)


def test_a_docket_stamp_answers_only_what_a_page_stamp_says(tmp_path, embedder):
    from qa.answer.quotes import docket_stamp

    assert docket_stamp("Appeal: 17-2218 Doc: 17 Filed: 10/31/2017 Pg: 1of1")
    assert docket_stamp("Case 8:16-cv-01261-DOC-KES Document 40 Filed 08/05/16 Page 1 of 4 Page ID #:365")
    assert not docket_stamp("Re: Case No. 17-3994, Island Creek Coal Company v. Linda Hill")
    letter = "Case: 17-3994 Document: 1-3 Filed: 09/20/2017 Page: 1\n\n" + OPENING
    retriever = small_folder(tmp_path, embedder, {"ca6-case-opening-letter.txt": letter})
    a = answer(retriever, "Which forms does the respondent have to file in Sixth Circuit case 17-3994?", abstain_below=-1)
    assert a.sentences and not any(docket_stamp(s.text) for s in a.sentences), a.text
    a = answer(retriever, "What is the Sixth Circuit case number of Island Creek Coal Company v. Linda Hill?")
    assert not a.abstained and any("17-3994" in s.text for s in a.sentences), (a.notes, a.text)


def test_a_case_caption_answers_only_what_a_caption_says(tmp_path, embedder):
    from qa.answer.quotes import asks_of_caption, case_caption

    assert case_caption("ISLAND CREEK COAL COMPANY Petitioner v.")
    assert case_caption("Re: United States v. Haitao Xiang, No. 22-1801")
    assert not case_caption("The appellant, a leader of a Ku Klux Klan group, was convicted under the Ohio statute.")
    assert not case_caption("The defendants relied on Brandenburg v. Ohio, 395 U.S. 444.")  # prose citing a case
    assert asks_of_caption("Which district judge decided the case below?")
    assert not asks_of_caption("When is oral argument scheduled in Island Creek Coal Company v. Linda Hill?")
    caption = ("OFFICIAL COURT OF APPEALS CAPTION FOR 17-3994\n\nISLAND CREEK COAL COMPANY Petitioner v.\n\n"
               "LINDA HILL, survivor of Cecil Hunt; DIRECTOR, OFFICE OF WORKERS' COMPENSATION PROGRAMS Respondents\n")
    retriever = small_folder(tmp_path, embedder, {"ca6-case-opening-letter.txt": OPENING + "\n" + caption})
    a = answer(retriever, "When is oral argument scheduled in Island Creek Coal Company v. Linda Hill?", abstain_below=-1)
    assert not any(case_caption(s.text) for s in a.sentences), a.text
    a = answer(retriever, "What is the originating case number of Island Creek Coal Company v. Linda Hill?")
    assert not a.abstained and any("16-0556" in s.text for s in a.sentences), (a.notes, a.text)
