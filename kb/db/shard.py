"""A batch's finished rows as a small SQLite database: built by the worker, copied whole by the loader.

Handing SQLite a row costs the process that inserts it a few microseconds a
value (binding each one), which made the single loading process the build's
serial bottleneck. A worker therefore inserts its batch's rows into an
in-memory database of the same tables (no indexes, no foreign keys) and
ships its pages (:meth:`sqlite3.Connection.serialize`); the loader attaches
them and copies each table with one ``INSERT … SELECT``, page to page inside
SQLite. What stays serial is the B-tree work of the final file and FTS5's
indexing of the terms.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kb.db.ddl import create_table
from kb.db.schema import ANOMALIES, FTS_TABLES, TABLES_BY_NAME
from kb.db.spec import FtsSpec

Row = tuple[Any, ...]
# The attached schema a shard is copied from.
SCHEMA = "shard"
_FTS_BY_NAME = {spec.name: spec for spec in FTS_TABLES}


def _create_fts_rows(conn: sqlite3.Connection, spec: FtsSpec) -> None:
    columns = ", ".join(f"[{c}] TEXT" for c in spec.columns)
    conn.execute(f"CREATE TABLE [{spec.name}] (rowid_ INTEGER PRIMARY KEY, {columns})")


def to_shard(tables: Mapping[str, Sequence[Row]], fts: Mapping[str, Sequence[Row]], anomalies: Sequence[Row]) -> bytes:
    """The pages of a database holding ``tables`` (rows in each table's column order), the FTS5 rows
    ``(rowid, text…)`` of each FTS table by name, and ``anomalies`` numbered 1, 2, … in their order."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("BEGIN")
        for name, rows in tables.items():
            spec = TABLES_BY_NAME[name]
            create_table(conn, spec, foreign_keys=False)
            conn.executemany(spec.insert_sql(), rows)
        create_table(conn, ANOMALIES, foreign_keys=False)
        conn.executemany(ANOMALIES.insert_sql(), [(n, *row[1:]) for n, row in enumerate(anomalies, 1)])
        for index in FTS_TABLES:
            if index.name in fts:
                _create_fts_rows(conn, index)
                marks = ", ".join("?" * (len(index.columns) + 1))
                conn.executemany(f"INSERT INTO [{index.name}] VALUES ({marks})", fts[index.name])
        conn.execute("COMMIT")
        return conn.serialize()
    finally:
        conn.close()


def _names(columns: Iterable[str]) -> str:
    return ", ".join(f"[{c}]" for c in columns)


def copy_into(conn: sqlite3.Connection, shard: bytes, anomalies_before: int) -> int:
    """Copy every table of ``shard`` into the same tables of ``conn`` (findings numbered on from
    ``anomalies_before``); returns how many findings it held.

    ``conn`` must have no transaction open: each shard is attached afresh (SQLite would otherwise keep
    the previous shard's schema, whose tables may lie on other pages) and copied in its own transaction,
    after which it can be detached (the build's file is private and written without a journal, so a
    commit costs no sync).
    """
    conn.execute(f"ATTACH DATABASE ':memory:' AS [{SCHEMA}]")
    conn.deserialize(shard, name=SCHEMA)
    names = [name for (name,) in conn.execute(f"SELECT name FROM [{SCHEMA}].sqlite_master WHERE type = 'table'")]
    conn.execute("BEGIN")
    for name in names:
        if name in _FTS_BY_NAME:
            columns = _names(_FTS_BY_NAME[name].columns)
            conn.execute(
                f"INSERT INTO main.[{name}] (rowid, {columns}) SELECT rowid_, {columns} FROM [{SCHEMA}].[{name}]"
            )
        elif name == ANOMALIES.name:
            rest = _names(ANOMALIES.column_names[1:])
            conn.execute(
                f"INSERT INTO main.[{name}] (id, {rest}) SELECT id + ?, {rest} FROM [{SCHEMA}].[{name}] ORDER BY id",
                (anomalies_before,),
            )
        else:
            columns = _names(TABLES_BY_NAME[name].column_names)
            conn.execute(f"INSERT INTO main.[{name}] ({columns}) SELECT {columns} FROM [{SCHEMA}].[{name}]")
    (count,) = conn.execute(f"SELECT count(*) FROM [{SCHEMA}].[{ANOMALIES.name}]").fetchone()
    conn.execute("COMMIT")
    conn.execute(f"DETACH DATABASE [{SCHEMA}]")
    return int(count)
