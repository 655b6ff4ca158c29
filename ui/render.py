"""HTML for the chat, the document viewer and the documents panel. No Gradio here.

Every piece of document text, file name, title and question goes through `esc()` (html.escape
with quotes), so a document full of `<script>`, `<img onerror=...>` or markdown links shows up as
literal text. The only markup is what this module writes; it carries no inline event handlers
and no links to anything but in-page anchors (the app's own script handles the clicks).
"""

from __future__ import annotations

import base64
import html
import time
from typing import Any, Iterable, Sequence

from qa import describe_confidence, place_in_file

VIEWER_WINDOW = 40_000  # characters of a long document shown around the cited span


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def location(p: dict[str, Any]) -> str:
    """A passage dict's place in its file: 'lines 11–15', 'pages 2–3' (qa.place_in_file)."""
    return place_in_file(p.get("page"), p.get("page_end"), p["line_start"], p["line_end"])


def human_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"


def _marked(text: str, spans: Iterable[tuple[int, int]], cls: str) -> str:
    """`text` escaped, with the (start, end) spans wrapped in <mark class=cls>."""
    out, pos = [], 0
    for a, b in sorted((max(0, a), min(len(text), b)) for a, b in spans):
        if a < pos or b <= a:
            continue
        out.append(esc(text[pos:a]))
        out.append(f'<mark class="{cls}">{esc(text[a:b])}</mark>')
        pos = b
    out.append(esc(text[pos:]))
    return "".join(out)


# ---------------------------------------------------------------- chat


WELCOME = """<div class="qa-welcome"><p><strong>Ask a question about your documents.</strong></p>
<p>Answers are sentences quoted word for word from the documents, each with a numbered source you
can open. When the documents don't cover a question, the reply says so.</p></div>"""


def transcript(turns: Sequence[dict[str, Any]]) -> str:
    if not turns:
        return WELCOME
    return "".join(turn(i, t) for i, t in enumerate(turns))


def turn(i: int, t: dict[str, Any]) -> str:
    q = f'<div class="qa-q"><span class="qa-who">You</span><p>{esc(t["question"])}</p></div>'
    if t.get("pending"):
        body = '<div class="qa-a qa-pending" aria-busy="true"><span class="qa-dots"></span> Searching the documents…</div>'
    elif t.get("error"):
        body = f'<div class="qa-a qa-message" role="status">{esc(t["error"])}</div>'
    else:
        body = reply(i, t["answer"])
    return f'<article class="qa-turn" id="qa-turn-{i}">{q}{body}</article>'


def reply(i: int, a: dict[str, Any]) -> str:
    passages = a["passages"]
    notes = "".join(f'<p class="qa-note">{esc(n)}</p>' for n in a.get("notes", []))
    if a.get("query") and a["query"] != a["question"]:
        notes += (f'<p class="qa-note qa-searched">Searched for: “{esc(a["query"])}” (read as a follow-up '
                  "to your last question)</p>")
    if not passages:
        return (f'<div class="qa-a">{notes}<p class="qa-notfound"><strong>No passages matched.</strong> '
                "Try other words, or check the Documents tab that the index has documents.</p></div>")
    if a["abstained"]:
        # The best of these does not answer the question: no passage is called more than weak.
        strengths = [ABSTAINED_SCALE * r for r in match_strengths(passages)]
        head = ('<p class="qa-notfound"><strong>The documents don’t seem to answer this.</strong> '
                "The closest passages are below, in case one of them helps.</p>")
        return (f'<div class="qa-a">{notes}{head}<section class="qa-sources qa-closest">'
                f'<h4>Closest matches <span>(not an answer)</span></h4>'
                f'{"".join(passage(i, n, p, [], opened=False, strength=r) for (n, p), r in zip(enumerate(passages, 1), strengths))}'
                "</section></div>")
    quoted = " ".join(
        f'<q class="qa-quote">{esc(s["text"])}</q>'
        f'<a class="qa-cite" href="#qa-t{i}-p{s["passage"]}" data-jump="qa-t{i}-p{s["passage"]}" '
        f'title="{esc(passages[s["passage"] - 1]["source"])}, {esc(location(passages[s["passage"] - 1]))}">'
        f'[{s["passage"]}]</a>'
        for s in a["sentences"])
    cited = {s["passage"] for s in a["sentences"]}
    first = min(cited)
    strengths = match_strengths(passages)
    items = "".join(passage(i, n, p, [s for s in a["sentences"] if s["passage"] == n], opened=n == first,
                            strength=strengths[n - 1])
                    for n, p in enumerate(passages, 1))
    return (f'<div class="qa-a">{notes}{confidence(a)}<p class="qa-answer">{quoted}</p>'
            f'<section class="qa-sources"><h4>Sources</h4>{SOURCES_LEGEND}{items}</section></div>')


