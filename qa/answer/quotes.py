"""What the answer may quote, and how far a quote goes on: sentences, table rows and form fields.

A candidate is a sentence of a retrieved passage (qa/text.py cuts them). Headings (however long),
captions, a table's header row and fragments cut by a chunk's edge are not quoted; a table row, with
or without cell marks, or a form field ("Date of Incident: 01/09/2015", "No. 21-50498") is, though it
has no full stop, and so is a heading naming a thing of the kind a "which X" question asks for
("In the Missouri Court of Appeals" for "which court"). A quote goes on into the next
sentence when that one carries it on ("They ...", "For instance ...", or a reference "See X v. Y"
between them).

>>> is_field("Date of Incident: 01/09/2015"), continues("The court ruled on two points:", "First, ...")
(True, True)
"""

from __future__ import annotations

import re

from ..text import MONTH_NAMES, content_terms, opens_sentence

ENDS = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
"""A sentence's end (a colon and a semicolon close a line too), before closing quotes or brackets."""
_CONTINUES = re.compile(r"^[\"'“‘«(]?(?:he|she|it|they|this|these|that|those|its|their|his|her|such|"
                        r"however|but|thus|therefore|instead|consequently|as a result|in response|"
                        r"in addition|moreover|furthermore|also|both|the latter|the former|for example|for instance|"
                        r"in this way|in particular|in fact|indeed|as such|hence|accordingly|nevertheless|nonetheless|"
                        r"similarly|likewise|in turn|namely|specifically|in other words|in contrast|by contrast|"
                        r"on the other hand|otherwise)\b", re.IGNORECASE)

_FIELD = re.compile(r"\w[^:|\n]*[:|][^\n]*$")  # "label: value", "label | value", on one line
_CELL_FIGURE = re.compile(r"[:|]\s*[$€£¥]?\(?[-–]?\d")  # a cell whose value is a figure: "| 16.4%", ": $4,597"
_CITATION = re.compile(r"^[\"'“‘«(]?(?:see(?: also)?|cf\.|id\.|ibid\.)\s", re.IGNORECASE)


def _header_row(s: str) -> bool:
    """A table's header row: three or more short cells and not a figure in them ("Month | Affected |
    Layoff | Closure")."""
    cells = [c.strip() for c in re.split(r"\s\|\s|\n", s)]
    return len(cells) >= 3 and not any(ch.isdigit() for ch in s) and ":" not in s \
        and all(len(c.split()) <= 4 for c in cells)


def is_field(text: str) -> bool:
    """A table row or a form field: one line, a label, then a cell whose value is a figure.

    >>> is_field("Date of Incident: 01/09/2015"), is_field("Table 1: Results for 2019")
    (True, False)
    >>> is_field("Effective tax rate | Three Months Ended June 28, 2025: 16.4% | June 29, 2024: 15.9%")
    True
    >>> is_field("Net profit ¥ 233,512 ¥ 201,683"), is_field("OCTOBER TERM, 2012 1")
    (True, False)

    A form's line of fields set apart by tabs is one when any of them is: "Education Level:<TAB>AFQT: 55".
    """
    parts = _tab_fields(text)
    if parts:
        return any(is_field(part) for part in parts)
    if _bare_row(text) or (_IDENTIFIER.search(text) and "\n" not in text):
        return True  # a row without cell marks, or a header field: "No. 21-50498 Lyle W. Cayce Clerk"
    if not _FIELD.match(text):
        return False
    # The first cell's value is a figure, or the first "header: value" cell's (of the line, or after
    # the first cell: "Three Months Ended June 27, 2025: Operating income | Europe: $1,325"); a
    # running footer ("Apple Inc. | Q3 2025 Form 10-Q | 17") is no row.
    bar = text.find("|")
    return any(_CELL_FIGURE.match(text, at) for at in (bar, text.find(":"), text.find(":", bar)) if at >= 0)


def _tab_fields(text: str) -> list[str]:
    """The fields of a form's line set apart by tabs ("Education Level:  12<TAB>AFQT:  55"); [] for
    any other text (a table row's cells are marked by "|")."""
    if "\t" not in text or "|" in text or "\n" in text:
        return []
    return [part for part in text.split("\t") if part.strip()]


