"""The text of a document as the parser read it, kept in the knowledge base line by line.

Servers on government intranets often keep the knowledge base but not the
files it was built from; the web pages show an indicator's 原文 from these
lines, so a reviewer can read the row where it stands in the document.
"""

from __future__ import annotations

from pydantic import Field

from kb.models.base import Record


class SourceLine(Record):
    """One non-empty line of a document's text (for a paged form such as a PDF: a line of a page's text)."""

    line: int = Field(description="行号（从 1 开始，与指标、项目和解析警告的来源行号一致）", title="行号")
    page: int | None = Field(None, description="页码（分页的文档，如 PDF；纯文本文档为空）", title="页码")
    text: str = Field(description="该行原文", title="原文")
