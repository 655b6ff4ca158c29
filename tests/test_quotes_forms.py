"""What the answer quotes from a form whose fields share a line, set apart by tabs, as Word files
give them ("Education Level:  12<TAB>AFQT:  55"): each field is judged on its own; and from a ledger
dated "25-Jun-16", which says the month a question names in short. Real indexes of small documents
built with the bundled model; see qa/answer/quotes.py (is_field, labelled_by) and support.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa.answer import answer  # noqa: E402
from qa.answer.fields import asked_thing, names_field, names_holder, names_signer  # noqa: E402
from qa.answer.quotes import is_field, labelled_by, quotable  # noqa: E402

from conftest import quoted, small_folder  # noqa: E402

FORM = (
    "DEPARTMENT OF THE NAVY\nNAVAL DISCHARGE REVIEW BOARD\n\n"
    "Applicant's Service Summary\n"
    "Date of Enlistment:  20061005\tAge at Enlistment:  19\n"
    "Date of Discharge:  20070817\tHighest Rank/Rate:  Sgt\n"
    "Education Level:  12\tAFQT:  55\n"
    "Awards:  National Defense Service Medal\tMarksmanship:  Expert\n\n"
    "Discussion\n\n"
    "The Naval Discharge Review Board, under its responsibility to examine the propriety and equity of an "
    "applicant's discharge, is authorized to change the character of service and the reason for discharge. "
    "The Board completed a thorough review of the circumstances that led to the discharge and the discharge "
    "process to ensure the discharge met the standards of policy. The applicant contends that his post-service "
    "conduct merits an upgrade; the Board found the discharge proper and equitable.\n"
)


def test_a_line_of_tabbed_fields_is_judged_field_by_field():
    assert is_field("Education Level:  12\tAFQT:  55") and is_field("Education Level:\tAFQT:  55")
    assert labelled_by("Education Level:  \tAFQT:  55", {"afqt", "score"})
    assert not labelled_by("Education Level:  12\tAFQT:  55", {"rank"})
    assert quotable("Education Level:  \tAFQT:  55", 4, 9, 0)
    assert not is_field("The Board met\tin Washington")  # tabs in prose make no field


def test_the_field_asked_for_is_quoted_from_a_line_of_tabbed_fields(tmp_path, embedder):
    quoted(tmp_path, embedder, {"ndrb-decision.txt": FORM},
           "What AFQT score did the applicant in the Naval Discharge Review Board decision have?", "AFQT:  55")


LEDGER = (
    "XYZ Pvt Ltd ledger account for the period 01-Apr-16 to 31-Mar-17\n\n"
    "Vr.Date: 01-Apr-16 | Particulars: Opening Balance | Cr.Amt: 27614207 | Balance: 27614207 Cr.\n"
    "Vr.Date: 25-Jun-16 | Vr.No: 50 | Particulars: BEING COMMISSION RETURNED TO PARTY | Dr.Amt: 132696 | Balance: 27481511 Cr.\n"
    "Vr.Date: 19-Aug-16 | Vr.No: 61 | Particulars: BEING PAYMENT AGAINST BILL NO. 197 | Dr.Amt: 1074935 | Balance: 26406576 Cr.\n"
    "Vr.Date: 30-Sep-16 | Vr.No: 77 | Particulars: BEING INTEREST CREDITED | Cr.Amt: 48211 | Balance: 26454787 Cr.\n\n"
    "The balances are stated in rupees. Entries marked Cr. are amounts owed to the party by the company.\n"
)


def test_a_month_written_short_in_the_document_is_not_missing(tmp_path, embedder):
    # Another document says "June" in full: the ledger, which never does, had been taken for one
    # that never mentions the month asked ("never mentions 'June' (other documents do)").
    minutes = ("Minutes of the board meeting of June 2016. The board met in June to review the year's "
               "accounts and approved the auditors' report. Commission rates were left unchanged.\n")
    retriever = small_folder(tmp_path, embedder, {"xyz-ledger.txt": LEDGER, "board-minutes.txt": minutes})
    a = answer(retriever, "How much commission was returned to XYZ Pvt Ltd on 25 June 2016?")
    assert not any("June" in n for n in a.notes), a.notes  # "Jun" is June
    assert not a.abstained and any("132696" in s.text for s in a.sentences), (a.notes, a.text)


NOTICE = (
    "United States Court of Appeals for the Second Circuit\n"
    "Thurgood Marshall U.S. Courthouse 40 Foley Square New York, NY 10007\n"
    "ROBERT A. KATZMANN CHIEF JUDGE\n"
    "Date: October 31, 2017\n"
    "Docket #: 17-3510\n"
    "Short Title: Rivera v. Northfield Shipping Company\n"
    "MARGARET L. OSEI CLERK OF COURT\n"
    "DC Docket #: 17-cv-6761\n"
    "DC Court: SDNY (NEW YORK CITY)\n"
    "DC Judge: Failla\n\n"
    "DOCKETING NOTICE\n\n"
    "A notice of appeal filed by Northfield Shipping Company in the above referenced case was docketed today "
    "as 17-3510. This number must appear on all documents related to this case that are filed in this Court. "
    "The appellant must file the forms listed below within fourteen days of the date of this notice.\n"
)


def test_a_field_labelled_with_the_asked_word_is_quoted_though_its_value_is_a_name(tmp_path, embedder):
    # "DC Judge: Failla" has no full stop and no figure: it had not been a candidate at all.
    assert names_field("DC Judge: Failla", {"district", "judg"}) and not names_field("DC Judge: Failla", {"court"})
    assert not quotable("DC Judge: Failla", 7, 9, 0)
    quoted(tmp_path, embedder, {"docketing-notice.txt": NOTICE},
           "Who was the district judge in Rivera v. Northfield Shipping Company?", "Failla")


def test_a_letterhead_line_naming_the_holder_of_the_title_asked_is_quoted(tmp_path, embedder):
    # "MARGARET L. OSEI CLERK OF COURT" has no full stop and no field mark: for "who was the clerk" it
    # is a candidate, and it is quoted before the docket number that "docketed" labels.
    assert names_holder("MARGARET L. OSEI CLERK OF COURT", "Who was the clerk of court?")
    assert not names_holder("ROBERT A. KATZMANN CHIEF JUDGE", "Who was the clerk of court?")
    quoted(tmp_path, embedder, {"docketing-notice.txt": NOTICE},
           "Who was the clerk of court when Northfield Shipping Company's appeal was docketed?", "OSEI")


ESTIMATE = (
    "NORTHGATE COLLISION CENTER\nPreliminary Estimate (ID: EST-2291)\nCustomer: Dana Whitfield\n"
    "Policy #: POL-2023-118\nVehicle Information\nYear: 2021\nMake: Subaru\nModel: Outback\n\n"
    "Estimate Totals\n\nParts | Cost: 1,840\nBody Labor | Hours: 6 | Rate: 120 | Cost: 720\n"
    "Paint Labor | Hours: 4 | Rate: 120 | Cost: 480\nSubtotal | 3,300\nSales Tax | 264\nGRAND TOTAL | 3,564\n\n"
    "This is a preliminary estimate for the visible damage of the vehicle. Additional damage found during "
    "repairs may change the final amount. The customer authorizes the shop to begin work once the insurer "
    "approves the estimate.\n"
)


def test_quoting_the_row_labelled_with_the_question_raises_the_confidence(tmp_path, embedder):
    # The sentence model, fitted on prose, gives a short row little belief: the answer model reads
    # that a labelled row is quoted (quoted_row) and is surer of it.
    import numpy as np

    from qa.answer.reply import chosen, gather, judged, quoted_in, quotes_row
    from qa.answer.scorer import answer_features, load_scorer, softmax

    retriever = small_folder(tmp_path, embedder, {"estimate.txt": ESTIMATE})
    question = "What is the grand total of the Northgate Collision Center estimate?"
    a = answer(retriever, question)
    assert not a.abstained and a.sentences[0].text == "GRAND TOTAL | 3,564", (a.notes, a.text)
    pool = gather(retriever, question, question, retriever.search(question, k=5))
    scorer = load_scorer()
    logits = scorer.sentence_logits(pool.features, pool.unknown)
    mask = judged(pool)
    quoted = chosen(pool, softmax(np.where(mask, logits, -np.inf)))
    assert quotes_row(pool, quoted)
    with_row, without = (scorer.confidence(answer_features(logits[mask], pool.features[mask],
                                                           quoted_in(quoted, mask), row), pool.unknown)
                         for row in (True, False))
    assert with_row > without + 0.1 and abs(a.confidence - with_row) < 1e-9


def test_a_field_whose_label_is_not_the_thing_asked_is_not_labelled():
    # "Policy #" answers nothing about "the insurance deductible on the policy".
    assert asked_thing("What is the insurance deductible on Dana Whitfield's policy?") == {"insur", "deduct"}
    assert not names_field("Policy #: POL-2023-118", asked_thing("What is the insurance deductible on the policy?"))
    assert names_field("Customer: Dana Whitfield", asked_thing("Who is the customer on the Northgate estimate?"))


FACT_BOXES = (
    "NORTHERN REPUBLIC\nHead of state and government: Arvid Lenn\n\n"
    "Fighting between the army and armed groups continued in the border provinces, and thousands of civilians "
    "were displaced during the year.\n\n"
    "SOUTHERN REPUBLIC\nHead of state: Mara Quist (replaced Ott Vell in July)\nHead of government: Tomas Reyl\n\n"
    "The government adopted reforms restricting the immunity of officials from prosecution and revised the "
    "electoral code after allegations of fraud.\n"
)


def test_a_field_whose_label_is_words_of_the_question_is_quoted(tmp_path, embedder):
    # "Head of government" is two words of the question, though the question's "head of" reads as its thing.
    q = "Who was the Southern Republic's head of government according to the annual report?"
    assert names_field("Head of government: Tomas Reyl", asked_thing(q), {"head", "govern", "southern", "republ"})
    assert not names_field("Policy #: POL-2023-118", set(), {"polici", "insur", "deduct"})  # one word is not enough
    quoted(tmp_path, embedder, {"annual-report.txt": FACT_BOXES},
           q, "Tomas Reyl")


LETTER = (
    "Re: United States v. Dorn, No. 22-3110\n\nDear Clerk:\n\n"
    "Appellant submits this letter under Rule 28(j) to bring to the Court's attention a decision issued after "
    "briefing closed. The decision holds that a forensic search of a phone at the border requires a warrant. "
    "It supports the argument made at pages 14 to 19 of Appellant's opening brief.\n\n"
    "Sincerely,\ns/ Helen R. Abernathy Counsel for Appellant cc: all counsel (via ECF)\n"
)


def test_the_signature_line_answers_who_signed(tmp_path, embedder):
    assert names_signer("s/ Helen R. Abernathy Counsel for Appellant", "Who signed the Rule 28(j) letter?")
    quoted(tmp_path, embedder, {"rule-28j-letter.txt": LETTER},
           "Who signed the Rule 28(j) letter in United States v. Dorn for the appellant?", "Abernathy")
