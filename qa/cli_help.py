"""The examples `qa --help` and `qa COMMAND --help` print, one block a command."""

EXAMPLES = {
    "qa": """\
        examples:
          qa build                                  index ./seeds into ./index
          qa ask "what happened to Kloop Media"     the answer, quoted, with its citations
          qa ask "Kloop Media" -k 3 --json          the same as one JSON object
          qa serve                                  the browser chat on http://127.0.0.1:7860
          qa eval ../shared/eval/scifact            nDCG@10 and recall of each search mode
          qa eval-answers ../shared/eval/squad2-absent-a    how often the quoted answers are right""",
    "build": """\
        examples:
          qa build
          qa build --seeds ~/notes --index ~/notes-index
          qa build --full --json
          qa build --ocr-languages eng+rus          scanned pages in English and Russian (Tesseract)
          qa build --model multilingual             documents in Russian, Kyrgyz and ~100 other languages""",
    "ask": """\
        examples:
          qa ask "what happened to Kloop Media"
          qa ask "ban on rallies" -k 3 --mode lexical
          qa ask "what happened to Kloop Media" --passages    the passages in full, quotes marked
          qa ask "Kloop Media" --json | jq '.passages[0].source'
          qa ask "budget" --in 'reports/2023/*.pdf' --in notes     only some files or folders
          qa ask "арест" --language ru --after 2024-01-01          only Russian files modified since""",
    "mcp": """\
        examples:
          qa mcp --index ~/notes-index              for an assistant's MCP settings (stdio)""",
    "serve": """\
        examples:
          qa serve                                  chat on http://127.0.0.1:7860 (builds ./index if missing)
          qa serve --seeds ~/notes --index ~/notes-index --port 8080
          qa serve --host 0.0.0.0 --auth-file ~/.qa-users    reachable from the network, with passwords
          qa serve --model multilingual             a new index for documents in Russian, Kyrgyz, ...""",
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
