"""What the app does, without Gradio: answer, list documents, accept uploads, rebuild in the background.

>>> service = Service("seeds", "index")
>>> service.start()                  # loads the index, or starts building it from the seeds
>>> service.ask("what happened to Kloop Media").text
'As examples, human rights defenders cited ... [1]'

One Service per app. The chat keeps answering from the loaded index while a rebuild runs in a
background thread; the Retriever switches to the new generation only after the build has
committed it (Retriever.refresh), so a failed build leaves the old index in service.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Sequence

from qa import (Answer, BuildReport, ChangePlan, FolderWatcher, IndexNotFoundError, PageImage, PageRenderer,
                QAError, Retriever, Settings, answer, build_index, describe_location, index_settings, is_url,
                model_prepared, scan_changes)

from .uploads import ACCEPTED, MAX_UPLOAD_BYTES, RemoveResult, UploadResult, remove_document, save_upload

logger = logging.getLogger(__name__)

__all__ = ["Service", "NotReady", "BuildState", "FileRow", "ACCEPTED", "MAX_UPLOAD_BYTES", "UploadResult"]

PREPARING_MODEL = "preparing the embedding model once (about 20 s)"
LOG_EVERY_SECONDS = 5.0  # build progress lines in the terminal: at most one per stage per 5 s
MAX_PAGES_SHOWN = 3  # pages of one cited passage rendered in the viewer
REFRESH_SECONDS = 2.0
"""How often answers look for a generation that another machine committed to a database index
(one small query). A folder index is refreshed after this app's own builds, as before."""


class NotReady(RuntimeError):
    """The index is not loaded yet (first build still running, or it failed)."""


@dataclass
class BuildState:
    """The current or last background build, as the UI shows it."""

    running: bool = False
    fraction: float = 0.0
    message: str = ""
    finished: float | None = None
    error: str | None = None
    report: BuildReport | None = None


@dataclass(frozen=True)
class FileRow:
    """One line of the documents panel."""

    source: str
    size: int
    n_chunks: int | None        # None when not in the index
    indexed_at: str | None
    status: str                 # "indexed", "changed", "new", "deleted", "skipped"
    note: str = ""


