"""build_index(): plan -> reuse -> read, chunk and embed what is new -> write a new generation.

Unchanged documents keep their chunks; vectors (of chunks and of their sentences) are reused by
chunk text hash, so an edited file re-embeds only the chunks whose text changed and a renamed
file re-embeds nothing. `plan_changes()` says what changed since the last build, for the build
and for the UI's documents panel alike.

>>> report = build_index("seeds", "index")
>>> report.summary()
'1 documents, 4 chunks (1 added, ...) in 3.2 s'
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from . import dense
from .chunking import Chunk, chunk_document
from .config import Settings
from .documents import Document, Problem, SourceFile, read_document, scan
from .embedding import Embedder, ModelInfo, make_embedder, resolve_model
from .errors import IndexNotFoundError, QAError
from .index import ChunkSentences, DocumentRecord, Generation, Manifest, Store, open_store
from .index import is_url
from .answer.sentences import REPRESENTATION, chunk_vectors
from .lexical import with_title

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
        return (f"{_count(self.documents, 'document')}, {_count(self.chunks, 'chunk')} ({', '.join(parts)}); "
                f"embedded {_count(self.embedded_chunks, 'chunk')}, reused {_count(self.reused_vectors, 'vector')}; "
                f"{self.seconds:.1f} s")


def _count(n: int, noun: str) -> str:
    """`_count(1, "document") -> '1 document'`, `_count(2, "document") -> '2 documents'`."""
    return f"{n} {noun}{'s' * (n != 1)}"



@dataclass(frozen=True)
class ChangePlan:
    """What changed in the documents folder since the last build (sources are relative paths)."""

    files: tuple[SourceFile, ...]           # every supported file found, hashed
    problems: tuple[Problem, ...]           # files skipped while scanning, with reasons
    unchanged: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()  # (old source, new source), same content

    @property
    def pending(self) -> bool:
        """Whether a build would change the index."""
        return bool(self.changed or self.added or self.removed or self.renamed)


def plan_changes(files: Sequence[SourceFile], manifest: Manifest | None,
                 problems: Sequence[Problem] = ()) -> ChangePlan:
    """Compare the files found now with the documents of an index's manifest. Pure.

    >>> plan_changes([], None).pending
    False
    """
    old = manifest.documents if manifest is not None else {}
    current = {f.source for f in files}
    old_by_hash = {entry["hash"]: src for src, entry in old.items()}
    unchanged, changed, added, renamed = [], [], [], []
    for f in files:
        prev = old.get(f.source)
        if prev is not None and prev["hash"] == f.hash:
            unchanged.append(f.source)
        elif prev is not None:
            changed.append(f.source)
        elif f.hash in old_by_hash and old_by_hash[f.hash] not in current:
            renamed.append((old_by_hash[f.hash], f.source))
        else:
            added.append(f.source)
    renamed_from = {a for a, _ in renamed}
    removed = sorted(s for s in old if s not in current and s not in renamed_from)
    return ChangePlan(tuple(files), tuple(problems), tuple(unchanged), tuple(changed), tuple(added),
                      tuple(removed), tuple(renamed))


def scan_changes(seeds_dir: str | Path, manifest: Manifest | None, settings: Settings | None = None
                 ) -> ChangePlan:
    """Scan the documents folder and plan against `manifest` (None: everything is new)."""
    settings = settings or Settings()
    files, problems = scan(seeds_dir, max_file_bytes=settings.max_file_bytes,
                           follow_symlinks=settings.follow_symlinks)
    return plan_changes(files, manifest, problems)


def model_identity(info: ModelInfo, backend: str) -> dict[str, Any]:
    return {"name": info.name, "path": str(info.path), "fingerprint": info.fingerprint,
            "dimension": info.dimension, "max_seq_length": info.max_seq_length, "backend": backend}


def _old_generation(store: Store, settings: Settings, identity: dict[str, Any], full: bool
                    ) -> tuple[Generation | None, str | None]:
    """The live generation if it can be reused, else None and the reason why not."""
    try:
        manifest = store.read_manifest()
    except IndexNotFoundError:
        return None, "no index yet"
    except QAError as exc:
        return None, f"the old index is unusable ({exc})"
    if full:
        return None, "--full was asked for"
    for key in ("fingerprint", "backend", "dimension"):
        if manifest.model.get(key) != identity[key]:
            return None, (f"the model changed ({key}: {manifest.model.get(key)} -> {identity[key]}); "
                          "all chunks are embedded again")
    if manifest.chunker != settings.chunker.as_dict():
        return None, "the chunker settings changed; all documents are chunked and embedded again"
    try:
        return store.load(verify=True), None
    except Exception as exc:
        return None, f"the old index is unusable ({exc})"


def check_locations(seeds_dir: Path, index: str | Path) -> None:
    """Refuse, before anything is created, a build that cannot succeed or would write where it must not.

    The documents folder must exist; a folder index must not be a file, nor lie inside the
    documents folder (or be it).
    """
    if not seeds_dir.is_dir():
        what = "is not a folder" if seeds_dir.exists() else "does not exist"
        raise FileNotFoundError(f"no documents folder: {seeds_dir.absolute()} {what}; give one with --seeds")
    if is_url(index):
        return
    index_path, seeds = Path(index).resolve(), seeds_dir.resolve()
    if index_path == seeds or seeds in index_path.parents:
        raise IndexLocationError(f"the index folder {index_path} is inside the documents folder {seeds}; "
                                 "a build never writes there: give another --index")
    if index_path.exists() and not index_path.is_dir():
        raise IndexLocationError(f"--index {Path(index).absolute()} is a file, not a folder; give a folder")


class IndexLocationError(QAError, ValueError):
    """The index location cannot be used (inside the documents folder, or a file)."""


def build_index(seeds_dir: str | Path = "seeds", index_dir: str | Path = "index", *,
                settings: Settings | None = None, full: bool = False,
                embedder: Embedder | None = None, wait: float = 0.0,
                progress: Progress | None = None) -> BuildReport:
    """Build or update the index of the documents under `seeds_dir`.

    `index_dir` is a folder or a `postgresql://` URL. Holds the index's build lock (waiting up to
    `wait` seconds); writes a new generation and switches to it atomically. Never writes anything
    under `seeds_dir`.
    """
    settings = settings or Settings()
    seeds_dir = Path(seeds_dir)
    check_locations(seeds_dir, index_dir)
    store = open_store(index_dir)
    t0 = time.perf_counter()
    say = progress or (lambda f, m: None)
    report = BuildReport(index_dir=str(index_dir), seeds_dir=str(seeds_dir))
    with store.lock(wait=wait):
        store.clean_up()
        if embedder is None:
            embedder = make_embedder(resolve_model(settings.model), settings.backend)
        identity = model_identity(embedder.info, embedder.backend)
        say(0.0, "scanning documents")
        old, reason = _old_generation(store, settings, identity, full)
        report.full_rebuild, report.full_reason = old is None, reason
        if reason:
            logger.info("full rebuild: %s", reason)
        plan = scan_changes(seeds_dir, old.manifest if old else None, settings)
        report.problems.extend(plan.problems)
        try:
            records, chunks = _gather(plan, old, embedder.info, settings, report, say)
            if (old is not None and not (report.added or report.changed or report.removed or report.renamed)
                    and old.manifest.lexical == settings.lexical.as_dict()):
                # Nothing changed: keep the live generation rather than write an identical one.
                report.generation, report.index_type = old.manifest.generation, old.manifest.index_type
                report.documents, report.chunks = len(records), len(chunks)
                report.reused_vectors = len(chunks)
                report.seconds = time.perf_counter() - t0
                say(1.0, "index is up to date")
                return report
            vectors, sentences = _vectors(chunks, embedder, settings, old, report, say)
        finally:
            if old is not None:
                old.close()
        say(0.9, "writing the index")
        manifest = Manifest(
            generation="gen-new", model=identity, chunker=settings.chunker.as_dict(),
            lexical=settings.lexical.as_dict(), index_type=dense.choose_index_type(len(chunks)),
            chunks=len(chunks), dimension=int(embedder.info.dimension),
            documents={r.source: r.entry() for r in records},
            corpus_root=str(seeds_dir.resolve()), created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            qa_version=_version(), answer_model=answer_identity())
        titles = {r.doc_id: r.title for r in records}
        lexical_texts = [with_title(c.text, titles[c.doc_id]) if settings.lexical.title else c.text
                         for c in chunks]
        manifest = store.write_generation(manifest, records, chunks, vectors, lexical_texts, sentences,
                                          progress=lambda m: say(0.95, m))
        say(0.98, "cleaning up old generations")
        store.clean_up()
        report.generation, report.index_type = manifest.generation, manifest.index_type
        report.documents, report.chunks = len(records), len(chunks)
        report.seconds = time.perf_counter() - t0
        say(1.0, "done")
        logger.info("built %s: %s", manifest.generation, report.summary())
        return report


def answer_identity() -> dict[str, Any]:
    """What the stored sentence data was made for: the answer scorer's weights and representation."""
    from .answer.scorer import load_scorer

    return {"scorer_fingerprint": load_scorer().fingerprint, "sentence_vectors": REPRESENTATION}


