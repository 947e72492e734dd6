"""A ruled table read back from ``pdftotext -layout`` text: columns from its header, rows from its cells' shapes.

The ruling is gone from the text, and pdftotext does not print a table row
as one line: it prints the page's text lines top to bottom, so the lines of
cells that wrap (and single-line cells placed at the vertical middle of a
taller row) interleave, and a text placed next to a full cell is glued to it
with one space. The table is recovered in three steps:

1. **cells of a line** (:func:`assign_line`): each printed line's words go to
   columns, in order, near the columns' starts (estimated per page from the
   header and the text below it); a word after a single space starts the next
   column only where the text before it fills its column;
2. **rows** (:func:`group_rows`): consecutive printed lines are grouped into
   table rows so that every row holds one cell in each column that is not
   merged over rows, no cell holds two texts that cannot be one wrapped text
   (a line that ended although the next word would have fit), no wrapped text
   is cut between two rows, and the cells of a row are aligned the way the
   document aligns them (vertically centred, at the top or at the bottom:
   whichever explains the page best);
3. **merged cells** (:func:`place_labels`): the text of a cell merged over
   several rows (一级/二级指标, a project's name in a department table) is
   printed once, in the middle (or at the top or bottom) of its rows; each
   such text is given the rows whose middle it sits at.

Widths are measured in em (:mod:`kb.read.layout_text`): a cell's line wrapped
when the next word would not have fitted in the widest line of its column.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, pairwise
from typing import Literal

from kb.read.layout_text import Piece, Printed, first_unit, join_lines, text_width

Kind = Literal["main", "span", "lead"]
Mode = Literal["middle", "top", "bottom"]
MODES: tuple[Mode, ...] = ("middle", "top", "bottom")

# Costs of the row grouping; an alignment cost counts printed lines.
_EMPTY_CORE = 3.0  # a row without 三级指标 or 指标值
_EMPTY_DENSE = 2.0  # a row without a column (nearly) every row fills
_EMPTY_SPARSE = 0.3
_TWO_TEXTS = 5.0  # one cell holding a line that ended and the next one
_CUT_WRAP = 2.0  # a wrapped text cut between two rows
_ALIGN = 1.0
_UNBALANCED = 3.0  # a cell closing a bracket it did not open, or leaving one open, in a row not cut by a page
_SWAP = 2.0  # two lines of neighbouring rows printed in each other's order
_TAIL = 0.5  # the first row of a page taken for the rest of a row cut by the page break
_MAX_ROW_LINES = 30
# How many lines must reach a width for it to count as a column's (see observed_caps).
_CAP_CROWD = 3
# How many printed lines back a text block's start is remembered.
_MEMORY = 3


@dataclass(slots=True)
class GridColumn:
    """One column of the table: its header label, whether its cells may be merged over rows, and whether every
    row fills it (三级指标, 指标值)."""

    label: str
    kind: Kind = "main"
    core: bool = False
    # The texts its cells hold, where they come from a fixed list (一级/二级指标): a line of such a cell is one
    # of them, or the start or the end of one.
    names: frozenset[str] = frozenset()

    def fits(self, text: str) -> bool:
        """Whether ``text`` may be (a line of) one of this column's cells."""
        return not self.names or _fragment(text.replace(" ", ""), self.names)


@lru_cache(maxsize=16384)
def _fragment(text: str, names: frozenset[str]) -> bool:
    return any(name.startswith(text) or name.endswith(text) for name in names)


@dataclass(slots=True)
class Segment:
    """The part of a table printed on one page: header line(s), the columns' starts there, the body lines."""

    header: list[Printed]
    starts: list[int]
    lines: list[Printed]
    # The table went on from the page before: its first row may be the rest of a row cut by the page break.
    continued: bool = False


@dataclass(slots=True)
class GridLine:
    """A body line cut into cells: column → text."""

    printed: Printed
    cells: dict[int, str]


@dataclass(slots=True)
class Group:
    """Printed lines ``first``..``last`` (indices into the segment's lines) forming one table row."""

    first: int
    last: int


@dataclass(slots=True)
class GridRow:
    """One table row read: a text per column, the printed lines it came from."""

    texts: list[str]
    lines: list[Printed]
    tail: bool = False


