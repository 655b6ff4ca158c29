"""Adapters that plug a qa index into other libraries' pipelines (optional extras):

    pip install 'qa[langchain]'      ->  qa.integrations.langchain.QARetriever   (a LangChain BaseRetriever)
    pip install 'qa[llamaindex]'     ->  qa.integrations.llamaindex.QARetriever  (a LlamaIndex BaseRetriever)

Both return qa's passages with the same metadata (`passage_metadata`), so a citation survives
the other library's chain.
"""

from __future__ import annotations

from typing import Any

from ..passage import Passage

METADATA = ("source", "title", "page", "page_end", "line_start", "line_end", "score", "chunk_id", "doc_id",
            "location")


def passage_metadata(p: Passage) -> dict[str, Any]:
    """What each adapter attaches to a passage: where it is (source, page, lines, location for a
    citation), its score and chunk_id (qa.tools read_passage shows it in context)."""
    return {key: getattr(p, key) for key in METADATA}