SOURCES_LEGEND = ('<p class="qa-legend"><em>Quoted in the answer</em>: the passage holds the highlighted '
                  "quote. Strong, partial or weak match: how close another passage found is to the question, "
                  "compared with the best one (a quote is chosen sentence by sentence, not by passage).</p>")


def match_strengths(passages: Sequence[dict[str, Any]]) -> list[float]:
    """How well each passage matches, 0..1, relative to the query's best passage.

    The mean of the passage's cosine and BM25 score, each divided by the best of this reply (a
    signal no passage has, as in "dense" or "lexical" mode, is left out). Fused RRF scores are
    not used: they say only in which order passages came, not how far apart they are.
    """
    signals = []
    for key in ("dense_score", "lexical_score"):
        best = max((float(p.get(key) or 0.0) for p in passages), default=0.0)
        if best > 0:
            signals.append([max(0.0, float(p.get(key) or 0.0)) / best for p in passages])
    if not signals:
        return [1.0] * len(passages)
    return [sum(column) / len(signals) for column in zip(*signals)]


STRENGTH_LABELS = ((0.8, "strong match"), (0.5, "partial match"), (0.0, "weak match"))
ABSTAINED_SCALE = 0.45  # closest matches of an unanswered question: all below "partial"


def strength_label(r: float) -> str:
    return next(label for floor, label in STRENGTH_LABELS if r >= floor)


def confidence(a: dict[str, Any]) -> str:
    """'likely answer, 82%' from Answer.confidence (a probability) when the answer has one."""
    c = a.get("confidence")
    if not isinstance(c, (int, float)) or not 0 <= c <= 1:
        return ""
    pct = round(100 * c)
    return (f'<p class="qa-confidence" title="estimated probability that the quoted sentences answer the '
            f'question: {c:.2f}"><span class="qa-meter"><span style="width:{pct}%"></span></span> '
            f"{esc(describe_confidence(c))}</p>")


def passage(i: int, n: int, p: dict[str, Any], sentences: list[dict[str, Any]], *, opened: bool,
            strength: float = 1.0) -> str:
    r = max(0.0, min(1.0, strength))
    label = strength_label(r)
    raw = (f'search score {p["score"]:.4f}; cosine {p["dense_score"]:.2f}; BM25 {p["lexical_score"]:.2f}; '
           f"{100 * r:.0f}% of this reply's best match ({label})")
    if sentences:  # what the answer quotes says so, whatever the passage's match as a whole
        score = (f'<span class="qa-score qa-quoted" title="{esc(raw)}">'
                 '<span class="qa-badge">quoted in the answer</span></span>')
    else:
        score = (f'<span class="qa-score qa-{label.split()[0]}" title="{esc(raw)}">'
                 f'<span class="qa-meter" aria-hidden="true"><span style="width:{100 * r:.0f}%"></span></span> '
                 f"{label}</span>")
    cited = ""
    body = _marked(p["text"], ((s["start"], s["end"]) for s in sentences), "qa-hl")
    return (f'<details class="qa-passage" id="qa-t{i}-p{n}"{" open" if opened else ""}>'
            f'<summary><span class="qa-num">[{n}]</span> <span class="qa-src">{esc(p["source"])}</span> '
            f'<span class="qa-loc">{esc(location(p))}</span> {score}{cited}</summary>'
            f'<blockquote class="qa-text">{body}</blockquote>'
            f'<button type="button" class="qa-open" data-turn="{i}" data-passage="{n}">'
            f"Open {esc(p['source'])} at {esc(location(p))}</button></details>")


# ---------------------------------------------------------------- document viewer


