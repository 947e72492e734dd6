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
the Datasette search page, ``indexer.fts.search_indicators``); :class:`TextOrder`
places any indicator in that order from its text alone, for a page whose rows
other filters choose; :func:`matched_through_projects` says whether the members
of the matched texts must be checked one by one.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from threading import Lock

from indexer.match import GOAL_COLUMNS, OWN_COLUMNS, Expr, restrict, text_index_fts5
from indexer.planner import PLAN_CACHE_KEY_CHARS, TIER_LABELS, Plan, build_key
from indexer.tokenizer import index_terms
from kb.db.schema import GOAL_INDICATOR_FTS, INDICATOR_TEXTS, INDICATORS, PROJECTS, TEXT_FTS

# Texts fetched per round while ranking: a page needs a few, a whole ranking many.
FIRST_CHUNK = 32
MAX_CHUNK = 4096
RANKING_CACHE_SIZE = 64
# The hits the kept rankings may hold together (a whole ranking of a broad query holds hundreds of thousands).
RANKED_HITS_KEPT = 1_000_000

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
# Sort keys are tier × SPAN + the text's place in the tier (no tier ranks this many texts).
SPAN = 10_000_000


class TextOrder:
    """Where each distinct text stands in a plan's ranking, so any indicator's place follows from its text.

    An indicator's sort key is its tier × :data:`SPAN` + its text's place among
    that tier's texts; sorted by key, then id, indicators come in exactly the
    order :func:`iterate` lists them. Texts are ranked once per tier (ids and
    BM25 scores only). A text matched only through its members' project names
    places each member on its own terms, and only when that member is asked for.
    """

    def __init__(self, conn: sqlite3.Connection, plan: Plan) -> None:
        self.conn = conn
        self.plan = plan
        self.text_key: dict[int, tuple[int, float]] = {}
        # Texts a tier matches only through project names: (tier, key) for each such tier, in order.
        self.through_projects: dict[int, list[tuple[int, tuple[int, float]]]] = {}
        self.member_key: dict[int, tuple[int, float] | None] = {}
        self.members = Members(conn, (), ())
        self.terms: dict[int, dict[str, tuple[str, ...]]] = {}
        fts = TEXT_FTS.name
        for index, tier in enumerate(plan.tiers):
            ranked = conn.execute(
                f"SELECT rowid, -{TEXT_FTS.bm25()} FROM [{fts}] WHERE [{fts}] MATCH ? "
                f"ORDER BY {TEXT_FTS.bm25()}, rowid",
                (text_index_fts5(tier.expr),),
            ).fetchall()
            own = {
                row[0]
                for row in conn.execute(
                    f"SELECT rowid FROM [{fts}] WHERE [{fts}] MATCH ?",
                    (text_index_fts5(restrict(tier.expr, OWN_COLUMNS)),),
                )
            }
            for place, (text_id, score) in enumerate(ranked):
                if text_id in self.text_key:
                    continue
                key = (index * SPAN + place, round(score, 4))
                if text_id in own:
                    self.text_key[text_id] = key
                else:
                    self.through_projects.setdefault(text_id, []).append((index, key))

    def key(self, indicator_id: int, text_id: int | None) -> tuple[int, float] | None:
        """The sort key and score of an indicator (None when the plan does not find it)."""
        own = self.text_key.get(text_id if text_id is not None else -1)
        earlier = self.through_projects.get(text_id if text_id is not None else -1)
        if not earlier:
            return own
        if indicator_id not in self.member_key:
            self.member_key[indicator_id] = self._through_project(indicator_id, text_id, earlier, own)
        found = self.member_key[indicator_id]
        return found if found is not None else own

    def _through_project(
        self, indicator_id: int, text_id: int | None, tiers: list[tuple[int, tuple[int, float]]], own: tuple | None
    ) -> tuple[int, float] | None:
        """The first tier an indicator's own project name lets it match, before its text's own tier."""
        assert text_id is not None
        i = INDICATORS.c
        row = self.conn.execute(
            f"SELECT {i.project_id} FROM {INDICATORS.name} WHERE {i.id} = ?", (indicator_id,)
        ).fetchone()
        if row is None:
            return None
        if text_id not in self.terms:
            self.terms[text_id] = own_terms(self.conn, text_id)
        columns = {**self.terms[text_id], "project_name": self.members.terms_of_project(row[0])}
        for index, key in tiers:
            if own is not None and key >= own:
                break
            if self.plan.tiers[index].expr.holds(columns):
                return key
        return None


