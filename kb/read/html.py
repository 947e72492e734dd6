"""HTML pages and the ``<table>`` blocks of MinerU-style markdown.

Headings (``<h1>``–``<h6>``), paragraphs (``<p>``, ``<div>``, ``<li>``, text
between blocks) and tables, in document order. A table's ``rowspan`` and
``colspan`` are resolved into a full grid (:func:`kb.read.blocks.cell_grid`);
``<thead>`` rows (or leading rows of ``<th>``) are its header rows; ``<br>``
and ``<p>`` inside a cell are line breaks; bold is ``<b>``/``<strong>``/``<th>``
however deeply nested; entities are decoded (``&nbsp;`` is a space). A table
cut off by the end of the file keeps the rows read so far and is reported
(``truncated_table``) with the line it started on; one that lost its ``</table>`` ends where the next
table or heading starts between its rows (``unclosed_table``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from kb.read.blocks import Block, Heading, Line, Paragraph, ReadDocument, ReadNote, Row, Table, Where, cell_grid
from kb.read.markup import strip_markup

_SKIP = {"head", "style", "script", "title", "template", "noscript"}
_BLOCK = {"p", "div", "li", "section", "article", "header", "footer", "blockquote", "pre", "ul", "ol", "body", "html"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BOLD = {"b", "strong", "th"}
_SPACES = re.compile(r"[ \t\r\n\f\u00a0\u3000]+")
_INLINE_SPACES = re.compile(r"[ \t\r\f\u00a0]+")


def clean_text(raw: str) -> list[str]:
    """Collected text → lines: HTML whitespace collapsed, explicit breaks (``\\n``) kept, markup left by
    converters stripped."""
    lines = []
    for part in raw.split("\n"):
        text = strip_markup(_INLINE_SPACES.sub(" ", part)).strip()
        lines.append(text)
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines


@dataclass
class _CellDraft:
    text: list[str] = field(default_factory=list)
    bold: bool = False
    rowspan: int = 1
    colspan: int = 1


@dataclass
class _RowDraft:
    cells: list[_CellDraft] = field(default_factory=list)
    line: int = 0
    last_line: int = 0
    header: bool = False


@dataclass
class _TableDraft:
    line: int
    rows: list[_RowDraft] = field(default_factory=list)
    in_head: bool = False
    cell: _CellDraft | None = None
    depth: int = 0  # tables nested inside a cell of this one (their text joins the cell)


def _span(value: str | None) -> int:
    try:
        return max(1, min(int((value or "1").strip()), 1000))
    except ValueError:
        return 1


class _Reader(HTMLParser):
    """Collects blocks in document order; line numbers are offset by ``first_line - 1``."""

    def __init__(self, first_line: int = 1) -> None:
        super().__init__(convert_charrefs=True)
        self.line_offset = first_line - 1
        self.blocks: list[Block] = []
        self.notes: list[ReadNote] = []
        self.skip = 0
        self.bold = 0
        self.text: list[str] = []
        self.text_line = 0
        self.heading: int | None = None
        self.table: _TableDraft | None = None

    def line(self) -> int:
        return self.getpos()[0] + self.line_offset

    # --- prose --------------------------------------------------------------------------------------------
    def flush(self) -> None:
        """The text collected since the last block boundary becomes a heading or paragraph."""
        raw = "".join(self.text)
        self.text = []
        lines = clean_text(raw)
        if not lines:
            return
        first = self.text_line or self.line()
        span = raw.count("\n")
        out = [Line(text, Where(line=first, last_line=first + span)) for text in lines if text]
        if not out:
            return
        if self.heading is not None:
            self.blocks.append(Heading(out, level=self.heading))
        else:
            self.blocks.append(Paragraph(out))

    # --- parser callbacks ---------------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag in _BOLD:
            self.bold += 1
        if self.table is not None and not self._ends_unclosed_table(tag):
            self._table_start(tag, dict(attrs))
            return
        if tag == "table":
            self.flush()
            self.table = _TableDraft(line=self.line())
        elif tag in _HEADINGS:
            self.flush()
            self.heading = _HEADINGS[tag]
            self.text_line = self.line()
        elif tag in _BLOCK:
            self.flush()
            self.text_line = 0
        elif tag == "br":
            self.text.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in _BOLD:
            self.bold = max(0, self.bold - 1)
        if self.table is not None:
            self._table_end(tag)
            return
        if tag in _HEADINGS:
            self.flush()
            self.heading = None
            self.text_line = 0
        elif tag in _BLOCK:
            self.flush()
            self.text_line = 0

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.table is not None:
            cell = self.table.cell
            if cell is not None:
                cell.text.append(data.replace("\n", " "))
                if data.strip() and self.bold:
                    cell.bold = True
            return
        if not self.text and data.strip():
            self.text_line = self.line()
        # In HTML a newline in the source is a space; only <br> breaks a line.
        self.text.append(data.replace("\n", " "))

    # --- tables -------------------------------------------------------------------------------------------
    def _ends_unclosed_table(self, tag: str) -> bool:
        """Whether ``tag`` ends an open table that lost its ``</table>`` (the table is then finished and noted).

        A table may hold another only inside a cell: as in a browser, a ``<table>`` between rows starts the
        next table. A heading or paragraph between rows (not inside a cell) also ends it: it belongs to what
        follows (a project's title), and would otherwise swallow the rest of the document into a table that
        never ends.
        """
        table = self.table
        if table is None or table.depth or table.cell is not None:
            return False
        if tag != "table" and not ((tag in _HEADINGS or tag == "p") and table.rows):
            return False
        self._finish_table()
        self.notes.append(_unclosed(table.line, self.line(), f" <{tag}> "))
        return True

    def _table_start(self, tag: str, attrs: dict[str, str | None]) -> None:
        table = self.table
        assert table is not None
        if tag == "table":
            table.depth += 1
            return
        if table.depth:
            if tag in ("br", "p", "tr") and table.cell is not None:
                table.cell.text.append("\n")
            return
        if tag == "thead":
            table.in_head = True
        elif tag == "tr":
            self._close_row()
            table.rows.append(_RowDraft(line=self.line(), last_line=self.line(), header=table.in_head))
        elif tag in ("td", "th"):
            self._close_cell()
            if not table.rows:
                table.rows.append(_RowDraft(line=self.line(), last_line=self.line(), header=table.in_head))
            table.cell = _CellDraft(
                bold=tag == "th", rowspan=_span(attrs.get("rowspan")), colspan=_span(attrs.get("colspan"))
            )
            table.rows[-1].cells.append(table.cell)
            table.rows[-1].header = table.rows[-1].header or tag == "th"
        elif (
            tag in ("br", "p", "div", "li")
            and table.cell is not None
            and (tag == "br" or "".join(table.cell.text).strip())
        ):
            table.cell.text.append("\n")

    def _table_end(self, tag: str) -> None:
        table = self.table
        assert table is not None
        if tag == "table":
            if table.depth:
                table.depth -= 1
                return
            self._finish_table()
            return
        if table.depth:
            return
        if tag == "thead":
            table.in_head = False
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag == "tr":
            self._close_row()

    def _close_cell(self) -> None:
        table = self.table
        if table is not None and table.cell is not None:
            table.cell = None
            if table.rows:
                table.rows[-1].last_line = self.line()

    def _close_row(self) -> None:
        self._close_cell()
        table = self.table
        if table is not None and table.rows:
            table.rows[-1].last_line = max(table.rows[-1].last_line, self.line())

    def _finish_table(self) -> None:
        table = self.table
        assert table is not None
        self._close_row()
        self.table = None
        rows = [row for row in table.rows if row.cells]
        if not rows:
            return
        grid = cell_grid(
            [
                [("\n".join(clean_text("".join(c.text))), c.bold, c.rowspan, c.colspan) for c in row.cells]
                for row in rows
            ]
        )
        out = [Row(cells, Where(line=row.line, last_line=row.last_line)) for row, cells in zip(rows, grid, strict=True)]
        header_rows = 0
        for row in rows:
            if not row.header:
                break
            header_rows += 1
        where = Where(line=table.line, last_line=rows[-1].last_line)
        self.blocks.append(Table(out, where, header_rows=header_rows))

    def finish(self, cut: tuple[int, str] | None = None) -> None:
        """End of input: a table still open was cut off (by the end of the file, or where ``cut`` says the
        fragment was ended: line number and what is there); keep its rows and say so."""
        self.close()
        if self.table is not None:
            start = self.table.line
            self._finish_table()
            if cut is not None:
                note = _unclosed(start, *cut)
            else:
                line = self.line()
                note = ReadNote(
                    code="truncated_table",
                    message=f"第 {start} 行开始的表格在文件结尾（第 {line} 行）处被截断（缺少 </table>），"
                    "已读到的行照常读取",
                    where=Where(line=line, last_line=line),
                )
            self.notes.append(note)
        self.flush()


def _unclosed(start: int, line: int, what: str) -> ReadNote:
    """The note of a table started at line ``start`` that lost its ``</table>``: it ended at ``line``, at ``what``."""
    return ReadNote(
        code="unclosed_table",
        message=f"第 {start} 行开始的表格缺少 </table>，到第 {line} 行的{what}处结束，已读到的行和其后的内容照常读取",
        where=Where(line=line, last_line=line),
    )


def html_blocks(
    text: str, first_line: int = 1, cut: tuple[int, str] | None = None
) -> tuple[list[Block], list[ReadNote]]:
    """The blocks of an HTML page or fragment; ``first_line`` numbers its first line, ``cut`` says where and why
    the fragment was ended if a table in it is left open (see :meth:`_Reader.finish`)."""
    reader = _Reader(first_line)
    reader.feed(text)
    reader.finish(cut)
    return reader.blocks, reader.notes


def read_html(text: str, path: str, sha256: str, encoding: str) -> ReadDocument:
    """An HTML page as blocks."""
    blocks, notes = html_blocks(text)
    return ReadDocument(path=path, sha256=sha256, form="html", encoding=encoding, blocks=blocks, notes=notes)
