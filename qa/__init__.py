"""qa: question answering over a folder of documents, offline, with citations you can check.

>>> from qa import Retriever
>>> retriever = Retriever.load("index")
>>> retriever.search("what happened to Kloop Media", k=3)[0].source
'amnesty-report-kyrgyzstan-2023.txt'
"""

from .answer import Answer, answer, describe_confidence
from .build import BuildReport, ChangePlan, build_index, check_locations, plan_changes, scan_changes
from .checks import BadArgument
from .config import Settings
from .documents import SUPPORTED_SUFFIXES, SourceFile, read_document
from .errors import (BuildLockedError, IndexCorruptError, IndexLocationError, IndexMismatchError,
                     IndexNotFoundError, QAError, UnreadableDocument)
from .filters import escape_glob
from .index import describe_location, is_url
from .embedding import model_prepared
from .pages import PageImage, PageNotAvailable, PageRenderer
from .passage import Passage, place_in_file
from .retriever import MODES, Retriever, index_settings
from .throttle import Throttle, client_address, too_many, trust_proxies
from .tools import Tools
from .watch import FolderWatcher
from .version import __version__

__all__ = [
    "Retriever", "Passage", "answer", "Answer", "build_index", "BuildReport", "Settings", "QAError",
    "IndexNotFoundError", "IndexMismatchError", "IndexCorruptError", "BuildLockedError",
    "UnreadableDocument", "BadArgument", "IndexLocationError", "check_locations", "__version__",
    # what the browser app (ui/) uses: the search modes, the accepted files, what changed
    "MODES", "SUPPORTED_SUFFIXES", "ChangePlan", "plan_changes", "scan_changes",
    "is_url", "describe_location",
    "read_document", "SourceFile",
    # one wording of an answer's confidence, in the CLI and the app alike
    "describe_confidence",
    # where a passage lies in its file, as the CLI and the app show it
    "place_in_file",
    # what the app says before a slow first start: the index's model, prepared on this machine?
    "index_settings", "model_prepared",
    # the page itself in the viewer: a PDF page of the documents folder, the cited text marked
    "PageRenderer", "PageImage", "PageNotAvailable",
    # search within part of the index (qa.filters): the chat's "Search only in" choices
    "escape_glob",
    # the tools other programs call (qa.mcp, qa.rest): search, ask, list_documents, read_passage as JSON
    "Tools",
    # a folder watched for changes (qa serve --watch, qa build --watch)
    "FolderWatcher",
    # failed sign-ins throttled per client, one count for the chat, REST and MCP (qa.throttle)
    "Throttle", "client_address", "too_many", "trust_proxies",
]