def _every_hit(conn: sqlite3.Connection, plan: Plan, order: TextOrder) -> list[Hit]:
    """Every indicator the plan finds, best first, from the texts' order (one query for all the members)."""
    union = plan.union()
    if union is None:
        return []
    i = INDICATORS.c
    keyed = []
    for indicator_id, text_id in conn.execute(
        f"SELECT {i.id}, {i.text_id} FROM {INDICATORS.name} WHERE {i.text_id} IN "
        f"(SELECT rowid FROM [{TEXT_FTS.name}] WHERE [{TEXT_FTS.name}] MATCH ?)",
        (text_index_fts5(union),),
    ):
        found = order.key(indicator_id, text_id)
        if found is not None:
            keyed.append((found[0], indicator_id, found[1]))
    keyed.sort()
    return [Hit(indicator_id, score, key // SPAN, plan.tiers[key // SPAN].kind) for key, indicator_id, score in keyed]


class Ranking:
    """The ranked indicators (or goal indicators) of one plan, computed as far as asked and kept.

    Shared by every connection to the same knowledge base.
    """

    def __init__(self, kind: str = INDICATORS_KIND) -> None:
        self.kind = kind
        self.hits: list[Hit] = []
        self.complete = False
        self.position: dict[int, int] = {}
        self.order: TextOrder | None = None
        self.lock = Lock()

    def extend(self, conn: sqlite3.Connection, plan: Plan, count: int | None) -> None:
        """Make sure the first ``count`` hits (all for None) are known."""
        with self.lock:
            if self.complete or (count is not None and len(self.hits) >= count):
                return
            wanted = None if count is None else max(count, 2 * len(self.hits), 128)
            if wanted is None and self.kind == INDICATORS_KIND:
                self.hits = _every_hit(conn, plan, self.text_order(conn, plan))
            else:
                hits = iterate(conn, plan) if self.kind == INDICATORS_KIND else iterate_goals(conn, plan)
                self.hits = list(islice(hits, wanted))
            self.complete = wanted is None or len(self.hits) < wanted
            self.position = {hit.id: n for n, hit in enumerate(self.hits)}

    def text_order(self, conn: sqlite3.Connection, plan: Plan) -> TextOrder:
        """The texts' order (:class:`TextOrder`), computed once."""
        if self.order is None:
            self.order = TextOrder(conn, plan)
        return self.order

    def sort_key(self, conn: sqlite3.Connection, plan: Plan, row_id: int, text_id: int | None) -> int | None:
        """A row's sort key: with its id, the ranking's order, found without ranking every indicator.

        For indicators the key comes from its text's place (:class:`TextOrder`);
        goal indicators, few and unshared, are ranked and the key is the place.
        """
        if self.kind != INDICATORS_KIND:
            return self.rank(conn, plan, row_id)
        with self.lock:
            order = self.text_order(conn, plan)
        found = order.key(row_id, text_id)
        return None if found is None else found[0]

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


def ranking(conn: sqlite3.Connection, plan: Plan, kind: str = INDICATORS_KIND, build: str | None = None) -> Ranking:
    """The (cached) ranking of ``plan`` on the knowledge base behind ``conn``: its indicators or goal indicators.

    The cache is bounded in rankings and in the hits they hold together; a long
    query's ranking is not kept. ``build`` is the knowledge base's build key when known.
    """
    key = (build or build_key(conn), kind, plan.query.text)
    if len(plan.query.text) > PLAN_CACHE_KEY_CHARS:
        return Ranking(kind)
    with _rankings_lock:
        found = _rankings.get(key)
        if found is not None:
            _rankings.move_to_end(key)
            return found
        found = _rankings[key] = Ranking(kind)
        # Rankings grow after they are made; what they hold together is counted as each new one comes.
        held = sum(len(r.hits) for r in _rankings.values())
        while len(_rankings) > 1 and (len(_rankings) > RANKING_CACHE_SIZE or held > RANKED_HITS_KEPT):
            _, dropped = _rankings.popitem(last=False)
            held -= len(dropped.hits)
        return found


def matched_through_projects(conn: sqlite3.Connection, plan: Plan) -> bool:
    """Whether some text the plan finds matches only through its members' project names.

    Then the indicators are chosen one by one (the per-indicator index, or a
    check of each member); otherwise every member of every matched text is found.
    """
    union = plan.union()
    if union is None:
        return False
    fts = TEXT_FTS.name
    row = conn.execute(
        f"SELECT 1 FROM [{fts}] WHERE [{fts}] MATCH ? "
        f"AND rowid NOT IN (SELECT rowid FROM [{fts}] WHERE [{fts}] MATCH ?) LIMIT 1",
        (text_index_fts5(union), text_index_fts5(restrict(union, OWN_COLUMNS))),
    ).fetchone()
    return row is not None


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
