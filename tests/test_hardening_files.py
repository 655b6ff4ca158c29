"""Issue 11 (hardening), each attack with real files: symlinks, zip bombs, PDF and text limits,
NUL bytes, FIFOs, devices and unreadable folders, and an adversarial folder through the CLI.

Real symlinks, a real FIFO, real zip bombs built here with zipfile, the CLI as a subprocess.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS, write
from hardening_helpers import SECRET, docx_bomb, docx_bytes, qa, reasons, rezip
from qa.config import Settings
from qa.documents import SourceFile, read_document, scan
from test_formats import make_pdf


# ---------------------------------------------------------------- 1. symlinks

@pytest.fixture
def linked(tmp_path):
    """seeds/ with links out of it (a file and a folder) and links within it."""
    outside, seeds = tmp_path / "outside", tmp_path / "seeds"
    write(outside, "secret.txt", SECRET)
    write(outside / "dir", "other.txt", SECRET + " in a folder")
    write(seeds, "good.txt", "Apricots grow in the Fergana valley.")
    write(seeds, "sub/deep.md", "Walnut forests of Arslanbob.")
    (seeds / "passwd.txt").symlink_to(outside / "secret.txt")
    (seeds / "outside").symlink_to(outside / "dir", target_is_directory=True)
    (seeds / "relative.txt").symlink_to(Path("..") / "outside" / "secret.txt")
    (seeds / "alias.txt").symlink_to(seeds / "good.txt")            # inside: followed
    (seeds / "sub" / "up.txt").symlink_to(Path("..") / "good.txt")  # inside, relative: followed
    return seeds


def test_symlinks_out_of_the_folder_are_skipped_with_a_reason(linked):
    files, problems = scan(linked)
    assert sorted(f.source for f in files) == ["alias.txt", "good.txt", "sub/deep.md", "sub/up.txt"]
    why = reasons(problems)
    for source in ("passwd.txt", "outside", "relative.txt"):
        assert "outside the documents folder" in why[source] and "--follow-symlinks" in why[source]
    assert all(p.skipped for p in problems)


def test_follow_symlinks_opts_in(linked):
    files, problems = scan(linked, follow_symlinks=True)
    assert {"passwd.txt", "outside/other.txt", "relative.txt"} <= {f.source for f in files}
    assert not problems


def test_symlink_to_the_folder_above_is_not_a_way_out(tmp_path):
    seeds = tmp_path / "seeds"
    write(seeds, "good.txt", "x")
    write(tmp_path, "sibling.txt", SECRET)
    (seeds / "up").symlink_to(tmp_path, target_is_directory=True)
    files, problems = scan(seeds)
    assert [f.source for f in files] == ["good.txt"] and "outside" in reasons(problems)["up"]
    # Opted in, the loop back into seeds/ is still cut.
    files, problems = scan(seeds, follow_symlinks=True)
    assert "up/sibling.txt" in {f.source for f in files}
    assert any("symlink loop" in r for r in reasons(problems).values())


# ---------------------------------------------------------------- 2. decompression bombs

def never_parse(monkeypatch):
    """Make python-docx fail loudly: a bomb must be refused before any part is decompressed."""
    import docx

    def parse(*args, **kwargs):
        raise AssertionError("the .docx was parsed")

    monkeypatch.setattr(docx, "Document", parse)


def read(tmp_path: Path, name: str, data: bytes, settings: Settings | None = None):
    path = write(tmp_path, name, data)
    return read_document(SourceFile(name, path, len(data), 0.0, ""), settings)


def test_docx_bomb_is_refused_before_parsing(tmp_path, monkeypatch):
    bomb = docx_bomb()
    assert len(bomb) < 100_000  # 85 KB on disk, 16 MiB of XML: like the 54 KB bomb (70 s)
    never_parse(monkeypatch)
    doc, problem = read(tmp_path, "bomb.docx", bomb)
    assert doc is None and problem.skipped
    assert "zip bomb" in problem.reason and "word/document.xml" in problem.reason


def test_docx_too_many_parts_or_too_many_bytes(tmp_path, monkeypatch):
    real = docx_bytes()
    never_parse(monkeypatch)
    many = rezip(real, extra=Settings().max_zip_entries + 1)
    _, problem = read(tmp_path, "many.docx", many)
    assert "zip bomb" in problem.reason and "parts" in problem.reason
    # Incompressible members: no ratio to see, only the total size gives it away.
    noise = random.Random(1).randbytes(600_000)
    with zipfile.ZipFile(io.BytesIO(real)) as z:
        heavy_members = {**{n: z.read(n) for n in z.namelist()}, "word/media/a.bin": noise,
                         "word/media/b.bin": noise[::-1]}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in heavy_members.items():
            z.writestr(name, data)
    _, problem = read(tmp_path, "heavy.docx", out.getvalue(), Settings(max_zip_bytes=1_000_000))
    assert "unpacks to" in problem.reason and "limit 1,000,000" in problem.reason


def test_ordinary_docx_with_incompressible_media_is_read(tmp_path):
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["word/media/photo.bin"] = random.Random(2).randbytes(2_000_000)  # 1:1, over 1 MiB
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    doc, problem = read(tmp_path, "photo.docx", out.getvalue())
    assert problem is None and "apricots" in doc.text


def test_pdf_pages_and_text_are_bounded(tmp_path):
    pdf = make_pdf([[f"Page {i} says something about rivers."] for i in range(1, 6)])
    doc, problem = read(tmp_path, "five.pdf", pdf)
    assert problem is None and doc.page_at(len(doc.text) - 1) == 5
    _, problem = read(tmp_path, "five.pdf", pdf, Settings(max_pdf_pages=4))
    assert problem.reason == "too many pages (5; limit 4)"
    _, problem = read(tmp_path, "five.pdf", pdf, Settings(max_text_chars=80))
    assert "too much text (over 80 characters by page" in problem.reason


def test_text_limit_applies_to_every_format(tmp_path):
    text = "Apricots and walnuts. " * 50  # 1,100 characters from 1,100 bytes
    for name, data in (("a.txt", text.encode()), ("a.html", f"<p>{text}</p>".encode()),
                       ("a.docx", docx_bytes(text))):
        doc, problem = read(tmp_path, name, data, Settings(max_text_chars=1_000))
        assert doc is None and "too much text" in problem.reason, name
        doc, problem = read(tmp_path, name, data, Settings(max_text_chars=2_000))
        assert doc is not None, name


# ---------------------------------------------------------------- 3. NUL bytes

@pytest.mark.parametrize("name,head", [("late.txt", b"plain words " * 1000),
                                       ("late.md", b"# Title\n" + b"markdown words " * 1000),
                                       ("late.html", b"<p>" + b"html words " * 1000)])
def test_nul_after_the_first_8_kib_is_binary(tmp_path, name, head):
    assert len(head) > 8192
    doc, problem = read(tmp_path, name, head + b"\x00\x01\x02 more")
    assert doc is None and problem.reason == "binary file (contains NUL bytes)"


def test_no_nul_is_ever_stored(tmp_path):
    data = "Snow leopards\x00 live in the Tien Shan.".encode("utf-16")  # a BOM; NUL bytes are normal here
    doc, problem = read(tmp_path, "wide.txt", data)
    assert problem is None and "\x00" not in doc.text and "Snow leopards  live" in doc.text


# ---------------------------------------------------------------- 4. FIFOs, devices, unreadable folders

def in_thread(fn, *args, timeout: float = 60):  # noqa: D103
    """fn(*args), failing (not hanging) the test if it blocks, as opening a FIFO would."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(fn(*args)), daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"{fn.__name__} blocked"
    return result[0]


