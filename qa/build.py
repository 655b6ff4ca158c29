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
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Sequence


from . import dense
from .config import Settings
from .documents import Problem, SourceFile, scan
from .device import device_note, resolve_device
from .embedding import Embedder, ModelInfo, make_embedder, resolve_model
from .errors import IndexLocationError, IndexNotFoundError, QAError
from .formats import READER_RULES
from .index import Generation, Manifest, Store, open_store
from .index import is_url
from .index.staging import GenerationWriter
from .index.format import FORMAT_VERSION
from .answer.sentences import REPRESENTATION
from .text import SENTENCE_RULES
from .lexical import with_title
from .assembly import KeptDocuments, VectorAssembly
from .pipeline import PoolRunner, default_workers
from .progress import READ_START, BuildProgress, Events, Progress, counted
from .resume import RESUME_FILE, ResumeCache

logger = logging.getLogger(__name__)


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
    resumed_vectors: int = 0  # chunk vectors taken from an interrupted build's resume cache
    device: str | None = None  # where the chunks were embedded: "embedding on cpu, onnx-int8 backend"
    problems: list[Problem] = field(default_factory=list)
    full_rebuild: bool = False
    full_reason: str | None = None
    generation: str | None = None
    index_type: str | None = None
    seconds: float = 0.0
    ocr_pages: int = 0       # PDF pages read by OCR in this build
    ocr_seconds: float = 0.0

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
        return (f"{counted(self.documents, 'document')}, {counted(self.chunks, 'chunk')} ({', '.join(parts)}); "
                f"embedded {counted(self.embedded_chunks, 'chunk')}, reused {counted(self.reused_vectors, 'vector')}"
                f"{f', resumed {self.resumed_vectors}' if self.resumed_vectors else ''}; "
                f"{self.seconds:.1f} s"
                + (f"; OCR read {counted(self.ocr_pages, 'page')} in {self.ocr_seconds:.1f} s" if self.ocr_pages else ""))



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
    # Files of a format whose reader's rules changed since the index was built are read again.
    stale = {suffix for suffix, rules in READER_RULES.items()
             if manifest is not None and manifest.readers.get(suffix, 1) != rules}
    current = {f.source for f in files}
    old_by_hash = {entry["hash"]: src for src, entry in old.items()}
    unchanged, changed, added, renamed = [], [], [], []
    for f in files:
        prev = old.get(f.source)
        again = PurePosixPath(f.source).suffix.lower() in stale
        if prev is not None and prev["hash"] == f.hash and not again:
            unchanged.append(f.source)
        elif prev is not None:
            changed.append(f.source)
        elif f.hash in old_by_hash and old_by_hash[f.hash] not in current and not again:
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
    if manifest.answer_model.get("sentence_rules", 1) != SENTENCE_RULES:
        return None, "the sentence rules changed (qa.text.SENTENCE_RULES); all chunks are embedded again"
    try:
        return store.load(verify=True), None
    except Exception as exc:
        return None, f"the old index is unusable ({exc})"


