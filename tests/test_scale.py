"""Archive scale: a killed build resumes, files are read in a pool, progress is reported."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from qa import build_index
from qa.config import Settings
from qa.resume import cached_vectors

from conftest import ROOT, SEEDS, write

sys.path.insert(0, str(ROOT / "bench"))
from fake_embedder import HashEmbedder  # noqa: E402

SENTENCES = [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(
    p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))) if len(s.strip()) > 20]


def corpus(folder: Path, n: int) -> None:
    """`n` small files of the seed report's sentences, each file's text its own."""
    for i in range(n):
        picked = [SENTENCES[(i * 3 + j) % len(SENTENCES)] for j in range(4)]
        write(folder, f"part-{i // 20}/doc-{i:03d}.txt", f"Record {i}.\n\n" + "\n\n".join(picked) + "\n")


def index_files(index: Path) -> dict:
    """What a generation holds: its vectors, chunks and documents (not its timestamps)."""
    manifest = json.loads((index / "manifest.json").read_text())
    gen = index / manifest["generation"]
    con = sqlite3.connect(gen / "chunks.sqlite")
    chunks = con.execute("SELECT * FROM chunks ORDER BY 1").fetchall()
    texts = {t for (t,) in con.execute("SELECT text FROM chunks")}
    docs = con.execute("SELECT doc_id, source, hash, n_chunks, text FROM documents ORDER BY 1").fetchall()
    con.close()
    return {"vectors": np.load(gen / "vectors.npy"), "sentences": np.load(gen / "sentences.npy"),
            "chunks": chunks, "texts": texts, "documents": docs, "entries": {s: e["hash"] for s, e in manifest["documents"].items()}}


KILLED_BUILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[3])
    from fake_embedder import HashEmbedder
    from qa import build_index
    from qa.config import Settings
    build_index(sys.argv[1], sys.argv[2], settings=Settings(batch_size=2), workers=2,
                embedder=HashEmbedder(delay=0.05))
""")




def test_a_build_killed_midway_resumes_and_equals_a_clean_build(tmp_path):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    corpus(seeds, 5)
    build_index(seeds, index, embedder=HashEmbedder())
    manifest_before = (index / "manifest.json").read_bytes()
    corpus(seeds, 60)  # 55 new files

    proc = subprocess.Popen([sys.executable, "-c", KILLED_BUILD, str(seeds), str(index), str(ROOT / "bench")],
                            env=dict(os.environ, HF_HUB_OFFLINE="1"), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    try:
        while cached_vectors(index) < 20 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its reading workers
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    kept = cached_vectors(index)
    # readers still see the old generation: the manifest is untouched
    assert (index / "manifest.json").read_bytes() == manifest_before

    embedder = HashEmbedder()
    resumed = build_index(seeds, index, embedder=embedder, workers=2)
    clean = build_index(seeds, tmp_path / "clean", embedder=HashEmbedder(), workers=1)
    new_chunks = clean.chunks - resumed.reused_vectors
    assert 20 <= kept < new_chunks, (kept, new_chunks)
    assert resumed.resumed_vectors == kept
    assert resumed.embedded_chunks == new_chunks - kept
    # the model saw only the chunks the killed build had not embedded (and their sentences)
    got, want = index_files(index), index_files(tmp_path / "clean")
    assert len(set(embedder.texts) & got["texts"]) == new_chunks - kept
    assert not (index / "resume.sqlite").exists()
    assert np.array_equal(got["vectors"], want["vectors"])
    assert np.array_equal(got["sentences"], want["sentences"])
    assert got["chunks"] == want["chunks"]
    assert [d[:4] for d in got["documents"]] == [d[:4] for d in want["documents"]]
    assert got["entries"] == want["entries"]


def test_build_json_prints_progress_events_and_the_same_report(tmp_path):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    corpus(seeds, 20)
    proc = subprocess.run([sys.executable, "-m", "qa", "build", "--seeds", str(seeds), "--index", str(index),
                           "--json", "--workers", "2"], env=dict(os.environ, HF_HUB_OFFLINE="1"),
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)  # stdout: the one report object, as before
    assert len(report["added"]) == 20 and report["embedded_chunks"] == report["chunks"]
    assert report["resumed_vectors"] == 0
    events = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    counted = [e for e in events if "files_total" in e]
    assert all(e["event"] == "progress" and 0 <= e["fraction"] <= 1 for e in events)
    assert counted[-1]["files_done"] == counted[-1]["files_total"] == 20
    assert counted[-1]["chunks"] == report["chunks"] and counted[-1]["embedded"] == report["chunks"]
    assert {"files_per_second", "seconds_left", "elapsed_seconds"} <= set(counted[-1])
    assert events[-1]["stage"] == "done"


def test_pool_and_single_process_builds_are_the_same(tmp_path):
    seeds = tmp_path / "seeds"
    corpus(seeds, 40)
    write(seeds, "empty.txt", "")
    one = build_index(seeds, tmp_path / "one", embedder=HashEmbedder(), workers=1)
    two = build_index(seeds, tmp_path / "two", embedder=HashEmbedder(), workers=2)
    assert [p.source for p in one.problems] == [p.source for p in two.problems] == ["empty.txt"]
    a, b = index_files(tmp_path / "one"), index_files(tmp_path / "two")
    assert np.array_equal(a["vectors"], b["vectors"]) and a["chunks"] == b["chunks"]
    assert a["entries"] == b["entries"]


def test_the_examples_in_docs_scale_md_run(tmp_path):
    """Every local `qa build` example of docs/scale.md (not those needing a cluster, GPU or server)."""
    import shlex
    import shutil

    text = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    commands = [line for block in blocks for line in block.splitlines()
                if line.startswith("qa build --seeds seeds --index index")]
    assert len(commands) >= 3
    shutil.copytree(SEEDS, tmp_path / "seeds")
    for line in commands:
        command = f"{shlex.quote(sys.executable)} -m {line}"
        proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                              env=dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT)))
        assert proc.returncode == 0, (line, proc.stderr)
    events = [json.loads(x) for x in (tmp_path / "progress.jsonl").read_text().splitlines() if x.startswith("{")]
    assert events and events[-1]["stage"] == "index is up to date"


def test_progress_callback_gives_files_rate_and_time_left(tmp_path):
    """What the browser's rebuild shows: files and chunks, rate and time left, fractions that only grow."""
    seeds = tmp_path / "seeds"
    corpus(seeds, 30)
    seen = []
    build_index(seeds, tmp_path / "index", embedder=HashEmbedder(delay=0.01), workers=2,
                progress=lambda f, m: seen.append((f, m)))
    counted = [m for _, m in seen if "files/s" in m]
    assert any(re.search(r"read \d+ of 30 files, [\d,]+ chunks \([\d.]+ files/s, \d+:\d\d left\)", m) for m in counted)
    assert "read 30 of 30 files" in counted[-1]
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
