"""Datasette plugin: exports that open in Excel and WPS, for tables, searches, findings and queries.

Datasette's CSV is UTF-8 without a byte-order mark and headed by SQL names,
so Excel and WPS show its Chinese as garbage and its headers as code. Two
forms are added on top of Datasette's own CSV (so they follow every filter,
search, facet and sort, and stream every row of a table with ``_stream=on``):

* ``….csv?_excel=1``: the same CSV with a UTF-8 BOM and the Chinese label of
  each column as its header; a cell Excel would take for a formula (``=…``)
  is kept as text by a leading tab.
* ``….xlsx``: an Excel workbook of the same rows (openpyxl), numbers as
  numbers, codes and targets as text, the header row frozen.

The pages link both (:meth:`kb.web.chrome.Chrome.export`); Datasette's plain
``.csv`` and ``.json`` are unchanged for scripts.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from datasette import hookimpl
from datasette.utils import tilde_decode

from kb.web import labels as L
from kb.web.chrome import Chrome

EXCEL_PARAM = "_excel"
BOM = "\ufeff"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's last row; a larger export is cut there (and says so in its last row).
XLSX_MAX_ROWS = 1_048_576
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Scope = dict[str, Any]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Any, Send], Awaitable[None]]


@dataclass(frozen=True)
class Export:
    """What one export request asks for: the form, the rows' source and how to name its columns."""

    form: str  # "csv" or "xlsx"
    database: str
    table: str | None
    sql: str | None
    title: str


def excel_safe(cell: str) -> str:
    """A cell Excel and WPS show as written: text that would start a formula gets a leading tab."""
    if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and not _NUMBER.fullmatch(cell)):
        return "\t" + cell
    return cell


def _request_parts(scope: Scope) -> tuple[str, str, list[tuple[str, str]]] | None:
    """``(form, the CSV path to ask Datasette for, query parameters)`` of an export request, else None."""
    path = scope.get("path", "")
    params = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
    if path.endswith(".xlsx"):
        return "xlsx", path.removesuffix(".xlsx") + ".csv", params
    if path.endswith(".csv") and any(key == EXCEL_PARAM and value not in ("", "0", "off") for key, value in params):
        return "csv", path, params
    return None


async def _describe(datasette: Any, form: str, path: str, params: list[tuple[str, str]]) -> Export | None:
    """Which database and table or query a CSV path names, and the title to name the file after."""
    parts = [tilde_decode(part) for part in path.strip("/").removesuffix(".csv").split("/")]
    chrome = Chrome.of(datasette)
    if len(parts) == 1 and parts[0] in datasette.databases:
        database = parts[0]
        return Export(form, database, None, dict(params).get("sql"), chrome.database_title(database))
    if len(parts) != 2 or parts[0] not in datasette.databases:
        return None
    database, name = parts
    db = datasette.get_database(database)
    if await db.table_exists(name) or name in await db.view_names():
        return Export(form, database, name, None, chrome.title(database, name))
    query = await datasette.get_canned_query(database, name, None)
    sql = query.get("sql") if query else None
    return Export(form, database, None, sql, chrome.title(database, name))


def _headers(datasette: Any, export: Export, headings: list[str]) -> list[str]:
    chrome = Chrome.of(datasette)
    return [chrome.label(export.database, export.table, h, export.sql) for h in headings]


def _disposition(title: str, extension: str) -> str:
    """An attachment named after the Chinese title (RFC 6266), with an ASCII name for old clients."""
    return f"attachment; filename=\"export.{extension}\"; filename*=UTF-8''{quote(title + '.' + extension)}"


class _Records:
    """Whole CSV records out of a stream of text chunks (a quoted field may hold line breaks)."""

    def __init__(self) -> None:
        self.pending = ""
        self.scanned = 0
        self.quotes = 0

    def feed(self, text: str) -> list[str]:
        self.pending += text
        records: list[str] = []
        start, pos = 0, self.scanned
        while (newline := self.pending.find("\n", pos)) >= 0:
            self.quotes += self.pending.count('"', pos, newline)
            pos = newline + 1
            if self.quotes % 2 == 0:
                records.append(self.pending[start:pos])
                start, self.quotes = pos, 0
        self.pending, self.scanned = self.pending[start:], pos - start
        return records

    def rest(self) -> list[str]:
        rest, self.pending, self.scanned = self.pending, "", 0
        return [rest] if rest else []


def _rows(records: list[str]) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(records))))


