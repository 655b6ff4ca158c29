"""qa: question answering over a folder of documents, offline, with citations you can check.

>>> from qa import Retriever
>>> retriever = Retriever.load("index")
>>> retriever.search("what happened to Kloop Media", k=3)[0].source
'amnesty-report-kyrgyzstan-2023.txt'
"""

from .build import BuildReport, ChangePlan, build_index, plan_changes, scan_changes
from .config import Settings
from .errors import (BuildLockedError, IndexCorruptError, IndexMismatchError, IndexNotFoundError,
                     QAError, UnreadableDocument)
from .retriever import Passage, Retriever

__version__ = "0.1.0"

__all__ = [
    "Retriever", "Passage", "build_index", "BuildReport", "ChangePlan", "plan_changes", "scan_changes",
    "Settings", "QAError",
    "IndexNotFoundError", "IndexMismatchError", "IndexCorruptError", "BuildLockedError",
    "UnreadableDocument", "__version__",
]
