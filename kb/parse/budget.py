"""The budget tables: the nine 部门预算公开表, 政府采购预算 and 固定资产占用情况.

Each table opens with its title (``## 部门预算支出总表``, with any number of
``#`` or none) and runs until the next title, a numbered section heading or a
sentence of prose. Inside it, every page repeats a header (department code and
name, 预算年度, 单位：万元: lines without tabs, skipped) and the column header
rows, which start with ``序号`` and end with the ``栏次`` (or ``档次``) row.

The PDF extraction damaged these tables in three ways, repaired here:

* numbers and codes split by spaces (``1118 9.71``, ``2080 1``): the spaces go;
* names broken inside a cell (``社会保障 和就业支 出``): the spaces go;
* rows cut by a page break: the tail arrives after the repeated header as a
  row without 序号 and is joined cell by cell onto the row it belongs to
  (``2080`` + ``101`` → ``2080101``, ``行政`` + ``运行``, ``1245`` + ``.57``).

Cells are joined as text before anything is read as a number, because the cut
falls anywhere inside a figure. A cell that still is not a number becomes
null, the row keeps its raw text and a warning names the line; the other
rows and tables are unaffected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TypedDict

from kb.models.budget import (
    AMOUNT_LABELS,
    PROCUREMENT_LABELS,
    TABLE_TITLES,
    AssetRow,
    AssetTable,
    BudgetRow,
    BudgetTable,
    BudgetTables,
    Classification,
    ProcurementItem,
    ProcurementTable,
    TableKind,
)
from kb.parse.layout import compact, is_section_heading, is_subsection_heading, is_toc_entry
from kb.parse.notes import ParseNotes
from kb.read.blocks import NOWHERE
from kb.read.lines import DocLine, as_doc_lines

# Most specific first: 财政拨款收支总表 before 收支总表, 基本支出表 before 支出表.
_TITLE_CORES: tuple[tuple[TableKind, str], ...] = (
    ("fiscal_summary", r"财政拨款收支总表"),
    ("summary", r"收支总表"),
    ("income", r"收入总表"),
    ("expense", r"支出总表"),
    ("basic_expense", r"一般公共预算财政拨款基本支出表"),
    ("general_expense", r"一般公共预算财政拨款支出表"),
    ("fund_expense", r"政府性基金预算财政拨款支出表"),
    ("state_capital_expense", r"国有资本经营预算财政拨款支出表"),
    ("three_public", r"[“\"”']?三公[”\"“']?经费支出表"),
    ("procurement", r"政府采购预算表?"),
    ("fixed_assets", r"固定资产占用情况表"),
)
# A title is the whole line: an optional short prefix (表 3、部门预算、a unit
# name), the table's name, an optional （续）. Sentences never qualify.
_TITLE: dict[TableKind, re.Pattern[str]] = {
    kind: re.compile(rf"^(?P<prefix>[^，。；：:,]{{0,40}}?){core}(?:（续）|\(续\))?$") for kind, core in _TITLE_CORES
}
ACCOUNT_KINDS: tuple[TableKind, ...] = (
    "summary",
    "income",
    "expense",
    "fiscal_summary",
    "general_expense",
    "basic_expense",
    "fund_expense",
    "state_capital_expense",
    "three_public",
)
_CLASSIFICATION: dict[str, Classification] = {
    "income": "function",
    "expense": "function",
    "general_expense": "function",
    "fund_expense": "function",
    "state_capital_expense": "function",
    "basic_expense": "economic",
}
_LEVELS: dict[Classification, dict[int, str]] = {
    "function": {3: "类", 5: "款", 7: "项"},
    "economic": {3: "类", 5: "款"},
}
_HEADER_START = {"序号"}
_HEADER_END = {"栏次", "档次"}
_SEQ = re.compile(r"^\d{1,4}$")
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$")
_BLANK_AMOUNTS = {"", "-", "—", "——", "－", "–", "/", "／"}
_NOTE = re.compile(r"^(?:注|说明)\s*[：:]")
_EMPTY_NOTE = re.compile(r"空表|无.{0,30}(?:预算|经费|收支|支出|收入|采购|资产)")
_AS_OF = re.compile(r"截[止至](?:时间|日期)?\s*[：:]\s*(\S.*)$")
_QUANTITY_UNIT = re.compile(r"[（(]([^（）()]+)[）)]")

# Column labels (compacted) → what the column holds. Checked in order; the
# first pattern that matches wins, so the longer labels come first.
_COLUMN_LABELS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"^序号$", "seq"),
        (r"编码", "code"),
        (r"^项目$|名称", "name"),
        (r"上年结转", "carryover"),
        (r"^合计$", "total"),
        (r"^小计$", "current_income"),
        (r"财政拨款收入", "fiscal_appropriation"),
        (r"财政专户", "special_account"),
        (r"事业收入", "business_income"),
        (r"^经营收入$", "operating_income"),
        (r"上级补助", "superior_subsidy"),
        (r"附属单位上缴", "subordinate_remittance"),
        (r"其他收入", "other_income"),
        (r"基本支出", "basic"),
        (r"项目支出", "project"),
        (r"经营支出", "operating_expense"),
        (r"上解上级", "remit_superior"),
        (r"对附属单位补助", "subsidy_subordinate"),
        (r"一般公共预算", "general_budget"),
        (r"政府性基金", "fund_budget"),
        (r"国有资本经营", "state_capital_budget"),
        (r"人员经费", "personnel"),
        (r"公用经费", "public_funds"),
        (r"^(?:预算数|金额)$", "amount"),
    )
)
_TEXT_COLUMNS = {"seq", "code", "name"}

# The Hebei template's header of each table, used when a table lost its own.
_TEMPLATE_HEADERS: dict[str, list[list[str]]] = {
    "summary": [["序号", "收入", "", "支出", ""], ["", "项目", "预算数", "项目", "预算数"]],
    "income": [
        [
            "序号",
            "科目编码",
            "科目名称",
            "合计",
            "小计",
            "财政拨款收入",
            "财政专户收入",
            "事业收入",
            "经营收入",
            "上级补助收入",
            "附属单位上缴收入",
            "其他收入",
            "上年结转",
        ]
    ],
    "expense": [
        [
            "序号",
            "科目编码",
            "科目名称",
            "合计",
            "基本支出",
            "项目支出",
            "经营支出",
            "上解上级支出",
            "对附属单位补助支出",
        ]
    ],
    "fiscal_summary": [
        ["序号", "收入", "", "支出", "", "", ""],
        [
            "",
            "项目",
            "金额",
            "项目",
            "合计",
            "一般公共预算财政拨款",
            "政府性基金预算财政拨款",
            "国有资本经营预算财政拨款",
        ],
    ],
    "general_expense": [["序号", "科目编码", "科目名称", "合计", "基本支出", "项目支出"]],
    "basic_expense": [["序号", "科目编码", "科目名称", "合计", "人员经费", "公用经费"]],
    "fund_expense": [["序号", "科目编码", "科目名称", "合计", "基本支出", "项目支出"]],
    "state_capital_expense": [["序号", "科目编码", "科目名称", "合计", "基本支出", "项目支出"]],
    "three_public": [
        ["序号", "项目", "合计", "一般公共预算财政拨款", "政府性基金预算拨款", "国有资本经营预算财政拨款"]
    ],
}

# Procurement: the text columns by their header label, then the amount block,
# which starts at 合计 and follows the template's order. The extracted header
# puts 上年结转结余 and 预留中小微企业份额 over the wrong one of the last two
# columns; the figures (60 % of each item) show the last one is the SME share.
_PROCUREMENT_TEXT = (
    ("项目名称", "project_name"),
    ("预算资金", "project_budget"),
    ("采购物品名称", "item_name"),
    ("目录", "catalog_code"),
    ("计量单位", "measure_unit"),
    ("数量", "quantity"),
    ("单价", "unit_price"),
)
_PROCUREMENT_AMOUNTS = (
    "total",
    "general_budget",
    "fund_budget",
    "state_capital_budget",
    "special_account",
    "unit_funds",
    "carryover",
    "sme_reserved",
)
_PROCUREMENT_HEADER_START = {"政府采购项目来源", "项目名称"}
_PROCUREMENT_FIGURE_LABELS = {
    **PROCUREMENT_LABELS,
    "project_budget": "预算资金",
    "quantity": "数量",
    "unit_price": "单价",
}


# ---------------------------------------------------------------- sections


@dataclass
class _Section:
    """The lines of one table, from its title to where it ends."""

    kind: TableKind
    title: str
    first_line: int
    last_line: int
    rows: list[DocLine] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)
    texts: list[tuple[int, str]] = field(default_factory=list)
    # Rows under no title, from a 序号 header row on: a table whose title was lost (``kind`` is decided later).
    untitled: bool = False


def table_kind(line: DocLine | str) -> TableKind | None:
    """The kind of table whose title ``line`` is, or None.

    Heading markers and tags are ignored; table rows and table-of-contents
    entries (dot leaders) are never titles.
    """
    if isinstance(line, str):
        line = as_doc_lines([line])[0] if line.strip() else DocLine(0, "", None, False, NOWHERE)
    # Every title names a 表 or the 采购预算; most lines of a document are neither.
    if "表" not in line.text and "采购预算" not in line.text:
        return None
    if line.is_row or is_toc_entry(line.text):
        return None
    text = compact(line.text)
    for kind, pattern in _TITLE.items():
        if pattern.match(text):
            return kind
    return None


def _ends_table(line: DocLine) -> bool:
    """A numbered heading or a sentence: the table is over."""
    return is_section_heading(line) or is_subsection_heading(line) or "。" in line.text


def _split_sections(lines: list[DocLine]) -> list[_Section]:
    """Cut the document into one section per table; everything else is skipped."""
    sections: list[_Section] = []
    current: _Section | None = None
    for item in lines:
        line = item.number
        if item.is_row:
            if current is None and _first_label(item) in _HEADER_START and not is_toc_entry(item.text):
                current = _Section(kind=ACCOUNT_KINDS[0], title="", first_line=line, last_line=line, untitled=True)
                sections.append(current)
            if current is not None and not is_toc_entry(item.text):
                current.rows.append(item)
                current.last_line = line
            continue
        kind = table_kind(item)
        if kind is not None:
            # A section heading naming the same table just before it (八、政府采购预算) is one table.
            if current is None or current.kind != kind or current.rows:
                current = _Section(kind=kind, title=item.text, first_line=line, last_line=line)
                sections.append(current)
            continue
        if current is None:
            continue
        text = item.text
        if _NOTE.match(text):
            current.notes.append((line, text))
            current.last_line = line
        elif _ends_table(item):
            current = None
        else:
            # Page headers: department, 预算年度, 单位：万元, 截止时间.
            current.texts.append((line, text))
    return sections


# ---------------------------------------------------------------- cells


def read_amount(text: str) -> tuple[float | None, bool]:
    """A figure in 万元 with the extraction's spaces removed: ``(value, readable)``.

    Empty cells and dashes are ``(None, True)``; anything else that is not a
    number is ``(None, False)``.
    """
    value = compact(text).replace(",", "").replace("，", "")
    if value in _BLANK_AMOUNTS:
        return None, True
    if _NUMBER.match(value):
        return float(value), True
    return None, False


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index]


def _lines_text(printed: _Printed) -> str:
    """``第 135 行`` or ``第 135–148 行`` for a row cut by a page break."""
    if printed.first_line == printed.last_line:
        return f"第 {printed.first_line} 行"
    return f"第 {printed.first_line}–{printed.last_line} 行"


def _join_cells(head: list[str], tail: list[str]) -> list[str]:
    """A page-break tail appended cell by cell (as text: ``1245`` + ``.57``)."""
    width = max(len(head), len(tail))
    head = head + [""] * (width - len(head))
    return [head[i] + (tail[i] if i < len(tail) else "") for i in range(width)]


@dataclass
class _Printed:
    """A table row as printed, possibly across a page break."""

    cells: list[str]
    first_line: int
    last_line: int
    texts: list[str]

    def append(self, tail: list[str], line: int, text: str) -> None:
        self.cells = _join_cells(self.cells, tail)
        self.last_line = line
        self.texts.append(text)

    @property
    def raw(self) -> str:
        return "\n".join(self.texts)


# ---------------------------------------------------------------- column headers


@dataclass(frozen=True)
class _Column:
    index: int
    name: str  # "seq", "code", "name" or an amount column id
    side: str | None


@dataclass
class _Spec:
    """Which printed column holds what, per side of a two-sided table."""

    columns: list[_Column]
    # Lookups computed once: every printed row asks them for every side.
    _index: dict[tuple[str, str | None], int] = field(init=False, repr=False)
    _sides: list[str | None] = field(init=False, repr=False)
    _amounts: dict[str | None, list[_Column]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {}
        for column in self.columns:
            self._index.setdefault((column.name, column.side), column.index)
        found = sorted({c.side for c in self.columns if c.side}, key=("income", "expense").index)
        self._sides = list(found) or [None]
        self._amounts = {
            side: [c for c in self.columns if c.name not in _TEXT_COLUMNS and c.side == side] for side in self._sides
        }

    def find(self, name: str, side: str | None) -> int | None:
        """The column of ``name`` on ``side``, or one shared by both sides."""
        found = self._index.get((name, side))
        return found if found is not None else self._index.get((name, None))

    def sides(self) -> list[str | None]:
        return self._sides

    def amounts(self, side: str | None) -> list[_Column]:
        return self._amounts.get(side, [])

    @property
    def width(self) -> int:
        return max((c.index for c in self.columns), default=-1) + 1

    def is_usable(self, kind: str) -> bool:
        if any(self.find("name", side) is None or not self.amounts(side) for side in self.sides()):
            return False
        return kind not in _CLASSIFICATION or self.find("code", None) is not None


def _classify(label: str) -> str | None:
    for pattern, name in _COLUMN_LABELS:
        if pattern.search(label):
            return name
    return None


def _column_labels(header_rows: list[list[str]]) -> list[tuple[str, str]]:
    """Per column: the most specific label (lowest header row) and the group above it.

    A merged header cell (收入 over 项目 and 预算数) is printed once at its
    left edge; it covers the columns up to the next label in its row.
    """
    width = max(len(row) for row in header_rows)
    top = [compact(cell) for cell in header_rows[0]] + [""] * width
    labels: list[tuple[str, str]] = []
    group = ""
    for index in range(width):
        group = top[index] or group
        stack = [compact(_cell(row, index)) for row in header_rows]
        label = next((text for text in reversed(stack) if text), "")
        labels.append((label, group))
    return labels


def _spec_from_header(header_rows: list[list[str]], kind: str, line: int, notes: ParseNotes) -> _Spec:
    """Read the column header; fall back to the template when it is unusable."""
    columns: list[_Column] = []
    seen: set[tuple[str, str | None]] = set()
    for index, (label, group) in enumerate(_column_labels(header_rows) if header_rows else []):
        if not label:
            continue
        name = _classify(label)
        side = {"收入": "income", "支出": "expense"}.get(group) if name != "seq" else None
        if name is None:
            notes.warn(line, "budget_unknown_column", f"{TABLE_TITLES[kind]}表头中无法识别的栏目：{label}")
            continue
        if (name, side) in seen:
            continue
        seen.add((name, side))
        columns.append(_Column(index, name, side))
    spec = _Spec(columns)
    if spec.is_usable(kind):
        return spec
    notes.warn(line, "budget_bad_header", f"{TABLE_TITLES[kind]}的表头无法识别，按模板栏目读取")
    return _template_spec(kind)


def _template_spec(kind: str) -> _Spec:
    silent = ParseNotes("<template>")
    return _spec_from_header(_TEMPLATE_HEADERS[kind], kind, 0, silent)


def _has_figures(row: list[str]) -> bool:
    """Header rows hold labels only; any figure makes the row data."""
    return any(read_amount(cell)[0] is not None for cell in row)


def _is_unmarked_header(row: list[str]) -> bool:
    """A header row whose 序号 row was lost: column labels and no figures."""
    if compact(row[0]) or _has_figures(row):
        return False
    labels = [compact(cell) for cell in row if compact(cell)]
    known = [label for label in labels if _classify(label) not in (None, "seq")]
    return len(known) >= 2 and len(known) == len(labels)


# ---------------------------------------------------------------- account tables


def _role(name: str, code: str | None) -> str:
    if code:
        return "account"
    if name.endswith("合计"):
        return "total"
    if name.endswith("总计"):
        return "grand_total"
    if "小计" in name:
        return "subtotal"
    return "item"


def _read_code(text: str, classification: Classification | None) -> tuple[str | None, str | None, str | None, bool]:
    """``(code, level, parent_code, well_formed)`` from a 科目编码 cell."""
    code = compact(text)
    if not code:
        return None, None, None, True
    if not code.isdigit() or classification is None:
        return code, None, None, False
    level = _LEVELS[classification].get(len(code))
    if level is None:
        return code, None, None, False
    parent = {5: code[:3], 7: code[:5]}.get(len(code))
    return code, level, parent, True


@dataclass
class _AccountTable:
    """An account table while its rows are read."""

    section: _Section
    notes: ParseNotes
    spec: _Spec | None = None
    header_rows: list[list[str]] = field(default_factory=list)
    in_header: bool = False
    printed: list[_Printed] = field(default_factory=list)

    @property
    def title(self) -> str:
        return TABLE_TITLES[self.section.kind]

    def finish_header(self, line: int) -> None:
        if self.spec is None and self.header_rows:
            self.spec = _spec_from_header(self.header_rows, self.section.kind, line, self.notes)
        self.header_rows = []
        self.in_header = False

    def read(self, item: DocLine) -> None:
        line, line_text, row = item.number, item.raw, list(item.cells or [""])
        first = _first_label(item)
        if first in _HEADER_END:
            self.finish_header(line)
        elif first in _HEADER_START:
            self.header_rows = [row]
            self.in_header = True
        elif self.in_header and not _SEQ.match(first) and not _has_figures(row):
            self.header_rows.append(row)
        elif not self.in_header and _is_unmarked_header(row):
            self.header_rows = [row]
            self.in_header = True
        else:
            self.finish_header(line)
            self.read_data(line, line_text, row)

    def read_data(self, line: int, line_text: str, row: list[str]) -> None:
        if not any(row):
            return
        if compact(row[0]) or not self.printed:
            if not compact(row[0]):
                self.notes.warn(line, "budget_orphan_continuation", f"{self.title}第一行没有序号，按独立的一行读取")
            self.printed.append(_Printed(row, line, line, [line_text]))
        else:
            # No 序号: the tail of the row above, cut by a page break or a wrapped cell.
            self.printed[-1].append(row, line, line_text)


def _row_amounts(
    printed: _Printed, spec: _Spec, side: str | None, title: str, notes: ParseNotes
) -> tuple[dict[str, float | None], bool]:
    """The side's amounts; the flag is False when a cell could not be repaired."""
    amounts: dict[str, float | None] = {}
    readable = True
    for column in spec.amounts(side):
        text = _cell(printed.cells, column.index)
        value, ok = read_amount(text)
        amounts[column.name] = value
        if not ok:
            readable = False
            where = f"{title}{_lines_text(printed)}“{AMOUNT_LABELS[column.name]}”栏"
            notes.warn(printed.first_line, "budget_bad_amount", f"{where}的金额无法修复：{text!r}，已保留原文")
    return amounts, readable


