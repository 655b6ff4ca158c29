"""Incremental, crash-safe, concurrent-safe builds, and bad input that never stops a build."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qa import BuildLockedError, IndexCorruptError, Retriever, build_index
from qa.documents import read_document, scan
from qa.index.folder import FolderStore

from conftest import write
from test_formats import make_pdf

FACTS = {
    "rivers.txt": "The Naryn river flows west through Kyrgyzstan into the Fergana Valley.\n\n"
                  "Its hydropower stations supply much of the country's electricity.",
    "notes/lakes.md": "# Lakes\n\nIssyk-Kul is a large endorheic lake that never freezes in winter.",
    "notes/peaks.txt": "Jengish Chokusu, also called Victory Peak, is the highest summit of the Tian Shan.",
}
QUERIES = ["which river flows into the Fergana Valley", "a lake that does not freeze",
           "highest mountain of the Tian Shan", "electricity from hydropower", "Issyk-Kul"]


def results(index: Path, embedder) -> list:
    retriever = Retriever.load(index, embedder=embedder)
    return [[(p.source, p.start, p.end, p.text, round(p.score, 5)) for p in retriever.search(q, k=4, mode=m)]
            for q in QUERIES for m in ("hybrid", "dense", "lexical")]


def snapshot(folder: Path) -> dict[str, tuple]:
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime)
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def test_add_change_delete_rename_match_a_fresh_build(tmp_path, embedder):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    for name, text in FACTS.items():
        write(seeds, name, text)
    first = build_index(seeds, index, embedder=embedder)
    assert first.full_rebuild and sorted(first.added) == sorted(FACTS)

    def check_against_fresh(report):
        fresh = tmp_path / f"fresh-{time.monotonic_ns()}"
        build_index(seeds, fresh, embedder=embedder)
        assert results(index, embedder) == results(fresh, embedder)
        return report

    # add one document
    write(seeds, "deserts.txt", "The Taklamakan desert lies east of the Tian Shan range.")
    r = check_against_fresh(build_index(seeds, index, embedder=embedder))
    assert r.added == ["deserts.txt"] and r.unchanged == 3 and not r.full_rebuild
    assert r.embedded_chunks == 1

    # change one: only the chunk whose text changed is embedded again
    write(seeds, "rivers.txt", FACTS["rivers.txt"].replace("west", "westward"))
    r = check_against_fresh(build_index(seeds, index, embedder=embedder))
    assert r.changed == ["rivers.txt"] and r.embedded_chunks == 1

    # delete one: it disappears from dense and lexical search
    (seeds / "notes" / "peaks.txt").unlink()
    r = check_against_fresh(build_index(seeds, index, embedder=embedder))
    assert r.removed == ["notes/peaks.txt"] and r.embedded_chunks == 0
    retriever = Retriever.load(index, embedder=embedder)
    for mode in ("dense", "lexical", "hybrid"):
        assert all(p.source != "notes/peaks.txt" for p in retriever.search("Victory Peak", k=10, mode=mode))

    # rename one: nothing is embedded again, no duplicate remains
    (seeds / "notes" / "lakes.md").rename(seeds / "lakes.md")
    r = check_against_fresh(build_index(seeds, index, embedder=embedder))
    assert r.renamed == [("notes/lakes.md", "lakes.md")] and r.embedded_chunks == 0
    hits = Retriever.load(index, embedder=embedder).search("Issyk-Kul", k=10)
    assert [p.source for p in hits].count("lakes.md") == 1 and "notes/lakes.md" not in {p.source for p in hits}

    # re-adding the same file under both names does not duplicate vectors' work
    write(seeds, "copy-of-lakes.md", FACTS["notes/lakes.md"])
    r = check_against_fresh(build_index(seeds, index, embedder=embedder))
    assert r.added == ["copy-of-lakes.md"] and r.embedded_chunks == 0 and r.reused_vectors >= 1

    # --full re-embeds everything, and says so
    r = build_index(seeds, index, embedder=embedder, full=True)
    assert r.full_rebuild and "--full" in r.full_reason and r.embedded_chunks == r.chunks


def test_model_change_triggers_a_full_rebuild(tmp_path, embedder):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    write(seeds, "a.txt", FACTS["rivers.txt"])
    build_index(seeds, index, embedder=embedder)
    manifest = json.loads((index / "manifest.json").read_text())
    manifest["model"]["fingerprint"] = "another-model"
    (index / "manifest.json").write_text(json.dumps(manifest))
    r = build_index(seeds, index, embedder=embedder)
    assert r.full_rebuild and "model changed" in r.full_reason


BUILD_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from qa import build_index
    seeds, index, stage = sys.argv[1], sys.argv[2], sys.argv[3]
    def progress(fraction, message):
        if message.startswith(stage):
            os.kill(os.getpid(), signal.SIGKILL)
    build_index(seeds, index, progress=progress)
""")


