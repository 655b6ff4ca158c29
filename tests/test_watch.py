"""A watched documents folder: changes are indexed within seconds while the chat keeps answering."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from qa import FolderWatcher

from conftest import SEED_FILE, write
from ui_helpers import running_app

NEW_FACT = ("The Vardane river bridge reopened on 14 March 2024 after two years of repairs.\n\n"
            "Engineers replaced the bridge's steel cables and widened its footpath.")
QUESTION = "when did the Vardane river bridge reopen?"


def test_watcher_debounces_and_runs_one_build_at_a_time(tmp_path):
    seeds = tmp_path / "seeds"
    write(seeds, "a.txt", "first")
    busy = threading.Event()
    calls = []

    def on_change():
        if busy.is_set():
            return False  # as Service.start_build says while a build runs
        calls.append(time.monotonic())
        return True

    w = FolderWatcher(seeds, on_change, interval=0.05, debounce=0.3)
    w.settle()
    assert not w.poll() and calls == []                      # nothing changed
    write(seeds, "b.txt", "second")
    assert not w.poll()                                      # changed, not yet quiet for 0.3 s
    write(seeds, "b.txt", "second, still being written")
    assert not w.poll()                                      # changed again: quiet time starts again
    time.sleep(0.35)
    assert w.poll() and len(calls) == 1                      # one build for both writes
    assert not w.poll() and len(calls) == 1
    busy.set()
    (seeds / "a.txt").unlink()
    write(seeds, ".hidden", "never indexed, never watched")
    assert not w.poll()
    time.sleep(0.35)
    assert not w.poll() and w.pending                        # a build runs: the change waits
    busy.clear()
    assert w.poll() and len(calls) == 2 and not w.pending    # and is built as soon as it can be


def test_a_file_a_build_indexed_but_the_watcher_never_saw_is_looked_at_again(tmp_path):
    """A build scans the folder after the poll that started it: a file written in between is
    indexed though no poll saw it. Removed again before the next poll, the snapshots match; only
    recheck() (called after a build that changed the index) makes the watcher compare once more."""
    seeds = tmp_path / "seeds"
    write(seeds, "a.txt", "first")
    calls = []
    w = FolderWatcher(seeds, lambda: calls.append(1) or True, interval=0.05, debounce=0.0)
    w.settle()
    write(seeds, "b.txt", "second")
    assert w.poll() and len(calls) == 1          # a build starts...
    write(seeds, "late.txt", "indexed by it")   # ...and its scan, later, finds this file
    w.recheck()                                  # the build added a file: look again
    (seeds / "late.txt").unlink()                # gone before the next poll
    assert w.poll() and len(calls) == 2          # a second build drops it from the index
    assert not w.poll() and len(calls) == 2      # and then all is quiet
    w.recheck()
    (seeds / "c.txt").write_text("third")
    assert w.poll() and len(calls) == 3          # recheck does not swallow a real change either


def test_serve_watch_makes_a_new_file_answerable(tmp_path, seed_index):
    from gradio_client import Client

    seeds, index = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    shutil.copy(seed_index.parent / "seeds" / SEED_FILE, seeds / SEED_FILE)
    shutil.copytree(seed_index, index)
    log = tmp_path / "serve.log"
    with running_app(seeds, index, log, extra=("--watch",)) as url:
        client = Client(url, verbose=False)
        assert client.predict(QUESTION, api_name="/ask")["abstained"] is True
        write(seeds, "bridges/vardane.txt", NEW_FACT)
        saved = time.monotonic()
        while True:
            out = client.predict(QUESTION, api_name="/ask")  # the chat answers all along
            if not out["abstained"]:
                break
            assert time.monotonic() - saved < 120, log.read_text()[-3000:]
            time.sleep(0.5)
        print(f"qa serve --watch: the new file was answerable {time.monotonic() - saved:.1f} s after it was saved")
        assert out["passages"][0]["source"] == "bridges/vardane.txt"
        assert "14 March 2024" in out["answer"]
        (seeds / "bridges" / "vardane.txt").unlink()
        while not client.predict(QUESTION, api_name="/ask")["abstained"]:
            assert time.monotonic() - saved < 240, log.read_text()[-3000:]
            time.sleep(0.5)
    assert "watching" in log.read_text()


def test_documents_tab_says_the_folder_is_watched():
    from ui import render

    class Row:
        source, size, n_chunks, indexed_at, status, note = "a.txt", 10, 1, "2026-12-07T01:00", "new", ""

    assert "being indexed now" in render.documents([Row()], Path("/docs"), watching=True)
    assert "press Rebuild index" in render.documents([Row()], Path("/docs"))
    assert "watching the documents folder" in render.status({"ready": True, "documents": 1, "chunks": 2,
                                                             "watching": True})


def test_build_watch_rebuilds_when_a_file_is_added(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import ROOT, SEEDS

    seeds, index = tmp_path / "seeds", tmp_path / "index"
    shutil.copytree(SEEDS, seeds)
    proc = subprocess.Popen([sys.executable, "-m", "qa", "build", "--seeds", str(seeds), "--index", str(index),
                             "--watch"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1"))
    lines = []
    deadline = threading.Timer(300, proc.kill)  # a watcher that never fires cannot hang the test
    deadline.start()
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("qa build: watching"):
                write(seeds, "vardane.txt", NEW_FACT)
            if "added: vardane.txt" in line:
                break
    finally:
        deadline.cancel()
        proc.terminate()
        proc.wait(timeout=30)
    text = "".join(lines)
    assert text.count("indexed ") == 2 and "added: vardane.txt" in text, text
