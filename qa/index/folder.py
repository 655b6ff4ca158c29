"""The folder store: an index as plain files in one directory, generations switched atomically.

Layout (every file plain and versioned; nothing is pickled; names from qa.index.format)::

    index/manifest.json            the live manifest; names the current generation
    index/gen-<id>/dense.faiss     FAISS index over the chunk vectors (row i = chunk row i; fp16 when flat)
    index/gen-<id>/vectors.npy     the same vectors, float32, reused by incremental builds
    index/gen-<id>/chunks.sqlite   documents, chunks and sentence spans
    index/gen-<id>/sentences.npy   one vector per sentence row
    index/gen-<id>/bm25/           bm25s arrays (.npy) and vocabulary (.json)
    index/gen-<id>/.qa-generation  marks a folder qa made: clean-up deletes no other folder
    index/.lock                    held (flock) by a running build

A build writes a new generation in a temporary folder, fsyncs it, renames it into place and
only then replaces manifest.json (os.replace is atomic), so a crash at any moment leaves the
previous manifest and generation intact.

>>> store = FolderStore("index")
>>> gen = store.load()
>>> gen.chunks([0])[0].text[:20]
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
from typing import Callable, Iterator, Sequence

import numpy as np

from .. import dense
from ..chunking import Chunk
from ..documents import sha256_file
from ..errors import BuildLockedError, IndexCorruptError, IndexNotFoundError
from ..lexical import LexicalIndex
from ..resume import RESUME_FILE
from ..rows import NpyRows
from ..table import ChunkTable
from . import format as fmt
from .base import ChunkSentences
from .format import DocumentRecord, Manifest
from .staging import SCRATCH, GenerationWriter, new_writer, write_whole

logger = logging.getLogger(__name__)


class FolderStore:
    """An index in a directory. Safe to share between threads; builds hold an flock."""

    def __init__(self, location: str | Path):
        self.path = Path(location)
        self.location = str(location)

    def __repr__(self) -> str:
        return f"FolderStore({self.location!r})"

    # ------------------------------------------------------------ manifest

    def read_manifest(self) -> Manifest:
        path = self.path / fmt.MANIFEST
        if not path.exists():
            raise IndexNotFoundError(f"no index at {self.path.resolve()}; run `qa build --index "
                                     f"{self.path.resolve()}` to create it")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"index manifest {path} is unreadable ({exc}); run `qa build --full`") from exc
        return Manifest.from_dict(data, str(self.path))

    # ------------------------------------------------------------ reading

    def load(self, *, verify: bool = True) -> "FolderGeneration":
        manifest = self.read_manifest()
        gen = self._verify(manifest, full=verify)
        return FolderGeneration(manifest, gen)

    def _verify(self, manifest: Manifest, *, full: bool) -> Path:
        """Every file the manifest lists is present with its size (and checksum if `full`)."""
        gen = self.path / manifest.generation
        inside = gen.resolve()
        for rel, expected in manifest.files.items():
            f = gen / rel
            problem = None
            if inside not in f.resolve().parents:  # a link (of the file or a folder above it) out
                problem = "is a link out of its generation"
            elif not f.is_file():
                problem = "is missing"
            elif f.stat().st_size != expected["size"]:
                problem = f"has {f.stat().st_size} bytes, expected {expected['size']} (truncated?)"
            elif full and sha256_file(f) != expected["sha256"]:
                problem = "fails its checksum (corrupted)"
            if problem:
                raise IndexCorruptError(f"index file {f} {problem}; run `qa build --full` to rebuild the index")
        return gen

    # ------------------------------------------------------------ writing

    @contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the build lock; the OS releases it if the holder dies (even by SIGKILL)."""
        created = not self.path.exists()
        self.path.mkdir(parents=True, exist_ok=True)
        path = self.path / fmt.LOCK
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait
        ok = False
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
                            f"another build is running on {self.path} (pid {holder}); wait for it to "
                            "finish or pass --wait SECONDS") from None
                    time.sleep(0.2)
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
            ok = True
        finally:
            os.close(fd)  # closing releases the flock
            if (not ok and created and not (self.path / fmt.MANIFEST).exists()
                    and not (self.path / RESUME_FILE).exists()):
                # A first build that failed leaves nothing behind (but what it embedded, to resume).
                shutil.rmtree(self.path, ignore_errors=True)

    def write_generation(self, manifest: Manifest, documents: Sequence[DocumentRecord],
                         chunks: Sequence[Chunk], vectors: np.ndarray, lexical_texts: Sequence[str],
                         sentences: Sequence[ChunkSentences],
                         progress: Callable[[str], None] | None = None) -> Manifest:
        return write_whole(self, manifest, documents, chunks, vectors, lexical_texts, sentences, progress)

    def new_generation(self, dimension: int, lexical: dict) -> GenerationWriter:
        """A writer of a new generation, in a temporary folder; then commit_generation or discard."""
        return new_writer(self._new_tmp(), dimension, lexical)

    def commit_generation(self, writer: GenerationWriter, manifest: Manifest,
                          progress: Callable[[str], None] | None = None) -> Manifest:
        """Finish a written generation (FAISS over its vectors, the BM25 matrix) and make it live."""
        say = progress or (lambda message: None)
        tmp = writer.folder
        try:
            writer.finish_rows()
            writer.lexical.finish()
            shutil.rmtree(tmp / SCRATCH, ignore_errors=True)
            vectors = NpyRows(tmp / fmt.VECTORS)  # read a slice at a time, never mapped whole
            try:
                dense.save_faiss(dense.build_faiss(vectors, manifest.index_type), tmp / fmt.DENSE)
            finally:
                vectors.close()
            say("switching to the new index")
            return self._commit(tmp, manifest)
        except BaseException:
            # A failed write (a full disk, say) leaves nothing; the live generation is untouched.
            self.discard(writer)
            raise

    def discard(self, writer: GenerationWriter) -> None:
        """Drop a generation being written (a failed or interrupted build)."""
        writer.abandon()
        shutil.rmtree(writer.folder, ignore_errors=True)

    def _new_tmp(self) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
        tmp = self.path / (fmt.TMP_PREFIX + name)
        tmp.mkdir()
        (tmp / fmt.GENERATION_MARKER).write_text(fmt.GENERATION_MARKER_TEXT, encoding="utf-8")
        return tmp

    def _commit(self, tmp: Path, manifest: Manifest) -> Manifest:
        """Make a fully written generation live: fsync, rename into place, swap the manifest."""
        name = tmp.name[len(fmt.TMP_PREFIX):]
        files = {}
        for f in sorted(p for p in tmp.rglob("*") if p.is_file() and p.name != fmt.GENERATION_MARKER):
            files[f.relative_to(tmp).as_posix()] = {"sha256": sha256_file(f), "size": f.stat().st_size}
        manifest = manifest.with_(generation=name, files=files)
        for f in tmp.rglob("*"):
            _fsync_path(f)
        _fsync_path(tmp)
        os.rename(tmp, self.path / name)
        tmp_manifest = self.path / fmt.TMP_MANIFEST
        with open(tmp_manifest, "w", encoding="utf-8") as f:
            json.dump(manifest.to_dict(), f, indent=2, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_manifest, self.path / fmt.MANIFEST)
        _fsync_path(self.path)
        return manifest

    def clean_up(self, *, keep: int = 2) -> None:
        """Remove leftovers of interrupted builds and all but the newest `keep` generations.

        Only folders qa made (they hold its marker file) and its own temporary manifest are ever
        removed: anything else in the index folder, whatever its name, is left alone.
        """
        if not self.path.is_dir():
            return
        try:
            live = self.read_manifest()
        except Exception:
            live = None
        if live is not None:
            self._adopt(live)
        tmp_manifest = self.path / fmt.TMP_MANIFEST
        if tmp_manifest.is_file() and not tmp_manifest.is_symlink():
            tmp_manifest.unlink()
        ours = [p for p in self.path.iterdir() if _made_by_qa(p)]
        for p in ours:
            if p.name.startswith(fmt.TMP_PREFIX):
                shutil.rmtree(p, ignore_errors=True)
        gens = sorted((p for p in ours if fmt.is_generation_name(p.name)), key=lambda p: p.stat().st_mtime)
        old = [p for p in gens if live is None or p.name != live.generation]
        for p in old[: max(len(old) - (keep - 1), 0)]:
            shutil.rmtree(p, ignore_errors=True)

    def _adopt(self, live: Manifest) -> None:
        """Mark the live generation as qa's if an older qa wrote it (no marker), so it can be pruned later.

        Proof that qa wrote it: the folder holds exactly the files the manifest lists, with their sizes.
        """
        gen = self.path / live.generation
        if not gen.is_dir() or gen.is_symlink() or (gen / fmt.GENERATION_MARKER).exists() or not live.files:
            return
        found = {}
        for p in gen.rglob("*"):
            if p.is_symlink() or not (p.is_file() or p.is_dir()):
                return
            if p.is_file():
                found[p.relative_to(gen).as_posix()] = p.stat().st_size
        if found == {rel: entry.get("size") for rel, entry in live.files.items()}:
            (gen / fmt.GENERATION_MARKER).write_text(fmt.GENERATION_MARKER_TEXT, encoding="utf-8")


