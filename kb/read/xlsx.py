"""Spreadsheets (XLSX): each sheet's rows in order, merged ranges resolved, values as the sheet shows them.

A run of non-empty rows is one block: a table, or — when every row holds a
single value in its first column and nothing is merged — lines of text (a
bold one is a heading), as a spreadsheet publishes a title above a table.
A merged range is one origin cell and covered cells (:class:`kb.read.blocks.Cell`).
Values are read as displayed: a number with a ``0.00`` format as ``1219.05``,
a fraction with a percent format as ``25%`` (not ``0.25``), a whole number as
``1100``; text as is. Every row knows its sheet and row number.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from kb.errors import DocumentError
from kb.read.blocks import Block, Cell, Heading, Line, Paragraph, ReadDocument, ReadNote, Row, Table, Where

_DECIMALS = re.compile(r"\.(0+)")


def display(value: Any, number_format: str | None) -> str:
    """The text a spreadsheet shows for ``value`` under ``number_format``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        fmt = (number_format or "General").split(";")[0]
        decimals_match = _DECIMALS.search(fmt)
        decimals = len(decimals_match.group(1)) if decimals_match else 0
        if "%" in fmt:
            return f"{value * 100:.{decimals}f}%"
        if fmt != "General" and ("0" in fmt or "#" in fmt):
            text = f"{value:,.{decimals}f}" if "," in fmt else f"{value:.{decimals}f}"
            return text
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    return str(value)


def _sheet_blocks(sheet: Any, notes: list[ReadNote]) -> list[Block]:
    """The blocks of one worksheet."""
    name = str(sheet.title)
    origin: dict[tuple[int, int], tuple[int, int]] = {}
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for merged in sheet.merged_cells.ranges:
        top, left, bottom, right = merged.min_row, merged.min_col, merged.max_row, merged.max_col
        spans[(top, left)] = (bottom - top + 1, right - left + 1)
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                if (r, c) != (top, left):
                    origin[(r, c)] = (top, left)
    values: dict[int, dict[int, tuple[str, bool]]] = {}
    for row in sheet.iter_rows():
        for cell in row:
            try:
                text = display(cell.value, cell.number_format).strip()
            except (TypeError, ValueError) as exc:  # a value openpyxl read but cannot show
                notes.append(
                    ReadNote(
                        code="unreadable_sheet_cell",
                        message=f"工作表 {name} 的单元格 {cell.coordinate} 无法读取（{exc}），已跳过",
                        where=Where(sheet=name, row=cell.row),
                    )
                )
                continue
            if text or (cell.row, cell.column) in spans:
                bold = bool(cell.font is not None and cell.font.b)
                values.setdefault(cell.row, {})[cell.column] = (text.replace("\r\n", "\n"), bold)
    rows_with_merges = {r for (r, _c) in origin} | {r for (r, _c) in spans}
    numbers = sorted(set(values) | rows_with_merges)
    blocks: list[Block] = []
    run: list[int] = []
    for number in [*numbers, None]:
        if number is not None and (not run or number == run[-1] + 1):
            run.append(number)
            continue
        if run:
            blocks.append(_block(run, values, origin, spans, name))
        run = [number] if number is not None else []
    return blocks


def _block(
    run: list[int],
    values: dict[int, dict[int, tuple[str, bool]]],
    origin: dict[tuple[int, int], tuple[int, int]],
    spans: dict[tuple[int, int], tuple[int, int]],
    sheet: str,
) -> Block:
    in_run = set(run)
    merged = any(r in in_run for (r, _c) in (*origin, *spans))
    single = all(set(values.get(r, {})) <= {1} for r in run)
    if single and not merged:
        lines = [
            Line(text, Where(sheet=sheet, row=r))
            for r in run
            for text in values.get(r, {}).get(1, ("", False))[0].split("\n")
            if text.strip()
        ]
        if all(values.get(r, {}).get(1, ("", False))[1] for r in run):
            return Heading(lines, level=2)
        return Paragraph(lines)
    width = max(
        [max(values.get(r, {}) or [0]) for r in run]
        + [c + spans[(r, c)][1] - 1 for (r, c) in spans if r in run]
        + [c for (r, c) in origin if r in run]
    )
    rows: list[Row] = []
    for r in run:
        cells: list[Cell] = []
        for c in range(1, width + 1):
            if (r, c) in origin:
                top = origin[(r, c)]
                text = values.get(top[0], {}).get(top[1], ("", False))[0]
                cells.append(Cell("", covered=True, span_text=text))
                continue
            text, bold = values.get(r, {}).get(c, ("", False))
            rowspan, colspan = spans.get((r, c), (1, 1))
            cells.append(Cell(text, bold, rowspan, colspan))
        while cells and not cells[-1].text and not cells[-1].covered and cells[-1].colspan == 1:
            cells.pop()
        rows.append(Row(cells or [Cell("")], Where(sheet=sheet, row=r)))
    return Table(rows, Where(sheet=sheet, row=run[0]))


def read_xlsx(data: bytes, path: str, sha256: str) -> ReadDocument:
    """A workbook as blocks, sheet after sheet."""
    from openpyxl import load_workbook

    notes: list[ReadNote] = []
    blocks: list[Block] = []
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
        for sheet in book.worksheets:
            blocks.extend(_sheet_blocks(sheet, notes))
    except Exception as exc:  # a damaged package fails anywhere inside openpyxl (zlib, zipfile, XML, KeyError …)
        raise DocumentError(path, f"XLSX 文件损坏，无法读取 (corrupt workbook: {type(exc).__name__})") from None
    return ReadDocument(path=path, sha256=sha256, form="xlsx", encoding="xlsx", blocks=blocks, notes=notes)
