"""Datasette's search through the query planner: the search box, the JSON API and the SQL functions.

Datasette's own ``?_search=`` quotes the words of a query and asks FTS5 for
rows holding all of them, in id order. Here the query goes through
:mod:`indexer.planner` like every other search:

* :func:`rename_search_params` (the plugin's ASGI wrapper) renames
  ``_search``/``_search_<column>`` to ``_kb_search``/``_kb_search_<column>``
  before Datasette reads the request, so Datasette's own search leaves them
  alone; page, facet and sort links keep the renamed parameter.
* :func:`search_filter` (``filters_from_request``) turns the query into the
  rows the plan finds: the members of the distinct texts its tiers match (fast:
  one row per text), or, when some text matches only through its members'
  project names, the rows the per-indicator index matches.
* :func:`ranked_execute` orders the search page by relevance — exact matches
  first, then other wordings, family, category; BM25 within a tier — unless
  the user sorts by a column. Datasette has no hook for the order of a table
  page, so the page's main ``SELECT`` is recognised by the parameters this
  module adds (never by guessing) and given its order: without other filters
  the page's rows are the next ones of the ranking (:mod:`indexer.ranking`),
  looked up by id; with filters the filtered rows are ordered by their sort
  key (their text's place in the ranking, then id).
* :func:`register_functions` gives SQL the same search: ``kb_fts_match``,
  ``kb_covers``, ``kb_search_ids``, ``kb_search_rank``, ``kb_search_order``,
  ``kb_search_tier``, ``kb_search_score`` (see ``docs/search.md``).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from threading import Lock
from typing import Any
from urllib.parse import parse_qsl, urlencode

from indexer.fts import covers, match_expression
from indexer.match import GOAL_COLUMNS, restrict, text_index_fts5
from indexer.planner import TIER_LABELS, Plan, build_key, plan
from indexer.ranking import GOALS_KIND, INDICATORS_KIND, Hit, Ranking, matched_through_projects, ranking
from kb.db.schema import GOAL_INDICATOR_FTS, INDICATOR_FTS, TEXT_FTS
from kb.web.guard import SqlLimits

SEARCH = "_search"
RENAMED = "_kb_search"
# Parameters this module adds to the SQL of a search page: the query, what is ranked, whether other filters apply.
QUERY_PARAM = "kb_search"
KIND_PARAM = "kb_kind"
FILTERED_PARAM = "kb_filtered"
MATCH_PARAM = "kb_match"
EXCLUDED_PARAM = "kb_excluded"
PAGE_PARAM = "kb_page"
# What the page shows when a query holds nothing to search for.
NOTHING_TO_SEARCH = "查询“{query}”只有停用词或标点，没有可检索的词；请换用指标名称、关键词或指标值（如“满意度 ≤90%”）。"
# The query being served, for the cells that show each row's tier (render_cell has no request).
# (database, query, what is ranked)
current_search: ContextVar[tuple[str, str, str] | None] = ContextVar("kb_current_search", default=None)

KIND_OF_INDEX = {INDICATOR_FTS.name: INDICATORS_KIND, GOAL_INDICATOR_FTS.name: GOALS_KIND}


def _is_search_key(key: str) -> bool:
    return key.startswith(SEARCH) and key != "_searchmode"


def rename_search_params(query_string: str) -> tuple[str, dict[str, str]]:
    """Rename every ``_search``/``_search_<column>`` to ``_kb_search…``; the new query string and the originals.

    Blank searches are dropped (no search at all); raw-mode searches are left
    to Datasette. A new ``_search`` (typed into the box) replaces a renamed one
    carried over from the previous page.
    """
    params = parse_qsl(query_string, keep_blank_values=True)
    if ("_searchmode", "raw") in params:
        return query_string, {}
    typed = {key for key, _ in params if _is_search_key(key)}
    carried = {key for key, _ in params if key.startswith(RENAMED)}
    if not typed and not carried:
        return query_string, {}
    rewritten: list[tuple[str, str]] = []
    originals: dict[str, str] = {}
    for key, value in params:
        if key.startswith(RENAMED):
            original = SEARCH + key[len(RENAMED) :]
            if original in typed:
                continue  # the box's new query wins over the one carried in the page links
            key = original
        if _is_search_key(key):
            originals[key] = value
            if not value.strip():
                continue
            key = RENAMED + key[len(SEARCH) :]
        rewritten.append((key, value))
    return urlencode(rewritten), originals


def searched(args: Any) -> tuple[str | None, dict[str, str]]:
    """The query of a request (``_kb_search``) and its column searches (``_kb_search_<column>``)."""
    query = args.get(RENAMED)
    columns = {key[len(RENAMED) + 1 :]: args.get(key) for key in args if key.startswith(RENAMED + "_")}
    return query, columns


def _has_other_filters(args: Any) -> bool:
    """Whether the request filters rows besides the search (columns, ``_where``, ``_through``, a column search)."""
    return any(
        not key.startswith("_") or "__" in key or key in ("_where", "_through") or key.startswith(RENAMED + "_")
        for key in args
    )


async def search_filter(request: Any, database: str, table: str, datasette: Any) -> Any:
    """The ``filters_from_request`` answer for a search: where clauses, parameters, a Chinese description."""
    from datasette.filters import FilterArguments

    query, column_searches = searched(request.args)
    if query is None and not column_searches:
        return None
    fts_table = (datasette.table_metadata(database, table) or {}).get("fts_table")
    kind = KIND_OF_INDEX.get(fts_table or "")
    if kind is None:
        return None
    db = datasette.get_database(database)
    where: list[str] = []
    params: dict[str, Any] = {}
    described: list[str] = []

    if query is not None:
        the_plan, chosen = await db.execute_fn(lambda conn: _where_for(conn, query, kind))
        if not the_plan.tiers:
            return FilterArguments(["0"], {}, [NOTHING_TO_SEARCH.format(query=query)], {"search": query})
        where.append(chosen[0])
        params.update(chosen[1])
        params.update({QUERY_PARAM: query, KIND_PARAM: kind, FILTERED_PARAM: int(_has_other_filters(request.args))})
        described.append(_describe(query, the_plan))
        install_ranked_execute(db)
    for n, (column, text) in enumerate(column_searches.items()):
        fts_columns = INDICATOR_FTS.columns if kind == INDICATORS_KIND else GOAL_INDICATOR_FTS.columns
        if column not in fts_columns:
            from datasette.utils.asgi import BadRequest

            raise BadRequest("Cannot search by that column")
        expression = await db.execute_fn(lambda conn, text=text, column=column: _column_match(conn, text, column, kind))
        where.append(f"[id] in (select rowid from [{fts_table}] where [{fts_table}] match :kb_column_{n})")
        params[f"kb_column_{n}"] = expression
        described.append(f"{column} 列检索“{text}”")
    return FilterArguments(where, params, described, {"search": query or ""})


def _where_for(conn: sqlite3.Connection, query: str, kind: str) -> tuple[Plan, tuple[str, dict]]:
    """The plan of ``query`` and the where clause selecting what it finds (with its parameters)."""
    the_plan = plan(conn, query)
    if not the_plan.tiers:
        return the_plan, ("0", {})
    if kind == GOALS_KIND:
        fts = GOAL_INDICATOR_FTS.name
        clause = f"[id] in (select rowid from [{fts}] where [{fts}] match :{MATCH_PARAM})"
        return the_plan, (clause, {MATCH_PARAM: the_plan.fts5(GOAL_COLUMNS)})
    if matched_through_projects(conn, the_plan):
        # Some members match only through their own project names: the per-indicator index knows which.
        fts = INDICATOR_FTS.name
        clause = f"[id] in (select rowid from [{fts}] where [{fts}] match :{MATCH_PARAM})"
        return the_plan, (clause, {MATCH_PARAM: the_plan.fts5()})
    # Every member of every matched text: through the (far fewer) texts, by id — SQLite then looks the rows
    # up by their key, whatever else the page asks (a facet's "value is not null" would otherwise send it
    # scanning an index of that column).
    union = the_plan.union()
    assert union is not None
    texts = f"(select rowid from [{TEXT_FTS.name}] where [{TEXT_FTS.name}] match :{MATCH_PARAM})"
    clause = f"[id] in (select i.id from indicators i where i.text_id in {texts})"
    return the_plan, (clause, {MATCH_PARAM: text_index_fts5(union)})


def _column_match(conn: sqlite3.Connection, text: str, column: str, kind: str) -> str:
    """The FTS5 expression of a search in one column (``_search_level3=``), of the indicator or goal index."""
    union = plan(conn, text).union()
    if union is None:
        return '""'
    if kind == GOALS_KIND:
        # The goal index names its columns differently; terms bound to the indicator name look in ``name``.
        reverse = {goal: indicator for indicator, goal in GOAL_COLUMNS.items()}
        return restrict(union, reverse.get(column, column)).fts5(GOAL_COLUMNS)
    return restrict(union, column).fts5()


def _describe(query: str, the_plan: Plan) -> str:
    """The search in words: what was looked for and how it was read."""
    parts = [f"检索“{query}”（按相关度：{'、'.join(TIER_LABELS[t.kind] for t in the_plan.tiers)}）"]
    if the_plan.query.targets:
        parts.append("指标值条件 " + "、".join(c.label() for c in the_plan.query.targets))
    return "；".join(parts)


# ---------------------------------------------------------------- ordering the page

# The main SELECT of a table or view page: "select <columns> from <table> where … [order by <pk>] limit N [offset M]".
_PAGE_SQL = re.compile(
    r"^select (?P<columns>[^()]+?) from (?P<table>\[[^\]]+\]|\w+) (?P<where>where .*?)\s*"
    r"(?:order by (?P<order>[\w\[\]]+)\s+)?limit (?P<limit>\d+)(?: offset (?P<offset>\d+))?$",
    re.S,
)
_ORDER_BY = re.compile(r"\border\s+by\b", re.I)
# Datasette's keyset pagination on the primary key: "((id > :p3))".
_AFTER_ID = re.compile(r"\(\(\[?id\]? > :(?P<param>p\d+)\)\)")


def _rank_of(conn: sqlite3.Connection, query: str, kind: str) -> tuple[Plan, Ranking]:
    the_plan = plan(conn, query)
    return the_plan, ranking(conn, the_plan, kind)


def ranked_page_sql(conn: sqlite3.Connection, sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The page's SQL in relevance order (unchanged when it is not a search page's main SELECT or is sorted)."""
    match = _PAGE_SQL.match(sql)
    # A page sorted by a column (``_sort=``) keeps its order; so does any statement this is not sure of.
    if match is None or (match["order"] and match["order"].strip("[]") != "id") or _ORDER_BY.search(match["where"]):
        return sql, params
    query, kind = params[QUERY_PARAM], params[KIND_PARAM]
    table, where, limit = match["table"], match["where"], int(match["limit"])
    row = f"{table}.[id]"
    after = _AFTER_ID.search(where)
    select = f"select {match['columns']} from {table}"
    if params.get(FILTERED_PARAM):
        # Other filters choose the rows: they are ordered by their sort key (the ranking's order, then id).
        text = "(select i.text_id from indicators i where i.id = {})" if kind == INDICATORS_KIND else "null"
        key = f"kb_search_order(:{QUERY_PARAM}, {row}, {text.format(row)}, :{KIND_PARAM})"
        if after:
            mark = f":{after['param']}"
            after_key = f"kb_search_order(:{QUERY_PARAM}, {mark}, {text.format(mark)}, :{KIND_PARAM})"
            where = where.replace(after.group(), f"({key} > {after_key} or ({key} = {after_key} and {row} > {mark}))")
        offset = f" offset {match['offset']}" if match["offset"] else ""
        return f"{select} {where} order by {key}, {row} limit {limit}{offset}", params
    # The search alone chooses the rows: the page is the next stretch of the ranking, looked up by id.
    the_plan, ranked = _rank_of(conn, query, kind)
    start = int(match["offset"] or 0)
    if after:
        found = ranked.rank(conn, the_plan, int(params[after["param"]]))
        start = 0 if found is None else found + 1
    hits = ranked.top(conn, the_plan, start + limit)[start : start + limit]
    _remember_tiers(query, kind, hits)
    page = [hit.id for hit in hits]
    params = {**params, PAGE_PARAM: json.dumps(page)}
    on_page = f"{row} in (select value from json_each(:{PAGE_PARAM}))"
    position = f"(select j.key from json_each(:{PAGE_PARAM}) j where j.value = {row})"
    return f"{select} where {on_page} order by {position} limit {limit}", params


