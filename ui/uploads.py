"""Files into and out of the documents folder: checked uploads under safe names, confirmed removals.

>>> save_upload(Path("seeds"), Path("/tmp/gradio/abc/notes.txt"), "notes.txt").message
'added notes.txt'
>>> remove_document(Path("seeds"), "notes.txt").message
'removed notes.txt from the documents folder; it leaves the index at the next rebuild'

Nothing here overwrites a file silently or writes outside the folder: names are reduced to a
plain file name (no folders, no hidden files, no control characters), and a different file of
the same name is kept unless the user asked to replace it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qa import SUPPORTED_SUFFIXES, Settings, SourceFile, read_document

logger = logging.getLogger(__name__)

ACCEPTED = tuple(sorted(SUPPORTED_SUFFIXES))
MAX_UPLOAD_BYTES = Settings().max_file_bytes  # the build skips larger files, so uploads refuse them

_folder_lock = threading.Lock()  # one upload or removal at a time changes the folder


@dataclass(frozen=True)
class UploadResult:
    """What became of one uploaded file."""

    name: str                   # what the user sent
    saved_as: str | None        # the file name in the documents folder, None if refused
    message: str
    ok: bool
    changed: bool = False       # the folder changed, so a rebuild has something to do


@dataclass(frozen=True)
class RemoveResult:
    source: str
    message: str
    ok: bool
    needs_rebuild: bool = False  # the file is in the index, which keeps it until the next rebuild


def sanitize_filename(name: str) -> str | None:
    """A plain file name for the documents folder: no folders, no hidden files, no odd characters.

    >>> sanitize_filename("../../etc/passwd.txt")
    'passwd.txt'
    >>> sanitize_filename('<img src=x onerror=alert(1)>.md')
    'img src=x onerror=alert(1)_.md'
    """
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")  # control, format chars
    name = re.sub(r"[^\w .()+,=@-]", "_", name).strip()
    name = re.sub(r"\s+", " ", name).lstrip(". _")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem.strip(" .")[:120]
    if not re.search(r"\w", stem):
        return None
    return f"{stem}.{suffix.lower()}" if suffix else stem


def save_upload(seeds_dir: Path, path: str | Path, name: str | None = None, *,
                replace: bool = False, max_bytes: int | None = None) -> UploadResult:
    """Copy an uploaded file into `seeds_dir` under a safe name; never overwrite silently.

    With `replace` a different file of the same name is replaced (and the result says so);
    without it the upload is saved as "name (2).txt". Content that is already in the folder
    is not saved twice.
    """
    path = Path(path)
    name = name or path.name
    limit = MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    safe = sanitize_filename(name)
    refused = _refusal(path, name, safe, limit)
    if refused:
        return UploadResult(name, None, f"{name}: refused, {refused}", False)
    data = path.read_bytes()
    reason = _unreadable_reason(path, safe, data)
    if reason:
        return UploadResult(name, None, f"{name}: refused, {reason}", False)
    with _folder_lock:
        seeds_dir.mkdir(parents=True, exist_ok=True)
        root = seeds_dir.resolve()
        target = root / safe
        if target.resolve().parent != root:  # belt and braces: sanitize_filename allows no separators
            return UploadResult(name, None, f"{name}: refused, unsafe file name", False)
        twin = _same_content(root, data, prefer=safe)
        if twin is not None:
            where = "" if twin == safe else f" as {twin}"
            return UploadResult(name, twin, f"{name} is already in the documents folder{where} (same content); "
                                "nothing to rebuild", True)
        if target.exists():
            if replace and target.is_file():
                _write_atomic(root, target, data, overwrite=True)
                return UploadResult(name, safe, f"replaced the existing {safe}", True, changed=True)
            target = _free_name(target)
        _write_atomic(root, target, data, overwrite=False)
    renamed = target.name != safe
    note = f"saved as {target.name}: a different {safe} already exists" if renamed else f"added {target.name}"
    if safe != name and not renamed:
        note += f" (renamed from {name!r})"
    logger.info("upload saved: %s", target)
    return UploadResult(name, target.name, note, True, changed=True)


def remove_document(seeds_dir: Path, source: str) -> RemoveResult:
    """Delete one file of the documents folder (`source` as the index names it, e.g. "sub/a.txt").

    Refuses anything that is not a file inside the folder: "..", absolute paths, folders.
    A symlink is removed itself; what it points to is never touched.
    """
    root = seeds_dir.resolve()
    rel = Path(source)
    if not source or rel.is_absolute() or ".." in rel.parts:
        return RemoveResult(source, f"{source}: not removed, not a file of the documents folder", False)
    target = root / rel
    parent = target.parent.resolve()
    if parent != root and root not in parent.parents:
        return RemoveResult(source, f"{source}: not removed, not a file of the documents folder", False)
    with _folder_lock:
        if not (target.is_symlink() or target.is_file()):
            return RemoveResult(source, f"{source}: not removed, it is no longer in the documents folder", False)
        try:
            target.unlink()
        except OSError as exc:
            return RemoveResult(source, f"{source}: not removed ({exc.strerror})", False)
    logger.info("removed %s from the documents folder", target)
    return RemoveResult(source, f"removed {source} from the documents folder; it leaves the index "
                        "at the next rebuild", True, needs_rebuild=True)


def _refusal(path: Path, name: str, safe: str | None, limit: int) -> str | None:
    """Why the upload is refused before reading it (name, type, size), or None."""
    if safe is None:
        return "the name has no usable characters"
    suffix = Path(safe).suffix.lower()
    if suffix not in ACCEPTED:
        what = f"{suffix} files are" if suffix else "files without an extension are"
        return f"{what} not supported (accepted: {', '.join(ACCEPTED)})"
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"cannot read the upload ({exc.strerror})"
    if size > limit:
        return f"{size / 1e6:.1f} MB is over the {limit // (1024 * 1024)} MB limit"
    return None


def _unreadable_reason(path: Path, safe: str, data: bytes) -> str | None:
    """Why the build would skip this file (binary, empty, broken PDF...), or None."""
    suffix = Path(safe).suffix.lower()
    try:
        if path.suffix.lower() == suffix:
            doc, problem = read_document(SourceFile(safe, path, len(data), 0.0, ""))
        else:  # readers are chosen by suffix: check a copy that has the right one
            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / f"upload{suffix}"
                copy.write_bytes(data)
                doc, problem = read_document(SourceFile(safe, copy, len(data), 0.0, ""))
    except Exception as exc:  # a reader bug: let the build report it instead
        logger.warning("could not pre-check %s: %s", safe, exc)
        return None
    if doc is None:
        return problem.reason if problem else "unreadable"
    return None


def _same_content(root: Path, data: bytes, *, prefer: str) -> str | None:
    """The name of a file directly in `root` with exactly these bytes (`prefer` checked first)."""
    digest = hashlib.sha256(data).digest()
    candidates = sorted((p for p in root.iterdir() if not p.name.startswith(".") and not p.is_symlink()),
                        key=lambda p: p.name != prefer)
    for p in candidates:
        try:
            if p.is_file() and p.stat().st_size == len(data) and hashlib.sha256(p.read_bytes()).digest() == digest:
                return p.name
        except OSError:
            continue
    return None


def _free_name(target: Path) -> Path:
    for n in range(2, 10_000):
        candidate = target.with_name(f"{target.stem} ({n}){target.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(f"too many files named like {target.name}")


def _write_atomic(root: Path, target: Path, data: bytes, *, overwrite: bool) -> None:
    """Write via a hidden temporary file (the build skips dot-files), then link or replace."""
    tmp = root / f".upload-{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # fails if the name was taken meanwhile: never clobbers
    finally:
        tmp.unlink(missing_ok=True)
