"""Datasette plugin: Chinese full-text search with the project's tokeniser.

FTS5 in SQLite cannot segment Chinese, and the index holds jieba terms. This
plugin makes Datasette speak the index's language:

* ``?_search=受益对象满意度`` (the table search box and the JSON API) is
  rewritten, before Datasette sees it, into the query's terms, the same
  terms :mod:`indexer.fts` uses; a query with no terms matches nothing
  instead of raising an FTS syntax error. The search box still shows what
  the user typed.
* SQL gets ``kb_fts_match(text)``, the MATCH expression of a query,
  ``kb_terms(text)``, the index terms of a text, and ``kb_covers(query,
  text, …)``, whether the texts hold every term of the query, for canned
  queries and for anyone writing SQL.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response

from indexer.fts import covers, match_expression, quote_term
from indexer.tokenizer import index_text, query_terms
from kb.web.guard import SqlLimits, exception_response, forbidden_response, guard

# Datasette quotes each whitespace-separated word; this one holds no term, so it matches nothing.
NO_TERMS = "∅"
ORIGINAL_KEY = "kb_search_original"
LIGHTENED_KEY = "kb_search_lightened"
# Facets and the exact count each rescan every matching row; past these many matches a search page
# would take seconds, so it is served without them (asking for a facet with _facet= brings it back).
FACET_LIMIT = 3_000
COUNT_LIMIT = 20_000

Scope = dict[str, Any]
App = Callable[[Scope, Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]], Awaitable[None]]


def segment_search_params(query_string: str) -> tuple[str, dict[str, str]]:
    """Rewrite every ``_search``/``_search_<column>`` value into its query terms.

    Returns the new query string and the original values. Blank searches are
    dropped (no search at all); raw-mode searches are left to the user.
    """
    params = parse_qsl(query_string, keep_blank_values=True)
    if not any(key.startswith("_search") and key != "_searchmode" for key, _ in params):
        return query_string, {}
    if ("_searchmode", "raw") in params:
        return query_string, {}
    rewritten: list[tuple[str, str]] = []
    originals: dict[str, str] = {}
    for key, value in params:
        if key.startswith("_search") and key != "_searchmode":
            originals[key] = value
            if not value.strip():
                continue
            value = " ".join(query_terms(value)) or NO_TERMS
        rewritten.append((key, value))
    return urlencode(rewritten), originals


def _table_of(path: str) -> tuple[str, str] | None:
    """``(database, table)`` of a table page or its JSON/CSV (``/kb/indicators.json``)."""
    parts = [unquote(part) for part in path.strip("/").split("/")]
    if len(parts) != 2:
        return None
    database, table = parts
    for suffix in (".json", ".csv"):
        table = table.removesuffix(suffix)
    return database, table


async def _match_count(datasette: Any, database: str, table: str, terms: str) -> int | None:
    """How many rows of ``table`` a search for ``terms`` matches, counted in its FTS5 index alone."""
    fts_table = (datasette.table_metadata(database, table) or {}).get("fts_table")
    if not fts_table or not terms or terms == NO_TERMS:
        return None
    try:
        db = datasette.get_database(database)
        result = await db.execute(
            f"SELECT count(*) FROM [{fts_table}] WHERE [{fts_table}] MATCH ?",
            [" ".join(quote_term(t) for t in terms.split())],
        )
    except Exception:
        return None
    return result.first()[0]


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
            if scope.get("type") == "http" and scope.get("query_string"):
                query_string = scope["query_string"].decode("utf-8", errors="replace")
                try:
                    new_query, originals = segment_search_params(query_string)
                except ValueError:
                    new_query, originals = query_string, {}
                if originals:
                    extra: dict[str, Any] = {ORIGINAL_KEY: originals}
                    target = _table_of(scope.get("path", ""))
                    searched = dict(parse_qsl(new_query)).get("_search")
                    if target and searched:
                        matches = await _match_count(datasette, *target, searched)
                        if matches is not None:
                            new_query, skipped = _lightened(new_query, matches)
                            extra[LIGHTENED_KEY] = (matches, skipped)
                    scope = {**scope, "query_string": new_query.encode("ascii"), **extra}
            await app(scope, receive, send)

        return guard(segmenting_app, datasette)

    return wrap


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
"""


def _js_string(value: str) -> str:
    return json.dumps(value).replace("<", "\\u003c")


@hookimpl
def extra_body_script(view_name: str, request: Any, database: str | None, table: str | None) -> str:
    """Put the words the user typed back into the search box, with a link to ranked results."""
    if request is None or view_name != "table":
        return ""
    original = request.scope.get(ORIGINAL_KEY, {}).get("_search")
    if original is None or not original.strip():
        return ""
    script = f"var box=document.getElementById('_search');if(box){{box.value={_js_string(original)};"
    matches, skipped = request.scope.get(LIGHTENED_KEY, (None, []))
    if skipped:
        notice = (
            f"全文索引中共有 {matches:,} 条匹配。结果较多，为使页面迅速显示，未计算"
            + ("分面和精确行数" if "count" in skipped else "分面")
            + "；加上筛选条件或用 _facet= 指定分面即可显示。"
        )
        script += (
            "var note=document.createElement('p');note.className='kb-note';"
            f"note.textContent={_js_string(notice)};box.closest('form').insertAdjacentElement('afterend',note);"
        )
    ranked = RANKED_SEARCH.get(table or "")
    if ranked and database:
        href = f"/{quote(database)}/{ranked}?q={quote(original)}"
        script += (
            "var a=document.createElement('a');a.className='kb-ranked';"
            f"a.href={_js_string(href)};a.textContent='按相关度排序 →';box.insertAdjacentElement('afterend',a);"
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
    conn.create_function("kb_fts_match", 1, limits.query(match_expression), deterministic=True)
    conn.create_function("kb_terms", 1, limits.text(index_text), deterministic=True)
    conn.create_function("kb_covers", -1, limits.covers(lambda q, *texts: int(covers(q, *texts))), deterministic=True)


@hookimpl
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Any:
    """Error pages in Chinese first, without internals (kb/web/guard.py)."""
    return exception_response(datasette, request, exception)


@hookimpl
def forbidden(datasette: Any, request: Any, message: str) -> Any:
    return forbidden_response(datasette, request, message)
