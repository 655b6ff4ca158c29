"""The app's event handlers: what happens on a question, a click, an upload, a rebuild.

>>> h = Handlers(service)
>>> html, turns, _ = list(h.chat("what happened to Kloop Media", [], 5, "hybrid", 0))[-1]

Each handler returns the values of its event's outputs (ui/app.py wires them). They never let
an exception reach the page: errors become a line of text.
"""

from __future__ import annotations

import inspect
import logging
import time
import typing
from pathlib import Path
from typing import Any

import gradio as gr

from qa import MODES, Answer, PageNotAvailable, QAError, escape_glob

from . import render
from .service import NotReady, Service
from .uploads import UploadResult

logger = logging.getLogger(__name__)

MAX_TURNS = 50
MAX_SCOPE_CHOICES = 5000  # folders first, then documents
NO_SCOPE_MATCH = ("None of the chosen documents or folders is in the index any more; change \u201cSearch only "
                  "in\u201d or clear it to search everything.")


class Handlers:
    """The handlers over one Service."""

    def __init__(self, service: Service) -> None:
        self.service = service

    # ------------------------------------------------------------ chat

    def chat(self, question: str, turns: list[dict[str, Any]], k: float, mode: str, per_doc: float,
             scope: list[str] | None = None):
        question = question or ""
        turns = list(turns or [])[-(MAX_TURNS - 1):]
        if not question.strip():
            yield render.transcript(turns), turns, ""
            return
        turns.append({"question": question, "pending": True})
        yield render.transcript(turns), turns, ""
        where = {"source": [str(s) for s in scope]} if scope else None
        try:
            empty = where is not None and not self.service.current_retriever().matching(where)
        except (NotReady, QAError):
            empty = False  # _answer says why
        if empty:
            turns[-1] = {"question": question, "error": NO_SCOPE_MATCH}
        else:
            a = self._answer(question, history=last_question(turns[:-1]), k=int(k), mode=_mode(mode),
                             per_doc=int(per_doc) or None, where=where)
            turns[-1] = {"question": question, **({"error": a} if isinstance(a, str) else {"answer": a.to_dict()})}
        yield render.transcript(turns), turns, ""

    def _answer(self, question: Any, **kwargs: Any) -> Answer | str:
        """The service's answer, or the one line that says why there is none.

        Wrong arguments are qa.answer()'s to refuse (its BadArgument says which and what is
        allowed); they, a missing index and a database that is down are the caller's to fix, so
        they come back as their message with no traceback. Anything else is a bug: logged in full.
        """
        try:
            return self.service.ask(question, **kwargs)
        except (NotReady, QAError) as exc:
            return str(exc)
        except Exception as exc:  # never a traceback in the page
            logger.exception("answering %r failed", str(question)[:200])
            return f"Sorry, something went wrong while answering ({type(exc).__name__}: {exc})."

    def scope_choices(self):
        """The "Search only in" choices: every folder (ending in /) and document of the index, as
        globs that match exactly them (qa.escape_glob); what is chosen stays chosen."""
        r = self.service.retriever
        sources = [d.source for d in r.documents()] if r is not None else []
        folders = sorted({s.rsplit("/", i)[0] for s in sources for i in range(1, s.count("/") + 1)})
        choices = [(f"{f}/", f"{escape_glob(f)}/") for f in folders] + [(s, escape_glob(s)) for s in sources]
        return gr.Dropdown(choices=choices[:MAX_SCOPE_CHOICES])

    def clear(self):
        return render.transcript([]), [], "", gr.Column(visible=False)

    def open_document(self, turns: list[dict[str, Any]], evt: gr.EventData):
        data = evt._data or {}
        try:
            t = turns[int(data["turn"])]["answer"]
            n = int(data["passage"])
            p = t["passages"][n - 1]
        except (KeyError, IndexError, TypeError, ValueError):
            return gr.skip(), gr.skip()
        sentences = [s for s in t["sentences"] if s["passage"] == n]
        pages, page_note = [], ""
        if p.get("page") is not None:
            try:
                pages = self.service.page_images(p, [s["text"] for s in sentences])
            except PageNotAvailable as exc:
                page_note = f"The page itself cannot be shown: {exc}."
            except Exception as exc:
                logger.exception("rendering %s failed", p.get("source"))
                page_note = f"The page itself cannot be shown ({type(exc).__name__})."
        try:
            html = render.document(self.service.document_text(p["doc_id"]), p, sentences, pages, page_note)
        except Exception as exc:
            logger.exception("opening %s failed", p.get("source"))
            html = f'<p class="qa-error">Could not open {render.esc(p["source"])}: {render.esc(exc)}</p>'
        # A fresh marker each time, so opening the same passage again scrolls to it again.
        return f'<div data-opened="{time.monotonic_ns()}">{html}</div>', gr.Column(visible=True)

    def ask(self, question: str, k: int = 5, mode: str = "hybrid", per_doc: int = 0,
            history: list[str] | None = None, where: dict[str, Any] | None = None) -> dict[str, Any]:
        """Answer a question from the indexed documents.

        Returns the JSON of `qa ask --json` ({"question", "mode", "passages": [{"rank", "score",
        "text", "source", "title", "start", "end", "line_start", "line_end", "page", ...}]}) plus
        "answer" (quoted sentences with [n] markers, "" when abstaining), "sentences", "query",
        and "abstained" (true when the documents don't seem to answer the question).
        `history`: earlier questions of the conversation, oldest first; a follow-up is read
        against the last one only. `per_doc` 0 (or None) means no limit. `where`: search only some
        documents, e.g. {"source": "notes/**"} (the filter of qa.Retriever.search). A wrong argument,
        a missing index or a database that is down raises gr.Error with one line saying why.
        """
        no_limit = per_doc is None or (type(per_doc) is int and per_doc == 0)
        a = self._answer(question, history=history, k=k, mode=mode, per_doc=None if no_limit else per_doc,
                         where=where)
        if isinstance(a, str):
            raise gr.Error(a, print_exception=False)  # a bug was logged in full by _answer already
        return a.to_dict()

    # ------------------------------------------------------------ documents

    def upload(self, files: list[str] | None, replace: bool):
        results = []
        for f in files or []:
            try:
                results.append(self.service.add_file(f, Path(f).name, replace=replace))
            except Exception as exc:
                logger.exception("upload failed")
                results.append(UploadResult(Path(f).name, None, f"{Path(f).name}: refused, {exc}", False))
        rows = self._rows()
        return render.uploads(results, pending=render.pending(rows)), self._panel(rows), None

    def remove(self, evt: gr.EventData):
        source = str((evt._data or {}).get("source", ""))
        try:
            result = self.service.remove_file(source)
            message = render.removal(result)
        except Exception as exc:
            logger.exception("removing %r failed", source)
            message = f'<p class="qa-error">Could not remove {render.esc(source)}: {render.esc(exc)}</p>'
        return message, self._panel(self._rows())

    def rebuild(self):
        self.service.start_build()
        s = self.service.status()
        return render.status(s), render.build_result(s, None, None), gr.Timer(active=True)

    def tick(self):
        s = self.service.status()
        b = self.service.build
        if s["building"]:
            return (render.status(s), gr.skip(), render.build_result(s, None, None), gr.skip(), gr.skip(),
                    gr.Timer(active=True))
        report = b.report.to_dict() if b.report is not None and not b.error else None
        watcher = self.service.watcher
        if watcher is not None and not _recent(watcher.last_change, b.finished):
            return render.status(s), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.Timer(active=True)
        rows = self._rows()
        # After a good build the upload and removal notes ("press Rebuild index") have been acted on.
        done = "" if report is not None else gr.skip()
        return (render.status(s), self._panel(rows), render.build_result(s, report, b.finished), done, done,
                gr.Timer(active=watcher is not None))  # a watched folder may start a build any time

    def documents_panel(self) -> str:
        return self._panel(self._rows())

    def on_load(self):
        s = self.service.status()
        return render.status(s), self.documents_panel(), gr.Timer(active=s["building"] or s["watching"])

    def _rows(self):
        try:
            return self.service.files()
        except Exception as exc:
            logger.exception("listing documents failed")
            return exc

    def _panel(self, rows) -> str:
        folder = self.service.seeds_dir.resolve()
        if isinstance(rows, Exception):
            return (render.folder(folder) +
                    f'<p class="qa-error">Could not list the documents folder: {render.esc(rows)}</p>')
        return render.documents(rows, folder, watching=self.service.watcher is not None)


