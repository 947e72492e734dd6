"""Building table rows with the merged 一级/二级 cells that indicator tables print.

Three ways of printing a repeated level occur in published tables, and a
parser must read all three the same way:

* ``span``: one cell with ``rowspan`` over its group (HTML, DOCX, XLSX merges);
* ``span1``: only 一级 is merged, 二级 is printed again on every row (the seed);
* ``blank``: the value on the group's first row and empty cells below (what a
  PDF-to-text conversion of a merged cell gives).
"""

from __future__ import annotations

from bench.docgen.blocks import Cell

MERGE_MODES = ("span", "span1", "blank")


def _run_lengths(records: list[list[str]], keys: list[int]) -> list[int]:
    """For each row, the length of the run of equal ``keys`` values starting there (0 inside a run)."""
    lengths = [0] * len(records)
    start = 0
    for index in range(1, len(records) + 1):
        if index == len(records) or [records[index][k] for k in keys] != [records[start][k] for k in keys]:
            lengths[start] = index - start
            start = index
    return lengths


def grouped_rows(records: list[list[str]], merge: list[int], mode: str) -> list[list[Cell]]:
    """Rows of cells for ``records`` (one text per column), merging the ``merge`` columns hierarchically.

    ``merge`` lists column indices from the outermost level in: a 二级 group
    never runs past the end of its 一级 group. ``mode`` is one of
    :data:`MERGE_MODES`.
    """
    merged = merge if mode == "span" else merge[:1] if mode == "span1" else []
    blanked = merge if mode == "blank" else []
    runs = {column: _run_lengths(records, merge[: merge.index(column) + 1]) for column in merge}
    rows: list[list[Cell]] = []
    for index, record in enumerate(records):
        row: list[Cell] = []
        for column, text in enumerate(record):
            if column in merged:
                if runs[column][index]:
                    row.append(Cell(text, rowspan=runs[column][index]))
            elif column in blanked and not runs[column][index]:
                row.append(Cell(""))
            else:
                row.append(Cell(text))
        rows.append(row)
    return rows


def header_row(labels: list[str], bold: bool = True) -> list[Cell]:
    """One header row of single cells."""
    return [Cell(label, bold=bold) for label in labels]


def kv_row(pairs: list[tuple[str, str, int]]) -> list[Cell]:
    """A row of label/value pairs; each value spans the given number of columns."""
    row: list[Cell] = []
    for label, value, span in pairs:
        row.append(Cell(label, bold=True))
        row.append(Cell(value, colspan=span))
    return row
