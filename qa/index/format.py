"""The index format, in one place: the manifest, the record types, and the names of the files.

Every store (a folder, PostgreSQL) keeps the same logical content; this module says what it is.

>>> m = Manifest.from_dict(json.loads(Path("index/manifest.json").read_text()), "index")
>>> m.index_type, m.chunks, m.model["name"]
('flat', 4, 'bundled:all-MiniLM-L6-v2')
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Mapping

from ..errors import IndexCorruptError

FORMAT = "qa-index"
FORMAT_VERSION = 3
"""2: sentence spans and vectors stored per chunk (build-time answer work).
3: each document's language (qa.language.detect) stored with it, for `where={"language": ...}`."""
READABLE_VERSIONS = (2, 3)
"""Versions this qa reads. A version 2 index searches as before; only a language filter needs a
rebuild (qa.filters says so)."""

# The files of a folder index. Only this module spells them.
MANIFEST = "manifest.json"
DENSE = "dense.faiss"            # FAISS index over the chunk vectors (row i = chunk row i)
VECTORS = "vectors.npy"          # the same vectors, float32, reused by incremental builds
TABLE = "chunks.sqlite"          # documents, chunks and sentence spans
BM25 = "bm25"                    # bm25s arrays (.npy) and vocabulary (.json)
SENTENCE_VECTORS = "sentences.npy"  # one unit vector per sentence row of the table
LOCK = ".lock"
TMP_PREFIX = ".tmp-"
TMP_MANIFEST = TMP_PREFIX + MANIFEST  # the next manifest while it is written
# Written into every generation folder qa creates: clean-up deletes a folder only if it holds this
# file, so a user's `gen-notes` or `.tmp-docs` in the index folder is never ours to delete.
GENERATION_MARKER = ".qa-generation"
GENERATION_MARKER_TEXT = "a generation of a qa index, written by qa build; qa deletes it when it is old\n"

_GENERATION = re.compile(r"^gen-[0-9A-Za-z_-]{1,100}$")


def is_generation_name(name: str) -> bool:
    """A plain generation name, never a path: `is_generation_name("../x/gen-1") -> False`."""
    return isinstance(name, str) and bool(_GENERATION.match(name))


_FILE_PART = re.compile(r"^[0-9A-Za-z_][0-9A-Za-z._-]{0,200}$")  # no "", ".", ".." nor hidden names


def is_generation_file(key: str) -> bool:
    """A plain file path inside a generation, never a way out of it:
    `is_generation_file("bm25/vocab.index.json") -> True`, `is_generation_file("../../etc/shadow") -> False`."""
    return isinstance(key, str) and len(key) <= 1000 and all(_FILE_PART.match(p) for p in key.split("/"))


def _check_files(files: Mapping[str, Any], where: str) -> None:
    """Every `files` entry names a plain file of the generation with a size and a sha256."""
    for key, entry in files.items():
        if not is_generation_file(key):
            raise IndexCorruptError(f"index manifest at {where} names a file {key!r} that is not a plain file "
                                    "of its generation; run `qa build --full`")
        if not (isinstance(entry, Mapping) and type(entry.get("size")) is int and entry["size"] >= 0
                and isinstance(entry.get("sha256"), str)):
            raise IndexCorruptError(f"index manifest at {where} has no size and checksum for {key!r}; "
                                    "run `qa build --full`")


@dataclass(frozen=True)
class DocumentRecord:
    """One indexed document. `text`, `page_starts` and `line_anchors` are None in listings."""

    doc_id: str
    source: str
    title: str
    hash: str
    size: int
    mtime: float
    format: str
    n_chunks: int
    indexed_at: str
    text: str | None = None
    page_starts: tuple[int, ...] | None = None
    line_anchors: tuple[tuple[int, int], ...] | None = None
    language: str | None = None  # ISO 639-1 code; None in an index older than format version 3

    def entry(self) -> dict[str, Any]:
        """What the manifest keeps about it (no text)."""
        return {k: getattr(self, k) for k in _ENTRY_KEYS}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["page_starts"] = list(self.page_starts) if self.page_starts else None
        d["line_anchors"] = [list(a) for a in self.line_anchors] if self.line_anchors else None
        return d

    def listing(self) -> "DocumentRecord":
        """The same record without its text."""
        return replace(self, text=None, page_starts=None, line_anchors=None)


_ENTRY_KEYS = ("doc_id", "hash", "size", "mtime", "title", "format", "n_chunks", "indexed_at")


@dataclass(frozen=True)
class Manifest:
    """What an index is: its generation, how it was built, and which documents it holds.

    `model` is the model identity (name, path, fingerprint, dimension, max_seq_length, backend);
    `chunker` and `lexical` are the settings' `as_dict()`; `documents` maps source -> entry
    (DocumentRecord.entry()); `files` maps a generation file to its sha256 and size (folder
    stores only).
    """

    generation: str
    model: dict[str, Any]
    chunker: dict[str, Any]
    lexical: dict[str, Any]
    index_type: str
    chunks: int
    dimension: int
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    corpus_root: str = ""
    created: str = ""
    qa_version: str = ""
    answer_model: dict[str, Any] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    readers: dict[str, int] = field(default_factory=dict)  # qa.formats.READER_RULES it was read with

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "format_version": self.format_version, "generation": self.generation,
            "qa_version": self.qa_version, "created": self.created, "corpus_root": self.corpus_root,
            "model": dict(self.model), "chunker": dict(self.chunker), "lexical": dict(self.lexical),
            "index": {"type": self.index_type, "chunks": self.chunks, "dimension": self.dimension},
            "answer_model": dict(self.answer_model), "readers": dict(self.readers),
            "documents": {s: dict(e) for s, e in self.documents.items()}, "files": dict(self.files),
        }

    @classmethod
    def from_dict(cls, d: Any, where: str) -> "Manifest":
        """Validate a manifest read from `where`; IndexCorruptError says what to run if it is bad."""
        if not isinstance(d, Mapping) or d.get("format") != FORMAT:
            raise IndexCorruptError(f"{where} is not a qa index manifest; run `qa build --full`")
        if d.get("format_version") not in READABLE_VERSIONS:
            raise IndexCorruptError(
                f"index at {where} has format version {d.get('format_version')}, this qa reads "
                f"version {FORMAT_VERSION}; run `qa build --full` to rebuild it")
        try:
            index = d["index"]
            m = cls(generation=d["generation"], model=dict(d["model"]), chunker=dict(d["chunker"]),
                    lexical=dict(d["lexical"]), index_type=str(index["type"]), chunks=int(index["chunks"]),
                    dimension=int(index["dimension"]), documents=dict(d.get("documents") or {}),
                    corpus_root=str(d.get("corpus_root") or ""), created=str(d.get("created") or ""),
                    qa_version=str(d.get("qa_version") or ""),
                    answer_model=dict(d.get("answer_model") or {}), files=dict(d.get("files") or {}),
                    format_version=int(d["format_version"]),
                    readers={str(k): int(v) for k, v in dict(d.get("readers") or {}).items()})
            for key in ("name", "fingerprint", "dimension"):
                m.model[key]  # noqa: B018 - presence check
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexCorruptError(f"index manifest at {where} is incomplete ({exc}); "
                                    "run `qa build --full`") from None
        if not is_generation_name(m.generation):
            raise IndexCorruptError(f"index manifest at {where} names an invalid generation "
                                    f"{m.generation!r}; run `qa build --full`")
        _check_files(m.files, where)
        return m

    def with_(self, **changes: Any) -> "Manifest":
        return replace(self, **changes)
