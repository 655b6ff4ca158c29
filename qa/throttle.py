"""Throttle failed sign-ins per client: after a few wrong passwords, wait longer each time.

One Throttle serves every way `qa serve` signs people in: the chat's login form (ui.login) and
the HTTP Basic credentials of the REST API and the MCP endpoint (qa.http_auth), so guessing on
one of them counts against the others too.

>>> t = Throttle(clock=lambda: 0.0)
>>> [t.failed("203.0.113.7") for _ in range(5)]   # 3 free tries, then 1 s, 2 s, ... (up to 300 s)
[0.0, 0.0, 0.0, 1.0, 2.0]
>>> t.wait("203.0.113.7")                         # refuse (429, Retry-After) until it is 0
2.0

The first FREE_FAILURES failures cost nothing (typos); after that each failure locks the client
out for BASE_DELAY * 2^n seconds, up to MAX_DELAY, and a locked-out attempt is refused with 429
without checking the password, so guessing from one address runs at a few tries an hour. A
success forgets the client.

A client is the address that connects. The web server (uvicorn) would otherwise replace it by
X-Forwarded-For whenever the connection comes from 127.0.0.1, and any local client could then
rotate that header to escape the throttle: trust_proxies() trusts only the proxies named.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

logger = logging.getLogger(__name__)

FREE_FAILURES = 3
BASE_DELAY = 1.0      # seconds after the first failure past the free ones
MAX_DELAY = 300.0
MAX_CLIENTS = 10_000  # forget the oldest entries beyond this many addresses


@dataclass
class _Record:
    failures: int = 0
    locked_until: float = 0.0
    last: float = 0.0


class Throttle:
    """Failure counts and lock-outs per client key; clock injectable for tests. Thread-safe."""

    def __init__(self, *, free: int = FREE_FAILURES, base: float = BASE_DELAY, cap: float = MAX_DELAY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.base, self.cap, self.clock = free, base, cap, clock
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds this client must still wait before its next attempt (0: go ahead)."""
        with self._lock:
            r = self._records.get(client)
            return max(0.0, r.locked_until - self.clock()) if r else 0.0

    def failed(self, client: str) -> float:
        """Record a failure; return the lock-out it starts, in seconds."""
        now = self.clock()
        with self._lock:
            r = self._records.setdefault(client, _Record())
            r.failures += 1
            r.last = now
            over = r.failures - self.free
            delay = 0.0 if over <= 0 else min(self.cap, self.base * 2 ** (over - 1))
            r.locked_until = now + delay
            if len(self._records) > MAX_CLIENTS:
                oldest = min(self._records, key=lambda k: self._records[k].last)
                del self._records[oldest]
            return delay

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._records.pop(client, None)

    def failures(self, client: str) -> int:
        with self._lock:
            r = self._records.get(client)
            return r.failures if r else 0

    def locked(self, client: str, where: str = "") -> float:
        """wait(), logging a refused attempt with the client address (`where`: " to /path" it tried)."""
        wait = self.wait(client)
        if wait > 0:
            logger.warning("sign-in from %s%s refused: locked out for %.0f s more after %d failed attempts",
                           client, where, wait, self.failures(client))
        return wait

    def outcome(self, client: str, ok: bool, where: str = "") -> None:
        """Record a sign-in's result: a success forgets the client, a failure is counted and logged."""
        if ok:
            self.succeeded(client)
            return
        delay = self.failed(client)
        logger.warning("failed sign-in from %s%s (%d in a row)%s", client, where, self.failures(client),
                       f"; next attempt allowed in {delay:.0f} s" if delay else "")


def trust_proxies(addresses: Sequence[str]) -> None:
    """Let the web server take the client address from X-Forwarded-For only when the connection
    comes from one of `addresses` (IP addresses or networks; none: never). Call before it starts.

    uvicorn reads FORWARDED_ALLOW_IPS when Gradio configures it, and trusts 127.0.0.1 without it.
    """
    os.environ["FORWARDED_ALLOW_IPS"] = ",".join(addresses)


def client_address(scope: dict[str, Any]) -> str:
    """The client of an ASGI request, as the throttle counts it (see trust_proxies)."""
    return (scope.get("client") or ("unknown", 0))[0]


async def too_many(send: Callable, wait: float, key: str = "error") -> None:
    """Refuse a locked-out attempt: 429 with Retry-After and {key: "Too many failed sign-ins. ..."}."""
    seconds = math.ceil(wait)
    body = json.dumps({key: f"Too many failed sign-ins. Try again in {seconds} s."}).encode()
    await send({"type": "http.response.start", "status": 429,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", str(seconds).encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