@dataclass(slots=True)
class _Column:
    """Per column of one segment: the lines holding text in it (indices), their texts and widths."""

    at: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


# --- 1. the cells of a printed line -----------------------------------------------------------------------------


class LineReader:
    """Cuts the printed lines of one page of a table into cells, top to bottom.

    A line's words are joined into cells and the cells given to columns, in
    order. Words two or more spaces apart are different cells; pdftotext
    glues a text to the one left of it with a single space when they are close
    (a full cell beside the next, or a text a little off the line), so a
    single space may be a cell boundary too. Every cell goes to the column
    whose start is nearest, never left of the cell before it; a cell glued to
    the one before may sit left of its column's start, since pdftotext counts
    it from the start of the glued text. Lines of one text block start at the
    same place, so a cell starting where a cell of one of the last lines
    started is taken to be in the same column. A column of known names
    (一级/二级指标) takes only their lines.
    """

    def __init__(
        self,
        starts: Sequence[int],
        caps: Sequence[float],
        columns: Sequence[GridColumn],
        measured: bool = False,
        cuts: Sequence[int] = (),
    ) -> None:
        self.starts = starts
        # Where a word may be cut in two (see cut_at_columns): the columns' starts, and their labels' in the header.
        self.cuts = sorted({*starts, *cuts})
        # Whether ``caps`` are the columns' measured widths (not guesses from their starts).
        self.measured = measured
        self.caps = caps
        self.columns = columns
        self.recent: list[dict[int, int]] = []

    def read(self, pieces: Sequence[Piece]) -> dict[int, str]:
        """The cells (column → text) of a line made of ``pieces``."""
        if not pieces:
            self.recent = [{}, *self.recent][:_MEMORY]
            return {}
        pieces = cut_at_columns(pieces, self.cuts)
        optional = [index for index in range(1, len(pieces)) if not pieces[index].spaced]
        if len(optional) > 7:
            optional = optional[:7]  # a line with that many single spaces is prose: enough ways to read it
        remembered: dict[int, int] = {}
        for earlier in reversed(self.recent):
            remembered.update(earlier)
        best: tuple[float, list[tuple[int, _Cell]]] | None = None
        memo: dict[_Cell, list[float]] = {}
        for mask in range(1 << len(optional)):
            splits = {index for bit, index in enumerate(optional) if mask >> bit & 1}
            found = self._place(_cells(pieces, splits, self.starts), remembered, memo)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        assert best is not None
        out: dict[int, str] = {}
        previous: _Cell | None = None
        for column, cell in best[1]:
            if column in out:
                # A glued text before the text of its own column: the second line of that cell (see _place).
                out[column] = (
                    join_lines([cell.text, out[column]])
                    if previous and previous.glued
                    else f"{out[column]} {cell.text}"
                )
            else:
                out[column] = cell.text
            previous = cell
        self.recent = [{cell.start: column for column, cell in best[1]}, *self.recent][:_MEMORY]
        return out

    def _place(
        self, cells: list[_Cell], remembered: dict[int, int], memo: dict[_Cell, list[float]]
    ) -> tuple[float, list[tuple[int, _Cell]]] | None:
        width = len(self.starts)
        inf = float("inf")
        # cost[i][k]: the best cost of cells 0..i with cell i in column k.
        cost = [[inf] * width for _ in cells]
        back = [[-1] * width for _ in cells]
        for i, cell in enumerate(cells):
            own = memo.get(cell)
            if own is None:
                own = memo[cell] = [self._cell_cost(cell, k, remembered) + cell.join_cost for k in range(width)]
            for k in range(width):
                if i == 0:
                    cost[0][k] = own[k]
                    continue
                previous = cells[i - 1]
                for j in range(0, k + 1):
                    if cost[i - 1][j] == inf:
                        continue
                    step = cost[i - 1][j] + own[k]
                    if j == k:
                        # pdftotext glued the second line of a cell to the text left of it, ahead of the first
                        # line: a glued text followed by a text of the same column, or by the full first line glued
                        # too (where the widths are known). Otherwise two texts of one column on one line only when
                        # there are more texts than columns.
                        if previous.glued and not cell.glued:
                            step += 2.0
                        elif previous.glued and self.measured and _continues(cell.text, previous.text, self.caps[k]):
                            step += GLUED_PAIR
                        else:
                            step += 30.0
                    elif cell.glued and ends_before(previous.text, cell.text, self.caps[j]):
                        step += 0.5  # the word would have fitted after the text before it: less likely a boundary
                    if step < cost[i][k]:
                        cost[i][k], back[i][k] = step, j
        last = len(cells) - 1
        k = min(range(width), key=lambda column: cost[last][column])
        if cost[last][k] == inf:
            return None
        total = cost[last][k]
        placed: list[tuple[int, _Cell]] = []
        for i in range(last, -1, -1):
            placed.append((k, cells[i]))
            k = back[i][k]
        placed.reverse()
        return total, placed

    def _cell_cost(self, cell: _Cell, column: int, remembered: dict[int, int]) -> float:
        distance = 0 if remembered.get(cell.start) == column else abs(cell.start - self.starts[column])
        cost = (0.25 if cell.glued else 1.0) * distance
        if column < len(self.columns) and not self.columns[column].fits(cell.text):
            cost += 4.0
        over = text_width(cell.text) - self.caps[column]
        if over > margin(cell.text):
            cost += 2.0 * over
        return cost


