"""Templates that print one block per project: a title, labelled project facts, then the indicator table(s).

Three templates share this shape (``docs/templates.md``):

* ``hebei`` (the seed): ``N、名称绩效目标表``, one table holding a ``项目编码``
  row, ``预算规模及资金用途``, ``资金支出计划（%）``, ``绩效目标`` and the indicators;
* ``local``: a title in any style (``N、…``, ``（五）…``, unnumbered), a
  label/value table (项目名称/项目编码, 主管部门/实施单位, 预算数/财政资金/其他资金,
  绩效目标, 中长期绩效目标), then one indicator table, or an annual and a
  long-term one under the captions ``年度绩效指标`` / ``中长期绩效指标``;
* ``central`` (财预〔2021〕101号): the bare title ``项目支出绩效目标表`` and one
  table with a vertical head (项目名称, 主管部门及代码 | 实施单位, 项目资金（万元）
  with 年度资金总额 / 其中：财政拨款 / 其他资金, 年度总体目标) above the indicators.

Indicator tables are read by their header (:mod:`kb.parse.columns`), so the
columns may come in any order, with synonyms, split operator and unit columns
or extra columns. Page breaks repeat the indicator header and may cut a row
in two (:mod:`kb.parse.indicator_rows`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kb.models import Period, Project, SpendPlan, TemplateName
from kb.parse.columns import ColumnMap, column_map, is_indicator_header, is_label_row, normalise_label
from kb.parse.indicator_rows import IndicatorRows, RowDraft, build_indicators, warn_missing_columns
from kb.parse.layout import compact, is_section_heading
from kb.parse.notes import ParseNotes, provenance
from kb.parse.templates.info import CENTRAL_LABELS, info_pairs, joined, without_code
from kb.read.lines import DocLine

# The seed's title; other templates title a project with a Chinese ordinal, with no number, or not at all.
TITLE = re.compile(r"^(\d{1,3})\s*[、.．]\s*(.+?)绩效目标表\s*$")
_ORDINAL_TITLE = re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[）)]\s*(.+?)绩效(?:目标|指标)表\s*$")
_PLAIN_TITLE = re.compile(r"^(.*?)绩效(?:目标|指标)表\s*$")
# What a title says besides the name: 项目支出 (绩效目标表), a trailing 项目 of 项目支出.
_TITLE_SUFFIX = re.compile(r"(?:项目支出|项目)$")
# Titles of department-level tables, never of a project.
_NOT_A_PROJECT = re.compile(r"部门整体|整体支出|部门预算")
_MAX_TITLE_CHARS = 80
_PLAN_COLUMNS = (("3月", "by_march"), ("6月", "by_june"), ("10月", "by_october"), ("12月", "by_december"))
_CODE_YEAR = re.compile(r"^\d{6}(\d{2})")
# Lines that may sit between rows of one table without meaning anything: 单位, 续表, and the page header
# a text conversion prints on every page (department code and name, 预算年度), the central template's year.
_NOISE = re.compile(
    r"^(单位[：:]\s*万元|续表|（续）|\(续\)|预算年度[：:]\s*(20\d{2})?|\d{3,9}\s+\S{2,40}|[（(]\s*20\d{2}\s*年度?\s*[）)])$"
)
# Captions over an annual or a long-term indicator table.
_PERIOD_CAPTION = re.compile(
    r"^(?:[（(][一二三四五六七八九十]+[）)]|\d{1,2}\s*[、.．])?\s*(年度|中长期|长期)绩效(?:指标|目标)(?:表)?\s*$"
)
# The 一级指标 every template names (the first cell of a project's first indicator row).
_LEVEL1 = re.compile(r"^(?:产出|效益|满意度|成本)指标$")
_SECTION = re.compile(r"^[一二三四五六七八九十]+、|^[（(][一二三四五六七八九十]+[）)]")
_CHINESE_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}


# The largest amount a project can plausibly hold, in 万元: 100 万亿元, several years of the national budget.
# Beyond it a figure is a typo or an attack (1e308 makes every sum infinite), not a budget.
MAX_AMOUNT = 1e10


def parse_money(text: str, notes: ParseNotes, line: int | DocLine, what: str) -> float | None:
    """An amount in 万元 (thousands separators read); empty is None.

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


