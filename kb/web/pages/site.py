"""What every reviewer page shares: reading rows by column name, Chinese names of coded values, amounts, paging.

The pages read the knowledge base in one worker thread per request
(``Database.execute_fn``), through plain ``sqlite3`` connections, so each
page's data is a synchronous function of a connection that tests can call
directly. SQL names columns through :mod:`kb.db.schema`.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kb.checks.registry import SEVERITIES, SEVERITY_NAMES
from kb.db.schema import DOCUMENTS, INDICATORS, PROJECTS
from kb.db.spec import TableSpec
from kb.models.document import TARGET_KIND_LABELS

Record = dict[str, Any]

# Chinese names of the coded values a reviewer reads (the SQL keeps the codes).
TARGET_KINDS: dict[str, str] = TARGET_KIND_LABELS
OPERATOR_NAMES: dict[str, str] = {"≥": "不低于", "≤": "不高于", "=": "等于", ">": "高于", "<": "低于"}
SEVERITY_ORDER: dict[str, int] = {severity: rank for rank, severity in enumerate(SEVERITIES)}
DOCUMENT_STATUS: dict[str, str] = {"ok": "解析成功", "failed": "解析失败"}


def severity_name(severity: str | None) -> str:
    """错误 / 警告 / 提示."""
    return SEVERITY_NAMES.get(severity or "", severity or "")


def records(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[Record]:
    """The rows of a query as dicts keyed by the query's column names."""
    cursor = conn.execute(sql, tuple(params))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def record(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> Record | None:
    """The first row of a query as a dict, or None."""
    found = records(conn, sql, params)
    return found[0] if found else None


def columns(spec: TableSpec, alias: str) -> str:
    """Every column of ``spec``'s table, qualified by ``alias``, for a SELECT list."""
    return ", ".join(f"{alias}.[{name}]" for name in spec.column_names)


def wan(amount: float | None) -> str:
    """An amount in 万元 as the documents print it (two decimals), or — when there is none."""
    return "—" if amount is None else f"{amount:,.2f} 万元"


def number(value: float | None) -> str:
    """A number without a needless ``.0``."""
    if value is None:
        return "—"
    return format(value, ".12g")


def lines_text(first: int | None, last: int | None) -> str:
    """第 N 行 / 第 N–M 行."""
    if first is None:
        return ""
    return f"第 {first} 行" if last in (None, first) else f"第 {first}–{last} 行"


def file_name(path: str | None) -> str:
    """The file name of a source path."""
    return (path or "").replace("\\", "/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Pager:
    """One page of a long list: which rows it shows, and the neighbouring pages."""

    page: int
    size: int
    total: int

    @classmethod
    def of(cls, requested: str | None, size: int, total: int) -> Pager:
        """The page asked for (1-based, clamped to the pages there are)."""
        try:
            page = int(requested or 1)
        except ValueError:
            page = 1
        pages = max(1, math.ceil(total / size))
        return cls(min(max(page, 1), pages), size, total)

    @property
    def offset(self) -> int:
        """How many rows come before this page."""
        return (self.page - 1) * self.size

    @property
    def pages(self) -> int:
        """How many pages there are."""
        return max(1, math.ceil(self.total / self.size))

    @property
    def first_shown(self) -> int:
        """The 1-based number of the first row shown (0 when there are none)."""
        return min(self.offset + 1, self.total)

    @property
    def last_shown(self) -> int:
        """The 1-based number of the last row shown."""
        return min(self.offset + self.size, self.total)


def indicator_lines(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, Record]:
    """What a result line shows of each indicator in ``ids`` (its names, target, project, year, department)."""
    if not ids:
        return {}
    i, p, d = INDICATORS.c, PROJECTS.c, DOCUMENTS.c
    placeholders = ", ".join("?" for _ in ids)
    return {
        row["id"]: row
        for row in records(
            conn,
            f"SELECT i.{i.id} AS id, i.{i.level2} AS level2, i.{i.level3} AS level3, i.{i.target_raw} AS target_raw, "
            f"i.{i.target_op} AS target_op, i.{i.basis} AS basis, p.{p.id} AS project_id, p.{p.name} AS project_name, "
            f"p.{p.year} AS project_year, d.{d.dept_name} AS dept_name FROM {INDICATORS.name} i "
            f"JOIN {PROJECTS.name} p ON p.{p.id} = i.{i.project_id} "
            f"JOIN {DOCUMENTS.name} d ON d.{d.id} = i.{i.document_id} "
            f"WHERE i.{i.id} IN ({placeholders})",
            list(ids),
        )
    }