GLUED_PAIR = 6.0  # a cell's two lines glued in reverse order: rare, taken only when nothing else fits


def _continues(first: str, second: str, cap: float) -> bool:
    """Whether ``second`` may be the next line of a cell whose line ``first`` is full."""
    return not ends_before(first, second, cap) and text_width(first) + text_width(second) > cap


@dataclass(frozen=True, slots=True)
class _Cell:
    start: int
    text: str
    glued: bool  # a single space before it: glued to the cell before by pdftotext
    join_cost: float


_TIGHT_SPLIT = 0.5  # a word cut in two where a column starts


def cut_at_columns(pieces: Sequence[Piece], starts: Sequence[int]) -> list[Piece]:
    """``pieces`` with each Chinese word that runs over a column's start cut there (the second part ``tight``):
    pdftotext prints the texts of two cells without a space between them where the first fills its column."""
    out: list[Piece] = []
    for piece in pieces:
        end = piece.start + len(piece.text)
        cuts = [column - piece.start for column in starts if piece.start + 2 <= column <= end - 2]
        if not cuts or piece.text.isascii():
            out.append(piece)
            continue
        previous = 0
        for cut in cuts:
            out.append(
                Piece(
                    piece.start + previous,
                    piece.text[previous:cut],
                    piece.spaced if not previous else False,
                    tight=bool(previous) or piece.tight,
                )
            )
            previous = cut
        out.append(Piece(piece.start + previous, piece.text[previous:], False, tight=True))
    return out


def _cells(pieces: Sequence[Piece], splits: set[int], starts: Sequence[int]) -> list[_Cell]:
    cells: list[_Cell] = []
    start, text, cost = pieces[0].start, pieces[0].text, 0.0
    glued = False
    for index in range(1, len(pieces)):
        piece = pieces[index]
        if piece.spaced or index in splits:
            cells.append(_Cell(start, text, glued, cost))
            start, text, glued = piece.start, piece.text, not piece.spaced
            cost = _TIGHT_SPLIT if piece.tight else 0.0
            continue
        if piece.tight:
            text += piece.text
            continue
        if not text[-1].isascii() and not piece.text[0].isascii():
            cost += 1.0  # one space between two Chinese texts: rarely inside a cell
        if any(abs(piece.start - column) <= 1 for column in starts if column > start + 1):
            cost += 1.0  # a word right where a column starts
        text += " " + piece.text
    cells.append(_Cell(start, text, glued, cost))
    return cells


def initial_caps(starts: Sequence[int]) -> list[float]:
    """Column widths (em) guessed from the columns' starts: pdftotext sets a column far enough right of the one
    before for its widest text, a character per grid column."""
    caps = [max(2.0, float(b - a - 1)) for a, b in pairwise(starts)]
    return [*caps, 40.0]


