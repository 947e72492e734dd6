"""Word documents (DOCX): the body's paragraphs and tables in order, merged cells resolved.

A paragraph in a ``Heading N`` / ``标题 N`` style (or ``Title``) is a heading;
any other non-empty paragraph is a paragraph block whose lines are split at
its line breaks. Tables are read from their XML: ``gridSpan`` is a colspan,
``vMerge`` continuation cells are covered by the cell above. Every block
knows its index in the body; table rows their 1-based row number.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from kb.errors import DocumentError
from kb.read.blocks import Block, Cell, Heading, Line, Paragraph, ReadDocument, Row, Table, Where

_HEADING_STYLE = re.compile(r"^(?:Heading|标题)\s*(\d)$", re.IGNORECASE)


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return str(qn(tag))


def _text_of(element: Any) -> tuple[str, bool]:
    """The text of a paragraph-holding element (paragraphs joined by newlines) and whether any run is bold."""
    from docx.text.paragraph import Paragraph as DocxParagraph

    texts = []
    bold = False
    for p in element.iter(_qn("w:p")):
        paragraph = DocxParagraph(p, None)  # type: ignore[arg-type]  # only its text and runs are read
        texts.append(paragraph.text)
        bold = bold or any(run.bold for run in paragraph.runs if run.text.strip())
    return "\n".join(texts).strip(), bold


def _table(tbl: Any, index: int) -> Table:
    grid: list[list[Cell]] = []
    origins: list[dict[int, tuple[int, int]]] = []  # per row: column -> (row, column) of the origin cell
    for r, tr in enumerate(tbl.findall(_qn("w:tr"))):
        cells: list[Cell] = []
        row_origins: dict[int, tuple[int, int]] = {}
        c = 0
        for tc in tr.findall(_qn("w:tc")):
            properties = tc.find(_qn("w:tcPr"))
            span = 1
            merge: str | None = None
            if properties is not None:
                grid_span = properties.find(_qn("w:gridSpan"))
                if grid_span is not None:
                    span = max(1, int(grid_span.get(_qn("w:val"), "1") or 1))
                v_merge = properties.find(_qn("w:vMerge"))
                if v_merge is not None:
                    merge = v_merge.get(_qn("w:val")) or "continue"
            if merge == "continue" and r > 0 and c in origins[r - 1]:
                top_r, top_c = origins[r - 1][c]
                origin = grid[top_r][top_c]
                origin.rowspan += 1
                for cc in range(c, c + span):
                    cells.append(Cell("", covered=True, span_text=origin.text))
                    row_origins[cc] = (top_r, top_c)
            else:
                text, bold = _text_of(tc)
                cells.append(Cell(text, bold, 1, span))
                row_origins[c] = (r, c)
                for cc in range(c + 1, c + span):
                    cells.append(Cell("", covered=True, span_text=text))
                    row_origins[cc] = (r, c)
            c += span
        grid.append(cells)
        origins.append(row_origins)
    rows = [Row(cells, Where(index=index, row=r + 1)) for r, cells in enumerate(grid)]
    return Table(rows, Where(index=index))


def read_docx(data: bytes, path: str, sha256: str) -> ReadDocument:
    """A Word document as blocks."""
    import docx
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(path, f"DOCX 文件损坏，无法读取 (corrupt Word document: {type(exc).__name__})") from None
    except Exception as exc:  # python-docx raises its own types (PackageNotFoundError …) for broken packages
        raise DocumentError(path, f"DOCX 文件损坏，无法读取 (corrupt Word document: {type(exc).__name__})") from None
    blocks: list[Block] = []
    body = document.element.body
    for index, child in enumerate(body.iterchildren()):
        if child.tag == _qn("w:tbl"):
            blocks.append(_table(child, index))
            continue
        if child.tag != _qn("w:p"):
            continue
        paragraph = DocxParagraph(child, document)
        text = paragraph.text.strip()
        if not text:
            continue
        where = Where(index=index)
        lines = [Line(part.strip(), where) for part in text.split("\n") if part.strip()]
        style = paragraph.style.name if paragraph.style is not None else ""
        heading = _HEADING_STYLE.match(style or "")
        if heading:
            blocks.append(Heading(lines, level=int(heading.group(1))))
        elif style == "Title":
            blocks.append(Heading(lines, level=1))
        else:
            blocks.append(Paragraph(lines))
    return ReadDocument(path=path, sha256=sha256, form="docx", encoding="docx", blocks=blocks)