_FIGURE = r"[$€£¥]?\s?\(?[-–]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\)?%?"
_BARE_ROW = re.compile(rf"(?:[^|:\n]+:\s+)?([^\W\d][^|:\n]*?)\s+({_FIGURE}(?:\s+{_FIGURE})*)")
_FORMATTED = re.compile(r"[$€£¥(%]|\d,\d{3}|\d\.\d")


def _bare_row(text: str) -> re.Match[str] | None:
    """A table row whose cells the reader gave without marks: a label (after its column's header, "2020:
    Net profit ..."), then figures to the end of the line, one of them written as an amount ("Net
    profit ¥ 233,512 ¥ 201,683"; not a page number after a date, "OCTOBER TERM, 2012 1")."""
    m = _BARE_ROW.fullmatch(text)
    return m if m and _FORMATTED.search(m.group(2)) else None


_IDENTIFIER = re.compile(r"(?:\bNo\.|\bNos\.|\bNumber:|\bID\b\s?#?\s?:|#|\b(?:Case|Docket|Appeal):)"
                         r"\s?(?:[A-Z]{1,4}\s)?[A-Z]{0,4}[-–]?\d[\w:/.–-]*")
"""A number that names a thing, under its label: "No. 21-50498", "No. ED108783", "No. MDL 15-02641-PHX",
"Number: 160311-DSP", "Entry ID: 6390389", "Page ID #:365", a court's docket line "Appellate Case: 21-800"."""


_NAMED_NUMBER = re.compile(r"\W*(?:what|which)\s+(?:is|was|are|were)\s+(?:[\w'’.-]+\s+){0,4}?([a-z]+)\s+(?:number|no\.|ID\b)",
                           re.IGNORECASE)
_COUNTING = frozenset("total average large larger largest small smaller smallest great greater greatest big bigger "
                      "biggest high higher highest low lower lowest few fewer fewest current same overall exact".split())
"""Words before "number" that make it a count ("the total number of", "the largest number"), not a name."""


def asks_identifier(question: str) -> bool:
    """Whether the question asks for a number that names a thing: "What is the case number ...", "What
    is the appeal number of Jagels v. State", "What is the entry ID of the opinion" (not "the number
    of appeals", "the total number", nor a number it does not ask for: "What country received the
    largest number of refugees").

    >>> asks_identifier("What is the appeal number of Jagels v. State?"), asks_identifier("What is the total number of cases?")
    (True, False)
    """
    m = _NAMED_NUMBER.match(question)
    word = m.group(1).lower() if m else ""
    return bool(content_terms(word)) and word not in _COUNTING


_DEADLINE = re.compile(r"\b(?:by|until|till|before) (?:what|which) (?:date|day|time)\b|\bdeadline\b|\bdue\b",
                       re.IGNORECASE)


def asks_deadline(question: str) -> bool:
    """Whether the question asks for a deadline, which the text sets ("... filed with the Clerk's Office
    by October 4, 2017"), not the date a page was filed, printed or dated.

    >>> asks_deadline("By what date must the initial forms be filed?"), asks_deadline("When was the order filed?")
    (True, False)
    """
    return _DEADLINE.search(question) is not None


_ASKS_PAGES = re.compile(r"\b(?:which|what)\s+pages\b", re.IGNORECASE)
_PAGE_RANGE = re.compile(r"\b(?:pages|pp\.)\s?\d+\s?[-–—]\s?\d+")
"""A page range under its label: "pages 4969–4983", "pp. 113-127" (a paper's first-page footer)."""


def asks_pages(question: str) -> bool:
    """Whether the question asks on which pages a thing is printed: "On which pages of the ACL 2020
    proceedings is the paper printed?" (not "how many pages").

    >>> asks_pages("On which pages of the proceedings does the paper appear?"), asks_pages("How many pages?")
    (True, False)
    """
    return _ASKS_PAGES.search(question) is not None


