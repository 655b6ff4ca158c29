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
from qa.answer.quotes import is_field, labelled_by, names_field, quotable  # noqa: E402

from conftest import small_folder  # noqa: E402

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
    retriever = small_folder(tmp_path, embedder, {"ndrb-decision.txt": FORM})
    a = answer(retriever, "What AFQT score did the applicant in the Naval Discharge Review Board decision have?")
    assert not a.abstained and any("AFQT:  55" in s.text for s in a.sentences), (a.notes, a.text)


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
    "Date: October 31, 2017\n"
    "Docket #: 17-3510\n"
    "Short Title: Rivera v. Northfield Shipping Company\n"
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
    retriever = small_folder(tmp_path, embedder, {"docketing-notice.txt": NOTICE})
    a = answer(retriever, "Who was the district judge in Rivera v. Northfield Shipping Company?")
    assert not a.abstained and any("Failla" in s.text for s in a.sentences), (a.notes, a.text)
