"""``pdftotext -layout`` text: columns aligned with spaces, pages separated by form feeds.

The ruling of the PDF is gone, so tables are recovered from positions and
printed widths. This is a best effort (``docs/forms.md`` says what it gets
wrong):

* **the head of a 项目绩效目标表** (``项目编码`` … ``绩效目标``, or the label/value
  lines of other templates when an indicator table follows them): each printed
  line is split into its runs of text (two or more spaces apart; a known label
  followed by one space is split off too); a label wrapped onto the next line
  (``预算规模及`` / ``资金用途``) is joined back, a line that only continues the
  cell above (an indented run) is appended to it, a value's first line printed
  above its label joins the value below, and the 资金支出计划 values are cut at
  the positions of their month labels;
* **indicator tables** (a header of known labels, printed again on each page
  the table runs over) are read by :mod:`kb.read.layout_table` and
  :mod:`kb.read.layout_grid`: cells of each line, lines grouped into rows,
  merged 一级/二级 labels placed at the rows they span, with the vertical
  alignment that explains the document's tables best;
* **other tables with a header line** (``序号  科目编码 …``): the start of each
  label is where its column starts; every following line is cut at those
  starts, and printed lines are gathered into rows: a line continues the row
  above while it only adds text to cells that are still empty or whose text
  ran up to the column's end (a wrapped cell).

Lines that are not part of a table are paragraphs, a line filled up to the
text column's width joined with the next; a running page header is kept apart;
a form feed starts a new page, and every line knows its page and file line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.read.blocks import Block, Cell, Line, Paragraph, ReadDocument, Row, Table, Where
from kb.read.decode import SourceText
from kb.read.layout_grid import MODES, Mode, Segment
from kb.read.layout_labels import HEAD_LABELS, LEVEL1_OF, LEVEL_NAMES, label_key
from kb.read.layout_table import (
    Header,
    IndicatorTable,
    ReadTable,
    cut_table,
    grid_columns,
    header_matches,
    read_header,
    starts_for,
    table_caps,
)
from kb.read.layout_text import Printed, first_unit, join_lines, text_width

_RUN = re.compile(r"\S(?: ?\S)*")  # runs of text separated by two or more spaces
_TITLE = re.compile(r"^\d{1,3}\s*[、.．].*绩效目标表\s*$")
_SECTION = re.compile(r"^[一二三四五六七八九十]+、")
_ASCII = re.compile(r"[0-9A-Za-z]")
# The first label of a header line whose labels give the columns of the table below it.
_HEADER_FIRST = ("一级指标", "序号", "单位名称", "政府采购项目来源")
_INDICATOR_HEADER = "一级指标"
# Labels of a 项目绩效目标表's head, as they may be printed wrapped over two lines.
_HEAD_LABELS = ("预算规模及资金用途", "资金支出计划（%）", "资金支出计划(%)")
_HEAD_SPLIT = re.compile(
    r"^(项目编码|项目名称|预算规模及|预算数|其中：财政资金|其他资金|资金用途|资金支出计|划（%）|绩效目标) (\S.*)$"
)


def _join(parts: list[str]) -> str:
    """Pieces of a wrapped cell joined: CJK directly, two ASCII words with a space."""
    text = ""
    for part in parts:
        if text and _ASCII.match(text[-1]) and _ASCII.match(part[0]):
            text += " " + part
        else:
            text += part
    return text


# --- tables with a header line ---------------------------------------------------------------------------------


def _cut(text: str, starts: list[int]) -> list[tuple[str, bool]]:
    """``text`` cut into the columns that start at ``starts``: each cell's text and whether it ran up to the
    next column (a wrapped cell).

    pdftotext places a piece of text at the column of its position on the page, but pushes it right when the
    text before it on the same line is wider than its columns: a run goes to the rightmost column starting at
    or before it, and never left of the run before it; a run holding a single space at a column start is two
    cells (``薪酬制度改革合同数量 薪酬制度改革合同数量``).
    """
    width = len(starts)
    cells: list[list[str]] = [[] for _ in range(width)]
    ends = [0] * width
    previous = -1
    for start, run in _RUN_AT.findall_positions(text):
        for piece_start, piece in _split_at_columns(start, run, starts):
            column = max(i for i in range(width) if i == 0 or starts[i] <= piece_start + 1)
            if column <= previous:
                column = min(previous + 1, width - 1)
            cells[column].append(piece)
            ends[column] = piece_start + len(piece)
            previous = column
    out: list[tuple[str, bool]] = []
    for i in range(width):
        boundary = starts[i + 1] if i + 1 < width else None
        full = boundary is not None and bool(cells[i]) and ends[i] >= boundary - 2
        out.append((" ".join(cells[i]), full))
    return out


def _split_at_columns(start: int, run: str, starts: list[int]) -> list[tuple[int, str]]:
    """A run cut at each single space that falls where a column starts."""
    pieces: list[tuple[int, str]] = []
    piece_start = start
    column = max(i for i in range(len(starts)) if i == 0 or starts[i] <= start + 1)
    boundary = starts[column + 1] if column + 1 < len(starts) else None
    for match in re.finditer(" ", run):
        after = start + match.end()
        before_char, after_char = run[match.start() - 1], run[match.end()] if match.end() < len(run) else ""
        # Two CJK texts one space apart in a run that overflows its column: two cells.
        overflowing = boundary is not None and start + len(run) > boundary + 1 and after >= boundary - 4
        cjk_gap = not _ASCII.match(before_char) and bool(after_char) and not _ASCII.match(after_char)
        if any(abs(after - s) <= 1 for s in starts if s > piece_start + 1) or (overflowing and cjk_gap):
            pieces.append((piece_start, run[piece_start - start : match.start()]))
            piece_start = after
    pieces.append((piece_start, run[piece_start - start :]))
    return [(s, text) for s, text in pieces if text]


class _Runs:
    """``findall_positions(text)``: the runs of ``text`` and where they start."""

    @staticmethod
    def findall_positions(text: str) -> list[tuple[int, str]]:
        return [(m.start(), m.group(0)) for m in _RUN.finditer(text)]


_RUN_AT = _Runs()


def _true_starts(header: list[int], lines: list[Printed]) -> list[int]:
    """Where the columns really start: pdftotext pushes a header label right of its column when the label
    before it is wide; the leftmost start of text seen between two header labels is the column's start."""
    starts = list(header)
    runs = [start for line in lines for start, _ in line.runs()]
    for i in range(1, len(starts)):
        low = starts[i - 1] + 2
        seen = [s for s in runs if low <= s <= header[i]]
        if seen:
            starts[i] = min(min(seen), header[i])
    return starts


