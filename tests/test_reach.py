"""The ways in from other programs, with real clients: the `mcp` SDK's client over stdio (`qa mcp`
as a subprocess) and over streamable HTTP (a real `qa serve --mcp --auth`), httpx against the
REST routes of the same server, and the Tools layer both stand on."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import sys
from pathlib import Path

import httpx
import pytest

from conftest import KLOOP_SENTENCE, SEED_FILE, SEEDS
from qa import BadArgument, Retriever
from qa.tools import Tools
from ui_helpers import ROOT, running_app

mcp = pytest.importorskip("mcp")
from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

QUESTION = "what happened to Kloop Media"
USER, PASSWORD = "alice", "secret"  # as docs/reach.md shows them
ENV = {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONPATH": str(ROOT)}


def _kloop_location(seed_index: Path) -> str:
    """Where the Kloop sentence is, according to the library itself."""
    passages = Retriever.load(seed_index).search(QUESTION, k=5)
    return next(p.location for p in passages if KLOOP_SENTENCE in p.text)


def _check_kloop_answer(reply: dict, location: str) -> None:
    assert not reply["abstained"]
    assert KLOOP_SENTENCE in reply["answer"]
    quoted = next(s for s in reply["sentences"] if KLOOP_SENTENCE in s["text"])
    cited = next(c for c in reply["citations"] if c["passage"] == quoted["passage"])
    assert cited["location"] == location and cited["source"] == SEED_FILE
    assert f"[{quoted['passage']}]" in reply["answer"]
    assert 0 < reply["confidence"] <= 1 and isinstance(reply["notes"], list)


# ------------------------------------------------------------------ the Tools layer


def test_tools_read_a_passage_by_chunk_id_and_by_lines(seed_index):
    tools = Tools.open(seed_index)
    hit = tools.search(QUESTION, k=3)["passages"][0]
    by_id = tools.read_passage(chunk_id=hit["chunk_id"], context_chars=200)
    assert by_id["text"] == hit["text"] and by_id["location"] if "location" in by_id else True
    assert (by_id["source"], by_id["line_start"], by_id["line_end"]) == (hit["source"], hit["line_start"], hit["line_end"])
    document = Retriever.load(seed_index).document(hit["doc_id"]).text
    assert document[hit["start"] - len(by_id["before"]):hit["end"] + len(by_id["after"])] == \
        by_id["before"] + by_id["text"] + by_id["after"]
    assert 0 < len(by_id["before"]) <= 200 or hit["start"] == 0
    by_lines = tools.read_passage(source=SEED_FILE, line_start=hit["line_start"], line_end=hit["line_end"])
    assert hit["text"].strip() in by_lines["text"]
    lines = document.splitlines(keepends=True)  # a plain-text file: document lines are file lines
    assert by_lines["text"] == "".join(lines[hit["line_start"] - 1:hit["line_end"]])
    with pytest.raises(BadArgument, match="no passage with chunk_id 'c-nope'"):
        tools.read_passage(chunk_id="c-nope")
    with pytest.raises(BadArgument, match="no indexed document 'nope.txt'"):
        tools.read_passage(source="nope.txt", line_start=1)
    with pytest.raises(BadArgument, match="give a chunk_id, or a source"):
        tools.read_passage()
    with pytest.raises(BadArgument, match="has no line 100000"):
        tools.read_passage(source=SEED_FILE, line_start=100000)


def test_tools_say_when_a_filter_keeps_nothing(seed_index):
    tools = Tools.open(seed_index)
    reply = tools.ask(QUESTION, where={"source": "reports/**"})
    assert reply["passages"] == [] and reply["abstained"]
    assert reply["notes"][0] == "No indexed document matches the filter (source 'reports/**'); nothing was searched."
    assert tools.list_documents(where={"source": "*.txt"})["count"] == 1


# ------------------------------------------------------------------ MCP over stdio


def test_mcp_over_stdio_answers_with_the_kloop_sentence_and_its_citation(seed_index):
    location = _kloop_location(seed_index)
    params = StdioServerParameters(command=sys.executable, args=["-m", "qa", "mcp", "--index", str(seed_index)],
                                   cwd=str(ROOT), env=ENV)

    async def session():
        async with Client(params, read_timeout_seconds=120) as client:
            listed = {t.name: t for t in (await client.list_tools()).tools}
            reply = await client.call_tool("ask", {"question": QUESTION})
            search = await client.call_tool("search", {"query": "Kloop", "k": 2, "where": {"source": "*.txt"}})
            passage = await client.call_tool("read_passage", {"chunk_id": search.structured_content["passages"][0]["chunk_id"]})
            docs = await client.call_tool("list_documents", {})
            bad = await client.call_tool("search", {"query": "Kloop", "where": {"modified_after": "yesterday"}})
            return listed, reply, search, passage, docs, bad

    listed, reply, search, passage, docs, bad = asyncio.run(session())
    assert set(listed) == {"search", "ask", "list_documents", "read_passage"}
    for tool in listed.values():
        assert tool.description and len(tool.description) > 80
        assert tool.annotations.read_only_hint is True
        assert tool.input_schema["type"] == "object"
    assert listed["ask"].input_schema["required"] == ["question"]
    where = listed["search"].input_schema["$defs"]["Where"]
    assert set(where["properties"]) == {"source", "language", "modified_after", "modified_before"}
    assert not reply.is_error
    _check_kloop_answer(reply.structured_content, location)
    assert [p["source"] for p in search.structured_content["passages"]] == [SEED_FILE, SEED_FILE]
    assert passage.structured_content["text"] == search.structured_content["passages"][0]["text"]
    assert docs.structured_content["documents"][0]["source"] == SEED_FILE
    assert docs.structured_content["documents"][0]["language"] == "en"
    assert bad.is_error and "must be an ISO date" in bad.content[0].text


def test_qa_mcp_without_an_index_fails_in_one_line(tmp_path):
    import subprocess

    done = subprocess.run([sys.executable, "-m", "qa", "mcp", "--index", str(tmp_path / "none")], cwd=ROOT,
                          env=dict(os.environ, **ENV), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("qa mcp: error: no index at ") and done.stderr.count("\n") == 1


# ------------------------------------------------------------------ qa serve: REST and MCP over HTTP


@pytest.fixture(scope="module")
def server(seed_index, tmp_path_factory):
    """A real `qa serve --mcp --auth` on a free 127.0.0.1 port over a copy of the seed index."""
    base = tmp_path_factory.mktemp("reach")
    shutil.copytree(SEEDS, base / "seeds")
    shutil.copytree(seed_index, base / "index")
    with running_app(base / "seeds", base / "index", base / "serve.log",
                     extra=("--mcp", "--auth", f"{USER}:{PASSWORD}")) as url:
        yield url.rstrip("/")


AUTH = (USER, PASSWORD)


def test_rest_needs_credentials(server):
    for path, body in (("/api/v1/ask", {"question": QUESTION}), ("/api/v1/search", {"query": "Kloop"})):
        r = httpx.post(server + path, json=body, timeout=60)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
        assert r.json()["error"].startswith("sign-in required")
        assert httpx.post(server + path, json=body, auth=(USER, "wrong"), timeout=60).status_code == 401
    assert httpx.get(server + "/api/v1/openapi.json", timeout=60).status_code == 401


def test_rest_ask_and_search(server, seed_index):
    location = _kloop_location(seed_index)
    r = httpx.post(server + "/api/v1/ask", json={"question": QUESTION}, auth=AUTH, timeout=60)
    assert r.status_code == 200
    _check_kloop_answer(r.json(), location)
    cli_keys = {"question", "mode", "passages", "answer", "abstained", "confidence", "sentences"}
    assert cli_keys <= set(r.json())  # the fields of `qa ask --json`
    r = httpx.post(server + "/api/v1/search", auth=AUTH, timeout=60,
                   json={"query": "Kloop Media", "k": 2, "mode": "lexical", "where": {"source": ["*.txt"]}})
    assert r.status_code == 200 and len(r.json()["passages"]) == 1  # one passage names Kloop
    r = httpx.post(server + "/api/v1/search", auth=AUTH, timeout=60,
                   json={"query": "Kloop Media", "k": 2, "mode": "dense", "where": {"source": ["*.txt"]}})
    assert r.status_code == 200
    body = r.json()
    assert len(body["passages"]) == 2 and body["where"] == {"source": ["*.txt"]} and body["mode"] == "dense"
    assert body["passages"][0]["dense_score"] > 0 and body["passages"][0]["rank"] == 1
    none = httpx.post(server + "/api/v1/search", auth=AUTH, timeout=60,
                      json={"query": "Kloop", "where": {"source": "reports/*.pdf"}}).json()
    assert none["passages"] == [] and none["notes"][0].startswith("No indexed document matches the filter")
    docs = httpx.get(server + "/api/v1/documents", auth=AUTH, timeout=60).json()
    assert docs["count"] == 1 and docs["documents"][0]["source"] == SEED_FILE


@pytest.mark.parametrize("path, body, status, message", [
    ("/api/v1/search", {"query": "Kloop", "k": 0}, 422, "k: Input should be greater than or equal to 1"),
    ("/api/v1/search", {"k": 3}, 422, "query: Field required"),
    ("/api/v1/search", {"query": "Kloop", "mode": "fuzzy"}, 422, "mode: Input should be 'hybrid', 'dense' or 'lexical'"),
    ("/api/v1/search", {"query": "Kloop", "colour": "red"}, 422, "colour: Extra inputs are not permitted"),
    ("/api/v1/ask", {"question": "x", "where": {"folder": "a"}}, 422, "where.folder: Extra inputs are not permitted"),
    ("/api/v1/ask", {"question": "x", "where": {"source": "/etc/passwd"}}, 400, "must be a path relative to the documents folder"),
    ("/api/v1/ask", {"question": "x", "where": {"modified_after": "2024-13-45"}}, 400, "must be an ISO date"),
    ("/api/v1/ask", {"question": 42}, 422, "question: Input should be a valid string"),
    ("/api/v1/ask", {"question": "  "}, 422, "question: String should match pattern"),
    ("/api/v1/search", {"query": ""}, 422, "query: String should match pattern"),
    ("/api/v1/ask", "not json", 422, "JSON decode error"),
])
def test_rest_bad_input_is_a_4xx_json_error(server, path, body, status, message):
    kwargs = {"content": body, "headers": {"content-type": "application/json"}} if isinstance(body, str) else {"json": body}
    r = httpx.post(server + path, auth=AUTH, timeout=60, **kwargs)
    assert r.status_code == status
    assert message in r.json()["error"] and "\n" not in r.json()["error"]


def test_rest_openapi_schema(server):
    schema = httpx.get(server + "/api/v1/openapi.json", auth=AUTH, timeout=60).json()
    assert schema["servers"] == [{"url": "/api/v1"}]
    assert {"/search", "/ask", "/documents"} <= set(schema["paths"])
    ask = schema["components"]["schemas"]["AskRequest"]
    assert ask["required"] == ["question"]
    assert {"question", "k", "mode", "per_doc", "where", "history"} == set(ask["properties"])
    assert "glob" in schema["components"]["schemas"]["Where"]["properties"]["source"]["description"].lower()


def _mcp_over_http(server: str, auth):
    async def session():
        http = None
        if auth is not None:
            import httpx2

            http = httpx2.AsyncClient(auth=auth, timeout=120)
        async with Client(streamable_http_client(server + "/mcp", http_client=http)) as client:
            return await client.call_tool("ask", {"question": QUESTION, "where": {"source": SEED_FILE}})

    return asyncio.run(session())


def test_mcp_over_http_answers_with_credentials(server, seed_index):
    reply = _mcp_over_http(server, AUTH)
    assert not reply.is_error
    _check_kloop_answer(reply.structured_content, _kloop_location(seed_index))


def test_mcp_over_http_refuses_without_credentials(server):
    with pytest.raises(BaseException) as caught:  # the SDK's task group wraps the HTTP error
        _mcp_over_http(server, None)
    assert "Server returned an error response" in repr(caught.value)
    # The raw protocol request the client would send, refused before any tool runs.
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "ask", "arguments": {"question": QUESTION}}}
    r = httpx.post(server + "/mcp", json=call, timeout=60,
                   headers={"accept": "application/json, text/event-stream"})
    assert r.status_code == 401 and "Kloop" not in r.text
    wrong = "Basic " + base64.b64encode(f"{USER}:nope".encode()).decode()
    r = httpx.post(server + "/mcp", json=call, timeout=60,
                   headers={"accept": "application/json, text/event-stream", "authorization": wrong})
    assert r.status_code == 401 and "Kloop" not in r.text


def _mcp_call(server: str, auth: tuple[str, str] | None, headers: dict[str, str] | None = None) -> httpx.Response:
    """One raw MCP tools/call over HTTP, as a client sends it (the SDK's session wraps HTTP errors)."""
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_documents", "arguments": {}}}
    return httpx.post(server + "/mcp", json=call, auth=auth, timeout=60,
                      headers={"accept": "application/json, text/event-stream", **(headers or {})})


def test_wrong_passwords_on_rest_and_mcp_are_throttled_with_the_chat_login(seed_index, tmp_path):
    """One qa.Throttle counts failed sign-ins per client on REST, MCP and the chat's login: after 3
    free tries each failure locks the client out (429 with Retry-After, even with the right password),
    X-Forwarded-For is not trusted by default, and the right password after the wait works."""
    import time

    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copytree(seed_index, tmp_path / "index")
    log = tmp_path / "serve.log"
    wrong = (USER, "wrong")
    with running_app(tmp_path / "seeds", tmp_path / "index", log, extra=("--mcp", "--auth", f"{USER}:{PASSWORD}")) as url:
        server = url.rstrip("/")
        ask = server + "/api/v1/ask"
        codes = [httpx.post(ask, json={"question": QUESTION}, auth=wrong, timeout=60,
                            headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(4)]
        assert codes == [401] * 4  # rotating X-Forwarded-For: still one client, 127.0.0.1
        locked = httpx.post(ask, json={"question": QUESTION}, auth=AUTH, timeout=60)
        assert locked.status_code == 429 and locked.json()["error"].startswith("Too many failed sign-ins")
        wait = int(locked.headers["retry-after"])
        assert wait >= 1
        assert _mcp_call(server, AUTH).status_code == 429  # the same count: MCP is locked too
        assert httpx.post(url + "login", data={"username": USER, "password": PASSWORD}, timeout=60).status_code == 429
        time.sleep(wait + 0.2)
        ok = httpx.post(ask, json={"question": QUESTION}, auth=AUTH, timeout=60)
        assert ok.status_code == 200 and KLOOP_SENTENCE in ok.json()["answer"]  # and the count starts again

        assert [_mcp_call(server, wrong).status_code for _ in range(4)] == [401] * 4
        locked = _mcp_call(server, AUTH)
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
        assert httpx.get(server + "/api/v1/documents", auth=AUTH, timeout=60).status_code == 429
        time.sleep(int(locked.headers["retry-after"]) + 0.2)
        reply = _mcp_call(server, AUTH)
        assert reply.status_code == 200 and SEED_FILE in reply.text
        # Without credentials a request is refused (401) but not counted as a wrong password.
        assert [httpx.get(server + "/api/v1/documents", timeout=60).status_code for _ in range(5)] == [401] * 5
        assert httpx.get(server + "/api/v1/documents", auth=AUTH, timeout=60).status_code == 200
    text = log.read_text(encoding="utf-8")
    assert "failed sign-in from 127.0.0.1 to /api/v1/ask (4 in a row); next attempt allowed in 1 s" in text
    assert "failed sign-in from 127.0.0.1 to /mcp (4 in a row)" in text and "203.0.113." not in text
    assert "sign-in from 127.0.0.1 to /mcp refused: locked out" in text


def test_behind_a_trusted_proxy_rest_counts_each_forwarded_client(seed_index, tmp_path):
    """--trusted-proxy: the address X-Forwarded-For names is the client, on REST as on the chat."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copytree(seed_index, tmp_path / "index")
    log = tmp_path / "serve.log"
    extra = ("--auth", f"{USER}:{PASSWORD}", "--trusted-proxy", "127.0.0.1")
    with running_app(tmp_path / "seeds", tmp_path / "index", log, extra=extra) as url:
        docs = url + "api/v1/documents"

        def tries(addresses: list[str]) -> list[int]:
            return [httpx.get(docs, auth=(USER, "wrong"), headers={"X-Forwarded-For": a}, timeout=60).status_code
                    for a in addresses]

        assert tries([f"203.0.113.{i}" for i in range(1, 6)]) == [401] * 5  # five clients, one try each
        assert tries(["198.51.100.9"] * 5) == [401] * 4 + [429]
        assert httpx.get(docs, auth=AUTH, headers={"X-Forwarded-For": "203.0.113.1"}, timeout=60).status_code == 200
    text = log.read_text(encoding="utf-8")
    assert "failed sign-in from 198.51.100.9 to /api/v1/documents (4 in a row)" in text
    assert "failed sign-in from 127.0.0.1" not in text


# ------------------------------------------------------------------ docs/reach.md: every example runs


DOC = ROOT / "docs" / "reach.md"


def _examples() -> list[tuple[str, str]]:
    import re

    return re.findall(r"```(\w+)\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_every_example_of_docs_reach_runs(server, seed_index, tmp_path, monkeypatch, capsys):
    """Each block of docs/reach.md, as written, with the seed index as ./index and the doc's
    server address pointing at the test's `qa serve --mcp --auth alice:secret`."""
    import json
    import shlex
    import subprocess

    shutil.copytree(seed_index, tmp_path / "index")
    monkeypatch.chdir(tmp_path)
    location = _kloop_location(seed_index)
    env = dict(os.environ, **ENV)
    examples = _examples()
    assert [kind for kind, _ in examples] == ["python", "sh", "json", "python", "sh", "python", "python", "python"]
    for kind, code in examples:
        code = code.replace("http://127.0.0.1:7860", server)
        if kind == "python":
            exec(compile(code, str(DOC), "exec"), {"__name__": "__reach_example__"})
            out = capsys.readouterr().out
        elif kind == "sh":
            command = shlex.split(code.strip())
            if command[0] == "qa":
                command = [sys.executable, "-m", "qa", *command[1:]]
            done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
            out = done.stdout
            assert json.loads(out)["passages"], out
        else:  # the MCP client configuration: launch what it says, as the assistant would
            config = json.loads(code)["mcpServers"]["documents"]
            command = [sys.executable, "-m", "qa"] if config["command"] == "qa" else [config["command"]]
            params = StdioServerParameters(command=command[0], args=[*command[1:], *config["args"]],
                                           cwd=str(tmp_path), env=ENV)

            async def ask():
                async with Client(params, read_timeout_seconds=120) as client:
                    return await client.call_tool("ask", {"question": QUESTION})

            out = asyncio.run(ask()).structured_content["answer"]
        if "Kloop" in code:
            assert "Kloop" in out or location in out or SEED_FILE in out, (code, out)


def test_qa_mcp_switches_to_a_rebuilt_index(seed_index, tmp_path, embedder):
    """A long-lived stdio server answers from the newest build of its index."""
    from qa import build_index
    from conftest import write

    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copytree(seed_index, tmp_path / "index")
    params = StdioServerParameters(command=sys.executable, args=["-m", "qa", "mcp", "--index", str(tmp_path / "index")],
                                   cwd=str(ROOT), env=ENV)

    async def session():
        async with Client(params, read_timeout_seconds=120) as client:
            before = await client.call_tool("list_documents", {})
            write(tmp_path / "seeds", "bridge.txt", "The Vardane river bridge reopened on 3 March 2024.")
            build_index(tmp_path / "seeds", tmp_path / "index", embedder=embedder)
            await asyncio.sleep(2.5)
            after = await client.call_tool("search", {"query": "Vardane bridge", "k": 1})
            return before, after

    before, after = asyncio.run(session())
    assert before.structured_content["count"] == 1
    assert after.structured_content["passages"][0]["source"] == "bridge.txt"
