"""The `qa` command: thin wrappers over the library. Parse, call, print."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
from pathlib import Path
from typing import Sequence

EXAMPLES = {
    "qa": """\
        examples:
          qa build                                  index ./seeds into ./index
          qa ask "what happened to Kloop Media"     top passages with citations
          qa ask "Kloop Media" -k 3 --json          the same as one JSON object
          qa serve                                  the browser chat on http://127.0.0.1:7860
          qa eval ../shared/eval/scifact            nDCG@10 and recall of each search mode
          qa eval-answers ../shared/eval/squad2-absent-a    how often the quoted answers are right""",
    "build": """\
        examples:
          qa build
          qa build --seeds ~/notes --index ~/notes-index
          qa build --full --json""",
    "ask": """\
        examples:
          qa ask "what happened to Kloop Media"
          qa ask "ban on rallies" -k 3 --mode lexical
          qa ask "Kloop Media" --json | jq '.passages[0].source'""",
    "serve": """\
        examples:
          qa serve                                  chat on http://127.0.0.1:7860 (builds ./index if missing)
          qa serve --seeds ~/notes --index ~/notes-index --port 8080
          qa serve --host 0.0.0.0 --auth-file ~/.qa-users    reachable from the network, with passwords""",
    "eval": """\
        examples:
          qa eval ../shared/eval/scifact            dense, lexical and hybrid, as a table
          qa eval ../shared/eval/scifact --mode hybrid --json
          qa eval ~/beir/nfcorpus --index /tmp/nfcorpus-index    keep the index; reruns reuse its vectors""",
    "eval-answers": """\
        examples:
          qa eval-answers ../shared/eval/squad2-absent-a
          qa eval-answers ../shared/eval/wikiqa-dev --json
          qa eval-answers ../shared/eval/squad2-dev-a --curve curve.png    risk-coverage table and plot""",
}


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line on stderr and exit code 2, never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def _settings_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="sentence-transformers model: a local folder or hub name "
                                    "(default: the bundled all-MiniLM-L6-v2)")
    p.add_argument("--backend", choices=("torch", "onnx", "onnx-int8"),
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
    b.add_argument("--json", action="store_true", help="print the build report as JSON")
    _settings_args(b)

    a = sub.add_parser("ask", help="print the passages that answer a question, with citations",
                       description="Search the index and print the best passages with numbered citations.",
                       epilog=textwrap.dedent(EXAMPLES["ask"]), formatter_class=fmt)
    a.add_argument("question")
    a.add_argument("--index", default="index", help="index folder (default: index)")
    a.add_argument("-k", type=_positive_int, default=5, help="number of passages (default: 5)")
    a.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid",
                   help="search mode (default: hybrid)")
    a.add_argument("--per-doc", type=_positive_int, default=None, metavar="N",
                   help="at most N passages from any one document")
    a.add_argument("--json", action="store_true", help="print one JSON object")
    _settings_args(a)

    s = sub.add_parser("serve", help="the browser chat: cited answers, documents, rebuild",
                       description="Start the browser chat over an index (built from --seeds first if "
                                   "there is none). Binds to 127.0.0.1 unless --host says otherwise.",
                       epilog=textwrap.dedent(EXAMPLES["serve"]), formatter_class=fmt)
    s.add_argument("--index", default="index", help="index folder (default: index)")
    s.add_argument("--seeds", default="seeds", help="documents folder; uploads go here (default: seeds)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    s.add_argument("--port", type=_positive_int, default=7860, help="port (default: 7860)")
    s.add_argument("--auth", metavar="USER:PASSWORD", help="require this login")
    s.add_argument("--auth-file", metavar="FILE", help="require a login from FILE: one USER:PASSWORD a line")

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
    v.add_argument("-k", type=_positive_int, default=5, help="passages per question (default: 5)")
    v.add_argument("--index", metavar="DIR", default=None,
                   help="build the index here and keep it (default: a temporary folder)")
    v.add_argument("--curve", metavar="PNG", nargs="?", const="", default=None,
                   help="print the risk-coverage table; with a file name also draw it (needs matplotlib)")
    v.add_argument("--json", action="store_true", help="print one JSON object")
    _settings_args(v)
    return parser


def _display_path(root: str | None, source: str) -> str:
    """seeds/file.txt when the corpus lies under the working directory, else an absolute path."""
    if not root:
        return source
    full = Path(root) / source
    try:
        return full.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(full)


def _query_settings(args: argparse.Namespace):
    """Settings when --model/--backend insist on something; None means "what the index was built with"."""
    from .config import Settings

    if not (args.model or args.backend):
        return None
    changes = {k: v for k, v in (("model", args.model), ("backend", args.backend)) if v}
    return Settings(**changes)


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build_index
    from .config import Settings

    settings = Settings(show_progress=not args.json and sys.stderr.isatty())
    if args.model:
        settings = settings.with_(model=args.model)
    if args.backend:
        settings = settings.with_(backend=args.backend)
    report = build_index(args.seeds, args.index, settings=settings, full=args.full, wait=args.wait)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return 0
    if report.full_rebuild and report.full_reason not in (None, "no index yet"):
        print(f"full rebuild: {report.full_reason}")
    print(f"indexed {report.summary()}")
    for label, items in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        for s in items[:20]:
            print(f"  {label}: {s}")
    for a, b in report.renamed[:20]:
        print(f"  renamed: {a} -> {b}")
    for p in report.problems:
        print(f"  {'skipped' if p.skipped else 'warning'}: {p.source}: {p.reason}")
    print(f"index: {args.index} ({report.index_type}, {report.generation})")
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    from .answer import answer
    from .retriever import Retriever

    retriever = Retriever.load(args.index, settings=_query_settings(args))
    reply = answer(retriever, args.question, k=args.k, mode=args.mode, per_doc=args.per_doc)
    passages = reply.passages
    if args.json:
        d = reply.to_dict()
        out = {"question": args.question, "mode": args.mode, "passages": d["passages"],
               **{key: d[key] for key in ("answer", "abstained", "confidence", "sentences")}}
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if not passages:
        print("No passages found.")
        return 0
    if reply.abstained:
        print("Not found in the documents. The closest passages:")
    else:
        print(f"Answer ({reply.confidence_words}):")
        print(textwrap.indent(reply.text, "    "))
    print()
    root = retriever.manifest.get("corpus_root")
    for i, p in enumerate(passages, start=1):
        where = _display_path(root, p.source)
        loc = f"p. {p.page}" if p.page is not None else f"{p.line_start}-{p.line_end}"
        sep = " " if p.page is not None else ":"
        print(f"[{i}] {where}{sep}{loc} (score {p.score:.2f})")
        print(textwrap.indent(p.text.strip(), "    "))
        print()
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from .config import Settings
    from .evaluate import evaluate, format_table
    from .retriever import MODES

    settings = Settings(show_progress=sys.stderr.isatty())
    if args.model:
        settings = settings.with_(model=args.model)
    if args.backend:
        settings = settings.with_(backend=args.backend)
    modes = MODES if args.mode == "all" else (args.mode,)
    report = evaluate(args.beir_dir, modes=modes, index_dir=args.index, settings=settings, split=args.split)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_table(report))
    return 0


def _cmd_eval_answers(args: argparse.Namespace) -> int:
    from .answer.evaluate import draw_curve, evaluate_answers, format_report
    from .config import Settings

    settings = Settings(show_progress=False)
    if args.model:
        settings = settings.with_(model=args.model)
    if args.backend:
        settings = settings.with_(backend=args.backend)
    report = evaluate_answers(args.set_dir, mode=args.mode, k=args.k, index_dir=args.index, settings=settings)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_report(report, curve=args.curve is not None))
    if args.curve:
        draw_curve(report, args.curve)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from ui.app import serve  # Gradio is imported only here, never by `qa ask` or `qa build`

    return serve(index_dir=args.index, seeds_dir=args.seeds, host=args.host, port=args.port,
                 auth=args.auth, auth_file=args.auth_file)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `qa` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.getLogger().level)  # bm25s sets DEBUG on its own logger
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from .errors import QAError

    commands = {"build": _cmd_build, "ask": _cmd_ask, "serve": _cmd_serve, "eval": _cmd_eval,
                "eval-answers": _cmd_eval_answers}
    try:
        return commands[args.command](args)
    except (QAError, FileNotFoundError) as exc:
        sys.stderr.write(f"qa {args.command}: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:  # `qa ask ... | head`: the reader left; that is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
