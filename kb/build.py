"""Building the knowledge base: documents → SQLite (+ full-text indexes).

``build_knowledge_base`` parses every document in parallel (parsing,
segmenting and flattening into rows happen in the worker processes, see
:mod:`kb.rows`), inserts the rows in bulk, derives what spans documents
(series, families, consistency findings), and writes a new database beside
the old one. Only a complete database is moved into place, so a failed build
never leaves a broken or half-built file where the old one was. Ids are
derived from document order and sequence numbers, so rebuilding the same
documents gives the same rows with the same ids.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import sqlite3
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from indexer import whoosh_index
from indexer.fts import (
    GOAL_INDICATOR_FTS,
    INDICATOR_FTS,
    TEXT_FTS,
    create_fts_table,
    insert_segmented,
    optimize,
)
from indexer.tokenizer import index_terms
from kb.checks.context import FamilyStats, family_stats
from kb.checks.engine import run_checks_on_added
from kb.checks.store import ANOMALIES, anomaly_rows, write_anomalies
from kb.derived import write_families, write_series
from kb.errors import UsageError
from kb.models import Finding
from kb.rows import PROJECTS_PER_DOCUMENT, ROWS_PER_TABLE, DocumentRows, load_document
from kb.schema import (
    BUILD_INFO,
    DEPARTMENTS,
    DOCUMENTS,
    INDICATORS,
    PARSE_WARNINGS,
    insert_rows,
)
from kb.tables import TABLES
from kb.texts_table import TextRegistry
from kb.views import create_views

TOOL_VERSION = "0.1.0"
DOCUMENT_SUFFIXES = frozenset({".txt", ".md", ".text"})
# Parsed documents waiting for the writer, per worker: enough to keep workers busy, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 4

ProgressCallback = Callable[["BuildProgress"], None]


@dataclass
class BuildProgress:
    """Running totals, reported after each document."""

    done: int
    total: int
    indicators: int
    warnings: int
    failed: int


@dataclass
class BuildReport:
    """What a build did and where its time went."""

    db_path: Path
    documents: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    projects: int = 0
    indicators: int = 0
    goal_indicators: int = 0
    warnings: int = 0
    seconds: float = 0.0
    # Wall-clock seconds of each phase of the build, and worker CPU seconds of parsing and segmenting.
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """One line, for logs and non-interactive runs."""
        text = (
            f"kb build: {self.documents} 份文档 → {self.db_path}："
            f"项目 {self.projects}，项目指标 {self.indicators}，部门指标 {self.goal_indicators}，"
            f"解析警告 {self.warnings}"
        )
        if self.failed:
            text += f"，失败 {len(self.failed)} 份"
        return text + f"（{self.seconds:.1f} 秒）"

    def add(self, rows: DocumentRows) -> None:
        """Count one document in."""
        if rows.error is not None:
            self.failed.append((rows.path, rows.error))
        else:
            self.documents += 1
        self.projects += rows.projects
        self.indicators += rows.indicators
        self.goal_indicators += rows.goal_indicators
        self.warnings += rows.warnings
        for phase, seconds in rows.seconds.items():
            self.timings[f"worker_{phase}_cpu"] = self.timings.get(f"worker_{phase}_cpu", 0.0) + seconds


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """The document files named by ``paths``: files as given, folders searched for .txt/.md.

    Raises :class:`UsageError` for a path that does not exist.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.exists():
            found.append(path)
        else:
            raise UsageError(f"{path}: 文件或目录不存在 (no such file or directory)")
    # The same file named twice (data/ and data/x.txt) is built once; paths stay as given.
    unique = {p.resolve(): p for p in reversed(found)}
    return sorted(unique.values(), key=str)


def load_documents(paths: Sequence[Path], first_id: int = 1, workers: int | None = None) -> Iterator[DocumentRows]:
    """Rows of each file in order (ids from ``first_id``), from a process pool when it pays.

    At most ``IN_FLIGHT_PER_WORKER`` documents per worker wait for the
    writer, so memory stays flat however many documents there are.
    """
    jobs = [(first_id + i, str(p)) for i, p in enumerate(paths)]
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(jobs) <= 1:
        for doc_id, path in jobs:
            yield load_document(doc_id, path)
        return
    index_terms("预热")  # load the dictionary once; forked workers share it
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[DocumentRows]] = deque()
        queue = iter(jobs)
        for doc_id, path in queue:
            pending.append(pool.submit(load_document, doc_id, path))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                break
        while pending:
            yield pending.popleft().result()
            for doc_id, path in queue:
                pending.append(pool.submit(load_document, doc_id, path))
                break


