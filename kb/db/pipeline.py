"""A full build as a pipeline of partitioned stages, and the local scheduler that runs it on this machine.

:func:`run_pipeline` is the build's order of work, written once against an
:class:`Executor`: the stages of :mod:`kb.db.stages` over batches of documents,
the reductions that give the corpus its ids and statistics, then the serial
load into SQLite (:mod:`kb.db.loader`) while the Whoosh index is written (by a
forked process, or by a cluster's workers in segments). Two executors schedule it:

- :class:`LocalExecutor` (the default): forked worker processes on this
  machine. Like a Dask worker, each keeps the rows of the batches it parsed
  and later finishes those same batches, so rows cross a pipe once, finished.
- :class:`kb.cluster.DaskExecutor` (``kb build --cluster``): the same functions
  as Dask tasks; rows stay in the workers' memory, and the small partial
  results are added up here as the batches finish.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from indexer.texts import IndexedText
from indexer.tokenizer import index_terms
from indexer.whoosh_index import Segments
from kb.db.processes import forking, init_child, usable_cores
from kb.db.stages import (
    Aggregate,
    AggregateFold,
    BatchJob,
    BatchPlan,
    BatchSummary,
    DocumentJob,
    FamilyPartial,
    LoadBatch,
    Numbering,
    Plan,
    batches_of,
    document_rows,
    family_partial_of,
    family_records,
    finalize,
    make_plan,
    merge_family_partials,
    number_batches,
    series_records,
    summary_and_aggregate,
    text_records,
)
from kb.errors import BuildFailedError

# Documents per batch on this machine: small enough for fine progress and balanced workers.
LOCAL_BATCH = 4
# Batches finished ahead of the load, per worker: enough to keep workers busy, few enough to bound memory.
AHEAD_PER_WORKER = 2


class Executor(Protocol):
    """Where the stages run. Each method runs one stage over every batch and returns what the client needs."""

    workers: int
    batch_size: int
    parquet: str | None
    # Seconds of the executor's own steps within a stage, reported with the stages'.
    timings: dict[str, float]
    # Whether this machine has a core the workers leave free while they finish batches (for the Whoosh writer).
    spare_core: bool
    # Batches the workers finish ahead of the load.
    finalize_ahead: int

    def documents(self, batches: Sequence[BatchJob]) -> Iterator[BatchSummary]:
        """Stage 1 and 2: parse each batch where it will stay; the summaries as batches finish."""
        ...

    def aggregate(self) -> Aggregate:
        """Stage 3: the corpus-wide aggregate (reduced where the partials are)."""
        ...

    def families(self, plan: Plan, numbering: Numbering) -> FamilyPartial:
        """Stage 4: every family's counts."""
        ...

    def finalize(self, stats: dict[int, Any]) -> Iterator[LoadBatch]:
        """Stage 5: each batch's finished rows, in batch order."""
        ...

    def whoosh_segments(self, texts: Sequence[IndexedText]) -> Iterator[Segments] | None:
        """Stage 6: the Whoosh index of ``texts`` (in id order) as segments written by the workers, in order;
        None when this process's forked writer is to write it whole (the workers' cores are this machine's)."""
        ...

    def close(self, now: bool = False) -> None:
        """Stop the workers (at once if the build is failing)."""
        ...


LoadInto = Callable[[Iterator[LoadBatch], Numbering, Aggregate, Plan, list[Any]], None]


def run_pipeline(
    executor: Executor,
    jobs: Sequence[DocumentJob],
    load_into: LoadInto,
    timings: dict[str, float],
    on_batch: Callable[[BatchSummary], None],
    parsed: Callable[[], None],
) -> Numbering:
    """Run every stage over ``jobs`` (in document order) with ``executor``.

    ``on_batch`` sees each batch's summary as it finishes; ``parsed`` is called once every document is parsed
    (it raises when nothing could be); ``load_into`` receives the finished batches in order with the
    corpus-wide results, and does the serial part (SQLite, Whoosh).
    """
    batches = batches_of(jobs, executor.batch_size)
    summaries: list[BatchSummary | None] = [None] * len(batches)
    started = time.perf_counter()
    for summary in executor.documents(batches):
        summaries[summary.index] = summary
        on_batch(summary)
    done = [s for s in summaries if s is not None]
    assert len(done) == len(batches)
    timings["documents"] = time.perf_counter() - started
    parsed()
    for summary in done:
        for document in summary.documents:
            for phase, seconds in document.seconds.items():
                key = f"worker_{phase}_cpu"
                timings[key] = timings.get(key, 0.0) + seconds
    started = time.perf_counter()
    numbering = number_batches(done)
    total = executor.aggregate()
    plan = make_plan(total)
    timings["reduce"] = time.perf_counter() - started
    timings["worker_aggregate_cpu"] = total.seconds
    started = time.perf_counter()
    partial = executor.families(plan, numbering)
    counted = time.perf_counter()
    families, stats = family_records(partial, plan)
    timings["families_counts"] = counted - started
    timings["families_stats"] = time.perf_counter() - counted
    timings["families"] = time.perf_counter() - started
    timings.update(executor.timings)
    timings["worker_families_cpu"] = partial.seconds
    started = time.perf_counter()
    load_into(executor.finalize(stats), numbering, total, plan, families)
    timings["finalize_and_load"] = time.perf_counter() - started
    return numbering


