"""Datasette plugin: Chinese full-text search with the project's query planner.

FTS5 in SQLite cannot segment Chinese, and the index holds jieba terms. This
plugin makes Datasette search the way every other path does
(:mod:`indexer.planner`, wired in :mod:`kb.web.search`):

* ``?_search=受益对象满意度`` (the table search box and the JSON API) is read
  by the planner — words, other wordings, the indicator's family and
  category, target conditions such as ``≤90%`` — and the rows come in
  relevance order: exact matches first (精确匹配), then 相近写法, 同族指标,
  同类指标, each row's tier shown beside its name. A query with no terms
  finds nothing and says so in Chinese. The search box shows what the user
  typed.
* SQL gets ``kb_fts_match(q)``, the MATCH expression of everything a query
  finds, ``kb_terms(text)``, the index terms of a text, ``kb_covers(q, text,
  …)``, whether an indicator with these texts is found, and the ranking
  itself: ``kb_search_ids(q, n)``, ``kb_search_rank(q, id)``,
  ``kb_search_tier(q, id)``, ``kb_search_score(q, id)``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

import markupsafe
from datasette import hookimpl
from datasette.utils.asgi import Response

from indexer.planner import read_query
from indexer.tokenizer import index_text
from kb.web import search as planned
from kb.web.guard import SqlLimits, exception_response, forbidden_response, guard

ORIGINAL_KEY = "kb_search_original"
LIGHTENED_KEY = "kb_search_lightened"
# Facets and the exact count each rescan every matching row; past these many matches a search page
# would take seconds, so it is served without them (asking for a facet with _facet= brings it back).
FACET_LIMIT = 3_000
COUNT_LIMIT = 20_000
# The column each searchable table shows its rows' names in: the tier of a row is shown there.
NAME_COLUMNS = {"indicators": "level3", "indicator_details": "level3", "goal_indicators": "name"}
NAME_COLUMNS["goal_indicator_details"] = "name"

Scope = dict[str, Any]
App = Callable[[Scope, Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]], Awaitable[None]]


def segment_search_params(query_string: str) -> tuple[str, dict[str, str]]:
    """Hand every ``_search``/``_search_<column>`` to the planner (see :func:`kb.web.search.rename_search_params`).

    Returns the new query string and the original values. Blank searches are
    dropped (no search at all); raw-mode searches are left to the user.
    """
    return planned.rename_search_params(query_string)


def _table_of(path: str) -> tuple[str, str] | None:
    """``(database, table)`` of a table page or its JSON/CSV (``/kb/indicators.json``)."""
    parts = [unquote(part) for part in path.strip("/").split("/")]
    if len(parts) != 2:
        return None
    database, table = parts
    for suffix in (".json", ".csv"):
        table = table.removesuffix(suffix)
    return database, table


def _kind_of(datasette: Any, database: str, table: str) -> str | None:
    fts_table = (datasette.table_metadata(database, table) or {}).get("fts_table")
    return planned.KIND_OF_INDEX.get(fts_table or "")


async def _match_count(datasette: Any, database: str, table: str, query: str) -> int | None:
    """How many rows of ``table`` a search for ``query`` finds, counted on the index alone."""
    kind = _kind_of(datasette, database, table)
    if kind is None or not query.strip():
        return None
    try:
        db = datasette.get_database(database)
        return int(await db.execute_fn(lambda conn: planned.match_count(conn, query, kind)))
    except Exception:
        return None


def _lightened(query_string: str, matches: int) -> tuple[str, list[str]]:
    """The query string with facets and the exact count left out when a search matches this many rows."""
    params = parse_qsl(query_string, keep_blank_values=True)
    keys = {key for key, _ in params}
    skipped = []
    if matches > FACET_LIMIT and "_facet" not in keys and "_nofacet" not in keys:
        params.append(("_nofacet", "1"))
        skipped.append("facets")
    if matches > COUNT_LIMIT and "_nocount" not in keys:
        params.append(("_nocount", "1"))
        skipped.append("count")
    return urlencode(params), skipped


@hookimpl(trylast=True)  # called last, so its wrapper (the guard) is the outermost
def asgi_wrapper(datasette: Any) -> Callable[[App], App]:
    def wrap(app: App) -> App:
        async def segmenting_app(scope: Scope, receive: Any, send: Any) -> None:
            token = None
            if scope.get("type") == "http" and scope.get("query_string"):
                query_string = scope["query_string"].decode("utf-8", errors="replace")
                try:
                    new_query, originals = segment_search_params(query_string)
                except ValueError:
                    new_query, originals = query_string, {}
                searched = dict(parse_qsl(new_query)).get(planned.RENAMED)
                target = _table_of(scope.get("path", ""))
                if originals or searched is not None:
                    extra: dict[str, Any] = {ORIGINAL_KEY: originals or {planned.SEARCH: searched or ""}}
                    if target and searched:
                        matches = await _match_count(datasette, *target, searched)
                        if matches is not None:
                            new_query, skipped = _lightened(new_query, matches)
                            extra[LIGHTENED_KEY] = (matches, skipped)
                        kind = _kind_of(datasette, *target)
                        if kind is not None:
                            token = planned.current_search.set((target[0], searched, kind))
                    scope = {**scope, "query_string": new_query.encode("ascii"), **extra}
            try:
                await app(scope, receive, send)
            finally:
                if token is not None:
                    planned.current_search.reset(token)

        return guard(segmenting_app, datasette)

    return wrap


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    """The search of a table page: the rows the plan finds (and, through :mod:`kb.web.search`, their order)."""

    async def inner() -> Any:
        return await planned.search_filter(request, database, table, datasette)

    return inner


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str, database: str, datasette: Any) -> Any:
    """On a search page, each row's name carries its tier (精确匹配, 相近写法, 同族指标, 同类指标)."""
    current = planned.current_search.get()
    if current is None or NAME_COLUMNS.get(table) != column or current[0] != database:
        return None
    try:
        row_id = row["id"]
    except (KeyError, IndexError):
        return None

    def badge(label: str | None) -> Any:
        return None if label is None else markupsafe.Markup('<span class="kb-tier">{}</span> {}').format(label, value)

    # The page's rows were just ranked: their tiers are known without asking the database again.
    known = planned.known_tier(current[1], current[2], row_id)
    if known is not None:
        return badge(known)

    async def inner() -> Any:
        db = datasette.get_database(database)
        return badge(await db.execute_fn(lambda conn: planned.tier_label(conn, current[1], current[2], row_id)))

    return inner


