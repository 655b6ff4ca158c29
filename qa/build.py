"""build_index(): documents -> chunks -> vectors -> a new index generation, incrementally.

Unchanged documents keep their chunks; vectors are reused by chunk text hash, so an edited file
re-embeds only the chunks whose text changed and a renamed file re-embeds nothing.

>>> report = build_index("seeds", "index")
>>> report.summary()
'1 documents, 4 chunks (1 added, ...) in 3.2 s'
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import dense, store
from .chunking import Chunk, chunk_document
from .config import Settings
from .documents import Document, Problem, read_document, scan
from .embedding import Embedder, ModelInfo, make_embedder, resolve_model
from .errors import QAError
from .lexical import LexicalIndex, with_title
from .table import ChunkTable, write_table

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


@dataclass
class BuildReport:
    """What a build did. `to_dict()` is what `qa build --json` prints."""

    index_dir: str
    seeds_dir: str
    documents: int = 0
    chunks: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    embedded_chunks: int = 0
    reused_vectors: int = 0
    problems: list[Problem] = field(default_factory=list)
    full_rebuild: bool = False
    full_reason: str | None = None
    generation: str | None = None
    index_type: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["renamed"] = [{"from": a, "to": b} for a, b in self.renamed]
        d["skipped"] = [{"source": p.source, "reason": p.reason} for p in self.problems if p.skipped]
        d["warnings"] = [{"source": p.source, "reason": p.reason} for p in self.problems if not p.skipped]
        del d["problems"]
        return d

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.changed)} changed",
                 f"{len(self.removed)} removed", f"{len(self.renamed)} renamed",
                 f"{self.unchanged} unchanged"]
        return (f"{self.documents} documents, {self.chunks} chunks ({', '.join(parts)}); "
                f"embedded {self.embedded_chunks} chunks, reused {self.reused_vectors} vectors; "
                f"{self.seconds:.1f} s")


def model_identity(info: ModelInfo, backend: str) -> dict[str, Any]:
    return {"name": info.name, "path": str(info.path), "fingerprint": info.fingerprint,
            "dimension": info.dimension, "max_seq_length": info.max_seq_length, "backend": backend}


def _old_index(index_dir: Path, settings: Settings, identity: dict[str, Any], full: bool):
    """(manifest, table, vectors) of the live index if it can be reused, else a reason why not."""
    try:
        manifest = store.read_manifest(index_dir)
    except store.IndexNotFoundError:
        return None, "no index yet"
    except QAError as exc:
        return None, f"the old index is unusable ({exc})"
    if full:
        return None, "--full was asked for"
    old_model = manifest.get("model", {})
    for key in ("fingerprint", "backend", "dimension"):
        if old_model.get(key) != identity[key]:
            return None, (f"the model changed ({key}: {old_model.get(key)} -> {identity[key]}); "
                          "all chunks are embedded again")
    if manifest.get("chunker") != settings.chunker.as_dict():
        return None, "the chunker settings changed; all documents are chunked and embedded again"
    try:
        gen = store.verify(index_dir, manifest, full=True)
        table = ChunkTable(gen / "chunks.sqlite")
        vectors = np.load(gen / "vectors.npy", mmap_mode="r", allow_pickle=False)
    except Exception as exc:
        return None, f"the old index is unusable ({exc})"
    return (manifest, table, vectors), None


def build_index(seeds_dir: str | Path = "seeds", index_dir: str | Path = "index", *,
                settings: Settings | None = None, full: bool = False,
                embedder: Embedder | None = None, wait: float = 0.0,
                progress: Progress | None = None) -> BuildReport:
    """Build or update the index of the documents under `seeds_dir`.

    Holds the index's build lock (waiting up to `wait` seconds); writes a new generation and
    switches to it atomically. Never modifies anything under `seeds_dir`.
    """
    settings = settings or Settings()
    seeds_dir, index_dir = Path(seeds_dir), Path(index_dir)
    t0 = time.perf_counter()
    say = progress or (lambda f, m: None)
    report = BuildReport(index_dir=str(index_dir), seeds_dir=str(seeds_dir))
    with store.build_lock(index_dir, wait=wait):
        store.clean_up(index_dir)
        if embedder is None:
            embedder = make_embedder(resolve_model(settings.model), settings.backend)
        info = embedder.info
        identity = model_identity(info, embedder.backend)
        say(0.0, "scanning documents")
        files, problems = scan(seeds_dir, max_file_bytes=settings.max_file_bytes)
        report.problems.extend(problems)

        old, reason = _old_index(index_dir, settings, identity, full)
        report.full_rebuild = old is None
        report.full_reason = reason
        if reason:
            logger.info("full rebuild: %s", reason)
        old_manifest, old_table, old_vectors = old if old else ({}, None, None)
        old_docs: dict[str, dict[str, Any]] = old_manifest.get("documents", {})
        old_by_hash = {d["hash"]: src for src, d in old_docs.items()}

        counter = info.token_counter()
        say(0.05, f"reading {len(files)} files")
        doc_records: list[dict[str, Any]] = []
        chunks: list[Chunk] = []
        current = {f.source for f in files}
        reuse_sources = [f.source for f in files if f.source in old_docs and old_docs[f.source]["hash"] == f.hash]
        reused = old_table.chunks_of([old_docs[s]["doc_id"] for s in reuse_sources]) if old_table else {}
        for i, f in enumerate(files):
            prev = old_docs.get(f.source)
            if prev and prev["hash"] == f.hash and old_table is not None:
                rec = old_table.document_record(prev["doc_id"])
                doc_records.append(rec)
                chunks.extend(reused[prev["doc_id"]])
                report.unchanged += 1
                continue
            doc, problem = read_document(f)
            if problem is not None:
                report.problems.append(problem)
            if doc is None:
                continue
            doc_chunks = chunk_document(doc, counter, settings.chunker, info.max_seq_length)
            doc_records.append(_record(doc, len(doc_chunks)))
            chunks.extend(doc_chunks)
            if prev:
                report.changed.append(f.source)
            elif f.hash in old_by_hash and old_by_hash[f.hash] not in current:
                report.renamed.append((old_by_hash[f.hash], f.source))
            else:
                report.added.append(f.source)
            if i % 50 == 0:
                say(0.05 + 0.1 * i / max(len(files), 1), f"chunked {i + 1}/{len(files)} files")
        renamed_from = {a for a, _ in report.renamed}
        report.removed = sorted(s for s in old_docs if s not in current and s not in renamed_from)
        # A file that was indexed but is unreadable now is dropped too; its problem says why.
        indexed_sources = {r["source"] for r in doc_records}
        report.removed += sorted(s for s in old_docs if s in current and s not in indexed_sources)

        if (old is not None and not (report.added or report.changed or report.removed or report.renamed)
                and old_manifest.get("lexical") == settings.lexical.as_dict()):
            # Nothing changed: keep the live generation rather than write an identical one.
            old_table.close()
            report.generation = old_manifest["generation"]
            report.index_type = old_manifest["index"]["type"]
            report.documents, report.chunks = len(doc_records), len(chunks)
            report.reused_vectors = len(chunks)
            report.seconds = time.perf_counter() - t0
            say(1.0, "index is up to date")
            return report

        vectors = _vectors(chunks, embedder, settings, old_table, old_vectors, report, say)
        if old_table is not None:
            old_table.close()
        final = write_generation(index_dir, seeds_dir, doc_records, chunks, vectors, settings,
                                 identity, say)
        index_type = store.read_manifest(index_dir)["index"]["type"]
        report.generation = final.name
        report.index_type = index_type
        report.documents = len(doc_records)
        report.chunks = len(chunks)
        report.seconds = time.perf_counter() - t0
        say(1.0, "done")
        logger.info("built %s: %s", final, report.summary())
        return report


def write_generation(index_dir: Path, seeds_dir: Path, doc_records: list[dict[str, Any]],
                     chunks: list[Chunk], vectors: np.ndarray, settings: Settings,
                     identity: dict[str, Any], say: Progress = lambda f, m: None) -> Path:
    """Write all index files for these chunks and vectors as a new generation and make it live.

    Call while holding the build lock.
    """
    say(0.9, "writing the index")
    tmp = store.new_generation(index_dir)
    np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
    index_type = dense.choose_index_type(len(chunks))
    dense.save_faiss(dense.build_faiss(vectors, index_type), tmp / "dense.faiss")
    write_table(tmp / "chunks.sqlite", doc_records, chunks)
    titles = {r["doc_id"]: r["title"] for r in doc_records}
    texts = [with_title(c.text, titles[c.doc_id]) if settings.lexical.title else c.text for c in chunks]
    LexicalIndex.build(texts, settings.lexical).save(tmp / "bm25")
    manifest = {
        "qa_version": _version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "corpus_root": str(seeds_dir.resolve()),
        "model": identity,
        "chunker": settings.chunker.as_dict(),
        "lexical": settings.lexical.as_dict(),
        "index": {"type": index_type, "chunks": len(chunks), "dimension": int(vectors.shape[1])},
        "documents": {r["source"]: {k: r[k] for k in ("doc_id", "hash", "size", "mtime", "title",
                                                        "format", "n_chunks", "indexed_at")}
                      for r in doc_records},
    }
    say(0.95, "switching to the new index")
    final = store.commit_generation(index_dir, tmp, manifest)
    say(0.98, "cleaning up old generations")
    store.clean_up(index_dir)
    return final


def _record(doc: Document, n_chunks: int) -> dict[str, Any]:
    return {"doc_id": doc.id, "source": doc.source, "title": doc.title, "hash": doc.hash,
            "size": doc.size, "mtime": doc.mtime, "format": doc.format, "n_chunks": n_chunks,
            "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "text": doc.text,
            "page_starts": list(doc.page_starts) if doc.page_starts else None,
            "line_anchors": [list(a) for a in doc.line_anchors] if doc.line_anchors else None}


def _vectors(chunks: list[Chunk], embedder: Embedder, settings: Settings, old_table: ChunkTable | None,
             old_vectors: np.ndarray | None, report: BuildReport, say: Progress) -> np.ndarray:
    """One vector per chunk: reused by text hash where possible, embedded otherwise."""
    dim = embedder.info.dimension
    out = np.zeros((len(chunks), dim), dtype=np.float32)
    old_rows = old_table.text_hash_rows() if old_table is not None else {}
    todo: dict[str, list[int]] = {}
    for i, c in enumerate(chunks):
        row = old_rows.get(c.text_hash)
        if row is not None:
            out[i] = old_vectors[row]
            report.reused_vectors += 1
        else:
            todo.setdefault(c.text_hash, []).append(i)
    groups = list(todo.values())
    texts = [chunks[rows[0]].text for rows in groups]
    if texts:
        from tqdm.auto import tqdm

        say(0.15, f"embedding {len(texts)} chunks")
        batch = max(settings.batch_size, 1) * 8
        with tqdm(total=len(texts), unit="chunk", desc="embedding",
                  disable=not settings.show_progress) as bar:
            for start in range(0, len(texts), batch):
                part = embedder.encode(texts[start:start + batch], batch_size=settings.batch_size)
                for rows, vec in zip(groups[start:start + batch], part):
                    out[rows] = vec
                bar.update(len(part))
                say(0.15 + 0.75 * bar.n / len(texts), f"embedded {bar.n}/{len(texts)} chunks")
    report.embedded_chunks = sum(len(v) for v in todo.values())
    return out


def _version() -> str:
    from . import __version__

    return __version__
