"""Creating the schema of :mod:`kb.db.schema` in a database: tables, FTS5 indexes, secondary indexes, views."""

from __future__ import annotations

import sqlite3

import sqlite_utils

from kb.db.schema import FTS_TABLES, TABLES, VIEWS
from kb.db.spec import FtsSpec, TableSpec

_PYTHON_TYPES = {"INTEGER": int, "REAL": float, "TEXT": str}


def create_table(conn: sqlite3.Connection, spec: TableSpec, *, foreign_keys: bool = True) -> None:
    """Create ``spec``'s table (primary key ``id``), with its foreign keys unless told otherwise."""
    sqlite_utils.Database(conn)[spec.name].create(  # type: ignore[union-attr]
        {c.name: _PYTHON_TYPES[c.type] for c in spec.columns},
        pk="id",
        foreign_keys=[(column, other, "id") for column, other in spec.foreign_keys] if foreign_keys else None,
    )


def create_fts_table(conn: sqlite3.Connection, spec: FtsSpec) -> None:
    """Create the (empty) FTS5 table for ``spec``, replacing an old one.

    The terms are segmented in Python (:mod:`indexer.tokenizer`); FTS5's own
    ``unicode61`` tokenizer then only splits them on spaces.
    """
    conn.execute(f"DROP TABLE IF EXISTS [{spec.name}]")
    columns = ", ".join(f"[{c}]" for c in spec.columns)
    conn.execute(f"CREATE VIRTUAL TABLE [{spec.name}] USING fts5({columns}, tokenize='unicode61 remove_diacritics 0')")


def create_tables(conn: sqlite3.Connection, *, foreign_keys: bool = True) -> None:
    """Every table and FTS5 index of the schema, empty, in an empty database."""
    for spec in TABLES:
        create_table(conn, spec, foreign_keys=foreign_keys)
    for fts in FTS_TABLES:
        create_fts_table(conn, fts)


def create_indexes(conn: sqlite3.Connection) -> None:
    """The secondary indexes every table declares (facets, joins), where missing."""
    db = sqlite_utils.Database(conn)
    for spec in TABLES:
        for columns in spec.indexes:
            db[spec.name].create_index(list(columns), if_not_exists=True)  # type: ignore[union-attr]


def create_views(conn: sqlite3.Connection) -> None:
    """Create (or replace) every view."""
    for view in VIEWS:
        conn.execute(f"DROP VIEW IF EXISTS [{view.name}]")
        conn.execute(view.sql())


# FTS5's own defaults: merge 4 segments of a level as they appear, and at once when 16 pile up.
_FTS_MERGING = {"automerge": 4, "crisismerge": 16}


def _set_fts(conn: sqlite3.Connection, settings: dict[str, int]) -> None:
    for spec in FTS_TABLES:
        for name, value in settings.items():
            conn.execute(f"INSERT INTO [{spec.name}]([{spec.name}], rank) VALUES (?, ?)", (name, value))


def defer_fts_merges(conn: sqlite3.Connection) -> None:
    """Let every FTS5 index keep the segments of a load (one per transaction) until :func:`optimize_fts`.

    A full build commits each batch, and by default FTS5 merges the segments as they pile up, so each term's
    entries are rewritten several times before the final merge rewrites them once more (1,000 documents:
    about 1.5 of the loader's 5–8 CPU seconds of FTS5 work). :func:`resume_fts_merges` undoes it."""
    _set_fts(conn, {"automerge": 0, "crisismerge": 64})


def resume_fts_merges(conn: sqlite3.Connection) -> None:
    """FTS5's own merging again, so documents added later (``kb build --add``) are merged as they come."""
    _set_fts(conn, _FTS_MERGING)


def optimize_fts(conn: sqlite3.Connection) -> None:
    """Merge every FTS5 index's segments, so queries on the read-only database stay fast."""
    for spec in FTS_TABLES:
        conn.execute(f"INSERT INTO [{spec.name}]([{spec.name}]) VALUES ('optimize')")