def _budget_rows(printed: _Printed, table: _AccountTable, spec: _Spec) -> list[BudgetRow]:
    """One printed row as one BudgetRow per side (two in the 收支总表)."""
    kind, notes, title = table.section.kind, table.notes, table.title
    classification = _CLASSIFICATION.get(kind)
    seq_text = compact(_cell(printed.cells, spec.find("seq", None)))
    seq = int(seq_text) if _SEQ.match(seq_text) else None
    if seq_text and seq is None:
        notes.warn(printed.first_line, "budget_bad_seq", f"{title}的序号无法识别：{seq_text!r}")
    extra = [cell for cell in printed.cells[spec.width :] if cell.strip()]
    if extra:
        notes.warn(printed.first_line, "budget_extra_cells", f"{title}第 {printed.first_line} 行多出单元格：{extra}")
    two_sided = spec.sides() != [None]
    rows: list[BudgetRow] = []
    for side in spec.sides():
        name = compact(_cell(printed.cells, spec.find("name", side)))
        code, level, parent, code_ok = _read_code(_cell(printed.cells, spec.find("code", side)), classification)
        amounts, readable = _row_amounts(printed, spec, side, title, notes)
        if two_sided and not name and not code and readable and all(v is None for v in amounts.values()):
            continue  # this side of the printed row is blank
        if not code_ok:
            notes.warn(printed.first_line, "budget_bad_code", f"{title}的科目编码无法识别：{code!r}")
        rows.append(
            BudgetRow(
                seq=seq,
                side=side,
                code=code,
                name=name,
                level=level,
                parent_code=parent,
                role=_role(name, code),
                amounts=amounts,
                raw=None if readable and code_ok else printed.raw,
                first_line=printed.first_line,
                last_line=printed.last_line,
            )
        )
    return rows


