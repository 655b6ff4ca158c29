"""The REST API that `qa serve` offers beside the chat, at /api/v1, for scripts in any language.

    POST /api/v1/search   {"query": "...", "k": 5, "mode": "hybrid", "per_doc": null, "where": {...}}
    POST /api/v1/ask      {"question": "...", "k": 5, "mode": "hybrid", "where": {...}, "history": [...]}
    GET  /api/v1/documents?limit=1000
    GET  /api/v1/openapi.json    the schema of all of them

The bodies have the fields of Retriever.search() / answer() and the replies those of
`qa ask --json` (qa.tools says which). Bad input gets a 4xx status and {"error": "one line"};
an index still being built gets 503. Behind `qa serve --auth`, every request needs HTTP Basic
credentials (qa.http_auth).

A valid POST to /ask or /search takes a short way (Lean): its body is checked by the same
pydantic models and handed to qa.tools on a worker thread, which also encodes the reply; the
FastAPI app answers everything else (the schema, /documents, every 4xx), so there is one
source of each rule. `qa serve` puts the API in front of Gradio's middleware (ui.app.launch):
at 200 questions at once the FastAPI and Gradio layers cost about as much CPU as answering.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from . import __version__
from .checks import BadArgument
from .errors import IndexNotFoundError, QAError
from .schemas import AskRequest, SearchRequest, where_dict
from .throttle import Throttle
from .tools import Tools

logger = logging.getLogger(__name__)

PREFIX = "/api/v1"
WORKERS = max(os.cpu_count() or 1, 2)
"""Threads answering REST requests at once; more wait their turn. One a core: answering is CPU
work holding the GIL half the time, and with FastAPI's 40 threads an answer cost 4.4 ms of CPU
against 3.1 ms with two (bench/load.py --rest, 200 at once, 2 cores)."""
LEAN_BODY = 1 << 20
"""Bodies up to this many bytes are read whole by the short way; a longer one goes to FastAPI."""


def rest_app(tools: Tools) -> Lean:
    """The API as an ASGI app (Lean over FastAPI); mount it at PREFIX."""
    app = FastAPI(title="qa", version=__version__, docs_url=None, redoc_url=None,
                  description="Search and answer questions from a folder of documents, with citations.")

    # The replies are qa.tools' plain JSON dicts, sent as they are: FastAPI's own encoding of a
    # returned dict walks it again (jsonable_encoder). The work runs on a few threads of its own
    # (WORKERS) rather than FastAPI's pool of 40, which mostly contend for the GIL.
    pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="qa-rest")

    def on_pool(fn: Callable[[], Any]) -> Any:
        return asyncio.get_running_loop().run_in_executor(pool, fn)

    async def run(call: Callable[[], Any]) -> JSONResponse:
        return JSONResponse(await on_pool(call))

    @app.post("/search", summary="The best passages for a query, with citations", response_class=JSONResponse)
    async def search(body: SearchRequest) -> JSONResponse:
        return await run(_search(tools, body))

    @app.post("/ask", summary="An answer quoted from the documents (or an abstention), with citations",
              response_class=JSONResponse)
    async def ask(body: AskRequest) -> JSONResponse:
        return await run(_ask(tools, body))

    @app.get("/documents", summary="The indexed documents, sorted by path", response_class=JSONResponse)
    async def documents(limit: int = 1000) -> JSONResponse:
        return await run(partial(tools.list_documents, limit=limit))

    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(QAError, _refused)
    app.add_exception_handler(Exception, _failed)
    return Lean(app, {"/ask": (AskRequest, partial(_ask, tools)), "/search": (SearchRequest, partial(_search, tools))},
                on_pool)


def _ask(tools: Tools, body: AskRequest) -> Callable[[], dict[str, Any]]:
    return partial(tools.ask, body.question, k=body.k, mode=body.mode, per_doc=body.per_doc,
                   where=where_dict(body.where), history=body.history)


def _search(tools: Tools, body: SearchRequest) -> Callable[[], dict[str, Any]]:
    return partial(tools.search, body.query, k=body.k, mode=body.mode, per_doc=body.per_doc,
                   where=where_dict(body.where))


class Lean:
    """ASGI app: a JSON POST to one of `calls` whose body its model accepts goes straight to the
    tool, on a worker thread that also encodes the reply as FastAPI would (JSONResponse); anything
    else, and every body the model refuses, goes to `full` (the FastAPI app), the body read so far
    handed back. The short way skips FastAPI's request machinery (routing, dependency solving, its
    middleware), about as much CPU as answering a seed-index question."""

    def __init__(self, full: Any, calls: dict[str, tuple[type, Callable]], on_pool: Callable) -> None:
        self.full, self.calls, self.on_pool = full, calls, on_pool

    async def __call__(self, scope, receive, send) -> None:
        call = self.calls.get(_route_path(scope)) if scope["type"] == "http" and scope["method"] == "POST" \
            and _json_body(scope) else None
        if call is None:
            await self.full(scope, receive, send)
            return
        body, done = await _read(receive, LEAN_BODY)
        request = None
        if done:
            try:  # as FastAPI reads a JSON body: json.loads, then the model in Python mode
                request = call[0].model_validate(json.loads(body))
            except (ValueError, RecursionError):  # ValidationError is a ValueError: FastAPI words it
                pass
        if request is None:
            await self.full(scope, _replay(body, done, receive), send)
            return
        status, payload = await self.on_pool(partial(_reply, call[1](request), scope.get("path", "")))
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-length", str(len(payload)).encode()), (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": payload})


def _route_path(scope) -> str:
    """The path below the mount point (as Starlette's routing reads it)."""
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _json_body(scope) -> bool:
    """Whether FastAPI would read the body as JSON: no content type, or application/json or +json."""
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or (kind.startswith(b"application/") and kind.endswith(b"+json"))
    return True


async def _read(receive, limit: int) -> tuple[bytes, bool]:
    """The request body, up to about `limit` bytes; (what was read, whether that is all of it)."""
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts), False
        chunk = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(parts), True
        if size > limit:
            return b"".join(parts), False


