"""The full grid behind a table whose rows list only the cells that start in them.

A :class:`~bench.docgen.blocks.Table` follows HTML: a cell with ``rowspan``
covers positions in the rows below, which do not list it again. Pagination and
the tests need every position resolved to the cell that owns it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.docgen.blocks import Cell, Table


class GridError(ValueError):
    """The spans of a table overlap, leave holes or run past its last row."""


@dataclass(frozen=True)
class Grid:
    """Every position of a table: ``owner[r][c]`` is the (row, column) where the covering cell starts."""

    owner: list[list[tuple[int, int]]]
    cells: dict[tuple[int, int], Cell]
    width: int

    def cell_at(self, row: int, column: int) -> Cell:
        """The cell covering a position."""
        return self.cells[self.owner[row][column]]

    def texts(self, row: int) -> list[str]:
        """The row's texts with spanned positions filled by the covering cell's text."""
        return [self.cell_at(row, column).text for column in range(self.width)]


def expand(table: Table) -> Grid:
    """Resolve a table's spans; raises :class:`GridError` when they do not tile a rectangle."""
    taken: dict[tuple[int, int], tuple[int, int]] = {}
    cells: dict[tuple[int, int], Cell] = {}
    height = len(table.rows)
    width = 0
    for r, row in enumerate(table.rows):
        column = 0
        for cell in row:
            while (r, column) in taken:
                column += 1
            if cell.rowspan < 1 or cell.colspan < 1:
                raise GridError(f"row {r}: span below 1")
            if r + cell.rowspan > height:
                raise GridError(f"row {r}: rowspan {cell.rowspan} runs past the table's {height} rows")
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    position = (r + dr, column + dc)
                    if position in taken:
                        raise GridError(f"row {r}: cell {cell.text!r} overlaps position {position}")
                    taken[position] = (r, column)
            cells[(r, column)] = cell
            column += cell.colspan
        width = max(width, column)
    owner: list[list[tuple[int, int]]] = []
    for r in range(height):
        line = []
        for column in range(width):
            if (r, column) not in taken:
                raise GridError(f"row {r}: no cell covers column {column}")
            line.append(taken[(r, column)])
        owner.append(line)
    return Grid(owner=owner, cells=cells, width=width)
