"""The Gradio app: chat with cited answers, a document viewer, and the documents panel.

Start it with `qa serve` (or `python -m ui`). From Python:

>>> from ui.app import launch
>>> from ui.service import Service
>>> service = Service("seeds", "index"); service.start()
>>> launch(service, host="127.0.0.1", port=7860)       # or build_app(service) for the Blocks

The named API endpoint `/ask` returns the same JSON as `qa ask --json`, plus "answer" and
"abstained":

>>> from gradio_client import Client
>>> Client("http://127.0.0.1:7860/").predict("what happened to Kloop Media", api_name="/ask")["answer"]
"""

from __future__ import annotations

import gc
import importlib.util
import logging
import os
import sys
from contextlib import asynccontextmanager
from typing import Any, Sequence

import gradio as gr
from starlette.middleware import Middleware
from starlette.routing import Match

from qa import MODES

from . import render
from .handlers import Handlers
from .login import LoginThrottle, Throttle, trust_proxies
from .service import Service
from .style import CSS, DOCUMENTS_JS, TRANSCRIPT_JS, UPLOAD_MSG_JS, VIEWER_JS
from .uploads import ACCEPTED, MAX_UPLOAD_BYTES

logger = logging.getLogger(__name__)

ANSWER_CONCURRENCY = 32  # questions answered at once (chat and /ask share it); the index is read-only.
# Measured (bench/load.py, 200 /ask at once, 2 cores): 32 gave 72-95 answers/s and p95 1.9-2.5 s
# against 46-61/s and 3.0-4.0 s at 4 (108-133/s and p95 1.3-1.6 s at 32 since lighten_gradio
# below): an answer costs ~2 ms of CPU, so more of them in flight mostly lets Gradio's queue send
# their results in fewer, larger rounds. Memory per answer in flight is a few hundred candidate
# sentences: 32 of them stay in the megabytes.
STATUS_UPDATE_SECONDS = 1.0
"""How often Gradio's queue tells waiting clients their place in line. Its default ("auto") tells every
waiting client each time any event starts: with 200 questions queued that is ~20,000 messages (each a
pass of the event stream) for 200 answers; the chat hides the queue position anyway."""
FOLDER_CONCURRENCY = 1   # uploads, removals and rebuilds change the documents folder: one at a time

ANALYTICS_EVERY = 1000
"""Gradio's queue recomputes its usage summary (a pandas DataFrame over up to 10,000 past events)
after every event by default; every ANALYTICS_EVERY events is plenty for a summary nobody here
reads, and keeps the cost of an answer from growing with the server's age."""


