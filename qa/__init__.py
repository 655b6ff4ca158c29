"""qa: question answering over a folder of documents, offline, with citations you can check.

>>> from qa import Retriever
>>> retriever = Retriever.load("index")
>>> retriever.search("what happened to Kloop Media", k=3)[0].source
'amnesty-report-kyrgyzstan-2023.txt'
"""

from .answer import Answer, answer
from .build import BuildReport, build_index
from .config import Settings
from .errors import (BuildLockedError, IndexCorruptError, IndexMismatchError, IndexNotFoundError,
                     QAError, UnreadableDocument)
from .retriever import Passage, Retriever

__version__ = "0.1.0"

__all__ = [
    "Retriever", "Passage", "answer", "Answer", "build_index", "BuildReport", "Settings", "QAError",
    "IndexNotFoundError", "IndexMismatchError", "IndexCorruptError", "BuildLockedError",
    "UnreadableDocument", "__version__",
]
