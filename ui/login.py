"""Throttle failed sign-ins to the chat (Gradio's login form) per client: qa.Throttle's rules.

>>> app = FastAPI(middleware=[Middleware(LoginThrottle, throttle=Throttle())])   # what ui.app.launch does

Gradio checks the password itself (POST /login answers 400 on a wrong one); this ASGI
middleware watches those answers per client address and lets qa.Throttle count them: a few free
tries, then lock-outs that double, refused with 429 and Retry-After without checking the
password. The REST API and MCP endpoint of the same `qa serve` share the Throttle (qa.http_auth).
Other endpoints are untouched: they keep requiring the session cookie that only a successful
/login hands out. Which address is the client: qa.trust_proxies.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from qa import Throttle, client_address, too_many, trust_proxies

__all__ = ["LoginThrottle", "Throttle", "trust_proxies"]

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]


class LoginThrottle:
    """ASGI middleware: throttles POST .../login per client address (see the module docstring)."""

    def __init__(self, app: ASGIApp, throttle: Throttle | None = None) -> None:
        self.app = app
        self.throttle = throttle or Throttle()

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST" or \
                not scope.get("path", "").rstrip("/").endswith("/login"):
            await self.app(scope, receive, send)
            return
        client = client_address(scope)
        wait = self.throttle.locked(client)
        if wait > 0:
            await too_many(send, wait, key="detail")  # Gradio's error key
            return
        status: list[int] = []

        async def watch(message: dict[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                status.append(int(message.get("status", 0)))
            await send(message)

        await self.app(scope, receive, watch)
        if status and (status[0] == 400 or 200 <= status[0] < 400):
            self.throttle.outcome(client, ok=status[0] != 400)
