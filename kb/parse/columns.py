"""An indicator table's header row(s) → what each column holds: one mapping, with its synonyms, for every template.

Published 绩效目标表 name the same column many ways (三级指标 / 指标名称 /
绩效指标 / 指标内容, 指标值 / 目标值 / 年度指标值 …) and print the columns in
any order; some add 权重, 分值 or 备注, some split the target over
指标性质 | 指标值 | 度量单位, some lead with a 绩效指标 cell spanning the whole
block, some print 绩效指标 over 一级/二级/三级 in a second header row. A
:class:`ColumnMap` says, for each position, which :data:`Role` it holds, so
the rows of every template are read by role, never by position
(``docs/templates.md`` lists every label).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal

from kb.parse.layout import compact

Role = Literal[
    "level1",
    "level2",
    "level3",
    "description",
    "target",
    "op",
    "unit",
    "basis",
    "extra",  # kept beside the indicator under its label (权重, 分值, 备注 …)
    "lead",  # the merged 绩效指标 cell left of 一级指标: holds nothing
    "blank",  # no label: what a row prints there is folded into the basis (the seed's trailing column)
    "project",  # tables listing many projects: the project's name
    "goal",  # … its goal
    "code",  # … its 项目编码
    "budget",  # … its 预算数
]

# Label → role. Labels are compared with whitespace removed and full-width letters folded (NFKC).
INDICATOR_LABELS: dict[str, Role] = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "level3",
    "指标名称": "level3",
    "绩效指标": "level3",
    "指标内容": "level3",
    "三级指标名称": "level3",
    "绩效指标描述": "description",
    "指标解释": "description",
    "指标说明": "description",
    "指标描述": "description",
    "指标值": "target",
    "目标值": "target",
    "年度指标值": "target",
    "绩效指标值": "target",
    "中长期指标值": "target",
    "长期指标值": "target",
    "年度目标值": "target",
    "指标性质": "op",
    "运算符": "op",
    "度量单位": "unit",
    "计量单位": "unit",
    "单位": "unit",
    "指标值确定依据": "basis",
    "指标值设定依据": "basis",
    "设定依据及数据来源": "basis",
    "指标值设定依据及数据来源": "basis",
    "指标值确定依据及数据来源": "basis",
    "备注": "basis",  # the basis only where no other column is (see column_map)
    "权重": "extra",
    "分值": "extra",
    "权重（%）": "extra",
    "分值（分）": "extra",
}
# Columns of tables that list many projects (one table for a department, a spreadsheet export).
PROJECT_LABELS: dict[str, Role] = {
    "单位名称（项目名称）": "project",
    "单位（项目）名称": "project",
    "项目名称": "project",
    "项目目标": "goal",
    "年度绩效目标": "goal",
    "绩效目标": "goal",
    "项目编码": "code",
    "项目代码": "code",
    "预算数（万元）": "budget",
    "预算数": "budget",
    "项目预算（万元）": "budget",
    "年度资金总额（万元）": "budget",
}
REMARK = "备注"
LEAD = "绩效指标"
# The roles a table must have for its rows to be indicators at all; the rest may be missing.
CORE_ROLES: tuple[Role, ...] = ("level1", "level2", "level3", "target")
ROLE_NAMES: dict[Role, str] = {
    "level1": "一级指标",
    "level2": "二级指标",
    "level3": "三级指标",
    "description": "绩效指标描述",
    "target": "指标值",
    "op": "指标性质",
    "unit": "度量单位",
    "basis": "指标值确定依据",
    "project": "项目名称",
    "goal": "项目目标",
    "code": "项目编码",
    "budget": "预算数",
}
# NFKC makes full-width punctuation ASCII; labels are written with the full-width forms.
_FULL_PARENS = str.maketrans({"(": "（", ")": "）", ":": "："})
_TRAILING_COLON = re.compile(r"[：:]$")


@lru_cache(maxsize=16384)
def normalise_label(text: str) -> str:
    """A header label as compared: no whitespace, full-width letters folded, parentheses and colons full-width."""
    folded = unicodedata.normalize("NFKC", compact(text)).translate(_FULL_PARENS)
    return _TRAILING_COLON.sub("", folded)


def label_role(text: str) -> Role | None:
    """The role a header label names, or None."""
    label = normalise_label(text)
    return INDICATOR_LABELS.get(label) or PROJECT_LABELS.get(label)


def is_indicator_header(cells: Sequence[str]) -> bool:
    """Whether a row is (the first row of) an indicator table header.

    It names 一级指标, or both a 三级指标-like column and a target column;
    every other filled cell may be any label (kept as an extra column).
    """
    roles = {INDICATOR_LABELS.get(normalise_label(cell)) for cell in cells if cell}
    return "level1" in roles or ("level3" in roles and ("target" in roles or "op" in roles))


def is_label_row(cells: Sequence[str]) -> bool:
    """Whether every filled cell of a row is an indicator label (the second row of a two-row header)."""
    filled = [cell for cell in cells if cell.strip()]
    return bool(filled) and all(normalise_label(cell) in INDICATOR_LABELS for cell in filled)


@dataclass(frozen=True)
class Column:
    """One position of the table: the role it holds and its label as printed (normalised)."""

    index: int
    role: Role
    label: str


@dataclass(frozen=True)
class ColumnMap:
    """What each position of an indicator table holds, read from its header row(s)."""

    columns: tuple[Column, ...]
    # The labels as printed, position by position, to know the header again when a page break repeats it.
    labels: tuple[str, ...]
    header_rows: int = 1

    @cached_property
    def _positions(self) -> dict[Role, int]:
        positions: dict[Role, int] = {}
        for column in self.columns:
            positions.setdefault(column.role, column.index)
        return positions

    def index(self, role: Role) -> int | None:
        """The position of the (first) column holding ``role``."""
        return self._positions.get(role)

    def has(self, role: Role) -> bool:
        """Whether the table has a column holding ``role``."""
        return self.index(role) is not None

    @property
    def extras(self) -> list[Column]:
        """The extra columns, in print order."""
        return [column for column in self.columns if column.role == "extra"]

    @property
    def width(self) -> int:
        """How many positions the header covers."""
        return len(self.labels)

    def missing(self, roles: Sequence[Role] = CORE_ROLES) -> list[str]:
        """The Chinese names of ``roles`` the table has no column for."""
        return [ROLE_NAMES[role] for role in roles if not self.has(role)]

    def repeats(self, cells: Sequence[str]) -> bool:
        """Whether a row is this header printed again (after a page break), or one of its rows."""
        printed = tuple(spanned_once([normalise_label(cell) for cell in cells]))
        return _same_labels(printed, self.labels) or (self.header_rows > 1 and is_label_row(cells))


def _same_labels(printed: tuple[str, ...], labels: tuple[str, ...]) -> bool:
    width = max(len(printed), len(labels))
    padded = printed + ("",) * (width - len(printed))
    return padded == labels + ("",) * (width - len(labels)) or _lead_dropped(padded, labels)


def _lead_dropped(printed: tuple[str, ...], labels: tuple[str, ...]) -> bool:
    """A repeated header whose merged lead cell printed empty on the new page."""
    return bool(labels) and labels[0] == LEAD and printed[:1] == ("",) and printed[1 : len(labels)] == labels[1:]


def spanned_once(labels: Sequence[str]) -> list[str]:
    """Labels with a merged header cell's text kept once: a converter that repeats it in every position it
    covers (``指标值确定依据 | 指标值确定依据``) prints one column, not two."""
    return [label if index == 0 or label != labels[index - 1] else "" for index, label in enumerate(labels)]


def combined_labels(rows: Sequence[Sequence[str]]) -> list[str]:
    """One label per position from one or two header rows: the lower row's label where it has one.

    Two-row headers print a group label (绩效指标) over 一级/二级/三级 and the
    other labels spanning both rows; each position takes its most specific label.
    """
    width = max(len(row) for row in rows)
    labels = [""] * width
    for row in rows:
        for index, cell in enumerate(spanned_once([normalise_label(cell) for cell in row])):
            if cell:
                labels[index] = cell
    return labels


def column_map(rows: Sequence[Sequence[str]], printed: Sequence[Sequence[str]] | None = None) -> ColumnMap:
    """The column map of a header of one or two rows (``rows``: each position's label, spans filled in).

    ``printed`` are the rows as a text conversion prints them (covered
    positions empty); they are what a repeated header is compared with.
    """
    labels = [normalise_label(label) for label in combined_labels(rows)]
    named = [INDICATOR_LABELS.get(label) or PROJECT_LABELS.get(label) for label in labels]
    # 备注 is the basis only where the table has no other basis column.
    other_basis = any(role == "basis" and label != REMARK for role, label in zip(named, labels, strict=True))
    # 绩效指标 left of 一级指标 is the merged lead cell, unless it is the only 三级指标-like column.
    level3_elsewhere = any(role == "level3" and label != LEAD for role, label in zip(named, labels, strict=True))
    roles: list[Role] = []
    seen: set[Role] = set()
    for index, (label, found) in enumerate(zip(labels, named, strict=True)):
        role: Role
        if found is None:
            role = "extra" if label else "blank"
        elif label == REMARK and other_basis:
            role = "extra"
        elif label == LEAD and index + 1 < len(labels) and labels[index + 1] == "一级指标" and level3_elsewhere:
            role = "lead"
        elif found in seen and found not in ("extra", "blank"):
            role = "extra"  # a second column of one role (年度指标值 beside 中长期指标值) is kept by its label
        else:
            role = found
        roles.append(role)
        seen.add(role)
    columns = tuple(Column(index, role, labels[index]) for index, role in enumerate(roles))
    shown = printed[0] if printed else rows[0]
    return ColumnMap(columns, tuple(spanned_once([normalise_label(cell) for cell in shown])), header_rows=len(rows))
