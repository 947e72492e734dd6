"""What one request may cost the site, what it may see, and the site's errors in Chinese.

Datasette trusts its URLs and its SQL functions more than a public site can:

* **Bounded requests.** The guard, the outermost ASGI layer, answers 400
  before Datasette parses anything when the path, the query string or the
  number of parameters passes :data:`MAX_PATH_BYTES`,
  :data:`MAX_QUERY_STRING_BYTES` or :data:`MAX_PARAMETERS` (Datasette's
  handling of many parameters grows quadratically: 5,000 of them held the
  event loop for 34 s). Arguments Datasette would answer with a 500 —
  ``_sort``/``_sort_desc`` naming no sortable column, both at once,
  ``_timelimit`` that is not a number, a malformed ``_through`` — are
  answered 400 here.
* **Bounded SQL functions.** ``kb_fts_match``, ``kb_terms`` and
  ``kb_covers`` refuse a query longer than :data:`MAX_QUERY_CHARS` and texts
  longer than :data:`MAX_TEXT_CHARS` (SQLite's own "string or blob too big",
  shown to the user in Chinese first). A call then costs at most ~50 ms,
  and because SQLite checks Datasette's time limit only every 1,000
  instructions, the functions also stop a statement themselves once it has
  run past the time limit, so a heavy query cannot hold a SQL thread for
  longer than the limit; a long call is followed by an equal pause, which
  releases the GIL, so heavy SQL leaves the other requests at least half of
  the interpreter. The tokenizer's caches are switched to ones bounded in
  entries and bytes (:func:`indexer.tokenizer.use_request_caches`).
* **No debug pages.** Datasette's introspection pages (threads, databases
  with their paths on disk, plugins, settings, versions, actor, messages,
  permissions, allow-debug, patterns, auth-token) answer 404.
* **Errors in Chinese first**, the English original after it: the guard's
  own refusals, every page Datasette raises an error for
  (:func:`exception_response`), and the SQL errors of query pages.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from datasette.utils import tilde_decode
from datasette.utils.asgi import Base400, Response
from markupsafe import Markup

from indexer.tokenizer import index_terms, use_request_caches

Scope = dict[str, Any]
Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# A search, a filter or a column list fits in far less; these refuse only what no page of the site sends.
MAX_PATH_BYTES = 2_048
MAX_QUERY_STRING_BYTES = 8_192
MAX_PARAMETERS = 100
# What one call of a kb_ SQL function may be given: a query (kb_fts_match, the first argument of
# kb_covers) and the texts (kb_terms, the other arguments of kb_covers, all together). The longest
# indicator row of a document, all its columns and its project's name together, is far shorter.
MAX_QUERY_CHARS = 500
MAX_TEXT_CHARS = 5_000
# A statement's time limit where no Datasette says (a bare connection): kb serve's sql_time_limit_ms.
DEFAULT_TIME_LIMIT_MS = 5_000
# A call longer than this (a long text, not in the caches) is followed by a pause YIELD_RATIO times as long.
YIELD_AFTER = 0.005
YIELD_RATIO = 1.0

HIDDEN_PAGES = re.compile(
    r"^/-/(threads|databases|plugins|settings|config|versions|actor|messages|permissions|allow-debug"
    r"|patterns|auth-token)(\.json)?/?$"
)
TABLE_PAGE = re.compile(r"^/(?P<database>[^/.]+)/(?P<table>[^/.]+)(\.(?P<format>\w+))?$")
BAD_THROUGH = '_through 无效：应为 {"table": 表, "column": 列, "value": 值}，且该表有指向本表的外键'
TIME_LIMIT = re.compile(r"^\d{1,9}$")

TITLES = {400: "请求有误", 403: "无权访问", 404: "找不到页面", 405: "不支持这种请求方法", 500: "服务器内部错误"}
INTERNAL_ERROR = "服务器内部错误：请求未能完成"
TOO_BIG = "string or blob too big"
TOO_BIG_ZH = (
    f"输入过长：kb_fts_match 与 kb_covers 的查询最多 {MAX_QUERY_CHARS} 字，"
    f"kb_terms 与 kb_covers 的文本合计最多 {MAX_TEXT_CHARS:,} 字"
)
# Datasette's messages for a request it cannot answer, and what to tell the user first.
KNOWN_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Cannot sort table by (.+)$"), "不能按“{0}”排序：没有这一列"),
    (re.compile(r"^Cannot use _sort and _sort_desc at the same time$"), "不能同时使用 _sort 和 _sort_desc"),
    (re.compile(r"^Table not found: (.+)$"), "找不到表“{0}”"),
    (re.compile(r"^Database not found"), "找不到数据库"),
    (re.compile(r"^Row not found"), "找不到这一行"),
    (re.compile(r"^_size must be a positive integer"), "_size 必须是正整数"),
    (re.compile(r"^_size must be <= (\d+)"), "_size 不能超过 {0}"),
    (re.compile(r"^_(?:no)?col=(.*) - invalid columns"), "没有这些列：{0}"),
    (re.compile(r"^Invalid _shape"), "_shape 的取值无效"),
    (re.compile(r"^Invalid _through"), "_through 无效：找不到对应的外键"),
    (re.compile(r"^Database download is forbidden"), "不允许下载数据库"),
    (re.compile(r"^You do not have permission to view this"), "没有查看权限"),
    (re.compile(r"^" + re.escape(TOO_BIG)), TOO_BIG_ZH),
    (re.compile(r"SQL query took too long"), "查询超过时间上限，已中止：请缩小范围或加上筛选条件"),
)


# ---------------------------------------------------------------- error pages


def chinese_message(message: str) -> str | None:
    """The Chinese for one of the English error messages this module knows, or None."""
    for pattern, chinese in KNOWN_ERRORS:
        found = pattern.search(message)
        if found:
            return chinese.format(*found.groups())
    return None


async def error_page(
    datasette: Any,
    path: str,
    status: int,
    chinese: str | None,
    english: str | Markup = "",
    title: str | None = None,
    **extra: Any,
) -> Response:
    """An error answer in the site's look, or JSON for a ``.json`` path.

    The page shows the Chinese; a message given only in English (or as HTML) goes to the site's error
    template, which translates what it knows (kb/web/chrome.py). The JSON says the Chinese, then the
    English original in brackets.
    """
    title = title or TITLES.get(status, "出错了")
    plain = Markup(english).striptags() if isinstance(english, Markup) else english
    if path.split("?")[0].endswith(".json"):
        text = chinese or TITLES.get(status, "出错了")
        error = f"{text}。({plain})" if plain else text
        return Response.json({**extra, "ok": False, "error": error, "status": status, "title": title}, status=status)
    shown = english if isinstance(english, Markup) or not chinese else chinese
    template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
    page = await template.render_async(
        {
            **extra,
            "ok": False,
            "error": shown,
            "status": status,
            "title": title,
            "urls": datasette.urls,
            "app_css_hash": datasette.app_css_hash(),
            "menu_links": lambda: [],
        }
    )
    return Response.html(page, status=status)


def exception_response(datasette: Any, request: Any, exception: Exception) -> Callable[[], Awaitable[Response]]:
    """The ``handle_exception`` hook: every error page Datasette raises, in Chinese, the right status, no internals.

    Datasette's own handler still runs after this one and logs the traceback of a 500.
    """

    async def inner() -> Response:
        extra: dict[str, Any] = {}
        error: Any = exception
        title = None
        english: str | Markup
        if isinstance(exception, Base400):
            status, english = exception.status, str(exception.args[0] if exception.args else "")
        elif _is_datasette_error(exception):
            status, english, title = error.status, error.message, error.title
            extra = dict(error.error_dict or {})
            if error.message_is_html:
                english = Markup(english)
            # Datasette raises its users' mistakes with the default status 500; they are 400s.
            if status == 500 and chinese_message(str(english)) is not None:
                status = 400
        elif isinstance(exception, sqlite3.DataError) and TOO_BIG in str(exception):
            status, english = 400, str(exception)
        else:
            return await error_page(datasette, request.path, 500, INTERNAL_ERROR, "Internal server error")
        plain = english.striptags() if isinstance(english, Markup) else english
        title = {"Invalid SQL": "SQL 无效", "SQL Interrupted": "查询超时"}.get(title or "")
        return await error_page(datasette, request.path, status, chinese_message(plain), english, title, **extra)

    return inner


def forbidden_response(datasette: Any, request: Any, message: str) -> Callable[[], Awaitable[Response]]:
    """The ``forbidden`` hook: a 403 page in Chinese."""

    async def inner() -> Response:
        return await error_page(datasette, request.path, 403, chinese_message(message) or "无权访问", message)

    return inner


def _is_datasette_error(exception: Exception) -> bool:
    from datasette.views.base import DatasetteError

    return isinstance(exception, DatasetteError)


# ---------------------------------------------------------------- the ASGI guard


class Refusal(NamedTuple):
    """A request the guard answers itself: the status, what to say in Chinese, the English of it."""

    status: int
    chinese: str
    english: str


def quick_refusal(scope: Scope) -> Refusal | None:
    """``(status, message)`` for a request refused on its size or path alone, before anything parses it."""
    path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "replace")
    query = scope.get("query_string", b"")
    if len(path) > MAX_PATH_BYTES:
        return Refusal(400, f"地址过长：路径最多 {MAX_PATH_BYTES:,} 字节", "path too long")
    if len(query) > MAX_QUERY_STRING_BYTES:
        return Refusal(400, f"查询参数过长：最多 {MAX_QUERY_STRING_BYTES:,} 字节", "query string too long")
    if query.count(b"&") + 1 > MAX_PARAMETERS:
        return Refusal(400, f"查询参数过多：最多 {MAX_PARAMETERS} 个", "too many query parameters")
    if HIDDEN_PAGES.match(scope.get("path", "")):
        return Refusal(404, "找不到页面", "not found")
    return None


class ArgumentCheck:
    """Checks the arguments Datasette would answer with a 500 against the database's tables and columns."""

    def __init__(self, datasette: Any) -> None:
        self.datasette = datasette
        self._sortable: dict[tuple[str, str], frozenset[str] | None] = {}

    async def refusal(self, scope: Scope) -> Refusal | None:
        """``(status, message)`` when an argument of this request is one Datasette cannot handle."""
        query = scope.get("query_string", b"").decode("utf-8", "replace")
        if "_timelimit" not in query and "_sort" not in query and "_through" not in query:
            return None
        params = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_PARAMETERS)
        for key, value in params:
            if key == "_timelimit" and not TIME_LIMIT.match(value):
                return Refusal(
                    400, f"_timelimit 必须是毫秒数（非负整数）：{value[:50]}", "_timelimit must be an integer"
                )
        keys = {key for key, _ in params}
        if not keys & {"_sort", "_sort_desc", "_through"}:
            return None
        target = await self._table(scope.get("path", ""))
        if target is None:
            return None
        database, table = target
        if "_sort" in keys and "_sort_desc" in keys:
            return Refusal(400, "不能同时使用 _sort 和 _sort_desc", "Cannot use _sort and _sort_desc at the same time")
        sortable = await self._sortable_columns(database, table)
        for key, value in params:
            if key in ("_sort", "_sort_desc") and value and sortable is not None and value not in sortable:
                return Refusal(400, f"不能按“{value[:100]}”排序：没有这一列", f"Cannot sort table by {value[:100]}")
            if key == "_through" and not await self._through_ok(database, table, value):
                return Refusal(400, BAD_THROUGH, "invalid _through")
        return None

    async def _table(self, path: str) -> tuple[str, str] | None:
        found = TABLE_PAGE.match(path)
        if not found:
            return None
        database, table = tilde_decode(found["database"]), tilde_decode(found["table"])
        db = self.datasette.databases.get(database)
        if db is None or table not in await self._relations(database):
            return None
        return database, table

    async def _relations(self, database: str) -> set[str]:
        db = self.datasette.databases[database]
        return set(await db.table_names()) | set(await db.view_names())

    async def _sortable_columns(self, database: str, table: str) -> frozenset[str] | None:
        """What Datasette lets a table page sort by (its ``sortable_columns_for_table``)."""
        key = (database, table)
        if key not in self._sortable:
            db = self.datasette.databases[database]
            metadata = self.datasette.table_metadata(database, table) or {}
            columns = set(metadata.get("sortable_columns") or await db.table_columns(table))
            is_view = table in await db.view_names()
            if not is_view and not await db.primary_keys(table):
                columns.add("rowid")
            self._sortable[key] = frozenset(columns)
        return self._sortable[key]

    async def _through_ok(self, database: str, table: str, value: str) -> bool:
        try:
            through = json.loads(value)
        except ValueError:
            return False
        if not isinstance(through, dict) or not {"table", "column", "value"} <= through.keys():
            return False
        other, column, wanted = through["table"], through["column"], through["value"]
        if not isinstance(other, str) or not isinstance(column, str) or isinstance(wanted, dict | list):
            return False
        db = self.datasette.databases[database]
        if other not in await db.table_names() or column not in await db.table_columns(other):
            return False
        return any(fk["other_table"] == table for fk in await db.foreign_keys_for_table(other))