def test_fifo_and_devices_are_reported_and_never_opened(tmp_path):
    seeds = tmp_path / "seeds"
    write(seeds, "good.txt", "x")
    os.mkfifo(seeds / "fifo.txt")
    os.mkfifo(seeds / "pipe")  # no suffix: still a line
    (seeds / "zero.txt").symlink_to("/dev/zero")  # reading it would never end
    files, problems = in_thread(lambda: scan(seeds, follow_symlinks=True))
    assert [f.source for f in files] == ["good.txt"]
    why = reasons(problems)
    assert why["fifo.txt"] == why["pipe"] == "a FIFO (named pipe), not a regular file"
    assert why["zero.txt"] == "a character device, not a regular file"
    # Swapped in after the scan: read_document refuses it without blocking, too.
    doc, problem = in_thread(read_document, SourceFile("fifo.txt", seeds / "fifo.txt", 0, 0.0, ""))
    assert doc is None and "FIFO" in problem.reason


def test_unsupported_and_hidden_files(tmp_path):
    write(tmp_path, "sheet.xlsx", b"PK")
    write(tmp_path, ".hidden.txt", "x")
    write(tmp_path, ".git/config", "x")
    files, problems = scan(tmp_path)
    assert not files and list(reasons(problems)) == ["sheet.xlsx"]
    assert reasons(problems)["sheet.xlsx"].startswith("unsupported file type")


def _scan_without_root_powers(seeds: Path) -> subprocess.CompletedProcess:
    """scan(seeds) in a process that keeps uid 0 but loses the capabilities that let root
    read any folder (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH): permissions then apply to it."""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); from qa.documents import scan; "
            f"files, problems = scan({str(seeds)!r}); "
            "print(json.dumps([[f.source for f in files], {p.source: p.reason for p in problems}]))")
    return subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable,
                           "-c", code], capture_output=True, text=True, timeout=120)


