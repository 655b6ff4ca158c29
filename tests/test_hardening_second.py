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
from qa.build import IndexLocationError
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
