"""OCR of page images with Tesseract, driven as a subprocess (Debian: apt-get install tesseract-ocr).

>>> paragraphs = ocr_image(png_bytes, "eng")
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess

logger = logging.getLogger(__name__)

INSTALL_HINT = ("Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-eng "
                "(and tesseract-ocr-rus etc. for other languages)")
TIMEOUT = 120.0  # seconds for one page


class OCRUnavailable(RuntimeError):
    """Tesseract cannot run here (not installed, or none of the languages asked for)."""


@functools.lru_cache(maxsize=1)
def _tesseract() -> str | None:
    return shutil.which("tesseract")


@functools.lru_cache(maxsize=8)
def installed_languages() -> frozenset[str]:
    exe = _tesseract()
    if exe is None:
        return frozenset()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


def languages(wanted: str) -> str:
    """The languages of `wanted` ("eng+rus") that are installed, '+'-joined; OCRUnavailable if none."""
    if _tesseract() is None:
        raise OCRUnavailable(INSTALL_HINT)
    have = installed_languages()
    asked = [w for w in wanted.replace(",", "+").split("+") if w]
    usable = [w for w in asked if w in have]
    missing = [w for w in asked if w not in have]
    if missing:
        logger.warning("Tesseract languages not installed: %s (apt-get install %s)", ", ".join(missing),
                       " ".join(f"tesseract-ocr-{m}" for m in missing))
    if not usable:
        raise OCRUnavailable(f"no Tesseract language of {wanted!r} is installed "
                             f"(apt-get install tesseract-ocr-{asked[0] if asked else 'eng'})")
    return "+".join(usable)


def ocr_image(image: bytes, langs: str, timeout: float = TIMEOUT) -> list[list[str]]:
    """Paragraphs (each a list of lines) that Tesseract reads in an image (PNG bytes)."""
    exe = _tesseract()
    if exe is None:
        raise OCRUnavailable(INSTALL_HINT)
    try:
        # One thread per page: builds read files in parallel, and Tesseract's own threads only
        # fight over the same cores (several times slower on a busy machine).
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        done = subprocess.run([exe, "stdin", "stdout", "-l", langs, "--psm", "3"], input=image,
                              capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"Tesseract took over {timeout:.0f} s") from exc
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"Tesseract failed: {err[-1] if err else done.returncode}")
    text = done.stdout.decode("utf-8", "replace").replace("\f", "\n")
    paragraphs, lines = [], []
    for line in text.splitlines():
        if line.strip():
            lines.append(line.strip())
        elif lines:
            paragraphs.append(lines)
            lines = []
    if lines:
        paragraphs.append(lines)
    return paragraphs
