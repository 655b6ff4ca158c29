"""Search within part of an index: the `where` filter of Retriever.search() and answer().

    retriever.search("budget", where={"source": "reports/2023/*.pdf"})
    answer(retriever, "who was arrested?", where={"language": "ru", "modified_after": "2024-01-01"})

`where` is a dict with any of these keys (a document must pass every one given):

- "source": a glob, or a list of globs (any one may match), on the document's path relative to
  the documents folder, with "/" between folders. `*` and `?` stay within one folder name, `**`
  spans folders, `[abc]` is one of the characters. A pattern matching a folder keeps everything
  under it: "reports" and "reports/" keep reports/a.pdf and reports/2023/b.pdf; "*.pdf" keeps the
  top folder's PDFs, "**/*.pdf" every PDF.
- "language": an ISO 639-1 code ("ru") or a list of them: the language qa detected in the
  document when it was indexed (qa.language.detect).
- "modified_after" / "modified_before": an ISO date or date-time ("2024-01-01",
  "2024-01-01T12:00:00+02:00"; without a zone, UTC). The date is the file's modification time
  when it was indexed: qa reads no dates from inside documents. After is inclusive (on or after
  that moment, a date meaning its 00:00), before is exclusive.

>>> w = check_where({"source": ["reports/**/*.pdf", "notes"], "language": "ru"})
>>> w.source_matches("reports/2023/q1.pdf"), w.source_matches("notes/a.txt"), w.source_matches("a.pdf")
(True, True, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from .checks import BadArgument
from .index.format import DocumentRecord

KEYS = ("source", "language", "modified_after", "modified_before")


@dataclass(frozen=True)
class Where:
    """A checked filter. Hashable: the Retriever remembers the chunks of recent filters."""

    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    after: float | None = None   # seconds since the epoch, inclusive
    before: float | None = None  # exclusive

    def source_matches(self, source: str) -> bool:
        return not self.sources or any(_pattern(s).fullmatch(source) for s in self.sources)

    def keeps(self, doc: DocumentRecord) -> bool:
        """Whether the filter keeps a document (its language must be known if one is asked for)."""
        return (self.source_matches(doc.source)
                and (not self.languages or doc.language in self.languages)
                and (self.after is None or doc.mtime >= self.after)
                and (self.before is None or doc.mtime < self.before))

    def describe(self) -> str:
        """`source 'reports/*', language 'ru', modified on or after 2024-01-01T00:00:00Z`."""
        parts = []
        if self.sources:
            parts.append("source " + " or ".join(repr(s) for s in self.sources))
        if self.languages:
            parts.append("language " + " or ".join(repr(x) for x in self.languages))
        if self.after is not None:
            parts.append(f"modified on or after {_iso(self.after)}")
        if self.before is not None:
            parts.append(f"modified before {_iso(self.before)}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The filter as a `where` dict again (what the JSON outputs echo)."""
        d: dict[str, Any] = {}
        if self.sources:
            d["source"] = list(self.sources)
        if self.languages:
            d["language"] = list(self.languages)
        if self.after is not None:
            d["modified_after"] = _iso(self.after)
        if self.before is not None:
            d["modified_before"] = _iso(self.before)
        return d


def check_where(where: Any) -> Where | None:
    """A `where` dict checked once: None (no filter) or a Where; BadArgument says what is wrong.

    >>> check_where({"colour": "red"})
    Traceback (most recent call last):
    qa.checks.BadArgument: unknown key 'colour' in where; use source, language, modified_after, modified_before
    """
    if where is None or isinstance(where, Where):
        return where
    if not isinstance(where, Mapping):
        raise BadArgument(f"where must be a dict such as {{'source': 'reports/*.pdf'}}, not {type(where).__name__}")
    for key in where:
        if key not in KEYS:
            raise BadArgument(f"unknown key {key!r} in where; use {', '.join(KEYS)}")
    sources = _strings(where.get("source"), "where['source']")
    for s in sources:
        _pattern(s)  # a bad pattern fails here, once
    languages = _strings(where.get("language"), "where['language']")
    for code in languages:
        if not re.fullmatch(r"[a-z]{2,3}", code):
            raise BadArgument(f"where['language'] must be a language code such as 'en' or 'ru', not {code!r}")
    after = _date(where.get("modified_after"), "modified_after")
    before = _date(where.get("modified_before"), "modified_before")
    if after is not None and before is not None and after >= before:
        raise BadArgument(f"where['modified_after'] ({_iso(after)}) must be earlier than "
                          f"where['modified_before'] ({_iso(before)})")
    checked = Where(tuple(sources), tuple(languages), after, before)
    return checked if checked != Where() else None


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(v, str) for v in items):
        raise BadArgument(f"{name} must be a string or a list of strings, not {value!r}")
    if not items or not all(v.strip() for v in items):
        raise BadArgument(f"{name} must not be empty")
    return [v.strip() for v in items]


def _date(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadArgument(f"where[{name!r}] must be an ISO date such as '2024-01-31', not {value!r}")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadArgument(f"where[{name!r}] must be an ISO date such as '2024-01-31' or "
                          f"'2024-01-31T12:00:00', not {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_CACHE: dict[str, re.Pattern[str]] = {}


def _pattern(glob: str) -> re.Pattern[str]:
    """The regular expression of a source glob; BadArgument for one that cannot name a document.

    >>> bool(_pattern("reports/**/q?.pdf").fullmatch("reports/2023/x/q1.pdf"))
    True
    """
    found = _CACHE.get(glob)
    if found is not None:
        return found
    if glob.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", glob) or "\\" in glob:
        raise BadArgument(f"source pattern {glob!r} must be a path relative to the documents folder, "
                          "with / between folders (such as 'reports/*.pdf')")
    if any(part == ".." for part in glob.split("/")):
        raise BadArgument(f"source pattern {glob!r} must stay inside the documents folder (no '..')")
    text = glob[2:] if glob.startswith("./") else glob
    text = text.rstrip("/")
    if text in ("", "."):  # the documents folder itself: everything
        text = "**"
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif text.startswith("**", i):
            out.append(".*")
            i += 2
        elif text[i] == "*":
            out.append("[^/]*")
            i += 1
        elif text[i] == "?":
            out.append("[^/]")
            i += 1
        elif text[i] == "[" and "]" in text[i + 2:]:
            end = text.index("]", i + 2)
            body = text[i + 1:end]
            negate = body[:1] in ("!", "^")
            chars = "".join(re.escape(c) if c != "-" else "-" for c in (body[1:] if negate else body))
            out.append(f"[{'^' if negate else ''}{chars}]")
            i = end + 1
        else:
            out.append(re.escape(text[i]))
            i += 1
    # The whole path, or a folder of it: "reports" keeps everything under reports/.
    pattern = re.compile("".join(out) + "(?:/.*)?", re.DOTALL)
    if len(_CACHE) < 1024:
        _CACHE[glob] = pattern
    return pattern


def escape_glob(path: str) -> str:
    """A glob matching exactly `path` (and, for a folder, what is under it), whatever its characters.

    >>> escape_glob("drafts [old]/a*.txt")
    'drafts [[]old]/a[*].txt'
    """
    return re.sub(r"([*?\[])", r"[\1]", path)


def matching(documents: Iterable[DocumentRecord], where: Where) -> list[DocumentRecord]:
    """The documents a filter keeps, in the order given."""
    return [d for d in documents if where.keeps(d)]
