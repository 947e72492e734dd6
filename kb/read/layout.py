"""``pdftotext -layout`` text: columns aligned with spaces, pages separated by form feeds.

The ruling of the PDF is gone, so a table is recovered from positions:

* a **table header** is a line of several labels apart (``一级指标  二级指标 …``,
  ``序号  科目编码 …``, ``项目编码 …``): the start of each label is where its
  column starts, and every following line is cut at those starts (moved to the
  nearest gap when a cell's text runs over a start);
* a **row** gathers printed lines until each of its cells has text; a later
  line continues it (a wrapped cell) when it adds text only to cells whose text
  ran up to the column's end, or when the row is not complete yet;
* a merged cell's text is printed at the vertical middle of its span, so an
  一级/二级指标 label arrives on a later line than its first row: labels are
  moved up to the first row of the group of rows they stand in the middle of.

Lines that are not part of a table are paragraphs; a form feed starts a new
page, and every line knows its page and file line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.read.blocks import Block, Cell, Line, Paragraph, ReadDocument, Row, Table, Where
from kb.read.decode import SourceText

_GAP = re.compile(r"\S(?: ?\S)*")  # runs of text separated by two or more spaces
# The first label of a header line whose labels give the columns of the table below it.
_HEADER_FIRST = ("一级指标", "序号", "项目编码", "单位名称", "政府采购项目来源", "项目")
_INDICATOR_HEADER = "一级指标"
_LEVEL2_OF: dict[str, str] = {
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "成本指标": "产出指标",
    "经济效益指标": "效益指标",
    "社会效益指标": "效益指标",
    "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标",
    "服务对象满意度指标": "满意度指标",
}


@dataclass
class _Printed:
    text: str
    number: int
    page: int

    def runs(self) -> list[tuple[int, str]]:
        """``(start, text)`` of each run of text, runs being two or more spaces apart."""
        return [(m.start(), m.group(0)) for m in _GAP.finditer(self.text)]


@dataclass
class _RowDraft:
    cells: list[list[str]]
    first: _Printed
    last: _Printed
    full: list[bool] = field(default_factory=list)  # per column: the last piece ran up to the column's end


def _cut(text: str, starts: list[int]) -> list[tuple[str, bool]]:
    """``text`` cut at the column ``starts``: each cell's text and whether it ran up to the next column."""
    bounds: list[int] = []
    for start in starts[1:]:
        at = max(0, start - 1)
        # A cut inside a word moves to the nearest gap within two characters, else stays.
        if 0 < at < len(text) and text[at - 1] != " " and text[at] != " ":
            for shift in (1, -1, 2, -2):
                probe = at + shift
                if 0 < probe < len(text) and text[probe - 1] == " ":
                    at = probe
                    break
        bounds.append(at)
    pieces: list[tuple[str, bool]] = []
    edges = [0, *bounds, max(len(text), (bounds[-1] if bounds else 0) + 1)]
    for index in range(len(edges) - 1):
        raw = text[edges[index] : edges[index + 1]]
        stripped = raw.rstrip()
        full = index + 1 < len(edges) - 1 and len(stripped) >= len(raw) - 1 and bool(stripped.strip())
        pieces.append((raw.strip(), full))
    return pieces


def _header_starts(line: _Printed) -> list[int] | None:
    runs = line.runs()
    if len(runs) < 3:
        return None
    if not any(runs[0][1].replace(" ", "").startswith(first) for first in _HEADER_FIRST):
        return None
    return [start for start, _ in runs]


def _rows(lines: list[_Printed], starts: list[int], indicator: bool) -> list[_RowDraft]:
    rows: list[_RowDraft] = []
    width = len(starts)
    for line in lines:
        pieces = _cut(line.text, starts)
        texts = [text for text, _ in pieces][:width] + [""] * (width - len(pieces))
        full = [flag for _, flag in pieces][:width] + [False] * (width - len(pieces))
        filled = [bool(text) for text in texts]
        current = rows[-1] if rows else None
        if current is not None and _continues(current, filled, indicator):
            for c, text in enumerate(texts):
                if text:
                    current.cells[c].append(text)
                    current.full[c] = full[c]
            current.last = line
            continue
        rows.append(_RowDraft([[text] if text else [] for text in texts], line, line, full))
    return rows


