"""SQLite FTS5 indexes over pre-segmented text.

SQLite cannot run jieba inside FTS5, so the text is segmented in Python by
:mod:`indexer.tokenizer` and stored as space-separated terms; FTS5's own
``unicode61`` tokenizer then only splits on those spaces. Queries go through
the same tokenizer (:func:`match_expression`), so the two always agree.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from indexer.texts import matching_members
from indexer.tokenizer import query_terms, term_set
from kb.db.schema import TEXT_FTS
from kb.db.spec import FtsSpec

# Matches nothing and is valid FTS5 syntax: the answer to a query with no terms.
NO_MATCH = '""'


def quote_term(term: str) -> str:
    """One term as an FTS5 string: syntax characters lose their meaning."""
    return '"' + term.replace('"', '""') + '"'


def match_expression(query: str) -> str:
    """The FTS5 MATCH expression of a user's query: every term required.

    Any text is safe here: quotes, ``AND``, ``*`` and punctuation are either
    dropped by the tokenizer or quoted. A query with no terms matches nothing.
    """
    terms = query_terms(query or "")
    return " ".join(quote_term(t) for t in terms) if terms else NO_MATCH


def search(conn: sqlite3.Connection, spec: FtsSpec, query: str, limit: int = 20) -> list[tuple[int, float]]:
    """``(rowid, score)`` of the best matches, best first (score: negated BM25, higher is better)."""
    sql = (
        f"SELECT rowid, -{spec.bm25()} AS score FROM [{spec.name}] "
        f"WHERE [{spec.name}] MATCH ? ORDER BY {spec.bm25()} LIMIT ?"
    )
    return [(row[0], row[1]) for row in conn.execute(sql, (match_expression(query), limit))]


def covers(query: str, *texts: str | None) -> bool:
    """Whether every term of ``query`` is among the index terms of ``texts`` (AND, as a search matches)."""
    terms = query_terms(query or "")
    found = term_set(" ".join(text or "" for text in texts))
    return bool(terms) and all(term in found for term in terms)


def search_indicators(
    conn: sqlite3.Connection,
    query: str,
    *,
    limit: int = 20,
    level2: Sequence[str] = (),
    years: Sequence[int] = (),
    project_ids: Sequence[int] = (),
) -> list[tuple[int, float]]:
    """``(indicator id, score)`` of the indicators best matching ``query``, best first, ties by id.

    Distinct texts are ranked (:data:`TEXT_FTS`), then expanded into the
    indicators that share them. A text that matched only thanks to a word in
    some member's project name keeps just the members whose own project has it.
    """
    terms = query_terms(query or "")
    if not terms:
        return []
    expression = " ".join(quote_term(t) for t in terms)
    where, params = "", [expression]
    if level2:
        where = f" AND t.level2 IN ({', '.join('?' for _ in level2)})"
        params += list(level2)
    sql = (
        f"SELECT f.rowid, -{TEXT_FTS.bm25()}, f.level3, f.description, f.target_raw, f.basis "
        f"FROM [{TEXT_FTS.name}] f JOIN indicator_texts t ON t.id = f.rowid "
        f"WHERE [{TEXT_FTS.name}] MATCH ?{where} ORDER BY {TEXT_FTS.bm25()}"
    )
    hits: list[tuple[int, float]] = []
    # Every text has a member, so the first page of texts usually fills the page; filters may need them all.
    for text_limit in (max(limit, 50), None):
        texts = conn.execute(sql + (f" LIMIT {text_limit}" if text_limit else ""), params).fetchall()
        hits = _expand(conn, texts, terms, years, project_ids, limit)
        if len(hits) >= limit or text_limit is None or len(texts) < text_limit:
            break
    return hits


def _expand(
    conn: sqlite3.Connection,
    texts: list[tuple],
    terms: list[str],
    years: Sequence[int],
    project_ids: Sequence[int],
    limit: int,
) -> list[tuple[int, float]]:
    hits: list[tuple[int, float]] = []
    for text_id, score, *columns in texts:
        present = term_set(" ".join(columns))
        missing = [t for t in terms if t not in present]
        for indicator_id in matching_members(conn, text_id, missing, years, project_ids):
            hits.append((indicator_id, score))
            if len(hits) >= limit:
                return hits
    return hits
