"""Helpers shared by test_hardening_files.py and test_hardening_cli.py: the CLI as a subprocess,
its one-line errors, scan reasons, and real .docx files (and zip bombs) built with zipfile.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile

from conftest import ROOT

SECRET = "zzoutsidesecret passphrase of the machine"


def qa(*args: str, cwd=None, timeout: float = 600, preexec_fn=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=preexec_fn)


def one_line_error(proc: subprocess.CompletedProcess, code: int, starts: str) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith(starts), lines[0]
    return lines[0]


def reasons(problems) -> dict[str, str]:
    return {p.source: p.reason for p in problems}


def docx_bytes(text: str = "A real paragraph about apricots.") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rezip(data: bytes, replace: dict[str, bytes] | None = None, extra: int = 0) -> bytes:
    """The zip `data` with some members replaced and `extra` empty members added, deflated at level 9."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, (replace or {}).get(info.filename, src.read(info.filename)))
        for i in range(extra):
            dst.writestr(f"padding/item{i}.xml", b"")
    return out.getvalue()


def docx_bomb(unpacked: int = 16 * 1024 * 1024) -> bytes:
    """A valid .docx whose word/document.xml holds about `unpacked` bytes of identical paragraphs."""
    real = docx_bytes()
    with zipfile.ZipFile(io.BytesIO(real)) as z:
        body = z.read("word/document.xml")
    head, sep, tail = body.partition(b"<w:body>")
    paragraph = b"<w:p><w:r><w:t>bomb</w:t></w:r></w:p>"
    return rezip(real, {"word/document.xml": head + sep + paragraph * (unpacked // len(paragraph)) + tail})
