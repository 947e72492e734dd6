"""The format-neutral document model between a file and the parsers: headings, paragraphs and tables.

Every reader (:mod:`kb.read.text`, :mod:`kb.read.markdown`, :mod:`kb.read.html`,
:mod:`kb.read.pdf`, :mod:`kb.read.layout`, :mod:`kb.read.xlsx`, :mod:`kb.read.docx`)
turns its form into the same :class:`ReadDocument`: an ordered list of blocks.
A table is a full grid: merged cells are resolved, each position covered by a
span is a :class:`Cell` marked ``covered`` that knows the text of the span's
origin, so 一级/二级 inheritance reads the same in every form while a parser
can still tell a merged cell from an empty one. Every block, row and cell
carries :class:`Where` it came from: file lines (text forms), page (PDF, and
the printed line in ``pdftotext -layout`` text), sheet and row (XLSX),
paragraph or table index (DOCX).

Column mapping by header text (other 绩效目标表 templates) can be added on top
of :class:`Table` — header rows are marked (``header_rows``) and every row
keeps its cells' positions — without changing the readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

# What a document was read as. ``layout`` is the text ``pdftotext -layout`` writes (space-aligned columns).
Form = Literal["txt", "md", "html", "pdf", "layout", "xlsx", "docx"]
FORMS: tuple[Form, ...] = ("txt", "md", "html", "pdf", "layout", "xlsx", "docx")


class Where(NamedTuple):
    """Where something was read: every field that the form knows, the others None.

    ``line``/``last_line`` are 1-based lines of the file (text, markdown, HTML,
    layout text); ``page`` is 1-based (PDF, layout text, paginated markdown);
    ``sheet`` and ``row`` name a spreadsheet cell's sheet and 1-based row (the
    row also numbers a DOCX table's rows); ``block_index`` is the 0-based position of
    a DOCX paragraph or table in the body. (A named tuple: one is made for every
    line of every document, and it is the cheapest immutable record to make.)
    """

    line: int | None = None
    last_line: int | None = None
    page: int | None = None
    sheet: str | None = None
    row: int | None = None
    block_index: int | None = None

    def label(self) -> str:
        """``第 12 页``, ``工作表 绩效 第 40 行`` or ``第 35 行``: the place, as a user would look for it."""
        parts = []
        if self.sheet is not None:
            parts.append(f"工作表 {self.sheet}")
        if self.page is not None:
            parts.append(f"第 {self.page} 页")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        elif self.line is not None:
            parts.append(f"第 {self.line} 行")
        return " ".join(parts)


NOWHERE = Where()


@dataclass(slots=True)
class Cell:
    """One grid position of a table.

    An origin cell holds its text (and ``rowspan``/``colspan`` if it is
    merged); a position covered by a span is ``covered``, its ``text`` empty
    and ``span_text`` the origin's text.
    """

    text: str
    bold: bool = False
    rowspan: int = 1
    colspan: int = 1
    covered: bool = False
    span_text: str = ""


class Row:
    """One row of a table grid and where it was read.

    A row read from tab-separated text is kept as its cells' texts, and its :class:`Cell` objects are made
    only when someone asks for them (a document has tens of thousands of cells; the parsers read texts).
    """

    __slots__ = ("_cells", "_texts", "raw", "where")

    def __init__(
        self,
        cells: list[Cell] | None = None,
        where: Where = NOWHERE,
        raw: str | None = None,
        *,
        texts: list[str] | None = None,
    ) -> None:
        self._cells = cells
        self._texts = texts if cells is None else None
        self.where = where
        # The row as the file printed it, where the form has one (a line of tab-separated text).
        self.raw = raw

    @property
    def cells(self) -> list[Cell]:
        """The cells of the row (made from the texts on first use)."""
        if self._cells is None:
            self._cells = [Cell(text) for text in self._texts or []]
            self._texts = None
        return self._cells

    @cells.setter
    def cells(self, cells: list[Cell]) -> None:
        self._cells, self._texts = cells, None

    def texts(self) -> list[str]:
        """The cells' texts, covered positions empty (as a text conversion prints a merged cell)."""
        if self._cells is None:
            return list(self._texts or [])
        return [cell.text for cell in self._cells]

    def all_text(self) -> str:
        """Every text of the row, the origins' texts held by covered cells included (what normalising reads)."""
        if self._cells is None:
            return "".join(self._texts or [])
        return "".join(cell.text + cell.span_text for cell in self._cells)

    def __repr__(self) -> str:
        return f"Row({self.texts()!r}, {self.where!r})"


@dataclass(slots=True)
class Table:
    """A table: rows of a grid (rows may be ragged where the source is), its leading header rows marked."""

    rows: list[Row]
    where: Where = NOWHERE
    header_rows: int = 0


@dataclass(slots=True)
class Line:
    """One line of a heading or paragraph as printed (a wrapped line joined back where the form shows it)."""

    text: str
    where: Where = NOWHERE


@dataclass(slots=True)
class Heading:
    """A heading; ``level`` 1–6 where the form marks it (markdown ``#``, HTML ``<hN>``, DOCX styles)."""

    lines: list[Line]
    level: int = 1


@dataclass(slots=True)
class Paragraph:
    """A paragraph: its lines in order."""

    lines: list[Line]


Block = Heading | Paragraph | Table


@dataclass(frozen=True, slots=True)
class ReadNote:
    """Something a reader had to repair or leave out (a registered warning code of :mod:`kb.parse.notes`)."""

    code: str
    message: str
    where: Where = NOWHERE


@dataclass(slots=True)
class ReadDocument:
    """A document as read: its identity, its form and its blocks in reading order."""

    path: str
    sha256: str
    form: Form
    encoding: str
    blocks: list[Block]
    page_count: int | None = None
    notes: list[ReadNote] = field(default_factory=list)


def cell_grid(rows: list[list[tuple[str, bool, int, int] | None]]) -> list[list[Cell]]:
    """Resolve a table given as rows of origin cells ``(text, bold, rowspan, colspan)`` into a full grid.

    This is the HTML table algorithm: each origin cell takes the next free
    position of its row; the positions its span covers become covered cells
    knowing its text. ``None`` in the input is a position nothing starts at
    (kept as an empty cell). Rowspans running past the last row are cut at it.
    """
    height = len(rows)
    grid: list[list[Cell | None]] = [[] for _ in range(height)]
    for r, row in enumerate(rows):
        c = 0
        for item in row:
            while c < len(grid[r]) and grid[r][c] is not None:
                c += 1
            if item is None:
                _put(grid[r], c, Cell(""))
                c += 1
                continue
            text, bold, rowspan, colspan = item
            rowspan = max(1, min(rowspan, height - r))
            colspan = max(1, colspan)
            _put(grid[r], c, Cell(text, bold, rowspan, colspan))
            for rr in range(r, r + rowspan):
                for cc in range(c, c + colspan):
                    if (rr, cc) != (r, c):
                        _put(grid[rr], cc, Cell("", bold, covered=True, span_text=text))
            c += colspan
    return [[cell if cell is not None else Cell("") for cell in row] for row in grid]


def _put(row: list[Cell | None], c: int, cell: Cell) -> None:
    while len(row) <= c:
        row.append(None)
    if row[c] is None:
        row[c] = cell
