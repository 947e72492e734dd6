"""Section 七: one 项目绩效目标表 per project.

Each table opens with a title (``N、名称绩效目标表``) and/or a ``项目编码`` row,
carries the budget, spending plan and goal rows, then the indicator table.
Page breaks repeat the indicator header row and may cut a row in two; the
tail then arrives as a mostly-empty row right after the repeated header and is
joined back onto the row it belongs to.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kb.models import Indicator, Project, SpendPlan
from kb.parse.layout import compact, is_section_heading
from kb.parse.notes import ParseNotes, provenance
from kb.parse.targets import parse_target
from kb.read.lines import DocLine, as_doc_lines

TITLE = re.compile(r"^(\d{1,3})\s*[、.．]\s*(.+?)绩效目标表\s*$")
INDICATOR_COLUMNS = 6
_PLAN_COLUMNS = (("3月", "by_march"), ("6月", "by_june"), ("10月", "by_october"), ("12月", "by_december"))
_CODE_YEAR = re.compile(r"^\d{6}(\d{2})")
# Lines that may sit between rows of one table without meaning anything.
_NOISE = re.compile(r"^(单位[：:]\s*万元|续表|（续）|\(续\))$")


# The largest amount a project can plausibly hold, in 万元: 100 万亿元, several years of the national budget.
# Beyond it a figure is a typo or an attack (1e308 makes every sum infinite), not a budget.
MAX_AMOUNT = 1e10


def parse_money(text: str, notes: ParseNotes, line: int | DocLine, what: str) -> float | None:
    """An amount in 万元; empty is None.

    Unreadable, not finite (``inf``, ``NaN``), beyond :data:`MAX_AMOUNT` or
    negative (a budget cannot be) is None with a warning naming the line.
    """
    value = compact(text).replace(",", "").replace("，", "")
    if not value:
        return None
    try:
        amount = float(value)
    except ValueError:
        notes.warn(line, "bad_amount", f"{what}无法识别为金额：{text!r}")
        return None
    if not math.isfinite(amount) or amount > MAX_AMOUNT:
        notes.warn(line, "amount_out_of_range", f"{what}不是有限数值或超出合理范围（{MAX_AMOUNT:.0e} 万元）：{text!r}")
        return None
    if amount < 0:
        notes.warn(line, "negative_amount", f"{what}不能为负数：{text!r}")
        return None
    return amount


def _parse_percent(text: str) -> float | None:
    value = compact(text).rstrip("%％")
    try:
        percent = float(value) if value else None
    except ValueError:
        return None
    # inf% and NaN% are as unreadable as any other word.
    return percent if percent is None or math.isfinite(percent) else None


def project_year(code: str) -> int | None:
    """The year a project was set up: the two digits after the region code."""
    match = _CODE_YEAR.match(code)
    return 2000 + int(match.group(1)) if match else None


@dataclass
class _Row:
    """An indicator row while it may still receive a page-break tail."""

    values: list[str]
    first: DocLine
    last: DocLine


@dataclass
class _ProjectTable:
    """The rows of one project table as they are read."""

    first: DocLine
    last: DocLine
    title_seq: int | None = None
    title_name: str = ""
    code: str | None = None
    name: str = ""
    budget: float | None = None
    fiscal_funds: float | None = None
    other_funds: float | None = None
    usage: list[str] = field(default_factory=list)
    plan_header: list[str] | None = None
    plan: dict[str, float | None] = field(default_factory=dict)
    goal: list[str] = field(default_factory=list)
    rows: list[_Row] = field(default_factory=list)
    state: str = "head"
    after_header: bool = False
    saw_header: bool = False
    previous_label: str = ""

    def is_empty(self) -> bool:
        return self.code is None and not self.rows


def _next_value(row: list[str], index: int) -> str:
    return row[index + 1] if index + 1 < len(row) else ""


def _read_code_row(table: _ProjectTable, row: list[str]) -> None:
    for index, cell in enumerate(row):
        label = compact(cell)
        if label == "项目编码":
            table.code = compact(_first_filled(row, index + 1, stop={"项目名称"}))
        elif label == "项目名称":
            table.name = _first_filled(row, index + 1, stop=set())


def _first_filled(row: list[str], start: int, stop: set[str]) -> str:
    for cell in row[start:]:
        if compact(cell) in stop:
            return ""
        if cell:
            return cell
    return ""


def _read_amounts(table: _ProjectTable, row: list[str], line: DocLine, notes: ParseNotes) -> None:
    for index, cell in enumerate(row):
        label = compact(cell)
        if label == "预算数":
            table.budget = parse_money(_next_value(row, index), notes, line, "预算数")
        elif "财政资金" in label:
            table.fiscal_funds = parse_money(_next_value(row, index), notes, line, "财政资金")
        elif label == "其他资金":
            table.other_funds = parse_money(_next_value(row, index), notes, line, "其他资金")


def _read_plan(table: _ProjectTable, row: list[str], line: DocLine, notes: ParseNotes) -> None:
    header = table.plan_header or []
    by_column: dict[str, float | None] = {}
    for index, label in enumerate(header):
        for prefix, name in _PLAN_COLUMNS:
            if compact(label).startswith(prefix):
                by_column[name] = _parse_percent(row[index]) if index < len(row) else None
    # A value under a label repeated by a converter (a merged cell's text in every position) counts once.
    filled = [
        cell
        for index, cell in enumerate(row[1:], start=1)
        if cell and not (index < len(header) and header[index] == header[index - 1] and cell == row[index - 1])
    ]
    if sum(v is not None for v in by_column.values()) < len(filled) and len(filled) == len(_PLAN_COLUMNS):
        # The values do not sit under their labels; read them in order instead.
        by_column = {name: _parse_percent(cell) for (_, name), cell in zip(_PLAN_COLUMNS, filled, strict=True)}
    unreadable = [cell for cell in filled if _parse_percent(cell) is None]
    if unreadable:
        notes.warn(line, "bad_spend_plan", f"资金支出计划无法识别：{unreadable}")
    table.plan.update(by_column)


def _is_continuation(table: _ProjectTable, row: list[str], line: DocLine) -> bool:
    """A page-break tail: no 一级/二级, some cells missing, right after a header.

    An 一级/二级 cell covered by a merged cell above (a form that keeps merges)
    belongs to a row of the group above, never to a tail.
    """
    if not table.rows or row[0] or row[1] or all(row[2:INDICATOR_COLUMNS]):
        return False
    if line.covered(0) or line.covered(1):
        return False
    return table.after_header or not row[2]


def _append_tail(previous: _Row, row: list[str], line: DocLine) -> None:
    for index in range(2, INDICATOR_COLUMNS):
        tail = row[index]
        # The cut sometimes repeats the last characters already printed (标准 + 准).
        if tail and not previous.values[index].endswith(tail):
            previous.values[index] += tail
    previous.last = line


def _joined(cells: list[str]) -> str:
    """The texts of a row's cells after its label, once each where a merged cell repeats its text."""
    texts: list[str] = []
    for cell in cells:
        if cell and (not texts or texts[-1] != cell):
            texts.append(cell)
    return " ".join(texts)


