"""Building the knowledge base: documents → SQLite (+ full-text indexes).

A full build (:func:`run_build`) runs in stages, each a function of its own:

1. **discover** (:func:`discover_documents`) the document files under the paths given, and
   **read** (:func:`read_sources`) their bytes' hashes: the same content under two names is built once;
2. the **partitioned stages** of :mod:`kb.db.stages`, in the order :func:`kb.db.pipeline.run_pipeline`
   gives, on forked local workers (:class:`kb.db.pipeline.LocalExecutor`, the default) or on Dask
   (:class:`kb.cluster.DaskExecutor`): per-document rows, the corpus-wide aggregates and their merge,
   ids, family counts, finished rows and findings;
3. **load** (:class:`kb.db.loader.Loader`): the one process that inserts the finished rows, in batch order,
   while the Whoosh index is written — by a forked process (:func:`_start_whoosh`), or on a cluster by the
   workers, a segment each, joined here (:func:`_join_whoosh`) — during the load when the workers leave a
   core free, else from when they finish their last batches;
4. **swap** (:func:`_swap_in`): the new database and index replace the old ones.

``kb build --add`` (:func:`add_to_knowledge_base`) instead parses the new documents in a process pool
(:func:`load_documents`) and appends them through :class:`kb.db.writer.Writer`, which derives the
cross-document tables and runs the checks again.

Everything is written beside the old files and only complete files are moved
into place, so a failed, killed or interrupted build leaves the old knowledge
base as it was. A build holds a lock on the database (:mod:`kb.db.lock`),
removes what dead builds left behind (:mod:`kb.db.files`), turns disk-full and
permission failures into one message naming the file, and its child
processes die with it (:mod:`kb.db.processes`). Ids follow document order, so
rebuilding the same documents gives the same rows with the same ids.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import multiprocessing.connection
import multiprocessing.process
import os
import resource
import shutil
import signal
import sqlite3
import sys
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from indexer import whoosh_index
from indexer.texts import IndexedText
from indexer.tokenizer import index_terms
from kb import __version__
from kb.db.files import (
    check_writable_folder,
    describe_os_error,
    remove_quietly,
    remove_stale_temporaries,
    storage_error,
    storage_errors,
    temporary_db_path,
)
from kb.db.loader import Loader
from kb.db.lock import BuildLock
from kb.db.pipeline import Executor, LocalExecutor, corpus_tables, run_pipeline
from kb.db.processes import forking, init_child, interruptible
from kb.db.rows import DocumentRows, failed_document, load_document
from kb.db.schema import DOCUMENTS
from kb.db.stages import Aggregate, BatchSummary, DocumentJob, LoadBatch, Numbering, Plan, is_url, with_duplicates
from kb.db.validate import NOT_OVERWRITTEN, check_database, check_replaceable
from kb.db.writer import Writer
from kb.errors import BuildFailedError, DatabaseFileError, DocumentError, UsageError
from kb.read.sniff import KNOWN_UNSUPPORTED, SUFFIXES

TOOL_VERSION = __version__
# Every form kb/read reads, and the document types it recognises but cannot read (reported as failures).
DOCUMENT_SUFFIXES = frozenset(SUFFIXES) | frozenset(KNOWN_UNSUPPORTED)
# Parsed documents waiting for the writer, per worker: enough to keep workers busy, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 4
# What a failed build means for the user's files, said after the failure.
KEPT = "构建未完成，原知识库保持不变 (the build did not finish; the old knowledge base is unchanged)"

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
    """What a build did and where its time went.

    ``failed`` are documents that could not be parsed or read (recorded in the
    database); ``unreadable`` folders whose documents could not even be listed;
    ``duplicates`` files built once under another name (duplicate, kept);
    ``known`` files ``--add`` skipped because the knowledge base holds them;
    ``removed`` temporaries of dead builds this build deleted; ``notes`` what
    else the user should know (an index rebuilt, and why).
    """

    db_path: Path
    documents: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
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
        if self.duplicates:
            text += f"，内容重复 {len(self.duplicates)} 份（只构建一次）"
        if self.unreadable:
            text += f"，无法读取的文件夹 {len(self.unreadable)} 个"
        if self.skipped:
            names = "、".join(Path(p).name for p in self.skipped[:3]) + ("…" if len(self.skipped) > 3 else "")
            text += f"，跳过 {len(self.skipped)} 个不是文档的文件（{names}）"
        return text + f"（{self.seconds:.1f} 秒）"

    @property
    def problems(self) -> bool:
        """Whether something went wrong that the exit status should say (exit 1)."""
        return bool(self.failed or self.unreadable)

    def count(self, summary: BatchSummary) -> None:
        """Count a batch of documents in (their parse times are added up by the pipeline)."""
        for document in summary.documents:
            if document.error is not None:
                self.failed.append((document.path, document.error))
            else:
                self.documents += 1
            self.projects += document.projects
            self.indicators += document.indicators
            self.goal_indicators += document.goal_indicators
            self.warnings += document.warnings

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


# ---------------------------------------------------------------- stage 1: discover and read


@dataclass
class Discovery:
    """The document files under the paths of a build, and the folders that could not be listed."""

    files: list[Path]
    unreadable: list[tuple[Path, str]] = field(default_factory=list)
    # Files in the folders that are no document type (data, notes): not built, named in the summary.
    skipped: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """One document to build: its file, the hash of its bytes, and the files holding the same bytes.

    ``error`` says why the file cannot be read (it is then recorded as a failed document).
    """

    path: Path | str
    sha256: str = ""
    error: str | None = None
    duplicates: tuple[str, ...] = ()


def _is_document(path: Path) -> bool:
    return path.suffix.lower() in DOCUMENT_SUFFIXES and path.is_file()


def _walk(
    folder: Path, found: list[Path], unreadable: list[tuple[Path, str]], skipped: list[Path] | None = None
) -> None:
    """Document files under ``folder``, hidden files and folders left out; folders that cannot be listed noted,
    files of no document type collected in ``skipped``."""

    def note(exc: OSError) -> None:
        unreadable.append((Path(exc.filename or folder), describe_os_error(exc)))

    for root, folders, names in os.walk(folder, onerror=note):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        found.extend(Path(root) / name for name in sorted(names) if not name.startswith("."))
    if skipped is not None:
        skipped.extend(path for path in found if not _is_document(path) and path.is_file())
    found[:] = [path for path in found if _is_document(path)]


def discover_documents(paths: Sequence[str | Path]) -> Discovery:
    """The document files named by ``paths``: files as given, folders searched for every document type
    (:data:`DOCUMENT_SUFFIXES`: the forms kb/read reads, and the types reported as unsupported).

    Raises :class:`UsageError` for a path that does not exist. A file that
    cannot even be looked at (inside a folder without permission) is kept:
    reading it fails and it is recorded as a failed document.
    """
    found: list[Path] = []
    unreadable: list[tuple[Path, str]] = []
    skipped: list[Path] = []
    for raw in paths:
        path = Path(raw)
        try:
            is_dir = path.is_dir()
            exists = is_dir or path.exists()
        except OSError:
            # stat itself refused (a folder on the way without permission): reading will say so.
            found.append(path)
            continue
        if is_dir:
            in_folder: list[Path] = []
            _walk(path, in_folder, unreadable, skipped)
            found.extend(in_folder)
        elif exists:
            found.append(path)
        else:
            raise UsageError(f"{path}: 文件或目录不存在 (no such file or directory)")
    # The same file named twice (data/ and data/x.txt) is built once; paths stay as given.
    unique: dict[Path, Path] = {}
    for path in reversed(found):
        try:
            unique[path.resolve()] = path
        except OSError:
            unique[path.absolute()] = path
    return Discovery(sorted(unique.values(), key=str), unreadable, skipped)


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """The document files named by ``paths`` (see :func:`discover_documents`)."""
    return discover_documents(paths).files


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _digest(path: Path | str) -> str:
    if isinstance(path, str) and is_url(path):
        from kb.db.remote import url_digest

        return url_digest(path)
    return _sha256(Path(path))


def read_sources(files: Sequence[Path | str], known: Iterable[str] = ()) -> tuple[list[Source], list[Path | str]]:
    """The documents to build from ``files`` (in order), and the files skipped because ``known`` holds their hash.

    A file with the same bytes as an earlier one is not built again: it is
    listed in the earlier one's ``duplicates``. A file that cannot be read is
    a source with an ``error``.
    """
    known = set(known)
    sources: list[Source] = []
    first_of: dict[str, int] = {}
    duplicates: dict[int, list[str]] = {}
    skipped: list[Path | str] = []
    for path in files:
        try:
            digest = _digest(path)
        except OSError as exc:
            sources.append(Source(path, error=f"无法读取：{describe_os_error(exc)}"))
            continue
        if digest in known:
            skipped.append(path)
        elif digest in first_of:
            duplicates.setdefault(first_of[digest], []).append(str(path))
        else:
            first_of[digest] = len(sources)
            sources.append(Source(path, digest))
    return [
        Source(s.path, s.sha256, s.error, tuple(duplicates.get(i, ()))) if i in duplicates else s
        for i, s in enumerate(sources)
    ], skipped


# ---------------------------------------------------------------- stage 2: per-document rows


def source_rows(doc_id: int, source: Source) -> DocumentRows:
    """Every row one document contributes (as :func:`kb.db.rows.load_document`); never raises for bad input."""
    if source.error is not None:
        rows = failed_document(doc_id, str(source.path), DocumentError(source.path, source.error))
    else:
        rows = load_document(doc_id, str(source.path))
    return with_duplicates(rows, source.duplicates)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now, whatever they are doing (the build is failing or interrupted)."""
    # ProcessPoolExecutor has no public way to stop busy workers before Python 3.14 (terminate_workers).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)


