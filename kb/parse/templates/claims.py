"""Which tables of a document belong to a template that is not read one project block at a time.

Three kinds of table are recognised by their first row(s) and set aside
before the project blocks are read:

* ``budget_list``: a 项目支出预算表 listing projects with their code and
  amounts (项目编码 | 项目名称 | 合计 | 财政拨款 | 其他资金);
* ``dept_table``: an indicator table with a project column (单位名称（项目名称）
  or 项目名称): one table for a whole department, or a spreadsheet export with a
  row per indicator;
* ``dept_overall``: a 部门整体支出绩效目标表 (first row 部门（单位）名称, or the
  table right under that title): department goals, never projects.

A table continued on the next page (its indicator header printed again, or
not printed but its 一级/二级指标 column going on; only page-header lines
between) belongs to the table it continues.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from kb.parse.columns import ColumnMap, column_map, is_indicator_header, normalise_label
from kb.read.lines import DocLine

ClaimKind = Literal["budget_list", "dept_table", "dept_overall"]

_PROJECT_COLUMN = frozenset({"单位名称（项目名称）", "单位（项目）名称", "项目名称"})
_CODE_COLUMN = frozenset({"项目编码", "项目代码"})
_AMOUNT_COLUMN = frozenset({"合计", "预算数", "预算数（万元）", "金额", "财政拨款", "财政资金", "项目预算（万元）"})
_DEPARTMENT_LABEL = frozenset({"部门（单位）名称", "部门名称", "部门（单位）"})
_OVERALL_TITLE = re.compile(r"部门整体(?:支出)?绩效目标表")
_LEVEL = re.compile(r"^\S{1,10}指标$")


@dataclass
class ClaimedTable:
    """A table (with its continuations on later pages) read by a template of its own."""

    kind: ClaimKind
    lines: list[DocLine] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)
    # The indicator header its continuations repeat.
    header: ColumnMap | None = None


@dataclass
class TableClaims:
    """The claimed tables of a document, in document order."""

    tables: list[ClaimedTable] = field(default_factory=list)
    by_block: dict[int, ClaimedTable] = field(default_factory=dict)

    def claimed(self, line: DocLine) -> bool:
        """Whether ``line`` is a row of a claimed table."""
        return line.is_row and line.block in self.by_block

    def of_kind(self, kind: ClaimKind) -> list[ClaimedTable]:
        """The claimed tables of one kind."""
        return [table for table in self.tables if table.kind == kind]


def table_kind(first: Sequence[str]) -> ClaimKind | None:
    """What a table is, from its first row, or None when it is no claimed kind."""
    labels = {normalise_label(cell) for cell in first if cell.strip()}
    if is_indicator_header(first):
        return "dept_table" if labels & _PROJECT_COLUMN else None
    if labels & _CODE_COLUMN and labels & _PROJECT_COLUMN and labels & _AMOUNT_COLUMN:
        return "budget_list"
    if first and normalise_label(first[0]) in _DEPARTMENT_LABEL and sum(1 for cell in first if cell.strip()) >= 2:
        return "dept_overall"  # 部门（单位）名称 | the department's name
    return None


def _indicator_header(lines: list[DocLine]) -> ColumnMap | None:
    for line in lines:
        if line.cells is not None and is_indicator_header(line.cells):
            return column_map([line.cells])
    return None


def _continues_without_header(header: ColumnMap | None, rows: Sequence[DocLine]) -> bool:
    """Whether ``rows`` go on with an indicator table whose header the next page did not print again: no wider
    than it, and within their first rows a 一级 or 二级指标 (…指标) in its column."""
    if header is None:
        return False
    levels = [index for index in (header.index("level1"), header.index("level2")) if index is not None]
    for line in rows[:3]:
        cells = line.cells or []
        if len([cell for cell in cells if cell.strip()]) > header.width:
            return False
        if any(index < len(cells) and _LEVEL.match(normalise_label(cells[index])) for index in levels):
            return True
    return False


def claim_tables(lines: Sequence[DocLine]) -> TableClaims:
    """Find the claimed tables of a document."""
    claims = TableClaims()
    blocks: dict[int, list[DocLine]] = {}
    order: list[int] = []
    between: dict[int, bool] = {}  # a table block: whether a heading stands between it and the table before
    heading_since = False
    overall_title = False
    titled: dict[int, bool] = {}
    for line in lines:
        if line.is_row:
            if line.block not in blocks:
                blocks[line.block] = []
                order.append(line.block)
                between[line.block] = heading_since
                titled[line.block] = overall_title
                heading_since = overall_title = False
            blocks[line.block].append(line)
        elif line.heading:
            heading_since = True
            overall_title = bool(_OVERALL_TITLE.search(line.text))
        elif _OVERALL_TITLE.search(line.text) and len(line.text) <= 40:
            overall_title = True
    previous: ClaimedTable | None = None
    for block in order:
        rows = blocks[block]
        first = rows[0].cells or []
        kind = table_kind(first)
        if kind is None and titled[block]:
            kind = "dept_overall"
        if kind is None and previous is not None and not between[block]:
            # A table continued on the next page: its indicator header again, or (a 部门整体 table cut
            # above its indicators) whatever row comes next.
            repeated = previous.header is not None and is_indicator_header(first) and previous.header.repeats(first)
            headless = previous.kind == "dept_table" and _continues_without_header(previous.header, rows)
            if repeated or headless or (previous.kind == "dept_overall" and previous.header is None):
                previous.lines += rows
                previous.blocks.append(block)
                previous.header = previous.header or _indicator_header(rows)
                claims.by_block[block] = previous
                continue
        if kind is None:
            previous = None
            continue
        if previous is not None and previous.kind == kind and kind != "dept_overall" and not between[block]:
            claimed = previous  # the same listing continued on the next page
        else:
            claimed = ClaimedTable(kind)
            claims.tables.append(claimed)
        claimed.lines += rows
        claimed.blocks.append(block)
        claimed.header = claimed.header or _indicator_header(rows)
        claims.by_block[block] = claimed
        previous = claimed
    return claims
