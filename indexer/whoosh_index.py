"""The Whoosh index of indicators: BM25F over name, description, target, source and project.

The index is fed the terms the FTS5 table already holds (segmented once by
:mod:`indexer.tokenizer` during the build); Whoosh only splits them on
spaces. It lives beside the database (``kb.db`` → ``kb.whoosh/``) and
carries the database's build id: an index that is missing or was built from
another database is rebuilt from the database before it is used.

One Whoosh document holds each distinct indicator text
(:mod:`indexer.texts`) with its members, the indicators that share it; its
``project_name`` field holds the terms of the members' project names. A
query term may match the text or a project name; a member qualifies when
every term the text lacks is in the name of its own project.

A cluster build's workers write the index in parts, a segment each
(:func:`write_segments`), which the build joins into one index
(:func:`join_segments`); scores are ranked rounded, so an index of several
segments ranks exactly as one written whole.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh import collectors, index, scoring
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.codec import whoosh3
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.query import And, Or, Query, Term

from indexer.match import COLUMNS, IMPOSSIBLE, whoosh_query
from indexer.planner import EXACT, TIER_LABELS, plan
from indexer.ranking import Members, own_terms, qualifying
from indexer.target_terms import PREFIX as TARGET_PREFIX
from indexer.texts import TEXT_COLUMNS, IndexedText
from kb.db.processes import collector_paused
from kb.db.schema import INDICATOR_FTS, TEXT_FTS

BUILD_ID_FILE = "BUILD_ID"
# Size and CRC-32 of every file of the index, written after each commit: a segment overwritten, cut or deleted,
# or a damaged table of contents, is found before Whoosh reads it (7 MB for 1,000 documents: 6 ms to check).
CHECKSUMS_FILE = "CHECKSUMS"
MISSING = "缺失"
_NOT_INDEX_FILES = frozenset({BUILD_ID_FILE, CHECKSUMS_FILE, f"{CHECKSUMS_FILE}.tmp"})
# The writer's pool of postings before it spills a sorted run to disk (merged again at commit). At 10,000
# documents 256 MB spilled: writing the index took 37.9–46.5 CPU-s, with 1,024 MB 26.7–31.1 s, and the
# process's peak RSS stayed 1.23 GB (Whoosh's estimate of the pool is far above what it holds).
WRITER_MEMORY_MB = 1024
# A cluster build indexes the texts in parts, one segment each (segment_parts): no fewer texts than this to a
# part, and no more parts than this (a search reads every segment).
MIN_SEGMENT_TEXTS = 500
MAX_SEGMENTS = 8
# Decimals a BM25F score is ranked by (Hit.score shows four): far below any real difference of relevance.
SCORE_DIGITS = 9
_HALF_UNIT = 0.5 * 10**-SCORE_DIGITS
TEXT_FIELDS = ("level3", "description", "target", "basis", "project_name")
FIELD_BOOSTS = dict(zip(TEXT_FIELDS, INDICATOR_FTS.weights, strict=True))
# The Whoosh field of each column of the indicator indexes (a planned query names those columns).
FIELDS = dict(zip(COLUMNS, TEXT_FIELDS, strict=True))


def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
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
    # The members of a text live in SQLite (indicators.text_id), not here: a text shared by thousands of
    # indicators stays one small document. Years and project-name terms are stored to merge additions.
    text_fields["project_name"] = TEXT(
        analyzer=terms, phrase=False, field_boost=FIELD_BOOSTS["project_name"], stored=True
    )
    return Schema(key=ID(unique=True), text_id=STORED, level2=ID, year=KEYWORD(stored=True), **text_fields)


@dataclass
class Hit:
    """One search result: the indicator id, its BM25F score, its tier and the query terms it matched."""

    id: int
    score: float
    matched: list[str] = field(default_factory=list)
    tier: int = 0
    kind: str = EXACT

    @property
    def label(self) -> str:
        """The tier in Chinese: 精确匹配, 相近写法, 同族指标, 同类指标."""
        return TIER_LABELS[self.kind]


def index_dir_for(db_path: Path) -> Path:
    """Where the Whoosh index of ``db_path`` lives."""
    return db_path.with_suffix(".whoosh")


def texts_from_database(conn: sqlite3.Connection) -> list[IndexedText]:
    """Every distinct text of a built knowledge base with its members, as the build stored them."""
    columns = ", ".join(f"f.[{c}]" for c in TEXT_COLUMNS)
    texts = {
        text_id: IndexedText(id=text_id, key=key, level2=level2 or "", segmented=tuple(segmented))
        for text_id, key, level2, *segmented in conn.execute(
            f"SELECT t.id, t.key, t.level2, {columns} FROM indicator_texts t "
            f"JOIN [{TEXT_FTS.name}] f ON f.rowid = t.id ORDER BY t.id"
        )
    }
    members = conn.execute(
        f"SELECT i.text_id, i.id, i.project_year, i.project_id, f.project_name FROM indicators i "
        f"JOIN [{INDICATOR_FTS.name}] f ON f.rowid = i.id ORDER BY i.id"
    )
    for text_id, indicator_id, year, project_id, project_name in members:
        texts[text_id].add(indicator_id, year, project_id, project_name)
    return list(texts.values())


def _years(text: IndexedText) -> str:
    return " ".join(sorted({str(m[1]) for m in text.members if m[1] is not None}))


def _document(text: IndexedText, years: str | None = None, project_terms: str | None = None) -> dict[str, object]:
    """The Whoosh document of one distinct text (``years``/``project_terms`` override the text's own)."""
    return {
        "key": text.key,
        "text_id": text.id,
        "level2": text.level2,
        "year": _years(text) if years is None else years,
        # Each term once: a text shared by a thousand projects would otherwise carry all their names.
        "project_name": text.project_terms() if project_terms is None else project_terms,
        # The project names are not part of a distinct text: its own texts fill the fields before them.
        **dict(zip(TEXT_FIELDS, text.segmented, strict=False)),
    }


def staging_dir_for(directory: Path) -> Path:
    """Where a new index of ``directory`` is written before it replaces the old one."""
    return directory.with_name(f".{directory.name}.building-{os.getpid()}")


def _write_documents(folder: Path, texts: Iterable[IndexedText], procs: int = 1) -> index.Index:
    """A new index in the (emptied) folder ``folder`` holding ``texts``."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ix = index.create_in(str(folder), _schema())
    writer = ix.writer(limitmb=WRITER_MEMORY_MB, procs=procs, multisegment=procs > 1)
    for text in texts:
        writer.add_document(**_document(text))
    writer.commit()
    return ix


def _finish_index(staging: Path, build_id: str) -> None:
    _write_checksums(staging)
    (staging / BUILD_ID_FILE).write_text(build_id, encoding="utf-8")


def write_index(staging: Path, texts: Iterable[IndexedText], build_id: str, procs: int = 1) -> None:
    """Write a complete index into the (new, empty) folder ``staging``.

    With ``procs`` > 1 Whoosh indexes in that many processes, each writing
    its own segment (searches read all segments; merging would cost the
    time saved).
    """
    _write_documents(staging, texts, procs)
    _finish_index(staging, build_id)


@dataclass
class Segments:
    """Texts indexed apart from the index they will join (:func:`join_segments`): Whoosh's segment
    objects, the files that hold them, and the CPU seconds it took."""

    segments: list[Any]
    files: dict[str, bytes]
    seconds: float = 0.0


def segment_parts(texts: Sequence[IndexedText], workers: int) -> list[Sequence[IndexedText]]:
    """``texts`` (in id order) cut into consecutive parts, one for each of up to ``workers`` workers.

    Joined in order, the parts number their documents as one index written
    from all the texts would, so a search ranks and breaks ties alike. Each
    part holds at least :data:`MIN_SEGMENT_TEXTS` texts, and there are at most
    :data:`MAX_SEGMENTS`: every segment costs each search a little.
    """
    count = max(1, min(workers, MAX_SEGMENTS, len(texts) // MIN_SEGMENT_TEXTS))
    size = -(-len(texts) // count) if texts else 0
    return [texts[start : start + size] for start in range(0, len(texts), size)] if size else []


@collector_paused
def write_segments(texts: Sequence[IndexedText]) -> Segments:
    """Index ``texts`` into segments of their own (a part of :func:`segment_parts`, on any worker).

    Written into a temporary folder and returned as bytes, so the worker
    need not share a file system with the build. The worker keeps the rows
    of the batches it has yet to finish: the collector is paused, as in the
    build's other stages, or its full collections walk them all.
    """
    started = time.thread_time()
    with tempfile.TemporaryDirectory(prefix="kb-whoosh-") as folder:
        ix = _write_documents(Path(folder) / "index", texts)
        toc = index.TOC.read(ix.storage, ix.indexname)
        names = {segment.segid for segment in toc.segments}
        files = {
            path.name: path.read_bytes()
            for path in sorted((Path(folder) / "index").iterdir())
            if any(path.name.startswith(f"{ix.indexname}_{segid}.") for segid in names)
        }
    return Segments(list(toc.segments), files, time.thread_time() - started)


def join_segments(staging: Path, parts: Iterable[Segments], build_id: str) -> None:
    """Write into the (new, empty) folder ``staging`` the index made of ``parts``' segments, in their order."""
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    ix = index.create_in(str(staging), _schema())
    segments: list[Any] = []
    for part in parts:
        for name, content in part.files.items():
            (staging / name).write_bytes(content)
        segments.extend(part.segments)
    index.TOC(ix.schema, segments, 1).write(ix.storage, ix.indexname)
    index.clean_files(ix.storage, ix.indexname, 1, segments)
    _finish_index(staging, build_id)


def build_index(directory: Path, texts: Iterable[IndexedText], build_id: str, procs: int = 1) -> None:
    """Write a fresh index for ``directory`` and put it in place only once complete."""
    directory = Path(directory)
    staging = staging_dir_for(directory)
    try:
        write_index(staging, texts, build_id, procs)
        swap_in(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def add_texts(directory: Path, texts: Iterable[IndexedText], build_id: str, previous_build_id: str) -> bool:
    """Put changed texts into an index built for ``previous_build_id``; False when there is no such index.

    A partial text (new members of a stored text) keeps its stored years and
    project-name terms and adds its own; it is rewritten only if they grew.
    ``update_document`` replaces a document; Whoosh commits atomically, and
    the build id is written last.
    """
    directory = Path(directory)
    if index_build_id(directory) != previous_build_id or index_problem(directory) is not None:
        return False
    ix = index.open_dir(str(directory))
    documents = []
    with ix.searcher() as searcher:
        for text in texts:
            stored = searcher.document(key=text.key) if text.partial else None
            if stored is None:
                documents.append(_document(text))
                continue
            years = " ".join(sorted({*stored["year"].split(), *_years(text).split()}))
            terms = " ".join(dict.fromkeys([*stored["project_name"].split(), *text.project_terms().split()]))
            if years != stored["year"] or terms != stored["project_name"]:
                documents.append(_document(text, years, terms))
    # From here until the new build id is written the index reads as missing, so a build cut short in between
    # never leaves an index that claims the old build id while holding the new texts.
    (directory / BUILD_ID_FILE).unlink()
    writer = ix.writer(limitmb=WRITER_MEMORY_MB)
    for document in documents:
        writer.update_document(**document)
    writer.commit()
    _write_checksums(directory)
    (directory / BUILD_ID_FILE).write_text(build_id, encoding="utf-8")
    return True


def foreign_folder(directory: Path) -> str | None:
    """Why ``directory`` may not be replaced by an index (in Chinese): something of the user's that happens to
    have the index's name — a file, or a folder holding what no index of this tool holds. None when it may be
    (nothing there, an empty folder, or an index: a damaged one too, as rebuilding is its remedy)."""
    if not directory.exists():
        return None
    if not directory.is_dir():
        return "已存在，是文件，不是 Whoosh 索引文件夹"
    names = sorted(path.name for path in directory.iterdir())
    if not names or BUILD_ID_FILE in names or any(name.endswith(".toc") for name in names):
        return None
    shown = "、".join(names[:3]) + ("…" if len(names) > 3 else "")
    return f"已存在，但不是本工具的 Whoosh 索引文件夹（里面有 {shown}）"


def swap_in(staging: Path, directory: Path) -> None:
    """Replace the index in ``directory`` with the one written in ``staging``.

    If the new one cannot be moved into place, the old one is put back. A folder that is no index
    (:func:`foreign_folder`) is never replaced: :class:`FileExistsError`.
    """
    reason = foreign_folder(directory)
    if reason is not None:
        raise FileExistsError(f"{directory}: {reason}")
    retired = directory.with_name(f".{directory.name}.old-{os.getpid()}")
    if directory.exists():
        directory.rename(retired)
    try:
        staging.rename(directory)
    except BaseException:
        if retired.exists() and not directory.exists():
            retired.rename(directory)
        raise
    shutil.rmtree(retired, ignore_errors=True)
    _open.cache_clear()


def index_build_id(directory: Path) -> str | None:
    """The build id an index was made from, or None when there is no usable index.

    Cheap (it runs before every search); :func:`index_problem` checks the files themselves.
    """
    marker = Path(directory) / BUILD_ID_FILE
    try:
        if not marker.exists() or not index.exists_in(str(directory)):
            return None
        return marker.read_text(encoding="utf-8").strip()
    except Exception:
        # A damaged table of contents makes Whoosh raise whatever its unpickling meets.
        return None


def _crc32(path: Path) -> int:
    crc = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def _index_files(directory: Path) -> list[Path]:
    """The files Whoosh wrote (segments, tables of contents), not its lock files nor our markers."""
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and p.name not in _NOT_INDEX_FILES and not p.name.endswith("WRITELOCK")
    )


def _write_checksums(directory: Path) -> None:
    lines = [f"{_crc32(p):08x} {p.stat().st_size} {p.name}" for p in _index_files(directory)]
    temporary = directory / f"{CHECKSUMS_FILE}.tmp"
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temporary, directory / CHECKSUMS_FILE)


