"""What the answer quotes from a form whose fields share a line, set apart by tabs, as Word files
give them ("Education Level:  12<TAB>AFQT:  55"): each field is judged on its own. A real index of
a small document built with the bundled model; see qa/answer/quotes.py (is_field, labelled_by).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa.answer import answer  # noqa: E402
from qa.answer.quotes import is_field, labelled_by, quotable  # noqa: E402

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