# Tables whose search results can also be ranked by the canned relevance query.
RANKED_SEARCH = {
    "indicators": "search_indicators",
    "indicator_details": "search_indicators",
    "goal_indicators": "search_goal_indicators",
    "goal_indicator_details": "search_goal_indicators",
}

STYLE = """
dl.column-descriptions { display: grid; grid-template-columns: repeat(3, max-content minmax(8em, 1fr));
  gap: 0.15em 0.6em; font-size: 0.85em; margin: 0.5em 0 1em; }
dl.column-descriptions dt { font-weight: bold; margin: 0; }
dl.column-descriptions dd { margin: 0; color: #555; }
@media (max-width: 800px) {
  dl.column-descriptions { grid-template-columns: max-content 1fr; }
}
.kb-ranked { margin-left: 1em; font-size: 0.9em; }
.kb-note { color: #555; font-size: 0.9em; }
.kb-tier { display: inline-block; font-size: 0.75em; padding: 0 0.3em; margin-right: 0.3em; border-radius: 3px;
  background: #eef3f8; color: #345; white-space: nowrap; }
"""


def _js_string(value: str) -> str:
    return json.dumps(value).replace("<", "\\u003c")


@hookimpl
def extra_body_script(view_name: str, request: Any, database: str | None, table: str | None) -> str:
    """Put the words the user typed back into the search box, with notes on the search and a link to scores."""
    if request is None or view_name != "table":
        return ""
    original = request.scope.get(ORIGINAL_KEY, {}).get(planned.SEARCH)
    if original is None or not original.strip():
        return ""
    script = f"var box=document.getElementById('_search');if(box){{box.value={_js_string(original)};"
    notes = []
    matches, skipped = request.scope.get(LIGHTENED_KEY, (None, []))
    if read_query(original).empty:
        notes.append(planned.NOTHING_TO_SEARCH.format(query=original.strip()))
    elif matches == 0:
        notes.append(f"没有找到与“{original.strip()}”相符的指标。")
    if skipped:
        notes.append(
            f"全文索引中共有 {matches:,} 条匹配。结果较多，为使页面迅速显示，未计算"
            + ("分面和精确行数" if "count" in skipped else "分面")
            + "；加上筛选条件或用 _facet= 指定分面即可显示。"
        )
    for notice in notes:
        script += (
            "var note=document.createElement('p');note.className='kb-note';"
            f"note.textContent={_js_string(notice)};box.closest('form').insertAdjacentElement('afterend',note);"
        )
    ranked = RANKED_SEARCH.get(table or "")
    if ranked and database:
        href = f"/{quote(database)}/{ranked}?q={quote(original)}"
        script += (
            "var a=document.createElement('a');a.className='kb-ranked';"
            f"a.href={_js_string(href)};a.textContent='相关度得分 →';box.insertAdjacentElement('afterend',a);"
        )
    return "(function(){" + script + "}})();"


@hookimpl
def extra_css_urls() -> list[str]:
    return ["/-/kb-style.css"]


async def _style(request: Any) -> Response:
    return Response(STYLE, content_type="text/css; charset=utf-8", headers={"cache-control": "max-age=3600"})


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/kb-style\.css$", _style)]


@hookimpl
def prepare_connection(conn: Any, datasette: Any) -> None:
    # Bounded in input and in time per statement (kb/web/guard.py: MAX_QUERY_CHARS, MAX_TEXT_CHARS).
    limits = SqlLimits.attach(conn, datasette)
    planned.register_functions(conn, limits)
    conn.create_function("kb_terms", 1, limits.text(index_text), deterministic=True)


@hookimpl
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Any:
    """Error pages in Chinese first, without internals (kb/web/guard.py)."""
    return exception_response(datasette, request, exception)


@hookimpl
def forbidden(datasette: Any, request: Any, message: str) -> Any:
    return forbidden_response(datasette, request, message)