def observed_caps(lines: Sequence[GridLine], width: int, fallback: Sequence[float]) -> list[float]:
    """Each column's width: the widest line of text seen in it (a cell wraps when its next word would not fit).

    Wrapped lines crowd just under a column's width; a line wider than the
    others alone is more likely two cells read as one, so the width is where
    at least :data:`_CAP_CROWD` lines reach (all of them where there are fewer),
    and only texts of one word count.
    """
    widths: list[list[float]] = [[] for _ in range(width)]
    for line in lines:
        for column, text in line.cells.items():
            if " " not in text:  # a text of several words may be two cells read as one
                widths[column].append(text_width(text))
    caps = []
    for column, seen in enumerate(widths):
        if not seen:
            caps.append(fallback[column])
            continue
        seen.sort(reverse=True)
        if len(seen) < 2 * _CAP_CROWD:
            caps.append(seen[0])
            continue
        cap = next(
            (w for n, w in enumerate(seen) if n + _CAP_CROWD <= len(seen) and seen[n + _CAP_CROWD - 1] >= w - 1.0),
            seen[0],
        )
        caps.append(cap)
    return caps


# --- stacks printed column by column -----------------------------------------------------------------------------


def unstack(lines: Sequence[GridLine], columns: Sequence[GridColumn], caps: Sequence[float]) -> list[GridLine]:
    """Lines with stacks of rows printed column by column put back row by row.

    pdftotext sometimes prints a few short rows one column at a time: both
    rows' 二级指标, then both rows' 三级指标, then both descriptions … — a run
    of lines each holding one cell, the columns in order, each column holding
    the same number of cells. Such a run becomes one line per row.
    """
    main = {index for index, column in enumerate(columns) if column.kind == "main"}
    out: list[GridLine] = []
    index = 0
    while index < len(lines):
        end = index
        while end < len(lines) and _single(lines[end], main) is not None:
            end += 1
        rows = _stack_rows(lines[index:end], main, caps) if end - index >= 4 else None
        if rows is None:
            out.append(lines[index])
            index += 1
            continue
        out.extend(rows)
        index = end
    return out


def _single(line: GridLine, main: set[int]) -> int | None:
    """The one column a line holds text in besides merged columns, or None."""
    found = [column for column in line.cells if column in main]
    return found[0] if len(found) == 1 else None