def document(record: dict[str, Any] | None, p: dict[str, Any], sentences: Sequence[dict[str, Any]],
             pages: Sequence[Any] = (), page_note: str = "") -> str:
    """The whole document (or a window of a long one) with the cited passage and sentences marked.

    `pages`: rendered pages of a PDF citation (qa.PageImage), shown beside the text (above it
    when the viewer is narrow); `page_note`: why no page is shown, when one was wanted.
    """
    if record is None:
        return (f'<div class="qa-doc-head"><h3>{esc(p["source"])}</h3></div>'
                '<p class="qa-message">This document is no longer in the index (it was removed by a '
                "rebuild). Ask again to get current sources.</p>")
    text = record["text"]
    start, end = p["start"], p["end"]
    note = ""
    if text[start:end] != p["text"]:
        found = text.find(p["text"])
        if found < 0:
            note = ('<p class="qa-note">The document changed since this answer; the cited passage is no '
                    "longer in it. Showing the current version.</p>")
            start = end = -1
        else:
            note = '<p class="qa-note">The document changed since this answer; the passage moved.</p>'
            start, end = found, found + len(p["text"])
    lo, hi = 0, len(text)
    if len(text) > VIEWER_WINDOW:
        centre = start if start >= 0 else 0
        lo = max(0, centre - VIEWER_WINDOW // 2)
        hi = min(len(text), lo + VIEWER_WINDOW)
    before = f'<p class="qa-note">… {lo:,} characters before this point not shown …</p>' if lo else ""
    after = f'<p class="qa-note">… {len(text) - hi:,} more characters not shown …</p>' if hi < len(text) else ""
    if start >= 0:
        inner = _marked(p["text"], ((s["start"], s["end"]) for s in sentences), "qa-hl")
        body = (esc(text[lo:start]) + f'<mark class="qa-span" id="qa-target">{inner}</mark>'
                + esc(text[end:hi]))
    else:
        body = esc(text[lo:hi])
    title = record.get("title") or ""
    about = f'<span class="qa-title">{esc(title)}</span> · ' if title and title != p["source"] else ""
    text_view = f'<div class="qa-doc" tabindex="0">{before}<div class="qa-doc-text">{body}</div>{after}</div>'
    if pages:
        text_view = (f'<div class="qa-views">{"".join(page_view(img, p["source"]) for img in pages)}'
                     f"{text_view}</div>")
    if page_note:
        note += f'<p class="qa-note">{esc(page_note)}</p>'
    return (f'<div class="qa-doc-head"><h3 class="qa-src">{esc(p["source"])}</h3>'
            f'<p>{about}<span class="qa-loc">{esc(location(p))}</span>'
            f" · {esc(human_size(record.get('size', 0)))}</p></div>{note}{text_view}")


def page_view(img: Any, source: str) -> str:
    """One rendered page (a qa.PageImage) as an inline PNG, scrolled to its first mark by VIEWER_JS."""
    data = base64.b64encode(img.png).decode("ascii")
    anchor = ("" if img.first_mark is None else
              f'<span class="qa-page-mark" style="top: {100 * img.first_mark:.2f}%; '
              f'left: {100 * (img.first_mark_left or 0):.2f}%"></span>')
    caption = (f"Page {img.page} of {img.pages}, the cited text marked" if img.marks else
               f"Page {img.page} of {img.pages} (the cited text could not be located on the page image)")
    return (f'<figure class="qa-page"><div class="qa-page-box" tabindex="0"><div class="qa-page-img">'
            f'<img src="data:image/png;base64,{data}" width="{img.width}" height="{img.height}" '
            f'alt="{esc(caption)} ({esc(source)})">{anchor}</div></div>'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


# ---------------------------------------------------------------- status and documents panel


def status(s: dict[str, Any]) -> str:
    if s.get("building"):
        pct = 100 * s.get("fraction", 0.0)
        what = "Rebuilding the index" if s.get("ready") else "Building the index from the documents folder"
        bar = (f'<span class="qa-bar" role="progressbar" aria-valuenow="{pct:.0f}" aria-valuemin="0" '
               f'aria-valuemax="100"><span style="width:{pct:.0f}%"></span></span>')
        live = " The chat keeps answering from the current index meanwhile." if s.get("ready") else ""
        return (f'<div class="qa-status qa-busy">{bar} {what}: {pct:.0f}% — {esc(s.get("message", ""))}.'
                f"{live}</div>")
    parts = []
    if s.get("ready"):
        parts.append(f'<span class="qa-ok">●</span> {_count(s["documents"], "document")}, '
                     f'{_count(s["chunks"], "passage")} · index built {esc(_short_time(s.get("created", "")))}')
    else:
        parts.append('<span class="qa-bad">●</span> No index loaded')
    if s.get("watching"):
        parts.append("watching the documents folder: changes are indexed within seconds")
    if s.get("error"):
        keep = " The previous index is still in use." if s.get("ready") else ""
        parts.append(f'<span class="qa-error">Last build failed: {esc(s["error"])}.{keep}</span>')
    return f'<div class="qa-status">{" · ".join(parts)}</div>'


def _short_time(created: str) -> str:
    """'2026-11-28T11:12:48+0000' -> '2026-11-28 11:12'."""
    return created[:16].replace("T", " ") if created else "?"


STATUS_LABELS = {
    "indexed": ("indexed", "qa-ok"),
    "changed": ("changed since the last build", "qa-warn"),
    "new": ("new, not indexed yet", "qa-warn"),
    "deleted": ("deleted since the last build", "qa-warn"),
    "skipped": ("not indexed", "qa-bad"),
}


PENDING = ("changed", "new", "deleted")


def pending(rows: Sequence[Any]) -> int:
    """How many files differ from the index (a rebuild has something to do)."""
    return sum(r.status in PENDING for r in rows)


def folder(path: Any) -> str:
    return (f'<p class="qa-folder">Documents folder: <code class="qa-path">{esc(path)}</code> '
            "(uploads are saved here; files copied in by hand count too)</p>")


def documents(rows: Sequence[Any], where: Any = None, *, watching: bool = False) -> str:
    head = folder(where) if where is not None else ""
    if not rows:
        return f'{head}<p class="qa-message">The documents folder is empty. Add documents below.</p>'
    n = pending(rows)
    todo = ("the folder is watched: they are being indexed now" if watching else
            "press Rebuild index to include the changes")
    watched = " It is watched: changes are indexed within seconds." if watching else ""
    head += (f'<p class="qa-note"><strong>{n} file{"s" * (n != 1)} changed since the last '
             f"build</strong> — {todo}.</p>" if n else
             f'<p class="qa-note">The index is up to date with the documents folder.{watched}</p>')
    body = []
    for r in rows:
        label, cls = STATUS_LABELS.get(r.status, (r.status, ""))
        if r.note:
            label = f"{label}: {r.note}"
        remove = ("" if r.status in ("deleted", "skipped") and not r.size else
                  f'<button type="button" class="qa-remove" data-source="{esc(r.source)}" '
                  f'aria-label="Remove {esc(r.source)}">Remove…</button>')
        body.append(
            f'<tr><td class="qa-name">{esc(r.source)}</td><td>{esc(human_size(r.size)) if r.size else "—"}</td>'
            f'<td>{r.n_chunks if r.n_chunks is not None else "—"}</td>'
            f'<td>{esc(_short_time(r.indexed_at)) if r.indexed_at else "—"}</td>'
            f'<td><span class="{cls}">{esc(label)}</span></td><td class="qa-actions">{remove}</td></tr>')
    return (f'{head}<div class="qa-table-wrap"><table class="qa-table"><thead><tr><th>Name</th><th>Size</th>'
            f'<th>Passages</th><th>Indexed</th><th>Status</th><th><span class="qa-sr">Actions</span></th></tr>'
            f'</thead><tbody>{"".join(body)}</tbody></table></div>')


def uploads(results: Sequence[Any], *, pending: int = 0) -> str:
    """What became of each upload; the rebuild hint only when the folder differs from the index."""
    if not results:
        return ""
    items = "".join(f'<li class="{"qa-ok" if r.ok else "qa-bad"}">{esc(r.message)}</li>' for r in results)
    changed = any(getattr(r, "changed", False) for r in results)
    hint = ('<p class="qa-note qa-rebuild-hint">Press <strong>Rebuild index</strong> to make new files '
            "searchable.</p>" if changed and pending else "")
    return f'<ul class="qa-uploads">{items}</ul>{hint}'


def removal(result: Any) -> str:
    cls = "qa-ok" if result.ok else "qa-bad"
    hint = (' Press <strong>Rebuild index</strong> to take it out of the answers.'
            if result.ok and getattr(result, "needs_rebuild", True) else "")
    return f'<ul class="qa-uploads"><li class="{cls}">{esc(result.message)}.{hint}</li></ul>'


def report_summary(report: dict[str, Any]) -> str:
    """A BuildReport (its to_dict()) in one line, in the app's words."""
    changes = ", ".join(f"{len(report.get(k) or [])} {k}" for k in ("added", "changed", "removed", "renamed"))
    docs, passages = report.get("documents", 0), report.get("chunks", 0)
    return (f"{_count(docs, 'document')}, {_count(passages, 'passage')} ({changes}, "
            f"{report.get('unchanged', 0)} unchanged); embedded {_count(report.get('embedded_chunks', 0), 'passage')}, "
            f"reused {report.get('reused_vectors', 0)}; {report.get('seconds', 0.0):.1f} s")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def build_result(s: dict[str, Any], report: dict[str, Any] | None, finished: float | None) -> str:
    if s.get("building"):
        return status(s)
    if s.get("error"):
        keep = " The chat is still answering from the previous index." if s.get("ready") else ""
        return f'<p class="qa-error" role="alert">Rebuild failed: {esc(s["error"])}.{keep}</p>'
    if report:
        when = time.strftime("%H:%M:%S", time.localtime(finished)) if finished else ""
        skipped = report.get("skipped") or []
        extra = (f" Not indexed: {esc('; '.join(repr_line(p['source']) + ': ' + p['reason'] for p in skipped))}."
                 if skipped else "")
        return (f'<p class="qa-ok-text">Index built at {when}: {esc(report_summary(report))}. '
                f"The chat uses it now.{extra}</p>")
    return ""


def repr_line(name: str) -> str:
    """A file name on one line: control characters (a newline in a name) shown escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in name)
