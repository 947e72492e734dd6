"""Template ``dept_table``: one indicator table for many projects, codes and amounts joined from a 项目支出预算表.

Common in Sichuan and elsewhere: a single table for the whole department,

    单位名称（项目名称） | 项目目标 | 一级指标 | 二级指标 | 三级指标 | 指标值 [| 指标值确定依据]

where a project's name and goal are printed on its first row (merged over the
rest), and unit rows (``541001-四川省图书馆``) between the projects name the
unit that carries them out. The codes and budgets live in a separate
项目支出预算表 (项目编码 | 项目名称 | 合计 | 财政拨款 | 其他资金, with a 合计 row and
a subtotal row per unit) and are joined by the exact project name; a project
the budget table does not list is kept, without code or amounts, with a
warning. A spreadsheet export with a row per indicator repeating the
project's code, name and budget reads the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kb.models import Project
from kb.parse.columns import CORE_ROLES, ColumnMap, Role, column_map, is_indicator_header, normalise_label
from kb.parse.indicator_rows import IndicatorRows, build_indicators, cell_text, warn_missing_columns
from kb.parse.layout import compact
from kb.parse.notes import ParseNotes, provenance
from kb.parse.templates.claims import ClaimedTable, TableClaims
from kb.parse.templates.info import without_code
from kb.parse.templates.project_block import parse_money, project_year
from kb.read.lines import DocLine

# A unit row: the unit's code and name in one cell (541001-四川省图书馆).
_UNIT = re.compile(r"^\d{3,12}\s*[-－—]\s*\S")
_TOTAL = frozenset({"合计", "总计", "小计"})
_BUDGET_COLUMNS: dict[str, str] = {
    "项目编码": "code",
    "项目代码": "code",
    "项目名称": "name",
    "单位名称（项目名称）": "name",
    "单位（项目）名称": "name",
    "合计": "budget",
    "预算数": "budget",
    "预算数（万元）": "budget",
    "金额": "budget",
    "项目预算（万元）": "budget",
    "财政拨款": "fiscal",
    "财政资金": "fiscal",
    "其他资金": "other",
}
# A row-per-indicator export is a full listing: a missing column there has lost data.
_EXPORT_ROLES: tuple[Role, ...] = ("code", "description", "basis")


@dataclass
class _Budgeted:
    """A project as the 项目支出预算表 lists it."""

    code: str
    budget: float | None
    fiscal: float | None
    other: float | None


@dataclass
class _Draft:
    """One project of a department-wide table while its rows are read."""

    name: str
    first: DocLine
    implementer: str
    goal: str = ""
    code: str = ""
    budget: float | None = None
    rows: IndicatorRows = field(default_factory=IndicatorRows)


def _cell(cmap: ColumnMap, line: DocLine, role: Role, multiline: bool = False) -> str:
    index = cmap.index(role)
    cells = line.cells or []
    return cell_text(cells[index], multiline) if index is not None and index < len(cells) else ""


def _budget_list(table: ClaimedTable, notes: ParseNotes) -> dict[str, _Budgeted]:
    """The projects of one 项目支出预算表 by name (合计 and unit subtotal rows are no projects)."""
    listed: dict[str, _Budgeted] = {}
    header = table.lines[0].cells or []
    columns = {
        _BUDGET_COLUMNS[label]: i
        for i, cell in enumerate(header)
        if (label := normalise_label(cell)) in _BUDGET_COLUMNS
    }

    def value(cells: list[str], key: str) -> str:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else ""

    for line in table.lines[1:]:
        cells = line.cells or []
        if [normalise_label(cell) for cell in cells] == [normalise_label(cell) for cell in header]:
            continue  # the header again on a new page
        code, name = compact(value(cells, "code")), cell_text(value(cells, "name")).strip()
        if not code or not name or name in _TOTAL or _UNIT.match(name):
            continue
        listed.setdefault(
            name,
            _Budgeted(
                code,
                parse_money(value(cells, "budget"), notes, line, "预算数"),
                parse_money(value(cells, "fiscal"), notes, line, "财政资金"),
                parse_money(value(cells, "other"), notes, line, "其他资金"),
            ),
        )
    return listed


def _is_unit_row(cmap: ColumnMap, line: DocLine) -> str | None:
    """The unit a unit row names (without its code), or None when the row is no unit row."""
    # One cell, or one wide cell whose text a converter repeated in every position it covers.
    cells = sorted({cell for cell in (line.cells or []) if cell.strip()})
    if len(cells) == 1 and _UNIT.match(cells[0]):
        return without_code(cell_text(cells[0]))
    return None


def _is_header(cmap: ColumnMap, cells: list[str]) -> bool:
    return cmap.repeats(cells) or (is_indicator_header(cells) and column_map([cells]).columns == cmap.columns)


def _read_table(table: ClaimedTable, notes: ParseNotes) -> list[_Draft]:
    header = table.lines[0]
    cmap = column_map([header.cells or []])
    export = cmap.has("code") or cmap.has("budget")
    warn_missing_columns(cmap, header, notes, (*CORE_ROLES, *_EXPORT_ROLES) if export else CORE_ROLES)
    drafts: list[_Draft] = []
    unit = ""
    block = header.block
    for line in table.lines[1:]:
        cells = line.cells or []
        if line.block != block and drafts:
            # The next page, with or without the header printed again: a row cut by the break may go on.
            drafts[-1].rows.repeated_header()
        block = line.block
        if _is_header(cmap, cells):
            if drafts:
                drafts[-1].rows.repeated_header()
            continue
        named_unit = _is_unit_row(cmap, line)
        if named_unit is not None:
            unit = named_unit
            continue
        name = _cell(cmap, line, "project").strip()
        code = compact(_cell(cmap, line, "code"))
        current = drafts[-1] if drafts else None
        if name and (current is None or name != current.name or (code and code != current.code)):
            current = _Draft(name, line, unit, goal=_cell(cmap, line, "goal", multiline=True), code=code)
            budget = _cell(cmap, line, "budget")
            current.budget = parse_money(budget, notes, line, "预算数") if budget else None
            current.rows.start(cmap)
            drafts.append(current)
        if current is None:
            if any(cells):
                notes.warn(line, "unknown_row", f"项目汇总表中无法识别的行：{' | '.join(c for c in cells if c)[:80]}")
            continue
        current.rows.add(line, notes)
    return drafts


def parse_dept_tables(
    claims: TableClaims, notes: ParseNotes, fallback_year: int | None, position: Callable[[DocLine], int]
) -> list[tuple[int, Project]]:
    """The projects of every department-wide table with the ``position`` of their first line, joined with the
    项目支出预算表 where there is one."""
    listed: dict[str, _Budgeted] = {}
    budget_lists = claims.of_kind("budget_list")
    for budget_list in budget_lists:
        for name, entry in _budget_list(budget_list, notes).items():
            listed.setdefault(name, entry)
    projects: list[tuple[int, Project]] = []
    for table in claims.of_kind("dept_table"):
        drafts = _read_table(table, notes)
        for draft in drafts:
            listing = listed.get(draft.name)
            code, budget, fiscal, other = draft.code, draft.budget, None, None
            if listing is not None:
                code = code or listing.code
                budget = listing.budget if listing.budget is not None else budget
                fiscal, other = listing.fiscal, listing.other
            elif budget_lists and not code:
                notes.warn(
                    draft.first,
                    "project_not_in_budget_table",
                    f"项目“{draft.name}”在项目支出预算表中找不到同名项目：项目编码和金额留空",
                )
            seq = len(projects) + 1
            rows = draft.rows.rows
            last = rows[-1].last if rows else draft.first
            project = Project(
                seq=seq,
                code=code,
                name=draft.name,
                budget=budget,
                fiscal_funds=fiscal,
                other_funds=other,
                goal=draft.goal,
                implementer=draft.implementer,
                template="dept_table",
                year=project_year(code) or fallback_year,
                **provenance(draft.first, last),
                indicators=build_indicators(draft.rows, f"项目“{draft.name}”", notes),
            )
            projects.append((position(draft.first), project))
    return projects
