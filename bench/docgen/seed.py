"""The real seed document converted into a :class:`GeneratedDoc`, page breaks and merged cells included.

The seed (``data/shijiazhuang-gaoxin-zuzhibu-2024-budget.txt``) is the text a
PDF-to-markdown conversion made of a published disclosure: ``#`` headings,
paragraphs, tables as tab-separated rows with ``<b>`` for bold. This module
reads it back into blocks so every renderer can print the same document in
another form. It keeps what the text shows, artefacts included (numbers broken
by spaces, cut rows, wrapped page headers), and restores what the text lost:

* **page breaks** — where the text shows a page started: a run of three or
  more blank lines, the page header (``316 中共石家庄…``, with ``预算年度`` and
  ``单位：万元`` after it), or a table whose first row repeats a row of the table
  just before it (the column header printed again on the continuation page,
  without bold). The head of a row cut by the break stays the last row before
  the :class:`PageBreak`; the tail follows the repeated header after it.
* **merged cells** — an empty 一级/二级指标 cell under an indicator row is the
  lower part of the cell above (a rowspan, within one page); the project rows
  of a 项目绩效目标表 and the two-row column headers of the budget tables get
  the colspans/rowspans of the printed form. A span only ever covers cells that
  are empty in the text, so the text form prints the seed's rows back unchanged.

The page header lines are kept as ordinary paragraphs in the flow, exactly
where the text has them (after the table title on a table's first page,
wrapped differently from page to page); ``page_header`` stays empty because
the seed's second part has no running header at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bench.docgen.blocks import Block, Cell, GeneratedDoc, Heading, PageBreak, Paragraph, Table

SEED_PATH = Path(__file__).resolve().parents[2] / "data" / "shijiazhuang-gaoxin-zuzhibu-2024-budget.txt"

# The first page-header line, however the extraction wrapped it (``316 中共石家庄高新技术产  \n业开发区…``).
PAGE_HEADER_START = "316 中共石家庄高新技术产"
INDICATOR_HEADER = ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"]
# Column widths of the printed 绩效目标表 (the 7th column is 其他资金's amount) and of its continuation
# pages (indicator rows only, 指标值确定依据 as wide as its two columns were), so both line up.
PROJECT_WIDTHS = [10.0, 11.0, 18.0, 24.0, 15.0, 13.0, 9.0]
CONTINUATION_WIDTHS = [*PROJECT_WIDTHS[:5], PROJECT_WIDTHS[5] + PROJECT_WIDTHS[6]]
# The first line of a page header: a department code (never a year) and the start of its name.
_HEADER_LINE = re.compile(r"(?m)^(?!20\d\d )\d{3,9} [\u4e00-\u9fff]{4}")
# A run of this many blank lines is where the conversion left an empty page footer: a page break.
PAGE_BREAK_BLANKS = 3

_BOLD = re.compile(r"<b>(.*)</b>", re.DOTALL)
_PARAGRAPHS = re.compile(r"<p>(.*?)</p>", re.DOTALL)


@dataclass
class _Chunk:
    """Consecutive non-blank lines of the seed and the number of blank lines before them."""

    lines: list[str]
    blanks_before: int


def seed_doc(path: Path = SEED_PATH) -> GeneratedDoc:
    """Read the seed text into a :class:`GeneratedDoc` (blocks, page breaks, merged cells)."""
    return text_doc(path.read_text(encoding="utf-8"), name="shijiazhuang-gaoxin-zuzhibu-2024-budget")


def text_doc(text: str, name: str) -> GeneratedDoc:
    """Any text in the seed's form (``bench/corpus.py`` writes such documents) as a :class:`GeneratedDoc`.

    The page header is recognised by its first line, the department code and the start of its name, as it
    first appears in the text (``316 中共石家庄高新技术产`` in the seed, ``103 新华区组织部`` in a corpus document).
    """
    found = _HEADER_LINE.search(text)
    # The code and the name's first characters: the extraction wraps the rest differently from page to page.
    header = found.group(0)[: found.group(0).index(" ") + 5] if found else PAGE_HEADER_START
    blocks: list[Block] = []
    for chunk in _chunks(text):
        if chunk.blanks_before >= PAGE_BREAK_BLANKS and blocks:
            _break_page(blocks)
        if "\t" in chunk.lines[0]:
            table = _table(chunk.lines)
            if _continues(blocks, table):
                _break_page(blocks)
            blocks.append(table)
            continue
        block = _text_block(chunk.lines)
        if block.text.startswith(header):
            _break_page(blocks, before_title=True)
        blocks.append(block)
    return GeneratedDoc(name=name, blocks=blocks)


def _chunks(text: str) -> list[_Chunk]:
    """Split the text at blank lines; tab rows and prose never share a chunk in the seed."""
    chunks: list[_Chunk] = []
    lines: list[str] = []
    blanks = 0
    for line in text.split("\n"):
        if line.strip() == "":
            if lines:
                chunks.append(_Chunk(lines, blanks))
                lines, blanks = [], 0
            blanks += 1
            continue
        if lines and ("\t" in line) != ("\t" in lines[0]):
            # Not in the seed, but a prose line glued to a table must not become a row.
            chunks.append(_Chunk(lines, blanks))
            lines, blanks = [], 0
        lines.append(line)
    if lines:
        chunks.append(_Chunk(lines, blanks))
    return chunks


def _text_block(lines: list[str]) -> Heading | Paragraph:
    """A ``#`` line is a heading; other lines form a paragraph (``"  \\n"`` hard breaks become ``\\n``)."""
    first = lines[0]
    match = re.match(r"(#{1,6})\s+(.*)", first)
    if match and len(lines) == 1:
        return Heading(_plain(match.group(2)), level=min(len(match.group(1)), 4))
    return Paragraph("\n".join(_plain(line.rstrip()) for line in lines))


