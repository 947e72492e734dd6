"""An indicator's or project's 原文: its lines where they stand in the document, and how to cite them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from kb.db.schema import SOURCE_LINES
from kb.web.pages.site import file_name, records

# Lines shown before and after the rows themselves.
CONTEXT_LINES = 5


@dataclass(frozen=True)
class SourceLine:
    """One line of the 原文 shown: its number, page, cells (the text split at tabs) and whether it is the row."""

    line: int
    page: int | None
    cells: tuple[str, ...]
    marked: bool


def has_source_text(conn: sqlite3.Connection) -> bool:
    """Whether this knowledge base keeps the documents' text (built before it did: no)."""
    return (
        conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SOURCE_LINES.name,)).fetchone()
        is not None
    )


def source_window(
    conn: sqlite3.Connection, document_id: int, first: int, last: int, context: int = CONTEXT_LINES
) -> list[SourceLine]:
    """The document's lines from ``context`` before ``first`` to ``context`` after ``last``, the rows marked.

    Blank lines are not stored; they come back empty so the numbering has no gaps.
    """
    if not has_source_text(conn):
        return []
    s = SOURCE_LINES.c
    found = {
        row[s.line]: row
        for row in records(
            conn,
            f"SELECT {s.line}, {s.page}, {s.text} FROM {SOURCE_LINES.name} "
            f"WHERE {s.document_id} = ? AND {s.line} BETWEEN ? AND ? ORDER BY {s.line}",
            (document_id, max(1, first - context), last + context),
        )
    }
    if not found:
        return []
    start, end = max(1, first - context), min(last + context, max(found))
    return [
        SourceLine(
            line=number,
            page=found[number][s.page] if number in found else None,
            cells=tuple(found[number][s.text].split("\t")) if number in found else (),
            marked=first <= number <= last,
        )
        for number in range(start, end + 1)
    ]


def citation(
    dept_name: str | None,
    year: int | None,
    project: str | None,
    source_path: str | None,
    first: int | None,
    last: int | None,
    page: int | None = None,
) -> str:
    """部门 · 年度 · 项目 · 文件 · 第 N 行 (or 第 N 页): a line to paste into a review memo."""
    if page is not None:
        where = f"第 {page} 页"
    elif first is not None:
        where = f"第 {first} 行" if last in (None, first) else f"第 {first}–{last} 行"
    else:
        where = ""
    parts = [
        dept_name or "部门不详",
        f"{year}年预算" if year else "年度不详",
        project or "",
        file_name(source_path),
        where,
    ]
    return " · ".join(part for part in parts if part)
