"""Searching every served knowledge base at once (one database per region and year, served together).

Each database answers through the same query planner as its own search
(:func:`indexer.fts.search_hits`); their best hits are merged by match tier,
then by BM25 score. Scores come from each database's own statistics, so across
databases they order hits of comparable texts rather than rank them exactly:
within a database the order is that of its own search.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from indexer.fts import search_hits
from indexer.planner import read_query
from kb.web.pages.site import Record, indicator_lines
from kb.web.search import NOTHING_TO_SEARCH

# Hits asked of each database, and the most a page shows.
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass
class DatabaseHits:
    """One knowledge base's part of the answer."""

    database: str
    title: str
    rows: list[Record] = field(default_factory=list)


@dataclass
class AcrossPage:
    """The merged answer: hits of every database, best first, and how many each gave."""

    query: str
    limit: int
    rows: list[Record]
    databases: list[DatabaseHits]
    message: str | None = None  # why a query finds nothing before any database is asked


def nothing_to_search(query: str) -> str | None:
    """The message for a query with no searchable words (stop words, punctuation), as the table search says it."""
    return NOTHING_TO_SEARCH.format(query=query) if query and read_query(query).empty else None


def parse_limit(value: str | None) -> int:
    """The ``limit`` argument: a number of hits between 1 and :data:`MAX_LIMIT`, else the default."""
    try:
        limit = int(value or DEFAULT_LIMIT)
    except ValueError:
        return DEFAULT_LIMIT
    return max(1, min(MAX_LIMIT, limit))


def load_hits(conn: sqlite3.Connection, query: str, limit: int) -> list[Record]:
    """The ``limit`` indicators of one knowledge base best matching ``query``, with what a result line shows."""
    hits = search_hits(conn, query, limit=limit)
    if not hits:
        return []
    found = indicator_lines(conn, [hit.id for hit in hits])
    return [
        {**found[hit.id], "score": hit.score, "tier": hit.tier, "match": hit.label} for hit in hits if hit.id in found
    ]


def merge(parts: list[DatabaseHits], limit: int) -> list[Record]:
    """Every database's hits in one list: better match tier first, then higher score; ties in database order."""
    rows = [{**row, "database": part.database, "title": part.title} for part in parts for row in part.rows]
    order = {part.database: n for n, part in enumerate(parts)}
    rows.sort(key=lambda row: (row["tier"], -row["score"], order[row["database"]], row["id"]))
    return rows[:limit]
