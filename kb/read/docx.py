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
from functools import cache
from typing import Any

from kb.errors import DocumentError
from kb.read.blocks import Block, Cell, Heading, Line, Paragraph, ReadDocument, Row, Table, Where

_HEADING_STYLE = re.compile(r"^(?:Heading|标题)\s*(\d)$", re.IGNORECASE)


@cache
def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return str(qn(tag))


def _paragraph_text(p: Any) -> tuple[str, bool]:
    """A ``w:p``'s text (``w:br`` a line break, ``w:tab`` a tab) and whether its runs with text are bold."""
    parts: list[str] = []
    bold_runs = text_runs = 0
    for run in p.iter(_qn("w:r")):
        texts = []
        for child in run:
            if child.tag == _qn("w:t"):
                texts.append(child.text or "")
            elif child.tag in (_qn("w:br"), _qn("w:cr")):
                texts.append("\n")
            elif child.tag == _qn("w:tab"):
                texts.append("\t")
        text = "".join(texts)
        parts.append(text)
        if text.strip():
            text_runs += 1
            properties = run.find(_qn("w:rPr"))
            bold = properties.find(_qn("w:b")) if properties is not None else None
            if bold is not None and bold.get(_qn("w:val"), "true") not in ("0", "false"):
                bold_runs += 1
    return "".join(parts), bool(text_runs) and bold_runs == text_runs


def _text_of(element: Any) -> tuple[str, bool]:
    """The text of a cell (its paragraphs joined by newlines) and whether any run is bold."""
    texts = []
    bold = False
    for p in element.iter(_qn("w:p")):
        text, bold_paragraph = _paragraph_text(p)
        texts.append(text)
        bold = bold or bold_paragraph
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
    rows = [Row(cells, Where(block_index=index, row=r + 1)) for r, cells in enumerate(grid)]
    return Table(rows, Where(block_index=index))


def _style_names(document: Any) -> dict[str, str]:
    """Style id → style name, read once (python-docx looks a paragraph's style up anew on every access)."""
    names: dict[str, str] = {}
    for style in document.styles.element.findall(_qn("w:style")):
        name = style.find(_qn("w:name"))
        names[style.get(_qn("w:styleId"), "")] = name.get(_qn("w:val"), "") if name is not None else ""
    return names


def _style_id(p: Any) -> str:
    properties = p.find(_qn("w:pPr"))
    style = properties.find(_qn("w:pStyle")) if properties is not None else None
    return str(style.get(_qn("w:val"), "")) if style is not None else ""


def read_docx(data: bytes, path: str, sha256: str) -> ReadDocument:
    """A Word document as blocks."""
    import docx

    try:
        return _read_docx(docx.Document(io.BytesIO(data)), path, sha256)
    except Exception as exc:  # a damaged package fails anywhere inside python-docx (zlib, zipfile, XML, its own types)
        raise DocumentError(path, f"DOCX 文件损坏，无法读取 (corrupt Word document: {type(exc).__name__})") from None


def _read_docx(document: Any, path: str, sha256: str) -> ReadDocument:
    blocks: list[Block] = []
    names = _style_names(document)
    body = document.element.body
    for index, child in enumerate(body.iterchildren()):
        if child.tag == _qn("w:tbl"):
            blocks.append(_table(child, index))
            continue
        if child.tag != _qn("w:p"):
            continue
        text = _paragraph_text(child)[0].strip()
        if not text:
            continue
        where = Where(block_index=index)
        lines = [Line(part.strip(), where) for part in text.split("\n") if part.strip()]
        style = names.get(_style_id(child), "")
        heading = _HEADING_STYLE.match(style)
        if heading:
            blocks.append(Heading(lines, level=int(heading.group(1))))
        elif style == "Title":
            blocks.append(Heading(lines, level=1))
        else:
            blocks.append(Paragraph(lines))
    return ReadDocument(path=path, sha256=sha256, form="docx", encoding="docx", blocks=blocks)