def _read_indicator_row(table: _ProjectTable, row: list[str], line: DocLine, notes: ParseNotes) -> None:
    basis = row[INDICATOR_COLUMNS - 1] if len(row) >= INDICATOR_COLUMNS else ""
    # A converter that repeats a merged cell's text in every position it covers repeats the basis (spanning the
    # 7th column) too: that is the same cell, not an extra one.
    extra = [cell for cell in row[INDICATOR_COLUMNS:] if cell and cell != basis]
    row = (row + [""] * INDICATOR_COLUMNS)[:INDICATOR_COLUMNS]
    if extra:
        notes.warn(line, "extra_cells", f"指标行多出 {len(extra)} 个单元格，已并入指标值确定依据：{extra}")
        row[5] = " ".join([row[5], *extra]).strip()
    if _is_continuation(table, row, line):
        _append_tail(table.rows[-1], row, line)
        return
    if not any(row):
        return
    table.rows.append(_Row(values=row, first=line, last=line))


def _read_row(table: _ProjectTable, line: DocLine, notes: ParseNotes) -> None:
    row = list(line.cells or [])
    label = compact(row[0])
    if label and label == table.previous_label and table.state in ("usage", "plan") and not line.covered(0):
        # The label of a cell merged over two rows, repeated on the second (as some converters write it).
        label = row[0] = ""
    table.previous_label = label
    if label == "项目编码":
        _read_code_row(table, row)
        table.state = "head"
    elif label.startswith("预算规模"):
        _read_amounts(table, row, line, notes)
        table.state = "usage"
    elif label.startswith("资金支出计划"):
        table.plan_header = row
        table.state = "plan"
    elif label == "绩效目标":
        table.goal.append(_joined(row[1:]))
        table.state = "goal"
    elif label == "一级指标":
        table.state = "indicators"
        table.after_header = True
        table.saw_header = True
        return
    elif table.state == "indicators":
        _read_indicator_row(table, row, line, notes)
    elif label == "" and table.state == "usage":
        table.usage.append(_joined(row[1:]))
    elif label == "" and table.state == "plan":
        _read_plan(table, row, line, notes)
    elif label == "" and table.state == "goal":
        table.goal.append(_joined(row[1:]))
    else:
        notes.warn(line, "unknown_row", f"项目表中无法识别的行：{' | '.join(c for c in row if c)[:80]}")
    table.after_header = False


