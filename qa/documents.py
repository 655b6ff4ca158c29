"""Files -> Document records. One reader per format; bad files become a one-line Problem.

>>> docs, problems = load_corpus("seeds")
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .config import SUPPORTED_SUFFIXES
from .errors import UnreadableDocument
from .formats import READERS, LineMap, page_of

logger = logging.getLogger(__name__)

_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Problem:
    """A file that was skipped (`skipped=True`) or read with a caveat, with a one-line reason."""

    source: str
    reason: str
    skipped: bool = True


@dataclass(frozen=True)
class SourceFile:
    """A candidate file found under the corpus root, hashed but not yet parsed."""

    source: str  # posix path relative to the corpus root
    path: Path
    size: int
    mtime: float
    hash: str  # sha256 of the raw bytes


@dataclass(frozen=True)
class Document:
    """The text of one file and the maps from character offsets back to lines and pages."""

    id: str
    source: str
    title: str
    text: str
    hash: str
    size: int
    mtime: float
    format: str
    page_starts: tuple[int, ...] | None = None
    line_anchors: tuple[tuple[int, int], ...] | None = None
    _lines: LineMap | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Built once so line_at() is a bisect, not a scan.
        object.__setattr__(self, "_lines", LineMap(self.text, self.line_anchors))

    def line_at(self, offset: int) -> int:
        """1-based source line of a character offset."""
        return self._lines.line(offset)

    def page_at(self, offset: int) -> int | None:
        """1-based page of a character offset, None for formats without pages."""
        return page_of(self.page_starts, offset)


def doc_id_for(source: str) -> str:
    """Stable id from the path relative to the corpus root: `doc_id_for("a/b.txt") -> 'd-…'`."""
    return "d-" + hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Decode text bytes: BOM or UTF-8, else cp1252 with replacement. Returns (text, caveat)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        # Keep the text rather than drop the file: cp1252 maps almost every byte.
        caveat = f"not valid UTF-8 (byte {exc.start}); decoded as cp1252"
        return data.decode("cp1252", errors="replace"), caveat


def _first_line_title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return fallback


def _read_plain(data: bytes) -> tuple[str, str | None, tuple | None, tuple | None, str | None]:
    if b"\x00" in data[:_SNIFF_BYTES] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableDocument("binary file (contains NUL bytes)")
    text, caveat = decode_text(data)
    return text, None, None, None, caveat


def _read_rich(suffix: str) -> Callable[[bytes], tuple]:
    def read(data: bytes) -> tuple:
        ex = READERS[suffix](data)
        return ex.text, ex.title, ex.page_starts, ex.line_anchors, None

    return read


_READERS: dict[str, Callable[[bytes], tuple]] = {
    ".txt": _read_plain, ".md": _read_plain, ".markdown": _read_plain,
    **{suffix: _read_rich(suffix) for suffix in READERS},
}


def scan(root: str | Path, *, max_file_bytes: int = 50 * 1024 * 1024
         ) -> tuple[list[SourceFile], list[Problem]]:
    """Find and hash every supported file under `root` (recursively, sorted, hidden files skipped).

    Never follows a symlink loop; never writes anything under `root`.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no documents folder at {root}")
    files: list[SourceFile] = []
    problems: list[Problem] = []
    for path in _walk(root, problems):
        source = path.relative_to(root).as_posix()
        try:
            st = path.stat()
        except OSError as exc:
            problems.append(Problem(source, f"broken symlink or unreadable ({exc.strerror})"))
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        if st.st_size > max_file_bytes:
            problems.append(Problem(source, f"too large ({st.st_size:,} bytes; limit {max_file_bytes:,})"))
            continue
        try:
            digest = sha256_file(path)
        except OSError as exc:
            problems.append(Problem(source, f"cannot read ({exc.strerror or exc})"))
            continue
        files.append(SourceFile(source, path, st.st_size, st.st_mtime, digest))
    return files, problems


def _walk(root: Path, problems: list[Problem]) -> Iterator[Path]:
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=None):
        here = Path(dirpath)
        try:
            st = here.stat()
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            problems.append(Problem(here.relative_to(root).as_posix(), "symlink loop: folder already visited"))
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = here / name
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                yield path
            elif path.is_symlink() and not path.exists():
                problems.append(Problem(path.relative_to(root).as_posix(), "broken symlink"))


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_document(file: SourceFile) -> tuple[Document | None, Problem | None]:
    """Parse one file. Returns (document, None), (document, caveat) or (None, reason-to-skip)."""
    suffix = file.path.suffix.lower()
    try:
        data = file.path.read_bytes()
    except OSError as exc:
        return None, Problem(file.source, f"cannot read ({exc.strerror or exc})")
    try:
        text, title, pages, anchors, caveat = _READERS[suffix](data)
    except UnreadableDocument as exc:
        return None, Problem(file.source, str(exc))
    except Exception as exc:  # a reader bug must not stop the build
        logger.exception("reader failed on %s", file.source)
        return None, Problem(file.source, f"could not parse: {type(exc).__name__}: {exc}")
    if not text.strip():
        return None, Problem(file.source, "empty (no text)")
    doc = Document(
        id=doc_id_for(file.source), source=file.source,
        title=(title or "").strip() or _first_line_title(text, file.path.name),
        text=text, hash=file.hash, size=file.size, mtime=file.mtime,
        format=suffix.lstrip("."), page_starts=pages, line_anchors=anchors,
    )
    return doc, (Problem(file.source, caveat, skipped=False) if caveat else None)


def load_corpus(root: str | Path, *, max_file_bytes: int = 50 * 1024 * 1024
                ) -> tuple[list[Document], list[Problem]]:
    """Read every supported document under `root`."""
    files, problems = scan(root, max_file_bytes=max_file_bytes)
    docs = []
    for f in files:
        doc, problem = read_document(f)
        if doc is not None:
            docs.append(doc)
        if problem is not None:
            problems.append(problem)
    return docs, problems