# The tiers of the rows of the pages served last, by (query, what is ranked): the page's cells show them.
_page_tiers: OrderedDict[tuple[str, str], dict[int, str]] = OrderedDict()
_page_tiers_lock = Lock()
PAGES_REMEMBERED = 64


def _remember_tiers(query: str, kind: str, hits: list[Hit]) -> None:
    with _page_tiers_lock:
        tiers = _page_tiers.setdefault((query, kind), {})
        _page_tiers.move_to_end((query, kind))
        tiers.update((hit.id, hit.label) for hit in hits)
        while len(_page_tiers) > PAGES_REMEMBERED:
            _page_tiers.popitem(last=False)


def known_tier(query: str, kind: str, row_id: int) -> str | None:
    """The tier of a row of a page just served for ``query`` (None when it is not known)."""
    with _page_tiers_lock:
        return _page_tiers.get((query, kind), {}).get(row_id)


def install_ranked_execute(db: Any) -> None:
    """Give a Datasette database's ``execute`` the relevance order of search pages (once).

    Only statements carrying this module's query parameter are looked at; all
    others pass through untouched.
    """
    if getattr(db, "_kb_ranked", False):
        return
    original: Callable[..., Awaitable[Any]] = db.execute

    async def execute(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(params, dict) and QUERY_PARAM in params and PAGE_PARAM not in params:
            sql, params = await db.execute_fn(lambda conn: ranked_page_sql(conn, sql, params))
        return await original(sql, params, *args, **kwargs)

    db.execute = execute
    db._kb_ranked = True


# ---------------------------------------------------------------- SQL functions


def _hit(conn: sqlite3.Connection, query: str, row_id: int, kind: str | None) -> tuple[Hit, int] | None:
    the_plan, ranked = _rank_of(conn, query or "", kind or INDICATORS_KIND)
    return _found(conn, the_plan, ranked, row_id)


def _found(conn: sqlite3.Connection, the_plan: Plan, ranked: Ranking, row_id: int) -> tuple[Hit, int] | None:
    hit = ranked.find(conn, the_plan, int(row_id))
    return None if hit is None else (hit, ranked.position[hit.id])


def register_functions(conn: sqlite3.Connection, limits: SqlLimits | None = None) -> None:
    """The search's SQL functions on a connection (Datasette's, or any other).

    With ``limits`` (Datasette's connections, :mod:`kb.web.guard`) a query is
    bounded in length and every call in the statement's time.
    """
    # The knowledge base behind a connection does not change: its build key is read once, not once per row.
    build: list[str] = []

    def ranked_for(query: str | None, kind: str | None) -> tuple[Plan, Ranking]:
        if not build:
            build.append(build_key(conn))
        the_plan = plan(conn, query or "", build[0])
        return the_plan, ranking(conn, the_plan, kind or INDICATORS_KIND, build[0])

    def hit(query: str | None, row_id: int | None, kind: str | None) -> tuple[Hit, int] | None:
        return None if row_id is None else _found(conn, *ranked_for(query, kind), row_id)

    def fts_match(query: str | None, index: str | None = None) -> str:
        rename = GOAL_COLUMNS if index == GOAL_INDICATOR_FTS.name else None
        return match_expression(query or "", conn, rename)

    def search_ids(query: str | None, limit: int | None = None, kind: str | None = None) -> str:
        the_plan, ranked = ranked_for(query, kind)
        count = max(0, int(limit)) if limit is not None else None
        if count is None:
            ranked.extend(conn, the_plan, None)
            return json.dumps([hit.id for hit in ranked.hits])
        return json.dumps([hit.id for hit in ranked.top(conn, the_plan, count)])

    def search_rank(query: str | None, row_id: int | None, kind: str | None = None) -> int | None:
        found = hit(query, row_id, kind)
        return None if found is None else found[1]

    def search_tier(query: str | None, row_id: int | None, kind: str | None = None) -> str | None:
        found = hit(query, row_id, kind)
        return None if found is None else found[0].label

    def search_score(query: str | None, row_id: int | None, kind: str | None = None) -> float | None:
        found = hit(query, row_id, kind)
        return None if found is None else found[0].score

    def search_order(
        query: str | None, row_id: int | None, text_id: int | None = None, kind: str | None = None
    ) -> int | None:
        if row_id is None:
            return None
        the_plan, ranked = ranked_for(query, kind)
        return ranked.sort_key(conn, the_plan, int(row_id), text_id)

    def bounded(func: Callable[..., Any]) -> Callable[..., Any]:
        """``func(query, …)`` with the query bounded and the call timed, when there are limits."""
        if limits is None:
            return func

        def call(query: object = None, *rest: Any) -> Any:
            return limits.query(lambda text: func(text, *rest))(query)

        return call

    def covered(query: str | None, *texts: str | None) -> int:
        return int(covers(conn, query or "", *texts))

    conn.create_function("kb_fts_match", -1, bounded(fts_match))
    conn.create_function("kb_covers", -1, limits.covers(covered) if limits is not None else covered)
    conn.create_function("kb_search_ids", -1, bounded(search_ids))
    conn.create_function("kb_search_rank", -1, bounded(search_rank))
    conn.create_function("kb_search_tier", -1, bounded(search_tier))
    conn.create_function("kb_search_score", -1, bounded(search_score))
    conn.create_function("kb_search_order", -1, bounded(search_order))


# ---------------------------------------------------------------- counting, tiers on the page


def match_count(conn: sqlite3.Connection, query: str, kind: str) -> int:
    """How many rows a search finds (counted on the distinct texts: each text's members)."""
    the_plan = plan(conn, query)
    if not the_plan.tiers:
        return 0
    if kind == GOALS_KIND:
        fts = GOAL_INDICATOR_FTS.name
        return conn.execute(
            f"SELECT count(*) FROM [{fts}] WHERE [{fts}] MATCH ?", (the_plan.fts5(GOAL_COLUMNS),)
        ).fetchone()[0]
    if matched_through_projects(conn, the_plan):
        fts = INDICATOR_FTS.name
        row = conn.execute(f"SELECT count(*) FROM [{fts}] WHERE [{fts}] MATCH ?", (the_plan.fts5(),)).fetchone()
        return int(row[0])
    union = the_plan.union()
    assert union is not None
    row = conn.execute(
        f"SELECT coalesce(sum(t.member_count), 0) FROM indicator_texts t WHERE t.id IN "
        f"(SELECT rowid FROM [{TEXT_FTS.name}] WHERE [{TEXT_FTS.name}] MATCH ?)",
        (text_index_fts5(union),),
    ).fetchone()
    return int(row[0])


def tier_label(conn: sqlite3.Connection, query: str, kind: str, row_id: int) -> str | None:
    """The tier label of one row of a search (None when the search does not find it)."""
    found = _hit(conn, query, row_id, kind)
    return None if found is None else found[0].label
