"""HTTP Basic sign-in for the machine routes of `qa serve` (REST at /api/v1, MCP at /mcp).

The chat signs people in with a form and a cookie (Gradio); programs send the same USER:PASSWORD
pairs of --auth / --auth-file as HTTP Basic credentials on every request:

    curl -u alice:secret -H 'content-type: application/json' -d '{"question": "..."}' \\
         http://127.0.0.1:7860/api/v1/ask

>>> app = BasicAuth(rest_app, [("alice", "secret")], throttle=Throttle())

Wrong credentials are counted per client by qa.Throttle (the one the chat's login shares): after
a few, the client is locked out for a while and gets 429 with Retry-After, without its password
being checked. A request without credentials gets 401 and is not counted as a failure.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
from typing import Any, Sequence

from .throttle import Throttle, client_address, too_many

logger = logging.getLogger(__name__)

REFUSED = {"error": "sign-in required: send the USER:PASSWORD of qa serve --auth as HTTP Basic credentials"}


class BasicAuth:
    """ASGI middleware: HTTP requests without valid Basic credentials get 401 and a JSON error."""

    def __init__(self, app: Any, credentials: Sequence[tuple[str, str]], throttle: Throttle | None = None):
        self.app = app
        self._pairs = [(u.encode(), p.encode()) for u, p in credentials]
        self.throttle = throttle or Throttle()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client, where = client_address(scope), f" to {scope.get('path')}"
        wait = self.throttle.locked(client, where)
        if wait > 0:
            await too_many(send, wait)
            return
        allowed = self._allowed(scope)
        if allowed is not None:
            self.throttle.outcome(client, allowed, where)
        if allowed:
            await self.app(scope, receive, send)
            return
        if allowed is None:
            logger.warning("refused a request to %s from %s: no credentials", scope.get("path"), client)
        body = json.dumps(REFUSED).encode()
        await send({"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'Basic realm="qa", charset="UTF-8"')]})
        await send({"type": "http.response.body", "body": body})

    def _allowed(self, scope) -> bool | None:
        """Whether the request's Basic credentials are right; None when it sends none."""
        header = dict(scope.get("headers") or ()).get(b"authorization", b"")
        if not header:
            return None
        scheme, _, token = header.partition(b" ")
        if scheme.lower() != b"basic":
            return False
        try:
            user, sep, password = base64.b64decode(token.strip(), validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return False
        ok = False
        for u, p in self._pairs:  # every pair compared in constant time: no timing hint of which failed
            ok |= hmac.compare_digest(user, u) & hmac.compare_digest(password, p) & bool(sep)
        return ok
