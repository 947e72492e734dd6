"""Datasette plugin: the Chinese interface of Datasette's own pages (home, database, table, row, query, errors).

The templates that override Datasette's are in ``kb/web/templates/`` and the
style sheet and script in ``kb/web/static/``; Datasette finds both beside the
``kb.web`` package, which ``pyproject.toml`` registers as a plugin for that
reason (``importlib.resources.files(plugin) / "templates"``). This module
gives those templates what they need as one Jinja global, ``zh``
(:class:`Chrome`): column labels, value labels, table titles in reading order,
the filter operators and the description of a filtered table in Chinese,
Datasette's and SQLite's error messages translated, and the export links.
Cells of enumerated columns are shown by their Chinese label through
``render_cell`` (the stored value stays in the cell's title and in the API).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from datasette import hookimpl
from markupsafe import Markup

from kb.web import labels as L
from kb.web.served import is_knowledge_base

# What each of Datasette's filter operators reads as in the filter form and in the description of a table.
FILTER_OPERATORS: dict[str, str] = {
    "exact": "等于",
    "not": "不等于",
    "contains": "包含",
    "endswith": "结尾是",
    "startswith": "开头是",
    "gt": "大于",
    "gte": "大于等于",
    "lt": "小于",
    "lte": "小于等于",
    "like": "LIKE 匹配",
    "notlike": "LIKE 不匹配",
    "glob": "GLOB 匹配",
    "in": "属于（逗号分隔）",
    "notin": "不属于（逗号分隔）",
    "arraycontains": "数组包含",
    "arraynotcontains": "数组不包含",
    "date": "日期为",
    "isnull": "为 NULL",
    "notnull": "不为 NULL",
    "isblank": "为空",
    "notblank": "不为空",
}

# Datasette's and SQLite's error messages, matched whole, and what a reader sees instead.
ERROR_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), chinese)
    for pattern, chinese in (
        (r"Database not found(?:: (.*))?", "找不到数据库 \\1"),
        (r"Table not found(?:: (.*))?", "找不到这张表 \\1"),
        (r"Record not found(?:: (.*))?", "找不到这条记录 \\1"),
        (r"No data", "没有数据"),
        (r"Cannot sort table by (.*)", "不能按 \\1 排序"),
        (r"Cannot use _sort and _sort_desc at the same time", "不能同时使用 _sort 和 _sort_desc"),
        (r"_size must be a positive integer", "_size 必须是正整数"),
        (r"_size must be <= (\d+)", "_size 不能超过 \\1"),
        (r"_facet= is not allowed", "不允许使用 _facet="),
        (r"_where= is not allowed", "不允许使用 _where="),
        (r"Cannot search by that column", "不能按这一列检索"),
        (r"Statement must be a SELECT", "只能执行 SELECT 查询"),
        (r"You do not have permission to view this (table|database|query)", "没有查看权限"),
        (r"Permission denied", "没有权限"),
        (r"CSV streaming is disabled", "不允许流式导出 CSV"),
        (r"_next not allowed for CSV streaming", "流式导出 CSV 时不能使用 _next"),
        (r"Database download is forbidden", "不允许下载数据库"),
        (r"Cannot download database", "无法下载这个数据库"),
        (r"no such table: (.*)", "没有这张表：\\1"),
        (r"no such column: (.*)", "没有这一列：\\1"),
        (r"no such function: (.*)", "没有这个函数：\\1"),
        (r"ambiguous column name: (.*)", "列名不明确（多张表都有）：\\1"),
        (r'near "(.*)": syntax error', "SQL 语法错误，在“\\1”附近"),
        (r"unrecognized token: (.*)", "无法识别的符号：\\1"),
        (r"incomplete input", "SQL 语句不完整"),
        (r"interrupted", "查询超时，已中断"),
        (r"attempt to write a readonly database", "知识库是只读的，不能修改"),
        (r"You did not supply a value for binding parameter :?(\w+)\.?", "没有给出参数 :\\1 的值"),
        (r"Incorrect number of bindings supplied.*", "参数个数不对"),
        (r"fts5: syntax error near (.*)", "全文检索语法错误，在 \\1 附近"),
        (
            r"(?:sub-select|SELECTs to the left and right of \w+) returns? \d+ columns? - expected \d+",
            "子查询的列数不对",
        ),
    )
)
# Datasette's menu for the root user.
MENU_LABELS: dict[str, str] = {
    "Databases": "数据库",
    "Installed plugins": "已安装的插件",
    "Version info": "版本信息",
    "Metadata": "元数据",
    "Settings": "设置",
    "Debug permissions": "调试：权限",
    "Debug messages": "调试：消息",
    "Debug allow rules": "调试：允许规则",
    "Debug threads": "调试：线程",
    "Debug actor": "调试：当前用户",
    "Pattern portfolio": "样式示例",
}
ERROR_TITLES: dict[str, str] = {"Invalid SQL": "SQL 无效", "SQL Interrupted": "查询超时"}
_INTERRUPTED = re.compile(r"<p>SQL query took too long\..*?</p>", re.DOTALL)
INTERRUPTED_HTML = (
    "<p>查询超时：超过了 <code>sql_time_limit_ms</code> 设置的时限。请缩小范围（加筛选条件、少取几列）后再试。</p>"
)
STATIC_DIR_NAME = "static"


def translate_error(message: Any) -> Any:
    """A Datasette or SQLite error message in Chinese; a message not known is prefixed ``出错了：``."""
    if message is None:
        return ""
    if isinstance(message, Markup):
        text = str(message)
        if _INTERRUPTED.search(text):
            return Markup(_INTERRUPTED.sub(INTERRUPTED_HTML, text))
        return message
    text = str(message).strip()
    for pattern, chinese in ERROR_MESSAGES:
        found = pattern.fullmatch(text)
        if found:
            return found.expand(chinese).strip()
    if re.search(r"[\u4e00-\u9fff]", text):
        return text
    return f"出错了：{text}"


def error_title(title: str | None, status: int | None) -> str:
    """The heading of an error page."""
    if title:
        return ERROR_TITLES.get(title, title)
    return f"出错了（{status}）" if status else "出错了"


def _with_params(url: str, path: str | None = None, **params: str | None) -> str:
    """``url`` with its path replaced (when given) and ``params`` set (None: removed)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit((parts.scheme, parts.netloc, path or parts.path, urlencode(query), parts.fragment))


