"""``kb build --cluster``: the build's stages as Dask tasks on a distributed cluster.

The stages are those of :mod:`kb.db.stages`, in the order of
:func:`kb.db.pipeline.run_pipeline`; this module only schedules them:

- each batch of documents is read, parsed, checked and turned into rows by a
  task (``kb-documents``) on some worker, and its rows stay in that worker's
  memory (Dask spills them to disk when memory runs short);
- a summary and partial aggregates of each batch (``kb-summary``) are computed
  beside the rows and come to the client, which adds them up in batch order
  while the other batches are still being parsed;
- the family counts (``kb-families``: one task per worker over the batches it keeps) and the finished
  rows with their findings (``kb-finalize``) are computed where the rows are,
  with the ids and statistics broadcast to every worker;
- the client loads the finished batches into SQLite in order, a few batches
  behind the workers, while the workers write the Whoosh index in segments
  (``kb-whoosh``: one per worker), which the client joins into one index.

Dask retries the tasks of a worker that dies (and recomputes what it held),
and since every stage is a pure function of its inputs, the knowledge base
is the same row for row. A document that cannot be parsed is recorded as on
a local build; a batch that kills its worker again and again
(``KilledWorker``) stops the build with one line naming its first document.

``ADDRESS`` is a scheduler (``tcp://host:8786``, started with ``dask
scheduler``) whose workers can import this package and read the documents
(a shared folder, or URLs through fsspec), or ``local[:N]`` for a
``LocalCluster`` of N worker processes on this machine.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from indexer.texts import IndexedText
from indexer.whoosh_index import Segments, segment_parts, write_segments
from kb.db.processes import usable_cores
from kb.db.stages import (
    Aggregate,
    AggregateFold,
    BatchJob,
    BatchSummary,
    FamilyPartial,
    LoadBatch,
    Numbering,
    Plan,
    document_rows,
    family_partial_of,
    finalize,
    merge_family_partials,
    summary_and_aggregate,
)
from kb.errors import BuildFailedError, UsageError

# Documents per task: enough to make a task's overhead (a few milliseconds) negligible, few enough to balance.
CLUSTER_BATCH = 8
# Finished batches waiting for the client's load, per worker: the workers stay busy, their memory bounded.
AHEAD_PER_WORKER = 4
CONNECT_TIMEOUT = "20s"
_INSTALL = "pip install -e '.[cluster]'"
# What local workers read from their environment when they start (Dask's configuration): no log lines when the
# build stops them (losing the scheduler first is no error worth a traceback), and no statistical profiler,
# which samples every task's stack a hundred times a second (about a tenth of the CPU of a build).
_WORKER_SETTINGS = {
    "DASK_LOGGING__DISTRIBUTED": "critical",
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
}


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError(f"--cluster 需要 Dask（{_INSTALL}）(the cluster build needs dask[distributed])") from None
    return distributed


@contextmanager
def _ctrl_c_left_to_the_build() -> Iterator[None]:
    """Start local workers that ignore Ctrl-C (it reaches the whole process group, and it is the build that
    stops them and cleans up: a worker would otherwise print its own KeyboardInterrupt traceback), with
    :data:`_WORKER_SETTINGS`.

    A process started while SIGINT is ignored keeps it ignored: Python installs its handler only over the default.
    Dask's own threads (its event loops, which also start and restart the workers) are started with SIGINT
    blocked, so the kernel delivers Ctrl-C to this thread, which is waiting for results and stops at once.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    saved = {name: os.environ.get(name) for name in _WORKER_SETTINGS}
    os.environ.update(_WORKER_SETTINGS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, previous)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def threads_here(workers: Iterable[dict[str, Any]]) -> int:
    """The worker threads (of ``scheduler_info()["workers"]``) that run on this machine."""
    here = {"127.0.0.1", "localhost", "::1", socket.gethostname()}
    with suppress(OSError):
        here.add(socket.gethostbyname(socket.gethostname()))
    return sum(int(worker.get("nthreads", 1)) for worker in workers if worker.get("host") in here)


def _on(worker: str | None) -> dict[str, Any]:
    """Run a task where its batch's rows are: moving them costs more than any wait for that worker. Rows lost
    with a killed worker have no holder, and any worker recomputes them (Dask refuses allow_other_workers
    without a worker list)."""
    return {"workers": [worker], "allow_other_workers": True} if worker else {}