class _ExcelCsv:
    """Rewrites Datasette's CSV response as it streams: BOM, Chinese header, formula-safe cells."""

    def __init__(self, send: Send, relabel: Callable[[list[str]], list[str]], header: bool, title: str) -> None:
        self.send = send
        self.relabel = relabel
        self.header = header
        self.title = title
        self.active = False
        self.first = True
        self.bom_pending = True
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.records = _Records()

    def _encode(self, rows: list[list[str]]) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for row in rows:
            if self.first:
                self.first = False
                if self.header:
                    writer.writerow(self.relabel(row))
                    continue
            writer.writerow([excel_safe(cell) for cell in row])
        return out.getvalue().encode("utf-8")

    async def __call__(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"]
            content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            self.active = message["status"] == 200 and content_type.split(b";")[0] in (b"text/plain", b"text/csv")
            if self.active:
                headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
                headers.append((b"content-type", b"text/csv; charset=utf-8"))
                if any(k.lower() == b"content-disposition" for k, _ in headers):
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-disposition"]
                    headers.append((b"content-disposition", _disposition(self.title, "csv").encode("latin-1")))
                message = {**message, "headers": headers}
            await self.send(message)
            return
        if message["type"] != "http.response.body" or not self.active:
            await self.send(message)
            return
        more = message.get("more_body", False)
        text = self.decoder.decode(message.get("body", b""), final=not more)
        records = self.records.feed(text) + ([] if more else self.records.rest())
        body = self._encode(_rows(records)) if records else b""
        if self.bom_pending:
            body, self.bom_pending = BOM.encode("utf-8") + body, False
        await self.send({"type": "http.response.body", "body": body, "more_body": more})


def _typed(value: str, column_type: str | None) -> Any:
    """A CSV cell as an Excel cell: numbers of numeric columns (and of unknown ones) as numbers, the rest text."""
    if value == "":
        return None
    if column_type in ("INTEGER", "REAL", None) and _NUMBER.fullmatch(value):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    return _ILLEGAL.sub("", value)


def workbook(headers: list[str], rows: list[list[str]], types: list[str | None], title: str) -> bytes:
    """An .xlsx of ``rows`` under Chinese ``headers``: typed cells, a bold frozen header row."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "", title)[:31] or "数据")
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers):
        letter = _column_letter(index)
        sheet.column_dimensions[letter].width = min(40, max(8, 2 * len(header) + 2))
    bold = Font(bold=True)
    head = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    kept = rows[: XLSX_MAX_ROWS - 2]
    for row in kept:
        cells = []
        for value, column_type in zip(row, types, strict=False):
            typed = _typed(value, column_type)
            cell = WriteOnlyCell(sheet, value=typed)
            if isinstance(typed, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cells.append(cell)
        sheet.append(cells)
    if len(rows) > len(kept):
        sheet.append([f"（只导出了前 {len(kept):,} 行：Excel 一张表最多 {XLSX_MAX_ROWS:,} 行）"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_types(export: Export, headings: list[str]) -> list[str | None]:
    tables = [export.table] if export.table else L.tables_of_sql(export.sql)
    types: list[str | None] = []
    for heading in headings:
        if export.table and heading.endswith("_label"):
            types.append("TEXT")
            continue
        column = L.column_of(heading, tables)
        types.append(column.type if column is not None else None)
    return types


async def _xlsx(datasette: Any, export: Export, app: App, scope: Scope, receive: Any, send: Send) -> None:
    """Ask Datasette for the CSV, then answer with the workbook (or with Datasette's error, unchanged)."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def collect(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, collect)
    body = b"".join(chunks)
    if start.get("status") != 200:
        await send(start)
        await send({"type": "http.response.body", "body": body})
        return
    rows = list(csv.reader(io.StringIO(body.decode("utf-8", "replace"))))
    headings = rows[0] if rows else []
    data = workbook(_headers(datasette, export, headings), rows[1:], _column_types(export, headings), export.title)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", XLSX_TYPE.encode()),
                (b"content-disposition", _disposition(export.title, "xlsx").encode("latin-1")),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[App], App]:
    """Serve ``….csv?_excel=1`` and ``….xlsx`` from Datasette's own CSV."""

    def wrap(app: App) -> App:
        async def exporting_app(scope: Scope, receive: Any, send: Send) -> None:
            asked = _request_parts(scope) if scope.get("type") == "http" else None
            if asked is None:
                await app(scope, receive, send)
                return
            form, path, params = asked
            export = await _describe(datasette, form, path, params)
            if export is None:
                await app(scope, receive, send)
                return
            inner = [(k, v) for k, v in params if k != EXCEL_PARAM]
            header = dict(inner).get("_header") != "off"
            if form == "xlsx":
                inner = [(k, v) for k, v in inner if k not in ("_header", "_dl")]
            inner_scope = {**scope, "path": path, "query_string": urlencode(inner).encode("ascii")}
            raw_path = scope.get("raw_path")
            if raw_path and form == "xlsx":
                inner_scope["raw_path"] = raw_path.removesuffix(b".xlsx") + b".csv"
            if form == "xlsx":
                await _xlsx(datasette, export, app, inner_scope, receive, send)
                return
            rewriter = _ExcelCsv(send, lambda row: _headers(datasette, export, row), header, export.title)
            await app(inner_scope, receive, rewriter)

        return exporting_app

    return wrap
