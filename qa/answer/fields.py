"""Lines that name the very thing a question asks for though they are no sentence: a field labelled
with it ("DC Judge: Failla" for "Who was the district judge"), the holder of a title in a letterhead
or a signature block ("CATHERINE O'HAGAN WOLFE CLERK OF COURT", "s/Karen S. Fultz Case Manager"), a
signer ("s/ Name" for "who signed"), a letter's dateline ("February 11, 2019" for "On what date did
they write") and a line dating the thing asked ("Filed 11 February 2022" for "When was it filed?").
reply.gather makes them candidates and quotes them first (Pool.asked).

>>> asked_lines("Who was the district judge?")("DC Judge: Failla")
True
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..text import MONTH_NAMES, content_terms
from .features import question_profile
from .quotes import ENDS, WORD, dated_field, names_kind, verb_dated


def asked_lines(question: str):
    """A test of a line: whether it names the very thing `question` asks for though it is no sentence: a
    field labelled with it (names_field), the holder of the title asked (names_holder), the signer
    asked (names_signer), the dateline of the letter asked about (names_dateline) or a line dating the
    thing asked (_dated_line). What depends on the question alone is read once, not for every line."""
    thing, terms = asked_thing(question), set(content_terms(question))
    checks = [lambda text: names_field(text, thing, terms)]
    if _held_title(question)[0] is not None:
        checks.append(lambda text: names_holder(text, question))
    if _ASKS_SIGNER.search(question):
        checks.append(_signed)
    if question_profile(question).wants == "date":
        checks.append(lambda text: _dated_line(text, terms))
        if _WRITTEN.search(question):
            checks.append(_dateline)
    return lambda text: any(check(text) for check in checks)


def asked_thing(question: str) -> set[str]:
    """The content terms of the thing a "what is the X of ..." / "who was the X in ..." question asks
    for: the words after the verb up to a preposition or a clause ("the insurance deductible" of
    "What is the insurance deductible on Diaz's policy?"); empty for other questions.

    >>> sorted(asked_thing("Who was the district judge in Rivera v. Northfield?")), asked_thing("Why did it fail?")
    (['district', 'judg'], set())
    """
    m = _ASKED_THING.match(question)
    return set(content_terms(m.group(1))) if m else set()


_ASKED_THING = re.compile(r"\W*(?:what|which|who|whom)\s+(?:is|was|are|were)\s+(?:the\s+|an?\s+)?(.+?)(?=\s+(?:of|on|in|for|"
                          r"at|by|from|with|to|that|which|who|whom|when|where|under|during|between|against|"
                          r"did|does|do|is|was|are|were|has|had|have)\b|[?,;:]|$)", re.IGNORECASE)


def names_field(text: str, terms: set[str], question: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether `text` is a short field, "Label: value" on one line, whose label ends in a word of the
    thing asked for (`terms`, asked_thing's), or is two or more words all of the question (`question`,
    its content terms): the label names what is asked, whatever its value ("DC Judge: Failla" for "Who
    was the district judge", "VIN: 1C4RJFBG2NC123456" for "What is the VIN", "Head of government:
    Sali Berisha" for "Who was Albania's head of government"; not "Policy #: POL-2022-555" for "What
    is the insurance deductible on the policy"). A letterhead, a docketing notice, a country's fact box
    or a form gives these without a full stop or a figure.

    >>> names_field("DC Judge: Failla", {"district", "judg"}), names_field("DC Judge: Failla", {"court"})
    (True, False)
    >>> names_field("Note: the judge ruled on the motion after a long hearing in the district court.", {"judg", "note"})
    False
    """
    m = _NAMED_FIELD.fullmatch(text.strip())
    if not m:
        return False
    label = content_terms(re.sub(r"\([^)]*\)", " ", m.group(1)))
    return bool(label) and (label[-1] in terms or len(set(label)) >= 2 and set(label) <= question)


_NAMED_FIELD = re.compile(r"([^\W\d_][^:|\n\t]{0,40}?)\s*:\s+([^|\n\t]{1,60})")
"""A label of up to 40 characters, a colon, a value of up to 60 on the same line."""