@dataclass
class Service:
    seeds_dir: Path
    index_dir: Path
    settings: Settings | None = None
    retriever: Retriever | None = None
    build: BuildState = field(default_factory=BuildState)
    watcher: FolderWatcher | None = None

    def __post_init__(self) -> None:
        self.seeds_dir = Path(self.seeds_dir)
        self.index_dir = self.index_dir if is_url(self.index_dir) else Path(self.index_dir)
        self._checked = time.monotonic()
        self._shared = is_url(self.index_dir)  # other machines may rebuild it
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._logged: tuple[str, float] = ("", 0.0)
        self._pages = PageRenderer(self.seeds_dir)  # only files inside the documents folder

    # ------------------------------------------------------------ index

    def start(self) -> None:
        """Load the index if there is one; otherwise start building it from the seeds."""
        try:
            if not _prepared(self.settings or index_settings(self.index_dir)):
                logger.info(PREPARING_MODEL)
            with _without_quantization_advice():
                self.retriever = Retriever.load(self.index_dir, settings=self.settings)
        except IndexNotFoundError:
            logger.info("no index at %s yet; building it from %s", describe_location(self.index_dir),
                        self.seeds_dir.resolve())
            self.start_build()

    def start_build(self) -> bool:
        """Start a background build. False if one is already running."""
        with self._lock:
            if self.build.running:
                return False
            self.build = BuildState(running=True, message="loading the embedding model")
            self._thread = threading.Thread(target=self._run_build, name="qa-build", daemon=True)
            self._thread.start()
            return True

    def watch(self, interval: float = 1.0, debounce: float = 1.0) -> FolderWatcher:
        """Rebuild in the background whenever the documents folder changes (one build at a time)."""
        self.watcher = FolderWatcher(self.seeds_dir, self.start_build, interval=interval, debounce=debounce)
        return self.watcher.start()

    def wait_for_build(self, timeout: float | None = None) -> BuildState:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.build

    def _progress(self, fraction: float, message: str) -> None:
        """build_index's progress callback: shown in the browser, logged now and then."""
        self.build.fraction = max(0.0, min(1.0, float(fraction)))
        self.build.message = in_words(message)
        stage, last = self._logged
        now = time.monotonic()
        this_stage = re.sub(r"[\d,]+", "#", self.build.message)
        if this_stage != stage or now - last >= LOG_EVERY_SECONDS:
            self._logged = (this_stage, now)
            logger.info("build %3.0f%%: %s", 100 * self.build.fraction, self.build.message)

    def _run_build(self) -> None:
        state = self.build
        try:
            settings = self.retriever.settings if self.retriever is not None else (self.settings or Settings())
            if not _prepared(settings):
                self._progress(0.0, PREPARING_MODEL)
            with _without_quantization_advice():
                report = build_index(self.seeds_dir, self.index_dir, settings=settings, wait=5.0,
                                     progress=self._progress)
                if self.retriever is None:
                    self.retriever = Retriever.load(self.index_dir, settings=settings)
                    logger.info("index ready: %s", report_in_words(report))
                elif self.retriever.refresh():
                    logger.info("rebuild done, the chat now answers from the new index: %s", report_in_words(report))
                else:
                    logger.info("rebuild done, nothing changed: %s", report_in_words(report))
            state.report = report
            if self.watcher is not None and (report.added or report.changed or report.removed or report.renamed):
                self.watcher.recheck()  # the build may have seen a file the watcher never did
            state.message = f"done: {report_in_words(report)}"
            state.fraction = 1.0
        except Exception as exc:  # shown in the UI; the old index stays in service
            logger.exception("build failed")
            state.error = str(exc) if isinstance(exc, (QAError, OSError)) else f"{type(exc).__name__}: {exc}"
        finally:
            state.finished = time.time()
            state.running = False

    def status(self) -> dict[str, Any]:
        """Index and build status for the header line."""
        r = self.retriever
        out: dict[str, Any] = {"ready": r is not None, "building": self.build.running,
                               "fraction": self.build.fraction, "message": self.build.message,
                               "error": self.build.error, "watching": self.watcher is not None}
        if r is not None:
            m = r.manifest
            out.update(documents=len(m.documents), chunks=m.chunks, created=m.created, generation=r.generation)
        return out

    # ------------------------------------------------------------ answers

    def ask(self, question: str, *, history: Sequence[str] | None = None, k: int = 5,
            mode: str = "hybrid", per_doc: int | None = None, where: dict[str, Any] | None = None) -> Answer:
        return answer(self.current_retriever(), question, history=history, k=k, mode=mode, per_doc=per_doc,
                      where=where)

    def current_retriever(self) -> Retriever:
        """The loaded index (switched to a newer database generation now and then); NotReady if none."""
        if self.retriever is None:
            raise NotReady(self._not_ready_message())
        self._refresh_now_and_then()
        return self.retriever

    def _refresh_now_and_then(self) -> None:
        """Switch to a newer generation built elsewhere; at most one check per REFRESH_SECONDS."""
        now = time.monotonic()
        if not self._shared or now - self._checked < REFRESH_SECONDS:
            return
        self._checked = now
        try:
            self.retriever.refresh()
        except QAError as exc:  # the loaded generation keeps answering
            logger.warning("could not check %s for a newer index: %s", describe_location(self.index_dir), exc)

    def _not_ready_message(self) -> str:
        b = self.build
        if b.running:
            return (f"The index is still being built ({100 * b.fraction:.0f}%: {b.message}). "
                    "Ask again in a moment.")
        if b.error:
            return f"There is no index: building it failed ({b.error}). Fix that and press Rebuild index."
        return "There is no index yet. Add documents and press Rebuild index."

    def page_images(self, passage: dict[str, Any], sentences: Sequence[str] = ()) -> list[PageImage]:
        """The pages a PDF passage cites (at most MAX_PAGES_SHOWN), rendered with its text marked.

        Raises qa.PageNotAvailable (one line) when the file is not a PDF inside the documents folder.
        """
        first = passage.get("page")
        if first is None:
            return []
        last = min(passage.get("page_end") or first, first + MAX_PAGES_SHOWN - 1)
        return [self._pages.render(passage["source"], n, passage=passage.get("text", ""), sentences=sentences)
                for n in range(first, last + 1)]

    def document_text(self, doc_id: str) -> dict[str, Any] | None:
        record = self.retriever.document(doc_id) if self.retriever is not None else None
        return record.to_dict() if record is not None else None

    # ------------------------------------------------------------ documents panel

    def files(self) -> list[FileRow]:
        """Indexed documents plus what changed in the seeds folder since the last build."""
        skipped_at_build = ({p.source: p.reason for p in self.build.report.problems if p.skipped}
                            if self.build.report is not None else {})
        return changes_since_build(self.seeds_dir, self.retriever, skipped_at_build, self.settings or Settings())

    # ------------------------------------------------------------ uploads and removals

    def add_file(self, path: str | Path, name: str | None = None, *, replace: bool = False) -> UploadResult:
        """Save an upload into the documents folder (see ui.uploads.save_upload)."""
        limit = min(MAX_UPLOAD_BYTES, (self.settings or Settings()).max_file_bytes)
        return save_upload(self.seeds_dir, path, name, replace=replace, max_bytes=limit)

    def remove_file(self, source: str) -> RemoveResult:
        """Delete a file of the documents folder; it leaves the index at the next rebuild."""
        rows = {r.source: r for r in self.files()}
        if source not in rows:
            return RemoveResult(source, f"{source}: not removed, it is not in the documents folder", False)
        result = remove_document(self.seeds_dir, source)
        if result.ok and rows[source].n_chunks is None:  # never indexed: nothing to rebuild
            return replace(result, message=f"removed {source} from the documents folder", needs_rebuild=False)
        return result