def _stack_rows(run: Sequence[GridLine], main: set[int], caps: Sequence[float]) -> list[GridLine] | None:
    blocks: list[tuple[int, list[GridLine]]] = []
    for line in run:
        column = _single(line, main)
        assert column is not None
        if blocks and blocks[-1][0] == column:
            blocks[-1][1].append(line)
        elif blocks and blocks[-1][0] > column:
            return None
        else:
            blocks.append((column, [line]))
    if len(blocks) < 2:
        return None
    cells: list[tuple[int, list[list[GridLine]]]] = []
    for column, stack in blocks:
        split: list[list[GridLine]] = [[stack[0]]]
        for before, after in pairwise(stack):
            if ends_before(before.cells[column], after.cells[column], caps[column]):
                split.append([after])
            else:
                split[-1].append(after)
        cells.append((column, split))
    count = len(cells[0][1])
    if count < 2 or any(len(split) != count for _, split in cells):
        return None
    rows: list[GridLine] = []
    merged_columns = [(line, column, text) for line in run for column, text in line.cells.items() if column not in main]
    for row in range(count):
        texts: dict[int, str] = {}
        for column, split in cells:
            texts[column] = join_lines([line.cells[column] for line in split[row]])
        rows.append(GridLine(cells[0][1][row][0].printed, texts))
    # Texts of merged columns (一级/二级指标) on the run's lines: the n-th of a column to the n-th row when each
    # row has one, else to the row printed nearest.
    by_column: dict[int, list[tuple[GridLine, str]]] = {}
    for line, column, text in merged_columns:
        by_column.setdefault(column, []).append((line, text))
    for column, found in by_column.items():
        if len(found) == count:
            for row, (_, text) in enumerate(found):
                rows[row].cells[column] = text
        else:
            for line, text in found:
                rows[min(run.index(line) * count // len(run), count - 1)].cells.setdefault(column, text)
    return rows


# --- 2. rows ----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def ends_before(text: str, following: str, cap: float) -> bool:
    """Whether a cell's line ``text`` surely ended rather than wrapped: the first word of ``following`` would
    have fitted after it in a column ``cap`` em wide (Latin widths are estimates: the more, the less sure)."""
    unit = first_unit(following)
    return text_width(text) + text_width(unit) <= cap - margin(text + unit)


@lru_cache(maxsize=65536)
def margin(text: str) -> float:
    """How far from a column's edge a width must stay to be sure of it: a little per Latin character, less per
    digit (digits are about half an em in every CJK font, and measured at the wide end of that)."""
    digits = sum(1 for char in text if "0" <= char <= "9")
    return 0.1 + 0.01 * digits + 0.08 * (sum(1 for char in text if char.isascii()) - digits)


@dataclass(slots=True)
class _Shape:
    """What the grouping needs of one column of a segment."""

    at: list[int]
    # ended[n]: the text at at[n] surely ended before the one at at[n + 1].
    ended: list[bool]
    empty_cost: float
    core: bool = False
    # Per text at at[n]: the bracket depth it ends at, and the lowest it reaches, counted from its start.
    brackets: list[tuple[int, int]] = field(default_factory=list)
    # ends_before[n]: how many of ended[0 : n] are true.
    ends_before: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ends_before = [0, *accumulate(int(flag) for flag in self.ended)]


def _shapes(lines: Sequence[GridLine], columns: Sequence[GridColumn], caps: Sequence[float]) -> dict[int, _Shape]:
    main = [index for index, column in enumerate(columns) if column.kind == "main"]
    counts = {index: sum(1 for line in lines if index in line.cells) for index in main}
    most = max(counts.values(), default=0)
    shapes: dict[int, _Shape] = {}
    for index in main:
        at = [n for n, line in enumerate(lines) if index in line.cells]
        ended = [ends_before(lines[a].cells[index], lines[b].cells[index], caps[index]) for a, b in pairwise(at)]
        if columns[index].core:
            empty = _EMPTY_CORE
        elif most and counts[index] >= 0.6 * most:
            empty = _EMPTY_DENSE
        else:
            empty = _EMPTY_SPARSE
        brackets = [_bracket_depth(lines[n].cells[index]) for n in at]
        shapes[index] = _Shape(at, ended, empty, bool(columns[index].core), brackets)
    return shapes


_OPEN = "（(《〔【“"
_CLOSE = "）)》〕】”"


def _bracket_depth(text: str) -> tuple[int, int]:
    """How many brackets ``text`` leaves open (negative: closes more than it opens), and the lowest depth it
    reaches."""
    depth = lowest = 0
    for char in text:
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            lowest = min(lowest, depth)
    return depth, lowest


def _unbalanced(shape: _Shape, low: int, high: int, *, may_close: bool, may_open: bool) -> bool:
    """Whether the column's texts at[low:high], read as one cell, close a bracket they did not open (unless
    ``may_close``: the rest of a text cut by a page break) or leave one open (unless ``may_open``)."""
    depth = 0
    for n in range(low, high):
        end, lowest = shape.brackets[n]
        if depth + lowest < 0 and not may_close:
            return True
        depth += end
    return depth > 0 and not may_open


def _group_cost(
    shapes: dict[int, _Shape], first: int, last: int, mode: Mode, *, continued: bool = False, final: bool = False
) -> float:
    """The cost of lines ``first``..``last`` as one row; ``continued``: the page's table went on from the page
    before (its first row may be the rest of a row cut by the page break, lacking the cells printed there);
    ``final``: the row is the page's last (it may be cut by the page break)."""
    ranges = {key: (bisect_left(shape.at, first), bisect_right(shape.at, last)) for key, shape in shapes.items()}
    tail = (
        continued
        and first == 0
        and not any(low < high for key, (low, high) in ranges.items() if shapes[key].core)
        and any(low < high for low, high in ranges.values())
    )
    cost = _TAIL if tail else 0.0
    spans: list[tuple[int, int]] = []
    for key, shape in shapes.items():
        low, high = ranges[key]
        if low >= high:
            cost += 0.0 if tail else shape.empty_cost
            continue
        # Texts that surely ended before the next one of the column, inside the row.
        cost += _TWO_TEXTS * (shape.ends_before[high - 1] - shape.ends_before[low])
        if _unbalanced(shape, low, high, may_close=tail, may_open=final):
            cost += _UNBALANCED
        spans.append((shape.at[low], shape.at[high - 1]))
    if len(spans) > 1:
        cost += _ALIGN * _misalignment(spans, mode)
    return cost


def _misalignment(spans: list[tuple[int, int]], mode: Mode) -> float:
    if mode == "top":
        top = min(a for a, _ in spans)
        return float(sum(a - top for a, _ in spans))
    if mode == "bottom":
        bottom = max(b for _, b in spans)
        return float(sum(bottom - b for _, b in spans))
    tallest = max(spans, key=lambda span: span[1] - span[0])
    middle = (tallest[0] + tallest[1]) / 2
    return sum(max(0.0, abs((a + b) / 2 - middle) - 0.5) for a, b in spans)


def _cut_cost(shapes: dict[int, _Shape], boundary: int) -> float:
    """The cost of a row boundary after line ``boundary``: wrapped texts it would cut."""
    cost = 0.0
    for shape in shapes.values():
        for n, (a, b) in enumerate(pairwise(shape.at)):
            if a <= boundary < b:
                if not shape.ended[n] and b - a <= 3:
                    cost += _CUT_WRAP
                break
    return cost


def group_rows(
    lines: Sequence[GridLine],
    columns: Sequence[GridColumn],
    caps: Sequence[float],
    mode: Mode,
    continued: bool = False,
) -> tuple[float, list[Group], list[GridLine]]:
    """The best grouping of a segment's body lines into table rows, its cost, and the lines in the order grouped
    (``continued``: the table went on from the page before).

    pdftotext may print a line of a row after the first line of the next row
    when their baselines nearly meet: where a row holds two texts in one column,
    each two neighbouring lines around it that share no column are also tried
    the other way round.
    """
    shapes = _shapes(lines, columns, caps)
    cost, groups, row_costs = _group(shapes, len(lines), mode, continued)
    best = (cost, groups, list(lines))
    for group, row_cost in zip(groups, row_costs, strict=True):
        if row_cost < _TWO_TEXTS:
            continue
        for index in range(max(0, group.first - 1), min(len(lines) - 1, group.last + 1)):
            above, below = lines[index], lines[index + 1]
            if set(above.cells) & set(below.cells):
                continue
            swapped = [*lines[:index], below, above, *lines[index + 2 :]]
            swapped_cost, swapped_groups, _ = _group(_shapes(swapped, columns, caps), len(swapped), mode, continued)
            if swapped_cost + _SWAP < best[0]:
                best = (swapped_cost + _SWAP, swapped_groups, swapped)
    return best


def _group(
    shapes: dict[int, _Shape], count: int, mode: Mode, continued: bool
) -> tuple[float, list[Group], list[float]]:
    """The best grouping of ``count`` lines, its cost, and each row's cost."""
    if count == 0:
        return 0.0, [], []
    cuts = [_cut_cost(shapes, boundary) for boundary in range(count)]
    inf = float("inf")
    best = [inf] * (count + 1)
    back = [0] * (count + 1)
    own = [0.0] * (count + 1)
    best[0] = 0.0
    for last in range(count):
        for first in range(max(0, last - _MAX_ROW_LINES + 1), last + 1):
            if best[first] == inf:
                continue
            row = _group_cost(shapes, first, last, mode, continued=continued, final=last + 1 == count)
            total = best[first] + row + (cuts[last] if last + 1 < count else 0.0)
            if total < best[last + 1]:
                best[last + 1], back[last + 1], own[last + 1] = total, first, row
    groups: list[Group] = []
    costs: list[float] = []
    end = count
    while end > 0:
        first = back[end]
        groups.append(Group(first, end - 1))
        costs.append(own[end])
        end = first
    groups.reverse()
    costs.reverse()
    return best[count], groups, costs


# --- 3. cells merged over rows ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Label:
    """The text of a merged (or single) cell and the printed lines it sits on."""

    text: str
    first: int
    last: int


def span_labels(lines: Sequence[GridLine], column: int, cap: float, names: frozenset[str] = frozenset()) -> list[Label]:
    """The texts printed in a column whose cells may be merged, wrapped lines joined.

    Two lines (at most one line apart) are one text unless the first surely
    ended; where the column holds known names (一级/二级指标), lines are one
    text exactly when together they make (the start of) a name.
    """
    labels: list[Label] = []
    parts: list[str] = []
    first = last = -1
    for n, line in enumerate(lines):
        text = line.cells.get(column)
        if not text:
            continue
        if parts and n - last <= 2:
            joined = join_lines([*parts, text])
            if names:
                wrapped = join_lines(parts) not in names and any(name.startswith(joined) for name in names)
            else:
                wrapped = not ends_before(parts[-1], text, cap)
            if wrapped:
                parts.append(text)
                last = n
                continue
        if parts:
            labels.append(Label(join_lines(parts), first, last))
        parts, first, last = [text], n, n
    if parts:
        labels.append(Label(join_lines(parts), first, last))
    return labels


def place_labels(
    labels: Sequence[Label], extents: Sequence[tuple[int, int]], mode: Mode, skip: int = 0, inherit: bool = False
) -> list[int]:
    """The first row of each label's rows, given each row's printed lines ``extents``.

    A merged cell's text sits in the middle (top, bottom) of its rows; each
    label's rows run to the next label's first row. A label printed in the
    first row of its group only (the rows below left empty) sits in that row:
    whichever of the two readings fits the column better is taken. Rows before
    ``skip`` (the rest of a row cut by a page break) take no label; rows before
    the first label are left to the label of the page before when the table
    goes on from there (``inherit``), and should not be otherwise.
    """
    rows = len(extents)
    if not labels or rows <= skip:
        return []
    if len(labels) > rows - skip:
        return _nearest_rows(labels, extents, skip)
    unlabelled = 0.0 if inherit else 2.0
    results = [_place_spans(labels, extents, mode, skip, merged, unlabelled) for merged in (True, False)]
    (merged_cost, merged_starts), (single_cost, single_starts) = results
    return merged_starts if merged_cost <= single_cost + 1e-9 else single_starts


def _span_cost(label: Label, extents: Sequence[tuple[int, int]], first: int, last: int, mode: Mode) -> float:
    """How badly a label fits rows ``first``..``last``: it must sit within them (a line either way is pdftotext
    putting a text on a neighbouring line), in their middle, at their top or at their bottom."""
    top, bottom = extents[first][0], extents[last][1]
    cost = max(0, top - label.first - 1) + max(0, label.last - bottom - 1)
    if mode == "top":
        return cost + 0.5 * max(0.0, abs(top - label.first) - 0.5)
    if mode == "bottom":
        return cost + 0.5 * max(0.0, abs(bottom - label.last) - 0.5)
    return cost + 0.5 * max(0.0, abs((top + bottom) / 2 - (label.first + label.last) / 2) - 0.5)


def _place_spans(
    labels: Sequence[Label],
    extents: Sequence[tuple[int, int]],
    mode: Mode,
    skip: int,
    merged: bool,
    unlabelled: float,
) -> tuple[float, list[int]]:
    rows = len(extents)
    count = len(labels)
    inf = float("inf")
    # cost[j][s]: labels 0..j placed, label j starting at row s (its end is the next label's start - 1).
    # Label j's cost needs its end, so it is added when label j + 1 (or the table's end) fixes it.
    cost = [[inf] * rows for _ in range(count)]
    back = [[-1] * rows for _ in range(count)]
    for s in range(skip, rows):
        cost[0][s] = unlabelled * (s - skip)
    for j in range(1, count):
        for s in range(skip + j, rows):
            for p in range(skip + j - 1, s):
                if cost[j - 1][p] == inf:
                    continue
                end = s - 1 if merged else p
                step = cost[j - 1][p] + _span_cost(labels[j - 1], extents, p, end, mode)
                if step < cost[j][s]:
                    cost[j][s], back[j][s] = step, p
    best, start = inf, -1
    for s in range(skip + count - 1, rows):
        if cost[count - 1][s] == inf:
            continue
        end = rows - 1 if merged else s
        total = cost[count - 1][s] + _span_cost(labels[-1], extents, s, end, mode)
        if total < best:
            best, start = total, s
    if start < 0:
        return inf, []
    starts = [start]
    for j in range(count - 1, 0, -1):
        start = back[j][start]
        starts.append(start)
    starts.reverse()
    return best, starts


def _nearest_rows(labels: Sequence[Label], extents: Sequence[tuple[int, int]], skip: int) -> list[int]:
    """More labels than rows (texts that are no merged cells): each label's row is the first one it reaches."""
    starts: list[int] = []
    for label in labels:
        row = next((r for r in range(skip, len(extents)) if extents[r][1] >= label.first), len(extents) - 1)
        starts.append(row)
    return starts
