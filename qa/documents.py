"""Files -> Document records. One reader per format; bad files become a one-line Problem.

>>> docs, problems = load_corpus("seeds")
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .config import Settings
from .errors import UnreadableDocument
from .formats import READERS, LineMap, page_of
from .formats.cleanup import good_title
from .formats.markdown import table_rows_text

logger = logging.getLogger(__name__)

_DEFAULTS = Settings()


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
    ocr_pages: int = 0          # pages read by OCR
    ocr_seconds: float = 0.0    # time they took
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
    """Decode text bytes: BOM or UTF-8, else cp1252 with replacement. Returns (text, caveat).

    A byte-order mark settles the encoding; bytes invalid in it become U+FFFD, with a caveat.
    """
    for bom, encoding, name in ((b"\xef\xbb\xbf", "utf-8", "UTF-8"), (b"\xff\xfe", "utf-16-le", "UTF-16"),
                                (b"\xfe\xff", "utf-16-be", "UTF-16")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), None
            except UnicodeDecodeError as exc:
                return data[len(bom):].decode(encoding, errors="replace"), (
                    f"not valid {name} after its byte-order mark (byte {len(bom) + exc.start}); "
                    "invalid bytes replaced with U+FFFD")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        # Keep the text rather than drop the file: cp1252 maps almost every byte.
        caveat = f"not valid UTF-8 (byte {exc.start}); decoded as cp1252"
        return data.decode("cp1252", errors="replace"), caveat


def _first_line_title(text: str, fallback: str) -> str:
    """The first line that can name the document (not a page number, a bare digit or a file
    name), else `fallback`'s name without its extension."""
    for line in text.splitlines()[:50]:
        line = line.strip().lstrip("#").strip()
        if len(line) > 200:  # a paragraph, not a heading: its first sentence or words
            line = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0][:200].rsplit(" ", 1)[0]
        title = good_title(line)
        if title:
            return title
    return Path(fallback).stem or fallback


def _reject_binary(data: bytes) -> None:
    """Text formats: a NUL byte anywhere (outside UTF-16) means a binary file, whatever its size."""
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in data:
        raise UnreadableDocument("binary file (contains NUL bytes)")


def _read_plain(data: bytes, settings: Settings) -> tuple:
    _reject_binary(data)
    text, caveat = decode_text(data)
    return text, None, None, None, caveat, (0, 0.0)


def _read_markdown(data: bytes, settings: Settings) -> tuple:
    """Plain text whose pipe tables read as rows carrying their headers, line for line (so a
    line of the text is the same line of the file)."""
    text, *rest = _read_plain(data, settings)
    return (table_rows_text(text), *rest)


def _read_rich(suffix: str) -> Callable[[bytes, Settings], tuple]:
    def read(data: bytes, settings: Settings) -> tuple:
        if suffix in _TEXT_MARKUP:
            _reject_binary(data)
        ex = READERS[suffix](data, settings)
        return (ex.text, ex.title, ex.page_starts, ex.line_anchors, "; ".join(ex.notes) or None,
                (ex.ocr_pages, ex.ocr_seconds))

    return read


_TEXT_MARKUP = frozenset({".html", ".htm"})
_READERS: dict[str, Callable[[bytes, Settings], tuple]] = {
    ".txt": _read_plain, ".md": _read_markdown, ".markdown": _read_markdown,
    **{suffix: _read_rich(suffix) for suffix in READERS},
}

