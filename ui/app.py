"""The Gradio app: chat with cited answers, a document viewer, and the documents panel.

Start it with `qa serve` (or `python -m ui`). From Python:

>>> from ui.app import build_app
>>> from ui.service import Service
>>> service = Service("seeds", "index"); service.start()
>>> build_app(service).launch(server_name="127.0.0.1")

The named API endpoint `/ask` returns the same JSON as `qa ask --json`, plus "answer" and
"abstained":

>>> from gradio_client import Client
>>> Client("http://127.0.0.1:7860/").predict("what happened to Kloop Media", api_name="/ask")["answer"]
"""

from __future__ import annotations

import ipaddress
import logging
import os
import sys
from pathlib import Path
from typing import Any

import gradio as gr

from qa.retriever import MODES

from . import render
from .service import ACCEPTED, MAX_UPLOAD_BYTES, NotReady, Service
from .style import CSS, TRANSCRIPT_JS, VIEWER_JS

logger = logging.getLogger(__name__)

MAX_TURNS = 50
ANSWER_CONCURRENCY = int(os.environ.get("QA_ANSWER_CONCURRENCY", "1"))  # bench/load.py tries values


def build_app(service: Service) -> gr.Blocks:
    """The Blocks app over one Service. Call `.queue()` / `.launch()` on the result."""

    def chat(question: str, turns: list[dict[str, Any]], k: float, mode: str, per_doc: float):
        question = question or ""
        turns = list(turns or [])[-(MAX_TURNS - 1):]
        if not question.strip():
            yield render.transcript(turns), turns, ""
            return
        turns.append({"question": question, "pending": True})
        yield render.transcript(turns), turns, ""
        history = [t["answer"]["query"] for t in turns[:-1] if t.get("answer")]
        try:
            a = service.ask(question, history=history[-1:], k=int(k), mode=_mode(mode),
                            per_doc=int(per_doc) or None)
            turns[-1] = {"question": question, "answer": a.to_dict()}
        except NotReady as exc:
            turns[-1] = {"question": question, "error": str(exc)}
        except Exception as exc:  # never a traceback in the page
            logger.exception("answering %r failed", question[:200])
            turns[-1] = {"question": question,
                         "error": f"Sorry, something went wrong while answering ({type(exc).__name__}: {exc})."}
        yield render.transcript(turns), turns, ""

    def clear():
        return render.transcript([]), [], "", gr.Column(visible=False)

    def open_document(turns: list[dict[str, Any]], evt: gr.EventData):
        data = evt._data or {}
        try:
            t = turns[int(data["turn"])]["answer"]
            n = int(data["passage"])
            p = t["passages"][n - 1]
        except (KeyError, IndexError, TypeError, ValueError):
            return gr.skip(), gr.skip()
        sentences = [s for s in t["sentences"] if s["passage"] == n]
        try:
            html = render.document(service.document_text(p["doc_id"]), p, sentences)
        except Exception as exc:
            logger.exception("opening %s failed", p.get("source"))
            html = f'<p class="qa-error">Could not open {render.esc(p["source"])}: {render.esc(exc)}</p>'
        return html, gr.Column(visible=True)

    def upload(files: list[str] | None, replace: bool):
        results = []
        for f in files or []:
            try:
                results.append(service.add_file(f, Path(f).name, replace=replace))
            except Exception as exc:
                logger.exception("upload failed")
                from .service import UploadResult

                results.append(UploadResult(Path(f).name, None, f"{Path(f).name}: refused, {exc}", False))
        return render.uploads(results), documents_panel(), None

    def rebuild():
        service.start_build()
        return render.status(service.status()), render.build_result(service.status(), None, None), gr.Timer(active=True)

    def tick():
        s = service.status()
        b = service.build
        if s["building"]:
            return render.status(s), gr.skip(), render.build_result(s, None, None), gr.Timer(active=True)
        summary = b.report.summary() if b.report is not None else None
        return (render.status(s), documents_panel(), render.build_result(s, summary, b.finished),
                gr.Timer(active=False))

    def documents_panel() -> str:
        try:
            return render.documents(service.files())
        except Exception as exc:
            logger.exception("listing documents failed")
            return f'<p class="qa-error">Could not list the documents folder: {render.esc(exc)}</p>'

    def on_load():
        s = service.status()
        return render.status(s), documents_panel(), gr.Timer(active=s["building"])

    def ask(question: str, k: int = 5, mode: str = "hybrid", per_doc: int = 0,
            history: list[str] | None = None) -> dict[str, Any]:
        """Answer a question from the indexed documents.

        Returns the JSON of `qa ask --json` ({"question", "mode", "passages": [{"rank", "score",
        "text", "source", "title", "start", "end", "line_start", "line_end", "page", ...}]}) plus
        "answer" (quoted sentences with [n] markers, "" when abstaining), "sentences", "query",
        and "abstained" (true when the documents don't seem to answer the question).
        `history`: earlier queries of the conversation (each result's "query"), oldest first.
        """
        if mode not in MODES:
            raise gr.Error(f"mode must be one of {', '.join(MODES)}")
        try:
            a = service.ask(question or "", history=list(history or [])[-1:], k=max(1, min(int(k), 50)),
                            mode=mode, per_doc=int(per_doc) or None)
        except NotReady as exc:
            raise gr.Error(str(exc)) from None
        return a.to_dict()

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
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=320):
                        transcript = gr.HTML(render.transcript([]), elem_id="qa-transcript",
                                             js_on_load=TRANSCRIPT_JS, apply_default_css=False)
                        question = gr.Textbox(placeholder="Ask about your documents…",
                                              show_label=False, lines=1, max_lines=6, submit_btn="Ask",
                                              autofocus=True, elem_id="qa-question")
                        with gr.Row():
                            clear_btn = gr.Button("Clear chat", size="sm", variant="secondary", scale=0,
                                                  min_width=110, elem_id="qa-clear")
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
                docs = gr.HTML(elem_id="qa-documents", js_on_load=None, apply_default_css=False)
                files = gr.File(label=f"Add documents: {', '.join(ACCEPTED)}, up to {limit_mb} MB each",
                                file_count="multiple", file_types=list(ACCEPTED), elem_id="qa-upload")
                replace = gr.Checkbox(label="Replace files that have the same name (otherwise the upload is "
                                      "saved under a new name)", value=False)
                upload_msg = gr.HTML(elem_id="qa-upload-msg", js_on_load=None, apply_default_css=False)
                rebuild_btn = gr.Button("Rebuild index", variant="primary", elem_id="qa-rebuild")
                build_msg = gr.HTML(elem_id="qa-build-msg", js_on_load=None, apply_default_css=False)
        timer = gr.Timer(1.0, active=False)

        private = {"api_visibility": "private"}
        question.submit(chat, [question, turns, k, mode, per_doc], [transcript, turns, question],
                        concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY, show_progress="hidden", **private)
        clear_btn.click(clear, None, [transcript, turns, question, viewer_col], **private)
        transcript.open(open_document, [turns], [viewer, viewer_col], show_progress="hidden", **private)
        close_btn.click(lambda: gr.Column(visible=False), None, viewer_col, **private)
        files.upload(upload, [files, replace], [upload_msg, docs, files], **private)
        rebuild_btn.click(rebuild, None, [status, build_msg, timer], **private)
        timer.tick(tick, None, [status, docs, build_msg, timer], show_progress="hidden", **private)
        docs_tab.select(documents_panel, None, docs, show_progress="hidden", **private)
        demo.load(on_load, None, [status, docs, timer], show_progress="hidden", **private)
        gr.api(ask, api_name="ask", concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY)
    return demo