def lighten_gradio() -> None:
    """Drop two per-event costs of Gradio that an answer server does not need (measured with
    py-spy under bench/load.py: together about 10% of the server's CPU at 200 /ask at once, and
    the analytics part grows with the number of events served, up to 10,000):

    - the analytics summary above (GRADIO_ANALYTICS_CACHE_FREQUENCY; a value set by the user wins);
    - every event does `import matplotlib` to switch its backend; where matplotlib is not installed
      each of those failed imports searched sys.path again. Marking it absent in sys.modules (the
      documented way) makes the import fail at once, as it would anyway.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(ANALYTICS_EVERY))
    if "matplotlib" not in sys.modules and importlib.util.find_spec("matplotlib") is None:
        sys.modules["matplotlib"] = None  # type: ignore[assignment]


def build_app(service: Service, *, answer_concurrency: int = ANSWER_CONCURRENCY) -> gr.Blocks:
    """The Blocks app over one Service. Call `.queue()` / `.launch()` on the result."""
    lighten_gradio()  # before gr.Blocks: its queue reads the setting when created
    h = Handlers(service)
    limit_mb = MAX_UPLOAD_BYTES // (1024 * 1024)
    with gr.Blocks(title="qa · ask your documents", analytics_enabled=False) as demo:
        turns = gr.State([])
        with gr.Column(elem_id="qa-header"):
            gr.HTML("<h1>Ask your documents</h1><p>Answers quoted from your files, with sources you can check.</p>",
                    js_on_load=None, apply_default_css=False)
            status = gr.HTML(render.status(service.status()), elem_id="qa-status", js_on_load=None,
                             apply_default_css=False)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False, elem_id="qa-chat-row"):
                    with gr.Column(scale=3, min_width=320):
                        transcript = gr.HTML(render.transcript([]), elem_id="qa-transcript",
                                             js_on_load=TRANSCRIPT_JS, apply_default_css=False)
                        question = gr.Textbox(placeholder="Ask about your documents…",
                                              show_label=False, lines=1, max_lines=6, submit_btn="Ask",
                                              autofocus=True, elem_id="qa-question")
                        with gr.Row():
                            clear_btn = gr.Button("Clear chat", size="sm", variant="secondary", scale=0,
                                                  min_width=110, elem_id="qa-clear")
                        scope = gr.Dropdown([], value=[], multiselect=True, label="Search only in",
                                            info="documents or folders; none chosen: all of them",
                                            elem_id="qa-scope")
                        with gr.Accordion("Search settings", open=False):
                            k = gr.Slider(1, 20, value=5, step=1, label="Passages to show", elem_id="qa-k")
                            mode = gr.Radio(list(MODES), value="hybrid", label="Search mode", elem_id="qa-mode",
                                            info="hybrid: meaning and keywords; dense: meaning; lexical: keywords")
                            per_doc = gr.Slider(0, 10, value=0, step=1, label="At most this many passages "
                                                "from one document (0 = no limit)", elem_id="qa-per-doc")
                    with gr.Column(scale=2, min_width=320, visible=False, elem_id="qa-viewer-col") as viewer_col:
                        viewer = gr.HTML("", elem_id="qa-viewer", js_on_load=VIEWER_JS, apply_default_css=False)
                        close_btn = gr.Button("Close document", size="sm", variant="secondary")
            with gr.Tab("Documents", id="documents") as docs_tab:
                docs = gr.HTML(elem_id="qa-documents", js_on_load=DOCUMENTS_JS, apply_default_css=False)
                remove_msg = gr.HTML(elem_id="qa-remove-msg", js_on_load=None, apply_default_css=False)
                files = gr.File(label=f"Add documents: {', '.join(ACCEPTED)}, up to {limit_mb} MB each",
                                file_count="multiple", file_types=list(ACCEPTED), elem_id="qa-upload")
                replace = gr.Checkbox(label="Replace files that have the same name (otherwise the upload is "
                                      "saved under a new name)", value=False)
                upload_msg = gr.HTML(elem_id="qa-upload-msg", js_on_load=UPLOAD_MSG_JS, apply_default_css=False)
                rebuild_btn = gr.Button("Rebuild index", variant="primary", elem_id="qa-rebuild")
                build_msg = gr.HTML(elem_id="qa-build-msg", js_on_load=None, apply_default_css=False)
        timer = gr.Timer(1.0, active=False)

        private = {"api_visibility": "private"}
        answers = {"concurrency_id": "answer", "concurrency_limit": answer_concurrency}
        folder = {"concurrency_id": "folder", "concurrency_limit": FOLDER_CONCURRENCY}
        question.submit(h.chat, [question, turns, k, mode, per_doc, scope], [transcript, turns, question],
                        show_progress="hidden", **answers, **private)
        scope.focus(h.scope_choices, None, scope, show_progress="hidden", **private)
        clear_btn.click(h.clear, None, [transcript, turns, question, viewer_col], **private)
        transcript.open(h.open_document, [turns], [viewer, viewer_col], show_progress="hidden", **private)
        close_btn.click(lambda: gr.Column(visible=False), None, viewer_col, **private)
        files.upload(h.upload, [files, replace], [upload_msg, docs, files], **folder, **private)
        docs.delete(h.remove, None, [remove_msg, docs], show_progress="hidden", **folder, **private)
        rebuild_btn.click(h.rebuild, None, [status, build_msg, timer], show_progress="hidden", **folder, **private)
        timer.tick(h.tick, None, [status, docs, build_msg, upload_msg, remove_msg, timer], show_progress="hidden", **private)
        docs_tab.select(h.documents_panel, None, docs, show_progress="hidden", **private)
        demo.load(h.on_load, None, [status, docs, timer], show_progress="hidden", **private)
        demo.load(h.scope_choices, None, scope, show_progress="hidden", **private)
        gr.api(h.ask, api_name="ask", **answers)
    return demo


def queued(demo: gr.Blocks) -> gr.Blocks:
    """The app with Gradio's queue set up as `launch` serves it: one event at a time unless an event
    says otherwise (answers: answer_concurrency), places in line sent every STATUS_UPDATE_SECONDS."""
    demo.queue(default_concurrency_limit=1, status_update_rate=STATUS_UPDATE_SECONDS)
    return demo


def theme() -> gr.themes.Base:
    # System fonts only: the app is offline, so no web fonts are fetched.
    return gr.themes.Default(
        primary_hue="orange", neutral_hue="slate",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"])


def launch(service: Service, *, host: str = "127.0.0.1", port: int = 7860,
           auth: list[tuple[str, str]] | None = None, answer_concurrency: int = ANSWER_CONCURRENCY,
           trusted_proxies: Sequence[str] = (), routes: list | None = None, lifespan=None,
           throttle: Throttle | None = None, ahead: Sequence[str] = ()) -> None:
    """Serve the app over a started Service until interrupted. Errors are raised, not printed.

    Failed sign-ins are throttled per client (ui.login.LoginThrottle counting in `throttle`); a
    client is the address that connects, or the one named by X-Forwarded-For when that comes from
    `trusted_proxies`. `routes` (Starlette routes, matched before the app's own) and `lifespan`
    serve more beside the chat: qa serve's REST API and MCP endpoint (qa.rest.routes), which check
    credentials themselves (pass them the same `throttle`). The routes whose path is in `ahead` are
    also served in front of Gradio's middleware (Ahead).
    """
    trust_proxies(trusted_proxies)  # before the server is configured
    app_kwargs: dict = {"middleware": [Middleware(LoginThrottle, throttle=throttle)]} if auth else {}
    if routes:
        app_kwargs["routes"] = list(routes)
    first = [r for r in routes or () if getattr(r, "path", None) in ahead]
    if first or lifespan is not None:
        app_kwargs["lifespan"] = in_front(first, lifespan)
    demo = queued(build_app(service, answer_concurrency=answer_concurrency))
    demo.launch(server_name=host, server_port=port, auth=auth, theme=theme(), css=CSS, ssr_mode=False,
                show_error=False, footer_links=["api"], max_file_size=MAX_UPLOAD_BYTES, inbrowser=False,
                auth_message="Sign in to ask questions of these documents.",
                app_kwargs=app_kwargs or None,
                quiet=True, prevent_thread_lock=True)
    logger.info("the chat is at %s%s", demo.local_url, " (sign-in required)" if auth else "")
    freeze_startup_objects()
    demo.block_thread()


class Ahead:
    """ASGI: a request for one of `routes` is handed to it before the app's middleware stack
    (`app`): Gradio's CORS and compression layers, FastAPI's exception, body-limit and telemetry
    layers and its router, which at 200 REST questions at once cost as much CPU as the answers.
    A request from a web page (an Origin header) still goes the whole way, for Gradio's CORS rules.
    The same routes stay mounted in the app for it."""

    def __init__(self, app: Any, routes: Sequence[Any]) -> None:
        self.app, self.routes = app, list(routes)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and not any(name == b"origin" for name, _ in scope.get("headers") or ()):
            for route in self.routes:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child)
                    await route.handle(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def in_front(routes: Sequence[Any], lifespan=None):
    """A lifespan that puts Ahead(routes) before the app's middleware stack, then runs `lifespan`.
    The server runs it before it takes its first connection."""

    @asynccontextmanager
    async def start(app):
        if routes:
            app.middleware_stack = Ahead(app.middleware_stack or app.build_middleware_stack(), routes)
        if lifespan is None:
            yield
            return
        async with lifespan(app) as state:
            yield state

    return start


def freeze_startup_objects() -> None:
    """Leave what start-up made (Gradio, FastAPI, pydantic, the models, the index: ~260,000
    objects) out of Python's full garbage collections. Each full collection walked them all:
    ~150 ms with every thread stopped, about every 400 answers, a stall that lands in the p95 of a
    burst (measured with gc.callbacks under bench/load.py). They live as long as the server
    anyway; what answers create afterwards is collected as before."""
    gc.collect()
    gc.freeze()
