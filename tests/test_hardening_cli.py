"""Issue 11 (hardening) and the CLI messages of issue 12.7: argument checks at the public boundary,
one-line CLI errors instead of tracebacks, a full disk, and the names the CLI gives in its messages.

The CLI runs as a subprocess.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket

import pytest

from conftest import SEEDS, write
from hardening_helpers import one_line_error, qa
from qa.config import Settings


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


def test_build_that_runs_out_of_space_is_one_line(tmp_path, embedder):
    # A file-size limit (RLIMIT_FSIZE) makes the index writes fail as a full disk does. The
    # `embedder` fixture has already prepared the cached ONNX model, so only index writes fail.
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
    (OSError(28, "No space left on device"), "qa build: error: No space left on device"),
    (OSError("1536 requested and 992 written"), "qa build: error: short write (1536 requested and 992 "
                                                "written): the disk is full or a file-size limit was reached"),
    (PermissionError(13, "Permission denied", "/data/index\n.lock"),
     "qa build: error: Permission denied: /data/index\\n.lock"),
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


# ---------------------------------------------------------------- 12.7 CLI messages

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
    one_line_error(proc, 1, "qa build: error: no documents folder: /nonexistent does not exist; give one with --seeds")
    proc = qa("build", "--seeds", str(tmp_path / "missing"), cwd=tmp_path)
    one_line_error(proc, 1, f"qa build: error: no documents folder: {tmp_path / 'missing'} does not exist")
    assert list(tmp_path.iterdir()) == []
