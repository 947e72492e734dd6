"""SQLite FTS5 indexes over pre-segmented text.

SQLite cannot run jieba inside FTS5, so the text is segmented in Python by
:mod:`indexer.tokenizer` and stored as space-separated terms; FTS5's own
``unicode61`` tokenizer then only splits on those spaces. Queries go through
the same tokenizer (:func:`match_expression`), so the two always agree.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indexer.tokenizer import index_text, query_terms

# Matches nothing and is valid FTS5 syntax: the answer to a query with no terms.
NO_MATCH = '""'


@dataclass(frozen=True)
class FtsSpec:
    """An FTS5 table: its name, columns and the BM25 weight of each column."""

    name: str
    columns: tuple[str, ...]
    weights: tuple[float, ...]

    def bm25(self) -> str:
        """The ``bm25(...)`` call ranking rows of this table (lower is better)."""
        return f"bm25([{self.name}], {', '.join(str(w) for w in self.weights)})"


# An indicator's name weighs most; the project it belongs to helps, the source least.
INDICATOR_FTS = FtsSpec(
    name="indicators_fts",
    columns=("level3", "description", "target_raw", "basis", "project_name"),
    weights=(5.0, 2.0, 1.0, 0.5, 1.5),
)
GOAL_INDICATOR_FTS = FtsSpec(
    name="goal_indicators_fts",
    columns=("name", "target_raw", "goal"),
    weights=(5.0, 1.0, 1.5),
)


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


def create_fts_table(conn: sqlite3.Connection, spec: FtsSpec) -> None:
    """Create the (empty) FTS5 table for ``spec``, replacing an old one."""
    conn.execute(f"DROP TABLE IF EXISTS [{spec.name}]")
    columns = ", ".join(f"[{c}]" for c in spec.columns)
    conn.execute(f"CREATE VIRTUAL TABLE [{spec.name}] USING fts5({columns}, tokenize='unicode61 remove_diacritics 0')")


def segmented_row(texts: Sequence[str]) -> tuple[str, ...]:
    """Each text of a row segmented once, in the stored space-separated form."""
    return tuple(index_text(text or "") for text in texts)


def insert_segmented(conn: sqlite3.Connection, spec: FtsSpec, rows: Iterable[tuple[int, Sequence[str]]]) -> None:
    """Insert ``(rowid, segmented texts)`` rows, texts already from :func:`segmented_row`."""
    placeholders = ", ".join("?" for _ in range(len(spec.columns) + 1))
    columns = ", ".join(f"[{c}]" for c in spec.columns)
    conn.executemany(
        f"INSERT INTO [{spec.name}] (rowid, {columns}) VALUES ({placeholders})",
        ((rowid, *texts) for rowid, texts in rows),
    )


def optimize(conn: sqlite3.Connection, spec: FtsSpec) -> None:
    """Merge the index segments; queries on a read-only database stay fast."""
    conn.execute(f"INSERT INTO [{spec.name}]([{spec.name}]) VALUES ('optimize')")


def search(conn: sqlite3.Connection, spec: FtsSpec, query: str, limit: int = 20) -> list[tuple[int, float]]:
    """``(rowid, score)`` of the best matches, best first (score: negated BM25, higher is better)."""
    sql = (
        f"SELECT rowid, -{spec.bm25()} AS score FROM [{spec.name}] "
        f"WHERE [{spec.name}] MATCH ? ORDER BY {spec.bm25()} LIMIT ?"
    )
    return [(row[0], row[1]) for row in conn.execute(sql, (match_expression(query), limit))]