def _plain(text: str) -> str:
    """Drop markdown ``**bold**`` markers: headings and paragraphs are plain text in the block model."""
    return text.replace("**", "")


def _break_page(blocks: list[Block], *, before_title: bool = False) -> None:
    """Start a new page before what comes next.

    With ``before_title`` the break goes before the headings just above (a
    table's title is printed on the page its header starts), unless a page
    already starts there.
    """
    at = len(blocks)
    if before_title:
        while at > 0 and isinstance(blocks[at - 1], Heading):
            at -= 1
    if at == 0 or isinstance(blocks[at - 1], PageBreak):
        return
    blocks.insert(at, PageBreak())


def _continues(blocks: list[Block], table: Table) -> bool:
    """Whether ``table`` is the continuation of the table just before it (its first row repeats one of that table's).

    The repeated row is printed without bold and, in the indicator tables,
    without the 7th column the project rows have, so rows are compared by
    their non-empty texts.
    """
    if not blocks or not isinstance(blocks[-1], Table):
        return False
    first = _texts(table.rows[0])
    return any(_texts(row) == first for row in blocks[-1].rows)


def _texts(row: list[Cell]) -> list[str]:
    return [cell.text for cell in row if cell.text]


# --- tables -----------------------------------------------------------------------------------------------------


def _cell(raw: str) -> Cell:
    """One tab-separated field: ``<b>…</b>`` is bold, ``<p>…</p> <p>…</p>`` are lines of one cell."""
    bold = False
    match = _BOLD.fullmatch(raw)
    if match:
        raw, bold = match.group(1), True
    paragraphs = _PARAGRAPHS.findall(raw)
    if paragraphs:
        raw = "\n".join(paragraphs)
    return Cell(raw, bold=bold)


def _table(lines: list[str]) -> Table:
    """A table block from tab rows: its header rows and the merged cells of the printed form."""
    grid = [[_cell(field) for field in line.split("\t")] for line in lines]
    header_rows = _header_rows(grid)
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    if grid[0][0].text == "项目编码":
        spans.update(_project_spans(grid))
    if 2 <= header_rows <= 3:
        spans.update(_column_header_spans(grid))
    spans.update(_indicator_spans(grid, spans))
    widths = None
    if len(grid[0]) == len(PROJECT_WIDTHS) and grid[0][0].text == "项目编码":
        widths = PROJECT_WIDTHS
    elif len(grid[0]) == len(CONTINUATION_WIDTHS) and _texts(grid[0]) == INDICATOR_HEADER:
        widths = CONTINUATION_WIDTHS
    return Table(rows=_collapse(grid, spans), header_rows=header_rows, widths=widths)


def _header_rows(grid: list[list[Cell]]) -> int:
    """How many leading rows are the column header (what a continuation page prints again)."""
    firsts = [row[0].text for row in grid]
    for index, first in enumerate(firsts[:4]):
        if first in ("栏次", "档次"):  # the budget tables number their columns in the last header row
            return index + 1
    if firsts[0] == "项目编码":
        return 0  # a 绩效目标表: the indicator header is not a leading row
    if _texts(grid[0]) == INDICATOR_HEADER:
        return 1
    if firsts[0] == "政府采购项目来源":
        return 2
    if len(grid) > 1 and not any(re.search(r"\d", cell.text) for cell in grid[0]):
        return 1
    return 0


