"""Running a query plan on the knowledge base: ranked indicators, tier by tier.

The plan (:mod:`indexer.planner`) is run on the index of distinct indicator
texts (:mod:`indexer.texts`): each tier's expression ranks the texts by BM25,
and each text is expanded into the indicators sharing it, in id order. An
indicator is listed in the first tier it matches; a text found only thanks to
words in some of its members' project names keeps just the members whose own
project name holds them (the expression is checked again on each member's own
terms), so ranking texts finds exactly the indicators the per-indicator index
matches.

:func:`ranked` is the ranked search (the ``search_indicators`` canned query,
the Datasette search page, ``indexer.fts.search_indicators``);
:func:`selection` is what the whole match set is, in SQL terms, for counting
and filtering without ranking it.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from threading import Lock

from indexer.match import GOAL_COLUMNS, OWN_COLUMNS, Expr, restrict, text_index_fts5
from indexer.planner import NO_MATCH, TIER_LABELS, Plan, build_key
from indexer.tokenizer import index_terms
from kb.db.schema import GOAL_INDICATOR_FTS, INDICATOR_TEXTS, INDICATORS, PROJECTS, TEXT_FTS

# Texts fetched per round while ranking: a page needs a few, a whole ranking many.
FIRST_CHUNK = 32
MAX_CHUNK = 4096
RANKING_CACHE_SIZE = 256

_TEXT_COLUMNS = ("level3", "description", "target_raw", "basis")


@dataclass(frozen=True)
class Hit:
    """One ranked indicator: its id, its BM25 score within its tier, and the tier (index and kind)."""

    id: int
    score: float
    tier: int
    kind: str

    @property
    def label(self) -> str:
        """The tier in Chinese: 精确匹配, 相近写法, 同族指标, 同类指标."""
        return TIER_LABELS[self.kind]


def own_terms(conn: sqlite3.Connection, text_id: int) -> dict[str, tuple[str, ...]]:
    """The term sets of one text's own columns, read from the text index."""
    columns = ", ".join(f"[{c}]" for c in _TEXT_COLUMNS)
    row = conn.execute(f"SELECT {columns} FROM [{TEXT_FTS.name}] WHERE rowid = ?", (text_id,)).fetchone()
    return text_columns(row or ("",) * len(_TEXT_COLUMNS))


def qualifying(
    members: Members, shared: Iterable[tuple[int, int]], own: dict[str, tuple[str, ...]], expr: Expr
) -> Iterator[int]:
    """The members of a text (``(indicator id, project id)``) that ``expr`` finds, each on its own terms.

    When the text's own columns satisfy ``expr`` every member qualifies;
    otherwise a member qualifies when its own project name supplies the rest.
    """
    by_itself = expr.holds(own)
    for indicator_id, project_id in shared:
        if by_itself or expr.holds({**own, "project_name": members.terms_of_project(project_id)}):
            yield indicator_id


def text_columns(row: Sequence[str | None]) -> dict[str, tuple[str, ...]]:
    """The terms of a text's own columns in index order (as stored in the text index: space-separated)."""
    return {column: tuple((value or "").split()) for column, value in zip(_TEXT_COLUMNS, row, strict=True)}


