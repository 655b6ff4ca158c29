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
import os
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from qa import BuildReport, QAError, Retriever, Settings, build_index
from qa.answer import Answer, answer
from qa.config import SUPPORTED_SUFFIXES
from qa.documents import SourceFile, read_document, scan

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
REFRESH_SECONDS = 2.0
"""How often answers look for a generation that another machine committed to a database index
(one small query). A folder index is refreshed after this app's own builds, as before."""
ACCEPTED = tuple(sorted(SUPPORTED_SUFFIXES))


class NotReady(RuntimeError):
    """The index is not loaded yet (first build still running, or it failed)."""


@dataclass
class BuildState:
    """The current or last background build, as the UI shows it."""

    running: bool = False
    fraction: float = 0.0
    message: str = ""
    started: float | None = None
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


@dataclass(frozen=True)
class UploadResult:
    name: str                   # what the user sent
    saved_as: str | None        # the file name in the seeds folder, None if refused
    message: str
    ok: bool


@dataclass
class Service:
    seeds_dir: Path
    index_dir: Path
    settings: Settings | None = None
    retriever: Retriever | None = None
    build: BuildState = field(default_factory=BuildState)

    def __post_init__(self) -> None:
        from qa.index import is_url

        self.seeds_dir = Path(self.seeds_dir)
        self.index_dir = self.index_dir if is_url(self.index_dir) else Path(self.index_dir)
        self._checked = time.monotonic()
        self._shared = is_url(self.index_dir)  # other machines may rebuild it
        self._lock = threading.Lock()
        self._upload_lock = threading.Lock()
        self._build_embedder = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ index

    def start(self) -> None:
        """Load the index if there is one; otherwise start building it from the seeds."""
        from qa.errors import IndexNotFoundError

        try:
            self.retriever = Retriever.load(self.index_dir, settings=self.settings)
        except IndexNotFoundError:
            logger.info("no index at %s yet; building it from %s", self.index_dir, self.seeds_dir)
            self.start_build()

    def start_build(self) -> bool:
        """Start a background build. False if one is already running."""
        with self._lock:
            if self.build.running:
                return False
            self.build = BuildState(running=True, started=time.time(), message="starting")
            self._thread = threading.Thread(target=self._run_build, name="qa-build", daemon=True)
            self._thread.start()
            return True

    def wait_for_build(self, timeout: float | None = None) -> BuildState:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.build

    def _progress(self, fraction: float, message: str) -> None:
        self.build.fraction = max(0.0, min(1.0, float(fraction)))
        self.build.message = message
        logger.info("build %3.0f%% %s", 100 * self.build.fraction, message)

    def _run_build(self) -> None:
        state = self.build
        try:
            settings = self.retriever.settings if self.retriever is not None else (self.settings or Settings())
            report = build_index(self.seeds_dir, self.index_dir, settings=settings, wait=5.0,
                                 embedder=self._embedder_for_builds(), progress=self._progress)
            if self.retriever is None:
                self.retriever = Retriever.load(self.index_dir, settings=settings,
                                                embedder=self._embedder_for_builds())
                self._build_embedder = None  # the retriever owns it now; later builds get their own
            else:
                self.retriever.refresh()
            state.report = report
            state.message = f"done: {report.summary()}"
            state.fraction = 1.0
        except Exception as exc:  # shown in the UI; the old index stays in service
            logger.exception("build failed")
            state.error = str(exc) if isinstance(exc, (QAError, OSError)) else f"{type(exc).__name__}: {exc}"
        finally:
            state.finished = time.time()
            state.running = False

    def _embedder_for_builds(self):
        """A separate model instance, so a build never shares a tokenizer with the chat's queries."""
        if self._build_embedder is None:
            from qa.embedding import make_embedder, resolve_model

            if self.retriever is not None:
                info, backend = self.retriever.embedder.info, self.retriever.embedder.backend
            else:
                s = self.settings or Settings()
                info, backend = resolve_model(s.model), s.backend
            self._build_embedder = make_embedder(info, backend)
        return self._build_embedder

    def status(self) -> dict[str, Any]:
        """Index and build status for the header line."""
        r = self.retriever
        out: dict[str, Any] = {"ready": r is not None, "building": self.build.running,
                               "fraction": self.build.fraction, "message": self.build.message,
                               "error": self.build.error}
        if r is not None:
            m = r.manifest
            out.update(documents=len(m.documents), chunks=m.chunks, created=m.created,
                       generation=r.generation)
        return out

    # ------------------------------------------------------------ answers

    def ask(self, question: str, *, history: Sequence[str] | None = None, k: int = 5,
            mode: str = "hybrid", per_doc: int | None = None) -> Answer:
        if self.retriever is None:
            raise NotReady(self._not_ready_message())
        self._refresh_now_and_then()
        return answer(self.retriever, question, history=history, k=k, mode=mode, per_doc=per_doc)

    def _refresh_now_and_then(self) -> None:
        """Switch to a newer generation built elsewhere; at most one check per REFRESH_SECONDS."""
        now = time.monotonic()
        if not self._shared or now - self._checked < REFRESH_SECONDS:
            return
        self._checked = now
        try:
            self.retriever.refresh()
        except QAError as exc:  # the loaded generation keeps answering
            logger.warning("could not check %s for a newer index: %s", self.index_dir, exc)

    def _not_ready_message(self) -> str:
        b = self.build
        if b.running:
            return (f"The index is still being built ({100 * b.fraction:.0f}%: {b.message}). "
                    "Ask again in a moment.")
        if b.error:
            return f"There is no index: building it failed ({b.error}). Fix that and press Rebuild index."
        return "There is no index yet. Add documents and press Rebuild index."

    def document_text(self, doc_id: str) -> dict[str, Any] | None:
        record = self.retriever.document(doc_id) if self.retriever is not None else None
        return record.to_dict() if record is not None else None

    # ------------------------------------------------------------ documents panel

    def files(self) -> list[FileRow]:
        """Indexed documents plus what changed in the seeds folder since the last build."""
        indexed = {d.source: d for d in self.retriever.documents()} if self.retriever else {}
        manifest_docs = self.retriever.manifest.documents if self.retriever else {}
        try:
            files, problems = scan(self.seeds_dir, max_file_bytes=MAX_UPLOAD_BYTES)
        except FileNotFoundError:
            files, problems = [], []
        skipped = {p.source: p.reason for p in problems}
        if self.build.report is not None:
            skipped.update({p.source: p.reason for p in self.build.report.problems if p.skipped})
        rows: list[FileRow] = []
        on_disk = {f.source: f for f in files}
        for source, f in on_disk.items():
            d = indexed.get(source)
            if d is None:
                status, note = ("skipped", skipped[source]) if source in skipped else ("new", "")
                rows.append(FileRow(source, f.size, None, None, status, note))
            else:
                same = manifest_docs.get(source, {}).get("hash", d.hash) == f.hash
                rows.append(FileRow(source, f.size, d.n_chunks, d.indexed_at, "indexed" if same else "changed"))
        for source, d in indexed.items():
            if source not in on_disk:
                rows.append(FileRow(source, d.size, d.n_chunks, d.indexed_at, "deleted"))
        for source, reason in skipped.items():
            if source not in on_disk and source not in indexed:
                rows.append(FileRow(source, 0, None, None, "skipped", reason))
        return sorted(rows, key=lambda r: r.source.lower())

    # ------------------------------------------------------------ uploads

    def add_file(self, path: str | Path, name: str | None = None, *, replace: bool = False) -> UploadResult:
        """Copy an uploaded file into the seeds folder under a safe name; never overwrite silently.

        With `replace` a different file of the same name is replaced (and the result says so);
        without it the upload is saved as "name (2).txt".
        """
        path = Path(path)
        name = name or path.name
        safe = sanitize_filename(name)
        if safe is None:
            return UploadResult(name, None, f"{name}: refused, the name has no usable characters", False)
        suffix = Path(safe).suffix.lower()
        if suffix not in ACCEPTED:
            return UploadResult(name, None, f"{name}: refused, {suffix or 'files without an extension'} "
                                f"{'files ' if suffix else ''}are not supported (accepted: {', '.join(ACCEPTED)})", False)
        try:
            size = path.stat().st_size
        except OSError as exc:
            return UploadResult(name, None, f"{name}: refused, cannot read the upload ({exc.strerror})", False)
        if size > MAX_UPLOAD_BYTES:
            return UploadResult(name, None, f"{name}: refused, {size / 1e6:.1f} MB is over the "
                                f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit", False)
        data = path.read_bytes()
        reason = _unreadable_reason(path, safe, data)
        if reason:
            return UploadResult(name, None, f"{name}: refused, {reason}", False)
        with self._upload_lock:
            self.seeds_dir.mkdir(parents=True, exist_ok=True)
            root = self.seeds_dir.resolve()
            target = root / safe
            if target.resolve().parent != root:  # belt and braces: sanitize_filename allows no separators
                return UploadResult(name, None, f"{name}: refused, unsafe file name", False)
            if target.exists():
                if target.is_file() and target.read_bytes() == data:
                    return UploadResult(name, safe, f"{safe} is already in the documents folder (same content)", True)
                if replace and target.is_file():
                    _write_atomic(root, target, data, overwrite=True)
                    return UploadResult(name, safe, f"replaced the existing {safe}", True)
                target = _free_name(target)
            _write_atomic(root, target, data, overwrite=False)
        renamed = target.name != safe
        note = (f"saved as {target.name}: a different {safe} already exists" if renamed
                else f"added {target.name}")
        if safe != name and not renamed:
            note += f" (renamed from {name!r})"
        return UploadResult(name, target.name, note, True)


def sanitize_filename(name: str) -> str | None:
    """A plain file name for the seeds folder: no folders, no hidden files, no odd characters.

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


def _unreadable_reason(path: Path, safe: str, data: bytes) -> str | None:
    """Why the build would skip this file (binary, empty, broken PDF...), or None."""
    import tempfile

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