def corpus_tables(total: Aggregate, plan: Plan) -> tuple[Any, Any, Any, Any]:
    """The distinct texts (rows, FTS5 rows, Whoosh texts) and the series, from the corpus-wide aggregate."""
    records, fts, indexed = text_records(total, plan)
    return records, fts, indexed, series_records(total, plan)


# ---------------------------------------------------------------- the local scheduler


@dataclass(frozen=True)
class Ref:
    """An argument that is a value a worker keeps (``take``: and forgets once used)."""

    key: Any
    take: bool = False


def _keep_documents(batch: BatchJob) -> tuple[Any, tuple[BatchSummary, Aggregate]]:
    rows = document_rows(batch)
    return rows, summary_and_aggregate(batch.index, rows)


def _remember(value: Any) -> tuple[Any, None]:
    return value, None


class _Store:
    """What one worker keeps between tasks, and how it runs one: ``(fn, args, keep)``."""

    def __init__(self) -> None:
        self.values: dict[Any, Any] = {}

    def resolve(self, arg: Any) -> Any:
        """``arg`` with every :class:`Ref` in it (in lists and tuples too) replaced by the value kept."""
        if isinstance(arg, Ref):
            return self.values.pop(arg.key) if arg.take else self.values[arg.key]
        if type(arg) in (list, tuple):
            return type(arg)(self.resolve(a) for a in arg)
        return arg

    def run(self, fn: Callable[..., Any], args: tuple[Any, ...], keep: Any) -> Any:
        result = fn(*self.resolve(args))
        if keep is not None:
            self.values[keep], result = result
        return result


def _serve(conn: multiprocessing.connection.Connection, parent: int) -> None:
    """A worker process: run the tasks it is sent, keeping what they ask it to keep, until the pipe closes."""
    init_child(parent)
    store = _Store()
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        fn, args, keep = task
        try:
            reply = (True, store.run(fn, args, keep))
        except Exception:  # a bug in a stage: its traceback goes to the build, which stops
            reply = (False, traceback.format_exc())
        conn.send(reply)


class _Worker:
    def __init__(self, parent: int) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, parent), daemon=True)
        self.process.start()
        child.close()
        self.busy: Any = None

    def send(self, tag: Any, fn: Callable[..., Any], args: tuple[Any, ...], keep: Any = None) -> None:
        self.busy = tag
        self.conn.send((fn, args, keep))

    def receive(self) -> Any:
        ok, value = self.conn.recv()
        self.busy = None
        if not ok:
            raise RuntimeError(f"构建进程出错 (a build worker failed):\n{value}")
        return value

    def stop(self, now: bool) -> None:
        if now and self.process.is_alive():
            self.process.terminate()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.process.join(timeout=10 if not now else None)
        self.conn.close()


class _Inline:
    """The one-process case: the same store, in this process (no fork for a single document or worker)."""

    def __init__(self) -> None:
        self.store = _Store()
        self.busy: Any = None
        self.result: Any = None

    def send(self, tag: Any, fn: Callable[..., Any], args: tuple[Any, ...], keep: Any = None) -> None:
        self.busy = tag
        self.result = self.store.run(fn, args, keep)

    def receive(self) -> Any:
        self.busy = None
        return self.result

    def stop(self, now: bool) -> None:
        self.store.values.clear()


