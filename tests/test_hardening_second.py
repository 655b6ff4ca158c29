"""Issue 23 (hardening, second pass): seven failures a fresh probe found, each reproduced here.

Real builds with the bundled model (or a deterministic fake embedder where the model is not the
point), the CLI as a subprocess, a real Gradio server and a real PostgreSQL where they are.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import write
from hardening_helpers import one_line_error, qa
from qa import build_index
from qa import IndexLocationError
from qa.index.folder import FolderStore


# ---------------------------------------------------------------- 1. clean-up deletes only what qa made

NOTE = "Zorblat is the capital."


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _generations(index: Path) -> list[str]:
    return sorted(p.name for p in index.iterdir() if p.name.startswith("gen-"))


def test_documents_folder_inside_the_index_folder_is_refused(tmp_path, embedder):
    index = tmp_path / "i"
    for name in ("gen-notes", ".tmp-docs", "docs/sub"):
        write(index / name, "note.txt", NOTE)
        with pytest.raises(IndexLocationError, match="inside the index folder"):
            build_index(index / name, index, embedder=embedder)
        assert (index / name / "note.txt").read_text() == NOTE
    assert not (index / "manifest.json").exists()


def test_the_issue_reproduction_through_the_cli_is_one_line_and_loses_nothing(tmp_path):
    index = tmp_path / "i"
    note = write(index / "gen-notes", "note.txt", NOTE)
    for _ in range(2):
        proc = qa("build", "--seeds", str(index / "gen-notes"), "--index", str(index))
        one_line_error(proc, 1, f"qa build: error: the documents folder {note.parent} is inside the index "
                                f"folder {index}")
        with note.open("a") as f:
            f.write("more\n")
    assert note.read_text() == NOTE + "more\nmore\n"


def test_clean_up_removes_only_generations_qa_made(tmp_path, embedder):
    seeds, index = tmp_path / "seeds", tmp_path / "i"
    write(seeds, "a.txt", "The Naryn river flows west through Kyrgyzstan.")
    # A user's folders and files in the index folder, named as qa names its own.
    user = {"gen-notes": "note.txt", ".tmp-docs": "draft.txt", "gen-2020": "dense.faiss"}
    for folder, name in user.items():
        write(index / folder, name, NOTE)
    write(index, ".tmp-file", NOTE)
    write(index, ".tmp-manifest.jsonx", NOTE)
    before = _tree(index)
    made = []
    for i in range(4):
        write(seeds, "b.txt", f"Issyk-Kul is a lake that never freezes, said {i} people.")
        made.append(build_index(seeds, index, embedder=embedder).generation)
    after = _tree(index)
    assert {k: v for k, v in after.items() if k in before} == before  # every user file, unchanged
    live = FolderStore(index).read_manifest().generation
    assert live == made[-1]
    assert _generations(index) == sorted(["gen-notes", "gen-2020", *made[-2:]])  # ours: the newest two


def test_an_interrupted_build_leaves_a_temporary_folder_that_the_next_build_removes(tmp_path, embedder):
    seeds, index = tmp_path / "seeds", tmp_path / "i"
    write(seeds, "a.txt", "The Naryn river flows west through Kyrgyzstan.")
    build_index(seeds, index, embedder=embedder)
    store = FolderStore(index)
    leftover = store._new_tmp()  # what a build killed while writing leaves behind
    (leftover / "vectors.npy").write_bytes(b"partial")
    write(seeds, "b.txt", "Issyk-Kul is a lake that never freezes.")
    build_index(seeds, index, embedder=embedder)
    assert not leftover.exists()


def test_a_generation_written_before_the_marker_existed_is_adopted_then_pruned(tmp_path, embedder):
    from qa.index import format as fmt

    seeds, index = tmp_path / "seeds", tmp_path / "i"
    write(seeds, "a.txt", "The Naryn river flows west through Kyrgyzstan.")
    first = build_index(seeds, index, embedder=embedder).generation
    (index / first / fmt.GENERATION_MARKER).unlink()  # an index from an older qa
    for i in range(3):
        write(seeds, "b.txt", f"Issyk-Kul is a lake that never freezes, said {i} people.")
        build_index(seeds, index, embedder=embedder)
    assert first not in _generations(index) and len(_generations(index)) == 2
    # A folder that merely claims the live generation's name, with other files, is never adopted.
    fake = index / "gen-fake"
    write(fake, "note.txt", NOTE)
    data = json.loads((index / "manifest.json").read_text())
    data["generation"] = "gen-fake"
    (index / "manifest.json").write_text(json.dumps(data))
    FolderStore(index).clean_up(keep=1)
    assert (fake / "note.txt").read_text() == NOTE
    assert not (fake / fmt.GENERATION_MARKER).exists()


# ---------------------------------------------------------------- 3. /ask: one line for every bad argument

@pytest.fixture(scope="module")
def app(seed_index, tmp_path_factory):
    """`qa serve` over the seed index, and a gradio_client Client on it."""
    from gradio_client import Client

    from ui_helpers import running_app

    log = tmp_path_factory.mktemp("app") / "serve.log"
    with running_app(seed_index.parent / "seeds", seed_index, log) as url:
        yield Client(url, verbose=False), log


@pytest.mark.parametrize("args,kwargs,message", [
    ((123,), {}, "query must be text (a str), not int"),  # qa.answer()'s own words
    ((None,), {}, "query must be text (a str), not None"),
    (("what happened to Kloop Media",), {"k": "abc"}, "k must be a whole number of at least 1, not str 'abc'"),
    (("what happened to Kloop Media",), {"k": None}, "k must be a whole number of at least 1, not None None"),
    (("what happened to Kloop Media",), {"k": -5}, "k must be at least 1, got -5"),
    (("what happened to Kloop Media",), {"k": 2.5}, "k must be a whole number of at least 1, not float 2.5"),
    (("what happened to Kloop Media",), {"per_doc": "x"},
     "per_doc must be a whole number of at least 1 or None, not str 'x'"),
    (("what happened to Kloop Media",), {"mode": "fuzzy"},
     "unknown search mode 'fuzzy'; use one of hybrid, dense, lexical"),
    (("what happened to Kloop Media",), {"history": 7}, "history must be a list of earlier questions, not int"),
    (("what happened to Kloop Media",), {"history": "abc"}, "history must be a list of earlier questions, not str"),
    (("what happened to Kloop Media",), {"history": [None]}, "each history item must be text (a str), not None"),
])
def test_ask_api_answers_a_wrong_argument_with_the_apis_one_line(app, args, kwargs, message):
    from gradio_client.exceptions import AppError

    client, log = app
    with pytest.raises(AppError) as info:
        client.predict(*args, **kwargs, api_name="/ask")
    assert str(info.value) == message
    assert "Traceback" not in log.read_text()


def test_ask_api_still_answers_good_arguments(app):
    from conftest import KLOOP_SENTENCE

    client, log = app
    out = client.predict("what happened to Kloop Media", k=3, mode="hybrid", per_doc=0,
                         history=["who was arrested"], api_name="/ask")
    assert KLOOP_SENTENCE in out["answer"] and len(out["passages"]) == 3
    assert client.predict("what happened to Kloop Media", per_doc=None, api_name="/ask")["passages"]
    assert "Traceback" not in log.read_text()


def test_ask_api_with_the_database_down_says_so_in_one_line(tmp_path, embedder):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from conftest import KLOOP_SENTENCE, SEEDS
    from ui_helpers import running_app

    pg_server = pytest.importorskip("pg_server")
    try:
        pg_server.bin_dir()
    except pg_server.ServerUnavailable as exc:
        pytest.skip(str(exc))
    server = pg_server.start(fsync=False)
    try:
        url = server.index_url("down")
        build_index(SEEDS, url, embedder=embedder)
        log = tmp_path / "serve.log"
        with running_app(SEEDS, url, log) as app:
            client = Client(app, verbose=False)
            assert KLOOP_SENTENCE in client.predict("what happened to Kloop Media", api_name="/ask")["answer"]
            pg_server.stop(server)
            server = None
            with pytest.raises(AppError) as info:
                client.predict("who was arrested in Bishkek", api_name="/ask")
            message = str(info.value)
            assert message.startswith("PostgreSQL at postgresql://postgres@127.0.0.1:") or \
                message.startswith("cannot connect to PostgreSQL at postgresql://postgres@127.0.0.1:"), message
            assert "\n" not in message
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    finally:
        if server is not None:
            pg_server.stop(server)


# ---------------------------------------------------------------- 4. the login throttle and X-Forwarded-For

def _sign_ins(url: str, forwarded_for: list[str | None]) -> list[int]:
    import httpx

    codes = []
    for i, address in enumerate(forwarded_for):
        headers = {"X-Forwarded-For": address} if address else {}
        codes.append(httpx.post(url + "login", data={"username": "ann", "password": f"wrong{i}"},
                                headers=headers).status_code)
    return codes


def test_rotating_x_forwarded_for_does_not_escape_the_login_throttle(seed_index, tmp_path):
    from ui_helpers import running_app

    log = tmp_path / "serve.log"
    rotating = [f"203.0.113.{i}" for i in range(1, 6)]
    with running_app(seed_index.parent / "seeds", seed_index, log, extra=("--auth", "ann:right")) as url:
        assert _sign_ins(url, rotating) == [400, 400, 400, 400, 429]  # one client: 3 free tries, then locked
    text = log.read_text(encoding="utf-8")
    assert "failed sign-in from 127.0.0.1" in text and "203.0.113." not in text


def test_a_trusted_proxy_names_the_client_it_forwards(seed_index, tmp_path):
    from ui_helpers import running_app

    log = tmp_path / "serve.log"
    extra = ("--auth", "ann:right", "--trusted-proxy", "127.0.0.1", "--trusted-proxy", "10.0.0.0/8")
    with running_app(seed_index.parent / "seeds", seed_index, log, extra=extra) as url:
        # Through the proxy, each forwarded address is its own client; one of them gets locked out.
        assert _sign_ins(url, [f"203.0.113.{i}" for i in range(1, 5)]) == [400] * 4
        assert _sign_ins(url, ["198.51.100.9"] * 5) == [400, 400, 400, 400, 429]
    text = log.read_text(encoding="utf-8")
    assert "failed sign-in from 198.51.100.9" in text and "failed sign-in from 127.0.0.1" not in text


@pytest.mark.parametrize("value", ["not-an-address", "10.0.0.0/99", ""])
def test_a_bad_trusted_proxy_is_one_line(value):
    one_line_error(qa("serve", "--trusted-proxy", value), 2, "qa serve: error: argument --trusted-proxy:")


# ---------------------------------------------------------------- 5. qa serve with documents it cannot build from

def test_serve_with_a_missing_documents_folder_is_one_line(tmp_path):
    from ui_helpers import free_port

    proc = qa("serve", "--seeds", str(tmp_path / "nonexistent"), "--index", str(tmp_path / "idx"),
              "--port", str(free_port()), timeout=60)
    assert one_line_error(proc, 2, "qa serve: error: ") == (
        f"qa serve: error: no documents folder: {tmp_path / 'nonexistent'} does not exist; give one with --seeds")
    assert not (tmp_path / "idx").exists()


@pytest.mark.parametrize("layout", ["index inside documents", "documents inside index"])
def test_serve_with_overlapping_folders_is_one_line(tmp_path, layout):
    seeds, index = (tmp_path / "d", tmp_path / "d" / "idx") if layout == "index inside documents" else \
        (tmp_path / "i" / "docs", tmp_path / "i")
    write(seeds, "a.txt", NOTE)
    before = _tree(tmp_path)
    from ui_helpers import free_port

    proc = qa("serve", "--seeds", str(seeds), "--index", str(index), "--port", str(free_port()), timeout=60)
    one_line_error(proc, 2, f"qa serve: error: the {'index' if layout.startswith('index') else 'documents'} folder")
    assert _tree(tmp_path) == before


# ---------------------------------------------------------------- 6. the manifest's `files` stay inside the generation

@pytest.fixture
def built_folder(tmp_path, embedder):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    write(seeds, "a.txt", "The Naryn river flows west through Kyrgyzstan.")
    build_index(seeds, index, embedder=embedder)
    return index


def _with_files(index: Path, change) -> None:
    path = index / "manifest.json"
    data = json.loads(path.read_text())
    change(data["files"])
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("key", ["../../../../etc/shadow", "/etc/passwd", "bm25/../../../x", "", ".", "bm25//x",
                                 "./dense.faiss", "bm25/", "a\x00b", "dense.faiss/.."])
def test_a_manifest_file_outside_the_generation_is_refused_unread(built_folder, key):
    from qa import IndexCorruptError

    _with_files(built_folder, lambda files: files.__setitem__(key, {"sha256": "0" * 64, "size": 1}))
    with pytest.raises(IndexCorruptError, match="names a file .* that is not a plain file of its generation") as info:
        FolderStore(built_folder).load()
    assert "bytes" not in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("entry", [None, "x", {"size": "1", "sha256": "0" * 64}, {"size": 1}, {"size": -1, "sha256": ""}])
def test_a_malformed_manifest_file_entry_is_refused(built_folder, entry):
    from qa import IndexCorruptError

    _with_files(built_folder, lambda files: files.__setitem__("dense.faiss", entry))
    with pytest.raises(IndexCorruptError, match="run `qa build --full`"):
        FolderStore(built_folder).load()


def test_a_generation_file_that_links_out_is_not_read(built_folder, tmp_path):
    from qa import IndexCorruptError
    from qa.documents import sha256_file

    secret = write(tmp_path, "secret.txt", "zzoutside secret")
    gen = built_folder / FolderStore(built_folder).read_manifest().generation
    (gen / "leak.txt").symlink_to(secret)
    _with_files(built_folder, lambda files: files.__setitem__(
        "leak.txt", {"sha256": sha256_file(secret), "size": secret.stat().st_size}))
    with pytest.raises(IndexCorruptError, match="leak.txt is a link"):
        FolderStore(built_folder).load()


# ---------------------------------------------------------------- 7. a BOM does not hide invalid bytes

@pytest.mark.parametrize("name,data,byte", [
    ("bom.txt", b"\xef\xbb\xbfZorblat is the capital \xff\xfe of nothing.", 26),
    ("bom.md", b"\xef\xbb\xbf# Notes\n\nCaf\xe9 Zorblat.", 15),
    ("utf16.txt", b"\xff\xfe" + "Zorblat ".encode("utf-16-le") + b"\x00\xd8" + "capital".encode("utf-16-le"), 18),
])
def test_a_bom_with_invalid_bytes_is_read_with_a_warning(tmp_path, embedder, name, data, byte):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    write(seeds, name, data)
    write(seeds, "clean.txt", "\ufeffA clean file with a byte-order mark.".encode("utf-8"))
    report = build_index(seeds, index, embedder=embedder)
    warnings = {p.source: p.reason for p in report.problems if not p.skipped}
    assert set(warnings) == {name} and not [p for p in report.problems if p.skipped]
    assert warnings[name] == f"not valid {'UTF-16' if 'utf16' in name else 'UTF-8'} after its byte-order " \
                             f"mark (byte {byte}); invalid bytes replaced with U+FFFD"
    assert report.documents == 2


# ---------------------------------------------------------------- /ask from many threads (docs/concurrency.md)

def test_the_concurrency_example_of_the_docs_runs(app):
    import re

    from conftest import ROOT

    client, log = app
    text = (ROOT / "docs" / "concurrency.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    assert 'URL = "http://127.0.0.1:7860/"' in code
    scope: dict = {}
    exec(code.replace("http://127.0.0.1:7860/", client.src), scope)  # noqa: S102 - our own docs
    assert len(scope["answers"]) == 8 and all(a["passages"] and "answer" in a for a in scope["answers"])
    assert "Traceback" not in log.read_text()
