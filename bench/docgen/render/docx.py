"""Word documents: headings, paragraphs, ruled tables with merged cells, page breaks, the page header.

Spans are real merges (``gridSpan`` across, ``vMerge`` down, as Word writes
them); ragged rows are filled with empty cells (a Word table is a full grid);
header rows are marked to repeat on each page (``w:tblHeader``). A
:class:`PageBreak` is a page break in the flow; the page header lines are the
section's header, printed on every page.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bench.docgen.blocks import GeneratedDoc, Heading, PageBreak, Paragraph, Table
from bench.docgen.render.grid import layout

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

FONT = "Noto Sans CJK SC"


def render_docx(doc: GeneratedDoc, path: Path) -> None:
    """Write ``doc`` as a DOCX file (A4)."""
    import docx
    from docx.shared import Mm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(15)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    _east_asian_font(normal.element, FONT)
    if doc.page_header:
        section.header.paragraphs[0].text = "\n".join(doc.page_header)
    for block in doc.blocks:
        if isinstance(block, PageBreak):
            document.add_page_break()  # type: ignore[no-untyped-call]
        elif isinstance(block, Heading):
            document.add_heading(block.text, level=block.level)
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph()
            _write(paragraph, block.text, bold=False)
        else:
            _table(document, block)
    document.save(str(path))


def _table(document: DocxDocument, table: Table) -> None:
    """A table with its spans written the way Word does (python-docx's ``merge`` is too slow for 100 tables)."""
    from docx.shared import Pt
    from docx.table import _Cell

    grid = layout(table)
    out = document.add_table(rows=len(grid.slots), cols=max(grid.width, 1))
    out.style = "Table Grid"
    for r, tr in enumerate(out._tbl.tr_lst):
        tcs = list(tr.tc_lst)
        c = 0
        while c < len(tcs):
            slot = grid.slots[r][c] if c < len(grid.slots[r]) else None
            if slot is None:
                c += 1
                continue
            tc = tcs[c]
            if slot.cell.colspan > 1:
                tc.grid_span = slot.cell.colspan
                for covered in tcs[c + 1 : c + slot.cell.colspan]:
                    tr.remove(covered)
            if slot.cell.rowspan > 1:
                tc.vMerge = "restart" if slot.r == r else "continue"
            if slot.r == r:
                _write(_Cell(tc, out).paragraphs[0], slot.cell.text, bold=slot.cell.bold, size=Pt(8))
            c += slot.cell.colspan
    for r in range(min(table.header_rows, len(out.rows))):
        _repeat_header(out.rows[r])


def _write(paragraph: object, text: str, *, bold: bool, size: object = None) -> None:
    """Text as one run per line, separated by line breaks."""
    for index, line in enumerate(text.split("\n")):
        run = paragraph.add_run(line)  # type: ignore[attr-defined]
        run.bold = bold or None
        if size is not None:
            run.font.size = size
        if index < text.count("\n"):
            run.add_break()


def _repeat_header(row: object) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _east_asian_font(style_element: object, font: str) -> None:
    """python-docx sets only the Latin font name; CJK text takes ``w:eastAsia``."""
    from docx.oxml.ns import qn

    fonts = style_element.get_or_add_rPr().get_or_add_rFonts()  # type: ignore[attr-defined]
    fonts.set(qn("w:eastAsia"), font)
