"""Bring back the real-documents folders (bench/real_docs/manifest.json) from repository snapshots.

The files are not committed (third-party material). Each manifest row names a repository, a
commit and a path; with the repositories' git directories under `--mirror` (as the `fetch` tool
leaves them: MIRROR/owner+name/repo), this writes every file into `--out` (dev/, ..., dev6/, heldout/),
makes the derived ones (scanned pages; a page range: the row's "page_range" [first, last], else
pages 1-4) with poppler and Pillow as SOURCES.md says, copies each folder's questions.json, and
checks sha256 against the manifest (a derived file may differ by its producer's version:
reported, not fatal).

    python bench/real_docs_files.py --mirror /work/.mirror --out /work/devset
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "real_docs"


def git_show(mirror: Path, row: dict) -> bytes:
    git_dir = mirror / row["repo"].replace("/", "+") / "repo"
    if not git_dir.is_dir():
        raise SystemExit(f"{row['file']}: no snapshot of {row['repo']} at {git_dir} (fetch it first)")
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"{row['commit']}:{row['path']}"],
        check=True, capture_output=True,
    ).stdout


def scanned(source: Path, out: Path) -> None:
    """Page 1 rendered at 150 dpi grey, wrapped as an image-only PDF."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "150", "-gray", "-f", "1", "-l", "1", "-png",
                        str(source), f"{tmp}/page"], check=True)
        png = next(Path(tmp).glob("page*.png"))
        Image.open(png).convert("L").save(out, "PDF", resolution=150.0)


def page_range(source: Path, out: Path, first: int, last: int) -> None:
    """Pages first..last (1-based, inclusive) of `source`, cut with poppler."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdfseparate", "-f", str(first), "-l", str(last), str(source), f"{tmp}/p%d.pdf"],
                       check=True)
        pages = [f"{tmp}/p{n}.pdf" for n in range(first, last + 1)]
        subprocess.run(["pdfunite", *pages, str(out)], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, default=Path("/work/devset"))
    args = parser.parse_args()
    rows = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    differ = 0
    for row in rows:
        target = args.out / row["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        data = git_show(args.mirror, row)
        if not row["derived"]:
            target.write_bytes(data)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                source = Path(tmp) / "source.pdf"
                source.write_bytes(data)
                if "scanned" in target.name:
                    scanned(source, target)
                else:  # a page range: the row's "page_range" [first, last], else pages 1-4
                    first, last = row.get("page_range", [1, 4])
                    page_range(source, target, first, last)
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        if digest != row["sha256"]:
            differ += 1
            print(f"{row['file']}: sha256 differs from the manifest"
                  f"{' (derived here)' if row['derived'] else ''}", file=sys.stderr)
    for folder in sorted({Path(r["file"]).parts[0] for r in rows}):
        questions = HERE / f"{folder}-questions.json"
        if questions.exists():
            shutil.copyfile(questions, args.out / folder / "questions.json")
    print(f"{len(rows)} files in {args.out}; {differ} differ from the manifest's sha256")
    return 0


if __name__ == "__main__":
    sys.exit(main())
