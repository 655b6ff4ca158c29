"""A qa index as a LangChain retriever (`pip install 'qa[langchain]'`).

>>> from qa.integrations.langchain import QARetriever
>>> retriever = QARetriever(index="index", k=3, where={"source": "reports/**"})
>>> docs = retriever.invoke("what happened to Kloop Media")
>>> docs[0].metadata["source"], docs[0].metadata["line_start"]

Each Document's page_content is the passage's text; its metadata holds source, title, page,
page_end, line_start, line_end, score, chunk_id, doc_id and location (qa.integrations).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from ..filters import check_where
from ..retriever import Retriever
from . import passage_metadata


class QARetriever(BaseRetriever):
    """The k best passages of a qa index (a folder or a postgresql:// URL) for a query.

    `where` searches only some documents (qa.filters); `mode` is "hybrid", "dense" or "lexical".
    The index is opened once, when the retriever is made.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: str = "index"
    k: int = 5
    where: dict[str, Any] | None = None
    mode: str = "hybrid"
    _qa: Retriever = PrivateAttr()

    def __init__(self, index: str | Path = "index", k: int = 5, where: dict[str, Any] | None = None,
                 **kwargs: Any):
        super().__init__(index=str(index), k=k, where=where, **kwargs)
        check_where(where)  # a bad filter fails here, not at the first query
        self._qa = Retriever.load(self.index)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        passages = self._qa.search(query, k=self.k, mode=self.mode, where=self.where)
        return [Document(page_content=p.text, metadata=passage_metadata(p), id=p.chunk_id) for p in passages]
