"""A watched documents folder: notice files added, changed or removed, and ask for a build.

Polls the folder's names, sizes and modification times (no dependency, any file system) every
`interval` seconds. A change starts a build once the folder has been quiet for `debounce`
seconds (a file being copied is not indexed half-written); `on_change()` returns False while a
build is already running, and the change stays pending until a build starts after it. So there
is one build at a time, and none is lost.

>>> watcher = FolderWatcher("seeds", on_change=service.start_build)
>>> watcher.start()            # a background thread; watcher.stop() ends it
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

logger = logging.getLogger(__name__)

Snapshot = dict[str, tuple[int, int]]


def folder_snapshot(root: str | Path) -> Snapshot:
    """(size, mtime in ns) of every non-hidden file under `root`, by path relative to it.

    Hidden names are skipped as the build skips them; symlinks are not followed (a link's own
    change is seen, not its target's).
    """
    out: Snapshot = {}
    root = str(root)
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
            except OSError:  # removed between listing and stat
                continue
            out[os.path.relpath(path, root)] = (st.st_size, st.st_mtime_ns)
    return out


class FolderWatcher:
    """Calls `on_change()` after the folder changed and then stayed quiet for `debounce` seconds."""

    def __init__(self, folder: str | Path, on_change: Callable[[], bool | None], *,
                 interval: float = 1.0, debounce: float = 1.0):
        self.folder = Path(folder)
        self.on_change = on_change
        self.interval, self.debounce = interval, debounce
        self._seen: Snapshot | None = None      # the folder at the last poll
        self._built: Snapshot | None = None     # the folder when the last build was started
        self._changed_at: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.builds = 0
        self.last_change: float | None = None   # wall-clock time a change was last seen

    @property
    def pending(self) -> bool:
        """Whether a change waits for a build."""
        return self._seen is not None and self._seen != self._built

    def settle(self) -> None:
        """Take the folder as it is now as built (call it after a build that just ran)."""
        self._seen = self._built = folder_snapshot(self.folder) if self.folder.is_dir() else {}

    def recheck(self) -> None:
        """Look again at the next poll whatever the snapshots say: call it when a build that changed
        the index has finished. A build scans the folder after the poll that started it, so it may
        have indexed a file the watcher never saw; had that file gone again before the next poll,
        the snapshots would match and the index keep it. The next build compares the folder with
        the index itself (a no-op when they agree)."""
        self._built = None

    def poll(self) -> bool:
        """Look once; start a build if one is due. True if a build was started."""
        now = folder_snapshot(self.folder) if self.folder.is_dir() else {}
        if now != self._seen:
            if self._seen is not None:
                self.last_change = time.time()
            self._seen, self._changed_at = now, time.monotonic()
        if self._seen == self._built or time.monotonic() - (self._changed_at or 0.0) < self.debounce:
            return False
        previous, self._built = self._built, now  # before the call: a build run inline may recheck()
        if self.on_change() is False:  # a build is running; try again at the next poll
            self._built = previous
            return False
        self.builds += 1
        return True

    def run(self) -> None:
        """Poll until stop(); errors are logged and polling goes on."""
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:  # the chat keeps answering whatever a build or the folder does
                logger.exception("watching %s failed once; still watching", self.folder)
            self._stop.wait(self.interval)

    def start(self) -> "FolderWatcher":
        self._thread = threading.Thread(target=self.run, name="qa-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
