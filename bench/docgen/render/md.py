"""Markdown pipe tables as marker and pandoc write them.

``| a | b |`` rows under a ``| --- | --- |`` separator, the first row being the
header (pipe tables have no headerless form), ``**bold**``, ``\\|`` for a pipe
and ``<br>`` for a line break inside a cell, every row as wide as the table.
Pipe tables cannot merge cells: by default a merged cell's text is written in
its top-left position and the positions it covers are left empty (pandoc's
way, and the seed text's); ``merged="repeat"`` writes the text in every
covered position instead (what some converters do to keep rows self-contained).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from bench.docgen.blocks import Cell, GeneratedDoc, Heading, PageBreak, Paragraph, Table
from bench.docgen.render.flow import with_page_headers
from bench.docgen.render.grid import layout

Merged = Literal["empty", "repeat"]


def render_md(doc: GeneratedDoc, path: Path, *, merged: Merged = "empty", page_separators: bool = False) -> None:
    """Write ``doc`` as markdown with pipe tables.

    ``page_separators`` marks each page break as marker's paginated output does
    (``{N}`` followed by 48 dashes, N counting pages from 0).
    """
    path.write_text(to_md(doc, merged=merged, page_separators=page_separators), encoding="utf-8")


def to_md(doc: GeneratedDoc, *, merged: Merged = "empty", page_separators: bool = False) -> str:
    """The markdown text of ``doc``."""
    parts: list[str] = []
    page = 0
    if page_separators:
        parts.append(_separator(page))
    for block in with_page_headers(doc):
        if isinstance(block, PageBreak):
            if page_separators:
                page += 1
                parts.append(_separator(page))
        elif isinstance(block, Heading):
            parts.append("#" * block.level + " " + block.text)
        elif isinstance(block, Paragraph):
            parts.append("  \n".join(block.text.split("\n")))
        else:
            parts.append(pipe_table(block, merged=merged))
    return "\n\n".join(parts) + "\n"


def _separator(page: int) -> str:
    return "{" + str(page) + "}" + "-" * 48


def pipe_table(table: Table, *, merged: Merged = "empty") -> str:
    """One pipe table; positions covered by a span are empty (or repeat the text with ``merged="repeat"``)."""
    grid = layout(table)
    lines: list[str] = []
    for r in range(len(grid.slots)):
        fields = []
        for c in range(grid.width):
            slot = grid.slots[r][c] if c < len(grid.slots[r]) else None
            show = slot is not None and (merged == "repeat" or grid.is_origin(r, c))
            fields.append(_field(slot.cell) if show and slot is not None else "")
        lines.append("| " + " | ".join(fields) + " |")
        if r == 0:
            lines.append("|" + "|".join([" --- "] * grid.width) + "|")
    return "\n".join(lines)


def _field(cell: Cell) -> str:
    text = cell.text.replace("|", "\\|")
    text = "<br>".join(line.strip() for line in text.split("\n"))
    if cell.bold and text:
        return f"**{text}**"
    return text