def _mode(mode: str) -> str:
    return mode if mode in MODES else "hybrid"


def theme() -> gr.themes.Base:
    # System fonts only: the app is offline, so no web fonts are fetched.
    return gr.themes.Default(
        primary_hue="orange", neutral_hue="slate",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"])


def read_credentials(auth: str | None, auth_file: str | None) -> list[tuple[str, str]] | None:
    """USER:PASSWORD pairs from --auth and/or --auth-file (one a line; # comments, blanks ignored)."""
    lines: list[tuple[str, str]] = []
    if auth_file:
        for n, line in enumerate(Path(auth_file).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append((f"{auth_file}:{n}", line.strip()))
    if auth:
        lines.append(("--auth", auth))
    creds = []
    for where, text in lines:
        user, sep, password = text.partition(":")
        if not sep or not user or not password:
            raise ValueError(f"{where}: expected USER:PASSWORD")
        creds.append((user, password))
    return creds or None


def serve(index_dir: str | Path = "index", seeds_dir: str | Path = "seeds", host: str = "127.0.0.1",
          port: int = 7860, auth: str | None = None, auth_file: str | None = None) -> int:
    """Load (or start building) the index and serve the app until interrupted."""
    try:
        creds = read_credentials(auth, auth_file)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"qa serve: error: {exc}\n")
        return 2
    if creds is None and not _is_loopback(host):
        sys.stderr.write(f"qa serve: warning: listening on {host} without --auth; anyone who can reach "
                         "this port can read the documents and upload files\n")
    from qa.index import is_url

    service = Service(Path(seeds_dir), index_dir if is_url(index_dir) else Path(index_dir))
    service.start()
    if service.build.running:
        sys.stderr.write(f"qa serve: no index at {index_dir} yet; building it from {seeds_dir} "
                         "(progress is shown in the browser)\n")
    demo = build_app(service)
    demo.queue(default_concurrency_limit=1)
    demo.launch(server_name=host, server_port=port, auth=creds, theme=theme(), css=CSS, ssr_mode=False,
                show_error=False, footer_links=["api"], max_file_size=MAX_UPLOAD_BYTES, inbrowser=False,
                auth_message="Sign in to ask questions of these documents.")
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
