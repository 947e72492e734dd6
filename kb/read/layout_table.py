"""Indicator tables of ``pdftotext -layout`` text: the header line(s), the pages of one table, its rows.

A table starts at a line of column labels (``一级指标  二级指标 …``, labels
wrapped onto the next line joined back, a second header row of 一级/二级/三级
under a 绩效指标 label read as the text forms read it) and goes on over the
pages where the same header is printed again. Its rows are recovered by
:mod:`kb.read.layout_grid`; the table comes out as the text forms print it:
one :class:`~kb.read.blocks.Table` per page, each starting with its header
row(s), a merged 一级/二级 (or project) cell's text in the first of its rows
and empty below, so that the parsers read every form the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.read.blocks import Cell, Row, Table, Where
from kb.read.layout_grid import (
    GridColumn,
    GridLine,
    Group,
    LineReader,
    Mode,
    Segment,
    group_rows,
    initial_caps,
    observed_caps,
    place_labels,
    span_labels,
    unstack,
)
from kb.read.layout_labels import (
    LEAD,
    LEVEL1,
    LEVEL1_OF,
    LEVEL2,
    LEVEL3_LABELS,
    LEVEL_NAMES,
    PROJECT_SPAN_LABELS,
    TARGET_LABELS,
    is_indicator_header,
    is_label,
    is_label_start,
    label_key,
)
from kb.read.layout_text import Piece, Printed, join_lines


@dataclass(slots=True)
class HeaderLabel:
    """A label of a header line: where it starts and ends, its text; ``lower`` for a second header row's."""

    start: int
    end: int
    text: str
    lower: bool = False


@dataclass(slots=True)
class Header:
    """An indicator table's header as printed on one page: its labels and how many lines it took."""

    labels: list[HeaderLabel]
    lines: list[Printed]

    @property
    def two_rows(self) -> bool:
        """Whether a second header row (一级/二级/三级 under 绩效指标) is printed."""
        return any(label.lower for label in self.labels)

    def columns(self) -> list[HeaderLabel]:
        """The labels that head a column: a group label over a second row gives way to the labels under it."""
        upper = [label for label in self.labels if not label.lower]
        lower = [label for label in self.labels if label.lower]
        out: list[HeaderLabel] = []
        for index, label in enumerate(upper):
            end = upper[index + 1].start if index + 1 < len(upper) else 10**6
            under = [sub for sub in lower if label.start - 2 <= sub.start < end - 1]
            out.extend(under or [label])
        out.extend(sub for sub in lower if sub not in out)
        return sorted(out, key=lambda label: label.start)

    def key(self) -> tuple[str, ...]:
        """The labels as compared with a header printed again on the next page (a merged 绩效指标 lead cell is
        printed there in the body, not in the header)."""
        return tuple(label_key(label.text) for label in self.columns() if label_key(label.text) != LEAD)


def _label_pieces(line: Printed) -> list[Piece]:
    """The words of a header line, a word made of two labels printed without a space between them (pdftotext
    does so where a label fills its column) cut in two."""
    out: list[Piece] = []
    for piece in line.pieces():
        cut = None if is_label(piece.text) else _two_labels(piece.text)
        if cut is None:
            out.append(piece)
            continue
        out.append(Piece(piece.start, piece.text[:cut], piece.spaced))
        out.append(Piece(piece.start + cut, piece.text[cut:], False))
    return out


def _two_labels(text: str) -> int | None:
    """Where ``text`` splits into two labels, or None."""
    return next((cut for cut in range(2, len(text) - 1) if is_label(text[:cut]) and is_label(text[cut:])), None)


def read_header(lines: list[Printed], index: int) -> Header | None:
    """The indicator table header at ``lines[index]`` (with the lines its labels wrap onto), or None."""
    pieces = _label_pieces(lines[index])
    if len(pieces) < 3:
        return None
    known = [piece for piece in pieces if is_label(piece.text)]
    partial = [piece for piece in pieces if not is_label(piece.text) and is_label_start(piece.text)]
    if len(known) + len(partial) < 0.75 * len(pieces) or not is_indicator_header([p.text for p in known]):
        return None
    labels = [HeaderLabel(p.start, p.start + len(p.text), p.text) for p in pieces]
    used = [lines[index]]
    for following in lines[index + 1 : index + 3]:
        if following.page != lines[index].page or not _continue_header(labels, following):
            break
        used.append(following)
    return Header(labels, used)