def load_documents(
    sources: Sequence[Source], first_id: int = 1, workers: int | None = None
) -> Generator[DocumentRows, None, None]:
    """Rows of each document in order (ids from ``first_id``), from a process pool when it pays.

    At most ``IN_FLIGHT_PER_WORKER`` documents per worker wait for the
    writer, so memory stays flat however many documents there are. Workers
    die with the build process; if the build fails or is interrupted (or this
    generator is closed early), they are stopped at once.
    """
    jobs = [(first_id + i, source) for i, source in enumerate(sources)]
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        for doc_id, source in jobs:
            yield source_rows(doc_id, source)
        return
    index_terms("预热")  # load the dictionary once; forked workers share it
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=init_child,
        initargs=(os.getpid(),),
    )
    try:
        pending: deque[tuple[Source, Future[DocumentRows]]] = deque()
        queue = iter(jobs)
        with forking():  # the first submit forks every worker
            for doc_id, source in queue:
                pending.append((source, pool.submit(source_rows, doc_id, source)))
                if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                    break
        while pending:
            source, future = pending.popleft()
            try:
                rows = future.result()
            except BrokenProcessPool:
                raise BuildFailedError(
                    f"{source.path}: 解析进程意外终止（可能因内存不足被系统终止）"
                    f"(a parser process died, perhaps killed for lack of memory)；{KEPT}"
                ) from None
            yield rows
            for doc_id, next_source in queue:
                pending.append((next_source, pool.submit(source_rows, doc_id, next_source)))
                break
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