class _Writer:
    """Inserts document rows into a database, then derives and indexes.

    ``fresh`` creates every table in an empty file; otherwise the file is a
    copy of a built knowledge base that documents are added to.
    """

    def __init__(self, db_file: Path, fresh: bool = True) -> None:
        self.conn = sqlite3.connect(db_file, isolation_level=None)
        # The file is private until it is swapped in; durability comes from the swap.
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA cache_size = -200000")
        self.db = sqlite_utils.Database(self.conn)
        self.fresh = fresh
        self.departments: dict[tuple[str | None, str | None], int] = {}
        self.department_counts: dict[int, int] = {}
        self.warning_id = 0
        self.budget_findings: list[Finding] = []
        self._first_document = sys.maxsize
        self.previous_build_id = ""
        self.content = hashlib.sha256(f"kb {TOOL_VERSION}".encode())
        if fresh:
            self._create()
            self.texts = TextRegistry()
        else:
            self._resume()
            self.texts = TextRegistry.resume(self.conn)
        self.conn.execute("BEGIN")

    def _create(self) -> None:
        for spec in TABLES:
            self.db[spec.name].create(
                {c.name: {"INTEGER": int, "REAL": float, "TEXT": str}[c.type] for c in spec.columns},
                pk="id",
                foreign_keys=[(column, other, "id") for column, other in spec.foreign_keys],
            )
        for spec in (INDICATOR_FTS, TEXT_FTS, GOAL_INDICATOR_FTS):
            create_fts_table(self.conn, spec)

    def _resume(self) -> None:
        """Carry on from a built knowledge base: its departments, warning ids and build id."""
        for dept_id, code, name, count in self.conn.execute("SELECT id, code, name, document_count FROM departments"):
            self.departments[(code, name)] = dept_id
            self.department_counts[dept_id] = count
        self.warning_id = self.conn.execute("SELECT coalesce(max(id), 0) FROM parse_warnings").fetchone()[0]
        previous = self.conn.execute("SELECT build_id FROM build_info WHERE id = 1").fetchone()
        self.previous_build_id = previous[0] if previous else ""
        self.content.update(self.previous_build_id.encode())

    def next_document_id(self) -> int:
        """The id the next added document gets."""
        return self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM documents").fetchone()[0]

    @property
    def first_document(self) -> int:
        """The id of the first document this writer added."""
        return self._first_document

    def _department(self, key: tuple[str | None, str | None]) -> int:
        dept_id = self.departments.setdefault(key, len(self.departments) + 1)
        self.department_counts[dept_id] = self.department_counts.get(dept_id, 0) + 1
        return dept_id

    def add(self, rows: DocumentRows) -> None:
        """Insert one document's rows; ids of departments and warnings are assigned here."""
        self._first_document = min(self._first_document, rows.doc_id)
        tables = dict(rows.tables)
        if rows.error is None:
            document = list(tables[DOCUMENTS.name][0])
            document[1] = self._department(rows.department)  # documents: (id, department_id, …)
            tables[DOCUMENTS.name] = [tuple(document)]
        warnings = []
        for warning in tables.get(PARSE_WARNINGS.name, []):
            self.warning_id += 1
            warnings.append((self.warning_id, *warning[1:]))
        tables[PARSE_WARNINGS.name] = warnings
        tables[INDICATORS.name] = self._with_text_ids(rows)
        for name, table_rows in tables.items():
            if table_rows:
                placeholders = ", ".join("?" for _ in table_rows[0])
                self.conn.executemany(f"INSERT INTO [{name}] VALUES ({placeholders})", table_rows)
        insert_segmented(self.conn, INDICATOR_FTS, rows.indicator_fts)
        insert_segmented(self.conn, GOAL_INDICATOR_FTS, rows.goal_fts)
        self.budget_findings.extend(rows.findings)
        self.content.update(rows.digest.encode())

    def _with_text_ids(self, rows: DocumentRows) -> list[tuple]:
        """The document's indicator rows with the id of their distinct text (the last column)."""
        with_ids = []
        for row, (indicator_id, segmented), (key, level2, raw, year, project_id) in zip(
                rows.tables.get(INDICATORS.name, []), rows.indicator_fts, rows.indicator_texts):
            text_id = self.texts.assign(key, level2, segmented[:4], raw,
                                        (indicator_id, year, project_id, segmented[4]))
            with_ids.append((*row[:-1], text_id))
        return with_ids

    @property
    def build_id(self) -> str:
        """The content hash of everything added so far (the build id once loading is done)."""
        return self.content.hexdigest()

    def finish(self, timings: dict[str, float]) -> str:
        """Write what spans documents, index, commit; returns the build id."""
        started = time.perf_counter()
        self.conn.execute("DELETE FROM departments")
        insert_rows(self.conn, DEPARTMENTS, (
            {"id": dept_id, "code": code, "name": name, "document_count": self.department_counts[dept_id]}
            for (code, name), dept_id in self.departments.items()
        ))
        self.texts.write(self.conn)
        first_project = None if self.fresh else self.first_document * PROJECTS_PER_DOCUMENT
        write_series(self.conn, first_project)
        first_indicator = None if self.fresh else first_project * ROWS_PER_TABLE
        families = write_families(self.conn, first_indicator)
        timings["derive"] = time.perf_counter() - started
        started = time.perf_counter()
        if self.fresh:
            write_anomalies(self.conn, self.budget_findings)
        else:
            self._add_findings({fid: family_stats(fid, *(row[c] for c in ("name", "operators", "main_unit",
                                                                             "target_spread"))) if row else None
                                for fid, row in families.before.items()})
        timings["checks"] = time.perf_counter() - started
        build_id = self.content.hexdigest()
        documents = self.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        self.conn.execute("DELETE FROM build_info")
        insert_rows(self.conn, BUILD_INFO, [{"id": 1, "build_id": build_id, "tool_version": TOOL_VERSION,
                                             "document_count": documents}])
        started = time.perf_counter()
        for spec in TABLES:
            for columns in spec.indexes:
                self.db[spec.name].create_index(list(columns), if_not_exists=True)
        create_views(self.conn)
        if self.fresh:
            # Merging the index segments pays off once; an added document leaves them as they are.
            for spec in (INDICATOR_FTS, TEXT_FTS, GOAL_INDICATOR_FTS):
                optimize(self.conn, spec)
        self.conn.execute("COMMIT")
        if self.fresh:
            # Sampled statistics plan the queries as well and take a fraction of the time.
            self.conn.execute("PRAGMA analysis_limit = 1000")
            self.conn.execute("ANALYZE")
        self.conn.close()
        timings["sqlite_index"] = time.perf_counter() - started
        return build_id

    def _add_findings(self, families_before: dict[int, FamilyStats | None]) -> None:
        """Findings of the added documents, and the earlier findings their arrival changed."""
        checks = run_checks_on_added(self.conn, self.first_document, families_before)
        for rules, indicator_ids in checks.stale:
            self.conn.execute("CREATE TEMP TABLE stale (id INTEGER PRIMARY KEY)")
            self.conn.executemany("INSERT INTO stale VALUES (?)", ((i,) for i in indicator_ids))
            self.conn.execute(f"DELETE FROM anomalies WHERE rule IN ({', '.join('?' for _ in rules)}) "
                              "AND indicator_id IN (SELECT id FROM stale)", rules)
            self.conn.execute("DROP TABLE stale")
        first_id = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM anomalies").fetchone()[0]
        insert_rows(self.conn, ANOMALIES,
                    anomaly_rows([*self.budget_findings, *checks.new, *checks.refreshed], first_id=first_id))

    def abort(self) -> None:
        self.conn.close()


