"""qa: question answering over a folder of documents, offline, with citations you can check.

>>> from qa import Retriever
>>> retriever = Retriever.load("index")
>>> retriever.search("what happened to Kloop Media", k=3)[0].source
'amnesty-report-kyrgyzstan-2023.txt'
"""

from .answer import Answer, answer, describe_confidence
from .build import BuildReport, ChangePlan, build_index, plan_changes, scan_changes
from .checks import BadArgument
from .cli import main as cli_main
from .config import SUPPORTED_SUFFIXES, Settings
from .documents import SourceFile, read_document
from .errors import (BuildLockedError, IndexCorruptError, IndexMismatchError, IndexNotFoundError,
                     QAError, UnreadableDocument)
from .index import describe_location, is_url
from .retriever import MODES, Passage, Retriever

__version__ = "0.1.0"

__all__ = [
    "Retriever", "Passage", "answer", "Answer", "build_index", "BuildReport", "Settings", "QAError",
    "IndexNotFoundError", "IndexMismatchError", "IndexCorruptError", "BuildLockedError",
    "UnreadableDocument", "BadArgument", "__version__",
    # what the browser app (ui/) uses: the search modes, the accepted files, what changed
    "MODES", "SUPPORTED_SUFFIXES", "ChangePlan", "plan_changes", "scan_changes",
    "is_url", "describe_location",
    "read_document", "SourceFile", "cli_main", "describe_confidence",
]
