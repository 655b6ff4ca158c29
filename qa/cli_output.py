"""What the command line prints: names on one line, document text safe for a terminal, JSON.

A file name may hold control characters or undecodable bytes, and a document ANSI escapes that
would recolour or retitle the terminal; everything `qa` prints of them passes through here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .errors import QAError


def safe(text: object) -> str:
    r"""`text` on one printable line: control characters, line breaks and undecodable bytes in
    file names are shown escaped, as repr() shows them, so one line stays one entry.

    >>> safe("a\nb\tc é")
    'a\\nb\\tc é'
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def safe_block(text: str) -> str:
    r"""Document text for a terminal: lines and tabs kept, every other control character (an
    ANSI escape sequence would recolour or retitle the terminal) shown escaped.

    >>> safe_block("red \x1b[31mtext\r\nnext")
    'red \\x1b[31mtext\nnext'
    """
    text = text.replace("\r\n", "\n")
    return _CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)


def print_json(obj: object) -> None:
    """JSON on stdout; names with undecodable bytes (lone surrogates) come out \\u-escaped."""
    text = json.dumps(obj, indent=2, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # JSON must be valid UTF-8, whatever stdout's error handler
        text = json.dumps(obj, indent=2, ensure_ascii=True)
    print(text)


def display_path(root: str | None, source: str) -> str:
    """seeds/file.txt when the corpus lies under the working directory, else an absolute path."""
    if not root:
        return source
    full = Path(root) / source
    try:
        return full.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(full)


def shorten(text: str, limit: int = 160) -> str:
    """One line of at most `limit` characters: runs of white space closed up, the middle cut."""
    line = safe(" ".join(text.split()))
    if len(line) <= limit:
        return line
    half = (limit - 3) // 2
    head, tail = line[:half], line[-half:]
    head = head.rsplit(" ", 1)[0] if " " in head else head  # whole words only
    tail = tail.split(" ", 1)[-1] if " " in tail else tail
    return f"{head} … {tail}"


_SHORT_WRITE = re.compile(r"\d+ requested and \d+ written")


def one_line(exc: BaseException) -> str:
    """The error as one line: OSError as 'reason: file', others by their first line."""
    if isinstance(exc, OSError) and exc.strerror:  # "No space left on device: /x", no "[Errno 28]"
        text = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    elif isinstance(exc, OSError) and _SHORT_WRITE.search(str(exc)):  # numpy's words for it
        text = f"short write ({exc}): the disk is full or a file-size limit was reached"
    else:
        text = (str(exc).strip().splitlines() or [""])[0] or type(exc).__name__
    if not isinstance(exc, (OSError, QAError)):
        text = f"{type(exc).__name__}: {text} (`qa --verbose ...` shows where)"
    return safe(text if len(text) <= 500 else text[:497] + "...")


def shown_index(index: str) -> str:
    """--index as output shows it: as given for a folder, a database URL without its password."""
    from .index import describe_location, is_url

    return describe_location(index) if is_url(index) else index
