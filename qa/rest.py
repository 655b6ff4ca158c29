"""The REST API that `qa serve` offers beside the chat, at /api/v1, for scripts in any language.

    POST /api/v1/search   {"query": "...", "k": 5, "mode": "hybrid", "per_doc": null, "where": {...}}
    POST /api/v1/ask      {"question": "...", "k": 5, "mode": "hybrid", "where": {...}, "history": [...]}
    GET  /api/v1/documents?limit=1000
    GET  /api/v1/openapi.json    the schema of all of them

The bodies have the fields of Retriever.search() / answer() and the replies those of
`qa ask --json` (qa.tools says which). Bad input gets a 4xx status and {"error": "one line"};
an index still being built gets 503. Behind `qa serve --auth`, every request needs HTTP Basic
credentials (qa.http_auth).
"""

from __future__ import annotations

import logging
import os
from functools import partial
from typing import Any, Callable

import anyio
import anyio.to_thread

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


def rest_app(tools: Tools) -> FastAPI:
    """The API as a FastAPI app; mount it at PREFIX."""
    app = FastAPI(title="qa", version=__version__, docs_url=None, redoc_url=None,
                  description="Search and answer questions from a folder of documents, with citations.")

    # The replies are qa.tools' plain JSON dicts, sent as they are: FastAPI's own encoding of a
    # returned dict walks it again (jsonable_encoder). The work runs on a few threads of its own
    # (WORKERS) rather than FastAPI's pool of 40, which mostly contend for the GIL.
    limiter = anyio.CapacityLimiter(WORKERS)

    async def run(call, *args, **kwargs) -> JSONResponse:
        return JSONResponse(await anyio.to_thread.run_sync(partial(call, *args, **kwargs), limiter=limiter))

    @app.post("/search", summary="The best passages for a query, with citations", response_class=JSONResponse)
    async def search(body: SearchRequest) -> JSONResponse:
        return await run(tools.search, body.query, k=body.k, mode=body.mode, per_doc=body.per_doc,
                         where=where_dict(body.where))

    @app.post("/ask", summary="An answer quoted from the documents (or an abstention), with citations",
              response_class=JSONResponse)
    async def ask(body: AskRequest) -> JSONResponse:
        return await run(tools.ask, body.question, k=body.k, mode=body.mode, per_doc=body.per_doc,
                         where=where_dict(body.where), history=body.history)

    @app.get("/documents", summary="The indexed documents, sorted by path", response_class=JSONResponse)
    async def documents(limit: int = 1000) -> JSONResponse:
        return await run(tools.list_documents, limit=limit)

    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(QAError, _refused)
    app.add_exception_handler(Exception, _failed)
    return app


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A body that is not JSON or not the schema: 422 with the first problem in words."""
    problems = exc.errors()
    first = problems[0] if problems else {}
    where = ".".join(str(x) for x in first.get("loc", ()) if x != "body") or "body"
    return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid request')}",
                         "details": [{"loc": list(p.get("loc", ())), "msg": p.get("msg")} for p in problems]},
                        status_code=422)


async def _refused(request: Request, exc: QAError) -> JSONResponse:
    if isinstance(exc, IndexNotFoundError):
        return _error(503, str(exc))
    return _error(400 if isinstance(exc, BadArgument) else 409, str(exc))


async def _failed(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("%s failed", request.url.path)
    return _error(500, f"internal error ({type(exc).__name__}); the server log has the details")


def routes(tools: Tools, *, mcp: bool, credentials: list[tuple[str, str]] | None, host: str = "127.0.0.1",
           throttle: Throttle | None = None) -> tuple[list[Any], Callable | None]:
    """(Starlette routes, lifespan or None) that `qa serve` adds beside the chat: the REST API at
    PREFIX and, with `mcp`, the MCP endpoint at qa.mcp.PATH; both behind `credentials` if given,
    their failed sign-ins counted by `throttle` (one for both; pass the chat's to share it)."""
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

    return mounted, lifespan
