"""Which period a passage speaks of, against the periods a question names (support.passage_checks).

A passage contradicts the question's period when it names periods of one kind (quarters, halves,
months, years) and none of the question's of that kind: the second quarter's results for a question
about the third. A quarterly report names its quarter by the year to date beside it
(`fiscal_quarters`); a report named by a year speaks of that year or the one before
(`reported_years`); a month the passage names without its year meets the month asked
(`bare_month`); a month the question writes with its day is a date, not a period (`dated`).

>>> contradicted_periods([("q3", "third quarter")], "Results", "q.pdf", "second quarter of 2020: sales rose")
['third quarter']
>>> contradicted_periods([("2009", "2009")], "Arrests", "statistical-abstract-2012.pdf", "Robbery | Total: 102.1")
[]
>>> contradicted_periods([("2014", "2014")], "Afghanistan", "amnesty-report-2013.pdf", "UNAMA reported 2,700 killed")
['2014']
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Sequence

from ..text import MONTH_NAMES, periods


def contradicted_periods(asked: Sequence[tuple[str, str]], title: str, source: str, text: str) -> list[str]:
    """The question's periods (`asked`: (normalised, as written) pairs, text.periods) that a passage
    contradicts, read with its document's title and file name ("from 2000 to 2005 against 1995 to
    2000" is not contradicted by a passage giving 2000 and 2005). Reading the passage's periods (a
    long regular expression) is for questions naming one."""
    if not asked:
        return []
    said = [norm for norm, _ in periods(f"{title}\n{text}")] + fiscal_quarters(text)
    there = said + reported_years(title, source)
    # The years a file is named by meet the question's; by themselves they contradict only a later
    # year (a report of 2013 tells nothing of 2014), not an earlier one: the Statistical Abstract of
    # 2012 gives 2009's arrests in tables that name no year.
    named = [int(y) for y in years_named(title, source)]
    kinds_there = {_period_kind(o) for o in said}
    if named and any(norm.isdigit() and int(norm) > max(named) for norm, _ in asked):
        kinds_there.add("year")
    kinds_met = {_period_kind(norm) for norm, _ in asked if norm in there or bare_month(norm, text)}
    return [written for norm, written in asked
            if _period_kind(norm) in kinds_there and _period_kind(norm) not in kinds_met]


def dated(question: str, month: str) -> bool:
    """Whether `month` is written with its day in `question` ("by 25 May 2012", "on March 3, 2020"): a date
    that pins an event, which the answering passage may write without its year ("to leave by 25 May"),
    not a month that reports are about ("the checks of December 2015").

    >>> dated("Who had to leave by 25 May 2012?", "May"), dated("How many checks in December 2015?", "December")
    (True, False)
    """
    day = r"\d{1,2}(?:st|nd|rd|th)?"
    return re.search(rf"\b{day}\s+(?:of\s+)?{month}\b|\b{month}\s+{day}\b", question) is not None


def bare_month(norm: str, text: str) -> bool:
    """Whether `text` names the month `norm` ("m10") without a year: "won the elections in the second
    round in October" meets "October 2010" in a report on the year, which writes the year once if at all.

    >>> bare_month("m10", "won in the second round in October, and took office in January 2011"), bare_month("2010", "")
    (True, False)
    """
    if not norm.startswith("m"):
        return False
    return re.search(rf"\b{MONTH_NAMES[int(norm[1:]) - 1].capitalize()}\b", text) is not None  # "May", not "may"


def reported_years(title: str, source: str) -> list[str]:
    """The years a document's title or file name names, each with the year before it: a report named by a
    year covers that year or the one before ("Amnesty International Report 2013" tells of 2012 as "the
    year", in passages that name only the years they compare with: "14% fewer attacks than in 2011"),
    and a filing of 2025 gives 2024's figures beside its own.

    A fiscal year written as a range names its last year too ("ledger-2015-16": 2015 and 2016).

    >>> reported_years("AFGHANISTAN", "reports/amnesty-report-2013-afghanistan.pdf")
    ['2013', '2012']
    >>> reported_years("Ledger", "ledger-xyz-2015-16.pdf")
    ['2015', '2014', '2016']
    """
    return list(dict.fromkeys(y for year in years_named(title, source) for y in (year, str(int(year) - 1))))


def years_named(title: str, source: str) -> list[str]:
    """The years a document's title or file name names (a fiscal range "2015-16": both)."""
    name = f"{title} {PurePath(source).stem}"
    years = [norm for norm, _ in periods(re.sub(r"[\W_]+", " ", name)) if norm.isdigit()]
    years += [str(int(m.group(1)) + 1) for m in _FISCAL_RANGE.finditer(name)
              if m.group(2)[-2:] == f"{(int(m.group(1)) + 1) % 100:02d}"]
    return list(dict.fromkeys(years))


_FISCAL_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-–/_]\s*((?:19|20)?\d\d)(?!\d)")


_THREE_MONTHS = re.compile(r"\bthree(?:[\s-]+months?(?:\s+periods?)?\s+end(?:ed|ing)\b"
                           r"|-?\s+and\s+(?:six|nine)[\s-]+months?)", re.IGNORECASE)
_YEAR_TO_DATE = re.compile(r"\b(six|nine)[\s-]+months?(?:\s+periods?)?\s+end(?:ed|ing)\b", re.IGNORECASE)


def fiscal_quarters(text: str) -> list[str]:
    """The fiscal quarters a text reports on without naming them: a quarterly report gives the
    three months ended on a date with the year to date, six months after the second quarter and
    nine after the third ("the three- and nine-month periods ended June 28, 2025": "q3"), whatever
    month its fiscal year starts in.

    >>> fiscal_quarters("Net sales | Three Months Ended June 28, 2025 | Nine Months Ended June 28, 2025")
    ['q3']
    """
    if not _THREE_MONTHS.search(text):
        return []
    return list(dict.fromkeys({"six": "q2", "nine": "q3"}[m.group(1).lower()] for m in _YEAR_TO_DATE.finditer(text)))


def _period_kind(norm: str) -> str:
    return norm[0] if norm[0] in "qhm" else "year"