def gives_pages(text: str) -> bool:
    """Whether `text` gives a page range under its label ("... Linguistics, pages 4969–4983")."""
    return _PAGE_RANGE.search(text) is not None


def dated_field(text: str, terms: set[str]) -> bool:
    """Whether `text` is a field labelled with the question's words `terms` (labelled_by) whose value is a
    date: "Printed: 16.11.2012 21:07:09" for "When were the judges' details printed?" (a sheet's footer).

    >>> dated_field("Printed: 16.11.2012 21:07:09", {"print", "detail"}), dated_field("Printed: 16.11.2012", {"detail"})
    (True, False)
    """
    return ":" in text and labelled_by(text, terms) and _DATE.search(text.split(":", 1)[1]) is not None


def verb_dated(text: str, terms: set[str]) -> bool:
    """Whether `text` gives one of the question's verbs (`terms`) right before a full date: "Filed 11 February
    2022" at the head of an opinion, "Received 1 October 2003; revised 22 December 2004; accepted 3
    January 2005" on a journal's first page.

    >>> verb_dated("Received 1 October 2003; revised 22 December 2004; accepted 3 January 2005", {"accept"})
    True
    """
    return any(content_terms(m.group(1))[:1] == [t] for m in _VERB_DATE.finditer(text) for t in terms)


_VERB_DATE = re.compile(r"\b([A-Za-z]+ed)\s+(?:on\s+)?(?=\d{1,2}\s+[A-Z][a-z]+\.?\s+(?:19|20)\d\d\b|[A-Z][a-z]+\.?\s+\d{1,2},\s+(?:19|20)\d\d\b)")
"""A past participle right before a full date ("Filed 11 February 2022", "accepted on March 3, 2020")."""


def docket_stamp(text: str) -> bool:
    """Whether `text` is a court's docket stamp, printed at the head of every page of a filing ("Case:
    17-3994 Document: 1-3 Filed: 09/20/2017 Page: 1", "Appeal: 17-2218 Doc: 17 Filed: 10/31/2017
    Pg: 1of1"). It names the filing, its date and page, and answers nothing else: it shares the
    question's case number with every page, which the sentence model takes for an answer.

    >>> docket_stamp("Case: 17-3994 Document: 1-3 Filed: 09/20/2017 Page: 1"), docket_stamp("Case No. 17-3994 was filed.")
    (True, False)
    """
    return _STAMP.match(text) is not None


_STAMP = re.compile(r"(?:Appellate\s+)?(?:Case|Appeal)\b:?\s*\S+.{0,60}?\b(?:Document|Doc|DktEntry)\b:?\s*\S+"
                    r".{0,60}?\b(?:Filed|Page|Pg)\b")


def case_caption(text: str) -> bool:
    """Whether `text` is a case's caption or "Re:" line: the parties with their roles ("ISLAND CREEK COAL
    COMPANY Petitioner v."), "Re: United States v. Haitao Xiang, No. 22-1801", "IN RE: ] Appeal from
    ...". It names the case, its court, number, parties and judge below, which every page of the case
    shares with the question, and says nothing else.

    >>> case_caption("Re: Case No. 17-3994, Island Creek Coal Company v. Linda Hill, et al"), case_caption("The court v. the State")
    (True, False)
    >>> case_caption("ISLAND CREEK COAL COMPANY Petitioner v."), case_caption("The defendants relied on Brandenburg v. Ohio.")
    (True, False)
    """
    if _RE_LINE.search(text):
        return True
    # the parties with their roles: a caption's line, not a sentence of the opinion citing a case
    # ("The defendants relied on Brandenburg v. Ohio.")
    return _PARTIES.search(text) is not None and (not ENDS.search(text) or "]" in text or text.rstrip().endswith(" v."))


_ROLE = r"(?:Petitioners?|Respondents?|Plaintiffs?|Defendants?|Appellants?|Appellees?)(?:-(?:Appellants?|Appellees?))?"
_RE_LINE = re.compile(r"^Re:.*\bv\.\s|\bIN RE:")
_PARTIES = re.compile(rf"\b{_ROLE}\b.{{0,80}}\bv\.(?:\s|$)|\bv\.\s.{{0,80}}\b{_ROLE}\b")