def _replay(body: bytes, done: bool, receive):
    """A `receive` that gives `body` first (all of it, or the start when not `done`), then the rest."""
    given = False

    async def again():
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": not done}
    return again


def _encode(content: Any) -> bytes:
    """JSON as FastAPI's JSONResponse writes it (starlette.responses.JSONResponse.render)."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()


def _reply(call: Callable[[], Any], path: str) -> tuple[int, bytes]:
    """Run a tool call; (HTTP status, JSON body), errors as the FastAPI app's handlers give them."""
    try:
        return 200, _encode(call())
    except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON error, as in FastAPI
        status, content = _problem(exc, path)
        return status, _encode(content)


def _problem(exc: Exception, path: str) -> tuple[int, dict[str, str]]:
    """A failed call's status and JSON error: QAError 503 (no index yet), 400 or 409; else 500, logged."""
    if isinstance(exc, IndexNotFoundError):
        return 503, {"error": str(exc)}
    if isinstance(exc, QAError):
        return 400 if isinstance(exc, BadArgument) else 409, {"error": str(exc)}
    logger.error("%s failed", path, exc_info=exc)
    return 500, {"error": f"internal error ({type(exc).__name__}); the server log has the details"}


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A body that is not JSON or not the schema: 422 with the first problem in words."""
    problems = exc.errors()
    first = problems[0] if problems else {}
    where = ".".join(str(x) for x in first.get("loc", ()) if x != "body") or "body"
    return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid request')}",
                         "details": [{"loc": list(p.get("loc", ())), "msg": p.get("msg")} for p in problems]},
                        status_code=422)


async def _refused(request: Request, exc: QAError) -> JSONResponse:
    status, content = _problem(exc, request.url.path)
    return JSONResponse(content, status_code=status)


async def _failed(request: Request, exc: Exception) -> JSONResponse:
    status, content = _problem(exc, request.url.path)
    return JSONResponse(content, status_code=status)


def routes(tools: Tools, *, mcp: bool, credentials: list[tuple[str, str]] | None, host: str = "127.0.0.1",
           throttle: Throttle | None = None) -> tuple[list[Any], Callable | None, list[str]]:
    """(Starlette routes, lifespan or None, the paths of those to serve ahead of the chat's
    middleware) that `qa serve` adds beside the chat: the REST API at PREFIX (ahead) and, with
    `mcp`, the MCP endpoint at qa.mcp.PATH; both behind `credentials` if given, their failed
    sign-ins counted by `throttle` (one for both; pass the chat's to share it)."""
    from starlette.routing import Mount, Route

    from .http_auth import BasicAuth

    throttle = throttle or Throttle()
    guard = (lambda app: BasicAuth(app, credentials, throttle)) if credentials else (lambda app: app)
    mounted = [Mount(PREFIX, app=guard(rest_app(tools)))]
    lifespan = None
    if mcp:
        from contextlib import asynccontextmanager

        from .mcp import PATH, http_app

        endpoint = http_app(tools, host)  # a Starlette app whose one route is PATH: taken out, behind the guard
        mounted += [Route(r.path, endpoint=guard(r.endpoint)) for r in endpoint.routes if r.path == PATH]

        @asynccontextmanager
        async def lifespan(app):  # the MCP session manager's task group lives as long as the server
            async with endpoint.router.lifespan_context(endpoint):
                yield

    return mounted, lifespan, [PREFIX]
