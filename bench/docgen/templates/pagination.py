"""Laying blocks out on pages: page breaks, repeated table headers and rows cut in two.

The published PDFs are paginated by their producer; their text extraction
shows each page's header again, a table's header row again (not bold) after a
break, and a row cut by the break as its head at the bottom of one page and its
tail, a mostly-empty row, right after the repeated header. :class:`DocBuilder`
reproduces that on the block model with a simple line budget, so the cuts fall
where a real page would end, and records every cut for the truth's notes.

Each document longer than a page or two gets at least two cuts: the first
indicator rows that span several lines once a page is a third full are cut
even if they would fit (a real page could have ended there just as well), so
the parser's join is always tested.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bench.docgen.blocks import Block, Cell, Heading, PageBreak, Paragraph, Table
from bench.docgen.templates.grid import Grid, expand

CAPACITY = 40  # lines per page, the page header's lines included
LINE_CHARS = 54  # characters across the printable width (landscape A4, less cell padding)
FORCED_CUTS = 2  # cut this many multi-line rows per document even where they would fit


@dataclass(frozen=True)
class RowTag:
    """Who a table row belongs to, for the truth's page numbers and the cut notes."""

    owner: str  # a project name, or the key of a department-goal table
    indicator: int | None = None  # index into the owner's truth indicators; only such rows are cut
    kind: str = "project"  # "project" or "goal"


@dataclass
class _VRow:
    """A row as placed on a page: ``full``, the ``head`` or ``tail`` of a cut row, or a ``repeat``ed header."""

    row: int
    mode: str
    texts: dict[tuple[int, int], str] = field(default_factory=dict)


class DocBuilder:
    """Collects blocks and inserts the page breaks a printed document would have."""

    def __init__(
        self, rng: random.Random, page_header: list[str], *, capacity: int = CAPACITY, overlap: bool = False
    ) -> None:
        self.rng = rng
        self.blocks: list[Block] = []
        self.page_header = page_header
        self.capacity = capacity
        self.page = 1
        self.used = len(page_header)
        self.pages: dict[str, set[int]] = defaultdict(set)
        self.cuts: list[dict[str, Any]] = []
        # The seed shows a tail that repeats the last character already printed (标准 + 准): do it once if asked.
        self._overlap_pending = overlap

    # -- plain blocks -------------------------------------------------------------------------------------------

    def page_break(self) -> None:
        """End the page."""
        self.blocks.append(PageBreak())
        self.page += 1
        self.used = len(self.page_header)

    def _need(self, lines: int) -> None:
        """Break the page unless ``lines`` still fit (a fresh page takes whatever comes)."""
        if self.used + lines > self.capacity and self.used > len(self.page_header):
            self.page_break()

    def heading(self, text: str, level: int = 2, owner: str | None = None) -> None:
        """A heading, kept with a few lines of what follows it."""
        self._need(6)
        self.blocks.append(Heading(text, level))
        self.used += 2
        if owner:
            self.pages[owner].add(self.page)

    def paragraph(self, text: str, owner: str | None = None) -> None:
        """A paragraph; lines wrap at the page width."""
        lines = sum(max(1, math.ceil(len(line) / LINE_CHARS)) for line in text.split("\n")) + 1
        self._need(lines)
        self.blocks.append(Paragraph(text))
        self.used += lines
        if owner:
            self.pages[owner].add(self.page)

    # -- tables -------------------------------------------------------------------------------------------------

    def table(self, table: Table, tags: list[RowTag | None], repeat: list[int] | None = None) -> None:
        """Place a table, breaking pages between rows or inside a row.

        ``tags`` has one entry per row. ``repeat`` are the rows printed again
        at the top of each continuation page (default: the table's
        ``header_rows``); the continuation's ``header_rows`` is their count.
        """
        grid = expand(table)
        repeat = list(range(table.header_rows)) if repeat is None else repeat
        last_header = max(repeat, default=-1)
        cpl = _column_chars(table, grid.width)
        heights = [_height(grid, r, cpl) for r in range(len(table.rows))]
        labels = grid.texts(last_header) if repeat else [f"第{c + 1}列" for c in range(grid.width)]
        self._need(min(sum(heights[: last_header + 2]), self.capacity - len(self.page_header)))

        segment: list[_VRow] = []
        header_rows = table.header_rows

        def close() -> None:
            self.blocks.append(Table(_segment_rows(grid, segment), header_rows, table.widths))

        def restart(at_row: int) -> list[_VRow]:
            nonlocal header_rows
            close()
            self.page_break()
            if at_row > last_header:
                header_rows = len(repeat)
                self.used += sum(heights[r] for r in repeat)
                return [_VRow(r, "repeat") for r in repeat]
            header_rows = 0
            return []

        for r, height in enumerate(heights):
            tag = tags[r]
            cuttable = tag is not None and tag.indicator is not None and height >= 2 and r > last_header
            forced = cuttable and len(self.cuts) < FORCED_CUTS and self.used >= self.capacity // 3
            if self.used + height <= self.capacity and not forced:
                segment.append(_VRow(r, "full"))
                self._place(tag, height)
                continue
            keep = max(1, min(height - 1, self.capacity - self.used))
            split = self._split(grid, r, keep, cpl, labels, tag) if cuttable and self.used < self.capacity else None
            if split is not None and tag is not None:
                heads, tails = split
                segment.append(_VRow(r, "head", heads))
                self._place(tag, keep)
                segment = restart(r)
                segment.append(_VRow(r, "tail", tails))
                self._place(tag, height - keep)
                continue
            if any(v.mode != "repeat" for v in segment):
                segment = restart(r)
            segment.append(_VRow(r, "full"))
            self._place(tag, height)
        close()

    def _place(self, tag: RowTag | None, lines: int) -> None:
        self.used += lines
        if tag is not None:
            self.pages[tag.owner].add(self.page)

    def _split(
        self, grid: Grid, r: int, keep: int, cpl: list[int], labels: list[str], tag: RowTag | None
    ) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]] | None:
        """Cut row ``r`` after ``keep`` lines: the head and tail text of each cell starting in it.

        None when no cell would continue on the next page (then the row is not cut).
        """
        heads: dict[tuple[int, int], str] = {}
        tails: dict[tuple[int, int], str] = {}
        cut_cells: list[dict[str, str]] = []
        for (row, column), cell in sorted(grid.cells.items()):
            if row != r or cell.rowspan != 1:
                continue
            limit = _cut_point(cell.text, keep * _cell_chars(cpl, column, cell))
            heads[(row, column)] = cell.text[:limit]
            tails[(row, column)] = cell.text[limit:]
            if tails[(row, column)]:
                cut_cells.append({"column": labels[column], "head": heads[(row, column)], "tail": tails[(row, column)]})
        if not cut_cells or tag is None:
            return None
        overlap = self._overlap(grid, r, tails, labels) if self._overlap_pending else None
        self.cuts.append(
            {
                "owner": tag.owner,
                "kind": tag.kind,
                "indicator": tag.indicator,
                "page": self.page,
                "cells": cut_cells,
                "overlap": overlap,
            }
        )
        return heads, tails

    def _overlap(
        self, grid: Grid, r: int, tails: dict[tuple[int, int], str], labels: list[str]
    ) -> dict[str, str] | None:
        """Let one whole cell's last character appear again in the tail, as the seed's PDF does."""
        for origin, tail in sorted(tails.items()):
            text = grid.cells[origin].text
            if not tail and len(text) >= 6 and text[-1] != text[-2]:
                tails[origin] = text[-1]
                self._overlap_pending = False
                return {"column": labels[origin[1]], "repeated": text[-1]}
        return None


