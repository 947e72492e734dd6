"""The stages of a full build as functions over partitions of documents, whoever schedules them.

A build splits its documents, in document order, into batches (partitions).
Every stage below is a pure function of batches and of small corpus-wide
results, so the local build (:mod:`kb.db.pipeline`, forked processes on this
machine) and the cluster build (:mod:`kb.cluster`, Dask tasks on any number of
machines) run exactly the same code and give the same rows; they only decide
where each call runs and where its result stays.

1. **documents** (:func:`document_rows`): each document of a batch read,
   parsed, checked and turned into rows with ids local to the document
   (:mod:`kb.db.rows`). The rows stay where they were made.
2. **summary** (:func:`summarize`): what the batch's documents are (for
   progress, the report, the build id and the id bases), and its partial
   aggregates (:class:`Aggregate`): distinct texts, project series,
   indicator names in order of first appearance, units per 二级指标.
3. **reduce** (:class:`AggregateFold`, left to right as batches finish): the
   corpus-wide aggregate; then :func:`make_plan` gives texts, series and
   families their ids (first appearance, as a single writer would) and
   :func:`batch_plans` each batch the ids its rows start after (prefix sums).
4. **families** (:func:`family_partial`, reduced with :func:`merge_family_partials`):
   each family's counts, grouped by family id; :func:`family_records` the
   ``indicator_families`` rows and the statistics the peer rules compare with.
5. **finalize** (:func:`finalize`): the batch's rows numbered on, with their
   department, series, family and text ids, their FTS5 rows, and the
   findings of every consistency rule on the batch's projects and indicators
   (the rules read corpus-wide family statistics and units, nothing else
   from other documents); with ``parquet``, also written as a Parquet
   dataset by year and region (:mod:`kb.db.parquet`).
6. **load** (:mod:`kb.db.loader`): the one serial stage, inserting finished rows
   into SQLite in batch order.

Every partial result keeps document order, so merging adjacent partitions
left to right gives the order a single process reading every document would
see: ids are identical whatever the number and placement of workers.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from indexer.families import assign_families
from indexer.texts import TEXT_COLUMNS, IndexedText
from kb import __version__
from kb.checks.context import CheckContext, FamilyStats, IndicatorRow, ProjectRow, family_stats
from kb.checks.engine import check_context
from kb.checks.store import anomaly_rows
from kb.db.family_table import FamilyCounts
from kb.db.processes import collector_paused
from kb.db.rows import DocumentRows, failed_document, load_document
from kb.db.schema import (
    ANOMALIES,
    BUDGET_TABLE_SPECS,
    DEPT_GOALS,
    DOCUMENT_TABLES,
    DOCUMENTS,
    GOAL_INDICATOR_FTS,
    GOAL_INDICATORS,
    INDICATOR_FTS,
    INDICATORS,
    PARSE_WARNINGS,
    PROJECTS,
    SOURCE_LINES,
    TABLES_BY_NAME,
    TEXT_FTS,
    UNITS,
)
from kb.db.shard import to_shard
from kb.db.spec import TableSpec
from kb.errors import DocumentError
from kb.models import Department, IndicatorFamily, IndicatorText, ProjectSeries

Row = tuple[Any, ...]
_K = TypeVar("_K")
_V = TypeVar("_V")
_LOCAL_KEYS = {spec.name for spec in DOCUMENT_TABLES}


# ---------------------------------------------------------------- stage 1: documents


@dataclass(frozen=True)
class DocumentJob:
    """One document to build: its id, where it is (a path, or a URL every worker can reach), and what else
    the build knows of it: why it cannot be read, and the files holding the same bytes (built once)."""

    doc_id: int
    location: str
    error: str | None = None
    duplicates: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchJob:
    """A partition: consecutive documents, in document order."""

    index: int
    documents: tuple[DocumentJob, ...]


def is_url(location: str) -> bool:
    """Whether ``location`` names a file through fsspec (``s3://…``, ``https://…``) rather than a local path."""
    scheme, sep, _ = location.partition("://")
    return bool(sep) and scheme.isascii() and scheme.replace("+", "").replace("-", "").isalnum() and scheme != "file"


def _load_remote(doc_id: int, url: str) -> DocumentRows:
    """Fetch a document through fsspec into a private temporary file, parse it there, and name it by its URL."""
    import fsspec  # only the cluster extra installs it

    folder = tempfile.mkdtemp(prefix="kb-fetch-")
    local = os.path.join(folder, url.rstrip("/").rsplit("/", 1)[-1] or "document.txt")
    try:
        try:
            with fsspec.open(url, "rb") as remote, open(local, "wb") as out:
                shutil.copyfileobj(remote, out)
        except (OSError, ValueError) as exc:
            return failed_document(doc_id, url, DocumentError(url, f"无法读取：{exc}"))
        rows = load_document(doc_id, local)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _renamed(rows, local, url)


def _renamed(rows: DocumentRows, local: str, url: str) -> DocumentRows:
    """The rows of a document parsed from ``local``, naming it ``url`` as every other row of the build does."""
    rows.path = url
    if rows.error is not None:
        rows.error = rows.error.replace(local, url)
    for spec, column in ((DOCUMENTS, "source_path"), (PARSE_WARNINGS, "file")):
        rows.tables[spec.name] = [
            spec.replace(row, **{column: url}) if spec.value(row, column) == local else row
            for row in rows.tables.get(spec.name, [])
        ]
    return rows


def with_duplicates(rows: DocumentRows, duplicates: Sequence[str]) -> DocumentRows:
    """The document's rows with a warning for each file that held the same bytes and was not built."""
    if not duplicates:
        return rows
    warnings = rows.tables.setdefault(PARSE_WARNINGS.name, [])
    for duplicate in duplicates:
        warnings.append(
            PARSE_WARNINGS.row(
                id=len(warnings) + 1,
                document_id=rows.doc_id,
                file=duplicate,
                line=None,
                code="duplicate_document",
                message=f"与 {rows.path} 内容完全相同，只构建一次 (identical to {rows.path}; built once)",
            )
        )
    rows.warnings += len(duplicates)
    rows.tables[DOCUMENTS.name] = [
        DOCUMENTS.replace(row, warning_count=(DOCUMENTS.value(row, "warning_count") or 0) + len(duplicates))
        for row in rows.tables[DOCUMENTS.name]
    ]
    return rows


def job_rows(job: DocumentJob) -> DocumentRows:
    """Every row one document contributes (as :func:`kb.db.rows.load_document`); never raises for bad input."""
    if job.error is not None:
        rows = failed_document(job.doc_id, job.location, DocumentError(job.location, job.error))
    elif is_url(job.location):
        rows = _load_remote(job.doc_id, job.location)
    else:
        rows = load_document(job.doc_id, job.location)
    return with_duplicates(rows, job.duplicates)


# Tables no stage reads before the rows are numbered (the source text, budget tables, department goals): kept
# compressed until then, a fifth of their size, since every batch's rows wait for the corpus-wide ids.
PACKED = tuple(spec.name for spec in (SOURCE_LINES, *BUDGET_TABLE_SPECS, UNITS, DEPT_GOALS, GOAL_INDICATORS))


def pack(rows: DocumentRows) -> DocumentRows:
    """``rows`` with the tables of :data:`PACKED` compressed (:func:`unpack` restores them)."""
    for name in PACKED:
        table = rows.tables.pop(name, None)
        if table is not None:
            rows.packed[name] = (len(table), zlib.compress(pickle.dumps(table, protocol=5), 1))
    return rows


def unpack(rows: DocumentRows) -> DocumentRows:
    """``rows`` with every packed table restored, in place."""
    for name, (_, blob) in rows.packed.items():
        rows.tables[name] = pickle.loads(zlib.decompress(blob))
    rows.packed = {}
    return rows


@collector_paused
def document_rows(batch: BatchJob) -> list[DocumentRows]:
    """Stage 1: the rows of each document of the batch, in order (the tables only the last stage reads packed)."""
    return [pack(job_rows(job)) for job in batch.documents]


# ---------------------------------------------------------------- stage 2: summary and partial aggregates


@dataclass
class DocumentSummary:
    """What the build reports and numbers from one document, without its rows."""

    doc_id: int
    path: str
    error: str | None
    department: tuple[str | None, str | None]
    digest: str
    counts: dict[str, int]
    projects: int
    indicators: int
    goal_indicators: int
    warnings: int
    seconds: dict[str, float]


@dataclass
class TextPartial:
    """One distinct text as far as a partition sees it: its first member's texts, and what its members add."""

    level2: str
    segmented: tuple[str, ...]
    raw: tuple[str, ...]
    members: int = 0
    projects: int = 0
    years: set[int] = field(default_factory=set)
    # The terms of the members' (segmented) project names, each once, in order of first appearance.
    terms: dict[str, None] = field(default_factory=dict)

    def merge(self, later: TextPartial) -> None:
        """Add a later partition's members (projects never span partitions, so their counts add up)."""
        self.members += later.members
        self.projects += later.projects
        self.years |= later.years
        for term in later.terms:
            self.terms.setdefault(term)


@dataclass
class SeriesPartial:
    """One series key as far as a partition sees it: its projects' years (None where unknown)."""

    years: list[int | None] = field(default_factory=list)


@dataclass
class Aggregate:
    """The corpus-wide results a partition contributes to, merged left to right (:class:`AggregateFold`).

    Every dict is in order of first appearance, which is what ids follow.
    """

    texts: dict[str, TextPartial] = field(default_factory=dict)
    series: dict[str, SeriesPartial] = field(default_factory=dict)
    names: dict[str, None] = field(default_factory=dict)
    level2_units: dict[tuple[str, str | None], Counter[str]] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class BatchSummary:
    """Stage 2's small result: the batch's documents (its rows stay where they were made)."""

    index: int
    documents: list[DocumentSummary]
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        """Rows of each numbered table in the batch."""
        total = {spec.name: 0 for spec in DOCUMENT_TABLES}
        for document in self.documents:
            for name, count in document.counts.items():
                total[name] += count
        return total


def _document_summary(rows: DocumentRows) -> DocumentSummary:
    counts = {
        spec.name: rows.packed[spec.name][0] if spec.name in rows.packed else len(rows.tables.get(spec.name, []))
        for spec in DOCUMENT_TABLES
    }
    counts[INDICATORS.name] = len(rows.indicators)
    return DocumentSummary(
        doc_id=rows.doc_id,
        path=rows.path,
        error=rows.error,
        department=rows.department,
        digest=rows.digest,
        counts=counts,
        projects=rows.projects,
        indicators=rows.indicator_count,
        goal_indicators=rows.goal_indicators,
        warnings=rows.warnings,
        seconds=dict(rows.seconds),
    )


def summarize(index: int, batch: list[DocumentRows]) -> BatchSummary:
    """Stage 2: the batch's documents, for progress, the report and the id bases."""
    started = time.process_time()
    documents = [_document_summary(rows) for rows in batch]
    return BatchSummary(index, documents, time.process_time() - started)


@collector_paused
def aggregate(batch: list[DocumentRows]) -> Aggregate:
    """Stage 2: the batch's partial aggregates (texts, series, names, units), in order of first appearance."""
    started = time.process_time()
    out = Aggregate()
    p = PROJECTS.positions
    for rows in batch:
        for project in rows.tables.get(PROJECTS.name, []):
            out.series.setdefault(project[p["series_key"]], SeriesPartial()).years.append(project[p["year"]])
        text_names: dict[str, dict[str, None]] = {}
        text_projects: dict[str, set[int]] = defaultdict(set)
        i = INDICATORS.positions
        for entry in rows.indicators:
            row = entry.row
            out.names.setdefault(row[i["level3"]])
            text = out.texts.get(entry.text_key)
            if text is None:
                text = out.texts[entry.text_key] = TextPartial(entry.level2, entry.texts.text_part(), entry.raw)
            text.members += 1
            if entry.year is not None:
                text.years.add(entry.year)
            text_projects[entry.text_key].add(entry.project_id)
            text_names.setdefault(entry.text_key, {}).setdefault(entry.texts.project_name)
            value, kind = row[i["target_value"]], row[i["target_kind"]]
            if kind == "numeric" and value is not None:
                unit_key = (row[i["level2"]] or "", row[i["target_op"]])
                out.level2_units.setdefault(unit_key, Counter())[row[i["target_unit"]] or ""] += 1
        for text_key, names in text_names.items():
            text = out.texts[text_key]
            text.projects += len(text_projects[text_key])
            for name in names:
                for term in name.split():
                    text.terms.setdefault(term)
    out.seconds = time.process_time() - started
    return out


def _own_text(text: TextPartial) -> TextPartial:
    return TextPartial(
        text.level2, text.segmented, text.raw, text.members, text.projects, set(text.years), dict(text.terms)
    )


def _to_add_to(merged: dict[_K, _V], owned: set[_K], key: _K, value: _V, own: Callable[[_V], _V]) -> _V | None:
    """The entry of ``merged`` that ``value`` is to be added to, or None when ``value`` was the first and is kept.

    A reduce leaves its parts as they were (a scheduler may run it again after losing a worker): an entry taken
    from a part is replaced by its own copy (``own``) the first time another part adds to it.
    """
    known = merged.get(key)
    if known is None:
        merged[key] = value
        return None
    if key not in owned:
        known = merged[key] = own(known)
        owned.add(key)
    return known


def summary_and_aggregate(index: int, batch: list[DocumentRows]) -> tuple[BatchSummary, Aggregate]:
    """Stage 2 of one batch: its summary and its partial aggregates, the small results the client needs."""
    return summarize(index, batch), aggregate(batch)


def _own_series(series: SeriesPartial) -> SeriesPartial:
    return SeriesPartial(list(series.years))


class AggregateFold:
    """Stage 3: the batches' aggregates added up left to right, each as soon as every earlier one is in.

    Batches finish in any order; a part waits until the parts before it have been added, so the total is the
    one a single process reading every document would have seen. Folding while the documents are still being
    parsed leaves nothing to reduce once the last batch is in. The parts are left as they were (a scheduler may
    hand the same part to another build step): an entry is copied before a later part adds to it.
    """

    def __init__(self) -> None:
        self._total = Aggregate()
        self._owned_texts: set[str] = set()
        self._owned_series: set[str] = set()
        self._waiting: dict[int, Aggregate] = {}
        self._next = 0

    def add(self, index: int, part: Aggregate) -> None:
        """Batch ``index``'s aggregate (added now if every earlier batch's is in, or once they are)."""
        self._waiting[index] = part
        while self._next in self._waiting:
            self._add(self._waiting.pop(self._next))
            self._next += 1

    def _add(self, part: Aggregate) -> None:
        started = time.process_time()
        out = self._total
        for key, text in part.texts.items():
            known = _to_add_to(out.texts, self._owned_texts, key, text, _own_text)
            if known is not None:
                known.merge(text)
        for series_key, series in part.series.items():
            years = _to_add_to(out.series, self._owned_series, series_key, series, _own_series)
            if years is not None:
                years.years.extend(series.years)
        for name in part.names:
            out.names.setdefault(name)
        for unit_key, units in part.level2_units.items():
            out.level2_units[unit_key] = out.level2_units.get(unit_key, Counter()) + units
        out.seconds += part.seconds + time.process_time() - started

    def total(self, batches: int) -> Aggregate:
        """The corpus-wide aggregate of batches ``0 … batches-1`` (every one of them must have been added)."""
        if self._next != batches or self._waiting:
            missing = sorted(set(range(batches)) - set(range(self._next)) - set(self._waiting))
            raise ValueError(f"aggregates missing for batches {missing[:5]}")
        return self._total


# ---------------------------------------------------------------- stage 3: ids


@dataclass
class Plan:
    """The corpus-wide ids every batch needs to finish its rows: small next to the rows themselves."""

    text_ids: dict[str, int]
    series_ids: dict[str, int]
    family_of: dict[str, int]
    family_keys: dict[int, str]
    level2_units: dict[tuple[str, str | None], Counter[str]]


def make_plan(total: Aggregate) -> Plan:
    """Ids in order of first appearance (texts, series), families grouped over every distinct name."""
    names = list(total.names)
    key_of = assign_families(names)
    first: dict[str, int] = {}
    for position, name in enumerate(names):
        first.setdefault(key_of[name], position)
    family_ids = {key: n for n, key in enumerate(sorted(first, key=first.__getitem__), start=1)}
    return Plan(
        text_ids={key: n for n, key in enumerate(total.texts, start=1)},
        series_ids={key: n for n, key in enumerate(total.series, start=1)},
        family_of={name: family_ids[key] for name, key in key_of.items()},
        family_keys={fid: key for key, fid in family_ids.items()},
        level2_units=total.level2_units,
    )


@dataclass
class BatchPlan:
    """What one batch's rows are numbered from: each table's last id before it, and its documents' departments."""

    bases: dict[str, int]
    departments: dict[int, int]


@dataclass
class Numbering:
    """Ids that follow document order across batches: the bases of each batch, departments, the build id."""

    batches: list[BatchPlan]
    departments: list[Department]
    build_id: str
    documents: int


def number_batches(summaries: Sequence[BatchSummary]) -> Numbering:
    """Prefix sums of the batches' row counts, departments in order of first appearance, and the build id
    (the content hash of every document in order), from the batches' summaries in batch order."""
    bases = {spec.name: 0 for spec in DOCUMENT_TABLES}
    department_ids: dict[tuple[str | None, str | None], int] = {}
    department_counts: Counter[int] = Counter()
    content = hashlib.sha256(f"kb {__version__}".encode())
    plans = []
    documents = 0
    for summary in summaries:
        departments = {}
        for document in summary.documents:
            documents += 1
            content.update(document.digest.encode())
            if document.error is None:
                dept_id = department_ids.setdefault(document.department, len(department_ids) + 1)
                department_counts[dept_id] += 1
                departments[document.doc_id] = dept_id
        plans.append(BatchPlan(dict(bases), departments))
        for name, count in summary.counts().items():
            bases[name] += count
    records = [
        Department(id=dept_id, code=code, name=name, document_count=department_counts[dept_id])
        for (code, name), dept_id in department_ids.items()
    ]
    return Numbering(plans, records, content.hexdigest(), documents)


# ---------------------------------------------------------------- rows as SQLite stores them


def _affinity(spec: TableSpec) -> list[tuple[int, str]]:
    return [(n, column.type) for n, column in enumerate(spec.columns) if column.type != "TEXT"]


_AFFINITIES = {spec.name: _affinity(spec) for spec in (INDICATORS, PROJECTS)}


def stored(spec: TableSpec, row: Row) -> Row:
    """``row`` with its numbers as SQLite stores them in the column's type (an integer in a REAL column is
    read back as a float), so what is computed from it equals what is computed from the database."""
    changed = None
    for position, kind in _AFFINITIES[spec.name]:
        value = row[position]
        if value is None:
            continue
        if kind == "REAL" and type(value) is int:
            converted: Any = float(value)
        elif kind == "INTEGER" and (type(value) is bool or (type(value) is float and value.is_integer())):
            converted = int(value)
        else:
            continue
        if changed is None:
            changed = list(row)
        changed[position] = converted
    return row if changed is None else tuple(changed)


def indicator_row(row: Row) -> IndicatorRow:
    """The rules' view of an ``indicators`` row, read as :mod:`kb.checks.context` reads it from SQLite
    (NULL text as ``""``, an empty unit as none, a target never parsed as unparsed)."""
    i = INDICATORS.positions
    return IndicatorRow(
        id=row[i["id"]],
        project_id=row[i["project_id"]],
        document_id=row[i["document_id"]],
        position=row[i["position"]],
        level1=row[i["level1"]] or "",
        level2=row[i["level2"]] or "",
        level3=row[i["level3"]] or "",
        description=row[i["description"]] or "",
        target_raw=row[i["target_raw"]] or "",
        target_op=row[i["target_op"]],
        target_value=row[i["target_value"]],
        target_unit=row[i["target_unit"]] or None,
        target_kind=row[i["target_kind"]] if row[i["target_kind"]] is not None else "unparsed",
        family_id=row[i["family_id"]],
    )


def project_row(row: Row) -> ProjectRow:
    """The rules' view of a ``projects`` row, read as :mod:`kb.checks.context` reads it from SQLite."""
    text = {name for name, annotation in ProjectRow.__annotations__.items() if annotation == "str"}
    p = PROJECTS.positions
    return ProjectRow._make(
        (row[p[name]] or "") if name in text else row[p[name]] for name in ProjectRow.__annotations__
    )


# ---------------------------------------------------------------- stage 4: families


@dataclass
class FamilyPartial:
    """Each family's counts over a partition; a project's indicators are all in one partition, so its
    projects are counted there and the counts add up."""

    counts: dict[int, FamilyCounts] = field(default_factory=dict)
    seconds: float = 0.0


_MEMBER_COLUMNS = ("level3", "project_year", "target_op", "target_value", "target_unit", "target_kind")


@collector_paused
def family_partial(batch: list[DocumentRows], plan: Plan, batch_plan: BatchPlan) -> FamilyPartial:
    """Stage 4: the counts of each family over the batch's indicators."""
    started = time.process_time()
    counts: dict[int, FamilyCounts] = defaultdict(FamilyCounts)
    positions = [INDICATORS.positions[name] for name in _MEMBER_COLUMNS]
    level3 = INDICATORS.positions["level3"]
    base = batch_plan.bases[PROJECTS.name]
    for rows in batch:
        for entry in rows.indicators:
            row = stored(INDICATORS, entry.row)
            name, year, op, value, unit, kind = (row[n] for n in positions)
            counts[plan.family_of[row[level3]]].add(name, base + entry.project_id, year, op, value, unit, kind)
        base += len(rows.tables.get(PROJECTS.name, []))
    for family in counts.values():
        family.project_count, family.projects = len(family.projects), set()
    return FamilyPartial(dict(counts), time.process_time() - started)


@collector_paused
def family_partial_of(batches: Sequence[tuple[list[DocumentRows], BatchPlan]], plan: Plan) -> FamilyPartial:
    """Stage 4 over several batches at once (a family's counts add up in any order)."""
    return merge_family_partials([family_partial(batch, plan, batch_plan) for batch, batch_plan in batches])


def _own_counts(counts: FamilyCounts) -> FamilyCounts:
    copy = FamilyCounts(
        size=counts.size,
        project_count=counts.project_count,
        years=set(counts.years),
        operators=Counter(counts.operators),
        names=Counter(counts.names),
    )
    for unit, histogram in counts.values.items():
        copy.values[unit] = Counter(histogram)
    return copy


def merge_family_partials(parts: Sequence[FamilyPartial]) -> FamilyPartial:
    """Stage 4's reduce: adjacent partitions' family counts added up (associative: run as a tree; the parts
    are left as they were)."""
    out = FamilyPartial()
    owned: set[int] = set()
    for part in parts:
        for fid, counts in part.counts.items():
            known = _to_add_to(out.counts, owned, fid, counts, _own_counts)
            if known is not None:
                known.merge(counts)
                known.project_count += counts.project_count
        out.seconds += part.seconds
    return out


def family_records(total: FamilyPartial, plan: Plan) -> tuple[list[IndicatorFamily], dict[int, FamilyStats]]:
    """The ``indicator_families`` rows, and the statistics the peer rules compare each member with."""
    records = [total.counts[fid].record(fid, plan.family_keys[fid]) for fid in sorted(total.counts)]
    stats = {f.id: family_stats(f.id, f.name, f.operators, f.main_unit, f.target_spread) for f in records}
    return records, stats


# ---------------------------------------------------------------- stage 5: finished rows and findings


@dataclass
class FinishedRows:
    """A batch's finished rows: numbered, with every id set, its FTS5 rows and its findings."""

    tables: dict[str, list[Row]] = field(default_factory=dict)
    indicator_fts: list[Row] = field(default_factory=list)
    goal_fts: list[Row] = field(default_factory=list)
    anomalies: list[Row] = field(default_factory=list)


@dataclass
class LoadBatch:
    """A batch ready to load: its finished rows as a database (:func:`kb.db.shard.to_shard`), and what the
    build reports of it."""

    index: int
    shard: bytes
    years: dict[int, int | None] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def number_row(spec: TableSpec, row: Row, bases: dict[str, int]) -> Row:
    """A row of a document with its local id, and its local references to the document's other rows,
    numbered on from ``bases`` (the last id each table had before this document)."""
    values = {"id": spec.value(row, "id") + bases[spec.name]}
    for column, table in spec.foreign_keys:
        local = spec.value(row, column)
        if table in _LOCAL_KEYS and local is not None:
            values[column] = local + bases[table]
    return spec.replace(row, **values)


def _finish_document(
    rows: DocumentRows, plan: Plan, bases: dict[str, int], department: int | None, out: FinishedRows
) -> None:
    tables = dict(rows.tables)
    if rows.error is None:
        tables[DOCUMENTS.name] = [DOCUMENTS.replace(row, department_id=department) for row in tables[DOCUMENTS.name]]
    series = PROJECTS.positions["series_key"]
    for name, table_rows in tables.items():
        spec = TABLES_BY_NAME[name]
        if name in bases:
            table_rows = [number_row(spec, row, bases) for row in table_rows]
        if spec is PROJECTS:
            table_rows = [
                stored(PROJECTS, PROJECTS.replace(row, series_id=plan.series_ids[row[series]])) for row in table_rows
            ]
        out.tables.setdefault(name, []).extend(table_rows)
    level3 = INDICATORS.positions["level3"]
    indicators = out.tables.setdefault(INDICATORS.name, [])
    for entry in rows.indicators:
        row = number_row(INDICATORS, entry.row, bases)
        row = INDICATORS.replace(row, text_id=plan.text_ids[entry.text_key], family_id=plan.family_of[row[level3]])
        indicators.append(stored(INDICATORS, row))
        out.indicator_fts.append(INDICATOR_FTS.row(bases[INDICATORS.name] + entry.local_id, entry.texts._asdict()))
    goal_base = bases[GOAL_INDICATORS.name]
    out.goal_fts.extend((goal_base + rowid, *texts) for rowid, *texts in rows.goal_fts)
    for name in bases:
        bases[name] += len(rows.indicators) if name == INDICATORS.name else len(rows.tables.get(name, []))


@collector_paused
def finalize(
    index: int,
    batch: list[DocumentRows],
    plan: Plan,
    batch_plan: BatchPlan,
    families: dict[int, FamilyStats],
    parquet: str | None = None,
) -> LoadBatch:
    """Stage 5: the batch's rows numbered on, every id set, its FTS5 rows, and its findings.

    The rules judge each project and indicator with the statistics of the
    whole corpus (families, units per 二级指标) and nothing else from other
    documents, so checking batch by batch finds what a run over everything
    finds; the findings come sorted as the ``anomalies`` table is numbered.
    """
    started = time.process_time()
    out = FinishedRows()
    years: dict[int, int | None] = {}
    bases = dict(batch_plan.bases)
    for rows in batch:
        _finish_document(unpack(rows), plan, bases, batch_plan.departments.get(rows.doc_id), out)
        years[rows.doc_id] = next(
            (DOCUMENTS.value(row, "budget_year") for row in rows.tables.get(DOCUMENTS.name, [])), None
        )
    numbered = time.process_time()
    ctx = CheckContext(
        projects={row[0]: row for row in map(project_row, out.tables.get(PROJECTS.name, []))},
        indicators=[indicator_row(row) for row in out.tables.get(INDICATORS.name, [])],
        families=families,
        level2_units=plan.level2_units,
    )
    findings = [finding for rows in batch for finding in rows.findings]
    rows_of = anomaly_rows([*findings, *check_context(ctx)], first_id=0)
    out.anomalies = [ANOMALIES.row(**row) for row in rows_of]
    checked = time.process_time()
    seconds = {"finalize_rows_cpu": numbered - started, "finalize_checks_cpu": checked - numbered}
    if parquet is not None:
        from kb.db.parquet import write_batch  # pyarrow: only the cluster extra installs it

        write_batch(parquet, index, out.tables)
        seconds["parquet_cpu"] = time.process_time() - checked
    packing = time.process_time()
    fts = {INDICATOR_FTS.name: out.indicator_fts, GOAL_INDICATOR_FTS.name: out.goal_fts}
    shard = to_shard(out.tables, fts, out.anomalies)
    seconds["finalize_pack_cpu"] = time.process_time() - packing
    return LoadBatch(index, shard, years, seconds)


# ---------------------------------------------------------------- corpus-wide tables


def text_records(total: Aggregate, plan: Plan) -> tuple[list[IndicatorText], list[Row], list[IndexedText]]:
    """The ``indicator_texts`` rows, their FTS5 rows, and the texts the Whoosh index holds, in id order."""
    records, fts, indexed = [], [], []
    for key, text in total.texts.items():
        text_id = plan.text_ids[key]
        records.append(
            IndicatorText(
                id=text_id,
                key=key,
                level2=text.level2,
                **dict(zip(TEXT_COLUMNS, text.raw, strict=True)),
                member_count=text.members,
                project_count=text.projects,
            )
        )
        terms = " ".join(text.terms)
        fts.append(
            TEXT_FTS.row(text_id, {**dict(zip(TEXT_COLUMNS, text.segmented, strict=True)), "project_names": terms})
        )
        # The Whoosh document of a text reads its members' years and the terms of their project names.
        indexed.append(
            IndexedText(
                id=text_id,
                key=key,
                level2=text.level2,
                segmented=text.segmented,
                raw=text.raw,
                members=[(0, year, 0, 0) for year in sorted(text.years)],
                names={terms: 0},
            )
        )
    return records, fts, indexed


def series_records(total: Aggregate, plan: Plan) -> list[ProjectSeries]:
    """The ``project_series`` rows in id order."""
    records = []
    for key, series in total.series.items():
        years = sorted({year for year in series.years if year is not None})
        records.append(
            ProjectSeries(
                id=plan.series_ids[key],
                name=key,
                project_count=len(series.years),
                years=",".join(map(str, years)),
                first_year=years[0] if years else None,
                last_year=years[-1] if years else None,
            )
        )
    return records


# Formats whose reading takes seconds (a 50–150-page PDF: 5–15 s) rather than a tenth of a second.
_SLOW_SUFFIXES = (".pdf",)


def _weight(job: DocumentJob, size: int) -> int:
    return size if job.location.lower().endswith(_SLOW_SUFFIXES) else 1


def batches_of(jobs: Sequence[DocumentJob], size: int) -> list[BatchJob]:
    """``jobs`` cut into consecutive batches of ``size`` documents; a PDF is a batch of its own.

    A PDF costs as much to read as a hundred text documents: several to a batch, the last batches of a build
    leave one worker reading while the others wait (16 PDFs on two workers: 1.67× the one-worker speed with
    two to a batch).
    """
    size = max(1, size)
    batches: list[BatchJob] = []
    current: list[DocumentJob] = []
    weight = 0
    for job in jobs:
        job_weight = _weight(job, size)
        if current and weight + job_weight > size:
            batches.append(BatchJob(len(batches), tuple(current)))
            current, weight = [], 0
        current.append(job)
        weight += job_weight
    if current:
        batches.append(BatchJob(len(batches), tuple(current)))
    return batches