def asks_of_caption(question: str) -> bool:
    """Whether the question asks what a caption says: a number naming the case (asks_identifier), or
    which court, judge or party ("Which district judge decided the case below?")."""
    return asks_identifier(question) or _ASKS_PARTY.search(question) is not None


_ASKS_PARTY = re.compile(r"\b(?:court|judges?|parties|party|petitioners?|respondents?|plaintiffs?|defendants?|"
                         r"appellants?|appellees?|caption)\b", re.IGNORECASE)


def unasked_lines(question: str, wants: str | None):
    """A test of a line: whether it is a docket stamp or a case caption that cannot answer `question`
    (`wants`: the asked-for kind, features.question_profile). A stamp answers a number naming a thing,
    a date or pages; a caption, a number naming the case or which court, judge or party."""
    stamps = wants == "date" or asks_identifier(question) or asks_pages(question)
    captions = asks_of_caption(question)
    return lambda line: (not stamps and docket_stamp(line)) or (not captions and case_caption(line))


def names_identifier(text: str) -> bool:
    """Whether `text` gives a number under a label that names a thing ("No. 21-50498", "Number: 1603",
    "Entry ID: 6390389")."""
    return _IDENTIFIER.search(text) is not None


_WHICH = re.compile(r"\W*(?:[Ww]hich|[Ww]hat|WHICH|WHAT)\s+([a-z][\w'’-]*)")


def asked_kind(question: str) -> str | None:
    """The kind of thing a "which X" / "what X" question asks for, as a term: "court" in "Which court
    decided the appeal?" (None for "what is", "which of", and for a name: "Which Super Bowl")."""
    m = _WHICH.match(question)
    terms = content_terms(m.group(1)) if m else []
    return terms[0] if terms else None


def names_kind(text: str, kind: str | None) -> bool:
    """Whether a line without a full stop or cells (a heading) names a thing of the asked kind: the kind's word
    capitalised, as in a name ("In the Missouri Court of Appeals Eastern District" for "court").

    >>> names_kind("In the Missouri Court of Appeals Eastern District", "court"), names_kind("the court held", "court")
    (True, False)
    """
    if kind is None or "\n" in text or "|" in text or ENDS.search(text):
        return False  # a sentence, or a table's row (its header names the column: "Company | City")
    return any(w[0].isupper() and content_terms(w) == [kind] for w in WORD.findall(text))


def labelled_by(text: str, terms: set[str]) -> bool:
    """Whether `text` is a table row or a field whose label (its first cell, before the first "|",
    else before the first ":"; words in brackets aside) is made of the question's words `terms`
    (content terms), with a cell holding a figure.

    >>> labelled_by("Effective tax rate | Three Months Ended June 28, 2025: 16.4%", {"effect", "tax", "rate", "2025"})
    True
    >>> labelled_by("Offense charged: Robbery. | Total: 100,496 | White: 43,039", {"robberi", "arrest", "2009"})
    True

    A form's line of fields set apart by tabs is judged field by field:
    >>> labelled_by("Education Level:  12\\tAFQT:  55", {"afqt", "score"})
    True
    """
    parts = _tab_fields(text)
    if parts:
        return any(labelled_by(part, terms) for part in parts)
    if not is_field(text):
        return False
    bare = _bare_row(text)
    first = bare.group(1) if bare else text.split("|", 1)[0] if "|" in text else text.split(":", 1)[0]
    label = set(content_terms(re.sub(r"\([^)]*\)", " ", first)))
    if bool(label) and label <= terms:
        return True
    # A row's first cell under its column's header, "Offense charged: Robbery.": the row's label is the value.
    # (a name, not a year or a figure: "Year Ended December 31: 2022" labels no row by "2022").
    value = set(content_terms(re.sub(r"\([^)]*\)", " ", first.rsplit(":", 1)[1]))) if "|" in text and ":" in first else set()
    return any(t.isalpha() for t in value) and value <= terms


