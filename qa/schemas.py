"""The JSON schema of the tools' arguments (qa.tools), in one place: the MCP server (qa.mcp) and the
REST routes (qa.rest, whose OpenAPI schema they make) publish the same fields and descriptions.

>>> AskRequest(question="what happened to Kloop Media", where={"source": "reports/**"}).where.source
'reports/**'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .config import Settings


class Where(BaseModel):
    """Search only some documents; a document must pass every key given."""

    model_config = ConfigDict(extra="forbid")

    source: str | list[str] | None = Field(
        None, description="Glob(s) on the document's path relative to the documents folder: '*' and '?' "
                          "within one folder name, '**' across folders; a folder name keeps everything "
                          "under it. Examples: 'reports/2023/*.pdf', ['notes', '**/*.md'].")
    language: str | list[str] | None = Field(
        None, description="ISO 639-1 code(s) of the document's detected language, e.g. 'ru'.")
    modified_after: str | None = Field(
        None, description="ISO date or date-time (UTC unless a zone is given): only files modified on or "
                          "after it (the file's modification time when indexed).")
    modified_before: str | None = Field(
        None, description="ISO date or date-time: only files modified before it.")

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


MAX_K = Settings().max_k

Query = Annotated[str, Field(pattern=r"\S", description="What to look for, in words (a question or keywords).")]
Question = Annotated[str, Field(pattern=r"\S", description="The question, in natural language.")]
K = Annotated[int, Field(ge=1, le=MAX_K, description=f"How many passages to return (1-{MAX_K}).")]
Mode = Annotated[Literal["hybrid", "dense", "lexical"], Field(
    description="hybrid: meaning and keywords (best in general); dense: meaning; lexical: exact words (BM25).")]
PerDoc = Annotated[int | None, Field(ge=1, description="At most this many passages from any one document.")]
WhereArg = Annotated[Where | None, Field(description="Search only the documents this filter keeps.")]
History = Annotated[list[str] | None, Field(
    description="Earlier questions of the conversation, oldest first: a follow-up such as 'and in 2023?' "
                "is read against the last one.")]


class _Options(BaseModel):
    """What a search and a question both take besides their text."""

    model_config = ConfigDict(extra="forbid")

    k: K = 5
    mode: Mode = "hybrid"
    per_doc: PerDoc = None
    where: WhereArg = None


class SearchRequest(_Options):
    """POST /api/v1/search"""

    query: Query


class AskRequest(_Options):
    """POST /api/v1/ask"""

    question: Question
    history: History = None


def where_dict(where: Where | dict[str, Any] | None) -> dict[str, Any] | None:
    """A Where model (or a plain dict) as the `where` dict qa.tools takes."""
    return where.as_dict() if isinstance(where, Where) else where