def names_holder(text: str, question: str) -> bool:
    """For "who was the X ...": whether a line without a full stop or cells names a person holding X, the
    title capitalised beside a name of two or more capitalised words the question does not hold, as
    a letterhead or a signature block gives them ("CATHERINE O'HAGAN WOLFE CLERK OF COURT" for "Who
    was the Second Circuit's clerk of court?"; not "Message from the Clerk").

    >>> q = "Who was the Second Circuit's clerk of court?"
    >>> names_holder("CATHERINE O'HAGAN WOLFE CLERK OF COURT", q), names_holder("Message from the Clerk", q)
    (True, False)
    >>> names_holder("Deborah S. Hunt: Clerk | POTTER STEWART U.S. COURTHOUSE: CINCINNATI, OHIO 45202 | Tel.", q)
    True
    >>> names_holder("s/Karen S. Fultz Case Manager Direct Dial No. 513-564-7036 cc: Mr. Thomas O. Shepherd Jr.",
    ...              "Who is the case manager for Island Creek Coal Company v. Linda Hill?")
    True
    >>> names_holder("Board of Education - Anjali Kausar, Ben Liao Superintendent – Wendy Gudalewicz",
    ...              "Who is the superintendent of the school district?")
    True
    >>> names_holder("The Edict protected Catholic interests in Catholic regions [citation needed]", "Who was a Catholic?")
    False
    """
    title, asked = _held_title(question)
    if title is None:
        return False
    if " | " in text:  # a row of cells: each is a line of its own ("Deborah S. Hunt: Clerk | POTTER STEWART ...")
        return any(names_holder(cell.replace(":", " "), question) for cell in text.split(" | "))
    signed = _SIGNED.search(text)
    if signed and signed.start() < 3:  # a signature block: the name and title signed, up to the contact lines
        text = _CONTACT.split(text[signed.start():].strip().lstrip("/s").lstrip("/"), maxsplit=1)[0]
    if not ENDS.search(text) and any(content_terms(m.group(1)) == [title] and _holds(m.group(0), title, asked)
                                     for m in _TITLE_DASH_NAME.finditer(text)):
        return True  # a masthead's "Superintendent – Wendy Gudalewicz" among other names
    return _holds(text, title, asked)


def _holds(text: str, title: str, asked: frozenset[str]) -> bool:
    """A short line of capitalised words: the title and a name of two or more words the question does not hold."""
    if len(text.split()) > 12 or not names_kind(text, title):
        return False
    if any(not w[0].isupper() and content_terms(w) for w in WORD.findall(text)):
        return False  # prose, not a name and a title: every word but "of", "the" is capitalised
    names = [w for w in WORD.findall(text) if w[0].isupper() and content_terms(w) and content_terms(w)[0] not in asked]
    return len(names) >= 2


@lru_cache(maxsize=64)
def _held_title(question: str) -> tuple[str | None, frozenset[str]]:
    """The title a "who was the X" question asks the holder of (X's last term), and the question's terms."""
    m = _ASKED_THING.match(question)
    head = content_terms(m.group(1))[-1:] if m and re.match(r"\W*(?:who|whom)\b", question, re.IGNORECASE) else []
    return (head[0] if head else None), frozenset(content_terms(question))


_TITLE_DASH_NAME = re.compile(r"\b([A-Z][\w'’-]*)(?:\s+[-–—]|:)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){1,3}")
"""A title, a dash or a colon, and a name of two to four capitalised words."""
_CONTACT = re.compile(r"\d|\b(?:cc|CC|Cc|Tel|Phone|Telephone|Fax|Direct|Email|E-mail)\b")
_SIGNED = re.compile(r"(?:^|\s)/?s/\s*[A-Z][\w.'’-]*\s+[A-Z]")
_ASKS_SIGNER = re.compile(r"\bwho(?:m)?\b[^?]*\bsign(?:s|ed)?\b", re.IGNORECASE)


def names_signer(text: str, question: str) -> bool:
    """For "who signed ...": whether `text` is a signature line, "s/" or "/s/" before a name, as court
    filings and letters sign ("s/ Matthew P. Kralovec Counsel for Haitao Xiang").

    >>> names_signer("s/ Matthew P. Kralovec Counsel for Haitao Xiang", "Who signed the letter?")
    True
    >>> names_signer("s/ Matthew P. Kralovec", "Who wrote the brief?"), names_signer("Costs: 5 s/ day", "Who signed it?")
    (False, False)
    """
    return _ASKS_SIGNER.search(question) is not None and _signed(text)


def _signed(text: str) -> bool:
    return _SIGNED.search(text) is not None


def names_dateline(text: str, question: str) -> bool:
    """For "when / on what date did they write (send, sign, issue) ...": whether `text` is a letter's
    dateline, a full date standing alone ("February 11, 2019" above the addressee's block).

    >>> names_dateline("February 11, 2019", "On what date did Human Rights Watch write to the chairmen?")
    True
    >>> names_dateline("February 11, 2019", "When did the protests begin?"), names_dateline("In 2019", "When was it sent?")
    (False, False)
    """
    return question_profile(question).wants == "date" and _WRITTEN.search(question) is not None and _dateline(text)


def _dateline(text: str) -> bool:
    return _DATELINE.fullmatch(text.strip()) is not None


_MONTH = "(?:" + "|".join(m.capitalize() for m in MONTH_NAMES) + ")"
_DATELINE = re.compile(rf"(?:Dated?:?\s+)?(?:{_MONTH}\s+\d{{1,2}},?\s+(?:19|20)\d\d|\d{{1,2}}\s+{_MONTH}\s+(?:19|20)\d\d)\.?")
_WRITTEN = re.compile(r"\b(?:wr[io]te|written|writes|sen[dt]|sends|dated|signed|issued|addressed)\b", re.IGNORECASE)
"""The verbs of a letter's date: "On what date did they write ...", "When was it sent?"."""


def _dated_line(text: str, terms: set[str]) -> bool:
    """For a question asking a date (`terms`: its content terms): a line without a full stop dating the
    thing asked ("Filed 11 February 2022" at the head of an opinion for "When was the decision
    filed?"; quotes.dated_field, verb_dated)."""
    return len(text.split()) <= 16 and not ENDS.search(text) and (dated_field(text, terms) or verb_dated(text, terms))