def _temporary_path(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.building-{os.getpid()}")


def _start_whoosh(staging: Path, texts: list, build_id: str) -> multiprocessing.process.BaseProcess:
    """Write the Whoosh index in a forked process (it shares the texts in memory without copying them)."""
    context = multiprocessing.get_context("fork")
    process = context.Process(target=whoosh_index.write_index, args=(staging, texts, build_id), daemon=True)
    process.start()
    return process


def _load_into(writer: _Writer, files: Sequence[Path], first_id: int, report: BuildReport, workers: int | None,
               progress: ProgressCallback | None) -> None:
    started = time.perf_counter()
    insert_seconds = 0.0
    for done, rows in enumerate(load_documents(files, first_id, workers=workers), start=1):
        inserting = time.perf_counter()
        writer.add(rows)
        insert_seconds += time.perf_counter() - inserting
        report.add(rows)
        if progress:
            progress(BuildProgress(done, len(files), report.indicators, report.warnings, len(report.failed)))
    report.timings["load_and_insert"] = time.perf_counter() - started
    report.timings["sqlite_insert"] = insert_seconds
    if report.documents == 0:
        raise UsageError("没有任何文档可以解析，知识库未更新 (no document could be parsed): "
                         + "; ".join(f"{p}: {e}" for p, e in report.failed))


def build_knowledge_base(paths: Sequence[str | Path], db_path: str | Path, *, workers: int | None = None,
                         progress: ProgressCallback | None = None) -> BuildReport:
    """Build the database at ``db_path`` (and its Whoosh index) from the documents under ``paths``.

    Documents that cannot be parsed are recorded (status ``failed`` and a
    parse warning) and the others are built. Raises :class:`UsageError` when
    nothing could be built; the old database is then left untouched.
    """
    started = time.perf_counter()
    db_path = Path(db_path)
    files = discover(paths)
    if not files:
        raise UsageError(f"{', '.join(map(str, paths))}: 没有找到文档（.txt/.md）(no documents found)")
    report = BuildReport(db_path=db_path)
    temporary = _temporary_path(db_path)
    temporary.unlink(missing_ok=True)
    writer = _Writer(temporary)
    directory = whoosh_index.index_dir_for(db_path)
    staging = whoosh_index.staging_dir_for(directory)
    whoosh = None
    try:
        _load_into(writer, files, 1, report, workers, progress)
        # The Whoosh index is written by a forked process while this one derives, checks and indexes.
        whoosh = _start_whoosh(staging, writer.texts.changed(), writer.build_id)
        build_id = writer.finish(report.timings)
        waiting = time.perf_counter()
        whoosh.join()
        report.timings["whoosh_wait"] = time.perf_counter() - waiting
        if whoosh.exitcode != 0:
            raise RuntimeError(f"Whoosh 索引构建失败（退出码 {whoosh.exitcode}）")
        assert build_id == writer.build_id
        whoosh_index.swap_in(staging, directory)
        os.replace(temporary, db_path)
    except BaseException:
        if whoosh is not None and whoosh.is_alive():
            whoosh.terminate()
            whoosh.join()
        writer.abort()
        temporary.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.seconds = time.perf_counter() - started
    return report


def add_to_knowledge_base(paths: Sequence[str | Path], db_path: str | Path, *, workers: int | None = None,
                          progress: ProgressCallback | None = None) -> BuildReport:
    """Add the documents under ``paths`` to the built knowledge base at ``db_path``.

    The database is copied, the documents added and what spans documents
    (series, families) derived again, then the copy replaces the original:
    as with a full build, a failure leaves the old database in place. Files
    already in the knowledge base (same SHA-256) are skipped. The Whoosh
    index takes the new indicators in; it is rebuilt if it was missing or stale.
    """
    started = time.perf_counter()
    db_path = Path(db_path)
    if not db_path.is_file():
        raise UsageError(f"{db_path}: 知识库不存在，请先运行 kb build (no knowledge base to add to)")
    known = _known_documents(db_path)
    files = [f for f in discover(paths) if hashlib.sha256(f.read_bytes()).hexdigest() not in known]
    report = BuildReport(db_path=db_path)
    if not files:
        report.seconds = time.perf_counter() - started
        return report
    temporary = _temporary_path(db_path)
    shutil.copyfile(db_path, temporary)
    report.timings["copy"] = time.perf_counter() - started
    writer = _Writer(temporary, fresh=False)
    try:
        first_id = writer.next_document_id()
        _load_into(writer, files, first_id, report, workers, progress)
        build_id = writer.finish(report.timings)
        indexing = time.perf_counter()
        directory = whoosh_index.index_dir_for(db_path)
        if not whoosh_index.add_texts(directory, writer.texts.changed(), build_id, writer.previous_build_id):
            with sqlite3.connect(temporary) as conn:
                whoosh_index.build_index(directory, whoosh_index.texts_from_database(conn), build_id,
                                         procs=workers or os.cpu_count() or 1)
        report.timings["whoosh"] = time.perf_counter() - indexing
        os.replace(temporary, db_path)
    except BaseException:
        writer.abort()
        temporary.unlink(missing_ok=True)
        raise
    report.seconds = time.perf_counter() - started
    return report


def _known_documents(db_path: Path) -> set[str]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        return {sha for (sha,) in conn.execute("SELECT sha256 FROM documents WHERE status = 'ok'")}