@dataclass
class _RowDraft:
    parts: list[list[str]]
    full: list[bool]
    first: Printed
    last: Printed
    levels: list[list[str]] = field(default_factory=lambda: [[], []])


def _header_starts(line: Printed) -> list[int] | None:
    runs = line.runs()
    if len(runs) < 3 or not any(runs[0][1].replace(" ", "").startswith(first) for first in _HEADER_FIRST):
        return None
    if runs[0][1].startswith(_INDICATOR_HEADER):
        # The indicator header's labels hold no space: one space apart they are still two columns.
        return [start + m.start() for start, text in runs for m in re.finditer(r"\S+", text)]
    return [start for start, _ in runs]


def _table_rows(lines: list[Printed], starts: list[int], indicator: bool) -> list[_RowDraft]:
    width = len(starts)
    body = range(2, width) if indicator else range(width)
    rows: list[_RowDraft] = []
    pending: list[list[str]] = [[], []]  # level labels on lines of their own: they belong to the next row
    for line in lines:
        pieces = _cut(line.text, starts)
        pieces = (pieces + [("", False)] * width)[:width]
        texts = [text for text, _ in pieces]
        if indicator:
            _move_overflow(texts)
        adds = [c for c in body if texts[c]]
        if indicator and not adds:
            for c in (0, 1):
                if texts[c]:
                    pending[c].append(texts[c])
            continue
        row = rows[-1] if rows else None
        if row is None or not _continues(row, adds, body, indicator):
            row = _RowDraft([[] for _ in range(width)], [False] * width, line, line)
            rows.append(row)
        if indicator:
            for c in (0, 1):
                row.levels[c].extend(pending[c])
                if texts[c]:
                    row.levels[c].append(texts[c])
            pending = [[], []]
        for c in adds if indicator else range(width):
            if texts[c]:
                row.parts[c].append(texts[c])
                row.full[c] = pieces[c][1]
        row.last = line
    if rows and any(pending):
        for c in (0, 1):
            rows[-1].levels[c].extend(pending[c])
    return rows