def _made_by_qa(path: Path) -> bool:
    """A generation (or temporary generation) folder that holds qa's marker file, never a link."""
    name = path.name[len(fmt.TMP_PREFIX):] if path.name.startswith(fmt.TMP_PREFIX) else path.name
    if not fmt.is_generation_name(name) or path.is_symlink() or not path.is_dir():
        return False
    marker = path / fmt.GENERATION_MARKER
    try:
        return (not marker.is_symlink() and marker.is_file() and marker.stat().st_size < 4096
                and marker.read_text(encoding="utf-8") == fmt.GENERATION_MARKER_TEXT)
    except (OSError, UnicodeDecodeError):
        return False


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FolderGeneration:
    """One generation folder, loaded: FAISS, memory-mapped vectors, BM25 arrays, the SQLite table."""

    def __init__(self, manifest: Manifest, folder: Path):
        self.manifest = manifest
        self.folder = folder
        large = manifest.index_type != "flat"  # big indexes stay on disk, paged in as used
        self.table = ChunkTable(folder / fmt.TABLE)
        self.faiss = dense.load_faiss(folder / fmt.DENSE, mmap=large)
        self._exact = dense.scores_exact(self.faiss)
        self.vectors = np.load(folder / fmt.VECTORS, mmap_mode="r", allow_pickle=False)
        # Read with pread a chunk's few rows at a time: an incremental build reads every reused
        # chunk's sentences once, and a mapping would keep them all resident in the build.
        self.sentence_vectors = NpyRows(folder / fmt.SENTENCE_VECTORS)
        self.lexical = LexicalIndex.load(folder / fmt.BM25, mmap=large)
        self._rows_docs: tuple[np.ndarray, list[str], np.ndarray] | None = None  # threads may both read it once
        self._vector_rows: NpyRows | None = None
        # Mapped for searching (best_sentences: 5x faster than a pread per chunk for ~170 candidates;
        # builds read `sentence_vectors`, so the mapping holds only the pages searches touched), and
        # now, not at the first search: a retriever keeps serving its generation after a build
        # replaced it and removed its folder (the mapping holds the file until closed).
        self._sentence_map = np.load(folder / fmt.SENTENCE_VECTORS, mmap_mode="r", allow_pickle=False)
        self._sentence_runs: tuple[np.ndarray, np.ndarray] | None = None  # (first, count) per chunk
        if self.faiss.ntotal != manifest.chunks or self.lexical.n_chunks != self.faiss.ntotal:
            raise IndexCorruptError(f"index at {folder.parent} is inconsistent (vectors {self.faiss.ntotal}, "
                                    f"BM25 {self.lexical.n_chunks}); run `qa build --full`")

    @property
    def n_chunks(self) -> int:
        return int(self.faiss.ntotal)

    def subset(self, doc_ids: Sequence[str]) -> np.ndarray:
        """What dense_top / lexical_top take as `within`: the documents' chunk rows, ascending."""
        return self.table.rows_of(doc_ids)

    def dense_top(self, query: np.ndarray, depth: int, within: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
        if within is not None:  # exact within the subset (IVF: enough lists probed for depth)
            return dense.search_within(self.faiss, self.vectors, query, within, depth)
        scores, rows = dense.search_faiss(self.faiss, query, depth)
        if self._exact:  # IVF at a million chunks: no random reads of vectors.npy per query
            return rows, scores
        return dense.rescore(self.vectors, query, rows)

    def dense_scores(self, query: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        return np.asarray(self.vectors[np.asarray(rows, dtype=np.int64)] @ query, dtype=np.float32)

    def lexical_top(self, query: str, depth: int, within: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
        return self.lexical.top(query, depth, within)

    def lexical_scores(self, query: str, rows: Sequence[int]) -> np.ndarray:
        return self.lexical.scores_of(query, rows)

    def knows(self, term: str) -> bool:
        return self.lexical.knows(term)

    def term_documents(self, term: str) -> dict[str, float]:
        rows = self.lexical.postings(term)
        if not len(rows):
            return {}
        of_row, doc_ids, sizes = self._row_documents()
        held = of_row[rows]
        found, counts = np.unique(held[held >= 0], return_counts=True)
        return {doc_ids[i]: float(n) / float(sizes[i]) for i, n in zip(found.tolist(), counts.tolist())}

    def _row_documents(self) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(chunk row -> document, doc_ids, chunks per document), read once (one int per chunk) on
        the first question that needs it."""
        found = self._rows_docs
        if found is None:
            of_row, doc_ids = self.table.row_documents()
            sizes = np.bincount(of_row[of_row >= 0], minlength=len(doc_ids))
            found = self._rows_docs = (of_row, doc_ids, sizes)
        return found

    def chunks(self, rows: Sequence[int]) -> dict[int, Chunk]:
        return self.table.chunks(rows)

    def chunks_of(self, doc_ids: Sequence[str]) -> dict[str, list[Chunk]]:
        return self.table.chunks_of(doc_ids)

    def find_chunk(self, chunk_id: str) -> tuple[int, Chunk] | None:
        return self.table.find_chunk(chunk_id)

    def reusable_vectors(self) -> tuple[dict[str, int], NpyRows]:
        """(text hash -> row, the vectors read by row with pread, not mapped: a build reads them once)."""
        if self._vector_rows is None:
            self._vector_rows = NpyRows(self.folder / fmt.VECTORS)
        return self.table.text_hash_rows(), self._vector_rows

    def best_sentences(self, query: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        if self._sentence_runs is None:  # read once per generation (16 bytes a chunk); threads may both read it
            self._sentence_runs = self.table.sentence_runs(self.n_chunks)
        first_of, count_of = self._sentence_runs
        rows = np.asarray(rows, dtype=np.int64)
        first, count = first_of[rows], count_of[rows]
        out = np.full(len(rows), -np.inf, dtype=np.float32)
        ends = np.cumsum(count)
        if not len(rows) or not ends[-1]:
            return out
        # every sentence row of the chunks, chunk after chunk; einsum, not BLAS: OpenBLAS's two
        # threads took 30 ms for 2,300 rows on a loaded machine (one thread, or einsum: 1 ms)
        block = self._sentence_map[np.repeat(first - ends + count, count) + np.arange(ends[-1])]
        cosines = np.einsum("ij,j->i", block, np.asarray(query, dtype=np.float32))
        has = count > 0
        out[has] = np.maximum.reduceat(cosines, (ends - count)[has])
        return out

    def sentences(self, rows: Sequence[int]) -> dict[int, ChunkSentences]:
        out = {}
        for row, (spans, first) in self.table.sentence_spans(rows).items():
            out[row] = ChunkSentences(spans, self.sentence_vectors[first:first + len(spans)])
        return out

    def documents(self) -> list[DocumentRecord]:
        return self.table.documents()

    def document(self, doc_id: str) -> DocumentRecord | None:
        return self.table.document_record(doc_id)

    def close(self) -> None:
        self.table.close()
        self.sentence_vectors.close()
        if self._vector_rows is not None:
            self._vector_rows.close()
