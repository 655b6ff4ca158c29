"""One progress measure for a build: files done and chunks embedded, with rate and time left.

The same figures go to three places: a tqdm bar in the terminal (`show_bar`), the
`progress(fraction, message)` callback the browser shows, and `events(dict)`, which
`qa build --json` prints as one JSON line per event on stderr.

>>> p = BuildProgress(show_bar=True, progress=print)
>>> p.begin(total_files=100); p.file_done(chunks=4); p.embedded(4); p.close()
"""

from __future__ import annotations

import time
from typing import Any, Callable

Progress = Callable[[float, str], None]
Events = Callable[[dict[str, Any]], None]

READ_START, READ_END = 0.05, 0.9
"""The share of the build's fraction that reading, chunking and embedding take."""


class BuildProgress:
    """Counts files read and chunks embedded; reports at most every `every` seconds."""

    def __init__(self, *, show_bar: bool = False, progress: Progress | None = None,
                 events: Events | None = None, every: float = 0.5):
        self.total = self.files = self.chunks = self.embedded_chunks = 0
        self._show_bar = show_bar
        self._progress, self._events, self._every = progress, events, every
        self._t0 = time.monotonic()
        self._last = 0.0
        self._bar = None

    def begin(self, total_files: int) -> None:
        """Start counting the files of the plan (the bar appears now)."""
        self.total, self._t0 = total_files, time.monotonic()
        if self._show_bar:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total_files, unit="file", desc="indexing", dynamic_ncols=True)

    def file_done(self, chunks: int) -> None:
        self.files += 1
        self.chunks += chunks
        if self._bar is not None:
            self._bar.update(1)
        self._report()

    def embedding(self, chunks: int) -> None:
        """A batch of new chunks goes to the model now."""
        f = self.figures()
        self.stage(f["fraction"], f"embedding {counted(chunks, 'passage')} ({self.embedded_chunks:,} so far)")

    def embedded(self, chunks: int) -> None:
        self.embedded_chunks += chunks
        self._report(force=True)

    def figures(self) -> dict[str, Any]:
        elapsed = time.monotonic() - self._t0
        rate = self.files / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.files) / rate if rate > 0 else None
        return {"event": "progress", "files_done": self.files, "files_total": self.total,
                "chunks": self.chunks, "embedded": self.embedded_chunks, "elapsed_seconds": round(elapsed, 2),
                "files_per_second": round(rate, 2), "seconds_left": None if left is None else round(left, 1),
                "fraction": round(READ_START + (READ_END - READ_START) * self.files / max(self.total, 1), 4)}

    def message(self, f: dict[str, Any]) -> str:
        left = "" if f["seconds_left"] is None else f", {_clock(f['seconds_left'])} left"
        return (f"embedded {counted(f['embedded'], 'passage')}; read {f['files_done']:,} of "
                f"{counted(f['files_total'], 'file')}, {counted(f['chunks'], 'chunk')} "
                f"({f['files_per_second']:.1f} files/s{left})")

    def _report(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self._every and self.files < self.total:
            return
        self._last = now
        f = self.figures()
        if self._bar is not None:
            self._bar.set_postfix(chunks=self.chunks, embedded=self.embedded_chunks, refresh=False)
        if self._progress is not None:
            self._progress(f["fraction"], self.message(f))
        if self._events is not None:
            self._events({**f, "stage": "indexing", "message": self.message(f)})

    def stage(self, fraction: float, message: str) -> None:
        """A stage of the build outside reading and embedding (scanning, writing)."""
        if self._progress is not None:
            self._progress(fraction, message)
        if self._events is not None:
            self._events({"event": "progress", "stage": message, "fraction": round(fraction, 4),
                          "message": message})

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def counted(n: int, noun: str) -> str:
    """`counted(1, "document") -> '1 document'`, `counted(2_000, "file") -> '2,000 files'`."""
    return f"{n:,} {noun}{'s' * (n != 1)}"


def _clock(seconds: float) -> str:
    """'1:05:09' or '4:07'."""
    s = int(round(seconds))
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"