def _warn_seq_gaps(table: _AccountTable) -> None:
    """序号 run 1, 2, 3 …: a gap means a row was lost on the way."""
    previous: int | None = None
    spec = table.spec
    for printed in table.printed:
        text = compact(_cell(printed.cells, spec.find("seq", None) if spec else 0))
        if not _SEQ.match(text):
            continue
        seq = int(text)
        if previous is not None and seq != previous + 1:
            table.notes.warn(printed.first_line, "budget_seq_gap", f"{table.title}序号从 {previous} 跳到 {seq}")
        previous = seq


def _split_notes(section: _Section, has_rows: bool) -> tuple[str | None, str | None]:
    """``(empty_note, note)`` from the 注 lines under a table.

    Only a table without rows is empty; under a table with rows an
    “空表列示” note is kept as an ordinary note.
    """
    texts = [text for _, text in section.notes]
    empty = None if has_rows else next((text for text in texts if _EMPTY_NOTE.search(text)), None)
    other = [text for text in texts if text != empty]
    return empty, ("\n".join(other) or None)


class _HeadFields(TypedDict):
    """The fields every budget table model has (``kb.models.budget._TableHead``), typed for ``**`` passing."""

    kind: TableKind
    title: str
    empty: bool
    empty_note: str | None
    note: str | None
    first_line: int
    last_line: int


def _head(section: _Section, has_rows: bool, name: str, notes: ParseNotes) -> _HeadFields:
    """The fields every table has (kind, title, emptiness, notes, lines); warns about an unexplained empty table."""
    empty_note, note = _split_notes(section, has_rows)
    if not has_rows and empty_note is None:
        notes.warn(section.first_line, "budget_empty_table", f"{name}没有数据行，也没有“空表列示”的说明")
    return {
        "kind": section.kind,
        "title": section.title,
        "empty": not has_rows,
        "empty_note": empty_note,
        "note": note,
        "first_line": section.first_line,
        "last_line": section.last_line,
    }


def _parse_account_table(section: _Section, notes: ParseNotes) -> BudgetTable:
    """One of the nine tables: headers read, page-break tails joined, rows typed."""
    table = _AccountTable(section, notes)
    for item in section.rows:
        table.read(item)
    table.finish_header(section.last_line)
    if table.spec is None:
        if table.printed:
            notes.warn(section.first_line, "budget_missing_header", f"{table.title}缺少表头，按模板栏目读取")
        table.spec = _template_spec(section.kind)
    _warn_seq_gaps(table)
    rows = [row for printed in table.printed for row in _budget_rows(printed, table, table.spec)]
    columns = list(dict.fromkeys(c.name for c in table.spec.columns if c.name not in _TEXT_COLUMNS))
    return BudgetTable(
        **_head(section, bool(rows), table.title, notes),
        classification=_CLASSIFICATION.get(section.kind),
        columns=columns,
        rows=rows,
    )


# ---------------------------------------------------------------- procurement


def _procurement_columns(header_rows: list[list[str]]) -> dict[str, int]:
    """Column index of each procurement field, from the header or the template."""
    positions = {name: index for index, (_, name) in enumerate(_PROCUREMENT_TEXT)}
    start = len(_PROCUREMENT_TEXT)
    if header_rows:
        for index, (label, _) in enumerate(_column_labels(header_rows)):
            for key, name in _PROCUREMENT_TEXT:
                if key in label:
                    positions[name] = index
            if label == "合计":
                start = index
    positions.update({name: start + offset for offset, name in enumerate(_PROCUREMENT_AMOUNTS)})
    return positions


@dataclass
class _ProcurementReader:
    """The procurement rows as printed; page-cut text tails joined back."""

    header_rows: list[list[str]] = field(default_factory=list)
    positions: dict[str, int] | None = None
    printed: list[_Printed] = field(default_factory=list)

    def read(self, item: DocLine) -> None:
        line, line_text, row = item.number, item.raw, list(item.cells or [""])
        first = _first_label(item)
        if first in _PROCUREMENT_HEADER_START:
            self.header_rows.append(row)
            return
        if self.header_rows and self.positions is None:
            self.positions = _procurement_columns(self.header_rows)
        if not any(row):
            return
        positions = self.positions or _procurement_columns([])
        amounts = [row[i] for i in range(positions["total"], len(row)) if row[i].strip()]
        if not first and not amounts and self.printed:
            self.printed[-1].append(row, line, line_text)  # the text tail of a cut row
        else:
            self.printed.append(_Printed(row, line, line, [line_text]))


def _procurement_item(
    position: int, printed: _Printed, unit: str, positions: dict[str, int], notes: ParseNotes
) -> ProcurementItem:
    """One procurement row; its unit is that of the 小计 printed above it."""
    row = printed.cells
    first = compact(row[0])
    role = "total" if first == "合计" else "subtotal" if first.endswith("小计") else "item"
    figures: dict[str, float | None] = {}
    readable = True
    for name in ("project_budget", "quantity", "unit_price", *_PROCUREMENT_AMOUNTS):
        text = _cell(row, positions[name])
        figures[name], ok = read_amount(text)
        if not ok:
            readable = False
            where = f"部门政府采购预算{_lines_text(printed)}“{_PROCUREMENT_FIGURE_LABELS[name]}”栏"
            notes.warn(printed.first_line, "budget_bad_amount", f"{where}的数值无法修复：{text!r}，已保留原文")
    texts = ("project_name", "item_name", "catalog_code", "measure_unit")
    cells_by_name = {name: compact(_cell(row, positions[name])) for name in texts}
    return ProcurementItem(
        position=position,
        role=role,
        unit=unit,
        project_name=cells_by_name["project_name"] if role == "item" else first,
        project_budget=figures["project_budget"],
        item_name=cells_by_name["item_name"],
        catalog_code=cells_by_name["catalog_code"],
        measure_unit=cells_by_name["measure_unit"],
        quantity=figures["quantity"],
        unit_price=figures["unit_price"],
        amounts={name: figures[name] for name in _PROCUREMENT_AMOUNTS},
        raw=None if readable else printed.raw,
        first_line=printed.first_line,
        last_line=printed.last_line,
    )


def _parse_procurement(section: _Section, notes: ParseNotes) -> ProcurementTable:
    """The 部门政府采购预算: each item under the unit of the 小计 above it."""
    reader = _ProcurementReader()
    for item in section.rows:
        reader.read(item)
    positions = reader.positions or _procurement_columns(reader.header_rows)
    items: list[ProcurementItem] = []
    unit = ""
    for position, printed in enumerate(reader.printed, start=1):
        first = compact(printed.cells[0])
        if first.endswith("小计"):
            unit = first[: -len("小计")]  # the unit whose items follow its 小计
        items.append(_procurement_item(position, printed, unit, positions, notes))
    return ProcurementTable(
        **_head(section, bool(items), "部门政府采购预算", notes), columns=list(_PROCUREMENT_AMOUNTS), items=items
    )


# ---------------------------------------------------------------- fixed assets


def _asset_role(name: str) -> str:
    if name.startswith(("资产总额", "合计", "总计")):
        return "total"
    if name.startswith("其中"):
        return "of_which"
    return "category"


def _asset_columns(header: list[str] | None) -> tuple[int, int]:
    """Column indexes of 数量 and 价值 (the template's 1 and 2 without a header)."""
    if header is None:
        return 1, 2
    labels = [compact(cell) for cell in header]
    quantity = next((i for i, label in enumerate(labels) if "数量" in label), 1)
    value = next((i for i, label in enumerate(labels) if "价值" in label or "金额" in label), 2)
    return quantity, value


def _parse_assets(section: _Section, notes: ParseNotes) -> AssetTable:
    """The 部门固定资产占用情况表: one row per line, “—” read as no quantity."""
    header: list[str] | None = None
    rows: list[AssetRow] = []
    for item in section.rows:
        line, line_text, row = item.number, item.raw, list(item.cells or [""])
        name = compact(row[0])
        if name == "项目":
            header = row
            continue
        if not any(row):
            continue
        quantity_index, value_index = _asset_columns(header)
        quantity, quantity_ok = read_amount(_cell(row, quantity_index))
        value, value_ok = read_amount(_cell(row, value_index))
        if not (quantity_ok and value_ok):
            notes.warn(line, "budget_bad_amount", f"部门固定资产占用情况表第 {line} 行的数值无法修复，已保留原文")
        unit = _QUANTITY_UNIT.search(name)
        rows.append(
            AssetRow(
                position=len(rows) + 1,
                name=name,
                role=_asset_role(name),
                quantity_unit=unit.group(1) if unit else None,
                quantity=quantity,
                value=value,
                raw=None if quantity_ok and value_ok else line_text,
                line=line,
            )
        )
    as_of = next((m.group(1).strip() for _, text in section.texts if (m := _AS_OF.search(text))), None)
    return AssetTable(**_head(section, bool(rows), "部门固定资产占用情况表", notes), as_of=as_of, rows=rows)


# ---------------------------------------------------------------- tables whose title was lost


def _first_label(item: DocLine) -> str:
    return compact((item.cells or [""])[0])


def _header_labels(rows: Sequence[DocLine], start: int) -> frozenset[str] | None:
    """The column labels of the header starting at ``rows[start]`` (a 序号 row) up to its 栏次 row; None when no
    栏次 row follows within a few rows (then it is no header this check can compare)."""
    for end in range(start + 1, min(start + 5, len(rows))):
        if _first_label(rows[end]) in _HEADER_END:
            header = [list(item.cells or [""]) for item in rows[start:end]]
            return frozenset(label for label, _ in _column_labels(header) if label)
    return None


_TEMPLATE_LABELS = {
    kind: frozenset(label for label, _ in _column_labels(rows) if label) for kind, rows in _TEMPLATE_HEADERS.items()
}
# How much of a header's labels a template must share (Jaccard) to name an untitled table after it.
_KIND_MATCH = 0.5


def _match(labels: frozenset[str], kind: TableKind) -> float:
    """How well header ``labels`` match the template header of ``kind`` (Jaccard)."""
    template = _TEMPLATE_LABELS[kind]
    return len(labels & template) / len(labels | template)


def _kind_of_header(
    labels: frozenset[str], current: TableKind | None, candidates: Sequence[TableKind]
) -> TableKind | None:
    """The one table among ``candidates`` whose template header ``labels`` match well, and better than they match
    the ``current`` table's (a header printed again, even read differently, names no other table)."""
    scores = sorted(((_match(labels, kind), kind) for kind in candidates), reverse=True)
    if not scores or scores[0][0] < _KIND_MATCH:
        return None
    if current is not None and scores[0][0] <= _match(labels, current):
        return None
    if len(scores) > 1 and scores[1][0] == scores[0][0]:
        return None
    return scores[0][1]


def _split_untitled(section: _Section, untitled: list[TableKind], notes: ParseNotes) -> list[_Section]:
    """The table of ``section``, and after it every table whose title was lost: found where a column header
    differs from the one printed before it and matches the template of one of the document's tables without a
    title of their own (``untitled``) better than the table above's.

    Before, its rows were read as rows of the table above (a lost 部门预算支出总表 title made its 37 rows
    income). A header that matches no such table is read as the table above's, as before: in some forms
    (``pdftotext -layout``) a header printed again on a new page is read with other labels.
    """
    rows = section.rows
    cuts: list[tuple[int, TableKind]] = []
    reference: frozenset[str] | None = None
    kind = section.kind
    for index, item in enumerate(rows):
        if _first_label(item) not in _HEADER_START:
            continue
        labels = _header_labels(rows, index)
        if labels is None or labels == reference:
            continue
        if reference is None:
            reference = labels
            continue
        other = _kind_of_header(labels, kind, untitled)
        if other is not None:
            untitled.remove(other)
            cuts.append((index, other))
            reference, kind = labels, other
    if not cuts:
        return [section]

    def within(pairs: list[tuple[int, str]], first: int, last: int) -> list[tuple[int, str]]:
        return [(line, text) for line, text in pairs if first <= line <= last]

    ends = [rows[start].number - 1 for start, _ in cuts] + [section.last_line]
    parts = [
        replace(
            section,
            rows=rows[: cuts[0][0]],
            last_line=ends[0],
            notes=within(section.notes, section.first_line, ends[0]),
            texts=within(section.texts, section.first_line, ends[0]),
        )
    ]
    for n, (start, other) in enumerate(cuts):
        stop = cuts[n + 1][0] if n + 1 < len(cuts) else len(rows)
        first, last = rows[start].number, ends[n + 1]
        notes.warn(
            first,
            "budget_untitled_table",
            f"{TABLE_TITLES[parts[-1].kind]}第 {first} 行起的表头与前面的不同，是另一张没有标题的表，"
            f"按表头认作{TABLE_TITLES[other]}",
        )
        parts.append(
            _Section(
                other,
                f"{TABLE_TITLES[other]}（标题缺失）",
                first,
                last,
                list(rows[start:stop]),
                within(section.notes, first, last),
                within(section.texts, first, last),
            )
        )
    return parts


def _name_untitled(section: _Section, untitled: list[TableKind], notes: ParseNotes) -> _Section | None:
    """``section`` itself, or, for rows under no title, the table among ``untitled`` whose template header their
    column header matches (None when it matches none: rows under no title are no table then, as before)."""
    if not section.untitled:
        return section
    labels = _header_labels(section.rows, 0)
    kind = _kind_of_header(labels, None, untitled) if labels is not None else None
    if kind is None:
        return None
    untitled.remove(kind)
    notes.warn(
        section.first_line,
        "budget_untitled_table",
        f"第 {section.first_line} 行起的表格没有标题，按表头认作{TABLE_TITLES[kind]}",
    )
    return replace(section, kind=kind, title=f"{TABLE_TITLES[kind]}（标题缺失）", untitled=False)


# ---------------------------------------------------------------- the whole part


def _warn_missing(tables: list[BudgetTable], notes: ParseNotes) -> None:
    """A document with some of the nine 部门预算公开表 should have all of them."""
    found = {table.kind for table in tables}
    if not found:
        return  # a document without part one: nothing to miss
    for kind in ACCOUNT_KINDS:
        if kind not in found:
            notes.warn(None, "budget_missing_table", f"未找到{TABLE_TITLES[kind]}")


def parse_budget_tables(lines: Sequence[DocLine] | Sequence[str], notes: ParseNotes) -> BudgetTables:
    """Every budget table in ``lines`` (raw text lines are read as tab text; provenance uses 1-based lines).

    Never raises: whatever cannot be read becomes a warning in ``notes``.
    """
    result = BudgetTables()
    found = _split_sections(as_doc_lines(lines))
    titled_kinds = {s.kind for s in found if not s.untitled}
    untitled: list[TableKind] = [kind for kind in ACCOUNT_KINDS if kind not in titled_kinds]
    titled = [named for s in found if (named := _name_untitled(s, untitled, notes)) is not None]
    sections = [
        part for s in titled for part in (_split_untitled(s, untitled, notes) if s.kind in ACCOUNT_KINDS else [s])
    ]
    for section in sections:
        if section.kind in ACCOUNT_KINDS:
            result.tables.append(_parse_account_table(section, notes))
        elif section.kind == "procurement" and result.procurement is None:
            result.procurement = _parse_procurement(section, notes)
        elif section.kind == "fixed_assets" and result.assets is None:
            result.assets = _parse_assets(section, notes)
        else:
            title = TABLE_TITLES[section.kind]
            notes.warn(section.first_line, "budget_duplicate_table", f"{title}出现了第二次，已忽略")
    kinds = [table.kind for table in result.tables]
    for kind in sorted({k for k in kinds if kinds.count(k) > 1}):
        second = [t for t in result.tables if t.kind == kind][1]
        notes.warn(second.first_line, "budget_duplicate_table", f"{TABLE_TITLES[kind]}出现了不止一次，核对时使用第一张")
    _warn_missing(result.tables, notes)
    return result
