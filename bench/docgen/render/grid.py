"""Where each cell of a :class:`Table` sits in the full grid, spans resolved (the HTML table algorithm).

Rows of a :class:`Table` list only the cells that start in them; the forms
that need every position (text, markdown, XLSX, DOCX) place them here once.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.docgen.blocks import Cell, Table


@dataclass(frozen=True)
class Placed:
    """A cell at its top-left grid position (row ``r``, column ``c``)."""

    cell: Cell
    r: int
    c: int

    @property
    def bottom(self) -> int:
        """The last grid row the cell covers."""
        return self.r + self.cell.rowspan - 1

    @property
    def right(self) -> int:
        """The last grid column the cell covers."""
        return self.c + self.cell.colspan - 1


@dataclass
class Grid:
    """A table laid out: ``slots[r][c]`` is the cell covering that position (``None`` where nothing does).

    ``slots[r]`` is as long as row ``r`` reaches (the last column a cell
    starting in or spanning into the row covers), so a ragged table stays ragged.
    """

    placed: list[Placed]
    slots: list[list[Placed | None]]

    @property
    def width(self) -> int:
        """The number of columns of the widest row."""
        return max((len(row) for row in self.slots), default=0)

    def is_origin(self, r: int, c: int) -> bool:
        """Whether a cell starts at ``(r, c)`` (rather than covering it by a span, or nothing being there)."""
        slot = self.slots[r][c] if c < len(self.slots[r]) else None
        return slot is not None and slot.r == r and slot.c == c


def layout(table: Table) -> Grid:
    """Place every cell of ``table``; rowspans running past the last row are cut at it."""
    height = len(table.rows)
    slots: list[list[Placed | None]] = [[] for _ in range(height)]
    placed: list[Placed] = []
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while c < len(slots[r]) and slots[r][c] is not None:
                c += 1  # skip positions covered by rowspans from above
            rowspan = min(max(cell.rowspan, 1), height - r)
            item = Placed(Cell(cell.text, cell.bold, rowspan, max(cell.colspan, 1)), r, c)
            placed.append(item)
            for rr in range(r, r + rowspan):
                for cc in range(c, c + item.cell.colspan):
                    _put(slots[rr], cc, item)
            c += item.cell.colspan
    return Grid(placed, slots)


def _put(row: list[Placed | None], c: int, item: Placed) -> None:
    while len(row) <= c:
        row.append(None)
    row[c] = item
