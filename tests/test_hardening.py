"""Issue 11 (hardening) and the CLI messages of issue 12.7, each attack with real files.

Real symlinks, a real FIFO, real zip bombs built here with zipfile, the CLI as a subprocess.
"""

from __future__ import annotations

import io
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS, write
from qa.config import Settings
from qa.documents import SourceFile, read_document, scan
from test_formats import make_pdf

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


# ---------------------------------------------------------------- 5. arguments at the public boundary

@pytest.fixture(scope="module")
def retriever(seed_index, embedder):
    from qa import Retriever

    return Retriever.load(seed_index, embedder=embedder)


@pytest.mark.parametrize("kwargs,message", [
    ({"query": None}, "query must be text (a str), not None"),
    ({"query": b"Kloop"}, "query must be text (a str), not bytes"),
    ({"query": "Kloop \ud800 Media"}, "query is not valid Unicode text (unpaired surrogate U+D800 at character 6)"),
    ({"k": 2.5}, "k must be a whole number of at least 1, not float 2.5"),
    ({"k": True}, "k must be a whole number of at least 1, not bool True"),
    ({"k": "3"}, "k must be a whole number of at least 1, not str '3'"),
    ({"k": 0}, "k must be at least 1, got 0"),
    ({"per_doc": -5}, "per_doc must be at least 1 (or None for no limit), got -5"),
    ({"per_doc": 1.0}, "per_doc must be a whole number of at least 1 or None, not float 1.0"),
    ({"mode": "fuzzy"}, "unknown search mode 'fuzzy'; use one of hybrid, dense, lexical"),
    ({"mode": None}, "unknown search mode None; use one of hybrid, dense, lexical"),
])
def test_search_rejects_bad_arguments_in_one_line(retriever, kwargs, message):
    from qa.checks import BadArgument
    from qa.errors import QAError

    args = {"query": "Kloop Media", "k": 3, "mode": "hybrid", "per_doc": None, **kwargs}
    with pytest.raises(BadArgument) as info:
        retriever.search(args.pop("query"), **args)
    assert str(info.value) == message
    assert isinstance(info.value, QAError) and isinstance(info.value, ValueError) \
        and isinstance(info.value, TypeError)


def test_search_clamps_what_a_user_means(retriever):
    import numpy as np

    from qa.checks import search_args

    assert search_args("q", 10**9, "dense", None) == ("q", Settings().max_k, "dense", None)
    huge = retriever.search("Kloop Media", k=10**9)  # clamped, not an error
    assert 0 < len(huge) <= Settings().max_k
    assert [p.chunk_id for p in retriever.search("Kloop Media", k=np.int64(2))] == \
        [p.chunk_id for p in huge[:2]]
    long = "Kloop Media " * 1000  # 12,000 characters: searched on its first max_question_chars
    assert retriever.search(long, k=1)[0].chunk_id == retriever.search(long[:Settings().max_question_chars], k=1)[0].chunk_id
    assert retriever.search("   ", k=3) == []


def test_cli_ask_rejects_a_lone_surrogate_in_one_line(seed_index):
    bad = os.fsdecode(b"Kloop \xff")  # an argument that is not UTF-8 arrives with a lone surrogate
    proc = qa("ask", bad, "--index", str(seed_index))
    line = one_line_error(proc, 1, "qa ask: error: query is not valid Unicode text")
    assert "U+DCFF" in line


# ---------------------------------------------------------------- 6. one line instead of a traceback

def test_build_into_a_file_is_one_line(tmp_path):
    target = write(tmp_path, "passwd", "root:x:0:0\n")
    proc = qa("build", "--seeds", str(SEEDS), "--index", str(target))
    assert one_line_error(proc, 1, "qa build: error:") == \
        f"qa build: error: --index {target} is a file, not a folder; give a folder"
    assert target.read_text() == "root:x:0:0\n"
    proc = qa("build", "--seeds", str(SEEDS), "--index", "/etc/passwd")
    one_line_error(proc, 1, "qa build: error: --index /etc/passwd is a file")


@pytest.mark.parametrize("args,starts", [
    (("--port", "70000"), "qa serve: error: argument --port: a port is a number from 1 to 65535, got 70000"),
    (("--port", "0"), "qa serve: error: argument --port: expected a number of at least 1"),
    (("--host", "::"), "qa serve: error: argument --host: IPv6 address :: is not supported"),
    (("--host", "[::1]"), "qa serve: error: argument --host: IPv6 address [::1] is not supported"),
    (("--host", "bad host!"), "qa serve: error: argument --host: not an IP address or host name"),
])
def test_serve_bad_address_is_one_line(args, starts):
    one_line_error(qa("serve", *args), 2, starts)


def test_serve_unbindable_address_is_one_line(tmp_path):
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): no machine has it, so nothing can listen on it.
    proc = qa("serve", "--host", "192.0.2.1", "--port", "7999", "--index", str(tmp_path / "i"))
    one_line_error(proc, 1, "qa serve: error: cannot listen on 192.0.2.1:7999 (Cannot assign requested address)")
    proc = qa("serve", "--host", "no-such-host.invalid", "--index", str(tmp_path / "i"))
    one_line_error(proc, 1, "qa serve: error: cannot resolve host 'no-such-host.invalid'")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = qa("serve", "--port", str(port), "--index", str(tmp_path / "i"))
        one_line_error(proc, 1, f"qa serve: error: cannot listen on 127.0.0.1:{port} (Address already in use)")
    assert not (tmp_path / "i").exists()


