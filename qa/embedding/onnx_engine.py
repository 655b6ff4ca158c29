"""A torch-free embedding backend: the model's BERT encoder in ONNX, run by onnxruntime.

Rust `tokenizers` with the model's tokenizer.json, then mean pooling and L2 normalisation in numpy
as sentence-transformers does (fp32 vectors match torch to ~1e-6). Exporting needs torch + `onnx`;
a cached export needs only onnxruntime + tokenizers, so queries never import torch.

>>> path = onnx_model_path(model_dir)            # exports once into ~/.cache/qa/onnx
>>> OnnxEmbedder(info, path).encode(["hello world"]).shape
(1, 384)
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from .base import EngineEmbedder, quantize_onnx
from .model import Kind, ModelInfo, fingerprint_dir, sentence_transformers_info

logger = logging.getLogger(__name__)

EXPORT_VERSION = "2"  # bump when the export recipe changes: invalidates cached files
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_META_QUANTIZED = "qa.quantized"
_SAMPLE = ["A short text.", "A longer text, so that the traced batch has some padding in it."]
_PROBE = ["The check runs the exported graph on a sequence length it was not traced with."]


def _module_dir(model_dir: Path, kind: str, default: str = "") -> Path:
    """The folder of a sentence-transformers module ("Transformer": usually the model root)."""
    modules = model_dir / "modules.json"
    for module in json.loads(modules.read_text()) if modules.is_file() else []:
        if str(module.get("type", "")).endswith(kind):
            return model_dir / module.get("path", "")
    return model_dir / default


def _pad(batch: list[list[int]], pad_id: int = 0) -> dict[str, np.ndarray]:
    """int64 model inputs, padded to the longest sequence of this batch only."""
    input_ids = np.full((len(batch), max(len(x) for x in batch)), pad_id, dtype=np.int64)
    mask = np.zeros_like(input_ids)
    for row, ids in enumerate(batch):
        input_ids[row, :len(ids)] = ids
        mask[row, :len(ids)] = 1
    return {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(mask)}


def _inputs(model_dir: Path, texts: list[str]) -> dict[str, np.ndarray]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(_module_dir(model_dir, "Transformer") / "tokenizer.json"))
    tok.no_padding()
    return _pad([e.ids for e in tok.encode_batch(texts)])


def _atomic_target(out_path: Path) -> Path:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out_path.name + ".", suffix=".tmp", dir=out_path.parent)
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; the cache may be shared
    return Path(tmp)


def export_onnx(model_dir: str | Path, out_path: str | Path, *, quantize: bool = False) -> Path:
    """Export the transformer of a sentence-transformers BERT model to ONNX (pooling stays in numpy).

    Inputs input_ids, attention_mask, token_type_ids (int64, dynamic batch and sequence axes);
    output last_hidden_state. quantize=True stores int8 weights (onnxruntime dynamic
    quantization). The file appears atomically, after a check against torch on a probe text.
    """
    import torch  # export time only
    from transformers import AutoModel

    model_dir, out_path = Path(model_dir), Path(out_path)
    source = str(_module_dir(model_dir, "Transformer"))
    model = AutoModel.from_pretrained(source, attn_implementation="eager").eval()
    names = [n for n in _INPUTS if n in inspect.signature(model.forward).parameters]

    class Encoder(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids=None):  # type: ignore[no-untyped-def]
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              **extra).last_hidden_state

    sample = tuple(torch.from_numpy(a) for n, a in _inputs(model_dir, _SAMPLE).items() if n in names)
    probe = {n: a for n, a in _inputs(model_dir, _PROBE).items() if n in names}
    with torch.no_grad():  # before exporting: the TorchScript exporter may alter the module
        expected = Encoder(model)(*(torch.from_numpy(a) for a in probe.values())).numpy()
    fp32 = _atomic_target(out_path.with_suffix(".fp32.onnx") if quantize else out_path)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer chatter about constants: the probe checks
            try:  # the TorchScript exporter: ~2 s, needs only `onnx`
                axes = {n: {0: "batch", 1: "sequence"} for n in (*names, "last_hidden_state")}
                torch.onnx.export(Encoder(model), sample, str(fp32), dynamo=False, opset_version=17,
                                  input_names=names, output_names=["last_hidden_state"],
                                  dynamic_axes=axes)
            except Exception as exc:  # gone in some future torch: torch.export, needs onnxscript
                logger.warning("TorchScript ONNX export failed (%s); trying the dynamo exporter", exc)
                model = AutoModel.from_pretrained(source).eval()
                dims = {0: torch.export.Dim("batch"), 1: torch.export.Dim("sequence", max=512)}
                torch.onnx.export(Encoder(model), sample, None, dynamo=True, opset_version=18,
                                  input_names=names, output_names=["last_hidden_state"],
                                  dynamic_shapes={n: dims for n in names}
                                  ).save(str(fp32), external_data=False)
        _finish(fp32, out_path, probe, expected, quantize=quantize)
    finally:
        fp32.unlink(missing_ok=True)
    logger.info("exported %s to %s (%s)", model_dir, out_path, "int8" if quantize else "fp32")
    return out_path


def _finish(src: Path, out_path: Path, probe: dict[str, np.ndarray], expected: np.ndarray, *,
            quantize: bool) -> None:
    """Quantize (or not), tag, check against `expected` on `probe`, move into place atomically."""
    import onnx

    tmp = _atomic_target(out_path) if quantize else src
    try:
        if quantize:
            quantize_onnx(src, tmp)
        model = onnx.load(str(tmp))
        onnx.helper.set_model_props(model, {_META_QUANTIZED: str(int(quantize)),
                                            "qa.export_version": EXPORT_VERSION})
        onnx.save(model, str(tmp))
        got = _run(tmp, probe)
        error = float(np.abs(got - expected).max())
        cosine = float((_unit(got.mean(axis=1)) * _unit(expected.mean(axis=1))).sum())
        if not (cosine > (0.95 if quantize else 0.99999) and (quantize or error < 1e-3)):
            raise RuntimeError(f"ONNX model {out_path.name} disagrees with its reference "
                               f"(max error {error:.3g}, pooled cosine {cosine:.5f})")
        logger.debug("check %s: max abs error %.2g, cosine %.6f", out_path.name, error, cosine)
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _run(path: Path, feeds: dict[str, np.ndarray]) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["last_hidden_state"], feeds)[0]


def model_fingerprint(model_dir: str | Path) -> str:
    """The model folder's fingerprint (model.fingerprint_dir) with the export recipe's version."""
    key = f"qa-onnx-{EXPORT_VERSION}\0{fingerprint_dir(Path(model_dir))}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _cached(model_dir: Path, cache_dir: str | Path | None, quantize: bool) -> Path:
    """Where the export of `model_dir` is cached (whether or not it is there yet)."""
    cache = Path(cache_dir).expanduser() if cache_dir else Path.home() / ".cache" / "qa" / "onnx"
    stem = f"{model_dir.name}-{model_fingerprint(model_dir)}"
    return cache / f"{stem}-{'int8' if quantize else 'fp32'}.onnx"


def prepared(info: ModelInfo, cache_dir: str | Path | None = None) -> bool:
    """Whether make() finds its export cached: False means the first use exports (~20 s, with
    torch). The torch backend of the same family prepares nothing."""
    if info.backend not in ("onnx", "onnx-int8"):
        return True
    return _cached(Path(info.path), cache_dir, info.backend == "onnx-int8").is_file()


def onnx_model_path(model_dir: str | Path, cache_dir: str | Path | None = None, *,
                    quantize: bool = False) -> Path:
    """The cached ONNX export of `model_dir`, exporting it on first use (which needs torch)."""
    model_dir = Path(model_dir)
    path = _cached(model_dir, cache_dir, quantize)
    if path.is_file():
        return path
    cache = path.parent
    logger.info("exporting %s to ONNX (once; cached in %s)", model_dir, cache)
    if not quantize:
        return export_onnx(model_dir, path)
    fp32 = onnx_model_path(model_dir, cache, quantize=False)
    probe = _inputs(model_dir, _PROBE)
    _finish(fp32, path, probe, _run(fp32, probe), quantize=True)
    return path


class OnnxEmbedder(EngineEmbedder):
    """Sentence embeddings with tokenizers + onnxruntime; same vectors as sentence-transformers.

    Each text runs alone, unpadded: int8 dynamic quantization scales activations per call, so
    in a batch a text's vector depended on its neighbours (cosine down to 0.977), and an
    incremental build ranked differently from a full one. Alone, a text's vector is a function
    of the text only (bench/batch_independence.py measures what that costs).
    """

    def __init__(self, info: ModelInfo | str | Path, onnx_path: str | Path, *,
                 threads: int | None = None, device: str = "cpu") -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.onnx_path = Path(onnx_path)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1
        # Spinning threads wait for work by busy-looping: on a shared 2-core machine that made a
        # one-query encode 5x slower (2 ms -> 11 ms) for no gain on batches.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(self.onnx_path), options,
                                             providers=["CPUExecutionProvider"])
        meta = self._session.get_modelmeta().custom_metadata_map
        built = "onnx-int8" if meta.get(_META_QUANTIZED) == "1" else "onnx"
        super().__init__(_info(info, built))
        if self.info.backend != built:
            raise ValueError(f"{self.onnx_path.name} is an {built} model, not {self.info.backend}")
        tokenizer_file = str(_module_dir(self.info.path, "Transformer") / "tokenizer.json")
        self._tok = Tokenizer.from_file(tokenizer_file)  # tokenizer.json may pin 128: override
        self._tok.no_padding()
        self._tok.enable_truncation(max_length=self.info.max_seq_length)
        self._feeds = [i.name for i in self._session.get_inputs()]
        logger.info("ONNX embedder %s (%s) from %s", self.info.name, self.backend, self.onnx_path)

    def _encode_one(self, text: str, kind: Kind) -> np.ndarray:
        """These models embed queries and passages alike: `kind` is moot."""
        return self._embed(self._tok.encode(text).ids)

    def _hidden(self, ids: list[int]) -> np.ndarray:
        """The token vectors of one unpadded text: [tokens, hidden]."""
        input_ids = np.asarray([ids], dtype=np.int64)
        feeds = {"input_ids": input_ids, "attention_mask": np.ones_like(input_ids),
                 "token_type_ids": np.zeros_like(input_ids)}
        return self._session.run(["last_hidden_state"], {k: feeds[k] for k in self._feeds})[0][0]

    def _embed(self, ids: list[int]) -> np.ndarray:
        return _unit_rows(self._hidden(ids).mean(axis=0, keepdims=True))[0]  # no padding: mean of all

    def encode_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
                          ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector and unit vectors of its character spans (e.g. sentences), from ONE
        forward pass per text: a span's vector is the mean of the token vectors inside it, so the
        answer scorer's sentence vectors cost the build nothing extra. A span with no token inside
        the model's window gets a zero row.

        >>> vectors, parts = embedder.encode_with_spans(["He left. She stayed."], [[(0, 8), (9, 20)]])
        >>> vectors.shape, parts[0].shape
        ((1, 384), (2, 384))
        """
        vectors = np.zeros((len(texts), self.info.dimension), dtype=np.float32)
        parts = [np.zeros((len(s), self.info.dimension), dtype=np.float32) for s in spans]
        for i, (text, text_spans) in enumerate(zip(texts, spans)):
            enc = self._tok.encode(str(text))
            hidden = self._hidden(enc.ids)
            vectors[i] = _unit_rows(hidden.mean(axis=0, keepdims=True))[0]
            offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
            special = np.asarray(enc.special_tokens_mask, dtype=bool)
            for j, (a, b) in enumerate(text_spans):
                inside = (offsets[:, 0] >= a) & (offsets[:, 1] <= b) & ~special
                if inside.any():
                    parts[i][j] = _unit_rows(hidden[inside].mean(axis=0, keepdims=True))[0]
        return vectors, parts

    def encode_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *,
                     batch_size: int = 32) -> list[np.ndarray]:
        """Unit vectors of character spans of each text (see encode_with_spans)."""
        return self.encode_with_spans(texts, spans)[1]


def _unit_rows(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _info(info: ModelInfo | str | Path, backend: str) -> ModelInfo:
    """The ModelInfo itself, or one read from a bare model folder (bench scripts do that)."""
    if isinstance(info, ModelInfo):
        return info
    return sentence_transformers_info(str(Path(info).resolve()), backend)


def make(info: ModelInfo, *, cache_dir: str | Path | None = None,
         threads: int | None = None, device: str = "cpu") -> OnnxEmbedder:
    """The families table's entry point: the cached export of `info` (backend onnx or onnx-int8)."""
    path = onnx_model_path(info.path, cache_dir, quantize=info.backend == "onnx-int8")
    return OnnxEmbedder(info, path, threads=threads)