class Chrome:
    """What the site's templates ask for, available in every template as ``zh``."""

    def __init__(self, datasette: Any) -> None:
        self.datasette = datasette
        self._static_base: str | None = None
        # Metadata is fixed once Datasette has started; a page asks for a table's many times.
        self._tables: dict[tuple[str, str], dict[str, Any]] = {}
        # Whether each database is a knowledge base; the row counts of an immutable one (kb serve opens the
        # knowledge base read-only), which Datasette would count again on every home page.
        self._kinds: dict[str, bool] = {}
        self._counts: dict[str, dict[str, int | None]] = {}

    @classmethod
    def of(cls, datasette: Any) -> Chrome:
        """The instance the templates of ``datasette`` use (its caches shared), or a new one."""
        found = getattr(getattr(datasette, "jinja_env", None), "globals", {}).get("zh")
        return found if isinstance(found, cls) else cls(datasette)

    # ---------------------------------------------------------------- names

    def _immutable(self, database: str) -> bool:
        db = self.datasette.databases.get(database)
        return db is not None and not db.is_mutable

    def is_kb(self, database: str | None) -> bool:
        """Whether ``database`` is a knowledge base (its columns and values then have Chinese labels)."""
        if not database:
            return False
        if database not in self._kinds:
            # Asked for every cell of a page; whether a database is a knowledge base does not change.
            self._kinds[database] = is_knowledge_base(self.datasette, database)
        return self._kinds[database]

    async def _table_counts(self, database: str) -> dict[str, int | None]:
        if database in self._counts:
            return self._counts[database]
        counts = await self.datasette.get_database(database).table_counts(5)
        if self._immutable(database):
            self._counts[database] = counts
        return counts

    def _table_metadata(self, database: str | None, table: str | None) -> dict[str, Any]:
        if not database or not table:
            return {}
        key = (database, table)
        if key not in self._tables:
            self._tables[key] = self.datasette.table_metadata(database, table) or {}
        return self._tables[key]

    def database_title(self, database: str) -> str:
        """A database's title (the knowledge base's Chinese title), else its name."""
        return str(self.datasette.metadata("title", database=database, fallback=False) or database)

    def title(self, database: str | None, table: str | None) -> str:
        """A table's or canned query's Chinese title, else its name."""
        if not table:
            return ""
        found = self._table_metadata(database, table).get("title")
        if not found and database:
            queries = self.datasette.metadata("queries", database=database, fallback=False) or {}
            query = queries.get(table)
            found = query.get("title") if isinstance(query, dict) else None
        return str(found or table)

    def label(self, database: str | None, table: str | None, column: str, sql: str | None = None) -> str:
        """The Chinese header of ``column``: the table's label for it, else the label of a column of that name."""
        labels = self._table_metadata(database, table).get("labels") or {}
        if column in labels:
            return str(labels[column])
        if column.endswith("_label") and column.removesuffix("_label") in labels:
            return L.expanded_label(str(labels[column.removesuffix("_label")]))
        if not self.is_kb(database):
            return column
        return L.label_of(column, [table] if table else L.tables_of_sql(sql))

    def hint(self, database: str | None, table: str | None, column: str, sql: str | None = None) -> str:
        """What a header's tooltip says: the SQL name and the full description."""
        description = (self._table_metadata(database, table).get("columns") or {}).get(column)
        if not description and self.is_kb(database):
            found = L.column_of(column, [table] if table else L.tables_of_sql(sql))
            description = found.description if found is not None else None
        return f"{column}：{description}" if description else column

    def value_labels(
        self, database: str | None, table: str | None, column: str, sql: str | None = None
    ) -> Mapping[str, str] | None:
        """What each stored value of ``column`` reads as, or None."""
        if not self.is_kb(database):
            return None
        if table and L.known_table(table):
            return L.value_labels(table, column)
        return L.values_of(column, L.tables_of_sql(sql))

    def value(self, database: str | None, table: str | None, column: str, value: Any) -> str:
        """A stored value as a reader reads it (facets, filters): its label, else the value."""
        shown = L.show_value(self.value_labels(database, table, column), value)
        return shown if shown is not None else ("" if value is None else str(value))

    def menu_label(self, label: str) -> str:
        """A link of Datasette's menu in Chinese."""
        return MENU_LABELS.get(label, label)

    def operator(self, key: str, display: str = "") -> str:
        """A filter operator in Chinese."""
        return FILTER_OPERATORS.get(key, display or key)

    def operators(self, lookups: Iterable[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
        """Datasette's filter operators ``(key, display, no_argument)`` with Chinese displays."""
        return [(key, self.operator(key, display), no_argument) for key, display, no_argument in lookups]

    # ---------------------------------------------------------------- what a page shows

    async def tables(self, database: str, listed: Iterable[Any] | None = None) -> list[dict[str, Any]]:
        """The visible tables and views of ``database`` in reading order, each with title, description, count.

        ``listed`` is Datasette's own list (the database page has one, with counts); without it
        the tables and views are read from the database.
        """
        db = self.datasette.get_database(database)
        entries: list[dict[str, Any]] = []
        if listed is None:
            hidden = set(await db.hidden_table_names())
            counts = await self._table_counts(database)
            names = [n for n in await db.table_names() if n not in hidden] + list(await db.view_names())
            entries = [{"name": n, "count": counts.get(n)} for n in names]
        else:
            entries = [dict(t) if isinstance(t, dict) else {"name": t} for t in listed]
        order = {name: index for index, name in enumerate(L.TABLE_ORDER)}
        entries.sort(key=lambda e: (order.get(e["name"], len(order)), e["name"]))
        for entry in entries:
            metadata = self._table_metadata(database, entry["name"])
            if metadata.get("hidden"):
                entry["hidden"] = True
            entry["title"] = metadata.get("title") or entry["name"]
            entry["description"] = metadata.get("description") or ""
            labels = metadata.get("labels") or {}
            entry["labels"] = [labels.get(c, c) for c in entry.get("columns") or []]
        # Datasette's own list marks hidden tables, which its page shows on request (?_show_hidden=1).
        return entries if listed is not None else [e for e in entries if not e.get("hidden")]

    def queries(self, database: str) -> list[dict[str, Any]]:
        """The canned queries of ``database``: name, title and description."""
        queries = self.datasette.metadata("queries", database=database, fallback=False) or {}
        return [
            {"name": name, "title": q.get("title") or name, "description": q.get("description") or ""}
            for name, q in queries.items()
            if isinstance(q, dict)
        ]

    def search_text(self, request: Any, search: str | None) -> str:
        """What the user typed into the search box (the plugin hands Datasette the segmented terms)."""
        from kb.web.plugin import ORIGINAL_KEY

        original = (getattr(request, "scope", None) or {}).get(ORIGINAL_KEY, {}).get("_search")
        return str(original if original is not None else (search or ""))

    def describe(
        self,
        database: str,
        table: str,
        filters: Any,
        search: str | None,
        sort: str | None,
        sort_desc: str | None,
        extra_wheres: int = 0,
    ) -> str:
        """What a filtered table page shows, in Chinese: the conditions, the search and the order."""
        parts = []
        for column, lookup, value in filters.selections() if filters is not None else []:
            label = self.label(database, table, column)
            operator = self.operator(lookup)
            if lookup in {"isnull", "notnull", "isblank", "notblank"}:
                parts.append(f"{label}{operator}")
            else:
                parts.append(f"{label} {operator}“{self.value(database, table, column, value)}”")
        if search:
            parts.append(f"全文检索“{search}”")
        if extra_wheres:
            parts.append(f"另有 {extra_wheres} 条 SQL 条件")
        text = "条件：" + "，".join(parts) if parts else ""
        if sort or sort_desc:
            order = f"按{self.label(database, table, str(sort or sort_desc))}{'降序' if sort_desc else '升序'}排列"
            text = f"{text}；{order}" if text else order
        return text

    def rows(self, count: int | None) -> str:
        """``1,234 行``."""
        return "行数未计算" if count is None else f"{count:,} 行"

    # ---------------------------------------------------------------- errors, links, assets

    def error(self, message: Any) -> Any:
        """An error message in Chinese."""
        return translate_error(message)

    def error_title(self, title: str | None, status: int | None = None) -> str:
        """An error page's heading in Chinese."""
        return error_title(title, status)

    def export(self, url: str, fmt: str, stream: bool = False) -> str:
        """The link that downloads the rows of ``url`` (a CSV link) for Excel/WPS: ``csv`` or ``xlsx``.

        Both carry a UTF-8 BOM and Chinese headers (:mod:`kb.web.exports`); ``stream`` asks for every
        row of a table rather than one page.
        """
        parts = urlsplit(url)
        path = parts.path
        if fmt == "xlsx":
            path = path.removesuffix(".csv") + ".xlsx"
        params: dict[str, str | None] = {"_excel": "1", "_dl": "1"}
        if stream and self.datasette.setting("allow_csv_stream"):
            params.update({"_stream": "on", "_next": None})
        return _with_params(url, path, **params)

    def static(self, name: str) -> str:
        """The URL of one of ``kb/web/static/``'s files, as Datasette serves the plugin's static folder."""
        if self._static_base is None:
            # Imported here: datasette.plugins is being imported when it loads this plugin.
            from datasette.plugins import get_plugins

            wanted = str(files("kb.web") / STATIC_DIR_NAME)
            plugin = next((p for p in get_plugins() if p["static_path"] == wanted), None)
            self._static_base = self.datasette.urls.static_plugins(plugin["name"], "") if plugin else ""
        return self._static_base + name


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    """Make :class:`Chrome` (``zh``) available to every template, the error page included."""
    env.globals["zh"] = Chrome(datasette)


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Markup | None:
    """An enumerated value (severity, target kind, rule …) by its Chinese label; the stored value as its title."""
    if value is None or isinstance(value, bytes | float | dict):
        return None
    chrome = Chrome.of(datasette)
    labels = chrome.value_labels(database, table, column)
    shown = L.show_value(labels, value)
    if shown is None:
        return None
    return Markup('<span class="kb-value" title="{}">{}</span>').format(value, shown)