# ---------------------------------------------------------------- stage 3: the writer


def _load_into(
    writer: Writer,
    sources: Sequence[Source],
    first_id: int,
    report: BuildReport,
    workers: int | None,
    progress: ProgressCallback | None,
) -> None:
    started = time.perf_counter()
    insert_seconds = 0.0
    # closing(): if inserting fails, the workers are stopped now, not when the traceback is freed.
    with closing(load_documents(sources, first_id, workers=workers)) as documents:
        for done, rows in enumerate(documents, start=1):
            inserting = time.perf_counter()
            writer.add(rows)
            insert_seconds += time.perf_counter() - inserting
            report.add(rows)
            if progress:
                progress(BuildProgress(done, len(sources), report.indicators, report.warnings, len(report.failed)))
    report.timings["load_and_insert"] = time.perf_counter() - started
    report.timings["sqlite_insert"] = insert_seconds
    if report.documents == 0:
        raise UsageError(
            "没有任何文档可以解析，知识库未更新 (no document could be parsed): "
            + "; ".join(f"{p}: {e}" for p, e in [*report.failed, *report.unreadable])
        )


# ---------------------------------------------------------------- stage 4: the Whoosh index, in a forked process


@dataclass
class _WhooshChild:
    process: multiprocessing.process.BaseProcess
    errors: multiprocessing.connection.Connection

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.errors.close()