def _continues(row: _RowDraft, adds: list[int], body: range, indicator: bool) -> bool:
    """Whether a printed line adding text to the columns ``adds`` continues ``row``.

    An incomplete row (a cell of its body still empty: single-line cells are printed at the row's middle)
    takes the line unless it starts another 三级指标 (or, outside indicator tables, adds to a cell whose text
    did not run to the column's end); a complete row takes only the wrapped rest of one or two of its cells.
    """
    if not all(row.parts[c] for c in body):
        if indicator:
            return not (2 in adds and row.parts[2] and not row.full[2])
        return all(not row.parts[c] or row.full[c] for c in adds)
    return len(adds) <= 2 and all(row.full[c] for c in adds)


def _move_overflow(texts: list[str]) -> None:
    """A level label wider than its column pushes the next cell's text left into it (``社会效益指标 社会氛围``):
    what follows a known label and a space belongs to the next column."""
    for c in (0, 1):
        label, _, rest = texts[c].partition(" ")
        if rest and label in LEVEL_NAMES:
            texts[c] = label
            texts[c + 1] = _join([rest, texts[c + 1]]) if texts[c + 1] else rest


def _indicator_levels(rows: list[_RowDraft]) -> list[tuple[str, str]]:
    """一级/二级 of each row: 二级 labels (wrapped pieces joined) fill down; 一级 follows from 二级."""
    levels: list[tuple[str, str]] = []
    level1 = level2 = ""
    pending2 = ""
    for row in rows:
        own2 = _join(row.levels[1])
        own1 = _join(row.levels[0])
        if pending2 and own2 and _join([pending2, own2]) in LEVEL1_OF:
            own2 = _join([pending2, own2])  # the rest of a label wrapped over two rows
        pending2 = ""
        if own2 and own2 not in LEVEL1_OF and any(label.startswith(own2) for label in LEVEL1_OF):
            pending2 = own2  # the first half of a wrapped label: its rest is on the next row
        if own2:
            level2 = own2
        if level2 in LEVEL1_OF:
            level1 = LEVEL1_OF[level2]
        elif own1:
            level1 = own1
        levels.append((level1, level2))
    return levels


def _table(header: Printed, starts: list[int], lines: list[Printed]) -> Table:
    indicator = header.text.strip().startswith(_INDICATOR_HEADER)
    header_cells = [Cell(text) for text, _ in _cut(header.text, starts)][: len(starts)]
    starts = _true_starts(starts, lines)
    drafts = _table_rows(lines, starts, indicator)
    rows = [Row(header_cells, header.where)]
    levels = _indicator_levels(drafts) if indicator else []
    previous = ("", "")
    for index, draft in enumerate(drafts):
        texts = [_join(parts) for parts in draft.parts]
        if indicator:
            level1, level2 = levels[index]
            # As in the text form: a level is printed where it changes, empty where it repeats.
            texts[0] = level1 if level1 != previous[0] else ""
            texts[1] = level2 if (level1, level2) != previous else ""
            previous = (level1, level2)
        where = Where(line=draft.first.number, last_line=draft.last.number, page=draft.first.page)
        rows.append(Row([Cell(text) for text in texts], where))
    return Table(rows, header.where, header_rows=1)