def _resolve_annotations(cls: type) -> None:
    """Gradio reads an event handler's type hints on every call (gradio.helpers.special_args). With
    `from __future__ import annotations` they are strings, compiled again each time: ~0.2 ms an
    event (py-spy under bench/load.py: 4% of the server's CPU at 200 /ask at once). Evaluated once
    here, reading them is a lookup; they mean the same."""
    for name, member in vars(cls).items():
        if inspect.isfunction(member) and not name.startswith("__"):
            member.__annotations__ = typing.get_type_hints(member)


_resolve_annotations(Handlers)


def last_question(turns: list[dict[str, Any]]) -> list[str]:
    """The previous question the user typed, as history: follow-ups never snowball.

    Condensing against the last *query* would carry every earlier question along ("women ...
    who was arrested what happened to Kloop Media"); the last question alone keeps one step.
    """
    for t in reversed(turns):
        if t.get("answer"):
            return [t["answer"].get("question") or t["question"]]
    return []


def _mode(mode: str) -> str:
    return mode if mode in MODES else "hybrid"


WATCH_REFRESH_SECONDS = 3.0


def _recent(*times: float | None) -> bool:
    """Whether a watched folder changed or a build finished in the last few seconds: only then does
    an idle tick list the folder again (listing hashes every file)."""
    now = time.time()
    return any(t is not None and now - t < WATCH_REFRESH_SECONDS for t in times)
