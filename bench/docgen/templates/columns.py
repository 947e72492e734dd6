"""Indicator tables described by their columns: which fields, under which header label, in which order.

A :class:`ColumnPlan` is what a header-driven parser has to recover from the
header row(s). The same plan prints the table (:func:`indicator_table`) and
reads the truth (:func:`truth_rows`), so the two always agree on which fields
a table carries.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.docgen.blocks import Cell, Table, TruthIndicator
from bench.docgen.templates.content import IndicatorDraft
from bench.docgen.templates.tables import grouped_rows

# Header labels a parser must recognise, by field; the first is the seed's.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "level3": ("三级指标", "指标名称", "绩效指标", "指标内容"),
    "description": ("绩效指标描述", "指标解释", "指标说明"),
    "target": ("指标值", "目标值", "年度指标值", "绩效指标值"),
    "op": ("指标性质", "运算符"),
    "unit": ("度量单位", "计量单位", "单位"),
    "basis": ("指标值确定依据", "指标值设定依据", "设定依据及数据来源", "备注"),
}
EXTRA_LABELS = ("权重", "分值", "备注")
LEAD_LABEL = "绩效指标"  # the merged leading column, and the group label over 一级/二级/三级


@dataclass(frozen=True)
class Column:
    """One column: the field it holds (``extra`` for 权重/分值/备注 kept aside) and its header label."""

    key: str
    label: str


@dataclass(frozen=True)
class ColumnPlan:
    """The columns of one indicator table and how its header is printed."""

    variant: str
    columns: tuple[Column, ...]
    lead: bool = False  # a merged leading 绩效指标 cell spans the whole block
    two_row: bool = False  # 绩效指标 over 一级/二级/三级, the other labels span both header rows

    def has(self, key: str) -> bool:
        """Whether the table prints a field."""
        return any(column.key == key for column in self.columns)

    @property
    def header_rows(self) -> int:
        """How many header rows the table has."""
        return 2 if self.two_row else 1

    @property
    def labels(self) -> list[str]:
        """The header labels in print order."""
        return [column.label for column in self.columns]


def _cell_text(plan: ColumnPlan, column: Column, row: IndicatorDraft) -> str:
    target = row.target
    if column.key == "level1":
        return row.level1
    if column.key == "level2":
        return row.level2
    if column.key == "level3":
        return row.level3
    if column.key == "description":
        return row.spec.description
    if column.key == "basis":
        return row.basis
    if column.key == "extra":
        return row.extra.get(column.label, "")
    if target.cells is None:
        return target.raw if column.key == "target" else ""
    op_cell, value_cell, unit_cell = target.cells
    if column.key == "op":
        return op_cell
    if column.key == "unit":
        return unit_cell
    # Without a unit column the unit stays with the number (``≥`` | ``95%``).
    return value_cell if plan.has("unit") else value_cell + unit_cell


def _header(plan: ColumnPlan, body_rows: int) -> list[list[Cell]]:
    if plan.two_row:
        first: list[Cell] = []
        for column in plan.columns:
            if column.key == "level1":
                first.append(Cell(LEAD_LABEL, bold=True, colspan=3))
            elif column.key not in ("level2", "level3"):
                first.append(Cell(column.label, bold=True, rowspan=2))
        second = [Cell(c.label, bold=True) for c in plan.columns if c.key in ("level1", "level2", "level3")]
        return [first, second]
    row = [Cell(label, bold=True) for label in plan.labels]
    if plan.lead:
        row.insert(0, Cell(LEAD_LABEL, bold=True, rowspan=body_rows + 1))
    return [row]


def indicator_table(plan: ColumnPlan, rows: list[IndicatorDraft], merge_mode: str) -> Table:
    """The printed table: header row(s), then one row per indicator with 一级/二级 merged per ``merge_mode``."""
    records = [[_cell_text(plan, column, row) for column in plan.columns] for row in rows]
    keys = [column.key for column in plan.columns]
    merge = [keys.index(key) for key in ("level1", "level2") if key in keys]
    return Table(_header(plan, len(rows)) + grouped_rows(records, merge, merge_mode), header_rows=plan.header_rows)


def truth_rows(plan: ColumnPlan, rows: list[IndicatorDraft]) -> list[TruthIndicator]:
    """What a correct parse reads from the table: missing columns read as empty, extras kept by label."""
    truths = []
    for row in rows:
        truth = row.truth(description=plan.has("description"), basis=plan.has("basis"))
        truth.extra = {c.label: row.extra.get(c.label, "") for c in plan.columns if c.key == "extra"}
        truths.append(truth)
    return truths