# --- the head of a 项目绩效目标表 ------------------------------------------------------------------------------


_LABEL_INSIDE = re.compile(r" (?=(?:项目名称|预算数|其中：财政资金|其他资金)(?: |$))")


# A label of a project's head and its value, one space apart.
_ANY_HEAD_SPLIT = re.compile(
    r"^(" + "|".join(re.escape(label) for label in sorted(HEAD_LABELS, key=len, reverse=True)) + r") (\S.*)$"
)


# How many lines a project's head (other than a 项目编码 one) may take before its indicator table.
_HEAD_LINES = 16


def _head_end(printed: list[Printed], index: int) -> int | None:
    """Where the project head starting at ``printed[index]`` ends: at its indicator table's header (or a caption
    above it). None where no indicator table follows soon: the labels head some other table."""
    if read_header(printed, index) is not None:
        return None
    end = index + 1
    while end < len(printed) and not printed[end].text.startswith(_INDICATOR_HEADER):
        if _ends_table(printed[end]) or read_header(printed, end) is not None:
            break
        if _PERIOD_CAPTION.match(printed[end].text.strip()):
            break
        end += 1
    if printed[index].text.startswith("项目编码"):
        return end
    if end - index > _HEAD_LINES or end >= len(printed):
        return None
    following = printed[end]
    indicator = following.text.startswith(_INDICATOR_HEADER) or read_header(printed, end) is not None
    return end if indicator or _PERIOD_CAPTION.match(following.text.strip()) else None


def _starts_head(line: Printed) -> bool:
    """Whether a line starts a project's head: at the left margin, its first word a label of the head."""
    if line.text.startswith("项目编码"):
        return True
    if line.text.startswith(" "):
        return False
    first = line.text.split()[0]
    return (label_key(first) in HEAD_LABELS and len(line.runs()) >= 2) or bool(_ANY_HEAD_SPLIT.match(line.text))


def _head_cells(line: Printed) -> list[tuple[int, str]]:
    cells: list[tuple[int, str]] = []
    runs: list[tuple[int, str]] = []
    for start, text in line.runs():
        offset = 0
        for part in _LABEL_INSIDE.split(text):
            runs.append((start + offset, part))
            offset += len(part) + 1
    for start, text in runs:
        split = _HEAD_SPLIT.match(text) or _ANY_HEAD_SPLIT.match(text)
        while split:
            cells.append((start, split.group(1)))
            start += len(split.group(1)) + 1
            text = split.group(2)
            split = _HEAD_SPLIT.match(text) or _ANY_HEAD_SPLIT.match(text)
        cells.append((start, text))
    return cells


def _project_head(lines: list[Printed]) -> Table:
    """The rows of a project table above its indicator header."""
    rows: list[tuple[list[tuple[int, str]], Printed, Printed]] = []
    plan_starts: list[int] | None = None
    # An indented run alone above a labelled line, starting where that line's value does: the first line of a
    # value printed in the middle of its rows (its label beside a later line).
    held: tuple[int, str, Printed] | None = None
    for number, line in enumerate(lines):
        cells = _head_cells(line)
        if not cells:
            continue
        first_line = line
        if held is not None:
            start, text, first_line = held
            cells[1] = (start, _join_item(text, cells[1][1]))
            held = None
        if rows:
            previous, first, _ = rows[-1]
            label = _join([previous[0][1], cells[0][1]]) if previous[0][1] else ""
            if previous[0][0] == 0 and cells[0][0] == 0 and label in _HEAD_LABELS:
                previous[0] = (0, label)
                cells[0] = (0, "")
            elif len(cells) == 1 and cells[0][0] >= 4:
                start, text = previous[-1]
                following = _head_cells(lines[number + 1]) if number + 1 < len(lines) else []
                if (
                    start != cells[0][0]
                    and len(following) > 1
                    and following[0][0] == 0
                    and following[1][0] == cells[0][0]
                ):
                    held = (cells[0][0], cells[0][1], line)
                    continue
                # An indented run alone: the wrapped rest of the last cell above.
                previous[-1] = (start, _join([text, cells[0][1]]))
                rows[-1] = (previous, first, line)
                continue
        label = cells[0][1]
        if label.startswith("资金支出计") or label.startswith("资金支出计划"):
            plan_starts = [start for start, _ in cells]
        elif plan_starts and cells[0][1] in ("划（%）", "") and len(cells) > 1:
            cut = _cut(line.text, plan_starts)
            cells = [(0, cells[0][1]), *((plan_starts[i], text) for i, (text, _) in enumerate(cut) if i)]
        rows.append((cells, first_line, line))
    out = [
        Row([Cell(text) for _, text in cells], Where(line=first.number, last_line=last.number, page=first.page))
        for cells, first, last in rows
    ]
    return Table(out, out[0].where if out else Where(), header_rows=0)