def _checksum_problem(directory: Path) -> str | None:
    """What differs from the checksums written with the index (None when nothing does, or none were written)."""
    listing = directory / CHECKSUMS_FILE
    if not listing.exists():
        return None
    try:
        entries = [line.split(" ", 2) for line in listing.read_text(encoding="utf-8").splitlines() if line]
        expected = {name: (int(crc, 16), int(size)) for crc, size, name in entries}
    except ValueError:
        return f"{CHECKSUMS_FILE} 无法读取"
    for name, (crc, size) in sorted(expected.items()):
        path = directory / name
        if not path.is_file():
            return f"文件 {name} 缺失"
        if path.stat().st_size != size:
            return f"文件 {name} 的大小不符（应为 {size} 字节，实为 {path.stat().st_size} 字节）"
        if _crc32(path) != crc:
            return f"文件 {name} 的内容与写入时不符（校验和不同）"
    return None


def index_problem(directory: Path) -> str | None:
    """What makes the index in ``directory`` unusable: :data:`MISSING`, a description of the damage, or None.

    Checks the files against their checksums, then opens every segment. The
    build id is not compared here (:func:`index_build_id` reads it).
    """
    directory = Path(directory)
    if not (directory / BUILD_ID_FILE).is_file():
        return MISSING
    try:
        problem = _checksum_problem(directory)
        if problem:
            return f"已损坏：{problem}"
        if not index.exists_in(str(directory)):
            return MISSING
        with index.open_dir(str(directory)).reader() as reader:
            reader.doc_count()
            for field_name in ("key", "level3"):
                reader.field_length(field_name)
    except OSError as exc:
        return f"已损坏：{exc.strerror or exc}（{Path(exc.filename or directory).name}）"
    except Exception as exc:
        # Whoosh raises whatever a damaged file makes its unpickling and struct reading meet.
        return f"已损坏：无法打开（{type(exc).__name__}）"
    return None


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