class LocalExecutor:
    """Forked worker processes on this machine, each keeping the batches it parsed until it finishes them."""

    def __init__(self, workers: int, documents: int, kb_failed: str) -> None:
        self.workers = max(1, min(workers, documents))
        # At least four batches a worker, so a small corpus is shared out too.
        self.batch_size = max(1, min(LOCAL_BATCH, documents // (self.workers * 4))) if self.workers > 1 else documents
        self.kept = kb_failed
        self.parquet: str | None = None
        self.timings: dict[str, float] = {}
        self.spare_core = self.workers < usable_cores()
        self.finalize_ahead = AHEAD_PER_WORKER * self.workers
        self._pool: list[Any] = []
        self._owner: dict[int, int] = {}
        self._batches: list[BatchJob] = []
        self._fold = AggregateFold()
        self._plans: list[BatchPlan] = []

    def _start(self) -> None:
        if self.workers == 1:
            self._pool = [_Inline()]
            return
        index_terms("预热")  # load the dictionary once; forked workers share it
        parent = os.getpid()
        with forking():
            self._pool = [_Worker(parent) for _ in range(self.workers)]

    def _wait(self) -> list[tuple[int, Any, Any]]:
        """The workers that finished a task, with its result (a worker that died is the build's failure)."""
        busy = [n for n, w in enumerate(self._pool) if w.busy is not None]
        if isinstance(self._pool[0], _Inline):
            return [(n, self._pool[n].busy, self._pool[n].receive()) for n in busy]
        ready = multiprocessing.connection.wait([self._pool[n].conn for n in busy])
        out = []
        for n in busy:
            worker = self._pool[n]
            if worker.conn in ready:
                tag = worker.busy
                try:
                    out.append((n, tag, worker.receive()))
                except (EOFError, ConnectionError):
                    raise BuildFailedError(self.describe_failure(tag)) from None
        return out

    def describe_failure(self, tag: Any) -> str:
        """A worker died while it held or ran a batch: name its first document."""
        batch = self._batches[tag] if isinstance(tag, int) and tag < len(self._batches) else None
        where = batch.documents[0].location if batch and batch.documents else "kb build"
        return (
            f"{where}: 解析进程意外终止（可能因内存不足被系统终止）"
            f"(a parser process died, perhaps killed for lack of memory)；{self.kept}"
        )

    def documents(self, batches: Sequence[BatchJob]) -> Iterator[BatchSummary]:
        self._batches = list(batches)
        self._fold = AggregateFold()
        self._start()
        queue = iter(batches)
        for worker in self._pool:
            for batch in queue:
                worker.send(batch.index, _keep_documents, (batch,), keep=batch.index)
                break
        # Summaries are handed on in batch order, so progress reads in document order.
        finished: dict[int, BatchSummary] = {}
        next_out = 0
        while any(w.busy is not None for w in self._pool):
            for n, tag, (summary, partial) in self._wait():
                self._owner[tag] = n
                self._fold.add(tag, partial)
                finished[tag] = summary
                for batch in queue:
                    self._pool[n].send(batch.index, _keep_documents, (batch,), keep=batch.index)
                    break
            while next_out in finished:
                yield finished.pop(next_out)
                next_out += 1

    def aggregate(self) -> Aggregate:
        return self._fold.total(len(self._batches))

    def _broadcast(self, key: str, value: Any) -> None:
        for worker in self._pool:
            worker.send(key, _remember, (value,), keep=key)
        while any(w.busy is not None for w in self._pool):
            self._wait()

    def _pinned(self, make: Callable[[int], tuple[Callable[..., Any], tuple[Any, ...]]], ahead: int) -> Iterator[Any]:
        """Run one task per batch on the worker that keeps it; results in batch order, at most ``ahead`` early."""
        mine: list[list[int]] = [[] for _ in self._pool]
        for index in range(len(self._batches)):
            mine[self._owner[index]].append(index)
        cursors = [0] * len(self._pool)
        results: dict[int, Any] = {}
        next_out = 0

        def feed() -> None:
            for n, worker in enumerate(self._pool):
                if worker.busy is None and cursors[n] < len(mine[n]) and mine[n][cursors[n]] < next_out + ahead:
                    index = mine[n][cursors[n]]
                    cursors[n] += 1
                    fn, args = make(index)
                    worker.send(index, fn, args)

        feed()
        while next_out < len(self._batches):
            if next_out not in results:
                for _, tag, value in self._wait():
                    results[tag] = value
            while next_out in results:
                yield results.pop(next_out)
                next_out += 1
            feed()

    def families(self, plan: Plan, numbering: Numbering) -> FamilyPartial:
        self._plans = numbering.batches
        self._broadcast("plan", plan)
        # A family's counts add up in any order: each worker sums the batches it keeps, this process the workers'.
        for n, worker in enumerate(self._pool):
            mine = [(Ref(i), self._plans[i]) for i in range(len(self._batches)) if self._owner[i] == n]
            worker.send(n, family_partial_of, (mine, Ref("plan")))
        parts: list[FamilyPartial] = []
        while any(w.busy is not None for w in self._pool):
            parts.extend(value for _, _, value in self._wait())
        return merge_family_partials(parts)

    def finalize(self, stats: dict[int, Any]) -> Iterator[LoadBatch]:
        self._broadcast("stats", stats)
        return self._pinned(
            lambda i: (finalize, (i, Ref(i, take=True), Ref("plan"), self._plans[i], Ref("stats"), self.parquet)),
            self.finalize_ahead,
        )

    def whoosh_segments(self, texts: Sequence[IndexedText]) -> Iterator[Segments] | None:
        return None

    def close(self, now: bool = False) -> None:
        for worker in self._pool:
            worker.stop(now)
        self._pool = []


def local_jobs(paths: Sequence[Path | str]) -> list[DocumentJob]:
    """Jobs for files given in document order (ids from 1), for tests and tools."""
    return [DocumentJob(n, str(path)) for n, path in enumerate(paths, start=1)]
