"""Make the Russian reports answer set of bench/multilingual.py --reports (issue 27).

Five public reports of RKS Global (a digital-rights group: censorship, surveillance, internet
shutdowns, the MAX messenger, alternative Telegram clients), as published in Russian on its
site, whose page texts a public GitHub repository keeps in i18n files
(badkadieff/testglobal, js/i18n/blog/page-*.js, commit 86c9cd5). The texts are not copied into
this repository: this script takes the Russian strings of a checkout and writes plain text.

    python bench/ru_reports/make_set.py CHECKOUT OUT      # OUT/documents/*.txt, OUT/questions.jsonl

The questions (questions.jsonl beside this file) are English, written for qa; their gold answers
are spans of the Russian text.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPORTS = ("hroniki-cenzury", "gosudarstvo-slezhki", "rossiyskie-otklyucheniya-prazdniki",
           "testirovanie-max", "alt-telegram-clients")
_LITERAL = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\''
_FIELD = re.compile(rf"(\w+):\s*((?:{_LITERAL})(?:\s*\+\s*(?:{_LITERAL}))*)")
_SKIP = re.compile(r"^(download|og_|nav|heading|x$)|_url$|buttons?$")


def russian_text(source: str) -> str:
    """The page's Russian strings in order, as paragraphs: tags dropped, links kept as (url)."""
    section = source.split("\n  en: {", 1)[0]
    paragraphs = []
    for key, value in _FIELD.findall(section):
        if _SKIP.search(key):
            continue
        text = "".join(json.loads(s) if s[0] == '"' else s[1:-1].replace("\\'", "'")
                       for s in re.findall(_LITERAL, value))
        text = re.sub(r"<br\s*/?>|</(p|li|h\d|div)>", "\n", text, flags=re.I)
        text = re.sub(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', r"\2 (\1)", text, flags=re.I)
        text = html.unescape(re.sub(r"<li>", "- ", re.sub(r"<(?!li>)[^>]+>", "", text)))
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        if lines and key != "description":
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs) + "\n"


def main() -> int:
    checkout, out = Path(sys.argv[1]), Path(sys.argv[2])
    (out / "documents").mkdir(parents=True, exist_ok=True)
    for name in REPORTS:
        source = subprocess.run(["git", "-C", str(checkout), "show", f"HEAD:js/i18n/blog/page-{name}.js"],
                                capture_output=True, text=True, check=True).stdout
        (out / "documents" / f"{name}.txt").write_text(russian_text(source), encoding="utf-8")
    shutil.copy(Path(__file__).with_name("questions.jsonl"), out / "questions.jsonl")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