def _gather(plan: ChangePlan, old: Generation | None, info: ModelInfo, settings: Settings,
            report: BuildReport, say: Progress) -> tuple[list[DocumentRecord], list[Chunk]]:
    """Reuse the records and chunks of unchanged documents; read and chunk the rest."""
    old_docs = old.manifest.documents if old is not None else {}
    keep = set(plan.unchanged) if old is not None else set()
    reused = old.chunks_of([old_docs[s]["doc_id"] for s in keep]) if old is not None else {}
    old_records = {d.doc_id: d for d in old.documents()} if old is not None and keep else {}
    counter = info.token_counter()
    kind = {**{s: "changed" for s in plan.changed}, **{s: "added" for s in plan.added},
            **{b: "renamed" for _, b in plan.renamed}}
    records: list[DocumentRecord] = []
    chunks: list[Chunk] = []
    say(0.05, f"reading {_count(len(plan.files), 'file')}")
    for i, f in enumerate(plan.files):
        if f.source in keep:
            doc_id = old_docs[f.source]["doc_id"]
            records.append(_stored(old, old_records[doc_id]))
            chunks.extend(reused[doc_id])
            report.unchanged += 1
            continue
        doc, problem = read_document(f, settings)
        if problem is not None:
            report.problems.append(problem)
        if doc is None:
            continue
        doc_chunks = chunk_document(doc, counter, settings.chunker, info.max_seq_length)
        records.append(_record(doc, len(doc_chunks)))
        chunks.extend(doc_chunks)
        what = kind.get(f.source, "added") if old is not None else "added"
        if what == "renamed":
            report.renamed.append(next(p for p in plan.renamed if p[1] == f.source))
        else:
            getattr(report, what).append(f.source)
        if i % 20 == 0:
            say(0.05 + 0.1 * i / max(len(plan.files), 1), f"read {i + 1} of {len(plan.files)} files")
    report.removed = list(plan.removed) if old is not None else []
    # A file that was indexed but is unreadable now is dropped too; its problem says why.
    indexed = {r.source for r in records}
    on_disk = {f.source for f in plan.files}
    report.removed += sorted(s for s in old_docs if s in on_disk and s not in indexed)
    return records, chunks