def _project_spans(grid: list[list[Cell]]) -> dict[tuple[int, int], tuple[int, int]]:
    """The merged cells of a 项目绩效目标表's project rows (7 columns in the printed form).

    ``项目编码 | code ×2 | 项目名称 | name ×3``, ``预算规模及资金用途`` and
    ``资金支出计划（%）`` over two rows, the 资金用途 and 绩效目标 texts across
    the table, the 3月底 and 12月底 columns two wide, and the last indicator
    column (指标值确定依据) over the 7th column.
    """
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    patterns = {"项目编码": [1, 2, 1, 3], "资金支出计划（%）": [1, 2, 1, 1, 2], "绩效目标": [1, 6]}
    in_indicators = False
    for r, row in enumerate(grid):
        first = row[0].text
        if first in ("预算规模及资金用途", "资金支出计划（%）") and r + 1 < len(grid) and grid[r + 1][0].text == "":
            spans[(r, 0)] = (2, 1)
            below = [1, 6] if first == "预算规模及资金用途" else [1, 2, 1, 1, 2]
            spans.update(_pattern(grid[r + 1], r + 1, below, skip_first=True))
        if first in patterns:
            spans.update(_pattern(row, r, patterns[first]))
        if _texts(row) == INDICATOR_HEADER:
            in_indicators = True
        if in_indicators and len(row) == 7 and row[5].text and not row[6].text:
            spans[(r, 5)] = (1, 2)
    return spans


def _pattern(
    row: list[Cell], r: int, widths: list[int], *, skip_first: bool = False
) -> dict[tuple[int, int], tuple[int, int]]:
    """Colspans for ``row`` following ``widths``, if the row has that many columns and the covered cells are empty."""
    if sum(widths) != len(row):
        return {}
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    c = 0
    for index, width in enumerate(widths):
        if any(cell.text for cell in row[c + 1 : c + width]):
            return {}
        if width > 1 and not (skip_first and index == 0):
            spans[(r, c)] = (1, width)
        c += width
    return spans


def _column_header_spans(grid: list[list[Cell]]) -> dict[tuple[int, int], tuple[int, int]]:
    """Merged cells of a two-row column header (the budget and procurement tables).

    In the first row a title followed by empty cells spans them (``功能分类科目``
    over 科目编码 and 科目名称); a title with nothing under it spans both rows.
    """
    top, below = grid[0], grid[1]
    if below[0].text in ("栏次", "档次"):
        return {}  # a one-row header: nothing to merge
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    starts = [c for c, cell in enumerate(top) if cell.text]
    for c, end in zip(starts, [*starts[1:], len(top)], strict=True):
        if end - c > 1 and any(cell.text for cell in below[c:end]):
            spans[(0, c)] = (1, end - c)
        elif c < len(below) and not below[c].text:
            spans[(0, c)] = (2, 1)
    return spans


def _indicator_spans(
    grid: list[list[Cell]], taken: dict[tuple[int, int], tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, int]]:
    """Rowspans for empty 一级/二级指标 cells: each empty cell is the lower part of the cell above.

    Only rows after the indicator header row of the same table (one page)
    merge; a row right after the (repeated) header keeps its empty cells,
    as the tail of a row cut by the page break does. An empty 二级 cell merges
    only when its 一级 cell does, so a span never crosses a 一级 boundary.
    """
    start = next((r for r, row in enumerate(grid) if _texts(row) == INDICATOR_HEADER), None)
    if start is None:
        return {}
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    origin: dict[int, int] = {}  # column -> row of the cell the current run of empties belongs to
    for r in range(start + 1, len(grid)):
        merged_level1 = False
        for c in (0, 1):
            empty = not grid[r][c].text
            can_merge = empty and c in origin and (c == 0 or merged_level1) and (r, c) not in taken
            if can_merge:
                top = origin[c]
                spans[(top, c)] = (r - top + 1, 1)
                merged_level1 = merged_level1 or c == 0
            else:
                origin[c] = r
    return spans


def _collapse(grid: list[list[Cell]], spans: dict[tuple[int, int], tuple[int, int]]) -> list[list[Cell]]:
    """Rows listing only the cells that start in them (HTML semantics), spans applied.

    A span must cover only empty cells: that is what keeps the text form able to
    print the seed's rows back exactly.
    """
    covered: set[tuple[int, int]] = set()
    for (r, c), (rowspan, colspan) in spans.items():
        for rr in range(r, r + rowspan):
            for cc in range(c, c + colspan):
                if (rr, cc) != (r, c):
                    if grid[rr][cc].text:
                        raise ValueError(f"span at row {r}, column {c} would cover text {grid[rr][cc].text!r}")
                    covered.add((rr, cc))
    rows = []
    for r, row in enumerate(grid):
        out = []
        for c, cell in enumerate(row):
            if (r, c) in covered:
                continue
            rowspan, colspan = spans.get((r, c), (1, 1))
            out.append(Cell(cell.text, bold=cell.bold, rowspan=rowspan, colspan=colspan))
        rows.append(out)
    return rows
