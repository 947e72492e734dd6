"""Spreadsheets as departments publish them: merged ranges, numbers stored as numbers, one or several sheets.

Each block takes rows of a sheet, blocks separated by one empty row: a heading
or paragraph is a single-cell row (column A), a table its grid with a merged
range per span. A cell whose text is a plain number is stored as a number
(``1219.05`` → 1219.05, shown with as many decimals as printed), a plain
percentage as a fraction with a percent format (``25%`` → 0.25); anything else
stays text — codes with five or more digits too (``2080101``, ``13019024…``),
and the artefacts of extraction (``1118 9.71``, ``.57``). A :class:`PageBreak`
is a manual row break, the page header the sheet's print header.
``GeneratedDoc.sheets`` splits the blocks into sheets by index.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from bench.docgen.blocks import Block, Cell, GeneratedDoc, Heading, PageBreak, Paragraph
from bench.docgen.render.grid import layout

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped,unused-ignore]

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_PERCENT = re.compile(r"(-?\d+(?:\.(\d+))?)%")
# A whole number this long is a code (功能分类科目编码, 项目编码 …), not an amount.
CODE_DIGITS = 5
MAX_WIDTH = 40  # characters, for the column widths


def render_xlsx(doc: GeneratedDoc, path: Path) -> None:
    """Write ``doc`` as an XLSX workbook (one sheet per ``doc.sheets`` entry, else one sheet)."""
    from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]

    book = Workbook()
    first = True
    for name, blocks in split_sheets(doc):
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None  # a new workbook has an active sheet
        sheet.title = name
        first = False
        _fill(sheet, blocks, doc.page_header)
    book.save(path)


def split_sheets(doc: GeneratedDoc) -> list[tuple[str, list[Block]]]:
    """The blocks of each sheet: ``doc.sheets`` gives each sheet's name and first block index."""
    if not doc.sheets:
        return [(_sheet_name(doc.name or "Sheet1"), doc.blocks)]
    starts = [start for _, start in doc.sheets]
    ends = [*starts[1:], len(doc.blocks)]
    sheets = []
    for index, ((name, start), end) in enumerate(zip(doc.sheets, ends, strict=True)):
        # Blocks before the first sheet's index still belong somewhere: the first sheet.
        sheets.append((_sheet_name(name), doc.blocks[0 if index == 0 else start : end]))
    return sheets


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet"


def _fill(sheet: Worksheet, blocks: list[Block], page_header: list[str]) -> None:
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped,unused-ignore]
    from openpyxl.worksheet.pagebreak import Break  # type: ignore[import-untyped,unused-ignore]

    row = 1
    widths: dict[int, int] = {}
    for block in blocks:
        if isinstance(block, PageBreak):
            if row > 1:
                sheet.row_breaks.append(Break(id=row - 1))
            continue
        if isinstance(block, Heading | Paragraph):
            cell = sheet.cell(row=row, column=1, value=block.text)
            cell.font = Font(bold=isinstance(block, Heading))
            row += 2
            continue
        grid = layout(block)
        for placed in grid.placed:
            target = sheet.cell(row=row + placed.r, column=1 + placed.c)
            _store(target, placed.cell)
            target.alignment = Alignment(wrap_text=True, vertical="center")
            if placed.cell.bold:
                target.font = Font(bold=True)
            if placed.cell.rowspan > 1 or placed.cell.colspan > 1:
                sheet.merge_cells(
                    start_row=row + placed.r,
                    start_column=1 + placed.c,
                    end_row=row + placed.bottom,
                    end_column=1 + placed.right,
                )
            if placed.cell.colspan == 1:
                widths[placed.c] = max(widths.get(placed.c, 0), _display_width(placed.cell.text))
        row += len(grid.slots) + 1
    for column, width in widths.items():
        sheet.column_dimensions[_letter(column)].width = min(max(width, 6), MAX_WIDTH)
    if page_header:
        sheet.oddHeader.center.text = "  ".join(page_header)


def _store(target: object, cell: Cell) -> None:
    """Put the cell's value: numbers and percentages as numbers with a matching format, the rest as text."""
    text = cell.text.strip()
    value: object = cell.text
    number_format = None
    if (
        _NUMBER.fullmatch(text)
        and not (("." not in text) and len(text.lstrip("-")) >= CODE_DIGITS)
        and not re.fullmatch(r"-?0\d+", text)
    ):
        decimals = len(text.split(".")[1]) if "." in text else 0
        value = float(text) if decimals else int(text)
        number_format = "0." + "0" * decimals if decimals else "0"
    elif match := _PERCENT.fullmatch(text):
        decimals = len(match.group(2) or "")
        value = float(match.group(1)) / 100
        number_format = "0." + "0" * decimals + "%" if decimals else "0%"
    target.value = value  # type: ignore[attr-defined]
    if number_format:
        target.number_format = number_format  # type: ignore[attr-defined]


def _display_width(text: str) -> int:
    """Rough width in Excel units: CJK characters count double."""
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in longest) + 1


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped,unused-ignore]

    return str(get_column_letter(column + 1))
