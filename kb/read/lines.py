"""The blocks of a document as the parsers walk them: one :class:`DocLine` per heading line, paragraph line or row.

The section parsers read a document top to bottom, the way a person reads the
printed page; this flattens the blocks of any form into that order. A line of
text carries its text; a table row its cells, covered positions of merged
cells empty (as a text conversion prints them) while :attr:`DocLine.row` keeps
the cells themselves, so a parser can tell a merged cell from an empty one.

``number`` is what ``first_line``/``last_line`` of the records hold: the file
line for the text forms, and for the forms without lines (PDF, XLSX, DOCX) the
position of the line in this reading order (1-based), whose page or sheet row
is in :attr:`DocLine.where`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kb.read.blocks import Block, Heading, Row, Table, Where


@dataclass(slots=True)
class DocLine:
    """One line of the reading order: a heading or paragraph line, or a table row."""

    number: int
    text: str
    cells: list[str] | None
    heading: bool
    where: Where
    row: Row | None = None
    block: int = 0

    @property
    def is_row(self) -> bool:
        """Whether this line is a table row."""
        return self.cells is not None

    @property
    def raw(self) -> str:
        """The line as the file printed it (a row's tab-separated text where the form has one)."""
        if self.row is not None and self.row.raw is not None:
            return self.row.raw
        return self.text

    def covered(self, index: int) -> bool:
        """Whether the cell at ``index`` is covered by a merged cell above or to the left."""
        return self.row is not None and index < len(self.row.cells) and self.row.cells[index].covered


def doc_lines(blocks: Sequence[Block]) -> list[DocLine]:
    """The blocks flattened into reading order."""
    out: list[DocLine] = []
    for index, block in enumerate(blocks):
        if isinstance(block, Table):
            for row in block.rows:
                cells = row.texts()
                number = row.where.line if row.where.line is not None else len(out) + 1
                out.append(DocLine(number, "\t".join(cells), cells, False, row.where, row, index))
            continue
        heading = isinstance(block, Heading)
        for line in block.lines:
            number = line.where.line if line.where.line is not None else len(out) + 1
            out.append(DocLine(number, line.text, None, heading, line.where, None, index))
    return out


def as_doc_lines(lines: Sequence[str] | Sequence[DocLine]) -> list[DocLine]:
    """``lines`` as :class:`DocLine`; raw text lines (tests, callers holding text) are read as tab text."""
    if not lines or isinstance(lines[0], DocLine):
        return list(lines)  # type: ignore[arg-type]
    from kb.read.text import text_blocks

    return doc_lines(text_blocks([str(line) for line in lines]))