class _RoundedScores:
    """Scores rounded to :data:`SCORE_DIGITS` decimals before they are ranked.

    Whoosh sums a document's term scores in each segment leaving out the
    terms that segment lacks, so two texts of equal score in different
    segments (a cluster build's index, or one ``kb build --add`` added to) can
    differ in the last bit: ties then fell in segment order, not text order,
    and a top-N search could no longer skip the blocks that only tie with the
    N-th score (one query at 10,000 documents scored 18,581 texts instead of
    1,727). Rounded, equal scores are equal in any segment.
    """

    matcher: Any
    offset: int

    def collect(self, sub_docnum: int) -> Any:
        return self._collect(self.offset + sub_docnum, round(self.matcher.score(), SCORE_DIGITS))  # type: ignore[attr-defined]


class _RoundedTop(_RoundedScores, collectors.TopCollector):
    """The top N by rounded score; blocks whose best score is within half a rounding unit of the N-th are
    skipped (what they hold rounds to that score at most, and ties go to the earlier text)."""

    def _collect(self, global_docnum: int, score: float) -> Any:
        key = super()._collect(global_docnum, score)
        if len(self.items) >= self.limit:
            self.minscore = self.items[0][0] + _HALF_UNIT
        return key


class _RoundedAll(_RoundedScores, collectors.UnlimitedCollector):
    """Every match, by rounded score."""


