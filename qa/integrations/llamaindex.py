"""A qa index as a LlamaIndex retriever (`pip install 'qa[llamaindex]'`).

>>> from qa.integrations.llamaindex import QARetriever
>>> retriever = QARetriever(index="index", k=3)
>>> nodes = retriever.retrieve("what happened to Kloop Media")
>>> nodes[0].score, nodes[0].node.metadata["source"]

Each NodeWithScore holds a TextNode (id = the passage's chunk_id, text = its text) and qa's
score; the node's metadata is the same as the LangChain adapter's (qa.integrations).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from ..filters import check_where
from ..retriever import Retriever
from . import passage_metadata


class QARetriever(BaseRetriever):
    """The k best passages of a qa index (a folder or a postgresql:// URL) for a query.

    `where` searches only some documents (qa.filters); `mode` is "hybrid", "dense" or "lexical".
    """

    def __init__(self, index: str | Path = "index", k: int = 5, where: dict[str, Any] | None = None,
                 mode: str = "hybrid", **kwargs: Any):
        self.where = check_where(where)  # a bad filter fails here, not at the first query
        self.index, self.k, self.mode = str(index), k, mode
        self._qa = Retriever.load(self.index)
        super().__init__(**kwargs)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self._qa.search(query_bundle.query_str, k=self.k, mode=self.mode, where=self.where)
        return [NodeWithScore(node=TextNode(id_=p.chunk_id, text=p.text, metadata=passage_metadata(p)),
                              score=p.score) for p in passages]
