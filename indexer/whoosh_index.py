"""The Whoosh index of indicators: BM25F over name, description, target, source and project.

The index is fed the terms the FTS5 table already holds (segmented once by
:mod:`indexer.tokenizer` during the build); Whoosh only splits them on
spaces. It lives beside the database (``kb.db`` → ``kb.whoosh/``) and
carries the database's build id: an index that is missing or was built from
another database is rebuilt from the database before it is used.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index, scoring
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.query import And, NumericRange, Or, Query, Term

from indexer.fts import INDICATOR_FTS
from indexer.tokenizer import query_terms

BUILD_ID_FILE = "BUILD_ID"
TEXT_FIELDS = ("level3", "description", "target", "basis", "project_name")
FIELD_BOOSTS = dict(zip(TEXT_FIELDS, INDICATOR_FTS.weights))


def _schema() -> Schema:
    terms = SpaceSeparatedTokenizer()
    text_fields = {name: TEXT(analyzer=terms, phrase=False, field_boost=FIELD_BOOSTS[name]) for name in TEXT_FIELDS}
    return Schema(
        id=NUMERIC(numtype=int, bits=64, stored=True, unique=True),
        level2=ID(),
        year=NUMERIC(numtype=int, bits=32),
        project_id=NUMERIC(numtype=int, bits=64),
        **text_fields,
    )


@dataclass(frozen=True)
class IndexedIndicator:
    """One indicator as the index sees it: ids, filters and the segmented texts."""

    id: int
    level2: str
    year: int | None
    project_id: int
    texts: tuple[str, ...]  # in TEXT_FIELDS order, already segmented


@dataclass
class Hit:
    """One search result: the indicator id, its BM25F score and the query terms it matched."""

    id: int
    score: float
    matched: list[str] = field(default_factory=list)


def index_dir_for(db_path: Path) -> Path:
    """Where the Whoosh index of ``db_path`` lives."""
    return db_path.with_suffix(".whoosh")


def rows_from_database(conn: sqlite3.Connection) -> Iterator[IndexedIndicator]:
    """Every indicator with the segmented texts stored in the FTS5 table."""
    columns = ", ".join(f"f.[{c}]" for c in INDICATOR_FTS.columns)
    sql = (f"SELECT i.id, i.level2, i.project_year, i.project_id, {columns} FROM indicators i "
           f"JOIN [{INDICATOR_FTS.name}] f ON f.rowid = i.id ORDER BY i.id")
    for row in conn.execute(sql):
        yield IndexedIndicator(id=row[0], level2=row[1] or "", year=row[2], project_id=row[3], texts=tuple(row[4:]))


def build_index(directory: Path, rows: Iterable[IndexedIndicator], build_id: str) -> None:
    """Write a fresh index into ``directory`` (replaced only once complete)."""
    directory = Path(directory)
    staging = directory.with_name(f".{directory.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        ix = index.create_in(str(staging), _schema())
        writer = ix.writer(limitmb=256)
        for row in rows:
            document = dict(zip(TEXT_FIELDS, row.texts))
            writer.add_document(id=row.id, level2=row.level2, project_id=row.project_id,
                                **({"year": row.year} if row.year is not None else {}), **document)
        writer.commit(optimize=True)
        (staging / BUILD_ID_FILE).write_text(build_id, encoding="utf-8")
        _swap_in(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_in(staging: Path, directory: Path) -> None:
    retired = directory.with_name(f".{directory.name}.old-{os.getpid()}")
    if directory.exists():
        directory.rename(retired)
    staging.rename(directory)
    shutil.rmtree(retired, ignore_errors=True)


def index_build_id(directory: Path) -> str | None:
    """The build id an index was made from, or None when there is no usable index."""
    marker = Path(directory) / BUILD_ID_FILE
    if not marker.exists() or not index.exists_in(str(directory)):
        return None
    return marker.read_text(encoding="utf-8").strip()


def _filters(level2: Sequence[str], years: Sequence[int], project_ids: Sequence[int]) -> Query | None:
    clauses: list[Query] = []
    if level2:
        clauses.append(Or([Term("level2", value) for value in level2]))
    if years:
        clauses.append(Or([NumericRange("year", y, y) for y in years]))
    if project_ids:
        clauses.append(Or([NumericRange("project_id", p, p) for p in project_ids]))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else And(clauses)


def search(directory: Path, query: str, *, level2: Sequence[str] = (), years: Sequence[int] = (),
           project_ids: Sequence[int] = (), limit: int = 20) -> list[Hit]:
    """Indicators matching every term of ``query``, best BM25F score first."""
    terms = query_terms(query)
    if not terms:
        return []
    q = And([Or([Term(f, term) for f in TEXT_FIELDS]) for term in terms])
    ix = index.open_dir(str(directory))
    with ix.searcher(weighting=scoring.BM25F()) as searcher:
        results = searcher.search(q, limit=limit, filter=_filters(level2, years, project_ids), terms=True)
        hits = []
        for hit in results:
            matched = sorted({t.decode("utf-8") if isinstance(t, bytes) else str(t) for _, t in hit.matched_terms()})
            hits.append(Hit(id=hit["id"], score=round(hit.score, 4), matched=matched))
        return hits