def test_unreadable_folder_is_reported(tmp_path):
    seeds = tmp_path / "seeds"
    write(seeds, "good.txt", "x")
    write(seeds, "locked/inside.txt", "y")
    (seeds / "locked").chmod(0)
    try:
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                pytest.skip("running as root without setpriv: no honest way to make a folder unreadable")
            proc = _scan_without_root_powers(seeds)
            if proc.returncode != 0:
                pytest.skip(f"cannot drop root's capabilities here: {proc.stderr.strip()[-200:]}")
            sources, why = json.loads(proc.stdout)
        else:
            files, problems = scan(seeds)
            sources, why = [f.source for f in files], reasons(problems)
        assert sources == ["good.txt"]
        assert why == {"locked/": "folder not read (Permission denied)"}
    finally:
        (seeds / "locked").chmod(0o700)


# ---------------------------------------------------------------- 11. odd file names; links swapped in after the scan

def test_adversarial_folder_through_the_cli(tmp_path):
    """Every attack in one folder: the build indexes the good files, and gives one escaped line
    per file it leaves out."""
    outside, seeds = tmp_path / "outside", tmp_path / "seeds"
    write(outside, "secret.txt", SECRET)
    shutil.copytree(SEEDS, seeds)
    (seeds / "passwd.txt").symlink_to(outside / "secret.txt")
    (seeds / "outside").symlink_to(outside, target_is_directory=True)
    os.mkfifo(seeds / "fifo.txt")
    write(seeds, "bomb.docx", docx_bomb())
    write(seeds, "late-nul.txt", b"words " * 2000 + b"\x00")
    write(seeds, "evil\nskipped: forged.txt", b"\x00binary")  # a name that tries to forge a line
    write(seeds, "tab\there.md", "Tabs are fine inside the Tien Shan notes.")
    write(seeds, "ansi.txt", "zzansi terminal \x1b]0;pwned\x07 title and \x1b[31mred\x1b[0m text.")
    with open(os.path.join(os.fsencode(seeds), b"caf\xe9.txt"), "wb") as f:  # not UTF-8
        f.write(b"latin-1 name")

    proc = qa("build", "--seeds", "seeds", "--index", "index", cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("indexed ") and lines[-1].startswith("index: index (")
    assert all(line.startswith(("  added: ", "  skipped: ", "  warning: ", "embedding on ")) for line in lines[1:-1]), lines
    skipped = {line.split(": ")[1] for line in lines if line.startswith("  skipped: ")}
    assert skipped == {"bomb.docx", "caf\\udce9.txt", "evil\\nskipped", "fifo.txt", "late-nul.txt",
                       "outside", "passwd.txt"}
    assert "  added: tab\\there.md" in lines

    found = json.loads(qa("ask", "zzoutsidesecret passphrase", "--mode", "lexical", "--json",
                          cwd=tmp_path).stdout)
    assert all("passwd" not in p["source"] and "outside" not in p["source"] for p in found["passages"])
    shown = qa("ask", "zzansi terminal", "--mode", "lexical", "-k", "1", cwd=tmp_path).stdout
    assert "\x1b" not in shown and "\x07" not in shown  # document text never drives the terminal
    assert "zzansi terminal \\x1b]0;pwned\\x07 title and \\x1b[31mred\\x1b[0m text." in shown
    report = json.loads(qa("build", "--seeds", "seeds", "--index", "index", "--json", cwd=tmp_path).stdout)
    assert "caf\udce9.txt" in {s["source"] for s in report["skipped"]}

    opted = qa("build", "--seeds", "seeds", "--index", "index", "--follow-symlinks", cwd=tmp_path)
    assert "  added: passwd.txt" in opted.stdout.splitlines()
    found = json.loads(qa("ask", "zzoutsidesecret passphrase", "--mode", "lexical", "--json",
                          cwd=tmp_path).stdout)
    assert found["passages"][0]["source"] in ("passwd.txt", "outside/secret.txt")


def test_link_swapped_in_after_the_scan_is_not_followed(tmp_path):
    outside, seeds = tmp_path / "outside", tmp_path / "seeds"
    write(outside, "secret.txt", SECRET)
    write(seeds, "notes.txt", "Harmless notes about apricots.")
    write(seeds, "real-target", "Linked notes about walnuts.")
    (seeds / "linked.txt").symlink_to("real-target")  # inside the folder: followed, no suffix on the target
    files = {f.source: f for f in scan(seeds)[0]}
    assert read_document(files["linked.txt"])[0].text == "Linked notes about walnuts."
    (seeds / "notes.txt").unlink()
    (seeds / "notes.txt").symlink_to(outside / "secret.txt")
    (seeds / "real-target").unlink()
    (seeds / "real-target").symlink_to(outside / "secret.txt")
    for source in ("notes.txt", "linked.txt"):
        doc, problem = read_document(files[source])
        assert doc is None and problem.reason == "cannot read (Too many levels of symbolic links)"