def check_locations(seeds_dir: Path, index: str | Path) -> None:
    """Refuse, before anything is created, a build that cannot succeed or would write where it must not.

    The documents folder must exist; a folder index must not be a file, nor lie inside the
    documents folder (or be it), nor hold it (qa's clean-up owns what is in the index folder).
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
    if index_path in seeds.parents:
        raise IndexLocationError(f"the documents folder {seeds} is inside the index folder {index_path}; "
                                 "keep documents out of it: move them or give another --index")
    if index_path.exists() and not index_path.is_dir():
        raise IndexLocationError(f"--index {Path(index).absolute()} is a file, not a folder; give a folder")


def build_index(seeds_dir: str | Path = "seeds", index_dir: str | Path = "index", *,
                settings: Settings | None = None, full: bool = False,
                embedder: Embedder | None = None, wait: float = 0.0,
                progress: Progress | None = None, workers: int | None = None,
                events: Events | None = None, ray: str | None = None) -> BuildReport:
    """Build or update the index of the documents under `seeds_dir`.

    `index_dir` is a folder or a `postgresql://` URL. Holds the index's build lock (waiting up to
    `wait` seconds); writes a new generation and switches to it atomically. Never writes anything
    under `seeds_dir`. Files are read and chunked in `workers` processes (default: the cores
    available); new chunks are embedded in batches, each kept in a folder index's resume cache
    until the generation is live, so a killed build's next run embeds only the rest. `progress`
    gets (fraction, message), `events` one dict per progress event (qa.progress). With `ray`
    (a Ray cluster's address) reading and embedding run as tasks there (qa.distributed).
    """
    settings = settings or Settings()
    seeds_dir = Path(seeds_dir)
    check_locations(seeds_dir, index_dir)
    store = open_store(index_dir)
    t0 = time.perf_counter()
    meter = BuildProgress(show_bar=settings.show_progress, progress=progress, events=events)
    say = meter.stage
    report = BuildReport(index_dir=str(index_dir), seeds_dir=str(seeds_dir))
    with store.lock(wait=wait):
        store.clean_up()
        given_embedder = embedder
        if embedder is None:
            device = resolve_device(settings.device, settings.backend)
            embedder = make_embedder(resolve_model(settings.model), settings.backend, device=device)
        report.device = device_note(getattr(embedder, "device", "cpu"), embedder.backend)
        logger.info(report.device)
        identity = model_identity(embedder.info, embedder.backend)
        say(0.0, "scanning documents")
        old, reason = _old_generation(store, settings, identity, full)
        report.full_rebuild, report.full_reason = old is None, reason
        if reason:
            logger.info("full rebuild: %s", reason)
        plan = scan_changes(seeds_dir, old.manifest if old else None, settings)
        report.problems.extend(plan.problems)
        if (old is not None and not plan.pending and old.manifest.lexical == settings.lexical.as_dict()
                and old.manifest.format_version == FORMAT_VERSION):  # an older format is rewritten
            # Nothing changed: keep the live generation rather than write an identical one.
            report.generation, report.index_type = old.manifest.generation, old.manifest.index_type
            report.documents, report.chunks = len(old.manifest.documents), old.manifest.chunks
            report.unchanged = report.documents
            report.reused_vectors = report.chunks
            old.close()
            report.seconds = time.perf_counter() - t0
            say(1.0, "index is up to date")
            return report
        cache = _resume_cache(store, identity)
        runner = writer = None
        try:
            if ray:
                from .distributed import RayRunner

                runner = RayRunner.connect(ray, settings, None if given_embedder is None else embedder)
            else:
                own_model = given_embedder is None and getattr(embedder, "device", "cpu") == "cpu"
                runner = _local_runner(embedder, settings, default_workers() if workers is None else workers,
                                       own_model)
            writer = store.new_generation(int(embedder.info.dimension), settings.lexical.as_dict())
            meter.begin(len(plan.files))
            say(READ_START, f"reading {counted(len(plan.files), 'file')}")
            _stream(plan, old, embedder, settings, report, meter, runner, cache, writer)
        except BaseException:
            if writer is not None:
                store.discard(writer)
            _keep_for_resume(cache)
            raise
        finally:
            meter.close()
            if runner is not None:
                runner.close()
            if old is not None:
                old.close()
        if report.resumed_vectors:
            logger.info("resumed: %d chunk vectors from the interrupted build's cache", report.resumed_vectors)
        say(0.9, "writing the index")
        n_chunks = writer.n_chunks
        manifest = Manifest(
            generation="gen-new", model=identity, chunker=settings.chunker.as_dict(),
            lexical=settings.lexical.as_dict(), index_type=dense.choose_index_type(n_chunks),
            chunks=n_chunks, dimension=int(embedder.info.dimension),
            documents={r.source: r.entry() for r in writer.documents},
            corpus_root=str(seeds_dir.resolve()), created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            qa_version=_version(), answer_model=answer_identity(), readers=dict(READER_RULES))
        n_documents = len(writer.documents)
        try:
            manifest = store.commit_generation(writer, manifest, progress=lambda m: say(0.95, m))
        except BaseException:
            _keep_for_resume(cache)
            raise
        if cache is not None:
            cache.remove()  # its vectors are in the live generation now
        say(0.98, "cleaning up old generations")
        store.clean_up()
        report.generation, report.index_type = manifest.generation, manifest.index_type
        report.documents, report.chunks = n_documents, n_chunks
        report.seconds = time.perf_counter() - t0
        say(1.0, "done")
        logger.info("built %s: %s", manifest.generation, report.summary())
        return report


def _local_runner(embedder: Embedder, settings: Settings, workers: int, own_model: bool
                  ) -> PoolRunner:
    """One process for everything (--workers 1), or a pool of `workers` processes that read and,
    when the model is the one `settings` names, on the CPU (`own_model`), embed too (a GPU
    embeds in this process)."""
    return PoolRunner(embedder, settings, workers, embed_in_pool=own_model)


def _keep_for_resume(cache: ResumeCache | None) -> None:
    """A failed or interrupted build keeps what it embedded for the next one (an empty cache goes)."""
    if cache is None:
        return
    try:
        empty = len(cache) == 0
    except sqlite3.Error:  # the cache itself failed (a full disk): leave it as it is
        empty = False
    if empty:
        cache.remove()
    else:
        cache.close()


def _resume_cache(store: Store, identity: dict[str, Any]) -> ResumeCache | None:
    """A folder index's resume cache (a database index has none: a build there starts again)."""
    folder = getattr(store, "path", None)
    if folder is None:
        return None
    return ResumeCache.open(Path(folder) / RESUME_FILE, {**identity, "sentence_vectors": REPRESENTATION,
                                                         "sentence_rules": SENTENCE_RULES})


def answer_identity() -> dict[str, Any]:
    """What the stored sentence data was made for: the answer scorer's weights and representation."""
    from .answer.scorer import load_scorer

    return {"scorer_fingerprint": load_scorer().fingerprint, "sentence_vectors": REPRESENTATION,
            "sentence_rules": SENTENCE_RULES}


def _stream(plan: ChangePlan, old: Generation | None, embedder: Embedder, settings: Settings,
            report: BuildReport, progress: "BuildProgress", runner: PoolRunner, cache: ResumeCache | None,
            writer: GenerationWriter) -> None:
    """Every document, in file order, into `writer`: unchanged ones from the old generation, the
    rest read and chunked by `runner` (a process pool or a Ray cluster) as a stream; new chunks are
    embedded in batches (each saved to `cache`). Memory holds a batch, not the corpus."""
    old_docs = old.manifest.documents if old is not None else {}
    keep = set(plan.unchanged) if old is not None else set()
    kind = {**{s: "changed" for s in plan.changed}, **{s: "added" for s in plan.added},
            **{b: "renamed" for _, b in plan.renamed}}
    renamed = dict((b, (a, b)) for a, b in plan.renamed)
    vectors = VectorAssembly(runner, settings, old, progress, cache, writer)
    todo = [f for f in plan.files if f.source not in keep]
    read = iter(runner.read(todo, settings, embedder.info))
    kept = KeptDocuments(old, [old_docs[f.source]["doc_id"] for f in plan.files if f.source in keep])
    indexed = set()
    for f in plan.files:
        if f.source in keep:
            record, chunks = kept.next()
            report.unchanged += 1
        else:
            done, result = next(read)
            if done.source != f.source:
                raise RuntimeError(f"files read out of order: {done.source} where {f.source} was due")
            if result.problem is not None:
                report.problems.append(result.problem)
            record, chunks = result.record, result.chunks
            if record is not None:
                report.ocr_pages += result.ocr_pages
                report.ocr_seconds += result.ocr_seconds
                what = kind.get(f.source, "added") if old is not None else "added"
                if what == "renamed":
                    report.renamed.append(renamed[f.source])
                else:
                    getattr(report, what).append(f.source)
        progress.file_done(len(chunks))
        if record is None:
            continue
        writer.add_document(record)
        indexed.add(record.source)
        vectors.add(chunks, [with_title(c.text, record.title) if settings.lexical.title else c.text
                             for c in chunks])
    vectors.finish()
    report.removed = list(plan.removed) if old is not None else []
    # A file that was indexed but is unreadable now is dropped too; its problem says why.
    on_disk = {f.source for f in plan.files}
    report.removed += sorted(s for s in old_docs if s in on_disk and s not in indexed)
    report.reused_vectors += vectors.reused
    report.resumed_vectors, report.embedded_chunks = vectors.resumed, vectors.embedded


def _version() -> str:
    from .version import __version__

    return __version__
