"""The Whoosh index of indicators: BM25F over name, description, target, source and project.

The index is fed the terms the FTS5 table already holds (segmented once by
:mod:`indexer.tokenizer` during the build); Whoosh only splits them on
spaces. It lives beside the database (``kb.db`` → ``kb.whoosh/``) and
carries the database's build id: an index that is missing or was built from
another database is rebuilt from the database before it is used.

Budget disclosures repeat themselves: the same indicator, word for word,
appears in many projects, departments and years. One Whoosh document holds
each distinct indicator text (三级指标, description, target, basis and 二级指标)
with its members, the indicators that share it; its ``project_name`` field
holds the names of the members' projects. A query term may match the text or
a project name; a member qualifies when every term the text lacks is in the
name of its own project. Indexing each text once keeps the index six times
smaller on a city's corpus, and so faster to build and to search.
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
WRITER_MEMORY_MB = 256
TEXT_FIELDS = ("level3", "description", "target", "basis", "project_name")
FIELD_BOOSTS = dict(zip(TEXT_FIELDS, INDICATOR_FTS.weights))
# The FTS5 columns holding each text field, in TEXT_FIELDS order.
_FTS_COLUMNS = dict(zip(TEXT_FIELDS, INDICATOR_FTS.columns))


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
    # Project filters are applied to the members after the search: indexing every member's project id
    # would put thousands of terms on the most repeated texts.
    return Schema(key=ID(unique=True), members=STORED, names=STORED, level2=ID, year=KEYWORD, **text_fields)


@dataclass
class IndexedText:
    """One distinct indicator text and the indicators that share it.

    ``texts`` are the segmented 三级指标, description, target and basis;
    ``names`` the distinct segmented names of the members' projects;
    ``members`` are ``(indicator id, year, project id, index into names)``.
    """

    level2: str
    texts: tuple[str, ...]
    members: list[tuple[int, int | None, int, int]] = field(default_factory=list)
    names: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return hashlib.sha1(repr((self.level2, self.texts)).encode()).hexdigest()

    def add(self, indicator_id: int, year: int | None, project_id: int, project_name: str) -> None:
        """Add one indicator sharing this text."""
        name = self.names.setdefault(project_name, len(self.names))
        self.members.append((indicator_id, year, project_id, name))

    def document(self) -> dict[str, object]:
        """The Whoosh document of this text."""
        return {
            "key": self.key,
            "members": self.members,
            "names": list(self.names),
            "level2": self.level2,
            "year": " ".join(sorted({str(m[1]) for m in self.members if m[1] is not None})),
            # Each term once: a text shared by a thousand projects would otherwise carry all their names.
            "project_name": " ".join(dict.fromkeys(term for name in self.names for term in name.split())),
            **dict(zip(TEXT_FIELDS, self.texts)),
        }


@dataclass
class Hit:
    """One search result: the indicator id, its BM25F score and the query terms it matched."""

    id: int
    score: float
    matched: list[str] = field(default_factory=list)


def index_dir_for(db_path: Path) -> Path:
    """Where the Whoosh index of ``db_path`` lives."""
    return db_path.with_suffix(".whoosh")


def texts_from_database(conn: sqlite3.Connection, first_id: int = 0) -> list[IndexedText]:
    """Indicators (those with ids from ``first_id``) grouped by segmented texts and 二级指标.

    The texts are read from the FTS5 table, where the build stored them.
    """
    columns = ", ".join(f"f.[{_FTS_COLUMNS[name]}]" for name in TEXT_FIELDS)
    sql = (f"SELECT i.id, i.project_year, i.project_id, i.level2, {columns} FROM indicators i "
           f"JOIN [{INDICATOR_FTS.name}] f ON f.rowid = i.id WHERE i.id >= {int(first_id)} ORDER BY i.id")
    groups: dict[tuple[str, tuple[str, ...]], IndexedText] = {}
    for indicator_id, year, project_id, level2, *texts in conn.execute(sql):
        key = (level2 or "", tuple(texts[:-1]))
        group = groups.get(key)
        if group is None:
            group = groups[key] = IndexedText(level2=key[0], texts=key[1])
        group.add(indicator_id, year, project_id, texts[-1])
    return list(groups.values())


def build_index(directory: Path, texts: Iterable[IndexedText], build_id: str, procs: int = 1) -> None:
    """Write a fresh index into ``directory`` (replaced only once complete).

    With ``procs`` > 1 Whoosh indexes in that many processes, each writing
    its own segment (searches read all segments; merging would cost the
    time saved).
    """
    directory = Path(directory)
    staging = directory.with_name(f".{directory.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        ix = index.create_in(str(staging), _schema())
        writer = ix.writer(limitmb=WRITER_MEMORY_MB, procs=procs, multisegment=procs > 1)
        for text in texts:
            writer.add_document(**text.document())
        writer.commit()
        (staging / BUILD_ID_FILE).write_text(build_id, encoding="utf-8")
        _swap_in(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def add_texts(directory: Path, texts: Iterable[IndexedText], build_id: str, previous_build_id: str) -> bool:
    """Add indicators to an index built for ``previous_build_id``; False when there is no such index.

    Each text's new members join the members already stored under the same
    text (``update_document`` replaces the Whoosh document); Whoosh commits
    atomically, and the build id is written last.
    """
    directory = Path(directory)
    if index_build_id(directory) != previous_build_id:
        return False
    ix = index.open_dir(str(directory))
    with ix.searcher() as searcher:
        merged = []
        for text in texts:
            stored = searcher.document(key=text.key)
            if stored is not None:
                old = IndexedText(level2=text.level2, texts=text.texts)
                for indicator_id, year, project_id, name in stored["members"]:
                    old.add(indicator_id, year, project_id, stored["names"][name])
                names = {index_: name for name, index_ in text.names.items()}
                for indicator_id, year, project_id, name in text.members:
                    old.add(indicator_id, year, project_id, names[name])
                text = old
            merged.append(text)
    writer = ix.writer(limitmb=WRITER_MEMORY_MB)
    for text in merged:
        writer.update_document(**text.document())
    writer.commit()
    (directory / BUILD_ID_FILE).write_text(build_id, encoding="utf-8")
    return True


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


def _filters(level2: Sequence[str], years: Sequence[int]) -> Query | None:
    clauses: list[Query] = []
    if level2:
        clauses.append(Or([Term("level2", value) for value in level2]))
    if years:
        clauses.append(Or([Term("year", str(y)) for y in years]))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else And(clauses)


@lru_cache(maxsize=4)
def _open(directory: str, build_id: str | None) -> index.Index:
    # Keyed by the build id too, so a rebuilt index is opened afresh.
    return index.open_dir(directory)


def _members(result: dict, matched: set[str], terms: list[str], years: Sequence[int],
             project_ids: Sequence[int]) -> list[tuple[int, int | None, int, int]]:
    """The members of a matching text that satisfy the filters and every query term."""
    from_names = [t for t in terms if t not in matched]
    names = [frozenset(name.split()) for name in result["names"]] if from_names else []
    return [
        member for member in sorted(result["members"])
        if (not years or member[1] in years)
        and (not project_ids or member[2] in project_ids)
        and all(t in names[member[3]] for t in from_names)
    ]


def search(directory: Path, query: str, *, level2: Sequence[str] = (), years: Sequence[int] = (),
           project_ids: Sequence[int] = (), limit: int = 20) -> list[Hit]:
    """Indicators matching every term of ``query``, best BM25F score first (ties by id)."""
    terms = query_terms(query)
    if not terms:
        return []
    q = And([Or([Term(f, term) for f in TEXT_FIELDS]) for term in terms])
    ix = _open(str(directory), index_build_id(directory))
    filters = _filters(level2, years)
    hits: list[Hit] = []
    with ix.searcher(weighting=scoring.BM25F()) as searcher:
        # A text may match through a project name some of its members lack, or hold members outside the
        # filters; if the first page of texts falls short, ask again for all of them.
        for text_limit in (max(limit, 50), max(limit * 20, 500), None):
            results = searcher.search(q, limit=text_limit, filter=filters, terms=True)
            hits = []
            for result in results:
                matched = {_term(t) for f, t in result.matched_terms() if f != "project_name"}
                everything = sorted(matched | {_term(t) for _, t in result.matched_terms()})
                hits.extend(Hit(id=member[0], score=round(result.score, 4), matched=everything)
                            for member in _members(result, matched, terms, years, project_ids))
                if len(hits) >= limit:
                    return hits[:limit]
            if results.scored_length() >= len(results):
                break
    return hits[:limit]


def _term(term: bytes | str) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)
