"""The archive as a Model Context Protocol server, for desktop assistants and IDE agents.

    qa mcp --index ~/notes-index        # over stdio: what Claude Desktop and most clients launch
    qa serve --mcp                      # streamable HTTP at http://127.0.0.1:7860/mcp, beside the chat

Four read-only tools (qa.tools does the work; qa.schemas holds their argument schema):
search, ask, list_documents and read_passage. Built on the official `mcp` SDK.
"""

from __future__ import annotations

import logging
import sys
import time
from contextlib import contextmanager
from typing import Annotated, Any, Iterator

from pydantic import Field

from . import QAError, Retriever, Tools, __version__
from .schemas import K, History, Mode, PerDoc, Query, Question, WhereArg, where_dict
from .tools import CONTEXT_CHARS

logger = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Searches and answers from a private archive of documents, offline. Every passage comes with a "
    "citation (file path and lines or page). Use `ask` for a question that has an answer in the documents "
    "(it quotes the sentences that answer it, or abstains when the documents do not say); use `search` to "
    "find passages on a topic; `list_documents` shows which files there are (and the paths a `where` filter "
    "can name); `read_passage` shows a cited passage with the text around it. Quote and cite what the tools "
    "return; do not present anything else as coming from the documents.")

REFRESH_SECONDS = 2.0
"""`qa mcp` looks for a newer build of its index at most this often (one small file read)."""

PATH = "/mcp"
"""Where `qa serve --mcp` serves the streamable-HTTP endpoint."""


def build_server(tools: Tools):
    """An MCPServer with the four tools over `tools`."""
    from mcp.server.mcpserver import MCPServer
    from mcp_types import ToolAnnotations

    server = MCPServer(name="qa", title="qa: ask your documents", version=__version__, instructions=INSTRUCTIONS)
    read_only = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)

    @server.tool(title="Search the documents", annotations=read_only)
    def search(query: Query, k: K = 5, mode: Mode = "hybrid", per_doc: PerDoc = None,
               where: WhereArg = None) -> dict[str, Any]:
        """Find the passages of the documents that best match a query, best first. Each passage has its
        text, `source` (file path), `location` ("file.txt:12-15" or "file.pdf p. 3") to cite, `score` and
        `chunk_id` (for read_passage). `where` limits the search to some files, a language or dates;
        `notes` says when the filter keeps no document."""
        with _refusal():
            return tools.search(query, k=k, mode=mode, per_doc=per_doc, where=where_dict(where))

    @server.tool(title="Answer a question from the documents", annotations=read_only)
    def ask(question: Question, where: WhereArg = None, k: K = 5, mode: Mode = "hybrid",
            history: History = None) -> dict[str, Any]:
        """Answer a question by quoting the documents. Returns `answer` (the quoted sentences with [n]
        markers; empty when `abstained` is true, i.e. the documents do not seem to answer it),
        `sentences` (each quoted sentence and the passage number it comes from), `citations` (the
        quoted passages' locations), `passages` (the k passages searched, numbered from 1),
        `confidence` (0-1, calibrated), `confidence_words` and `notes`."""
        with _refusal():
            return tools.ask(question, k=k, mode=mode, where=where_dict(where), history=history)

    @server.tool(title="List the documents", annotations=read_only)
    def list_documents(where: WhereArg = None,
                       limit: Annotated[int, Field(ge=1, le=100_000, description="At most this many.")] = 1000
                       ) -> dict[str, Any]:
        """The indexed documents sorted by path: `source` (the path `where` filters match), title,
        format, detected language, modification time (UTC), size in bytes and number of passages."""
        with _refusal():
            return tools.list_documents(where=where_dict(where), limit=limit)

    @server.tool(title="Read a passage with its context", annotations=read_only)
    def read_passage(
            chunk_id: Annotated[str | None, Field(description="A passage's chunk_id from search or ask.")] = None,
            source: Annotated[str | None, Field(
                description="Or a document's path (as list_documents shows)...")] = None,
            line_start: Annotated[int | None, Field(ge=1, description="...its first line...")] = None,
            line_end: Annotated[int | None, Field(ge=1, description="...and last line (default: line_start).")] = None,
            context_chars: Annotated[int, Field(ge=0, le=5000, description="Characters of the document to "
                                                "show before and after.")] = CONTEXT_CHARS) -> dict[str, Any]:
        """The exact text of a passage, by chunk_id or by source and lines, with the document's text just
        `before` and `after` it, its title and location (lines, page)."""
        with _refusal():
            return tools.read_passage(chunk_id=chunk_id, source=source, line_start=line_start,
                                      line_end=line_end, context_chars=context_chars)

    return server


@contextmanager
def _refusal() -> Iterator[None]:
    """A wrong argument or an index problem reaches the assistant as a tool error in words it can
    act on (the SDK would replace any other exception's text by a generic one)."""
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        yield
    except QAError as exc:
        raise ToolError(str(exc)) from None


def serve_stdio(index: str) -> None:
    """`qa mcp`: serve the index over stdin/stdout until the client closes it. The index is loaded
    first, so a missing one fails at once; stdout carries only the protocol."""
    retriever = Retriever.load(index)
    checked = [time.monotonic()]

    def current() -> Retriever:
        """The index, switched to a newer build now and then: an assistant keeps this server for days."""
        if time.monotonic() - checked[0] > REFRESH_SECONDS:
            checked[0] = time.monotonic()
            retriever.refresh()
        return retriever

    logger.info("serving %s over MCP (stdio)", index)
    build_server(Tools(current)).run("stdio")


def cmd_mcp(args) -> int:
    """The `qa mcp` command (qa.cli parses its arguments)."""
    serve_stdio(args.index)
    return 0


def http_app(tools: Tools, host: str = "127.0.0.1"):
    """The streamable-HTTP MCP endpoint at PATH, as a Starlette app (run its lifespan too).

    Stateless, with JSON replies: every tool call is one POST, so any number of clients can call
    at once and nothing is kept between requests. On a loopback `host` the SDK refuses requests
    whose Host or Origin header is not local (DNS rebinding)."""
    return build_server(tools).streamable_http_app(streamable_http_path=PATH, stateless_http=True,
                                                   json_response=True, host=host)


if __name__ == "__main__":  # python -m qa.mcp INDEX
    serve_stdio(sys.argv[1] if len(sys.argv) > 1 else "index")