def _fill_levels(table: _ProjectTable, seq: int, notes: ParseNotes) -> list[Indicator]:
    """Empty 一级/二级 cells are merged cells: they repeat the row above."""
    indicators: list[Indicator] = []
    level1 = level2 = ""
    for position, row in enumerate(table.rows, start=1):
        values = row.values
        if values[0]:
            level1 = values[0]
        elif not level1:
            notes.warn(row.first, "missing_level1", f"项目 {seq} 第 {position} 行一级指标为空，且无上一行可继承")
        if values[1]:
            level2 = values[1]
        elif not level2:
            notes.warn(row.first, "missing_level2", f"项目 {seq} 第 {position} 行二级指标为空，且无上一行可继承")
        if not values[2] or not values[4]:
            missing = "三级指标" if not values[2] else "指标值"
            notes.warn(row.first, "incomplete_row", f"项目 {seq} 第 {position} 行缺少{missing}")
        indicators.append(
            Indicator(
                position=position,
                level1=level1,
                level2=level2,
                level3=values[2],
                description=values[3],
                target=parse_target(values[4]),
                basis=values[5],
                **provenance(row.first, row.last),
            )
        )
    return indicators


def _finish(table: _ProjectTable, seq: int, fallback_year: int | None, notes: ParseNotes) -> Project | None:
    where = table.first
    if table.is_empty():
        notes.warn(
            where,
            "empty_project_table",
            f"“{table.title_name or '未命名'}”绩效目标表没有内容（缺少项目编码行和指标行）",
        )
        return None
    if table.code is None:
        notes.warn(where, "missing_code", f"项目 {seq} 缺少项目编码行")
    if table.title_seq is not None and table.title_seq != seq:
        notes.warn(where, "seq_mismatch", f"标题序号 {table.title_seq} 与文档中的第 {seq} 个项目表不一致")
    if not table.saw_header:
        notes.warn(where, "missing_indicator_header", f"项目 {seq} 缺少指标表头（一级指标…）")
    if not table.rows:
        notes.warn(where, "no_indicators", f"项目 {seq} 没有任何绩效指标行")
    code = table.code or ""
    return Project(
        seq=seq,
        code=code,
        name=table.name or table.title_name,
        budget=table.budget,
        fiscal_funds=table.fiscal_funds,
        other_funds=table.other_funds,
        usage="\n".join(part for part in table.usage if part),
        spend_plan=SpendPlan(**table.plan),
        goal="\n".join(part for part in table.goal if part),
        year=project_year(code) or fallback_year,
        **provenance(table.first, table.last),
        indicators=_fill_levels(table, seq, notes),
    )


def _title(line: DocLine) -> re.Match[str] | None:
    if line.is_row:
        return None
    return TITLE.match(line.text)


def project_titles(lines: Sequence[DocLine]) -> int:
    """How many lines are titles of a 项目绩效目标表 (``N、…绩效目标表``)."""
    return sum(1 for line in lines if "绩效目标表" in line.text and _title(line))


def parse_projects(
    lines: Sequence[DocLine] | Sequence[str], notes: ParseNotes, fallback_year: int | None = None
) -> list[Project]:
    """Every 项目绩效目标表 in ``lines``, in document order."""
    projects: list[Project] = []
    table: _ProjectTable | None = None

    def close() -> None:
        nonlocal table
        if table is not None:
            project = _finish(table, len(projects) + 1, fallback_year, notes)
            if project is not None:
                projects.append(project)
        table = None

    for line in as_doc_lines(lines):
        title = _title(line)
        if title:
            close()
            table = _ProjectTable(
                first=line, last=line, title_seq=int(title.group(1)), title_name=title.group(2).strip()
            )
            continue
        if line.cells is not None:
            if table is None and "项目编码" not in line.text:
                continue  # a row of some other table (budget tables, procurement)
            first = compact(line.cells[0])
            if first == "项目编码" and table is not None and table.code is not None:
                close()
            if first == "项目编码" and table is None:
                table = _ProjectTable(first=line, last=line)
            if table is None:
                continue
            _read_row(table, line, notes)
            table.last = line
            continue
        if table is None:
            continue
        if is_section_heading(line) or line.heading:
            close()
        elif not _NOISE.match(line.text):
            notes.warn(line, "stray_text", f"项目表中出现无法归类的文字：{line.text[:60]}")
    close()
    _warn_repeated_codes(projects, notes)
    return projects


def _warn_repeated_codes(projects: list[Project], notes: ParseNotes) -> None:
    """A project code names one project: the same code twice in a document is a copy or a typo."""
    first: dict[str, Project] = {}
    for project in projects:
        if not project.code:
            continue
        earlier = first.setdefault(project.code, project)
        if earlier is not project:
            notes.warn(
                project.first_line,
                "duplicate_project_code",
                f"项目 {project.seq} 的项目编码 {project.code} 与项目 {earlier.seq}（第 {earlier.first_line} 行）重复",
            )