def _continue_header(labels: list[HeaderLabel], line: Printed) -> bool:
    """Join a line of wrapped label pieces (``运算`` / ``符``) or of second-row labels into ``labels``."""
    pieces = line.pieces()
    if not pieces:
        return False
    if all(is_label(piece.text) for piece in pieces) and all(
        label_key(piece.text) in (LEVEL1, LEVEL2, *LEVEL3_LABELS) for piece in pieces
    ):
        labels.extend(HeaderLabel(p.start, p.start + len(p.text), p.text, lower=True) for p in pieces)
        return True
    joins: list[tuple[HeaderLabel, str]] = []
    for piece in pieces:
        near = sorted(
            (label for label in labels if label.start - 4 <= piece.start <= label.end + 2 and not label.lower),
            key=lambda label: abs(label.start - piece.start),
        )
        chosen = next((label for label in near if is_label(label.text + piece.text)), None)
        if chosen is None:
            chosen = next((label for label in near if is_label_start(label.text + piece.text)), None)
        if chosen is None or is_label(chosen.text) or any(label is chosen for label, _ in joins):
            return False
        joins.append((chosen, piece.text))
    for label, text in joins:
        label.text += text
    return True


# --- the table --------------------------------------------------------------------------------------------------


def grid_columns(header: Header) -> list[GridColumn]:
    """The columns of an indicator table, from its header's labels."""
    labels = [label_key(label.text) for label in header.columns()]
    level3_elsewhere = any(label in LEVEL3_LABELS and label != LEAD for label in labels)
    projects = any(label in PROJECT_SPAN_LABELS for label in labels)
    columns: list[GridColumn] = []
    for index, label in enumerate(labels):
        if label == LEAD and level3_elsewhere and index + 1 < len(labels) and labels[index + 1] == LEVEL1:
            columns.append(GridColumn(label, "lead"))
        elif label in (LEVEL1, LEVEL2):
            columns.append(GridColumn(label, "span", names=LEVEL_NAMES))
        elif projects and label in PROJECT_SPAN_LABELS:
            columns.append(GridColumn(label, "span"))
        else:
            core = label in TARGET_LABELS or (label in LEVEL3_LABELS and not (label == LEAD and level3_elsewhere))
            columns.append(GridColumn(label, "main", core))
    return columns


@dataclass(slots=True)
class IndicatorTable:
    """An indicator table over one or more pages: its columns and each page's part."""

    header: Header
    columns: list[GridColumn]
    segments: list[Segment] = field(default_factory=list)
    headers: list[Header] = field(default_factory=list)


def segment_starts(header: Header, lines: list[Printed], width: int) -> list[int]:
    """Where each column starts on this page.

    pdftotext moves a label right of its column when the text left of it is
    wide, and moves a column's texts left or right from one group of lines to
    the next, so each line's texts (those two or more spaces from the text
    before) are given to the columns in order, as near as can be to a start
    seen for the column in the lines that fill most columns (:func:`_assign`);
    a column starts at the most frequent start of its texts.
    """
    starts = [label.start for label in header.columns()][:width]
    while len(starts) < width:
        starts.append(starts[-1] + 8 if starts else 0)
    spaced = [[piece.start for piece in line.pieces() if piece.spaced] for line in lines]
    # First the lines with a text in most columns, whose texts can be given to columns surely; then every line,
    # each text as near as can be to a start seen in the first pass.
    full = max(3, width - 2)
    anchors: list[set[int]] = [{start} for start in starts]
    for positions in spaced:
        if len(positions) >= full:
            for position, column in zip(positions, _assign(anchors, positions), strict=True):
                anchors[column].add(position)
    seen: list[dict[int, int]] = [{} for _ in range(width)]
    for positions in spaced:
        for position, column in zip(positions, _assign(anchors, positions), strict=True):
            seen[column][position] = seen[column].get(position, 0) + 1
    refined = list(starts)
    for column, counts in enumerate(seen):
        if counts:
            position, count = max(counts.items(), key=lambda item: (item[1], -abs(item[0] - starts[column])))
            if count >= 2:
                refined[column] = position
    for column in range(1, width):
        refined[column] = max(refined[column], refined[column - 1] + 1)
    return refined


def _assign(starts: list[set[int]], positions: list[int]) -> list[int]:
    """The columns of texts starting at ``positions`` (left to right): one text per column, in order, as near
    one of their columns' ``starts`` as can be."""
    width = len(starts)

    def distance(column: int, position: int) -> int:
        return min(abs(start - position) for start in starts[column])

    if len(positions) > width:
        # More texts than columns: each to its nearest column.
        return [min(range(width), key=lambda column: distance(column, position)) for position in positions]
    inf = float("inf")
    # cost[i][k]: texts 0..i placed, text i in column k.
    cost = [[inf] * width for _ in positions]
    back = [[-1] * width for _ in positions]
    for i, position in enumerate(positions):
        for k in range(i, width - (len(positions) - 1 - i)):
            own = distance(k, position)
            if i == 0:
                cost[0][k] = own
                continue
            for j in range(i - 1, k):
                if cost[i - 1][j] + own < cost[i][k]:
                    cost[i][k], back[i][k] = cost[i - 1][j] + own, j
    if not positions:
        return []
    k = min(range(width), key=lambda column: cost[-1][column])
    out: list[int] = []
    for i in range(len(positions) - 1, -1, -1):
        out.append(k)
        k = back[i][k]
    return out[::-1]