def _continues(row: _RowDraft, filled: list[bool], indicator: bool) -> bool:
    """Whether a printed line with text in the ``filled`` columns continues ``row``."""
    body = range(2, len(filled)) if indicator else range(len(filled))
    complete = all(row.cells[c] for c in body)
    if not complete:
        # An incomplete row takes lines until a line starts another row (text where the row already has some
        # that did not run to the column's end).
        return all(not filled[c] or not row.cells[c] or row.full[c] for c in range(len(filled)))
    # A complete row takes a line only where its cells ran up to the column's end (wrapped).
    return any(filled) and all(not filled[c] or row.full[c] for c in range(len(filled)))


def _join(parts: list[str]) -> str:
    text = ""
    for part in parts:
        if text and re.match(r"[0-9A-Za-z]", text[-1]) and re.match(r"[0-9A-Za-z]", part[0]):
            text += " " + part
        else:
            text += part
    return text


def _place_levels(rows: list[list[str]]) -> None:
    """一级/二级 labels printed mid-span move up to the first row of their group (inferred from 二级 for 一级)."""
    for row in rows:
        if not row[0] and row[1] in _LEVEL2_OF:
            row[0] = ""  # filled below from the taxonomy where the group starts
    previous1 = ""
    for row in rows:
        level1 = _LEVEL2_OF.get(row[1], row[0]) if row[1] else row[0]
        if level1 and level1 != previous1:
            row[0] = level1
            previous1 = level1
        else:
            row[0] = ""


def _table(header: _Printed, starts: list[int], body: list[_Printed]) -> Table:
    indicator = header.text.strip().startswith(_INDICATOR_HEADER)
    drafts = _rows(body, starts, indicator)
    texts = [[_join(parts) for parts in draft.cells] for draft in drafts]
    if indicator:
        _place_levels(texts)
    rows = [Row([Cell(label) for label in _cut_header(header, starts)], _where(header))]
    rows.extend(
        Row([Cell(text) for text in cells], Where(line=d.first.number, last_line=d.last.number, page=d.first.page))
        for d, cells in zip(drafts, texts, strict=True)
    )
    return Table(rows, _where(header), header_rows=1)


def _cut_header(header: _Printed, starts: list[int]) -> list[str]:
    return [text for text, _ in _cut(header.text, starts)][: len(starts)]


def _where(line: _Printed) -> Where:
    return Where(line=line.number, last_line=line.number, page=line.page)


def layout_blocks(lines: list[str]) -> tuple[list[Block], int]:
    """The blocks of ``pdftotext -layout`` lines and the number of pages."""
    printed: list[_Printed] = []
    page = 1
    for number, raw in enumerate(lines, start=1):
        page += raw.count("\f")
        text = raw.replace("\f", "").rstrip()
        if text.strip():
            printed.append(_Printed(text, number, page))
    blocks: list[Block] = []
    index = 0
    while index < len(printed):
        line = printed[index]
        starts = _header_starts(line)
        if starts is None:
            blocks.append(Paragraph([Line(line.text.strip(), _where(line))]))
            index += 1
            continue
        end = index + 1
        while end < len(printed) and _in_table(printed[end], starts):
            end += 1
        blocks.append(_table(line, starts, printed[index + 1 : end]))
        index = end
    return blocks, page


def _in_table(line: _Printed, starts: list[int]) -> bool:
    """A line belongs to the table above while it is indented or has several runs (a paragraph has one)."""
    runs = line.runs()
    if _header_starts(line) is not None:
        return False
    return len(runs) >= 2 or (bool(runs) and runs[0][0] >= max(2, starts[1] - 2) if len(starts) > 1 else False)


def _page_count(lines: list[str]) -> int | None:
    """pdftotext ends every page with a form feed, the last one included."""
    feeds = sum(line.count("\f") for line in lines)
    if not feeds:
        return None
    ends_with_feed = "".join(lines).rstrip("\n ").endswith("\f")
    return feeds if ends_with_feed else feeds + 1


def read_layout(source: SourceText) -> ReadDocument:
    """``pdftotext -layout`` text as blocks."""
    blocks, pages = layout_blocks(source.lines)
    return ReadDocument(
        path=source.path,
        sha256=source.sha256,
        form="layout",
        encoding=source.encoding,
        blocks=blocks,
        page_count=_page_count(source.lines),
        notes=list(source.notes),
    )