def serving_tokenizer() -> None:
    """Bounded caches, and jieba's dictionary loaded now rather than inside the first request's time limit."""
    use_request_caches()
    index_terms("预热")


def guard(app: App, datasette: Any) -> App:
    """The outermost ASGI layer of the site: refuses what costs too much or shows too much, in Chinese."""
    serving_tokenizer()
    check = ArgumentCheck(datasette)

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        refusal = quick_refusal(scope) or await check.refusal(scope)
        if refusal is not None:
            response = await error_page(datasette, scope.get("path", ""), *refusal)
            await response.asgi_send(send)
            return
        await app(scope, receive, translating_sql_errors(send))

    return guarded


def translating_sql_errors(send: Send) -> Send:
    """``send`` that puts the Chinese first in the SQL errors of a query page (answered 400, in the page)."""
    held: list[Message] = []

    async def translated(message: Message) -> None:
        if message["type"] == "http.response.start":
            if message.get("status") == 400 and _content_type(message).startswith(("text/html", "application/json")):
                held.append(message)
                return
            await send(message)
            return
        if not held or message["type"] != "http.response.body":
            await send(message)
            return
        held.append(message)
        if message.get("more_body"):
            return
        start, *bodies = held
        held.clear()
        body = b"".join(part.get("body", b"") for part in bodies)
        body = _translated_body(body, _content_type(start))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return translated


