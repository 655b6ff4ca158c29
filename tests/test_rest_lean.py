"""The REST API's short way (qa.rest.Lean) and its place in front of Gradio's middleware
(ui.app.Ahead): the same bytes as the FastAPI app for every valid question, everything else
handed to FastAPI, and web pages (an Origin header) still sent through the whole app.
The whole API through a real `qa serve` is tests/test_reach.py."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from qa.rest import rest_app
from qa.tools import Tools

QUESTION = "what happened to Kloop Media"
VALID = [
    ("/ask", {"question": QUESTION}),
    ("/ask", {"question": "were journalists arrested", "k": 3, "mode": "dense", "per_doc": 2}),
    ("/ask", {"question": "what is the capital of France"}),  # an abstention
    ("/ask", {"question": "and in 2023?", "history": ["what happened to Kloop Media"]}),
    ("/ask", {"question": QUESTION, "where": {"source": "reports/**"}}),  # a filter keeping nothing
    ("/ask", {"question": QUESTION, "where": {"source": "/etc/passwd"}}),  # valid shape, refused by qa: 400
    ("/search", {"query": "Kloop Media", "k": 3, "mode": "lexical", "where": {"source": ["*.txt"]}}),
    ("/search", {"query": "freedom of expression", "k": 7}),
]
HANDED_ON = [  # what the short way leaves to FastAPI: bad bodies, other routes and methods, other types
    ("POST", "/ask", {"content": b'{"question": "  "}'}),
    ("POST", "/ask", {"content": b"not json"}),
    ("POST", "/ask", {"content": b"[1, 2]"}),
    ("POST", "/search", {"content": b'{"query": "Kloop", "colour": "red"}'}),
    ("POST", "/ask", {"content": b'{"question": "x"}', "headers": {"content-type": "text/plain"}}),
    ("GET", "/ask", {}),
    ("GET", "/documents", {}),
    ("GET", "/openapi.json", {}),
    ("POST", "/ask/", {"content": json.dumps({"question": QUESTION}).encode()}),
]


class Counted:
    """An ASGI app that counts the requests it is given."""

    def __init__(self, app):
        self.app, self.paths = app, []

    async def __call__(self, scope, receive, send):
        self.paths.append(scope["path"])
        await self.app(scope, receive, send)


async def _exchange(app, method: str, path: str, **kwargs) -> httpx.Response:
    headers = {"content-type": "application/json", **kwargs.pop("headers", {})}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://qa") as client:
        return await client.request(method, path, headers=headers, **kwargs)


@pytest.fixture(scope="module")
def api(seed_index):
    return rest_app(Tools.open(seed_index))


def test_the_short_way_gives_fastapis_bytes_and_skips_it(api):
    counted = Counted(api.full)
    api.full = counted
    try:
        async def both():
            for path, body in VALID:
                content = json.dumps(body).encode()
                lean = await _exchange(api, "POST", path, content=content)
                full = await _exchange(counted.app, "POST", path, content=content)
                yield path, body, lean, full
        pairs = asyncio.run(_collect(both()))
    finally:
        api.full = counted.app
    assert counted.paths == []  # every valid question went the short way
    for path, body, lean, full in pairs:
        assert (lean.status_code, lean.content) == (full.status_code, full.content), (path, body)
        assert lean.headers["content-type"] == full.headers["content-type"] == "application/json"
        assert lean.headers["content-length"] == full.headers["content-length"]
    statuses = [lean.status_code for *_, lean, _ in pairs]
    assert statuses.count(200) == len(VALID) - 1 and statuses[5] == 400
    assert json.loads(pairs[0][2].content)["citations"]  # a real answer, not an empty one


def test_everything_else_is_fastapis_answer(api):
    counted = Counted(api.full)
    api.full = counted
    try:
        async def both():
            for method, path, kwargs in HANDED_ON:
                lean = await _exchange(api, method, path, **dict(kwargs))
                full = await _exchange(counted.app, method, path, **dict(kwargs))
                yield method, path, lean, full
        pairs = asyncio.run(_collect(both()))
    finally:
        api.full = counted.app
    assert counted.paths == [path for _, path, _ in HANDED_ON]  # each one handed on, once
    for method, path, lean, full in pairs:
        assert (lean.status_code, lean.content) == (full.status_code, full.content), (method, path)
    assert [lean.status_code for *_, lean, _ in pairs][:5] == [422] * 5
    assert json.loads(pairs[0][2].content)["error"] == "question: String should match pattern '\\S'"


async def _collect(agen) -> list:
    return [item async for item in agen]


def test_routes_ahead_skip_the_apps_middleware_except_for_web_pages():
    """ui.app.in_front puts the routes before the app's middleware at start-up; a request with an
    Origin header (a web page) still goes through the middleware (Gradio's CORS rules)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route
    from starlette.testclient import TestClient

    from ui.app import in_front

    seen, started = [], []

    class Watch:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http":
                seen.append(scope["path"])
            await self.app(scope, receive, send)

    async def api(scope, receive, send):
        await PlainTextResponse(f"api {scope['root_path']} {scope['path']}")(scope, receive, send)

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        started.append(app)
        yield

    mount = Mount("/api/v1", app=api)
    app = Starlette(routes=[mount, Route("/", PlainTextResponse("chat"))], middleware=[Middleware(Watch)],
                    lifespan=in_front([mount], lifespan))
    with TestClient(app) as client:
        assert client.get("/api/v1/ask").text == "api /api/v1 /api/v1/ask"
        assert seen == [] and started == [app]  # ahead of the middleware; the app's own lifespan ran
        assert client.get("/api/v1/ask", headers={"origin": "http://localhost:7860"}).text == \
            "api /api/v1 /api/v1/ask"
        assert client.get("/").text == "chat"
    assert seen == ["/api/v1/ask", "/"]