WORD = re.compile(r"[^\W\d_][\w'’-]*")
"""A word: letters first, then letters, digits, apostrophes or hyphens."""


_DATE = re.compile(rf"\b(?:{'|'.join(m[:3] for m in MONTH_NAMES)})[a-z]*\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?,?)?"
                   r"(?:\s+(?:19|20)\d\d)?\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b(?:19|20)\d\d\b", re.IGNORECASE)


def heading(text: str) -> bool:
    """A heading, a title or a list of names, however long (two side by side read as one line): a line
    without a full stop nearly every word of which (function words aside) opens with a capital, and
    which gives no figure but dates. It states nothing: "Mitsubishi Electric Corporation and
    Subsidiaries Years ended March 31, 2020 and 2021" answers no question on the statement below it.

    >>> heading("Consolidated Statement of Changes in Equity Years ended March 31, 2021"), heading("Net sales rose")
    (True, False)
    >>> heading("Standard Variable Rate 5.37% 5.51%"), heading("Proceedings of ACL, pages 4969–4983")
    (False, False)
    """
    if ENDS.search(text) or is_field(text) or re.search(r"\d", _DATE.sub(" ", text)):
        return False
    words = [w for w in WORD.findall(text) if content_terms(w)]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= TITLE_SHARE * len(words)


TITLE_SHARE = 0.8
"""A line is in title case when this share of its words (function words aside) open with a capital."""


def quotable(s: str, i: int, n: int, chunk_start: int) -> bool:
    """Headings, bylines, captions and fragments cut by a chunk edge are not quoted."""
    ends = ENDS.search(s) is not None
    # A field or a table row states a figure without a full stop: "Date of Incident: 01/09/2015".
    short = 3 if ends or is_field(s) else 12
    if len(s) < 15 or len(s.split()) < short or not any(ch.isalpha() for ch in s):
        return False
    if heading(s):
        return False
    if _header_row(s):
        return False
    if i == 0 and chunk_start > 0 and not (opens_sentence(s) or s[0] == "["):
        return False
    # The last words of a chunk without a full stop were cut by its edge, unless they are a field or
    # a table row: each of its cells says what it is ("June 28, 2025: 16.4%").
    return not (i == n - 1 and not ends and n > 1 and not is_field(s))


def continues(sentence: str, following: str) -> bool:
    """Whether `following` carries on `sentence` ("... was closed. The ministry had complained ...").

    It does when it opens with a pronoun or a connective, or with "The X" where X is a word of
    `sentence`, or when `sentence` ends with a colon.
    >>> continues("Kloop's website was closed by the ministry.", "The ministry had complained that ...")
    True
    """
    if sentence.rstrip().endswith(":") or is_reference(following):
        return True
    if _CONTINUES.match(following):
        return True
    m = re.match(r"^[\"'“‘«(]?(?:the|this|that|these|those)\s+(\w+)", following, re.IGNORECASE)
    return bool(m) and bool(set(content_terms(m.group(1))) & set(content_terms(sentence)))


def is_reference(sentence: str) -> bool:
    """A sentence that only points elsewhere: "See Speiser v. Randall, 357 U. S. 513." It says
    nothing of its own, so the sentence after it may still carry the one before it on."""
    return _CITATION.match(sentence) is not None


def same_words(a: str, b: str) -> bool:
    """Whether two sentences say nearly the same words (the second adds nothing to a quote). Two that
    give other figures say other things: a ledger's rows "Vr.Date: 01-Apr-16 | Particulars: Opening
    Balance | Cr.Amt: 27614207" and "Vr.Date: 01-Apr-15 | ... | Cr.Amt: 24274200".

    >>> same_words("Opening Balance | 01-Apr-16 | 27614207", "Opening Balance | 01-Apr-15 | 24274200")
    False
    >>> same_words("Detainees alleged ill-treatment by police.", "Detainees alleged ill-treatment by the police.")
    True
    """
    if _FIGURES.findall(a) != _FIGURES.findall(b):
        return False
    ta, tb = set(content_terms(a)), set(content_terms(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) > 0.8


_FIGURES = re.compile(r"\d[\d,.]*")
