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
import os
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from indexer import whoosh_index
from indexer.fts import GOAL_INDICATOR_FTS, INDICATOR_FTS, create_fts_table, insert_segmented, optimize
from indexer.tokenizer import index_terms
from kb.derived import write_families, write_series
from kb.errors import UsageError
from kb.rows import DocumentRows, load_document
from kb.schema import BUILD_INFO, DEPARTMENTS, DOCUMENTS, PARSE_WARNINGS, insert_rows
from kb.tables import TABLES
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
    """Inserts document rows into a fresh database, then derives and indexes."""

    def __init__(self, db_file: Path) -> None:
        self.conn = sqlite3.connect(db_file, isolation_level=None)
        # The file is private until it is swapped in; durability comes from the swap.
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA cache_size = -200000")
        self.db = sqlite_utils.Database(self.conn)
        for spec in TABLES:
            self.db[spec.name].create(
                {c.name: {"INTEGER": int, "REAL": float, "TEXT": str}[c.type] for c in spec.columns},
                pk="id",
                foreign_keys=[(column, other, "id") for column, other in spec.foreign_keys],
            )
        create_fts_table(self.conn, INDICATOR_FTS)
        create_fts_table(self.conn, GOAL_INDICATOR_FTS)
        self.conn.execute("BEGIN")
        self.departments: dict[tuple[str | None, str | None], int] = {}
        self.department_counts: dict[int, int] = {}
        self.warning_id = 0
        self.content = hashlib.sha256(f"kb {TOOL_VERSION}".encode())

    def _department(self, key: tuple[str | None, str | None]) -> int:
        dept_id = self.departments.setdefault(key, len(self.departments) + 1)
        self.department_counts[dept_id] = self.department_counts.get(dept_id, 0) + 1
        return dept_id

    def add(self, rows: DocumentRows) -> None:
        """Insert one document's rows; ids of departments and warnings are assigned here."""
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
        for name, table_rows in tables.items():
            if table_rows:
                placeholders = ", ".join("?" for _ in table_rows[0])
                self.conn.executemany(f"INSERT INTO [{name}] VALUES ({placeholders})", table_rows)
        insert_segmented(self.conn, INDICATOR_FTS, rows.indicator_fts)
        insert_segmented(self.conn, GOAL_INDICATOR_FTS, rows.goal_fts)
        self.content.update(rows.digest.encode())

    def finish(self, documents: int, timings: dict[str, float]) -> str:
        """Write what spans documents, index, commit; returns the build id."""
        started = time.perf_counter()
        insert_rows(self.conn, DEPARTMENTS, (
            {"id": dept_id, "code": code, "name": name, "document_count": self.department_counts[dept_id]}
            for (code, name), dept_id in self.departments.items()
        ))
        write_series(self.conn)
        write_families(self.conn)
        timings["derive"] = time.perf_counter() - started
        build_id = self.content.hexdigest()
        insert_rows(self.conn, BUILD_INFO, [{"id": 1, "build_id": build_id, "tool_version": TOOL_VERSION,
                                             "document_count": documents}])
        started = time.perf_counter()
        for spec in TABLES:
            for columns in spec.indexes:
                self.db[spec.name].create_index(list(columns), if_not_exists=True)
        create_views(self.conn)
        optimize(self.conn, INDICATOR_FTS)
        optimize(self.conn, GOAL_INDICATOR_FTS)
        self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")
        self.conn.close()
        timings["sqlite_index"] = time.perf_counter() - started
        return build_id

    def abort(self) -> None:
        self.conn.close()


def _temporary_path(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.building-{os.getpid()}")


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
    try:
        insert_seconds = 0.0
        for done, rows in enumerate(load_documents(files, workers=workers), start=1):
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
        build_id = writer.finish(len(files), report.timings)
        indexing = time.perf_counter()
        with sqlite3.connect(temporary) as conn:
            whoosh_index.build_index(whoosh_index.index_dir_for(db_path), whoosh_index.groups_from_database(conn),
                                     build_id)
        report.timings["whoosh"] = time.perf_counter() - indexing
        os.replace(temporary, db_path)
    except BaseException:
        writer.abort()
        temporary.unlink(missing_ok=True)
        raise
    report.seconds = time.perf_counter() - started
    return report