_ITEM_START = re.compile(r"^\d{1,2}\s*[.、．]")


def _join_item(text: str, following: str) -> str:
    """Two lines of one value: numbered items on lines of their own, the wrapped rest of a line joined."""
    return f"{text}\n{following}" if _ITEM_START.match(following) else _join([text, following])


# --- the document ----------------------------------------------------------------------------------------------


def _ends_table(line: Printed) -> bool:
    text = line.text.strip()
    return bool(_TITLE.match(text) or _SECTION.match(text)) or text.startswith("单位：") or text.startswith("项目编码")


def _printed_lines(lines: list[str]) -> list[Printed]:
    printed: list[Printed] = []
    page = 1
    for number, raw in enumerate(lines, start=1):
        # pdftotext ends a page with a form feed: the text after one is on the next page.
        before, _, _ = raw.rpartition("\f")
        page += before.count("\f") + (1 if "\f" in raw else 0)
        text = raw.replace("\f", "").rstrip()
        if text.strip():
            printed.append(Printed(text, number, page))
    return printed


_DIGITS = re.compile(r"[0-9\s]")
_TOP_LINES = 3


def _running_lines(printed: list[Printed]) -> set[int]:
    """The lines of a running page header: among the first lines of a page, the same text (numbers aside) on at
    least three pages, other than a table's header printed again."""
    tops: dict[int, list[int]] = {}
    for index, line in enumerate(printed):
        top = tops.setdefault(line.page, [])
        if len(top) < _TOP_LINES:
            top.append(index)
    seen: dict[str, set[int]] = {}
    for page, indices in tops.items():
        for index in indices:
            key = _DIGITS.sub("", printed[index].text)
            if key:
                seen.setdefault(key, set()).add(page)
    running = {key for key, pages in seen.items() if len(pages) >= 3}
    return {
        index
        for indices in tops.values()
        for index in indices
        if _DIGITS.sub("", printed[index].text) in running and read_header(printed, index) is None
    }


def _noise_blocks(line: Printed) -> list[Block]:
    """A running page header line as the text forms print it: each of its parts a line of its own."""
    return [Paragraph([Line(text, line.where)]) for _, text in line.runs()]


@dataclass
class _Pending:
    """An indicator table found in the first pass, to be read once the document's alignment is known."""

    table: IndicatorTable
    # Blocks between its pages (page headers), after each page but the last.
    between: list[list[Block]]


def _collect_table(printed: list[Printed], index: int, header: Header, running: set[int]) -> tuple[_Pending, int]:
    """The indicator table whose header is at ``index``, over as many pages as print its header again."""
    table = IndicatorTable(header, grid_columns(header))
    between: list[list[Block]] = []
    continued = False
    while True:
        body_start = index + len(header.lines)
        end = body_start
        while end < len(printed) and end not in running and not _ends_table(printed[end]):
            if read_header(printed, end) is not None or not _in_indicator_table(printed[end]):
                break
            end += 1
        body = printed[body_start:end]
        table.headers.append(header)
        table.segments.append(Segment(header.lines, starts_for(table, header, body), body, continued))
        noise: list[Block] = []
        after = end
        while after < len(printed) and (after in running or _is_noise(printed[after])):
            noise.extend(_noise_blocks(printed[after]) if after in running else [_paragraph(printed[after])])
            after += 1
        following = read_header(printed, after) if after < len(printed) else None
        last_page = body[-1].page if body else header.lines[-1].page
        if following is None or printed[after].page <= last_page or not header_matches(table, following):
            return _Pending(table, between), end
        between.append(noise)
        index, header, continued = after, following, True


