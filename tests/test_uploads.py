"""Uploads into and removals from the documents folder (ui/uploads.py), through the Service."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import SEEDS, SEED_FILE  # noqa: E402
from ui_helpers import make_service  # noqa: E402


@pytest.mark.parametrize("name, expected", [
    ("report.txt", "report.txt"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\windows\\evil.md", "evil.md"),
    (".hidden.md", "hidden.md"),
    ("<script>alert(1)</script>.html", "script_.html"),  # "/" ends a folder name
    ("<img src=x onerror=alert(1)>.md", "img src=x onerror=alert(1)_.md"),
    ("a\x00b\nc.TXT", "abc.txt"),
    ("résumé 2024.pdf", "résumé 2024.pdf"),
    ("....", None),
    ("/", None),
])
def test_sanitize_filename(name, expected):
    from ui.uploads import sanitize_filename

    assert sanitize_filename(name) == expected


@pytest.fixture()
def service(tmp_path, seed_index):
    return make_service(tmp_path, seed_index, SEEDS)


def _upload(tmp_path: Path, data: bytes) -> Path:
    folder = tmp_path / "upload"
    folder.mkdir(exist_ok=True)
    path = folder / "incoming"
    path.write_bytes(data)
    return path


def test_uploads_are_checked_sanitised_and_never_overwrite_silently(service, tmp_path, monkeypatch):
    seeds = service.seeds_dir
    before = sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and "seeds" not in p.parts)

    r = service.add_file(_upload(tmp_path, b"hello"), "tool.exe")
    assert not r.ok and ".exe files are not supported" in r.message and ".txt" in r.message
    r = service.add_file(_upload(tmp_path, b"\x00\x01binary"), "data.txt")
    assert not r.ok and "binary" in r.message
    r = service.add_file(_upload(tmp_path, b"   \n"), "empty.md")
    assert not r.ok and "empty" in r.message
    monkeypatch.setattr("ui.service.MAX_UPLOAD_BYTES", 10)
    r = service.add_file(_upload(tmp_path, b"x" * 11), "big.txt")
    assert not r.ok and "limit" in r.message
    monkeypatch.undo()

    r = service.add_file(_upload(tmp_path, b"Some notes."), "../../outside.txt")
    assert r.ok and r.changed and r.saved_as == "outside.txt"
    assert (seeds / "outside.txt").read_bytes() == b"Some notes."
    assert not (tmp_path / "outside.txt").exists()
    r = service.add_file(_upload(tmp_path, b"Other notes."), "outside.txt")
    assert r.ok and r.saved_as == "outside (2).txt" and "already exists" in r.message
    assert (seeds / "outside.txt").read_bytes() == b"Some notes."
    r = service.add_file(_upload(tmp_path, b"Newer notes."), "outside.txt", replace=True)
    assert r.ok and "replaced" in r.message and (seeds / "outside.txt").read_bytes() == b"Newer notes."
    assert not [p for p in seeds.iterdir() if p.name.startswith(".")], "no temporary files left behind"
    after = sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and "seeds" not in p.parts)
    assert before == after or set(after) - set(before) <= {"incoming"}

    rows = {r.source: r.status for r in service.files()}
    assert rows == {SEED_FILE: "indexed", "outside.txt": "new", "outside (2).txt": "new"}


def test_identical_content_is_not_saved_again_and_needs_no_rebuild(service, tmp_path):
    from ui import render

    seed = (SEEDS / SEED_FILE).read_bytes()
    for name in (SEED_FILE, "copy of the report.txt"):
        r = service.add_file(_upload(tmp_path, seed), name)
        assert r.ok and not r.changed and "same content" in r.message and "nothing to rebuild" in r.message
        assert r.saved_as == SEED_FILE
    assert sorted(p.name for p in service.seeds_dir.iterdir()) == [SEED_FILE]
    rows = service.files()
    html = render.uploads([r], pending=render.pending(rows))
    assert "same content" in html and "Rebuild" not in html
    # A genuinely new file does ask for a rebuild.
    r = service.add_file(_upload(tmp_path, b"Fresh notes about harbours."), "fresh.txt")
    assert "Press <strong>Rebuild index</strong>" in render.uploads([r], pending=render.pending(service.files()))


def test_remove_asks_nothing_outside_the_folder_and_shows_the_file_as_leaving(service, tmp_path):
    from ui.uploads import remove_document

    outside = tmp_path / "outside.txt"
    outside.write_text("keep me", encoding="utf-8")
    (service.seeds_dir / "link.txt").symlink_to(outside)
    (service.seeds_dir / "sub").mkdir()
    for bad in ("../outside.txt", str(outside), "sub", "", "nothere.txt"):
        r = remove_document(service.seeds_dir, bad)
        assert not r.ok, bad
    assert outside.read_text(encoding="utf-8") == "keep me"
    # Only files the panel lists can be removed through the service.
    assert not service.remove_file("../outside.txt").ok

    r = remove_document(service.seeds_dir, "link.txt")  # the link goes, its target stays
    assert r.ok and not os.path.lexists(service.seeds_dir / "link.txt") and outside.exists()

    r = service.remove_file(SEED_FILE)
    assert r.ok and "next rebuild" in r.message and not (service.seeds_dir / SEED_FILE).exists()
    assert {r.source: r.status for r in service.files()} == {SEED_FILE: "deleted"}
    # The chat keeps answering from the index until a rebuild takes the file out.
    assert service.ask("what happened to Kloop Media").passages
