"""From a model name to an embedder and a token counter, by the families table.

>>> info = resolve_model("bundled:all-MiniLM-L6-v2")
>>> make_embedder(info).encode(["hello world"]).shape
(1, 384)
>>> token_counter(info).count("hello")
3
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from . import families
from .families import (backends_of, canonical_model, family_for, family_named, family_of,
                       is_backend)
from .model import BUNDLED_MODEL, Counter, Embedder, ModelInfo


def resolve_model(model: str = BUNDLED_MODEL, backend: str | None = None) -> ModelInfo:
    """Find a model: a preset ("multilingual"), a bundled one, a local sentence-transformers
    directory, or a hub name. `backend` defaults to the model's own default.

    A hub name needs network the first time (it is fetched into the Hugging Face cache).
    """
    model = canonical_model(model)
    family = family_of(model)
    backend = family.default_backend if backend is None else backend
    row = family_for(model, backend)  # the default row, or one of the model's further backends
    if row is None:
        if family is not families.FAMILIES[0] and backend in families.FAMILIES[0].backends:
            row, backend = family, family.default_backend  # Settings' default, for a model of its own
        else:
            raise ValueError(f"unknown embedding backend {backend!r} for {model}; use "
                             f"{' or '.join(backends_of(model))}")
    return row.info(model, backend)


def make_embedder(info: ModelInfo, backend: str | None = None, *,
                  cache_dir: str | Path | None = None, threads: int | None = None,
                  device: str = "cpu") -> Embedder:
    """The embedder for a model, with its recorded backend or `backend` (a backend of another
    family is ignored: a model with an engine of its own runs there whatever Settings' default).

    "onnx-int8" (the default, as in Settings) runs int8 weights in onnxruntime; "onnx" the same
    weights in fp32 (vectors identical to torch to ~1e-6, no torch import at query time);
    "torch" is sentence-transformers itself, the reference. ONNX files are exported once with
    torch and cached in `cache_dir` (default ~/.cache/qa/onnx). The bundled multilingual
    models run in their own engines. `threads` caps the onnx backends' threads per text
    (None: onnxruntime's default, one per core); the vectors do not depend on it. `device`
    ("cpu" or "cuda") is where the torch backend runs; the other engines run on the CPU.
    """
    family = family_named(info.family)
    if backend in family.backends and backend != info.backend:
        info = replace(info, backend=backend)
    elif backend and backend != info.backend and family_for(info.name, backend):
        family = family_for(info.name, backend)  # the same model in another engine (issue 27)
        info = family.info(info.name, backend)
    elif backend and not is_backend(backend):
        raise ValueError(f"unknown embedding backend {backend!r}; use one of {', '.join(family.backends)}")
    if info.backend not in family.backends:  # a ModelInfo built by hand
        raise ValueError(f"unknown embedding backend {info.backend!r}; use one of "
                         f"{', '.join(family.backends)}")
    return family.backends[info.backend](info, cache_dir=cache_dir, threads=threads, device=device)


def model_prepared(model: str, backend: str | None = None, *,
                   cache_dir: str | Path | None = None) -> bool:
    """False when this model's first use on this machine runs a one-time step (the ONNX export,
    about 20 s), so that a caller can say so before it starts: `model_prepared("english")`."""
    info = resolve_model(model, backend)
    return family_named(info.family).prepared(info, cache_dir)


def token_counter(info: ModelInfo) -> Counter:
    """The model's own token counter (cached per model): chunk sizes are counted with it."""
    return _token_counter(info.family, info.path)


@lru_cache(maxsize=8)
def _token_counter(family: str, path: Path) -> Counter:
    return family_named(family).counter(path)