def index_line(printed: list[Printed], index: int) -> int | None:
    """The file line of ``printed[index]`` (None before the first)."""
    return printed[index].number if index >= 0 else None


# How many prose lines must reach a width for it to be the text column's (see _prose_width).
_PROSE_CROWD = 3
# How far short of the text column a wrapped line may end (em): Latin widths are estimates.
_PROSE_SLACK = 0.25
# The text column is at least this share of the widest prose line (a wider one may be a table row of one run).
_PROSE_NEAR = 0.5


def _prose_width(printed: list[Printed]) -> float:
    """The width (em) of the document's text column: the widest that several prose lines (one run of text at the
    left margin) reach, wrapped lines filling it up to a character; 0 where too few lines come near the widest
    (a document of tables and headings: no line is taken for wrapped)."""
    widths = sorted(
        (text_width(line.text) for line in printed if not line.text.startswith(" ") and len(line.runs()) == 1),
        reverse=True,
    )
    for n, width in enumerate(widths):
        if width < _PROSE_NEAR * widths[0]:
            break
        if n + _PROSE_CROWD <= len(widths) and widths[n + _PROSE_CROWD - 1] >= width - 1.0:
            return width
    return 0.0


# A line that starts a numbered item, a heading or a table's title starts a paragraph of its own.
_ITEM = re.compile(r"^(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|\d{1,3}\s*[、.．)）])")


def _wrapped(previous: Printed, line: Printed, right: float) -> bool:
    """Whether prose ``line`` continues ``previous``, wrapped at the text column's edge: both at the left margin,
    one run each, the next line no numbered item or title, and its first unit would not have fitted after
    ``previous``."""
    if not right or previous.text.startswith(" ") or line.text.startswith(" "):
        return False
    if len(previous.runs()) != 1 or len(line.runs()) != 1:
        return False
    text = line.text.strip()
    if _ITEM.match(text) or _TITLE.match(text) or _PLAIN_TITLE.match(text) or _ends_table(line):
        return False
    return text_width(previous.text.rstrip()) + text_width(first_unit(text)) > right - _PROSE_SLACK


def _paragraph(line: Printed) -> Paragraph:
    return Paragraph([Line(line.text.strip(), line.where)])


def _is_noise(line: Printed) -> bool:
    """Lines a table may be interrupted by at a page break: 单位, 续表."""
    text = line.text.strip()
    return text.startswith("单位：") or text in ("续表", "（续）", "(续)")


def _in_indicator_table(line: Printed) -> bool:
    """A line belongs to the indicator table above while it has several runs, is indented or is a level label."""
    runs = line.runs()
    if not runs:
        return False
    first_word = runs[0][1].split(" ")[0]
    text = line.text.strip()
    if _PLAIN_TITLE.match(text) or _PERIOD_CAPTION.match(text):
        return False
    return len(runs) >= 2 or runs[0][0] >= 2 or first_word in LEVEL_NAMES


_PLAIN_TITLE = re.compile(r"^\S.{0,60}绩效(?:目标|指标)表$")
_PERIOD_CAPTION = re.compile(
    r"^(?:[（(][一二三四五六七八九十]+[）)]|\d{1,2}\s*[、.．])?\s*(?:年度|中长期|长期)绩效(?:指标|目标)表?$"
)