def _grid(segment: Segment, caps: list[float], columns: list[GridColumn], measured: bool = False) -> list[GridLine]:
    labels = [piece.start for line in segment.header for piece in _label_pieces(line)]
    reader = LineReader(segment.starts, caps, columns, measured=measured, cuts=labels)
    lines = [GridLine(line, reader.read(line.pieces())) for line in segment.lines]
    return unstack(lines, columns, caps)


@dataclass(slots=True)
class _Read:
    """One segment read: its grid lines and rows (groups)."""

    lines: list[GridLine]
    groups: list[Group]


def table_caps(table: IndicatorTable) -> list[float]:
    """Each column's width (em) as the table shows it: its widest line of text."""
    width = len(table.columns)
    firsts = [initial_caps(segment.starts) for segment in table.segments]
    fallback = [min(caps[column] for caps in firsts) for column in range(width)] if firsts else [8.0] * width
    grids = [_grid(segment, caps, table.columns) for segment, caps in zip(table.segments, firsts, strict=True)]
    return observed_caps([line for grid in grids for line in grid], width, fallback)


@dataclass(slots=True)
class ReadTable:
    """A table's lines cut into cells, with the column widths they were cut with."""

    table: IndicatorTable
    caps: list[float]
    grids: list[list[GridLine]]

    grouped: dict[Mode, list[tuple[float, list[Group], list[GridLine]]]] = field(default_factory=dict)

    def _grouped(self, mode: Mode) -> list[tuple[float, list[Group], list[GridLine]]]:
        if mode not in self.grouped:
            self.grouped[mode] = [
                group_rows(grid, self.table.columns, self.caps, mode, segment.continued)
                for grid, segment in zip(self.grids, self.table.segments, strict=True)
            ]
        return self.grouped[mode]

    def cost(self, mode: Mode) -> float:
        """How well an alignment explains the table's rows."""
        return sum(cost for cost, _, _ in self._grouped(mode))

    def blocks(self, mode: Mode) -> list[Table]:
        """The table as blocks, one per page, read with alignment ``mode``."""
        reads = [_Read(lines, groups) for _, groups, lines in self._grouped(mode)]
        return _blocks(self.table, reads, self.caps, mode)


def cut_table(table: IndicatorTable, caps: list[float]) -> ReadTable:
    """The table's lines cut into cells with column widths ``caps``."""
    return ReadTable(table, caps, [_grid(segment, caps, table.columns, True) for segment in table.segments])


def _blocks(table: IndicatorTable, reads: list[_Read], caps: list[float], mode: Mode) -> list[Table]:
    width = len(table.columns)
    spans = [index for index, column in enumerate(table.columns) if column.kind == "span"]
    level1 = next((i for i in spans if table.columns[i].label == LEVEL1), None)
    level2 = next((i for i in spans if table.columns[i].label == LEVEL2), None)
    # Each row's text in each merged column (filled down over the rows and pages), then printed where it changes.
    values: list[list[dict[int, str]]] = []
    current: dict[int, str] = {}
    level1_seen: set[str] = set()
    usual = _usual_columns(reads, table.columns)
    for segment, read in zip(table.segments, reads, strict=True):
        skip = 1 if segment.continued and read.groups and _is_tail(read, usual) else 0
        extents = [_extent(read, group, table.columns) for group in read.groups]
        placed: dict[int, dict[int, str]] = {}
        for column in spans:
            labels = span_labels(read.lines, column, caps[column], table.columns[column].names)
            firsts = place_labels(labels, extents, mode, skip, inherit=segment.continued)
            placed[column] = {row: label.text for row, label in zip(firsts, labels, strict=False)}
            if column == level1:
                level1_seen.update(label.text for label in labels)
        segment_values: list[dict[int, str]] = []
        for index in range(len(read.groups)):
            if index >= skip:
                for column in spans:
                    if index in placed[column]:
                        current[column] = placed[column][index]
            segment_values.append(dict(current) if index >= skip else {})
        values.append(segment_values)
    if level1 is not None and level2 is not None:
        for row_values in (row for segment_values in values for row in segment_values):
            implied = LEVEL1_OF.get(row_values.get(level2, ""))
            if implied is not None and (implied in level1_seen or not level1_seen):
                row_values[level1] = implied
    blocks: list[Table] = []
    printed_before: dict[int, str] = {}
    for number, (header, read, segment_values) in enumerate(zip(table.headers, reads, values, strict=True)):
        rows = _header_rows(header, width, table.columns, first=number == 0)
        for group, row_values in zip(read.groups, segment_values, strict=True):
            texts = [""] * width
            printed = read.lines[group.first : group.last + 1]
            for column, spec in enumerate(table.columns):
                if spec.kind == "main":
                    texts[column] = join_lines([line.cells[column] for line in printed if column in line.cells])
            changed = False
            for column in spans:
                text = row_values.get(column, "")
                # As in the text forms: a merged column's text where it changes (a level once its parent changed).
                if text and (changed or printed_before.get(column) != text):
                    texts[column] = text
                    printed_before[column] = text
                    changed = changed or column == level1
            if not any(texts):
                continue
            where = Where(
                line=printed[0].printed.number, last_line=printed[-1].printed.number, page=printed[0].printed.page
            )
            rows.append(Row([Cell(text) for text in texts], where))
        blocks.append(Table(rows, rows[0].where, header_rows=2 if header.two_rows and number == 0 else 1))
    return blocks