@pytest.mark.parametrize("stage", ["scanning", "embedding", "embedded", "writing", "switching"])
def test_build_killed_at_any_stage_leaves_the_old_index_answering(tmp_path, embedder, stage):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    for name, text in FACTS.items():
        write(seeds, name, text)
    build_index(seeds, index, embedder=embedder)
    before = results(index, embedder)
    manifest_before = (index / "manifest.json").read_bytes()
    write(seeds, "new.txt", "Bishkek is the capital of Kyrgyzstan and its largest city. " * 30)
    proc = subprocess.run([sys.executable, "-c", BUILD_SCRIPT, str(seeds), str(index), stage],
                          env=dict(os.environ, HF_HUB_OFFLINE="1"), capture_output=True, timeout=600)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert (index / "manifest.json").read_bytes() == manifest_before
    assert results(index, embedder) == before
    # the next build recovers by itself, removing the dead build's leftovers
    r = build_index(seeds, index, embedder=embedder)
    assert r.added == ["new.txt"]
    assert not [p for p in index.iterdir() if p.name.startswith(".tmp-")]
    assert len([p for p in index.iterdir() if p.name.startswith("gen-")]) <= 2


def test_second_concurrent_build_is_refused_or_waits(tmp_path, embedder):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    write(seeds, "a.txt", FACTS["rivers.txt"])
    with FolderStore(index).lock():
        with pytest.raises(BuildLockedError, match="another build is running"):
            build_index(seeds, index, embedder=embedder)
        proc = subprocess.run([sys.executable, "-m", "qa", "build", "--seeds", str(seeds), "--index", str(index)],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 1 and "another build is running" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    # a holder that died (even by SIGKILL) does not block the next build
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from qa.index.folder import FolderStore
        with FolderStore({str(index)!r}).lock():
            print("locked", flush=True)
            time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(BuildLockedError):
        build_index(seeds, index, embedder=embedder)
    holder.kill()
    holder.wait()
    assert build_index(seeds, index, embedder=embedder, wait=5).documents == 1


def test_running_retriever_keeps_its_generation_and_refreshes(tmp_path, embedder):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    write(seeds, "a.txt", FACTS["rivers.txt"])
    build_index(seeds, index, embedder=embedder)
    retriever = Retriever.load(index, embedder=embedder)
    old = retriever.generation
    for i in range(3):  # enough builds that the loaded generation's files are deleted
        write(seeds, f"b{i}.txt", f"Fact number {i}: the yurt is a portable round tent.")
        build_index(seeds, index, embedder=embedder)
    assert not (index / old).exists()
    assert retriever.search("Naryn river", k=1)[0].source == "a.txt"  # still serving the old one
    assert retriever.refresh() and retriever.generation != old
    assert retriever.search("portable round tent", k=1, mode="lexical")[0].source.startswith("b")
    assert not retriever.refresh()


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_corrupted_index_file_is_detected(tmp_path, embedder, damage):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    write(seeds, "a.txt", FACTS["rivers.txt"])
    build_index(seeds, index, embedder=embedder)
    target = index / FolderStore(index).read_manifest().generation / "dense.faiss"
    data = bytearray(target.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "truncate":
        target.write_bytes(bytes(data[: len(data) // 2]))
    else:
        target.unlink()
    with pytest.raises(IndexCorruptError, match=r"dense.faiss .*run `qa build --full`"):
        Retriever.load(index, embedder=embedder)
    r = build_index(seeds, index, embedder=embedder)
    assert r.full_rebuild and "unusable" in r.full_reason
    assert Retriever.load(index, embedder=embedder).search("Naryn", k=1)


def test_bad_input_is_reported_and_the_rest_indexed(tmp_path, embedder):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    write(seeds, "good.txt", FACTS["rivers.txt"])
    write(seeds, "good.md", FACTS["notes/lakes.md"])
    write(seeds, "binary.txt", bytes(range(256)) * 4)
    write(seeds, "nul.md", b"hello\x00world")
    write(seeds, "latin1.txt", "Caf\xe9 on the shore of Issyk-Kul, na\xefve prices.".encode("cp1252"))
    write(seeds, "empty.txt", "")
    write(seeds, "blank.md", "  \n\n \t\n")
    write(seeds, "huge.txt", "big " * 20_000)
    write(seeds, "broken.pdf", b"%PDF-1.4\n garbage that is not a pdf")
    write(seeds, "notpdf.pdf", b"just some text")
    write(seeds, "bad.docx", b"PK\x03\x04 not really a zip")
    write(seeds, "scripty.html", "<html><head><title>T</title><style>.zzstyle{}</style></head>"
                                 "<body><script>var zzscript = 1;</script><p>Visible hydropower words</p></body></html>")
    write(seeds, "report.pdf", make_pdf([["Page one talks about apricots."], ["Page two: walnut forests of Arslanbob."],
                                         ["Page three mentions the Chatkal range."]]))
    (seeds / "dangling.txt").symlink_to(seeds / "does-not-exist.txt")
    (seeds / "loop").mkdir()
    (seeds / "loop" / "again").symlink_to(seeds / "loop", target_is_directory=True)
    (seeds / "ignored.exe").write_bytes(b"MZ")
    write(tmp_path / "outside", "secret.txt", "zzsecret of the machine")
    (seeds / "passwd.txt").symlink_to(tmp_path / "outside" / "secret.txt")  # out of the folder
    os.mkfifo(seeds / "fifo.txt")  # opening it would block the build
    write(seeds, "late-nul.md", b"words " * 2000 + b"\x00")  # a NUL after the first 8 KiB
    before = snapshot(seeds)

    from qa.config import Settings
    report = build_index(seeds, index, embedder=embedder, settings=Settings(max_file_bytes=50_000))
    reasons = {p.source: p.reason for p in report.problems}
    skipped = {p.source for p in report.problems if p.skipped}
    assert {"binary.txt", "nul.md", "empty.txt", "blank.md", "huge.txt", "broken.pdf", "notpdf.pdf",
            "bad.docx", "dangling.txt"} <= skipped
    assert "NUL" in reasons["binary.txt"] and "too large" in reasons["huge.txt"]
    assert "empty" in reasons["empty.txt"] and "broken symlink" in reasons["dangling.txt"]
    assert any("symlink loop" in r for r in reasons.values())
    assert "cp1252" in reasons["latin1.txt"] and "latin1.txt" not in skipped
    indexed = {s for s in FolderStore(index).read_manifest().documents}
    assert indexed == {"good.txt", "good.md", "latin1.txt", "scripty.html", "report.pdf"}
    assert snapshot(seeds) == before, "the build never changes the seeds folder"

    retriever = Retriever.load(index, embedder=embedder)
    assert retriever.search("zzscript", k=3, mode="lexical") == []
    assert retriever.search("zzstyle", k=3, mode="lexical") == []
    assert retriever.search("Café Issyk-Kul", k=1, mode="lexical")[0].source == "latin1.txt"
    walnut = retriever.search("walnut forests", k=1)[0]
    assert walnut.source == "report.pdf" and walnut.page == 2
    assert retriever.search("Chatkal range", k=1, mode="lexical")[0].page == 3
    out = report.to_dict()
    assert {"source": "huge.txt", "reason": reasons["huge.txt"]} in out["skipped"]
    assert {"passwd.txt", "fifo.txt", "late-nul.md", "ignored.exe"} <= skipped
    assert "outside the documents folder" in reasons["passwd.txt"] and "FIFO" in reasons["fifo.txt"]
    assert reasons["late-nul.md"] == "binary file (contains NUL bytes)"
    assert reasons["ignored.exe"].startswith("unsupported file type")


def test_unreadable_file_is_reported(tmp_path, monkeypatch):
    # Root (as in CI) can read any file, so denial is simulated at the OS call.
    write(tmp_path, "secret.txt", "text")
    files, _ = scan(tmp_path)

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("qa.documents.os.open", deny)
    doc, problem = read_document(files[0])
    assert doc is None and "Permission denied" in problem.reason