def _cut_point(text: str, limit: int) -> int:
    """Where a cell's text breaks: at ``limit`` characters, or a little earlier.

    A tail that repeats the head's last characters would read as the PDF's
    duplicated tail (标准 + 准), not as text: such points are skipped.
    """
    for point in range(min(limit, len(text)), 0, -1):
        if point == len(text) or not text[:point].endswith(text[point:]):
            return point
    return len(text)


def _column_chars(table: Table, width: int) -> list[int]:
    """Characters per line in each column: the printable width shared by the table's relative widths."""
    weights = table.widths if table.widths and len(table.widths) == width else [1.0] * width
    total = sum(weights)
    return [max(4, int(LINE_CHARS * weight / total)) for weight in weights]


def _cell_chars(cpl: list[int], column: int, cell: Cell) -> int:
    return sum(cpl[column : column + cell.colspan])


def _height(grid: Grid, r: int, cpl: list[int]) -> int:
    """Lines a row takes: its longest single-row cell wrapped at its width (spanning cells spread out)."""
    lines = [
        math.ceil(len(cell.text) / _cell_chars(cpl, column, cell))
        for (row, column), cell in grid.cells.items()
        if row == r and cell.rowspan == 1
    ]
    return max([1, *lines])


def _segment_rows(grid: Grid, segment: list[_VRow]) -> list[list[Cell]]:
    """The cells of one page's part of a table: spans clipped to the page, texts of cut rows split."""
    emitted: dict[tuple[int, int], int] = {}  # cell origin -> last segment row its printed span covers
    rows: list[list[Cell]] = []
    for p, vrow in enumerate(segment):
        out: list[Cell] = []
        for column in range(grid.width):
            origin = grid.owner[vrow.row][column]
            if origin[1] != column or emitted.get(origin, -1) >= p:
                continue
            end = p + 1
            while end < len(segment) and grid.owner[segment[end].row][column] == origin:
                end += 1
            cell = grid.cells[origin]
            starts_here = origin[0] == vrow.row
            if vrow.mode == "tail":
                text, bold = vrow.texts.get(origin, ""), False
            elif not starts_here:
                text, bold = "", False  # a merged cell continued from an earlier page prints empty
            elif vrow.mode == "repeat":
                text, bold = cell.text, False  # repeated header rows lose their bold (seed)
            else:
                text, bold = vrow.texts.get(origin, cell.text), cell.bold
            out.append(Cell(text, bold, rowspan=end - p, colspan=cell.colspan))
            emitted[origin] = end - 1
        rows.append(out)
    return rows
