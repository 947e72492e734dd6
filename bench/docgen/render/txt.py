"""The seed's own form: ``#`` headings, paragraphs, tab-separated table rows with ``<b>`` for bold.

This is what the PDF-to-markdown conversion of a published disclosure looks
like (and what ``kb`` reads today). Merged cells come back as empty cells, the
way the conversion printed them; a page break is three blank lines followed by
the page header lines, as the conversion left an empty footer and printed each
page's header.
"""

from __future__ import annotations

from pathlib import Path

from bench.docgen.blocks import Cell, GeneratedDoc, Heading, PageBreak, Paragraph, Table
from bench.docgen.render.grid import layout

PAGE_BREAK = "\n\n\n\n"  # three blank lines


def render_txt(doc: GeneratedDoc, path: Path) -> None:
    """Write ``doc`` as the seed's text form."""
    path.write_text(to_txt(doc), encoding="utf-8")


def to_txt(doc: GeneratedDoc) -> str:
    """The text form of ``doc`` (ends with a newline)."""
    pieces: list[str] = []  # separator, block, separator, block …
    separator = ""
    for block in doc.blocks:
        if isinstance(block, PageBreak):
            separator = PAGE_BREAK if pieces else ""
            for line in doc.page_header:
                pieces += [separator, _paragraph(line)]
                separator = "\n\n"
            continue
        pieces += [separator, _block(block)]
        separator = "\n\n"
    header = "\n\n".join(_paragraph(line) for line in doc.page_header)
    body = "".join(pieces)
    return (header + "\n\n" + body if header and body else header + body) + "\n"


def _block(block: Heading | Paragraph | Table) -> str:
    if isinstance(block, Heading):
        return "#" * block.level + " " + block.text
    if isinstance(block, Paragraph):
        return _paragraph(block.text)
    return table_rows(block)


def _paragraph(text: str) -> str:
    """Lines of one paragraph end with two spaces (a markdown hard break), as in the seed."""
    return "  \n".join(text.split("\n"))


def table_rows(table: Table) -> str:
    """The tab-separated rows of ``table``; positions covered by a span are empty cells."""
    grid = layout(table)
    lines = []
    for r, row in enumerate(grid.slots):
        fields = [_field(slot.cell) if slot is not None and grid.is_origin(r, c) else "" for c, slot in enumerate(row)]
        lines.append("\t".join(fields))
    return "\n".join(lines)


def _field(cell: Cell) -> str:
    text = cell.text
    if "\n" in text:
        # The seed writes a cell of several paragraphs as <p>…</p> <p>…</p>.
        text = " ".join(f"<p>{line}</p>" for line in text.split("\n"))
    if cell.bold and text:
        return f"<b>{text}</b>"
    return text
