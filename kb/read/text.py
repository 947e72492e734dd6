"""Text whose table rows are tab-separated: the form of ``data/`` (a PDF-to-markdown conversion).

Lines are classified one by one, as the parsers always read them: a line
holding a tab is a table row (consecutive rows are one table), a line starting
with ``#`` is a heading, any other non-blank line is a line of a paragraph
(consecutive lines are one paragraph), and blank lines separate blocks.
Markup (``<b>``, ``<p>``, ``**``) is stripped from every text; a cell marked
bold keeps that as :attr:`Cell.bold`.
"""

from __future__ import annotations

from collections.abc import Sequence

from kb.read.blocks import Block, Cell, Heading, Line, Paragraph, ReadDocument, Row, Table, Where
from kb.read.decode import SourceText
from kb.read.markup import heading_level, is_bold, plain, strip_markup


def row_cells(line: str) -> list[Cell]:
    """The tab-separated cells of a table row, markup stripped, trimmed."""
    return [Cell(strip_markup(field).strip(), bold=is_bold(field)) for field in line.split("\t")]


def text_row(line: str, where: Where) -> Row:
    """A tab-separated line as a row: most rows hold no markup and keep only their texts."""
    if "<" not in line and "*" not in line:
        return Row(where=where, raw=line, texts=[field.strip() for field in line.split("\t")])
    return Row(row_cells(line), where, line)


def place_line(
    blocks: list[Block], current: Table | Paragraph | None, raw: str, where: Where
) -> Table | Paragraph | None:
    """One non-blank line added to ``blocks``: a row of the table being read (a line with a tab), a heading, or a
    line of the paragraph being read; returns the block the next line may continue."""
    if "\t" in raw:
        row = text_row(raw, where)
        if isinstance(current, Table):
            current.rows.append(row)
            return current
        table = Table([row], where)
        blocks.append(table)
        return table
    level = heading_level(raw)
    if level:
        blocks.append(Heading([Line(plain(raw), where)], level=level))
        return None
    if isinstance(current, Paragraph):
        current.lines.append(Line(plain(raw), where))
        return current
    paragraph = Paragraph([Line(plain(raw), where)])
    blocks.append(paragraph)
    return paragraph


def text_blocks(lines: Sequence[str], first_line: int = 1) -> list[Block]:
    """The blocks of tab-separated text; ``first_line`` numbers ``lines[0]``."""
    blocks: list[Block] = []
    current: Table | Paragraph | None = None
    for offset, raw in enumerate(lines):
        number = first_line + offset
        if not raw.strip():
            current = None
            continue
        current = place_line(blocks, current, raw, Where(number, number))
    for block in blocks:
        if isinstance(block, Table) and len(block.rows) > 1:
            block.where = Where(block.where.line, block.rows[-1].where.line)
    return blocks


def read_text(source: SourceText) -> ReadDocument:
    """A tab-separated text document as blocks."""
    return ReadDocument(
        path=source.path,
        sha256=source.sha256,
        form="txt",
        encoding=source.encoding,
        blocks=text_blocks(source.lines),
        notes=list(source.notes),
    )
