"""Section 一: the 部门机构设置情况 table (the department's units)."""

from __future__ import annotations

from collections.abc import Sequence

from kb.models import Unit
from kb.parse.layout import compact, is_section_heading
from kb.parse.notes import ParseNotes
from kb.read.lines import DocLine, as_doc_lines

_HEADER = ("单位名称", "单位性质", "单位规格", "经费保障形式")


def _is_header(row: list[str]) -> bool:
    return [compact(cell) for cell in row[: len(_HEADER)]] == list(_HEADER)


def parse_units(lines: Sequence[DocLine] | Sequence[str], notes: ParseNotes) -> list[Unit]:
    """Every row under a 单位名称 | 单位性质 | 单位规格 | 经费保障形式 header.

    The header repeats after a page break; rows continue until a heading.
    """
    units: list[Unit] = []
    in_table = False
    for item in as_doc_lines(lines):
        line = item.number
        if item.cells is None:
            if in_table and (is_section_heading(item) or item.heading):
                in_table = False
            continue
        # Most table rows of a document belong to other tables; skip them cheaply.
        if not in_table and _HEADER[0] not in item.text:
            continue
        row = list(item.cells)
        if _is_header(row):
            in_table = True
            continue
        if not in_table:
            continue
        filled = [cell for cell in row if cell]
        if not filled:
            continue
        row = (row + [""] * len(_HEADER))[: len(_HEADER)]
        if not row[0] or len(filled) > len(_HEADER):
            notes.warn(line, "bad_unit_row", f"机构设置表中无法识别的行：{' | '.join(filled)[:80]}")
            if not row[0]:
                continue
        units.append(Unit(seq=len(units) + 1, name=row[0], nature=row[1], rank=row[2], funding=row[3], line=line))
    return units