def test_build_that_runs_out_of_space_is_one_line(tmp_path):
    # A file-size limit (RLIMIT_FSIZE) makes the index writes fail as a full disk does.
    shutil.copytree(SEEDS, tmp_path / "seeds")

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write (EFBIG) rather than kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc = qa("build", cwd=tmp_path, preexec_fn=small_files)
    line = one_line_error(proc, 1, "qa build: error:")
    assert "disk is full" in line or "too large" in line.lower(), line
    assert not (tmp_path / "index" / "manifest.json").exists()


@pytest.mark.parametrize("exc,expected", [
    (OSError(28, "No space left on device", "/data/index/.tmp-gen/vectors.npy"),
     "qa build: error: No space left on device: /data/index/.tmp-gen/vectors.npy"),
    (RuntimeError("Error in faiss::FileIOWriter at impl/io.cpp:98: Error: 'ret == (1)' failed: "
                  "write error in index.faiss: 28 (No space left on device)\n  extra detail"),
     "qa build: error: RuntimeError: Error in faiss::FileIOWriter at impl/io.cpp:98: Error: 'ret == (1)' "
     "failed: write error in index.faiss: 28 (No space left on device) (`qa --verbose ...` shows where)"),
])
def test_unexpected_errors_are_one_line_and_verbose_keeps_the_traceback(tmp_path, monkeypatch, capsys, exc, expected):
    import qa.build
    from qa.cli import main

    def fail(*args, **kwargs):
        raise exc

    monkeypatch.setattr(qa.build, "build_index", fail)
    assert main(["build", "--seeds", str(SEEDS), "--index", str(tmp_path / "i")]) == 1
    assert capsys.readouterr().err.splitlines() == [expected]
    with pytest.raises(type(exc)):
        main(["--verbose", "build", "--seeds", str(SEEDS), "--index", str(tmp_path / "i")])


# ---------------------------------------------------------------- 11. odd file names; 12.7 CLI messages

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
    with open(os.path.join(os.fsencode(seeds), b"caf\xe9.txt"), "wb") as f:  # not UTF-8
        f.write(b"latin-1 name")

    proc = qa("build", "--seeds", "seeds", "--index", "index", cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("indexed ") and lines[-1].startswith("index: index (")
    assert all(line.startswith(("  added: ", "  skipped: ", "  warning: ")) for line in lines[1:-1]), lines
    skipped = {line.split(": ")[1] for line in lines if line.startswith("  skipped: ")}
    assert skipped == {"bomb.docx", "caf\\udce9.txt", "evil\\nskipped", "fifo.txt", "late-nul.txt",
                       "outside", "passwd.txt"}
    assert "  added: tab\\there.md" in lines

    found = json.loads(qa("ask", "zzoutsidesecret passphrase", "--mode", "lexical", "--json",
                          cwd=tmp_path).stdout)
    assert all("passwd" not in p["source"] and "outside" not in p["source"] for p in found["passages"])
    report = json.loads(qa("build", "--seeds", "seeds", "--index", "index", "--json", cwd=tmp_path).stdout)
    assert "caf\udce9.txt" in {s["source"] for s in report["skipped"]}

    opted = qa("build", "--seeds", "seeds", "--index", "index", "--follow-symlinks", cwd=tmp_path)
    assert "  added: passwd.txt" in opted.stdout.splitlines()
    found = json.loads(qa("ask", "zzoutsidesecret passphrase", "--mode", "lexical", "--json",
                          cwd=tmp_path).stdout)
    assert found["passages"][0]["source"] in ("passwd.txt", "outside/secret.txt")


def test_unknown_option_names_the_subcommand(tmp_path):
    one_line_error(qa("ask", "Kloop", "--jsn"), 2,
                   "qa ask: error: unrecognized arguments: --jsn (see `qa ask --help`)")
    one_line_error(qa("build", "--bogus", cwd=tmp_path), 2, "qa build: error: unrecognized arguments: --bogus")
    assert list(tmp_path.iterdir()) == []


def test_missing_index_prints_the_command_that_builds_it(tmp_path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    proc = qa("ask", "anything", "--index", "idx", cwd=work)
    assert one_line_error(proc, 1, "qa ask:") == (
        f"qa ask: error: no index at {work / 'idx'}; build it with: "
        f"qa build --index {work / 'idx'} --seeds YOUR_DOCUMENTS_FOLDER")
    (work / "seeds").mkdir()
    proc = qa("ask", "anything", "--index", str(tmp_path / "x"), cwd=work)
    assert one_line_error(proc, 1, "qa ask:").endswith(
        f"qa build --index {tmp_path / 'x'} --seeds {work / 'seeds'}")


def test_failed_build_leaves_nothing_behind(tmp_path):
    proc = qa("build", "--seeds", "/nonexistent", "--index", "zz", cwd=tmp_path)
    one_line_error(proc, 1, "qa build: error: documents folder /nonexistent does not exist; give one with --seeds")
    proc = qa("build", "--seeds", str(tmp_path / "missing"), cwd=tmp_path)
    one_line_error(proc, 1, f"qa build: error: documents folder {tmp_path / 'missing'} does not exist")
    assert list(tmp_path.iterdir()) == []
