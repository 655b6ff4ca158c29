"""A pool of connections: made on demand, reused, never more in use at once than asked.

A connection serves one thread at a time, but is not tied to a thread: a server's worker
threads come and go, and connections made per thread would pile up. Used by the SQLite chunk
table (qa/table.py) and the PostgreSQL store (qa/index/postgres.py).

>>> pool = ConnectionPool(lambda: sqlite3.connect("chunks.sqlite", check_same_thread=False))
>>> with pool.connection() as con:
...     con.execute("SELECT COUNT(*) FROM chunks").fetchone()
(1432,)
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator


class ConnectionPool:
    """At most `size` connections in use at once (unbounded: None); idle ones are reused while
    `reusable(connection)` says so (a connection the server dropped is replaced on next use)."""

    def __init__(self, connect: Callable[[], Any], size: int | None = None,
                 reusable: Callable[[Any], bool] = lambda conn: True):
        self._connect = connect
        self._reusable = reusable
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(size) if size else None
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[Any]:
        if self._slots is not None:
            self._slots.acquire()
        conn = None
        try:
            with self._lock:
                if self._closed:
                    raise RuntimeError("the connection pool is closed")
                while self._idle and conn is None:
                    conn = self._idle.pop()
                    if not self._reusable(conn):
                        conn.close()
                        conn = None
            if conn is None:
                conn = self._connect()
            yield conn
        finally:
            if conn is not None:
                with self._lock:
                    keep = not self._closed and self._reusable(conn)
                    if keep:
                        self._idle.append(conn)
                if not keep:
                    conn.close()
            if self._slots is not None:
                self._slots.release()

    @property
    def idle(self) -> int:
        """Connections made and waiting for use."""
        return len(self._idle)

    def close(self) -> None:
        """Close the idle connections; those in use close when they are given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
