"""Build time of text-layer PDFs: the PDFium layout reader (issue 21) against the pypdf reader it
replaced, on a folder of real PDFs (default: /work/devset/dev), each build run twice, in turns.

The baseline reader is qa/formats/pdf.py as it was at commit e8d5a5e (read from git), so the
same code paths (chunking, embedding, index writing) run in both, in this process (workers=1:
reader processes would not see the swapped reader). Also printed: the time to
extract the text alone, per reader, summed over the files. Scanned PDFs (no text layer for the
old reader) are left out: the target is about text-layer PDFs. Nothing is asserted.

    python bench/pdf_build.py [--folder DIR] [--rounds 2]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
import types
from pathlib import Path

from qa import build_index, documents, formats
from qa.config import Settings

BASELINE_COMMIT = "e8d5a5e"


def baseline_reader():
    """read_pdf of the pypdf reader at BASELINE_COMMIT, loaded as a module of its own."""
    root = Path(__file__).resolve().parents[1]
    source = subprocess.run(["git", "-C", str(root), "show", f"{BASELINE_COMMIT}:qa/formats/pdf.py"],
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("qa.formats.pdf_baseline")
    module.__package__ = "qa.formats"
    exec(compile(source, "pdf_baseline.py", "exec"), module.__dict__)  # noqa: S102 - our own code
    return module.read_pdf


def use(reader) -> None:
    """Make every build read .pdf files with `reader`."""
    formats.READERS[".pdf"] = reader
    documents._READERS[".pdf"] = documents._read_rich(".pdf")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folder", type=Path, default=Path("/work/devset/dev"))
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    old, new = baseline_reader(), formats.READERS[".pdf"]
    settings = Settings(ocr="off")
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "docs"
        seeds.mkdir()
        extract = {"pypdf (before)": 0.0, "pdfium layout (now)": 0.0}
        for pdf in sorted(args.folder.glob("*.pdf")):
            data = pdf.read_bytes()
            t = time.perf_counter()
            text = old(data).text
            extract["pypdf (before)"] += time.perf_counter() - t
            if not text.strip():
                print(f"left out (no text layer): {pdf.name}")
                continue
            t = time.perf_counter()
            new(data, settings)
            extract["pdfium layout (now)"] += time.perf_counter() - t
            shutil.copy(pdf, seeds / pdf.name)
        print(f"{len(list(seeds.iterdir()))} text-layer PDFs from {args.folder}")
        for label, secs in extract.items():
            print(f"extract only, {label:<22} {secs:7.2f} s")
        times: dict[str, list[float]] = {"pypdf (before)": [], "pdfium layout (now)": []}
        for r in range(args.rounds):
            for label, reader in (("pypdf (before)", old), ("pdfium layout (now)", new)):
                use(reader)
                index = Path(tmp) / f"index-{r}-{len(times[label])}-{label[:5]}"
                t = time.perf_counter()
                # workers=1: reader processes would import the package's own reader, not `use`'s
                report = build_index(seeds, index, settings=settings, workers=1)
                times[label].append(time.perf_counter() - t)
                print(f"round {r + 1} {label:<22} {times[label][-1]:7.2f} s   {report.chunks} chunks")
        use(new)
        print()
        print(f"{'full build':<24} " + " ".join(f"{'run ' + str(i + 1):>8}" for i in range(args.rounds)))
        for label, secs in times.items():
            print(f"{label:<24} " + " ".join(f"{s:8.2f}" for s in secs))
        ratios = [b / a for a, b in zip(times["pypdf (before)"], times["pdfium layout (now)"])]
        print(f"{'now / before':<24} " + " ".join(f"{x:8.2f}" for x in ratios) + "   target <= 1.5")


if __name__ == "__main__":
    main()
