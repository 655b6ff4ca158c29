"""Search within part of an index (`where=`): checks, glob meaning, the folder store's restricted
search against the unrestricted ranking, and the same results from PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from conftest import SEEDS, SEED_FILE, write
from qa import BadArgument, Retriever, answer, build_index
from qa.errors import IndexMismatchError
from qa.filters import check_where

RU_TEXT = ("Столица Киргизии — Бишкек, крупнейший город страны. В 2024 году суд в Бишкеке ликвидировал "
           "издание Kloop Media, а операторов Kloop задержали по обвинению в призывах к массовым "
           "беспорядкам. Журналисты продолжили работу из-за рубежа.")
DOCS = {
    "notes/kloop.txt": ("Kloop Media was liquidated by a court in Bishkek in 2024. Kloop Media journalists kept "
                        "publishing from abroad; camera operators of Kloop were arrested.", "2024-03-01"),
    "notes/2023/bees.txt": ("Honey bees navigate by the sun. A forager returning to the hive dances: the angle "
                            "of its waggle run tells the others the direction of the flowers.", "2023-05-10"),
    "vitamin-d.md": ("# Vitamin D and falls\n\nIn a trial of 2,000 older adults, daily vitamin D supplements "
                     "did not reduce the number of falls.", "2022-01-15"),
    "ru/bishkek.txt": (RU_TEXT, "2024-06-01"),
}
QUERIES = ["what happened to Kloop Media", "how do bees find flowers", "vitamin D falls", "Бишкек суд"]
FILTERS = [
    {"source": "notes"},
    {"source": "notes/*.txt"},
    {"source": ["**/*.md", "ru/"]},
    {"source": "**/bees.txt"},
    {"language": "ru"},
    {"modified_after": "2024-01-01"},
    {"modified_before": "2023-12-31T23:59:59"},
    {"modified_after": "2023-01-01", "modified_before": "2024-05-01", "source": "notes/**"},
]


def _epoch(day: str) -> float:
    return datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp()


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("filters") / "docs"
    shutil.copytree(SEEDS, base)
    os.utime(base / SEED_FILE, (_epoch("2023-09-01"),) * 2)
    for name, (text, day) in DOCS.items():
        os.utime(write(base, name, text), (_epoch(day),) * 2)
    return base


@pytest.fixture(scope="module")
def folder(docs_dir, embedder, tmp_path_factory) -> Retriever:
    index = tmp_path_factory.mktemp("filters-index") / "index"
    build_index(docs_dir, index, embedder=embedder)
    return Retriever.load(index, embedder=embedder)


# ------------------------------------------------------------------ checks


@pytest.mark.parametrize("where, message", [
    ({"folder": "x"}, "unknown key 'folder' in where; use source, language, modified_after, modified_before"),
    ("notes/*", "where must be a dict"),
    ({"source": 3}, r"where\['source'\] must be a string or a list of strings"),
    ({"source": []}, r"where\['source'\] must not be empty"),
    ({"source": "/home/me/notes"}, "must be a path relative to the documents folder"),
    ({"source": "../secret"}, r"must stay inside the documents folder \(no '..'\)"),
    ({"language": "Russian"}, "must be a language code such as 'en' or 'ru'"),
    ({"modified_after": "yesterday"}, "must be an ISO date such as '2024-01-31'"),
    ({"modified_after": 2024}, "must be an ISO date"),
    ({"modified_after": "2024-02-01", "modified_before": "2024-01-01"}, "must be earlier than"),
])
def test_a_bad_filter_is_refused_in_one_line(where, message, folder):
    with pytest.raises(BadArgument, match=message) as caught:
        folder.search("Kloop", where=where)
    assert "\n" not in str(caught.value)


def test_glob_meaning():
    w = check_where({"source": ["reports/*.pdf", "notes", "a?c/[!x]*.txt"]})
    keeps = w.source_matches
    assert keeps("reports/q1.pdf") and not keeps("reports/2023/q1.pdf") and not keeps("reports/q1.pdfx")
    assert keeps("notes/a.txt") and keeps("notes/deep/b.md") and not keeps("notesx/a.txt")
    assert keeps("abc/y.txt") and not keeps("abc/x.txt") and not keeps("ab/c/y.txt")
    assert check_where({"source": "**/*.pdf"}).source_matches("a/b/c.pdf")
    assert check_where({"source": "**/*.pdf"}).source_matches("c.pdf")
    assert check_where({}) is None and check_where(None) is None
    assert check_where({"modified_after": "2024-01-01"}).to_dict() == {"modified_after": "2024-01-01T00:00:00Z"}


# ------------------------------------------------------------------ the folder store


def _kept(retriever: Retriever, where) -> set[str]:
    return {d.source for d in retriever.matching(where)}


def test_matching_documents(folder):
    assert _kept(folder, {"source": "notes"}) == {"notes/kloop.txt", "notes/2023/bees.txt"}
    assert _kept(folder, {"source": "notes/*.txt"}) == {"notes/kloop.txt"}
    assert _kept(folder, {"language": "ru"}) == {"ru/bishkek.txt"}
    assert _kept(folder, {"language": "en"}) == {SEED_FILE, "notes/kloop.txt", "notes/2023/bees.txt", "vitamin-d.md"}
    assert _kept(folder, {"modified_after": "2024-01-01"}) == {"notes/kloop.txt", "ru/bishkek.txt"}
    assert _kept(folder, {"modified_before": "2023-09-01"}) == {"notes/2023/bees.txt", "vitamin-d.md"}  # exclusive
    assert _kept(folder, {"modified_after": "2023-09-01"}) >= {SEED_FILE}  # inclusive


@pytest.mark.parametrize("where", FILTERS, ids=[json.dumps(w, ensure_ascii=False) for w in FILTERS])
def test_a_filter_restricts_the_search_to_its_documents(folder, where):
    kept = _kept(folder, where)
    assert kept, "every filter here keeps something"
    for query in QUERIES:
        for mode in ("hybrid", "dense", "lexical"):
            got = folder.search(query, k=5, mode=mode, where=where)
            assert {p.source for p in got} <= kept, (query, mode)
            if mode != "hybrid":
                # Dense and BM25 scores do not depend on the filter: the filtered ranking is the
                # full ranking with the other documents' chunks left out.
                everything = folder.search(query, k=folder.manifest.chunks, mode=mode)
                expected = [p.chunk_id for p in everything if p.source in kept][:5]
                assert [p.chunk_id for p in got] == expected, (query, mode)
            elif mode == "hybrid" and folder.search(query, k=5, mode="dense", where=where):
                assert got, (query, where)


def test_a_filter_changes_what_is_found(folder):
    everything = folder.search("what happened to Kloop Media", k=5)
    assert {SEED_FILE, "notes/kloop.txt"} <= {p.source for p in everything}
    report = folder.search("what happened to Kloop Media", k=5, where={"source": SEED_FILE})
    assert {p.source for p in report} == {SEED_FILE} and len(report) == 4  # all its chunks
    russian = answer(folder, "what happened to Kloop Media", where={"language": "ru"})
    assert {p.source for p in russian.passages} == {"ru/bishkek.txt"}


def test_a_filter_keeping_nothing_finds_nothing(folder):
    where = {"source": "reports/**"}
    assert folder.matching(where) == []
    assert folder.search("Kloop", where=where) == []
    reply = answer(folder, "what happened to Kloop Media", where=where)
    assert reply.abstained and reply.passages == []


def test_an_index_without_languages_says_to_rebuild(docs_dir, embedder, tmp_path):
    """A format-2 index (no language column) still searches; a language filter asks for a rebuild."""
    build_index(docs_dir, tmp_path / "index", embedder=embedder)
    from qa.documents import sha256_file

    manifest_path = tmp_path / "index" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    table = tmp_path / "index" / manifest["generation"] / "chunks.sqlite"
    con = sqlite3.connect(table)
    con.execute("ALTER TABLE documents DROP COLUMN language")
    con.commit()
    con.close()
    manifest["format_version"] = 2
    manifest["files"]["chunks.sqlite"] = {"sha256": sha256_file(table), "size": table.stat().st_size}
    manifest_path.write_text(json.dumps(manifest))
    old = Retriever.load(tmp_path / "index", embedder=embedder)
    assert old.search("Kloop", k=3, where={"source": "notes"})[0].source == "notes/kloop.txt"
    with pytest.raises(IndexMismatchError, match=r"before qa recorded each document's language; run `qa build --full"):
        old.search("Kloop", where={"language": "ru"})
    # An incremental build over it detects the languages of the documents it keeps.
    report = build_index(docs_dir, tmp_path / "index", embedder=embedder)
    assert report.unchanged == len(DOCS) + 1
    assert _kept(Retriever.load(tmp_path / "index", embedder=embedder), {"language": "ru"}) == {"ru/bishkek.txt"}


def test_ivf_search_within_a_large_subset_probes_until_k_survive(monkeypatch):
    from qa import dense

    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(4000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = dense.build_faiss(vectors, "ivf")
    index.nprobe = 1
    query = vectors[9]
    rows = np.arange(0, 4000, 3, dtype=np.int64)  # a third of the chunks, spread over every list
    exact_rows, exact_scores = dense.search_within(index, vectors, query, rows, 20)
    truth = rows[np.argsort(-(vectors[rows] @ query), kind="stable")][:20]
    assert exact_rows.tolist() == truth.tolist()
    monkeypatch.setattr(dense, "EXACT_SUBSET", 100)  # now through FAISS with an ID selector
    found, scores = dense.search_within(index, vectors, query, rows, 20)
    assert len(found) == 20 and set(found.tolist()) <= set(rows.tolist())
    assert np.all(np.diff(scores) <= 0) and found[0] == 9  # exact cosines, best first
    sparse = np.array([5, 1999, 3998], dtype=np.int64)  # far fewer than the probed lists hold
    monkeypatch.setattr(dense, "EXACT_SUBSET", 2)
    assert sorted(dense.search_within(index, vectors, query, sparse, 3)[0].tolist()) == [5, 1999, 3998]


# ------------------------------------------------------------------ PostgreSQL agrees


@pytest.fixture(scope="module")
def pg_url():
    pg_server = pytest.importorskip("pg_server")
    try:
        pg_server.bin_dir()
        import pgvector  # noqa: F401
        import psycopg  # noqa: F401
    except (pg_server.ServerUnavailable, ImportError) as exc:
        pytest.skip(f"PostgreSQL tests need the postgres extra ({exc})")
    with pg_server.local_server(fsync=False) as server:
        yield server.index_url(f"filters_{os.getpid()}")


def test_postgres_filters_like_the_folder_index(folder, docs_dir, embedder, pg_url):
    build_index(docs_dir, pg_url, embedder=embedder)
    pg = Retriever.load(pg_url, embedder=embedder)
    for where in FILTERS + [{"source": "nothing/here"}]:
        assert _kept(pg, where) == _kept(folder, where)
        for query in QUERIES:
            for mode in ("hybrid", "dense", "lexical"):
                a = folder.search(query, k=5, mode=mode, where=where)
                b = pg.search(query, k=5, mode=mode, where=where)
                assert [p.chunk_id for p in b] == [p.chunk_id for p in a], (where, query, mode)
                for x, y in zip(a, b):
                    assert y.score == pytest.approx(x.score, rel=1e-4, abs=1e-5)
    assert answer(pg, "what happened to Kloop Media", where={"source": "notes"}).text == \
        answer(folder, "what happened to Kloop Media", where={"source": "notes"}).text


# ------------------------------------------------------------------ qa ask --in / --language / --after / --before


def test_cli_filters(folder, capsys):
    from qa.cli import main

    index = folder.index_dir
    assert main(["ask", "what happened to Kloop Media", "--index", index, "--in", "notes", "--in", "ru", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {p["source"] for p in out["passages"]} == {"notes/kloop.txt", "notes/2023/bees.txt", "ru/bishkek.txt"}
    assert out["where"] == {"source": ["notes", "ru"]}
    assert main(["ask", "Kloop", "--index", index, "--language", "ru", "--after", "2024-01-01", "--json"]) == 0
    assert {p["source"] for p in json.loads(capsys.readouterr().out)["passages"]} == {"ru/bishkek.txt"}
    assert main(["ask", "Kloop", "--index", index, "--before", "2023-01-01"]) == 0
    assert "[1] " in capsys.readouterr().out
    assert main(["ask", "Kloop", "--index", index, "--in", "reports/*.pdf"]) == 1
    err = capsys.readouterr().err
    assert err == ("qa ask: no indexed document matches source 'reports/*.pdf'; `qa ask` without "
                   "--in/--language/--after/--before searches them all\n")
    assert main(["ask", "Kloop", "--index", index, "--after", "soon"]) == 1
    assert capsys.readouterr().err.startswith("qa ask: error: where['modified_after'] must be an ISO date")


# ------------------------------------------------------------------ the chat: "Search only in"


def test_the_chat_searches_only_the_chosen_documents_or_folders(folder, docs_dir, tmp_path):
    pytest.importorskip("gradio")
    from ui.handlers import Handlers
    from ui.service import Service

    shutil.copytree(Path(folder.index_dir), tmp_path / "index")
    service = Service(docs_dir, tmp_path / "index")
    service.start()
    h = Handlers(service)
    choices = [value for _, value in h.scope_choices().choices]
    assert choices[:3] == ["notes/", "notes/2023/", "ru/"]  # folders first, then every document
    assert set(choices[3:]) == {SEED_FILE, *DOCS}
    _, turns, _ = list(h.chat("what happened to Kloop Media", [], 5, "hybrid", 0, ["ru/", "vitamin-d.md"]))[-1]
    assert {p["source"] for p in turns[-1]["answer"]["passages"]} == {"ru/bishkek.txt", "vitamin-d.md"}
    _, turns, _ = list(h.chat("what happened to Kloop Media", [], 5, "hybrid", 0, []))[-1]
    assert SEED_FILE in {p["source"] for p in turns[-1]["answer"]["passages"]}
    html, turns, _ = list(h.chat("what happened to Kloop Media", [], 5, "hybrid", 0, ["gone.txt"]))[-1]
    assert turns[-1]["error"].startswith("None of the chosen documents or folders is in the index")
    assert "None of the chosen documents" in html
    api = h.ask("what happened to Kloop Media", where={"source": "notes/**"})
    assert {p["source"] for p in api["passages"]} <= {"notes/kloop.txt", "notes/2023/bees.txt"}