def _stored(old: Generation, listing: DocumentRecord) -> DocumentRecord:
    """An unchanged document's full stored record (text and offset maps) for the new generation."""
    full = old.document(listing.doc_id)
    return full if full is not None else listing


def _record(doc: Document, n_chunks: int) -> DocumentRecord:
    return DocumentRecord(
        doc_id=doc.id, source=doc.source, title=doc.title, hash=doc.hash, size=doc.size, mtime=doc.mtime,
        format=doc.format, n_chunks=n_chunks, indexed_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        text=doc.text, page_starts=tuple(doc.page_starts) if doc.page_starts else None,
        line_anchors=tuple(tuple(a) for a in doc.line_anchors) if doc.line_anchors else None)


def _vectors(chunks: list[Chunk], embedder: Embedder, settings: Settings, old: Generation | None,
             report: BuildReport, say: Progress) -> tuple[np.ndarray, list[ChunkSentences]]:
    """One vector per chunk and its sentences' vectors: reused by text hash, embedded otherwise."""
    dim = embedder.info.dimension
    out = np.zeros((len(chunks), dim), dtype=np.float32)
    sentences: list[ChunkSentences | None] = [None] * len(chunks)
    old_rows, old_vectors = old.reusable_vectors() if old is not None else ({}, None)
    todo: dict[str, list[int]] = {}
    reuse: dict[int, int] = {}
    for i, c in enumerate(chunks):
        row = old_rows.get(c.text_hash)
        if row is not None:
            out[i] = old_vectors[row]
            reuse[i] = row
            report.reused_vectors += 1
        else:
            todo.setdefault(c.text_hash, []).append(i)
    if reuse:
        stored = old.sentences(sorted(set(reuse.values())))
        for i, row in reuse.items():
            sentences[i] = stored.get(row)
    groups = list(todo.values())
    texts = [chunks[rows[0]].text for rows in groups]
    if texts:
        from tqdm.auto import tqdm

        say(0.15, f"embedding {_count(len(texts), 'passage')}")
        batch = max(settings.batch_size, 1) * 8
        done = 0
        with tqdm(total=len(texts), unit="passage", desc="embedding",
                  disable=not settings.show_progress) as bar:
            for start in range(0, len(texts), batch):
                part_texts = texts[start:start + batch]
                part, part_sentences = chunk_vectors(part_texts, embedder, settings.batch_size)
                for rows, vec, sent in zip(groups[start:start + batch], part, part_sentences):
                    out[rows] = vec
                    for r in rows:
                        sentences[r] = ChunkSentences(*sent)
                bar.update(len(part))  # tqdm counts nothing when disabled: keep our own count
                done += len(part)
                say(0.15 + 0.75 * done / len(texts), f"embedded {done} of {len(texts)} passages")
    report.embedded_chunks = sum(len(v) for v in todo.values())
    empty = ChunkSentences(np.zeros((0, 2), np.int32), np.zeros((0, dim), np.float32))
    return out, [s if s is not None else empty for s in sentences]


def _version() -> str:
    from . import __version__

    return __version__