def _filled(read: _Read, group: Group) -> set[int]:
    return {column for line in read.lines[group.first : group.last + 1] for column in line.cells}


def _usual_columns(reads: list[_Read], columns: list[GridColumn]) -> set[int]:
    """The columns (not merged over rows) that nearly every row of the table fills."""
    groups = [(read, group) for read in reads for group in read.groups]
    if not groups:
        return set()
    counts: dict[int, int] = {}
    for read, group in groups:
        for column in _filled(read, group):
            counts[column] = counts.get(column, 0) + 1
    return {
        index
        for index, column in enumerate(columns)
        if column.kind == "main" and counts.get(index, 0) >= 0.8 * len(groups)
    }


def _is_tail(read: _Read, usual: set[int]) -> bool:
    """Whether a page's first row is the rest of a row cut by the page break: it lacks a column rows fill."""
    return bool(usual - _filled(read, read.groups[0]))


def _extent(read: _Read, group: Group, columns: list[GridColumn]) -> tuple[int, int]:
    """The printed lines a row's cells (those not merged over rows) span."""
    at = [
        n
        for n in range(group.first, group.last + 1)
        if any(columns[column].kind == "main" for column in read.lines[n].cells)
    ]
    return (at[0], at[-1]) if at else (group.first, group.last)


def _header_rows(header: Header, width: int, columns: list[GridColumn], first: bool) -> list[Row]:
    """The header as the text forms print it: one row, or (first page) a 绩效指标 row over 一级/二级/三级."""
    placed = header.columns()
    where = Where(line=header.lines[0].number, last_line=header.lines[-1].number, page=header.lines[0].page)
    if header.two_rows:
        upper = [label for label in header.labels if not label.lower]
        top = [""] * width
        bottom = [""] * width
        for index, label in enumerate(placed):
            if label.lower:
                bottom[index] = label.text
                group = max((u for u in upper if u.start - 2 <= label.start), key=lambda u: u.start, default=None)
                if group is not None and group.text not in top:
                    top[index] = group.text
            else:
                top[index] = label.text
        if not first:
            return [Row([Cell(text) for text in top], where), Row([Cell(text) for text in bottom], where)]
        return [Row([Cell(text, bold=True) for text in top], where), Row([Cell(t, bold=True) for t in bottom], where)]
    texts = [label.text for label in placed][:width]
    texts += [""] * (width - len(texts))
    if columns and columns[0].kind == "lead" and len(placed) < width:
        texts = ["", *texts[: width - 1]]
    return [Row([Cell(text, bold=first) for text in texts], where)]


def header_matches(table: IndicatorTable, header: Header) -> bool:
    """Whether ``header`` is the table's header printed again on a new page."""
    return header.key() == table.header.key()


def starts_for(table: IndicatorTable, header: Header, lines: list[Printed]) -> list[int]:
    """The columns' starts on a page whose header is ``header``: a merged lead column printed empty in a
    repeated header starts at the line's start."""
    width = len(table.columns)
    if table.columns and table.columns[0].kind == "lead" and len(header.columns()) < width:
        inner = segment_starts(header, lines, width - 1)
        return [0, *[max(start, 1) for start in inner]]
    return segment_starts(header, lines, width)
