"""Write the other half of XQuAD: the 24 articles that shared/eval's xquad-ru-a / xquad-en-a leave
out, as answer sets made the same way (one document per article: its title, then its paragraphs
separated by blank lines; questions.jsonl with every distinct gold answer). A held-out set for the
answer side's Russian rules (docs/russian-answers.md), which were developed on the a half.

    python bench/xquad_half.py CHECKOUT OUT [--langs ru en]   # OUT/xquad-ru-b, OUT/xquad-en-b
    qa eval-answers OUT/xquad-ru-b --model multilingual

CHECKOUT is a git checkout of github.com/google-deepmind/xquad (CC BY-SA 4.0); nothing is copied
into this repository. The script checks that its way of writing a document reproduces the a
half's files byte for byte before it writes the b half.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_data import EVAL_DIR  # noqa: E402


def file_name(title: str) -> str:
    """"Fresno,_California" -> "Fresno__California.txt", as the a half names its files."""
    return re.sub(r"\W", "_", title).rstrip("_") + ".txt"


def document(article: dict) -> str:
    paragraphs = [p["context"].strip() for p in article["paragraphs"]]
    return article["title"].replace("_", " ") + "\n\n" + "\n\n".join(paragraphs) + "\n"


def write_half(checkout: Path, lang: str, out: Path) -> int:
    """Write OUT/xquad-LANG-b; the number of questions."""
    data = json.loads(subprocess.run(["git", "-C", str(checkout), "show", f"HEAD:xquad.{lang}.json"],
                                     capture_output=True, check=True).stdout)["data"]
    a_half = EVAL_DIR / f"xquad-{lang}-a" / "documents"
    taken = {p.name for p in a_half.iterdir()}
    for article in data:
        if file_name(article["title"]) in taken:
            if document(article) != (a_half / file_name(article["title"])).read_text(encoding="utf-8"):
                raise SystemExit(f"{article['title']}: not written as {a_half} writes it")
    target = out / f"xquad-{lang}-b"
    (target / "documents").mkdir(parents=True, exist_ok=True)
    n = 0
    with open(target / "questions.jsonl", "w", encoding="utf-8") as f:
        for article in data:
            if file_name(article["title"]) in taken:
                continue
            (target / "documents" / file_name(article["title"])).write_text(document(article), encoding="utf-8")
            for paragraph in article["paragraphs"]:
                for q in paragraph["qas"]:
                    answers = list(dict.fromkeys(a["text"] for a in q["answers"]))
                    f.write(json.dumps({"id": q["id"], "question": q["question"], "answers": answers},
                                       ensure_ascii=False) + "\n")
                    n += 1
    return n


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("checkout", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--langs", nargs="+", default=["ru", "en"])
    args = p.parse_args()
    for lang in args.langs:
        print(f"xquad-{lang}-b: {write_half(args.checkout, lang, args.out)} questions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