def layout_blocks(lines: list[str]) -> list[Block]:
    """The blocks of ``pdftotext -layout`` lines."""
    printed = _printed_lines(lines)
    running = _running_lines(printed)
    right = _prose_width(printed)
    # First pass: every block, indicator tables held back until the document's alignment is known.
    items: list[Block | _Pending] = []
    index = 0
    while index < len(printed):
        line = printed[index]
        if index in running:
            items.extend(_noise_blocks(line))
            index += 1
            continue
        head_end = _head_end(printed, index) if _starts_head(line) else None
        if head_end is not None:
            items.append(_project_head(printed[index:head_end]))
            index = head_end
            continue
        header = read_header(printed, index)
        if header is not None:
            pending, index = _collect_table(printed, index, header, running)
            items.append(pending)
            continue
        starts = _header_starts(line)
        if starts is None:
            previous = items[-1] if items else None
            if (
                isinstance(previous, Paragraph)
                and previous.lines[-1].where.line == index_line(printed, index - 1)
                and _wrapped(printed[index - 1], line, right)
            ):
                last = previous.lines[-1]
                text = join_lines([last.text, line.text.strip()])
                previous.lines[-1] = Line(
                    text, Where(line=last.where.line, last_line=line.number, page=last.where.page)
                )
            else:
                items.append(_paragraph(line))
            index += 1
            continue
        end = index + 1
        while end < len(printed) and not _ends_table(printed[end]) and _header_starts(printed[end]) is None:
            if end in running or not _in_table(printed[end], starts):
                break
            end += 1
        items.append(_table(line, starts, printed[index + 1 : end]))
        index = end
    held = [item for item in items if isinstance(item, _Pending)]
    reads = _cut_tables([item.table for item in held])
    mode = _document_mode(reads)
    blocks: list[Block] = []
    for item in items:
        if not isinstance(item, _Pending):
            blocks.append(item)
            continue
        tables = reads[id(item.table)].blocks(mode)
        for number, table in enumerate(tables):
            blocks.append(table)
            if number < len(item.between):
                blocks.extend(item.between[number])
    return blocks


def _cut_tables(tables: list[IndicatorTable]) -> dict[int, ReadTable]:
    """Every indicator table cut into cells. A document prints its tables of one header with the same column
    widths, so each column is as wide as its widest line in any of them: a column that never wraps in one
    table shows its width in another."""
    own = {id(table): table_caps(table) for table in tables}
    widest: dict[tuple[str, ...], list[float]] = {}
    for table in tables:
        key = tuple(column.label for column in table.columns)
        caps = own[id(table)]
        known = widest.get(key)
        widest[key] = caps if known is None else [max(a, b) for a, b in zip(known, caps, strict=True)]
    return {id(table): cut_table(table, widest[tuple(column.label for column in table.columns)]) for table in tables}


def _document_mode(reads: dict[int, ReadTable]) -> Mode:
    """How the document aligns its cells vertically: the alignment that explains its indicator tables best."""
    if not reads:
        return "middle"
    totals = {mode: sum(read.cost(mode) for read in reads.values()) for mode in MODES}
    return min(totals, key=lambda mode: totals[mode])


def _in_table(line: Printed, starts: list[int]) -> bool:
    """A line belongs to the table above while it has several runs or is indented (a paragraph is neither)."""
    runs = line.runs()
    if not runs:
        return False
    first_word = runs[0][1].split(" ")[0]
    return len(runs) >= 2 or runs[0][0] >= 2 or first_word in LEVEL_NAMES


def _page_count(lines: list[str]) -> int | None:
    """pdftotext ends every page with a form feed, the last one included."""
    feeds = sum(line.count("\f") for line in lines)
    if not feeds:
        return None
    ends_with_feed = "".join(lines).rstrip("\n ").endswith("\f")
    return feeds if ends_with_feed else feeds + 1


def read_layout(source: SourceText) -> ReadDocument:
    """``pdftotext -layout`` text as blocks."""
    return ReadDocument(
        path=source.path,
        sha256=source.sha256,
        form="layout",
        encoding=source.encoding,
        blocks=layout_blocks(source.lines),
        page_count=_page_count(source.lines),
        notes=list(source.notes),
    )
