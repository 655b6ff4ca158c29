"""Shared fixtures: the real bundled model, loaded once, and a seed-corpus index built once."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the tests never touch the network

ROOT = Path(__file__).resolve().parent.parent
SEED_FILE = "amnesty-report-kyrgyzstan-2023.txt"


def _tracked_seeds() -> Path:
    """A folder holding only the repository's tracked seed file. The app saves browser uploads
    into its documents folder, ./seeds by default: whatever a user added there never reaches
    the tests, which read this copy."""
    folder = Path(tempfile.mkdtemp(prefix="qa-test-seeds-"))
    shutil.copy2(ROOT / "seeds" / SEED_FILE, folder / SEED_FILE)
    atexit.register(shutil.rmtree, folder, True)
    return folder


SEEDS = _tracked_seeds()
KLOOP_SENTENCE = "the blocking of a website and the liquidation of one legal entity \"Kloop Media,\""


@pytest.fixture(scope="session")
def model_info():
    from qa.embedding import resolve_model

    return resolve_model()


@pytest.fixture(scope="session")
def embedder(model_info):
    from qa.embedding import make_embedder

    return make_embedder(model_info)  # onnx-int8: the backend users get (Settings default)


@pytest.fixture(scope="session")
def counter(model_info):
    from qa.embedding import TokenCounter

    return TokenCounter(model_info.path)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, embedder) -> Path:
    """An index of a copy of seeds/, built once per test session with the real model."""
    from qa import build_index

    base = tmp_path_factory.mktemp("seed")
    shutil.copytree(SEEDS, base / "seeds")
    build_index(base / "seeds", base / "index", embedder=embedder)
    return base / "index"


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def small_folder(base: Path, embedder, files: dict[str, str | bytes]):
    """A Retriever over a real index of a few small documents (`files`: name -> text) under `base`."""
    from qa import Retriever, build_index

    for name, text in files.items():
        write(base / "docs", name, text)
    build_index(base / "docs", base / "index", embedder=embedder)
    return Retriever.load(base / "index", embedder=embedder)


def quoted(base: Path, embedder, files: dict[str, str | bytes], question: str, words: str):
    """The answer to `question` over a small folder of `files` (small_folder), asserted to quote a
    sentence holding `words`."""
    from qa.answer import answer

    a = answer(small_folder(base, embedder, files), question)
    assert not a.abstained and any(words in s.text for s in a.sentences), (question, a.notes, a.text)
    return a
