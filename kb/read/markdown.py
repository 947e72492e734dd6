"""Markdown as PDF converters write it: pipe tables (marker, pandoc) and ``<table>`` blocks (MinerU).

Read line by line like tab text (:mod:`kb.read.text`: headings, paragraphs,
tab-separated rows all still understood), plus:

* **pipe tables** — ``| a | b |`` rows around a ``| --- | --- |`` separator;
  ``\\|`` is a pipe inside a cell, ``<br>`` a line break, ``**…**`` bold. Pipe
  tables cannot merge cells: a merged cell comes back as its text in the first
  position and empty (or repeated) text in the others, as in tab text; rows
  framed by pipes are still a table when the header row (or the separator
  too) was lost;
* **HTML tables** — a line starting with ``<table`` up to the line holding its
  ``</table>`` is read by :mod:`kb.read.html` (spans resolved); one that lost
  its ``</table>`` ends at a blank line or a heading (``unclosed_table``);
* **page separators** — marker's ``{N}------…`` lines set the page (N + 1) of
  what follows.
"""

from __future__ import annotations

import re

from kb.read.blocks import Block, Cell, Line, Paragraph, ReadDocument, ReadNote, Row, Table, Where
from kb.read.decode import SourceText
from kb.read.html import html_blocks
from kb.read.markup import is_bold, strip_markup
from kb.read.text import place_line

_PAGE_SEPARATOR = re.compile(r"^\{(\d+)\}-{8,}\s*$")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_TABLE_START = re.compile(r"^\s*<table\b", re.IGNORECASE)
_TABLE_END = re.compile(r"</table\s*>", re.IGNORECASE)
_TABLE_OPEN = re.compile(r"<table\b", re.IGNORECASE)
# A line that can only be inside a table (more rows after a blank line), and a markdown heading, which cannot.
_TABLE_PART = re.compile(r"^\s*</?(?:tr|td|th|tbody|thead|tfoot|caption|colgroup|col|table)\b", re.IGNORECASE)
_MD_HEADING = re.compile(r"^#{1,6}\s")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def pipe_cells(line: str) -> list[Cell]:
    """The cells of one pipe-table row: outer pipes dropped, ``\\|`` unescaped, ``<br>`` a line break."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells = []
    for field in _UNESCAPED_PIPE.split(text):
        raw = field.replace("\\|", "|")
        lines = [strip_markup(part).strip() for part in _BR.split(raw)]
        cells.append(Cell("\n".join(lines).strip("\n"), bold=is_bold(raw)))
    return cells


def _is_pipe_row(line: str) -> bool:
    return bool(_UNESCAPED_PIPE.search(line)) and not _TABLE_START.match(line)


def markdown_blocks(lines: list[str]) -> tuple[list[Block], list[ReadNote]]:
    """The blocks of markdown ``lines`` (line 1 is ``lines[0]``)."""
    blocks: list[Block] = []
    notes: list[ReadNote] = []
    current: Table | Paragraph | None = None
    page: int | None = None
    index = 0
    while index < len(lines):
        raw = lines[index]
        number = index + 1
        index += 1
        if not raw.strip():
            current = None
            continue
        separator = _PAGE_SEPARATOR.match(raw.strip())
        if separator:
            page = int(separator.group(1)) + 1
            current = None
            continue
        where = Where(line=number, last_line=number, page=page)
        if _TABLE_START.match(raw):
            end, cut = _html_table_end(lines, index - 1)
            chunk = "\n".join(lines[index - 1 : end + 1])
            found, table_notes = html_blocks(chunk, first_line=number, cut=cut)
            for block in found:
                if page is not None:
                    _set_page(block, page)
            blocks.extend(found)
            notes.extend(table_notes)
            index = end + 1
            current = None
            continue
        headed = _is_pipe_row(raw) and index < len(lines) and _is_separator(lines[index]) and "\t" not in raw
        if headed or _starts_headless_table(lines, index - 1):
            table = Table([], where, header_rows=1 if headed else 0)
            if headed:
                table.rows.append(Row(pipe_cells(raw), where))
                index += 1  # the separator
            else:
                index -= 1
            while index < len(lines) and lines[index].strip() and _is_pipe_row(lines[index]):
                if not _is_separator(lines[index]):
                    row_where = Where(line=index + 1, last_line=index + 1, page=page)
                    table.rows.append(Row(pipe_cells(lines[index]), row_where))
                index += 1
            table.where = Where(line=number, last_line=index, page=page)
            blocks.append(table)
            current = None
            continue
        current = place_line(blocks, current, raw, where)
    return blocks, notes


def _is_separator(line: str) -> bool:
    return bool(_PIPE_SEPARATOR.match(line)) and "-" in line


def _framed(line: str) -> bool:
    """A pipe-table row as converters write it: framed by pipes, with at least two cells."""
    text = line.strip()
    return len(text) > 2 and text.startswith("|") and text.endswith("|") and text.count("|") >= 3


def _starts_headless_table(lines: list[str], index: int) -> bool:
    """Whether ``lines[index]`` starts a pipe table whose header row was lost: framed rows, the first of them
    perhaps the separator, that GFM would leave as text (a converter writes no such text)."""
    first = lines[index]
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if _is_separator(first):
        return _framed(following)
    return _framed(first) and (_framed(following) or _is_separator(following)) and "\t" not in first


def _html_table_end(lines: list[str], start: int) -> tuple[int, tuple[int, str] | None]:
    """The index of the last line of the HTML table starting at ``lines[start]``, and where and why it was cut
    short when its ``</table>`` is missing: ``(line number, what is there)``, else None.

    As in CommonMark, a blank line ends the HTML, unless more rows follow it; a markdown heading ends it too.
    Without this a lost ``</table>`` made the rest of the file one table.
    """
    depth = 0
    end = start
    while end < len(lines):
        line = lines[end]
        if end > start and depth > 0:
            if _MD_HEADING.match(line):
                return end - 1, (end + 1, "标题")
            if not line.strip():
                after = end + 1
                while after < len(lines) and not lines[after].strip():
                    after += 1
                if after == len(lines) or not _TABLE_PART.match(lines[after]):
                    return end - 1, (end + 1, "空行")
                end = after  # the blank lines skipped once, the rows after them read on
                line = lines[end]
        depth += len(_TABLE_OPEN.findall(line)) - len(_TABLE_END.findall(line))
        if depth <= 0:
            return end, None
        end += 1
    return len(lines) - 1, None


def _set_page(block: Block, page: int) -> None:
    def placed(where: Where) -> Where:
        return Where(line=where.line, last_line=where.last_line, page=page)

    if isinstance(block, Table):
        block.where = placed(block.where)
        for row in block.rows:
            row.where = placed(row.where)
    else:
        block.lines = [Line(line.text, placed(line.where)) for line in block.lines]


def read_markdown(source: SourceText) -> ReadDocument:
    """A markdown document as blocks (pages counted from marker's separators, if it has them)."""
    blocks, notes = markdown_blocks(source.lines)
    pages = sum(1 for line in source.lines if _PAGE_SEPARATOR.match(line.strip()))
    return ReadDocument(
        path=source.path,
        sha256=source.sha256,
        form="md",
        encoding=source.encoding,
        blocks=blocks,
        page_count=pages or None,
        notes=[*source.notes, *notes],
    )