SUPPORTED_SUFFIXES = tuple(_READERS)
"""The file suffixes qa reads: one per reader above (lower case)."""

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def scan(root: str | Path, *, max_file_bytes: int | None = None, follow_symlinks: bool = False
         ) -> tuple[list[SourceFile], list[Problem]]:
    """Find and hash every supported file under `root` (recursively, sorted, hidden files skipped).

    Every other entry that is not a hidden file gets a Problem with the reason. A symlink whose
    target lies outside `root` is skipped unless `follow_symlinks`. Never follows a symlink
    loop, never opens anything but a regular file, never writes anything under `root`.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no documents folder at {root}")
    limit = _DEFAULTS.max_file_bytes if max_file_bytes is None else max_file_bytes
    files: list[SourceFile] = []
    problems: list[Problem] = []
    for source, path, st in _walk(root, follow_symlinks, problems):
        if Path(source).suffix.lower() not in SUPPORTED_SUFFIXES:
            problems.append(Problem(source, f"unsupported file type (qa reads {' '.join(SUPPORTED_SUFFIXES)})"))
            continue
        if st.st_size > limit:
            problems.append(Problem(source, f"too large ({st.st_size:,} bytes; limit {limit:,})"))
            continue
        try:
            digest = sha256_file(path)
        except (OSError, UnreadableDocument) as exc:
            problems.append(Problem(source, _read_error(exc)))
            continue
        files.append(SourceFile(source, path, st.st_size, st.st_mtime, digest))
    return files, problems


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _walk(root: Path, follow_symlinks: bool, problems: list[Problem]
          ) -> Iterator[tuple[str, Path, os.stat_result]]:
    """(source, path, stat) of every non-hidden non-folder entry, top-down in name order.

    For a followed symlink, `path` is its resolved target, so reading it later (with O_NOFOLLOW)
    cannot be sent elsewhere by a link swapped in after the scan. Folders are visited with an explicit stack (no recursion limit on deep trees); the
    (device, inode) of each visited folder stops symlink loops.
    """
    real_root = os.path.realpath(root)
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        label = prefix.rstrip("/") or "."
        try:
            st = folder.stat()
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(label + "/", f"folder not read ({exc.strerror or exc})"))
            continue
        if (st.st_dev, st.st_ino) in seen:
            problems.append(Problem(label + "/", "symlink loop or second link: folder already visited"))
            continue
        seen.add((st.st_dev, st.st_ino))
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            source = prefix + entry.name
            st, path = _entry_stat(entry, source, real_root, follow_symlinks, problems)
            if st is None:
                continue
            if not _utf8(source):
                problems.append(Problem(source, "file name is not valid UTF-8"))
            elif stat.S_ISDIR(st.st_mode):
                subfolders.append((path, source + "/"))
            elif stat.S_ISREG(st.st_mode):
                yield source, path, st
            else:  # never opened: opening a FIFO blocks until a writer comes
                problems.append(Problem(source, f"{_kind(st.st_mode)}, not a regular file"))
        stack.extend(reversed(subfolders))


def _entry_stat(entry: os.DirEntry, source: str, real_root: str, follow_symlinks: bool,
                problems: list[Problem]) -> tuple[os.stat_result | None, Path]:
    """The stat and path of what `entry` stands for; stat None (with a Problem) to leave it out."""
    path = Path(entry.path)
    try:
        if not entry.is_symlink():
            return entry.stat(follow_symlinks=False), path
        target = os.path.realpath(entry.path)
        st = os.stat(target)
    except OSError as exc:
        reason = "broken symlink" if entry.is_symlink() else f"cannot read ({exc.strerror or exc})"
        problems.append(Problem(source, reason))
        return None, path
    if not follow_symlinks and not _inside(target, real_root):
        problems.append(Problem(source, f"symlink to {target}, outside the documents folder "
                                        "(qa build --follow-symlinks includes it)"))
        return None, path
    return st, Path(target)


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:  # undecodable bytes in the name (surrogateescape)
        return False


def _read_error(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return f"cannot read ({exc.strerror or exc})"
    return str(exc)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NOFOLLOW", 0)


def _open_regular(path: Path) -> int:
    """A read-only descriptor of a regular file that is not a symlink (scan() resolved those).

    Never blocks: a FIFO or device is refused after a non-blocking open, before any read.
    """
    fd = os.open(path, _OPEN_FLAGS)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise UnreadableDocument(f"{_kind(mode)}, not a regular file")
    return fd


def read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, refused (UnreadableDocument) when it holds more than `limit`."""
    with os.fdopen(_open_regular(path), "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:  # it grew since it was scanned
        raise UnreadableDocument(f"too large (over {limit:,} bytes)")
    return data


def sha256_file(path: Path) -> str:
    """Hex sha256 of a regular file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with os.fdopen(_open_regular(path), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_document(file: SourceFile, settings: Settings | None = None
                  ) -> tuple[Document | None, Problem | None]:
    """Parse one file. Returns (document, None), (document, caveat) or (None, reason-to-skip).

    The limits of `settings` (default Settings()) bound the bytes read, the text kept and, for
    .docx and .pdf, the work done before the text is known.
    """
    settings = settings or _DEFAULTS
    suffix = Path(file.source).suffix.lower()  # the name the user gave, not a link's target
    try:
        data = read_bytes(file.path, settings.max_file_bytes)
        text, title, pages, anchors, caveat, (ocr_pages, ocr_seconds) = _READERS[suffix](data, settings)
    except (OSError, UnreadableDocument) as exc:
        return None, Problem(file.source, _read_error(exc))
    except Exception as exc:  # a reader bug must not stop the build
        logger.exception("reader failed on %s", file.source)
        return None, Problem(file.source, f"could not parse: {type(exc).__name__}: {exc}")
    if len(text) > settings.max_text_chars:
        return None, Problem(file.source, f"yields too much text ({len(text):,} characters; "
                                          f"limit {settings.max_text_chars:,})")
    if "\x00" in text:  # from UTF-16 or a reader: same length, so every offset map stays valid
        text = text.replace("\x00", " ")
    if not text.strip():
        return None, Problem(file.source, f"empty (no text): {caveat}" if caveat else "empty (no text)")
    doc = Document(
        id=doc_id_for(file.source), source=file.source,
        title=good_title(title) or _first_line_title(text, Path(file.source).name),
        text=text, hash=file.hash, size=file.size, mtime=file.mtime,
        format=suffix.lstrip("."), page_starts=pages, line_anchors=anchors,
        ocr_pages=ocr_pages, ocr_seconds=ocr_seconds,
    )
    return doc, (Problem(file.source, caveat, skipped=False) if caveat else None)


def load_corpus(root: str | Path, settings: Settings | None = None
                ) -> tuple[list[Document], list[Problem]]:
    """Read every supported document under `root`, within the limits of `settings`."""
    settings = settings or _DEFAULTS
    files, problems = scan(root, max_file_bytes=settings.max_file_bytes,
                           follow_symlinks=settings.follow_symlinks)
    docs = []
    for f in files:
        doc, problem = read_document(f, settings)
        if doc is not None:
            docs.append(doc)
        if problem is not None:
            problems.append(problem)
    return docs, problems