def parse_address(address: str) -> tuple[str, int | None]:
    """``("local", N or None)`` for ``local[:N]``, else ``("scheduler", None)``; raises for a bad address."""
    if address == "local" or address.startswith("local:"):
        count = address.partition(":")[2]
        if count and (not count.isdigit() or int(count) < 1):
            raise UsageError(f"--cluster {address}: 工作进程数应为正整数，例如 local:4 (local:N, N ≥ 1)")
        return "local", int(count) if count else None
    if "://" not in address and ":" not in address:
        raise UsageError(
            f"--cluster {address}: 应为调度器地址（tcp://主机:8786）或 local[:N] (a scheduler address or local[:N])"
        )
    return "scheduler", None


class DaskExecutor:
    """The stages of a build as Dask tasks (see :class:`kb.db.pipeline.Executor`)."""

    def __init__(self, client: Any, cluster: Any, kept: str) -> None:
        self.client = client
        self.cluster = cluster
        self.kept = kept
        self.notes: list[str] = []
        self.parquet: str | None = None
        self.token = f"{os.getpid()}-{time.time_ns():x}"
        workers = client.scheduler_info().get("workers", {})
        self.workers = max(1, len(workers))
        # Workers on other machines leave this one's cores to the client; local workers may take them all.
        self.spare_core = threads_here(workers.values()) < usable_cores()
        self.finalize_ahead = AHEAD_PER_WORKER * self.workers
        self.batch_size = CLUSTER_BATCH
        self._batches: list[BatchJob] = []
        self._rows: list[Any] = []
        # The worker keeping each batch's rows when the families were counted (None: lost with a worker).
        self._holders: list[str | None] = []
        self._fold = AggregateFold()
        self._plan: Any = None
        self._plans: list[Any] = []
        self.timings: dict[str, float] = {}

    @classmethod
    def connect(
        cls, address: str, kept: str, workers: int | None = None, announce: Callable[[str], None] | None = None
    ) -> DaskExecutor:
        """Connect to the scheduler at ``address`` or start a ``LocalCluster`` (``local[:N]``)."""
        kind, count = parse_address(address)
        distributed = _distributed()
        cluster = None
        try:
            with _ctrl_c_left_to_the_build():
                if kind == "local":
                    cluster = distributed.LocalCluster(
                        n_workers=count or workers or os.cpu_count() or 1,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",
                        silence_logs=logging.ERROR,
                    )
                    client = distributed.Client(cluster)
                else:
                    client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            if cluster is not None:
                cluster.close()
            raise UsageError(f"{address}: 无法连接 Dask 调度器 (cannot reach the Dask scheduler): {exc}") from None
        executor = cls(client, cluster, kept)
        link = client.dashboard_link
        where = (
            f"本机 {executor.workers} 个工作进程" if kind == "local" else f"{address}，{executor.workers} 个工作进程"
        )
        executor.notes.append(f"Dask 集群：{where}；进度面板 (dashboard)：{link}")
        if announce is not None:
            announce(executor.notes[-1])
        if executor.workers == 0:
            raise UsageError(f"{address}: 集群没有工作进程 (the cluster has no workers)")
        return executor

    # ------------------------------------------------------------ helpers

    def _key(self, stage: str, index: int | str) -> str:
        return f"kb-{stage}-{self.token}-{index}"

    def _result(self, future: Any, index: int | None = None, whoosh: bool = False) -> Any:
        """A task's result; a worker killed again and again with a batch (``index``: its first document is named)
        or with a part of the Whoosh index, or a lost scheduler, in one line."""
        distributed = _distributed()
        try:
            return future.result()
        except distributed.KilledWorker:
            if whoosh:
                raise BuildFailedError(
                    "kb build --cluster: 写 Whoosh 索引段的工作进程反复意外终止（可能因内存不足）"
                    f"(workers kept dying while writing a part of the Whoosh index)；{self.kept}"
                ) from None
            where = self._batches[index].documents[0].location if index is not None else "kb build --cluster"
            raise BuildFailedError(
                f"{where}: 处理这批文档的工作进程反复意外终止（可能因内存不足）"
                f"(workers kept dying on this batch of documents)；{self.kept}"
            ) from None
        except (OSError, distributed.comm.CommClosedError) as exc:
            raise BuildFailedError(f"与 Dask 集群的连接中断 (lost the Dask cluster): {exc}；{self.kept}") from None

    # ------------------------------------------------------------ the stages

    def plan_batches(self, documents: int) -> None:
        """Documents per task: :data:`CLUSTER_BATCH`, fewer when a small corpus would leave workers idle."""
        self.batch_size = max(1, min(CLUSTER_BATCH, documents // (self.workers * 4)))

    def documents(self, batches: Sequence[BatchJob]) -> Iterator[BatchSummary]:
        distributed = _distributed()
        self._batches = list(batches)
        self._fold = AggregateFold()
        submit = self.client.submit
        self._rows = [submit(document_rows, b, key=self._key("documents", b.index)) for b in batches]
        # The rows stay on the workers; each batch's summary and partial aggregate come here as it finishes
        # and are added up while the other batches are parsed, so nothing is left to reduce at the end.
        small = {
            submit(summary_and_aggregate, b.index, rows, key=self._key("summary", b.index)): b.index
            for b, rows in zip(batches, self._rows, strict=True)
        }
        for future in distributed.as_completed(small):
            summary, partial = self._result(future, small.pop(future))
            self._fold.add(summary.index, partial)
            yield summary

    def aggregate(self) -> Aggregate:
        return self._fold.total(len(self._batches))

    def families(self, plan: Plan, numbering: Numbering) -> FamilyPartial:
        """One task per worker over the batches it keeps (as the local build does): no rows move, and the few
        partial counts are added up here. A task per batch merged by a tree grew faster than the corpus."""
        started = time.perf_counter()
        self._plan = self.client.scatter(plan, broadcast=True, hash=False)
        self._plans = numbering.batches
        broadcast = time.perf_counter()
        holders = self.client.who_has(self._rows)
        self._holders = [(holders.get(rows.key) or (None,))[0] for rows in self._rows]
        kept: dict[str | None, list[int]] = defaultdict(list)
        for n, worker in enumerate(self._holders):
            kept[worker].append(n)
        parts = [
            self.client.submit(
                family_partial_of,
                [(self._rows[n], self._plans[n]) for n in batches],
                self._plan,
                key=self._key("families", batches[0]),
                **_on(worker),
            )
            for worker, batches in kept.items()
        ]
        total = merge_family_partials([self._result(part) for part in parts])
        self.timings.update(families_broadcast=broadcast - started, families_partials=time.perf_counter() - broadcast)
        return total

    def finalize(self, stats: dict[int, Any]) -> Iterator[LoadBatch]:
        stats_future = self.client.scatter(stats, broadcast=True, hash=False)
        ahead = self.finalize_ahead
        pending: dict[int, Any] = {}

        def submit(n: int) -> None:
            if n < len(self._rows):
                pending[n] = self.client.submit(
                    finalize,
                    n,
                    self._rows[n],
                    self._plan,
                    self._plans[n],
                    stats_future,
                    self.parquet,
                    key=self._key("finalize", n),
                    **_on(self._holders[n]),
                )
                self._rows[n] = None  # the worker frees a batch's rows once it is finished

        for n in range(ahead):
            submit(n)
        for n in range(len(self._batches)):
            batch: LoadBatch = self._result(pending[n], n)
            del pending[n]
            submit(n + ahead)
            yield batch

    def whoosh_segments(self, texts: Sequence[IndexedText]) -> Iterator[Segments]:
        """A task per part of the texts (one per worker), each writing one segment, after the finished rows
        (lower priority): they fill the workers' waits for the load and run beside the secondary indexes."""
        parts = self.client.scatter(segment_parts(texts, self.workers), hash=False)
        futures = [
            self.client.submit(write_segments, part, key=self._key("whoosh", n), priority=-1)
            for n, part in enumerate(parts)
        ]
        return (self._result(future, whoosh=True) for future in futures)

    def close(self, now: bool = False) -> None:
        """Forget this build's tasks and disconnect (a ``LocalCluster`` is shut down)."""
        self._rows, self._holders = [], []
        self._fold = AggregateFold()
        if self.client is None:
            return
        client, self.client = self.client, None
        try:
            client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()
