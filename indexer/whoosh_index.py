"""The Whoosh index of indicators: BM25F over name, description, target, source and project.

The index is fed the terms the FTS5 table already holds (segmented once by
:mod:`indexer.tokenizer` during the build); Whoosh only splits them on
spaces. It lives beside the database (``kb.db`` → ``kb.whoosh/``) and
carries the database's build id: an index that is missing or was built from
another database is rebuilt from the database before it is used.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from whoosh import index, scoring
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.codec import whoosh3
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.query import And, Or, Query, Term

from indexer.fts import INDICATOR_FTS
from indexer.tokenizer import query_terms

BUILD_ID_FILE = "BUILD_ID"
WRITER_MEMORY_MB = 512
TEXT_FIELDS = ("level3", "description", "target", "basis", "project_name")
FIELD_BOOSTS = dict(zip(TEXT_FIELDS, INDICATOR_FTS.weights))


def _cached_reader(self, fieldname, column):  # type: ignore[no-untyped-def]
    """Whoosh 2.7's length-column lookup, remembering columns that do not exist.

    The original only caches columns it found, so for every posting of a
    field without lengths (ID fields) it asks the file system again: 200,000
    ``stat`` calls for 5,000 documents. Same result, asked once.
    """
    if fieldname not in self._readers:
        self._readers[fieldname] = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
    return self._readers[fieldname]


whoosh3.W3PerDocReader._cached_reader = _cached_reader


def _schema() -> Schema:
    terms = SpaceSeparatedTokenizer()
    text_fields = {name: TEXT(analyzer=terms, phrase=False, field_boost=FIELD_BOOSTS[name]) for name in TEXT_FIELDS}
    # Filters are exact matches, so plain terms: NUMERIC would index a trie of 8–16 terms per value.
    return Schema(key=ID(unique=True), members=STORED, level2=ID, year=KEYWORD, project_id=KEYWORD, **text_fields)


@dataclass
class IndexedGroup:
    """Indicators with identical searchable texts and 二级指标: one Whoosh document.

    Budget disclosures repeat themselves (the same indicator, word for word,
    in many projects, departments and years); indexing each distinct text once
    keeps the index small and fast, and every member shares the score its
    text earns. ``members`` are ``(indicator id, year, project id)``.
    """

    level2: str
    texts: tuple[str, ...]  # in TEXT_FIELDS order, already segmented
    members: list[tuple[int, int | None, int]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return hashlib.sha1(repr((self.level2, self.texts)).encode()).hexdigest()


@dataclass
class Hit:
    """One search result: the indicator id, its BM25F score and the query terms it matched."""

    id: int
    score: float
    matched: list[str] = field(default_factory=list)


def index_dir_for(db_path: Path) -> Path:
    """Where the Whoosh index of ``db_path`` lives."""
    return db_path.with_suffix(".whoosh")


def groups_from_database(conn: sqlite3.Connection) -> list[IndexedGroup]:
    """Every indicator, grouped by its segmented texts (as stored in the FTS5 table) and 二级指标."""
    columns = ", ".join(f"f.[{c}]" for c in INDICATOR_FTS.columns)
    sql = (f"SELECT i.id, i.project_year, i.project_id, i.level2, {columns} FROM indicators i "
           f"JOIN [{INDICATOR_FTS.name}] f ON f.rowid = i.id ORDER BY i.id")
    groups: dict[tuple[str, tuple[str, ...]], IndexedGroup] = {}
    for indicator_id, year, project_id, level2, *texts in conn.execute(sql):
        key = (level2 or "", tuple(texts))
        group = groups.get(key)
        if group is None:
            group = groups[key] = IndexedGroup(level2=key[0], texts=key[1])
        group.members.append((indicator_id, year, project_id))
    return list(groups.values())


def _document(group: IndexedGroup) -> dict[str, object]:
    return {
        "key": group.key,
        "members": group.members,
        "level2": group.level2,
        "year": " ".join(sorted({str(y) for _, y, _ in group.members if y is not None})),
        "project_id": " ".join(sorted({str(p) for _, _, p in group.members})),
        **dict(zip(TEXT_FIELDS, group.texts)),
    }


def build_index(directory: Path, groups: Iterable[IndexedGroup], build_id: str) -> None:
    """Write a fresh index into ``directory`` (replaced only once complete)."""
    directory = Path(directory)
    staging = directory.with_name(f".{directory.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        ix = index.create_in(str(staging), _schema())
        writer = ix.writer(limitmb=WRITER_MEMORY_MB)
        for group in groups:
            writer.add_document(**_document(group))
        writer.commit()
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
        clauses.append(Or([Term("year", str(y)) for y in years]))
    if project_ids:
        clauses.append(Or([Term("project_id", str(p)) for p in project_ids]))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else And(clauses)


@lru_cache(maxsize=4)
def _open(directory: str, build_id: str | None) -> index.Index:
    # Keyed by the build id too, so a rebuilt index is opened afresh.
    return index.open_dir(directory)


def _wanted(member: tuple[int, int | None, int], years: Sequence[int], project_ids: Sequence[int]) -> bool:
    _, year, project_id = member
    return (not years or year in years) and (not project_ids or project_id in project_ids)


def search(directory: Path, query: str, *, level2: Sequence[str] = (), years: Sequence[int] = (),
           project_ids: Sequence[int] = (), limit: int = 20) -> list[Hit]:
    """Indicators matching every term of ``query``, best BM25F score first (ties by id)."""
    terms = query_terms(query)
    if not terms:
        return []
    q = And([Or([Term(f, term) for f in TEXT_FIELDS]) for term in terms])
    ix = _open(str(directory), index_build_id(directory))
    filters = _filters(level2, years, project_ids)
    hits: list[Hit] = []
    with ix.searcher(weighting=scoring.BM25F()) as searcher:
        # A group may hold members outside the filters; ask again, for all groups, if the first page falls short.
        for group_limit in (max(limit, 50), None):
            results = searcher.search(q, limit=group_limit, filter=filters, terms=True)
            hits = []
            for result in results:
                matched = sorted({t.decode("utf-8") if isinstance(t, bytes) else str(t)
                                  for _, t in result.matched_terms()})
                hits.extend(Hit(id=member[0], score=round(result.score, 4), matched=matched)
                            for member in sorted(result["members"]) if _wanted(member, years, project_ids))
                if len(hits) >= limit:
                    return hits[:limit]
            if results.scored_length() >= len(results):
                break
    return hits[:limit]
