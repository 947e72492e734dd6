"""Datasette plugin: the metadata follows a knowledge base whatever its file name, and searches are never ignored.

Datasette names a database after its file (``other.db`` → ``other``) and
looks its metadata up by that name, so a metadata file written for ``kb``
gave ``kb serve --db other.db`` no Chinese titles, no labels, no canned
queries and no ``fts_table``, and Datasette then ignored ``?_search=`` and
returned every row. Here every served database that is a knowledge base (it
has the tables :data:`KB_TABLES`) gets :func:`kb.web.metadata.build_metadata`
under its own name, from the ``get_metadata`` hook; a metadata file given with
``--metadata`` still wins key by key. And a search on a table that has no
full-text index is refused with a message instead of answering with every row.
"""

from __future__ import annotations

import sqlite3
import weakref
from functools import cache
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import BadRequest

from kb.db.schema import DOCUMENTS, INDICATORS, PROJECTS
from kb.web.metadata import build_metadata
from kb.web.search import RENAMED

# A database holding these tables is a knowledge base built by this tool.
KB_TABLES = frozenset({DOCUMENTS.name, PROJECTS.name, INDICATORS.name})


@cache
def _has_kb_tables(path: str, size: int, mtime: float) -> bool:
    """Whether the SQLite file at ``path`` (of this size and time) holds the knowledge-base tables."""
    try:
        conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return KB_TABLES.issubset(names)


# Per Datasette instance, what each database it serves was found to be: Datasette asks for metadata many
# times a page, and a served database does not turn into another kind.
_KINDS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], bool]] = weakref.WeakKeyDictionary()


def is_knowledge_base(datasette: Any, database: str | None) -> bool:
    """True when ``database`` is served by ``datasette`` and is a knowledge base built by this tool."""
    db = datasette.databases.get(database) if database else None
    path = getattr(db, "path", None)
    if db is None or getattr(db, "is_memory", False) or not path:
        return False
    kinds = _KINDS.setdefault(datasette, {})
    key = (str(database), str(path))
    if key not in kinds:
        try:
            stat = Path(path).stat()
        except OSError:
            return False
        kinds[key] = _has_kb_tables(str(path), stat.st_size, stat.st_mtime)
    return kinds[key]


def knowledge_bases(datasette: Any) -> tuple[str, ...]:
    """The names of the served databases that are knowledge bases, in Datasette's order."""
    return tuple(name for name in datasette.databases if is_knowledge_base(datasette, name))


@cache
def _metadata_for(names: tuple[str, ...]) -> dict[str, Any]:
    """The metadata of knowledge bases served under ``names``, built once per set of names."""
    if not names:
        return {}
    merged = build_metadata(names[0])
    for name in names[1:]:
        merged["databases"].update(build_metadata(name)["databases"])
    return merged


@cache
def _keys_of(names: tuple[str, ...]) -> frozenset[str]:
    """Every key the metadata of ``names`` holds, at any of its levels (top, database, table)."""
    metadata = _metadata_for(names)
    keys = set(metadata)
    for database in metadata.get("databases", {}).values():
        keys |= set(database)
        for table in database.get("tables", {}).values():
            keys |= set(table)
    return frozenset(keys)


def _fresh(value: Any) -> Any:
    # Datasette merges and then updates the dictionaries it is given in place (it adds source and about to
    # each table it shows, names to canned queries): every caller gets its own copy of every dictionary.
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    return value


# What a table's permission check and its facets read (``metadata("tables", database=…)``); Datasette
# deep-copies that answer once per table per page, so it leaves out the columns' descriptions and labels.
_TABLE_SETTINGS = (
    "title",
    "hidden",
    "facets",
    "facet_size",
    "fts_table",
    "fts_pk",
    "searchmode",
    "sortable_columns",
    "size",
)


def _pruned(metadata: dict[str, Any], key: str, database: str | None, table: str | None) -> dict[str, Any]:
    """The part of ``metadata`` a lookup of ``key`` for ``database`` and ``table`` can read."""
    out = {k: v for k, v in metadata.items() if not isinstance(v, dict)}
    databases = metadata.get("databases", {})
    if key == "tables":
        out["databases"] = {
            name: {
                "tables": {
                    t: {k: _fresh(v) for k, v in entry.items() if k in _TABLE_SETTINGS}
                    for t, entry in db.get("tables", {}).items()
                }
            }
            for name, db in databases.items()
            if database is None or name == database
        }
        return out
    if database in databases:
        db = databases[database]
        entry: dict[str, Any] = {k: v for k, v in db.items() if not isinstance(v, dict)}
        if key == "queries":
            entry["queries"] = _fresh(db.get("queries", {}))
        if table is not None and table in db.get("tables", {}):
            entry["tables"] = {table: _fresh(db["tables"][table])}
        out["databases"] = {database: entry}
    return out


@hookimpl
def get_metadata(datasette: Any, key: str | None, database: str | None, table: str | None) -> dict[str, Any]:
    """The knowledge-base metadata of every served knowledge base, under the name Datasette gives it.

    Datasette asks for metadata many times a page and copies what it is given; a lookup of one key gets
    only the part that can hold it.
    """
    names = knowledge_bases(datasette)
    metadata = _metadata_for(names)
    if not metadata or (key is not None and key not in _keys_of(names)):
        return {}
    if key is None or key == "databases":
        return _fresh(metadata)
    return _pruned(metadata, key, database, table)


def _searches(request: Any) -> dict[str, str]:
    # The plugin hands a search to the query planner under a renamed key (kb/web/search.py).
    return {
        key: request.args[key]
        for key in request.args
        if key.startswith(("_search", RENAMED)) and key != "_searchmode" and request.args[key].strip()
    }


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    """Refuse a search on a table without a full-text index (Datasette would ignore it and show every row)."""

    async def inner() -> None:
        searches = _searches(request)
        if not searches:
            return None
        fts_table = request.args.get("_fts_table") or datasette.table_metadata(database, table).get("fts_table")
        if not fts_table:
            fts_table = await datasette.get_database(database).fts_table(table)
        if not fts_table:
            tables = datasette.metadata("tables", database=database, fallback=False) or {}
            searchable = [entry.get("title") or name for name, entry in tables.items() if entry.get("fts_table")]
            hint = f"可以检索的表：{'、'.join(searchable)}" if searchable else "这个数据库没有全文索引"
            title = (tables.get(table) or {}).get("title") or table
            raise BadRequest(f"“{title}”表没有全文索引，不能按“{next(iter(searches.values()))}”检索（{hint}）。")
        return None

    return inner