def _ranked(searcher: Any, query: Query, filters: Query | None, limit: int | None) -> Any:
    """Whoosh's ``searcher.search(query, limit=limit, filter=filters, terms=True)``, ranked by rounded score."""
    top: Any = _RoundedTop(limit) if limit is not None and limit < searcher.doc_count() else _RoundedAll()
    collector = collectors.TermsCollector(top)
    if filters is not None:
        collector = collectors.FilterCollector(collector, filters)
    searcher.search_with_collector(query, collector)
    return collector.results()


def _ranked_texts(searcher: Any, query: Query, filters: Query | None, limit: int | None) -> Iterator[Any]:
    """The texts a tier matches, best BM25F first; asks for more only when the first ones do not suffice."""
    seen = 0
    for text_limit in (max(limit or 0, 50), max((limit or 0) * 20, 500), None):
        results = _ranked(searcher, query, filters, text_limit)
        for position, result in enumerate(results):
            if position >= seen:
                seen += 1
                yield result
        if results.scored_length() >= len(results):
            return


def search(
    directory: Path,
    conn: sqlite3.Connection,
    query: str,
    *,
    level2: Sequence[str] = (),
    years: Sequence[int] = (),
    project_ids: Sequence[int] = (),
    limit: int | None = 20,
) -> list[Hit]:
    """Indicators ``query`` finds, best first: tier by tier (:mod:`indexer.planner`), BM25F within a tier.

    Whoosh ranks the distinct texts; ``conn`` (the knowledge base the index
    was built from) lists the indicators sharing each, each checked on its own
    project name like :mod:`indexer.ranking` does.
    """
    the_plan = plan(conn, query)
    if not the_plan.tiers:
        return []
    ix = _open(str(directory), index_build_id(directory))
    filters = _filters(level2, years)
    members = Members(conn, years, project_ids)
    hits: list[Hit] = []
    placed: set[int] = set()
    with ix.searcher(weighting=scoring.BM25F()) as searcher:
        for index, tier in enumerate(the_plan.tiers):
            for result in _ranked_texts(searcher, whoosh_query(tier.expr, FIELDS), filters, limit):
                text_id = result["text_id"]
                matched = sorted({_term(t) for _, t in result.matched_terms()} - {IMPOSSIBLE})
                shown = [t for t in matched if not t.startswith(TARGET_PREFIX)]
                for indicator_id in qualifying(members, members.sharing(text_id), own_terms(conn, text_id), tier.expr):
                    if indicator_id in placed:
                        continue
                    placed.add(indicator_id)
                    hits.append(Hit(indicator_id, round(result.score, 4), shown, index, tier.kind))
                    if limit is not None and len(hits) >= limit:
                        return hits
    return hits


def _term(term: bytes | str) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)
