"""Building the knowledge base: documents → SQLite (+ full-text indexes).

``build_knowledge_base`` parses every document in parallel (parsing,
segmenting and flattening into rows happen in the worker processes, see
:mod:`kb.db.rows`), inserts the rows in bulk, derives what spans documents
(series, families, consistency findings), and writes a new database beside
the old one. Only a complete database is moved into place, so a failed build
never leaves a broken or half-built file where the old one was. Ids are
derived from document order and sequence numbers, so rebuilding the same
documents gives the same rows with the same ids.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.process
import os
import shutil
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from indexer import whoosh_index
from indexer.texts import IndexedText
from indexer.tokenizer import index_terms
from kb import __version__
from kb.db.rows import DocumentRows, load_document
from kb.db.schema import DOCUMENTS
from kb.db.writer import Writer
from kb.errors import UsageError
from kb.read.sniff import KNOWN_UNSUPPORTED, SUFFIXES

TOOL_VERSION = __version__
# Every form kb/read reads, and the document types it recognises but cannot read (reported as failures).
DOCUMENT_SUFFIXES = frozenset(SUFFIXES) | frozenset(KNOWN_UNSUPPORTED)
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
    # Files in the folders that are not documents of any kind (data, notes): not built, but named.
    skipped: list[str] = field(default_factory=list)
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
        if self.skipped:
            names = "、".join(Path(p).name for p in self.skipped[:3]) + ("…" if len(self.skipped) > 3 else "")
            text += f"，跳过 {len(self.skipped)} 个不是文档的文件（{names}）"
        return text + f"（{self.seconds:.1f} 秒）"

    def add(self, rows: DocumentRows) -> None:
        """Count one document in."""
        if rows.error is not None:
            self.failed.append((rows.path, rows.error))
        else:
            self.documents += 1
        self.projects += rows.projects
        self.indicators += rows.indicator_count
        self.goal_indicators += rows.goal_indicators
        self.warnings += rows.warnings
        for phase, seconds in rows.seconds.items():
            self.timings[f"worker_{phase}_cpu"] = self.timings.get(f"worker_{phase}_cpu", 0.0) + seconds


def skipped_files(paths: Sequence[str | Path]) -> list[str]:
    """The files in the folders of ``paths`` that :func:`discover` leaves out (not a document type)."""
    return [
        str(p)
        for raw in paths
        if Path(raw).is_dir()
        for p in sorted(Path(raw).rglob("*"))
        if p.is_file()
        and p.suffix.lower() not in DOCUMENT_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(raw).parts)
    ]


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """The document files named by ``paths``: files as given, folders searched for every document type
    (:data:`DOCUMENT_SUFFIXES`: the readable forms, and the types reported as unreadable).

    Raises :class:`UsageError` for a path that does not exist.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix.lower() in DOCUMENT_SUFFIXES
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


def _temporary_path(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.building-{os.getpid()}")


def _start_whoosh(staging: Path, texts: list[IndexedText], build_id: str) -> multiprocessing.process.BaseProcess:
    """Write the Whoosh index in a forked process (it shares the texts in memory without copying them)."""
    context = multiprocessing.get_context("fork")
    process = context.Process(target=whoosh_index.write_index, args=(staging, texts, build_id), daemon=True)
    process.start()
    return process


def _load_into(
    writer: Writer,
    files: Sequence[Path],
    first_id: int,
    report: BuildReport,
    workers: int | None,
    progress: ProgressCallback | None,
) -> None:
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
        raise UsageError(
            "没有任何文档可以解析，知识库未更新 (no document could be parsed): "
            + "; ".join(f"{p}: {e}" for p, e in report.failed)
        )


def build_knowledge_base(
    paths: Sequence[str | Path],
    db_path: str | Path,
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> BuildReport:
    """Build the database at ``db_path`` (and its Whoosh index) from the documents under ``paths``.

    Documents that cannot be parsed are recorded (status ``failed`` and a
    parse warning) and the others are built. Raises :class:`UsageError` when
    nothing could be built; the old database is then left untouched.
    """
    started = time.perf_counter()
    db_path = Path(db_path)
    files = discover(paths)
    if not files:
        raise UsageError(
            f"{', '.join(map(str, paths))}: 没有找到文档（.txt/.md/.html/.pdf/.xlsx/.docx）(no documents found)"
        )
    report = BuildReport(db_path=db_path, skipped=skipped_files(paths))
    temporary = _temporary_path(db_path)
    temporary.unlink(missing_ok=True)
    writer = Writer(temporary)
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


def add_to_knowledge_base(
    paths: Sequence[str | Path],
    db_path: str | Path,
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> BuildReport:
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
    writer = Writer(temporary, fresh=False)
    try:
        first_id = writer.next_document_id()
        _load_into(writer, files, first_id, report, workers, progress)
        build_id = writer.finish(report.timings)
        indexing = time.perf_counter()
        directory = whoosh_index.index_dir_for(db_path)
        if not whoosh_index.add_texts(directory, writer.texts.changed(), build_id, writer.previous_build_id):
            with sqlite3.connect(temporary) as conn:
                whoosh_index.build_index(
                    directory, whoosh_index.texts_from_database(conn), build_id, procs=workers or os.cpu_count() or 1
                )
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
        d = DOCUMENTS.c
        return {sha for (sha,) in conn.execute(f"SELECT {d.sha256} FROM {DOCUMENTS.name} WHERE {d.status} = 'ok'")}
