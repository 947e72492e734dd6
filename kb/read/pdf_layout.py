"""A PDF whose indicator tables have no ruling: read by the positions of its text (``pdftotext -layout``).

The PDF reader (:mod:`kb.read.pdf`) finds tables by their cell borders, as
pdfplumber does. Tables printed without borders, or with only horizontal
rules, give it none: the document named its 绩效目标表 but none could be read.
When no ruled table holds an indicator header although a line of text reads like one,
and Poppler's ``pdftotext`` is installed, the PDF is read again as the layout
text (:mod:`kb.read.layout`) and said so (``borderless_tables``): rows are
then recovered from positions and widths, a best effort that may cut a cell
wrongly. Without ``pdftotext`` the reading is left as it was.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from kb.errors import DocumentError
from kb.read.blocks import Heading, Paragraph, ReadDocument, ReadNote, Table, Where
from kb.read.decode import source_text
from kb.read.layout import read_layout

# What an indicator table's header names (the first columns of every template's indicator table).
_INDICATOR_LABEL = "一级指标"
_SECOND_LABEL = "二级指标"
# Seconds pdftotext may take: about 0.05 s a page; a 1,000-page disclosure stays well within.
TIMEOUT = 300


def _label_in_tables(read: ReadDocument) -> bool:
    return any(
        _INDICATOR_LABEL in cell.text
        for block in read.blocks
        if isinstance(block, Table)
        for row in block.rows
        for cell in row.cells
    )


def _header_in_text(read: ReadDocument) -> bool:
    """A line of text reading like an indicator header (一级指标 and 二级指标 on one line), not prose naming it."""
    return any(
        _INDICATOR_LABEL in line.text and _SECOND_LABEL in line.text
        for block in read.blocks
        if isinstance(block, Paragraph | Heading)
        for line in block.lines
    )


def needs_layout(read: ReadDocument) -> bool:
    """Whether the text names an indicator header that no ruled table holds (its tables have no borders)."""
    return not _label_in_tables(read) and _header_in_text(read)


def _pdftotext(data: bytes) -> bytes | None:
    """``pdftotext -layout`` of ``data`` (UTF-8), or None when it is not installed or fails."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory(prefix="kb-pdf-") as folder:
        pdf, text = Path(folder) / "in.pdf", Path(folder) / "out.txt"
        pdf.write_bytes(data)
        try:
            subprocess.run(
                [tool, "-layout", "-enc", "UTF-8", str(pdf), str(text)],
                check=True,
                capture_output=True,
                timeout=TIMEOUT,
            )
            return text.read_bytes()
        except (OSError, subprocess.SubprocessError):
            return None


def read_borderless(data: bytes, read: ReadDocument) -> ReadDocument:
    """``read`` (a PDF read by its ruled tables), or the same PDF read by text positions when its indicator
    tables have no borders (see the module's docstring)."""
    if not needs_layout(read):
        return read
    text = _pdftotext(data)
    if text is None or not text.strip():
        return read
    try:
        layout = read_layout(source_text(text, read.path))
    except DocumentError:  # pdftotext wrote something that is no text: the PDF's own reading stands
        return read
    note = ReadNote(
        code="borderless_tables",
        message="PDF 中的指标表没有边框线，改按文字位置读取（pdftotext -layout）：格子可能切错，请对照原文核对",
        where=Where(page=1),
    )
    return ReadDocument(
        path=read.path,
        sha256=read.sha256,
        form="pdf",
        encoding="pdf",
        blocks=layout.blocks,
        page_count=read.page_count,
        notes=[note, *read.notes, *layout.notes],
    )
