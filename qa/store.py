"""The index directory on disk: generations, manifest, checksums, atomic switch, build lock.

Layout (every file plain and versioned; nothing is pickled)::

    index/manifest.json          the live manifest; names the current generation
    index/gen-<id>/dense.faiss   FAISS index over the chunk vectors (row i = chunk row i)
    index/gen-<id>/vectors.npy   the same vectors, float32, for reuse in incremental builds
    index/gen-<id>/chunks.sqlite documents and chunks tables
    index/gen-<id>/bm25/         bm25s arrays (.npy) and vocabulary (.json)
    index/.lock                  held (flock) by a running build

A build writes a new generation in a temporary folder, fsyncs it, renames it into place and
only then replaces manifest.json (os.replace is atomic), so a crash at any moment leaves the
previous manifest and generation intact.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .documents import sha256_file
from .errors import BuildLockedError, IndexCorruptError, IndexNotFoundError

logger = logging.getLogger(__name__)

FORMAT = "qa-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
LOCK = ".lock"
TMP_PREFIX = ".tmp-"


def manifest_path(index_dir: str | Path) -> Path:
    return Path(index_dir) / MANIFEST


def read_manifest(index_dir: str | Path) -> dict[str, Any]:
    """The live manifest, or IndexNotFoundError / IndexCorruptError with the fix in the message."""
    path = manifest_path(index_dir)
    if not path.exists():
        raise IndexNotFoundError(f"no index at {index_dir}; run `qa build` to create it")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"index manifest {path} is unreadable ({exc}); run `qa build --full`") from exc
    if manifest.get("format") != FORMAT:
        raise IndexCorruptError(f"{path} is not a qa index manifest; run `qa build --full`")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError(
            f"index at {index_dir} has format version {manifest.get('format_version')}, this qa reads "
            f"version {FORMAT_VERSION}; run `qa build --full` to rebuild it")
    return manifest


def generation_dir(index_dir: str | Path, manifest: dict[str, Any]) -> Path:
    return Path(index_dir) / manifest["generation"]


def checksums(gen_dir: Path) -> dict[str, dict[str, Any]]:
    """sha256 and size of every file in a generation, keyed by relative path."""
    out = {}
    for f in sorted(p for p in gen_dir.rglob("*") if p.is_file()):
        out[f.relative_to(gen_dir).as_posix()] = {"sha256": sha256_file(f), "size": f.stat().st_size}
    return out


def verify(index_dir: str | Path, manifest: dict[str, Any], *, full: bool = True) -> Path:
    """Check that every file the manifest lists is present with its size (and checksum if `full`)."""
    gen = generation_dir(index_dir, manifest)
    for rel, expected in manifest["files"].items():
        f = gen / rel
        problem = None
        if not f.is_file():
            problem = "is missing"
        elif f.stat().st_size != expected["size"]:
            problem = f"has {f.stat().st_size} bytes, expected {expected['size']} (truncated?)"
        elif full and sha256_file(f) != expected["sha256"]:
            problem = "fails its checksum (corrupted)"
        if problem:
            raise IndexCorruptError(f"index file {f} {problem}; run `qa build --full` to rebuild the index")
    return gen


def new_generation(index_dir: str | Path) -> Path:
    """A fresh temporary folder for a generation being written."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
    tmp = index_dir / (TMP_PREFIX + name)
    tmp.mkdir()
    return tmp


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_generation(index_dir: str | Path, tmp_dir: Path, manifest: dict[str, Any]) -> Path:
    """Make a fully written generation live: fsync, rename into place, swap the manifest."""
    index_dir = Path(index_dir)
    name = tmp_dir.name[len(TMP_PREFIX):]
    manifest = dict(manifest, format=FORMAT, format_version=FORMAT_VERSION, generation=name,
                    files=checksums(tmp_dir))
    for f in tmp_dir.rglob("*"):
        _fsync_path(f)
    _fsync_path(tmp_dir)
    final = index_dir / name
    os.rename(tmp_dir, final)
    tmp_manifest = index_dir / (TMP_PREFIX + MANIFEST)
    with open(tmp_manifest, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp_manifest, manifest_path(index_dir))
    _fsync_path(index_dir)
    return final


def clean_up(index_dir: str | Path, *, keep: int = 2) -> list[str]:
    """Remove leftovers of interrupted builds and all but the newest `keep` generations.

    Call only while holding the build lock. The live generation is never removed.
    """
    index_dir = Path(index_dir)
    try:
        live = read_manifest(index_dir)["generation"]
    except Exception:
        live = None
    removed = []
    for p in index_dir.iterdir():
        if p.name.startswith(TMP_PREFIX) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
        elif p.name.startswith(TMP_PREFIX):
            p.unlink(missing_ok=True)
    gens = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    old = [p for p in gens if p.name != live]
    for p in old[: max(len(old) - (keep - 1), 0)]:
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    return removed


@contextmanager
def build_lock(index_dir: str | Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's build lock; the OS releases it if the holder dies (even by SIGKILL).

    Waits up to `wait` seconds, then raises BuildLockedError.
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
                    raise BuildLockedError(
                        f"another build is running on {index_dir} (pid {holder}); wait for it to "
                        "finish or pass --wait SECONDS") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock
