"""The rows of an indicator table, read by column role: page-break tails joined, merged levels filled in.

Every template's indicator rows go through here once their header has been
mapped (:mod:`kb.parse.columns`). A page break repeats the header (not in
bold) and may cut a row in two; the tail then arrives as a mostly-empty row
right after the repeated header, in any single-row cell (三级, the target,
even 二级), and is joined back onto the row it belongs to. A tail that
repeats what its head already ends with (``标准`` + ``准``) adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.models import Indicator, Period, Target
from kb.parse.columns import CORE_ROLES, ColumnMap, Role
from kb.parse.notes import ParseNotes, provenance
from kb.parse.targets import is_unit_word, parse_target, target_from_cells
from kb.read.lines import DocLine

# The cells a complete indicator row fills: a row right after a repeated header missing one of them is a tail.
_COMPLETE: tuple[Role, ...] = ("level3", "target", "op", "description", "basis")
# Cells where a cut may print the last character again; never 指标性质 or 度量单位, which are one character anyway.
# 二级 too where it is a cell of its own row (the central template): no 二级指标 is named in one character.
_REPEATABLE: tuple[Role, ...] = ("level2", "level3", "description", "target", "basis")
# Roles whose text is one line: a line break inside is where the PDF wrapped it.
_MULTILINE: frozenset[Role] = frozenset({"goal"})


def cell_text(text: str, multiline: bool = False) -> str:
    """A cell's text; a line break inside a one-line field is a wrap, joined (CJK directly, words with a space)."""
    if multiline or "\n" not in text:
        return text
    parts = [part.strip() for part in text.split("\n") if part.strip()]
    joined = parts[0] if parts else ""
    for part in parts[1:]:
        space = joined[-1:].isascii() and joined[-1:].isalnum() and part[:1].isascii() and part[:1].isalnum()
        joined += (" " if space else "") + part
    return joined


@dataclass
class RowDraft:
    """An indicator row while it may still receive a page-break tail."""

    values: dict[Role, str]
    extra: dict[str, str]
    blank: list[str]
    first: DocLine
    last: DocLine
    period: Period | None = None
    covered: set[Role] = field(default_factory=set)

    def get(self, role: Role) -> str:
        """The row's text in the column of ``role`` ("" where there is none)."""
        return self.values.get(role, "")


def read_row(cmap: ColumnMap, line: DocLine, period: Period | None = None) -> RowDraft:
    """One table row as the column map reads it; positions past the header are blank columns."""
    cells = line.cells or []
    values: dict[Role, str] = {}
    extra: dict[str, str] = {}
    blank: list[str] = []
    covered: set[Role] = set()
    for column in cmap.columns:
        raw = cells[column.index] if column.index < len(cells) else ""
        text = cell_text(raw, column.role in _MULTILINE)
        if column.role == "extra":
            extra[column.label] = text
        elif column.role == "blank":
            # A converter that repeats a merged cell's text in every position it covers repeats the cell to the
            # left (the basis spanning the seed's 7th column): that is the same cell, not an extra one.
            left = cells[column.index - 1] if 0 < column.index <= len(cells) else ""
            if text and text != left:
                blank.append(text)
        elif column.role != "lead" and column.role not in values:
            values[column.role] = text
            if line.covered(column.index):
                covered.add(column.role)
    blank += [cell_text(cell) for cell in cells[cmap.width :] if cell]
    return RowDraft(values, extra, blank, line, line, period, covered)


@dataclass
class IndicatorRows:
    """The indicator rows of one owner (a project, a department goal table), in the order they were read."""

    cmap: ColumnMap | None = None
    rows: list[RowDraft] = field(default_factory=list)
    after_header: bool = False
    period: Period | None = None
    tables: int = 0
    # The next row is a new table's first: never a tail of the table before.
    fresh: bool = False

    def start(self, cmap: ColumnMap, period: Period | None = None) -> None:
        """A (new) indicator table header: the rows that follow are read with ``cmap``."""
        self.cmap = cmap
        self.period = period
        self.after_header = True
        self.fresh = True
        self.tables += 1

    def repeated_header(self) -> None:
        """The header printed again after a page break: a tail may follow."""
        self.after_header = True

    def add(self, line: DocLine, notes: ParseNotes) -> RowDraft | None:
        """Read one row: a tail joins the row above, an empty row is skipped; returns the row it went into."""
        assert self.cmap is not None
        draft = read_row(self.cmap, line, self.period)
        after_header, self.after_header = self.after_header, False
        fresh, self.fresh = self.fresh, False
        if draft.blank:
            notes.warn(
                line, "extra_cells", f"指标行多出 {len(draft.blank)} 个单元格，已并入指标值确定依据：{draft.blank}"
            )
            draft.values["basis"] = " ".join([draft.get("basis"), *draft.blank]).strip()
            draft.blank = []
        if not fresh and self._is_tail(draft, after_header):
            _append_tail(self.rows[-1], draft)
            return self.rows[-1]
        if not any(draft.values.values()) and not any(draft.extra.values()):
            return None
        self.rows.append(draft)
        return draft

    def _is_tail(self, draft: RowDraft, after_header: bool) -> bool:
        """A page-break tail: no 一级, some cell of a complete row missing, right after a header.

        An 一级/二级 cell covered by a merged cell above (a form that keeps
        merges) belongs to a row of the group above, never to a tail; a row
        naming its project starts that project. Without a header before it,
        a tail also lacks 二级 and 三级 (the seed's rule); right after one, a
        cut 二级 may continue only where the row lacks its own 三级 or target.
        """
        assert self.cmap is not None
        if not self.rows or draft.get("level1") or draft.get("project"):
            return False
        if draft.covered & {"level1", "level2"}:
            return False
        needed = [role for role in _COMPLETE if self.cmap.has(role)]
        if all(draft.get(role) for role in needed):
            # Every cell a row needs is there: a tail only where the cut shows (right after a header).
            return after_header and _looks_cut(self.rows, draft, self.cmap.has("op") or self.cmap.has("unit"))
        if after_header:
            if draft.get("level2"):
                return (
                    not draft.get("level3")
                    or not draft.get("target")
                    or _looks_cut(self.rows, draft, self.cmap.has("op") or self.cmap.has("unit"))
                )
            return True
        return not draft.get("level2") and not draft.get("level3")


_OPENING = "《〔（(“[【"
_CLOSING = {"《": "》", "〔": "〕", "（": "）", "(": ")", "“": "”", "[": "]", "【": "】"}


def _open_bracket(text: str) -> str | None:
    """The bracket ``text`` leaves open at its end (《冀财〔20 → 〔), or None."""
    stack: list[str] = []
    for char in text:
        if char in _OPENING:
            stack.append(char)
        elif stack and char == _CLOSING[stack[-1]]:
            stack.pop()
    return stack[-1] if stack else None


def _looks_cut(rows: list[RowDraft], draft: RowDraft, split: bool) -> bool:
    """Whether a complete-looking row after a repeated header is the tail of the row above.

    Signs of a cut: a cell closes a bracket the row above left open
    (``《冀财〔20`` + ``24〕3号》``); a 三级指标, description or basis of one
    character (but 无); the target
    alone is no number while the row above's target with it is one, or gains
    its unit (``不超过496元`` + ``/平方米``); a number cut in two (``≥97.`` + ``9%``); a target naming its
    measure cut before the comparison (``护理型床位占比`` + ``≥57%``);
    one character the row above already ends with; an extra column every earlier row of
    the table filled (权重, 分值) is empty.
    """
    previous = rows[-1]
    for role, text in draft.values.items():
        opened = _open_bracket(previous.get(role))
        if text and opened is not None and _CLOSING[opened] in text and text.find(_CLOSING[opened]) < _first_open(text):
            return True
    if len(draft.get("level3")) == 1:
        return True  # no indicator is named in one character: the last one of a name cut short
    for role in ("description", "basis"):
        text = draft.get(role)
        if len(text) == 1 and "\u4e00" <= text <= "\u9fff" and text != "无":
            return True  # … nor described or founded in one (根据历史情况制 + 订)
    target = draft.get("target")
    if target and not split and (_target_cut(previous.get("target"), target) or _measure_cut(previous, draft)):
        return True
    for role in _REPEATABLE:
        text = draft.get(role)
        if len(text) == 1 and not text.isdigit() and len(previous.get(role)) > 1 and previous.get(role).endswith(text):
            return True  # the cut printed the last character of a cell again (标准 + 准)
    for label, text in draft.extra.items():
        before = previous.extra.get(label, "")
        if len(text) == 1 and not text.isdigit() and len(before) > 1 and before.endswith(text):
            return True
    if len(rows) >= 2:
        for label, text in draft.extra.items():
            # A weight or score every earlier row gave (a remark may well be empty).
            if not text and all(row.extra.get(label, "").replace(".", "").isdigit() for row in rows):
                return True
    return False


def _target_cut(head_text: str, tail_text: str) -> bool:
    """Whether a target reads as one only with the row above's: a number cut in two (巩固率≥97. + 9%),
    or a target cut before (the rest of) its unit or its 以上/以内 (不超过123 + 万元, 2874人次 + 以上)."""
    head, joined = parse_target(head_text), parse_target(head_text + tail_text)
    if joined.kind != "numeric":
        return False
    if head.kind != "numeric" and tail_text[:1].isdigit():
        return True
    if parse_target(tail_text).kind == "numeric" or not (joined.unit is None or is_unit_word(joined.unit)):
        return False
    return head.kind != "numeric" or joined.unit != head.unit or joined.op != head.op


# How the name of a measure ends: what a target like 护理型床位占比≥57% compares.
_MEASURE_ENDS = (
    "率",
    "比",
    "比例",
    "比重",
    "数",
    "量",
    "额",
    "度",
    "寿命",
    "面积",
    "长度",
    "时间",
    "时长",
    "人次",
    "指数",
)


def _measure_cut(head: RowDraft, tail: RowDraft) -> bool:
    """Whether a target naming its measure was cut before its comparison (护理型床位占比 + ≥57%): the row above's
    target is no target alone but a part of the indicator's name, and this row's is the comparison alone, in no
    二级指标 of its own. The row above's target must end as a measure does (占比, 寿命, 合格率): a qualitative
    target often repeats words of its name too (项目实施质量符合相关标准和规范 / 符合相关标准)."""
    head_text, tail_text = head.get("target"), tail.get("target")
    if not head_text.endswith(_MEASURE_ENDS) or tail.get("level2") or parse_target(head_text).kind == "numeric":
        return False
    alone, joined = parse_target(tail_text), parse_target(head_text + tail_text)
    if alone.kind != "numeric" or alone.op in (None, "=") or (joined.op, joined.value) != (alone.op, alone.value):
        return False
    return head_text in head.get("level3") + tail.get("level3")


def _first_open(text: str) -> int:
    positions = [text.find(char) for char in _OPENING if char in text]
    return min(positions) if positions else len(text)


def _append_tail(previous: RowDraft, tail: RowDraft) -> None:
    for role, text in tail.values.items():
        # The cut sometimes repeats the last characters already printed (标准 + 准).
        if text and not previous.get(role).endswith(text):
            previous.values[role] = previous.get(role) + text
    for label, text in tail.extra.items():
        if text and not previous.extra.get(label, "").endswith(text):
            previous.extra[label] = previous.extra.get(label, "") + text
    previous.last = tail.last


def warn_missing_columns(
    cmap: ColumnMap, header: DocLine, notes: ParseNotes, roles: tuple[Role, ...] = CORE_ROLES
) -> None:
    """Warn, at the header, about the columns of ``roles`` an indicator table does not have (they stay empty)."""
    missing = cmap.missing(roles)
    if missing:
        where = header.where.label() or f"第 {header.number} 行"
        notes.warn(header, "missing_column", f"指标表缺少“{'”“'.join(missing)}”列（表头在{where}），这些字段留空")


def row_target(cmap: ColumnMap | None, draft: RowDraft) -> Target:
    """The row's target: its 指标值 cell, or 指标性质 | 指标值 | 度量单位 read together."""
    if cmap is not None and (cmap.has("op") or cmap.has("unit")):
        return target_from_cells(draft.get("op"), draft.get("target"), draft.get("unit"))
    return parse_target(draft.get("target"))


def build_indicators(rows: IndicatorRows, owner: str, notes: ParseNotes) -> list[Indicator]:
    """The indicators of ``rows``; an empty 一级/二级 cell is a merged cell repeating the row above.

    ``owner`` names the table in warnings (``项目 3``).
    """
    cmap = rows.cmap
    has_level1 = cmap is None or cmap.has("level1")
    has_level2 = cmap is None or cmap.has("level2")
    indicators: list[Indicator] = []
    level1 = level2 = ""
    for position, row in enumerate(rows.rows, start=1):
        if row.get("level1"):
            level1 = row.get("level1")
        elif not level1 and has_level1:
            notes.warn(row.first, "missing_level1", f"{owner} 第 {position} 行一级指标为空，且无上一行可继承")
        if row.get("level2"):
            level2 = row.get("level2")
        elif not level2 and has_level2:
            notes.warn(row.first, "missing_level2", f"{owner} 第 {position} 行二级指标为空，且无上一行可继承")
        target = row_target(cmap, row)
        if not row.get("level3") or not target.raw:
            missing = "三级指标" if not row.get("level3") else "指标值"
            notes.warn(row.first, "incomplete_row", f"{owner} 第 {position} 行缺少{missing}")
        indicators.append(
            Indicator(
                position=position,
                level1=level1,
                level2=level2,
                level3=row.get("level3"),
                description=row.get("description"),
                target=target,
                basis=row.get("basis"),
                extra=dict(row.extra),
                period=row.period,
                **provenance(row.first, row.last),
            )
        )
    return indicators
