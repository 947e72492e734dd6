"""Building the knowledge base: documents → SQLite (+ full-text indexes).

``build_knowledge_base`` parses every document (in parallel when there are
several), segments each searchable text once, and writes a new database
beside the old one. Only a complete database is moved into place, so a
failed build never leaves a broken or half-built file where the old one was.
Ids are derived from document order and sequence numbers, so rebuilding the
same documents gives the same rows with the same ids.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from indexer import whoosh_index
from indexer.fts import GOAL_INDICATOR_FTS, INDICATOR_FTS, create_fts_table, insert_segmented, optimize, segmented_row
from indexer.tokenizer import index_terms
from kb.errors import DocumentError, UsageError
from kb.models import Document
from kb.derived import write_families, write_series
from kb.schema import (
    BUILD_INFO, DEPARTMENTS, DEPT_GOALS, DOCUMENTS, GOAL_INDICATORS, INDICATORS, PARSE_WARNINGS, PROJECTS, TABLES,
    UNITS, flatten, insert_rows,
)
from kb.series import series_key
from kb.views import create_views

TOOL_VERSION = "0.1.0"
DOCUMENT_SUFFIXES = frozenset({".txt", ".md", ".text"})
# Ids nest: project = document × 10000 + seq, indicator = project × 1000 + position.
PROJECTS_PER_DOCUMENT = 10_000
ROWS_PER_TABLE = 1_000

ProgressCallback = Callable[["BuildProgress"], None]


@dataclass
class ParsedFile:
    """What a worker returns for one file: the model, or why there is none, and its segmented texts."""

    path: str
    document: Document | None = None
    error: str | None = None
    error_line: int | None = None
    indicator_texts: list[tuple[str, ...]] = field(default_factory=list)
    goal_indicator_texts: list[tuple[str, ...]] = field(default_factory=list)


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
    """What a build did."""

    db_path: Path
    documents: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    projects: int = 0
    indicators: int = 0
    goal_indicators: int = 0
    warnings: int = 0
    seconds: float = 0.0

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


def indicator_search_texts(project_name: str, level3: str, description: str, target_raw: str,
                           basis: str) -> tuple[str, ...]:
    """The texts of one indicator in :data:`INDICATOR_FTS` column order."""
    return (level3, description, target_raw, basis, project_name)


def parse_file(path: str) -> ParsedFile:
    """Parse one file and segment its searchable texts; never raises for bad input."""
    from kb.parser import parse_document

    try:
        document = parse_document(path)
    except DocumentError as exc:
        return ParsedFile(path=path, error=exc.message, error_line=exc.line)
    indicator_texts = [
        segmented_row(indicator_search_texts(p.name, i.level3, i.description, i.target.raw, i.basis))
        for p in document.projects for i in p.indicators
    ]
    goal_texts = [
        segmented_row((i.name, i.target.raw, g.goal))
        for g in document.dept_goals for i in g.indicators
    ]
    return ParsedFile(path=path, document=document, indicator_texts=indicator_texts, goal_indicator_texts=goal_texts)


def parse_files(paths: Sequence[Path], workers: int | None = None) -> Iterator[ParsedFile]:
    """Parsed files in the order given, using a process pool when it pays."""
    names = [str(p) for p in paths]
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(names) <= 1:
        yield from map(parse_file, names)
        return
    index_terms("预热")  # load the dictionary once; forked workers share it
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(parse_file, names, chunksize=max(1, min(16, len(names) // (workers * 4))))


def document_title(document: Document) -> str:
    """A short name for a document: department and budget year."""
    name = document.dept_name or Path(document.source_path).stem
    return f"{name} {document.budget_year}年" if document.budget_year else name


def _create_tables(db: sqlite_utils.Database) -> None:
    for spec in TABLES:
        db[spec.name].create(
            {c.name: {"INTEGER": int, "REAL": float, "TEXT": str}[c.type] for c in spec.columns},
            pk="id",
            foreign_keys=[(column, other, "id") for column, other in spec.foreign_keys],
        )


class _Writer:
    """Writes parsed files into a fresh database, one document at a time."""

    def __init__(self, db_file: Path) -> None:
        self.conn = sqlite3.connect(db_file, isolation_level=None)
        # The file is private until it is swapped in; durability comes from the swap.
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.db = sqlite_utils.Database(self.conn)
        _create_tables(self.db)
        create_fts_table(self.conn, INDICATOR_FTS)
        create_fts_table(self.conn, GOAL_INDICATOR_FTS)
        self.conn.execute("BEGIN")
        self.departments: dict[tuple[str | None, str | None], int] = {}
        self.department_counts: dict[int, int] = {}
        self.content = hashlib.sha256(f"kb {TOOL_VERSION}".encode())
        self.warning_id = 0

    def _department(self, document: Document) -> int:
        key = (document.dept_code, document.dept_name)
        if key not in self.departments:
            self.departments[key] = len(self.departments) + 1
        dept_id = self.departments[key]
        self.department_counts[dept_id] = self.department_counts.get(dept_id, 0) + 1
        return dept_id

    def _warnings(self, doc_id: int, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.warning_id += 1
            row.update(id=self.warning_id, document_id=doc_id)
        insert_rows(self.conn, PARSE_WARNINGS, rows)

    def add_failed(self, doc_id: int, parsed: ParsedFile) -> None:
        insert_rows(self.conn, DOCUMENTS, [{"id": doc_id, "source_path": parsed.path, "status": "failed",
                                         "title": Path(parsed.path).name,
                                         "error": parsed.error, "sha256": "", "encoding": ""}])
        self._warnings(doc_id, [{"file": parsed.path, "line": parsed.error_line, "code": "unreadable_document",
                                 "message": parsed.error}])

    def add(self, doc_id: int, parsed: ParsedFile) -> None:
        document = parsed.document
        assert document is not None
        if len(document.projects) >= PROJECTS_PER_DOCUMENT:
            raise DocumentError(parsed.path, f"项目数超过 {PROJECTS_PER_DOCUMENT - 1}")
        indicator_count = sum(len(p.indicators) for p in document.projects)
        goal_indicator_count = sum(len(g.indicators) for g in document.dept_goals)
        insert_rows(self.conn, DOCUMENTS, [{
            **flatten(document), "id": doc_id, "department_id": self._department(document), "status": "ok",
            "title": document_title(document),
            "project_count": len(document.projects), "indicator_count": indicator_count,
            "goal_indicator_count": goal_indicator_count, "warning_count": len(document.warnings),
        }])
        insert_rows(self.conn, UNITS, ({**flatten(u), "id": doc_id * ROWS_PER_TABLE + u.seq, "document_id": doc_id}
                                   for u in document.units))
        project_rows, indicator_rows, fts_rows = [], [], []
        texts = iter(parsed.indicator_texts)
        for project in document.projects:
            project_id = doc_id * PROJECTS_PER_DOCUMENT + project.seq
            project_rows.append({**flatten(project), "id": project_id, "document_id": doc_id,
                                 "indicator_count": len(project.indicators), "series_key": series_key(project.name)})
            for indicator in project.indicators:
                indicator_id = project_id * ROWS_PER_TABLE + indicator.position
                indicator_rows.append({**flatten(indicator), "id": indicator_id, "project_id": project_id,
                                       "document_id": doc_id, "project_year": project.year})
                segmented = next(texts)
                fts_rows.append((indicator_id, segmented))
                self.content.update(repr((indicator_id, indicator.level2, project.year, segmented)).encode())
        insert_rows(self.conn, PROJECTS, project_rows)
        insert_rows(self.conn, INDICATORS, indicator_rows)
        insert_segmented(self.conn, INDICATOR_FTS, fts_rows)

        goal_rows, goal_indicator_rows, goal_fts_rows = [], [], []
        goal_texts = iter(parsed.goal_indicator_texts)
        for goal in document.dept_goals:
            goal_id = doc_id * ROWS_PER_TABLE + goal.seq
            goal_rows.append({**flatten(goal), "id": goal_id, "document_id": doc_id,
                              "indicator_count": len(goal.indicators)})
            for indicator in goal.indicators:
                row_id = goal_id * ROWS_PER_TABLE + indicator.position
                goal_indicator_rows.append({**flatten(indicator), "id": row_id, "dept_goal_id": goal_id,
                                            "document_id": doc_id})
                goal_fts_rows.append((row_id, next(goal_texts)))
        insert_rows(self.conn, DEPT_GOALS, goal_rows)
        insert_rows(self.conn, GOAL_INDICATORS, goal_indicator_rows)
        insert_segmented(self.conn, GOAL_INDICATOR_FTS, goal_fts_rows)
        self._warnings(doc_id, [w.model_dump() for w in document.warnings])

    def _finish_departments(self) -> None:
        insert_rows(self.conn, DEPARTMENTS, (
            {"id": dept_id, "code": code, "name": name, "document_count": self.department_counts[dept_id]}
            for (code, name), dept_id in self.departments.items()
        ))

    def finish(self, documents: int) -> str:
        """Write what spans documents, index, commit; returns the build id."""
        self._finish_departments()
        write_series(self.conn)
        write_families(self.conn)
        build_id = self.content.hexdigest()
        insert_rows(self.conn, BUILD_INFO, [{"id": 1, "build_id": build_id, "tool_version": TOOL_VERSION,
                                             "document_count": documents}])
        for spec in TABLES:
            for columns in spec.indexes:
                self.db[spec.name].create_index(list(columns), if_not_exists=True)
        create_views(self.conn)
        optimize(self.conn, INDICATOR_FTS)
        optimize(self.conn, GOAL_INDICATOR_FTS)
        self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")
        self.conn.close()
        return build_id

    def abort(self) -> None:
        self.conn.close()


def _temporary_path(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.building-{os.getpid()}")


def build_knowledge_base(paths: Sequence[str | Path], db_path: str | Path, *, workers: int | None = None,
                         progress: ProgressCallback | None = None) -> BuildReport:
    """Build the database at ``db_path`` from the documents under ``paths``.

    Documents that cannot be parsed are recorded (status ``failed`` and a
    parse warning) and the others are built. Raises :class:`UsageError` when
    nothing could be built; the old database is then left untouched.
    """
    started = time.monotonic()
    db_path = Path(db_path)
    files = discover(paths)
    if not files:
        raise UsageError(f"{', '.join(map(str, paths))}: 没有找到文档（.txt/.md）(no documents found)")
    report = BuildReport(db_path=db_path)
    temporary = _temporary_path(db_path)
    temporary.unlink(missing_ok=True)
    writer = _Writer(temporary)
    try:
        for doc_id, parsed in enumerate(parse_files(files, workers), start=1):
            if parsed.document is None:
                writer.add_failed(doc_id, parsed)
                report.failed.append((parsed.path, parsed.error or ""))
            else:
                writer.add(doc_id, parsed)
                report.documents += 1
                report.projects += len(parsed.document.projects)
                report.indicators += len(parsed.indicator_texts)
                report.goal_indicators += len(parsed.goal_indicator_texts)
                report.warnings += len(parsed.document.warnings)
            if progress:
                progress(BuildProgress(doc_id, len(files), report.indicators, report.warnings, len(report.failed)))
        if report.documents == 0:
            raise UsageError("没有任何文档可以解析，知识库未更新 (no document could be parsed): "
                             + "; ".join(f"{p}: {e}" for p, e in report.failed))
        build_id = writer.finish(report.documents + len(report.failed))
        with sqlite3.connect(temporary) as conn:
            whoosh_index.build_index(whoosh_index.index_dir_for(db_path), whoosh_index.rows_from_database(conn),
                                     build_id)
        os.replace(temporary, db_path)
    except BaseException:
        writer.abort()
        temporary.unlink(missing_ok=True)
        raise
    report.seconds = time.monotonic() - started
    return report