def chinese_ordinal(text: str) -> int | None:
    """一 … 九十九 as a number."""
    if not text or any(c not in _CHINESE_DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return _CHINESE_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    return (_CHINESE_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CHINESE_DIGITS.get(ones, 0) if ones else 0)


@dataclass(frozen=True)
class Title:
    """A project table's title: its number (if any) and the name it gives."""

    seq: int | None
    name: str

    @property
    def bare(self) -> bool:
        """``项目支出绩效目标表`` alone: it names no project (the central template, or a section heading)."""
        return not self.name


def match_title(line: DocLine) -> Title | None:
    """The title of a project table on ``line``, or None."""
    if line.is_row or ("绩效目标表" not in line.text and "绩效指标表" not in line.text):
        return None
    text = line.text.strip()
    if _PERIOD_CAPTION.match(text):
        return None
    numbered = TITLE.match(text)
    if numbered:
        return Title(int(numbered.group(1)), numbered.group(2).strip())
    if len(text) > _MAX_TITLE_CHARS or _NOT_A_PROJECT.search(text) or is_section_heading(line):
        return None
    ordinal = _ORDINAL_TITLE.match(text)
    if ordinal:
        return Title(chinese_ordinal(ordinal.group(1)), _TITLE_SUFFIX.sub("", ordinal.group(2).strip()))
    plain = _PLAIN_TITLE.match(text)
    if plain and (line.heading or len(text) <= 40):
        return Title(None, _TITLE_SUFFIX.sub("", plain.group(1).strip()))
    return None


@dataclass
class _ProjectTable:
    """The rows of one project block as they are read."""

    first: DocLine
    last: DocLine
    title: Title | None = None
    code: str | None = None
    name: str = ""
    supervisor: str = ""
    implementer: str = ""
    budget: float | None = None
    fiscal_funds: float | None = None
    other_funds: float | None = None
    usage: list[str] = field(default_factory=list)
    plan_header: list[str] | None = None
    plan: dict[str, float | None] = field(default_factory=dict)
    goal: list[str] = field(default_factory=list)
    long_term_goal: list[str] = field(default_factory=list)
    indicators: IndicatorRows = field(default_factory=IndicatorRows)
    state: str = "head"
    saw_header: bool = False
    hebei: bool = False
    central: bool = False
    # A header row waiting for a possible second header row (two-row headers).
    header_lines: list[DocLine] = field(default_factory=list)
    period: Period | None = None
    block: int | None = None
    skipped_block: int | None = None
    unknown_header: bool = False
    previous_label: str = ""
    # Text that is no page furniture stood between the last row and this one: a new block is then no new page.
    interrupted: bool = False
    # The header every earlier project table of the document had (two at least), if they all had the same: what
    # rows are read with if this one lost its own.
    document_header: list[DocLine] | None = None

    @property
    def rows(self) -> list[RowDraft]:
        """The indicator rows read so far."""
        return self.indicators.rows

    def is_empty(self) -> bool:
        """Nothing but a title: no 项目编码, no 项目名称, no amount, no indicator row."""
        return self.code is None and not self.name and self.budget is None and not self.rows

    def template(self) -> TemplateName:
        """The template the labels seen say this block is printed in (``docs/templates.md``)."""
        if self.hebei:
            return "hebei"
        if self.central or (self.title is not None and self.title.bare and self.code is None):
            return "central"
        return "local"


def _read_amounts(table: _ProjectTable, row: list[str], line: DocLine, notes: ParseNotes) -> None:
    """The seed's 预算规模及资金用途 row: each amount right after its label."""
    for index, cell in enumerate(row):
        label = compact(cell)
        value = row[index + 1] if index + 1 < len(row) else ""
        if label == "预算数":
            table.budget = parse_money(value, notes, line, "预算数")
        elif "财政资金" in label:
            table.fiscal_funds = parse_money(value, notes, line, "财政资金")
        elif label == "其他资金":
            table.other_funds = parse_money(value, notes, line, "其他资金")


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


def _read_info(table: _ProjectTable, row: list[str], line: DocLine, notes: ParseNotes) -> bool:
    """Labelled project facts anywhere in the row; False when the row names none."""
    pairs = info_pairs(row)
    central = any(cell and normalise_label(cell) in CENTRAL_LABELS for cell in row)
    if not pairs and not central:
        return False
    table.central = table.central or central
    for key, _, value in pairs:
        if key == "code":
            table.code = compact(value)
        elif key == "name":
            table.name = value
        elif key == "supervisor":
            table.supervisor = without_code(value)
        elif key == "implementer":
            table.implementer = without_code(value)
        elif key in ("budget", "fiscal_funds", "other_funds"):
            what = {"budget": "预算数", "fiscal_funds": "财政资金", "other_funds": "其他资金"}[key]
            setattr(table, key, parse_money(value, notes, line, what))
        elif key == "goal":
            table.goal.append(value)
        elif key == "long_term_goal":
            table.long_term_goal.append(value)
    keys = [key for key, _, _ in pairs]
    table.state = "goal" if "goal" in keys else "long_goal" if "long_term_goal" in keys else "info"
    return True


def _header_rows(lines: list[DocLine]) -> tuple[list[list[str]], list[list[str]]]:
    """The header rows' labels (spans filled in from their origin) and as printed."""
    labels = []
    for line in lines:
        cells = list(line.cells or [])
        if line.row is not None:
            for index, cell in enumerate(line.row.cells[: len(cells)]):
                if cell.covered and not cells[index]:
                    cells[index] = cell.span_text
        labels.append(cells)
    return labels, [list(line.cells or []) for line in lines]


def _repeats(cmap: ColumnMap, cells: list[str]) -> bool:
    """The header printed again after a page break: the same labels, or labels giving the same columns."""
    return cmap.repeats(cells) or column_map([cells]).columns == cmap.columns


def _start_indicators(table: _ProjectTable, line: DocLine) -> None:
    """An indicator header row: a new table, the same header again after a page break, or its second row."""
    cells = list(line.cells or [])
    rows = table.indicators
    if table.header_lines and table.state == "header" and is_label_row(cells):
        table.header_lines.append(line)
        labels, printed = _header_rows(table.header_lines)
        rows.cmap = column_map(labels, printed)
        return
    if rows.cmap is not None and table.state == "repeat" and rows.cmap.repeats(cells):
        return  # the second row of a repeated two-row header
    same_period = table.period == rows.period
    if rows.cmap is not None and table.state == "indicators" and same_period and _repeats(rows.cmap, cells):
        rows.repeated_header()
        table.state = "repeat"
        return
    table.header_lines = [line]
    labels, printed = _header_rows(table.header_lines)
    rows.start(column_map(labels, printed), table.period)
    table.saw_header = True
    table.state = "header"


def _read_row(table: _ProjectTable, line: DocLine, notes: ParseNotes) -> None:
    row = list(line.cells or [])
    label = compact(row[0]) if row else ""
    if label and label == table.previous_label and table.state in ("usage", "plan") and not line.covered(0):
        # The label of a cell merged over two rows, repeated on the second (as some converters write it).
        label = row[0] = ""
    table.previous_label = label
    in_table = table.state in ("indicators", "header", "repeat")
    if table.skipped_block is not None and line.block == table.skipped_block:
        return
    new_block = line.block != table.block
    table.block = line.block
    if label == "项目编码":
        _read_info(table, row, line, notes)
        table.hebei = True
        table.state = "head"
    elif label.startswith("预算规模"):
        _read_amounts(table, row, line, notes)
        table.hebei = True
        table.state = "usage"
    elif label.startswith("资金支出计划"):
        table.plan_header = row
        table.hebei = True
        table.state = "plan"
    elif label == "绩效目标":
        table.goal.append(joined(row[1:]))
        table.state = "goal"
    elif is_indicator_header(row) or (table.state == "header" and is_label_row(row)):
        _start_indicators(table, line)
        return
    elif (lost := _header_for_lost(table, label, row)) is not None:
        # The header line was lost (a converter, a cut): the document's other tables say what the columns are.
        header, cmap = lost
        table.header_lines = list(header)
        table.indicators.start(cmap, table.period)
        table.state = "indicators"
        table.indicators.add(line, notes)
        return
    elif in_table:
        if table.state == "header" and table.indicators.cmap is not None and table.header_lines:
            # The header is whole once a row that is no header follows it (two-row headers).
            warn_missing_columns(table.indicators.cmap, table.header_lines[0], notes)
        elif new_block and not table.interrupted and table.state == "indicators":
            # The next page, its header not printed again: a row cut by the break may go on, as after a header.
            table.indicators.repeated_header()
        table.state = "indicators"
        table.indicators.add(line, notes)
        return
    elif _read_info(table, row, line, notes):
        pass
    elif label == "" and table.state == "usage":
        table.usage.append(joined(row[1:]))
    elif label == "" and table.state == "plan":
        _read_plan(table, row, line, notes)
    elif label == "" and table.state == "goal":
        table.goal.append(joined(row[1:]))
    elif label == "" and table.state == "long_goal":
        table.long_term_goal.append(joined(row[1:]))
    elif new_block and sum(1 for cell in row if cell) >= 2:
        # A table of its own whose header names no indicator column: nothing in it can be read as indicators.
        shown = " | ".join(cell for cell in row if cell)[:80]
        name = table.name or (table.title.name if table.title is not None else "")
        where = line.where.label() or f"第 {line.number} 行"
        notes.warn(
            line,
            "unknown_table_header",
            f"项目“{name or '未命名'}”的表格表头无法识别为绩效指标表（{where}），整张表未读取：{shown}",
        )
        table.skipped_block = line.block
        table.unknown_header = True
    else:
        notes.warn(line, "unknown_row", f"项目表中无法识别的行：{' | '.join(c for c in row if c)[:80]}")
    table.indicators.after_header = False


def _header_for_lost(table: _ProjectTable, label: str, row: list[str]) -> tuple[list[DocLine], ColumnMap] | None:
    """The header (and its columns) to read an indicator row with when its project has none yet (the line was
    lost), or None.

    Only in a document that keeps to one layout (:attr:`_ProjectTable.document_header`), and only for a row
    that fits it: as many cells, its 一级指标 in the header's 一级指标 column (the first, or the second under
    the central template's 绩效指标 column), and two more cells at least. A document whose tables differ may
    have lost a header unlike any other: nothing is guessed there.
    """
    header = table.document_header
    if header is None or table.indicators.cmap is not None or not row:
        return None
    position = 1 if label in ("", "绩效指标") and len(row) > 1 else 0
    if _LEVEL1.match(compact(row[position])) is None or sum(1 for cell in row if cell.strip()) < 3:
        return None
    if len(row) != len(header[0].cells or []):
        return None
    cmap = column_map(*_header_rows(header))
    return (header, cmap) if cmap.index("level1") == position else None


def _seq_gap(printed: int, expected: int) -> str | None:
    """What a title's printed number says when it does not follow the one before (``expected``): the
    project tables missing between them, or a number repeated or going back. None when it follows."""
    if printed == expected:
        return None
    if printed == expected - 1:
        return f"标题序号 {printed} 与上一个标题的相同"
    if printed < expected:
        return f"标题序号从 {expected - 1} 退回 {printed}"
    missing = f"第 {expected} 号" if printed == expected + 1 else f"第 {expected}–{printed - 1} 号"
    start = f"标题序号从 {printed} 开始" if expected == 1 else f"标题序号从 {expected - 1} 跳到 {printed}"
    return f"{start}：{missing}项目表不在文档中（文档可能缺页或不完整）"


def _finish(
    table: _ProjectTable, seq: int, expected: int, fallback_year: int | None, notes: ParseNotes
) -> Project | None:
    """The project a table holds (None for an empty table), numbered ``seq`` in document order; its title's
    printed number is checked against ``expected``, the number after the previous title's."""
    where = table.first
    if table.is_empty():
        if table.title is not None and table.title.bare:
            return None  # a bare 项目支出绩效目标表 heading over a table another template reads
        if table.unknown_header:
            return None
        name = table.title.name if table.title is not None else ""
        notes.warn(where, "empty_project_table", f"“{name or '未命名'}”绩效目标表没有内容（缺少项目编码行和指标行）")
        return None
    template = table.template()
    if table.code is None and template != "central":
        notes.warn(where, "missing_code", f"项目 {seq} 缺少项目编码行")
    gap = _seq_gap(table.title.seq, expected) if table.title is not None and table.title.seq is not None else None
    if gap is not None:
        notes.warn(where, "seq_mismatch", gap)
    if not table.unknown_header:
        if not table.saw_header:
            notes.warn(where, "missing_indicator_header", f"项目 {seq} 缺少指标表头（一级指标…）")
        if not table.rows:
            notes.warn(where, "no_indicators", f"项目 {seq} 没有任何绩效指标行")
    code = table.code or ""
    title_name = table.title.name if table.title is not None else ""
    return Project(
        seq=seq,
        code=code,
        name=table.name or title_name,
        budget=table.budget,
        fiscal_funds=table.fiscal_funds,
        other_funds=table.other_funds,
        usage="\n".join(part for part in table.usage if part),
        spend_plan=SpendPlan(**table.plan),
        goal="\n".join(part for part in table.goal if part),
        long_term_goal="\n".join(part for part in table.long_term_goal if part),
        supervisor=table.supervisor,
        implementer=table.implementer,
        template=template,
        year=project_year(code) or fallback_year,
        **provenance(table.first, table.last),
        indicators=build_indicators(table.indicators, f"项目 {seq}", notes),
    )


def _caption(table: _ProjectTable, line: DocLine) -> bool:
    """A caption over an annual or long-term indicator table sets the period of the rows that follow."""
    match = _PERIOD_CAPTION.match(line.text.strip())
    if match is None:
        return False
    table.period = "annual" if match.group(1) == "年度" else "long_term"
    return True


def _untitled(heading: str) -> str:
    """The project name a heading gives an indicator table with no title of its own (none for a section heading)."""
    if not heading or _SECTION.match(heading):
        return ""
    return _TITLE_SUFFIX.sub("", re.sub(r"绩效(?:目标|指标)表?$", "", heading)).strip()


def project_titles(lines: Sequence[DocLine]) -> int:
    """How many lines are titles of a 项目绩效目标表 naming a project."""
    return sum(1 for line in lines if (title := match_title(line)) is not None and not title.bare)


def parse_project_blocks(
    lines: Sequence[DocLine],
    notes: ParseNotes,
    fallback_year: int | None = None,
    claimed: Callable[[DocLine], bool] = lambda line: False,
) -> list[tuple[int, Project]]:
    """Every project block in ``lines`` with the index of its first line; rows ``claimed`` by another template
    are left out."""
    projects: list[tuple[int, Project]] = []
    table: _ProjectTable | None = None
    start = 0
    # The number the next title should print: one after the last printed (a gap is reported once, not for
    # every project after it).
    expected = 1

    # The project tables' headers so far: the last one, how many, and their layouts (labels).
    last_header: list[DocLine] = []
    headers = 0
    layouts: set[tuple[str, ...]] = set()

    def begin(line: DocLine, title: Title | None = None) -> _ProjectTable:
        uniform = last_header if headers >= 2 and len(layouts) == 1 else None
        return _ProjectTable(first=line, last=line, title=title, document_header=uniform)

    def close() -> None:
        nonlocal table, last_header, headers, expected
        if table is not None:
            cmap = table.indicators.cmap
            if table.saw_header and table.header_lines and cmap is not None:
                last_header, headers = table.header_lines, headers + 1
                layouts.add(cmap.labels)
            project = _finish(table, len(projects) + 1, expected, fallback_year, notes)
            if project is not None:
                projects.append((start, project))
            printed = table.title.seq if table.title is not None else None
            if printed is not None:
                # A number printed twice most likely stands for the one after it: the next title goes on from there.
                expected = expected + 1 if printed == expected - 1 else printed + 1
        table = None

    heading = ""  # the last heading outside a project: the name of an indicator table printed without a title
    for index, line in enumerate(lines):
        if claimed(line):
            close()
            continue
        title = match_title(line)
        if title:
            close()
            table, start = begin(line, title), index
            continue
        if line.cells is not None:
            if table is None and is_indicator_header(line.cells):
                # An indicator table under no title a template knows: its rows are kept, named after the heading.
                table, start = begin(line, Title(None, _untitled(heading))), index
            if table is None and "项目编码" not in line.text:
                continue  # a row of some other table (budget tables, procurement)
            first = compact(line.cells[0])
            if first == "项目编码" and table is not None and table.code is not None:
                close()
            if first == "项目编码" and table is None:
                table, start = begin(line), index
            if table is None:
                continue
            _read_row(table, line, notes)
            table.interrupted = False
            table.last = line
            continue
        if table is None:
            if line.heading or is_section_heading(line):
                heading = line.text.strip()
            continue
        if _caption(table, line):
            table.last = line
        elif is_section_heading(line) or line.heading:
            close()
            heading = line.text.strip()
        elif not _NOISE.match(line.text.strip()):
            notes.warn(line, "stray_text", f"项目表中出现无法归类的文字：{line.text[:60]}")
            table.interrupted = True
    close()
    return projects