def _write_whoosh(
    errors: multiprocessing.connection.Connection,
    parent: int,
    staging: Path,
    texts: Callable[[], Iterable[IndexedText]],
    build_id: str,
) -> None:
    """The Whoosh process: write the index; a file-system failure is sent back as (errno, strerror, filename)."""
    init_child(parent)
    try:
        whoosh_index.write_index(staging, texts(), build_id)
    except OSError as exc:
        errors.send((exc.errno, exc.strerror, os.fsdecode(exc.filename) if exc.filename else None))
        sys.exit(1)
    except MemoryError:
        errors.send((None, "内存不足 (out of memory)", None))
        sys.exit(1)


def _start_whoosh(staging: Path, texts: Callable[[], Iterable[IndexedText]], build_id: str) -> _WhooshChild:
    """Write the Whoosh index in a forked process (it shares the texts in memory without copying them)."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_write_whoosh, args=(send, os.getpid(), staging, texts, build_id), daemon=True)
    with forking():
        process.start()
    send.close()
    return _WhooshChild(process, receive)


def _wait_for_whoosh(child: _WhooshChild, db_path: Path, report: BuildReport) -> None:
    """Wait for the Whoosh process; raise the error it met, or say it was killed."""
    waiting = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child.process.join()
    report.timings["whoosh_wait"] = time.perf_counter() - waiting
    # The workers are reaped later, when the executor closes: what the join adds is the Whoosh process's CPU.
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report.timings["whoosh_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    code = child.process.exitcode
    if code == 0:
        child.errors.close()
        return
    directory = whoosh_index.index_dir_for(db_path)
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        raise BuildFailedError(
            f"{directory}: Whoosh 索引进程被信号 {name} 终止（可能因内存不足被系统终止）"
            f"(the Whoosh indexing process was killed by {name})；{KEPT}"
        )
    try:
        failure = child.errors.recv() if child.errors.poll() else None
    except EOFError:  # the process died of something else (a bug: it printed its traceback)
        failure = None
    child.errors.close()
    if failure is None:
        raise RuntimeError(f"Whoosh 索引构建失败（退出码 {code}）")
    number, text, filename = failure
    raise storage_error(OSError(number, text, filename or str(directory)), db_path, KEPT)


def _join_whoosh(staging: Path, segments: Iterator[whoosh_index.Segments], build_id: str, report: BuildReport) -> None:
    """Wait for the segments the workers wrote and join them into the index in ``staging``."""
    waiting = time.perf_counter()
    parts = list(segments)
    report.timings["whoosh_wait"] = time.perf_counter() - waiting
    report.timings["whoosh_cpu"] = sum(part.seconds for part in parts)
    joining = time.perf_counter()
    whoosh_index.join_segments(staging, parts, build_id)
    report.timings["whoosh_join"] = time.perf_counter() - joining


# ---------------------------------------------------------------- stage 5: swap


def _swap_in(temporary: Path, db_path: Path, staging: Path | None) -> None:
    """Move the new index (when one was written) and then the new database into place."""
    if staging is not None:
        whoosh_index.swap_in(staging, whoosh_index.index_dir_for(db_path))
    os.replace(temporary, db_path)


# ---------------------------------------------------------------- the whole build


@contextmanager
def _building(db_path: Path, report: BuildReport) -> Iterator[None]:
    """Hold the build lock (SIGTERM handled as Ctrl-C) and remove what dead builds left behind."""
    check_writable_folder(db_path)
    lock = BuildLock(db_path)
    with interruptible():
        with storage_errors(db_path):
            lock.acquire()
        try:
            removed = remove_stale_temporaries(db_path, whoosh_index.index_dir_for(db_path))
            report.removed = [str(path) for path in removed]
            yield
        finally:
            lock.release()


def _no_documents(paths: Sequence[str | Path], found: Discovery) -> UsageError:
    text = f"{', '.join(map(str, paths))}: 没有找到文档（.txt/.md/.html/.pdf/.xlsx/.docx）(no documents found)"
    if found.unreadable:
        text += "；无法读取：" + "; ".join(f"{path}: {error}" for path, error in found.unreadable)
    return UsageError(text)


def _jobs(sources: Sequence[Source]) -> list[DocumentJob]:
    return [
        DocumentJob(n, str(source.path), source.error, source.duplicates) for n, source in enumerate(sources, start=1)
    ]


def _nothing_parsed(report: BuildReport) -> UsageError:
    return UsageError(
        "没有任何文档可以解析，知识库未更新 (no document could be parsed): "
        + "; ".join(f"{p}: {e}" for p, e in [*report.failed, *report.unreadable])
    )


def run_build(
    executor: Executor,
    jobs: Sequence[DocumentJob],
    db_path: Path,
    report: BuildReport,
    progress: ProgressCallback | None = None,
) -> None:
    """Build the documents ``jobs`` with ``executor`` into a new database and index, and swap them in.

    The caller holds the build lock (:func:`_building`); on any failure or
    interruption the workers are stopped and every temporary removed.
    """
    temporary = temporary_db_path(db_path)
    staging = whoosh_index.staging_dir_for(whoosh_index.index_dir_for(db_path))
    loader: Loader | None = None
    whoosh: _WhooshChild | None = None
    done = 0

    def on_batch(summary: BatchSummary) -> None:
        nonlocal done
        report.count(summary)
        done += len(summary.documents)
        if progress:
            progress(BuildProgress(done, len(jobs), report.indicators, report.warnings, len(report.failed)))

    def parsed() -> None:
        if report.documents == 0:
            raise _nothing_parsed(report)

    def load_into(
        batches: Iterator[LoadBatch], numbering: Numbering, total: Aggregate, plan: Plan, families: list
    ) -> None:
        nonlocal whoosh
        assert loader is not None
        records, fts, indexed, series = corpus_tables(total, plan)
        segments: Iterator[whoosh_index.Segments] | None = None

        def start_whoosh() -> None:
            # A cluster's workers write the Whoosh index in segments; otherwise a forked process writes it whole.
            nonlocal whoosh, segments
            if whoosh is not None or segments is not None:
                return
            segments = executor.whoosh_segments(indexed)
            if segments is None:
                whoosh = _start_whoosh(staging, lambda: indexed, numbering.build_id)

        # The index is written beside this process's SQLite work: from the start of the load when a core is free
        # of workers, else once the workers are finishing their last batches (it then runs while this process
        # loads those and builds the secondary indexes, when the workers would otherwise be idle).
        whoosh_from = 0 if executor.spare_core else len(numbering.batches) - executor.finalize_ahead
        for n, batch in enumerate(batches):
            if n >= whoosh_from:
                start_whoosh()
            loader.load(batch)
            for name, seconds in batch.seconds.items():
                key = f"worker_{name}"
                report.timings[key] = report.timings.get(key, 0.0) + seconds
        start_whoosh()
        report.timings["sqlite_insert"] = loader.seconds
        report.timings["sqlite_insert_cpu"] = loader.cpu_seconds
        loader.finish(numbering, (records, fts), series, families, report.timings)
        if executor.parquet is not None:
            from kb.db.parquet import write_client_tables

            writing = time.perf_counter()
            write_client_tables(executor.parquet, str(temporary))
            report.timings["parquet_client"] = time.perf_counter() - writing
        if whoosh is not None:
            _wait_for_whoosh(whoosh, db_path, report)
        elif segments is not None:
            _join_whoosh(staging, segments, numbering.build_id, report)

    try:
        with storage_errors(db_path, KEPT):
            remove_quietly(temporary)
            loader = Loader(temporary)
            run_pipeline(executor, jobs, load_into, report.timings, on_batch, parsed)
            _swap_in(temporary, db_path, staging)
    except BaseException:
        executor.close(now=True)
        if whoosh is not None:
            whoosh.stop()
        if loader is not None:
            loader.abort()
        remove_quietly(temporary)
        remove_quietly(staging)
        raise
    executor.close()


def build_knowledge_base(
    paths: Sequence[str | Path],
    db_path: str | Path,
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    cluster: str | None = None,
    announce: Callable[[str], None] | None = None,
    parquet: str | None = None,
) -> BuildReport:
    """Build the database at ``db_path`` (and its Whoosh index) from the documents under ``paths``.

    The stages run in forked processes on this machine, or with ``cluster``
    (``tcp://host:8786``, or ``local[:N]``) as Dask tasks (:mod:`kb.cluster`):
    the same code either way, the same rows. Documents that cannot be parsed
    are recorded (status ``failed`` and a parse warning) and the others are
    built. A file at ``db_path`` that is no knowledge base is refused, not
    replaced (:func:`~kb.db.validate.check_replaceable`).
    Raises a :class:`~kb.errors.KbError` when nothing could be built,
    the disk is full, the folder cannot be written, another build holds the
    database, a build process died or the cluster cannot be reached; the old
    database is then left untouched.
    """
    started = time.perf_counter()
    db_path = Path(db_path)
    check_replaceable(db_path)
    index_dir = whoosh_index.index_dir_for(db_path)
    if (foreign := whoosh_index.foreign_folder(index_dir)) is not None:
        raise DatabaseFileError(index_dir, f"{foreign}：{NOT_OVERWRITTEN}")
    urls = [str(p) for p in paths if isinstance(p, str) and is_url(p)]
    found = discover_documents([p for p in paths if not (isinstance(p, str) and is_url(p))])
    files: list[Path | str] = list(found.files)
    if urls:
        from kb.db.remote import discover_url

        files.extend(document for url in urls for document in discover_url(url))
    if not files:
        raise _no_documents(paths, found)
    report = BuildReport(
        db_path=db_path,
        unreadable=[(str(p), e) for p, e in found.unreadable],
        skipped=[str(p) for p in found.skipped],
    )
    with _building(db_path, report):
        sources, _ = read_sources(files)
        report.duplicates = [(d, str(s.path)) for s in sources for d in s.duplicates]
        jobs = _jobs(sources)
        executor: Executor
        if cluster is None:
            executor = LocalExecutor(workers or os.cpu_count() or 1, len(jobs), KEPT)
        else:
            from kb.cluster import DaskExecutor

            executor = DaskExecutor.connect(cluster, KEPT, workers=workers, announce=announce)
            executor.plan_batches(len(jobs))
        if parquet is not None:
            from kb.db.parquet import check_target

            check_target(parquet)
            executor.parquet = parquet
        try:
            run_build(executor, jobs, db_path, report, progress)
        except BaseException:
            if parquet is not None:
                _remove_dataset(parquet)
            raise
    report.seconds = time.perf_counter() - started
    return report


def _remove_dataset(root: str) -> None:
    """Remove the (new) Parquet dataset of a build that failed; what cannot be removed is left."""
    import fsspec

    fs, base = fsspec.core.url_to_fs(root)
    with contextlib.suppress(OSError, FileNotFoundError):
        fs.rm(base, recursive=True)


def _update_whoosh(db_path: Path, temporary: Path, writer: Writer, build_id: str, report: BuildReport) -> Path | None:
    """Put the added texts into the Whoosh index; if it is missing, stale or damaged, write a new one.

    Returns the folder holding a new index to swap in, or None when the index was updated in place.
    """
    directory = whoosh_index.index_dir_for(db_path)
    problem = whoosh_index.index_problem(directory)
    changed = writer.texts.changed()
    if problem is None and whoosh_index.add_texts(directory, changed, build_id, writer.previous_build_id):
        return None
    reason = problem or "已过期（与数据库的构建标识不一致）"
    report.notes.append(f"{directory}: Whoosh 索引{reason}，已从数据库重建 (the Whoosh index was rebuilt)")
    staging = whoosh_index.staging_dir_for(directory)

    def texts() -> list[IndexedText]:
        with closing(sqlite3.connect(temporary)) as conn:
            return whoosh_index.texts_from_database(conn)

    child = _start_whoosh(staging, texts, build_id)
    try:
        _wait_for_whoosh(child, db_path, report)
    except BaseException:
        child.stop()
        raise
    return staging


def add_to_knowledge_base(
    paths: Sequence[str | Path],
    db_path: str | Path,
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> BuildReport:
    """Add the documents under ``paths`` to the built knowledge base at ``db_path``.

    The database is checked (a corrupt or foreign file is refused) and copied,
    the documents added and what spans documents (series, families) derived
    again, then the copy replaces the original: as with a full build, a
    failure leaves the old database in place. Files already in the knowledge
    base (same SHA-256) are skipped. The Whoosh index takes the new
    indicators in; it is rebuilt if it was missing, stale or damaged.
    """
    started = time.perf_counter()
    db_path = Path(db_path)
    if not db_path.exists():
        raise UsageError(f"{db_path}: 知识库不存在，请先运行 kb build (no knowledge base to add to)")
    found = discover_documents(paths)
    if not found.files:
        raise _no_documents(paths, found)
    report = BuildReport(
        db_path=db_path,
        unreadable=[(str(p), e) for p, e in found.unreadable],
        skipped=[str(p) for p in found.skipped],
    )
    with _building(db_path, report), ThreadPoolExecutor(1, thread_name_prefix="kb-quick-check") as checker:
        check_database(db_path)  # a foreign, truncated or other-version file is refused at once
        sources, known = read_sources(found.files, _known_documents(db_path))
        report.known = [str(path) for path in known]
        report.duplicates = [(d, str(s.path)) for s in sources for d in s.duplicates]
        if not sources:
            report.seconds = time.perf_counter() - started
            return report
        # SQLite's check of every page (0.6 s at 1,000 documents) runs beside the copy and the parsing; it is
        # awaited before the pool forks (no fork while a thread is inside SQLite) and before anything is kept.
        integrity = checker.submit(check_database, db_path, thorough=True)
        forks = len(sources) > 1 and (workers or os.cpu_count() or 1) > 1
        temporary = temporary_db_path(db_path)
        writer: Writer | None = None
        try:
            with storage_errors(db_path, KEPT):
                shutil.copyfile(db_path, temporary)
                report.timings["copy"] = time.perf_counter() - started
                writer = Writer(temporary, fresh=False)
                first_id = writer.next_document_id()
                if forks:
                    integrity.result()
                _load_into(writer, sources, first_id, report, workers, progress)
                integrity.result()
                build_id = writer.finish(report.timings)
                indexing = time.perf_counter()
                staging = _update_whoosh(db_path, temporary, writer, build_id, report)
                report.timings["whoosh"] = time.perf_counter() - indexing
                _swap_in(temporary, db_path, staging)
        except BaseException:
            if writer is not None:
                writer.abort()
            remove_quietly(temporary)
            remove_quietly(whoosh_index.staging_dir_for(whoosh_index.index_dir_for(db_path)))
            raise
    report.seconds = time.perf_counter() - started
    return report


def _known_documents(db_path: Path) -> set[str]:
    with storage_errors(db_path), closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        d = DOCUMENTS.c
        return {sha for (sha,) in conn.execute(f"SELECT {d.sha256} FROM {DOCUMENTS.name} WHERE {d.status} = 'ok'")}


def documents_lost_by_rebuild(db_path: Path, sources: Sequence[str | Path]) -> list[str] | None:
    """The documents of the knowledge base at ``db_path`` that a build of ``sources`` would not hold again, by
    the path recorded for each: their bytes are in no file there, and no file there has their path (one edited
    in place is updated, not lost); None when its documents cannot be read.

    ``kb serve`` rebuilds a stale knowledge base from ``data/`` only when this is empty, so that one built from
    other documents, or added to with ``kb build --add``, is never replaced by a build of something else.
    By content first: the recorded paths are as given to ``kb build``, relative to wherever it ran.
    """
    d = DOCUMENTS.c
    try:
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
            # A document that could not even be read has no hash and nothing a rebuild could lose.
            held = conn.execute(f"SELECT {d.source_path}, {d.sha256} FROM {DOCUMENTS.name} WHERE {d.sha256} != ''")
            recorded = [(str(path), str(sha)) for path, sha in held]
    except sqlite3.Error:
        return None
    found: set[str] = set()
    files = discover_documents([s for s in sources if Path(s).exists()]).files
    for path in files:
        with contextlib.suppress(OSError):
            found.add(_sha256(path))
    here = {path.absolute() for path in files}
    return [path for path, sha in recorded if sha not in found and Path(path).absolute() not in here]
