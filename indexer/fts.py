"""SQLite FTS5 search over pre-segmented text, through the one query planner.

SQLite cannot run jieba inside FTS5, so the text is segmented in Python by
:mod:`indexer.tokenizer` and stored as space-separated terms (a target with
its target terms, :mod:`indexer.target_terms`); FTS5's own ``unicode61``
tokenizer then only splits on those spaces. A query is read and planned by
:mod:`indexer.planner` and run by :mod:`indexer.ranking`; the functions here
are what SQL and Python callers use:

* :func:`match_expression` — the FTS5 ``MATCH`` expression of everything a
  query finds (``kb_fts_match`` in SQL);
* :func:`search_indicators` — the ranked indicators (tiers, then BM25);
* :func:`search` — the exact tier alone, on any FTS5 table;
* :func:`covers` — whether texts hold what a query asks (``kb_covers``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from indexer.match import COLUMNS, TARGET, Phrase, Term, all_of, quote
from indexer.planner import NO_MATCH, plan, read_query
from indexer.ranking import Hit, ranked
from indexer.target_terms import index_column_text
from kb.db.spec import FtsSpec

__all__ = ["NO_MATCH", "covers", "match_expression", "quote_term", "search", "search_hits", "search_indicators"]


def quote_term(term: str) -> str:
    """One term as an FTS5 string: syntax characters lose their meaning."""
    return quote(term)


def exact_expression(query: str) -> str:
    """The FTS5 expression of the exact tier alone: every word as written, every target condition.

    Needs no knowledge base: other wordings, families and categories are not
    asked for. A query with no terms matches nothing.
    """
    read = read_query(query or "")
    if read.empty:
        return NO_MATCH
    exact = [
        *(need.exact() for need in read.needs),
        *(Phrase(phrase) for phrase in read.phrases),
        *(Term(c.term(), (TARGET,)) for c in read.targets),
    ]
    expr = all_of(exact)
    return expr.fts5() if expr is not None else NO_MATCH


def match_expression(query: str, conn: sqlite3.Connection | None = None, rename: dict[str, str] | None = None) -> str:
    """The FTS5 MATCH expression of everything ``query`` finds in the knowledge base behind ``conn``.

    Every tier of the plan (exact, other wordings, family, category) joined
    with OR. Without a connection only the exact tier can be planned. Any
    text is safe: quotes, ``AND``, ``*`` and punctuation are dropped or
    quoted; a query with no terms matches nothing. ``rename`` maps the
    indicator index's column names to another index's (goal indicators).
    """
    if conn is None:
        return exact_expression(query)
    return plan(conn, query or "").fts5(rename)


def search(conn: sqlite3.Connection, spec: FtsSpec, query: str, limit: int = 20) -> list[tuple[int, float]]:
    """``(rowid, score)`` of the best exact matches in one FTS5 table, best first (score: negated BM25)."""
    sql = (
        f"SELECT rowid, -{spec.bm25()} AS score FROM [{spec.name}] "
        f"WHERE [{spec.name}] MATCH ? ORDER BY {spec.bm25()} LIMIT ?"
    )
    return [(row[0], row[1]) for row in conn.execute(sql, (exact_expression(query), limit))]


def covers(conn: sqlite3.Connection, query: str, *texts: str | None) -> bool:
    """Whether an indicator with these texts is found by ``query`` (any tier of its plan).

    ``texts`` are taken in the order of the indicator index's columns:
    三级指标, description, target, basis, project name (fewer will do; more are ignored).
    """
    union = plan(conn, query or "").union()
    if union is None:
        return False
    columns = {
        column: tuple(index_column_text(column, text or "").split())
        for column, text in zip(COLUMNS, texts, strict=False)
    }
    return union.holds(columns)


def search_hits(
    conn: sqlite3.Connection,
    query: str,
    *,
    limit: int | None = 20,
    level2: Sequence[str] = (),
    years: Sequence[int] = (),
    project_ids: Sequence[int] = (),
) -> list[Hit]:
    """The indicators best matching ``query``: exact matches first, then other wordings, family, category.

    Within a tier distinct texts are ranked by BM25 and expanded into the
    indicators sharing them, in id order (see :mod:`indexer.ranking`).
    """
    return ranked(conn, plan(conn, query or ""), limit, level2=level2, years=years, project_ids=project_ids)


def search_indicators(
    conn: sqlite3.Connection,
    query: str,
    *,
    limit: int = 20,
    level2: Sequence[str] = (),
    years: Sequence[int] = (),
    project_ids: Sequence[int] = (),
) -> list[tuple[int, float]]:
    """``(indicator id, score)`` of the indicators best matching ``query``, best first (see :func:`search_hits`)."""
    hits = search_hits(conn, query, limit=limit, level2=level2, years=years, project_ids=project_ids)
    return [(hit.id, hit.score) for hit in hits]