def _content_type(start: Message) -> str:
    for key, value in start.get("headers", []):
        if key.lower() == b"content-type":
            return bytes(value).decode("latin-1").lower()
    return ""


def _translated_body(body: bytes, content_type: str) -> bytes:
    english = TOO_BIG.encode()
    if english not in body:
        return body
    message = f"{TOO_BIG_ZH}。({TOO_BIG})"
    is_json = content_type.startswith("application/json")
    replacement = json.dumps(message)[1:-1] if is_json else html.escape(message)
    # Already translated (an exception page built by exception_response) stays as it is.
    if TOO_BIG_ZH.encode() in body or json.dumps(TOO_BIG_ZH)[1:-1].encode() in body:
        return body
    # The site's templates (kb/web/chrome.py) prefix a message they do not know with 出错了：.
    body = body.replace("出错了：".encode() + english, english)
    return body.replace(english, replacement.encode("utf-8"))


# ---------------------------------------------------------------- the SQL functions


def as_text(value: object, limit: int) -> str:
    """A SQL argument as text (NULL is empty, numbers are written out, blobs decoded); too long raises."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        if len(value) > 4 * limit:
            raise OverflowError(TOO_BIG)
        value = value.decode("utf-8", "replace")
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        # OverflowError is what Python's sqlite3 turns into SQLite's own "string or blob too big".
        raise OverflowError(TOO_BIG)
    return text


def _quiet_refusals() -> None:
    """Keep a refused input out of the server's log.

    Datasette turns on sqlite3's callback tracebacks, so every exception in a
    SQL function is printed with its traceback; a refusal is an answer, not a
    fault, and a client sending thousands would otherwise flood the log.
    """
    previous = sys.unraisablehook
    if getattr(previous, "kb_quiet_refusals", False):
        return

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, OverflowError) and str(unraisable.exc_value) == TOO_BIG:
            return
        previous(unraisable)

    hook.kb_quiet_refusals = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


class SqlLimits:
    """The kb_ SQL functions of one connection, each call bounded in input and in the statement's time.

    SQLite runs Datasette's time-limit check only every 1,000 virtual machine
    instructions; a statement calling a Python function on every row would
    pass that check only every hundred calls. Each call here first looks at
    how long the statement has run (the trace callback marks its start) and
    interrupts it once past the limit, as Datasette's check would have.
    """

    def __init__(self, conn: sqlite3.Connection, time_limit_ms: float) -> None:
        self.conn = conn
        self.budget = time_limit_ms / 1000
        self.started = time.perf_counter()
        conn.set_trace_callback(self._statement_started)

    @classmethod
    def attach(cls, conn: sqlite3.Connection, datasette: Any | None) -> SqlLimits:
        """Limits for a Datasette connection: the site's ``sql_time_limit_ms``, request-sized caches."""
        serving_tokenizer()
        _quiet_refusals()
        limit = datasette.setting("sql_time_limit_ms") if datasette is not None else DEFAULT_TIME_LIMIT_MS
        return cls(conn, float(limit or DEFAULT_TIME_LIMIT_MS))

    def _statement_started(self, _sql: str) -> None:
        self.started = time.perf_counter()

    def _overdue(self) -> bool:
        if time.perf_counter() - self.started > self.budget:
            self.conn.interrupt()
            return True
        return False

    def _run(self, func: Callable[..., Any], *args: str) -> Any:
        if self._overdue():
            return None
        started = time.perf_counter()
        result = func(*args)
        spent = time.perf_counter() - started
        if spent > YIELD_AFTER:
            # Segmenting holds the GIL; a long call then pauses as long again (a sleep releases the GIL),
            # so a statement of many long calls takes at most half of the interpreter from other requests.
            time.sleep(spent * YIELD_RATIO)
        return result

    def query(self, func: Callable[[str], Any]) -> Callable[[object], Any]:
        """``func(query)`` for SQL, the query at most :data:`MAX_QUERY_CHARS` long."""

        def call(value: object) -> Any:
            text = as_text(value, MAX_QUERY_CHARS)
            return self._run(func, text)

        return call

    def text(self, func: Callable[[str], Any]) -> Callable[[object], Any]:
        """``func(text)`` for SQL, the text at most :data:`MAX_TEXT_CHARS` long."""

        def call(value: object) -> Any:
            text = as_text(value, MAX_TEXT_CHARS)
            return self._run(func, text)

        return call

    def covers(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func(query, *texts)`` for SQL, the query and the texts together within their bounds."""

        def call(query: object = None, *values: object) -> Any:
            texts = [as_text(value, MAX_TEXT_CHARS) for value in values]
            if sum(map(len, texts)) > MAX_TEXT_CHARS:
                raise OverflowError(TOO_BIG)
            text = as_text(query, MAX_QUERY_CHARS)
            return self._run(func, text, *texts)

        return call
