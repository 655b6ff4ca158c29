"""Settings: one frozen dataclass, passed in explicitly. Nothing here reads the environment."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

# The model vocabulary (names, presets, backends) is the families table's; re-exported here
# because Settings speaks it. The embedding package imports nothing from qa.
from .embedding.families import (MODEL_BACKENDS, MODEL_PRESETS, MULTILINGUAL_E5,  # noqa: F401
                                 MULTILINGUAL_USE, ST_BACKENDS, backend_for, canonical_model)
from .embedding.model import BUNDLED_MODEL, DEFAULT_BACKEND  # noqa: F401

OCR_MODES = ("auto", "off", "force")


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
    """How dense and lexical rankings are fused in hybrid mode (see `qa.fusion`).

    Reciprocal rank fusion with the usual k=60 and equal weights. On SciFact (bench/README.md)
    every rrf_k from 5 to 100 and lexical weight from 0.5 to 1.5 lands within 0.01 nDCG@10. A
    min-max score blend was tried and dropped: +0.006 (not significant), -0.01 Recall@100, and
    it depends on how BM25 scores spread in each corpus, where RRF uses ranks only.
    """

    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    candidates: int = 100      # per-ranking depth considered before fusion
    # The share of the dense weight given to a third ranking of the same candidates: by the cosine
    # of each chunk's nearest sentence (stored at build time) rather than of its whole vector,
    # which a long chunk spreads over several subjects (a footer, a table, a second paragraph).
    # Half and half: SciFact hybrid nDCG@10 0.7271 -> 0.7293 (0.25: 0.7317, 1.0, the sentence in
    # place of the chunk: 0.7267); top-5 on dev 55 -> 56, dev2 38 -> 40, dev3 34 -> 36 (0.25: dev2
    # 39). Costs a read of the candidates' sentence vectors (docs/real-documents.md). 0 turns it off.
    sentence_share: float = 0.5
    # The weight of one more ranking, fused after the others: the candidates of the documents the
    # question names (a word found in one document's title or file name and nowhere else, qa.naming)
    # in fused order. 1, as BM25's: dev2 top-5 40 -> 42 (Netflix's revenues had been Coca-Cola's
    # table), SciFact hybrid 0.7293 -> 0.7318; 0 turns it off.
    named_weight: float = 1.0
    # Issue 27: with a cross-lingual model (qa.embedding.CROSS_LINGUAL_MODELS) the lexical weight is scaled
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
    ocr: str = "auto"              # PDF pages with no text layer: "auto" reads them with Tesseract,
                                   # "force" reads every page so, "off" never (docs/documents.md)
    ocr_languages: str = "eng"     # Tesseract languages, '+'-joined: "eng+rus"
    chunker: ChunkerSettings = field(default_factory=ChunkerSettings)
    lexical: LexicalSettings = field(default_factory=LexicalSettings)
    fusion: FusionSettings = field(default_factory=FusionSettings)
    show_progress: bool = False
    device: str = "auto"  # where the torch backend embeds: "cuda", "cpu" or "auto" (cuda when present)

    def __post_init__(self) -> None:
        if self.ocr not in OCR_MODES:
            raise ValueError(f"ocr must be one of {', '.join(OCR_MODES)}, not {self.ocr!r}")
        # A model runs with its own family's backends, whatever the (default) backend says.
        object.__setattr__(self, "backend", backend_for(self.model, self.backend))

    def with_(self, **changes: Any) -> "Settings":
        """A copy with some fields changed: `settings.with_(show_progress=True)`."""
        return replace(self, **changes)
