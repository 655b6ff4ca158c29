"""The LangChain and LlamaIndex adapters, with the real langchain-core and llama-index-core."""

from __future__ import annotations

import pytest

from conftest import KLOOP_SENTENCE, SEED_FILE
from qa import BadArgument, Retriever

QUESTION = "what happened to Kloop Media"
KEYS = {"source", "title", "page", "page_end", "line_start", "line_end", "score", "chunk_id", "doc_id", "location"}


def _expected(seed_index, **kwargs):
    return Retriever.load(seed_index).search(QUESTION, **kwargs)


def test_langchain_retriever(seed_index):
    pytest.importorskip("langchain_core")
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

    from qa.integrations.langchain import QARetriever

    retriever = QARetriever(index=seed_index, k=3, where={"source": "*.txt"})
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(QUESTION)
    expected = _expected(seed_index, k=3)
    assert all(isinstance(d, Document) for d in docs) and len(docs) == 3
    assert [d.page_content for d in docs] == [p.text for p in expected]
    first = docs[0].metadata
    assert set(first) == KEYS and first["source"] == SEED_FILE and first["chunk_id"] == expected[0].chunk_id
    assert (first["line_start"], first["line_end"], first["page"]) == (expected[0].line_start, expected[0].line_end, None)
    assert first["score"] == pytest.approx(expected[0].score) and docs[0].id == expected[0].chunk_id
    assert any(KLOOP_SENTENCE in d.page_content for d in docs)
    assert QARetriever(index=seed_index, where={"source": "reports/**"}).invoke(QUESTION) == []
    with pytest.raises(BadArgument, match="unknown key 'folder' in where"):
        QARetriever(index=seed_index, where={"folder": "x"})


def test_llamaindex_retriever(seed_index):
    pytest.importorskip("llama_index.core")
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore

    from qa.integrations.llamaindex import QARetriever

    retriever = QARetriever(index=seed_index, k=2, mode="lexical")
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve(QUESTION)
    expected = _expected(seed_index, k=2, mode="lexical")
    assert all(isinstance(n, NodeWithScore) for n in nodes)
    assert [n.node.node_id for n in nodes] == [p.chunk_id for p in expected]
    assert [n.score for n in nodes] == pytest.approx([p.score for p in expected])
    assert set(nodes[0].node.metadata) == KEYS and nodes[0].node.metadata["source"] == SEED_FILE
    assert nodes[0].node.get_content() == expected[0].text
    assert QARetriever(index=seed_index, where={"source": "reports/**"}).retrieve(QUESTION) == []
    with pytest.raises(BadArgument, match="where must be a dict"):
        QARetriever(index=seed_index, where="notes")