def changes_since_build(seeds_dir: Path, retriever: Retriever | None, skipped_at_build: dict[str, str],
                        settings: Settings) -> list[FileRow]:
    """One row per file on disk or in the index, with its state relative to the last build.

    What changed is `qa.scan_changes()`'s plan, the same one the build follows.
    """
    indexed = {d.source: d for d in retriever.documents()} if retriever is not None else {}
    try:
        plan = scan_changes(seeds_dir, retriever.manifest if retriever is not None else None, settings)
    except FileNotFoundError:
        plan = ChangePlan((), ())
    skipped = {p.source: p.reason for p in plan.problems}
    skipped.update(skipped_at_build)
    size = {f.source: f.size for f in plan.files}
    rows: list[FileRow] = []
    for status, sources in (("indexed", plan.unchanged), ("changed", plan.changed)):
        rows += [FileRow(s, size[s], indexed[s].n_chunks, indexed[s].indexed_at, status)
                 for s in sources if s in indexed]
    for source in (*plan.added, *(b for _, b in plan.renamed)):
        status, note = ("skipped", skipped[source]) if source in skipped else ("new", "")
        rows.append(FileRow(source, size[source], None, None, status, note))
    for source in (*plan.removed, *(a for a, _ in plan.renamed)):
        if source in indexed:
            d = indexed[source]
            rows.append(FileRow(source, d.size, d.n_chunks, d.indexed_at, "deleted"))
    listed = {r.source for r in rows}
    rows += [FileRow(source, 0, None, None, "skipped", reason)
             for source, reason in skipped.items() if source not in listed]
    return sorted(rows, key=lambda r: r.source.lower())


_WORDS = ((re.compile(r"\bchunked (\d+)/(\d+) files"), r"read \1 of \2 files"),
          (re.compile(r"\bembedded (\d+)/(\d+) chunks"), r"embedded \1 of \2 passages"),
          (re.compile(r"\bchunks\b"), "passages"), (re.compile(r"\bchunk\b"), "passage"))


def in_words(message: str) -> str:
    """A build progress message as the app says it: "passages", "3 of 10".

    >>> in_words("embedded 120/400 chunks")
    'embedded 120 of 400 passages'
    """
    for pattern, replacement in _WORDS:
        message = pattern.sub(replacement, message)
    return message


def report_in_words(report: BuildReport) -> str:
    """BuildReport.summary() in the app's words (passages, not chunks)."""
    return in_words(report.summary())


def _prepared(settings: Settings) -> bool:
    """Whether the model loads quickly here; False means a one-time ONNX export first (~20 s)."""
    return model_prepared(settings.model, settings.backend)


def _quantization_advice(record: logging.LogRecord) -> bool:
    """False for onnxruntime's "consider pre-processing before quantization" (noise to a user)."""
    return not ("onnxruntime" in record.pathname and "pre-processing" in str(record.msg))


@contextmanager
def _without_quantization_advice() -> Iterator[None]:
    """While loading models: drop onnxruntime's advice (it warns through the root logger)."""
    root = logging.getLogger()
    root.addFilter(_quantization_advice)
    try:
        yield
    finally:
        root.removeFilter(_quantization_advice)