class Members:
    """The indicators sharing each text, fetched a chunk of texts at a time, with their projects' terms."""

    def __init__(self, conn: sqlite3.Connection, years: Sequence[int], project_ids: Sequence[int]) -> None:
        self.conn = conn
        self.years = set(years)
        self.project_ids = set(project_ids)
        self.project_terms: dict[int, tuple[str, ...]] = {}

    def of(self, text_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
        """``text id → [(indicator id, project id)]`` in id order, filtered by year and project."""
        return {text_id: list(self.sharing(text_id)) for text_id in text_ids}

    def sharing(self, text_id: int) -> Iterator[tuple[int, int]]:
        """``(indicator id, project id)`` of the indicators sharing one text, in id order, read as consumed."""
        i = INDICATORS.c
        rows = self.conn.execute(
            f"SELECT {i.id}, {i.project_year}, {i.project_id} FROM {INDICATORS.name} "
            f"WHERE {i.text_id} = ? ORDER BY {i.id}",
            (text_id,),
        )
        for indicator_id, year, project_id in rows:
            if (self.years and year not in self.years) or (self.project_ids and project_id not in self.project_ids):
                continue
            yield indicator_id, project_id

    def terms_of_project(self, project_id: int) -> tuple[str, ...]:
        """The index terms of a project's name, in index order."""
        found = self.project_terms.get(project_id)
        if found is None:
            p = PROJECTS.c
            row = self.conn.execute(f"SELECT {p.name} FROM {PROJECTS.name} WHERE {p.id} = ?", (project_id,)).fetchone()
            found = self.project_terms[project_id] = tuple(index_terms(row[0] or "")) if row else ()
        return found


def _ranked_texts(
    conn: sqlite3.Connection, expr: Expr, level2: Sequence[str]
) -> Iterator[list[tuple[int, float, dict[str, tuple[str, ...]]]]]:
    """The texts matching ``expr``, best BM25 first, in growing chunks: ``(text id, score, own term sets)``.

    Each chunk asks SQLite for the next best texts only (a top-N sort of ids
    and scores); the texts' columns are read for those alone.
    """
    where, params = "", [text_index_fts5(expr)]
    join = ""
    if level2:
        t = INDICATOR_TEXTS.c
        join = f" JOIN {INDICATOR_TEXTS.name} t ON t.{t.id} = f.rowid"
        where = f" AND t.{t.level2} IN ({', '.join('?' for _ in level2)})"
        params += list(level2)
    sql = (
        f"SELECT f.rowid, -{TEXT_FTS.bm25()} FROM [{TEXT_FTS.name}] f{join} "
        f"WHERE [{TEXT_FTS.name}] MATCH ?{where} ORDER BY {TEXT_FTS.bm25()}, f.rowid LIMIT ? OFFSET ?"
    )
    columns = ", ".join(f"[{c}]" for c in _TEXT_COLUMNS)
    chunk, offset = FIRST_CHUNK, 0
    while True:
        rows = conn.execute(sql, [*params, chunk, offset]).fetchall()
        if not rows:
            return
        placeholders = ", ".join("?" for _ in rows)
        texts = {
            row[0]: text_columns(row[1:])
            for row in conn.execute(
                f"SELECT rowid, {columns} FROM [{TEXT_FTS.name}] WHERE rowid IN ({placeholders})", [r[0] for r in rows]
            )
        }
        yield [(text_id, score, texts[text_id]) for text_id, score in rows]
        if len(rows) < chunk:
            return
        offset += chunk
        chunk = min(chunk * 4, MAX_CHUNK)


def iterate(
    conn: sqlite3.Connection,
    plan: Plan,
    *,
    level2: Sequence[str] = (),
    years: Sequence[int] = (),
    project_ids: Sequence[int] = (),
) -> Iterator[Hit]:
    """Every indicator the plan finds, best first: tier by tier, texts by BM25, members by id."""
    members = Members(conn, years, project_ids)
    placed: set[int] = set()
    for index, tier in enumerate(plan.tiers):
        for chunk in _ranked_texts(conn, tier.expr, level2):
            for text_id, score, own in chunk:
                for indicator_id in qualifying(members, members.sharing(text_id), own, tier.expr):
                    if indicator_id not in placed:
                        placed.add(indicator_id)
                        yield Hit(indicator_id, round(score, 4), index, tier.kind)


def ranked(
    conn: sqlite3.Connection,
    plan: Plan,
    limit: int | None = 20,
    *,
    level2: Sequence[str] = (),
    years: Sequence[int] = (),
    project_ids: Sequence[int] = (),
) -> list[Hit]:
    """The first ``limit`` indicators the plan finds (all of them for None), best first."""
    hits: list[Hit] = []
    if limit is not None and limit <= 0:
        return hits
    for hit in iterate(conn, plan, level2=level2, years=years, project_ids=project_ids):
        hits.append(hit)
        if limit is not None and len(hits) >= limit:
            break
    return hits


INDICATORS_KIND = "indicators"
GOALS_KIND = "goals"


class Ranking:
    """The ranked indicators (or goal indicators) of one plan, computed as far as asked and kept.

    Shared by every connection to the same knowledge base.
    """

    def __init__(self, kind: str = INDICATORS_KIND) -> None:
        self.kind = kind
        self.hits: list[Hit] = []
        self.complete = False
        self.position: dict[int, int] = {}
        self.lock = Lock()

    def extend(self, conn: sqlite3.Connection, plan: Plan, count: int | None) -> None:
        """Make sure the first ``count`` hits (all for None) are known."""
        with self.lock:
            if self.complete or (count is not None and len(self.hits) >= count):
                return
            wanted = None if count is None else max(count, 2 * len(self.hits), 128)
            hits = iterate(conn, plan) if self.kind == INDICATORS_KIND else iterate_goals(conn, plan)
            self.hits = list(islice(hits, wanted))
            self.complete = wanted is None or len(self.hits) < wanted
            self.position = {hit.id: n for n, hit in enumerate(self.hits)}

    def top(self, conn: sqlite3.Connection, plan: Plan, count: int) -> list[Hit]:
        """The first ``count`` hits."""
        self.extend(conn, plan, count)
        return self.hits[:count]

    def find(self, conn: sqlite3.Connection, plan: Plan, indicator_id: int) -> Hit | None:
        """The hit of an indicator (ranking everything if needed), None when the plan does not find it."""
        if indicator_id not in self.position and not self.complete:
            self.extend(conn, plan, None)
        at = self.position.get(indicator_id)
        return self.hits[at] if at is not None else None

    def rank(self, conn: sqlite3.Connection, plan: Plan, indicator_id: int) -> int | None:
        """The position of an indicator in the ranking (0 is best), None when not found."""
        hit = self.find(conn, plan, indicator_id)
        return None if hit is None else self.position[hit.id]


_rankings: OrderedDict[tuple[str, str, str], Ranking] = OrderedDict()
_rankings_lock = Lock()


def ranking(conn: sqlite3.Connection, plan: Plan, kind: str = INDICATORS_KIND) -> Ranking:
    """The (cached) ranking of ``plan`` on the knowledge base behind ``conn``: its indicators or goal indicators."""
    key = (build_key(conn), kind, plan.query.text)
    with _rankings_lock:
        found = _rankings.get(key)
        if found is None:
            found = _rankings[key] = Ranking(kind)
            while len(_rankings) > RANKING_CACHE_SIZE:
                _rankings.popitem(last=False)
        else:
            _rankings.move_to_end(key)
        return found


@dataclass(frozen=True)
class Selection:
    """Every indicator a plan finds, in SQL terms: the texts it matches, less the members that do not qualify.

    ``text_match`` is the FTS5 expression for the text index; ``excluded`` are
    members of texts matched only through other members' project names (or
    through words of several names taken together).
    """

    text_match: str
    excluded: tuple[int, ...]


def selection(conn: sqlite3.Connection, plan: Plan) -> Selection:
    """The :class:`Selection` of ``plan``: the texts any tier matches and the members to leave out."""
    union = plan.union()
    if union is None:
        return Selection(NO_MATCH, ())
    own = restrict(union, OWN_COLUMNS)
    columns = ", ".join(f"[{c}]" for c in _TEXT_COLUMNS)
    fts = TEXT_FTS.name
    # Texts matched only through project names: their members are checked one by one.
    rows = conn.execute(
        f"SELECT rowid, {columns} FROM [{fts}] WHERE [{fts}] MATCH ? "
        f"AND rowid NOT IN (SELECT rowid FROM [{fts}] WHERE [{fts}] MATCH ?)",
        (text_index_fts5(union), text_index_fts5(own)),
    ).fetchall()
    excluded: list[int] = []
    if rows:
        members = Members(conn, (), ())
        shared = members.of([row[0] for row in rows])
        for row in rows:
            own_terms = text_columns(row[1:])
            for indicator_id, project_id in shared[row[0]]:
                if not union.holds({**own_terms, "project_name": members.terms_of_project(project_id)}):
                    excluded.append(indicator_id)
    return Selection(text_index_fts5(union), tuple(sorted(excluded)))


def iterate_goals(conn: sqlite3.Connection, plan: Plan) -> Iterator[Hit]:
    """Every department goal indicator the plan finds, best first (tier by tier, BM25 within a tier).

    Goal indicators are few and not shared, so each row is ranked by itself in
    their own index (names in ``name``, targets in ``target_raw``).
    """
    fts = GOAL_INDICATOR_FTS
    placed: set[int] = set()
    for index, tier in enumerate(plan.tiers):
        rows = conn.execute(
            f"SELECT rowid, -{fts.bm25()} FROM [{fts.name}] WHERE [{fts.name}] MATCH ? ORDER BY {fts.bm25()}, rowid",
            (tier.expr.fts5(GOAL_COLUMNS),),
        )
        for rowid, score in rows:
            if rowid not in placed:
                placed.add(rowid)
                yield Hit(rowid, round(score, 4), index, tier.kind)
