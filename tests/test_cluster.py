"""kb build --cluster: the knowledge base built by Dask workers is the local build's, row for row."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import SchedulerPlugin

import kb.cluster
from indexer import whoosh_index
from kb.cli import cli
from kb.db.build import BuildProgress, build_knowledge_base
from kb.db.stages import BatchJob, DocumentJob
from kb.errors import BuildFailedError
from tests.conftest import SEED, ranked_hits, segment_count, write_generated

# A LocalCluster starts in a few seconds, and each build here takes a few more: about 30 s in all.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed, five generated documents of other departments and years, and one that cannot be read."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(SEED, folder / "a-seed.txt")
    write_generated(folder, ((3, 2023), (4, 2024), (5, 2025), (6, 2022), (7, 2024)))
    (folder / "e-binary.txt").write_bytes(b"\x00\x01\x02 not a document")
    return folder


@pytest.fixture(scope="module")
def local_build(corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("local") / "kb.db"
    return db, build_knowledge_base([corpus], db, workers=2)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A LocalCluster of two worker processes, reached through its scheduler's address like a real cluster."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table and full-text index, ids (and FTS5 rowids) included, in id order."""
    with sqlite3.connect(db) as conn:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE '%_fts_%' ORDER BY name"
            )
        ]
        return {
            name: conn.execute(
                f"SELECT rowid, * FROM [{name}] ORDER BY rowid" if name.endswith("_fts") else f"SELECT * FROM [{name}]"
            ).fetchall()
            for name in names
        }


def assert_same_knowledge_base(expected: Path, got: Path) -> None:
    want, have = dump(expected), dump(got)
    assert sorted(have) == sorted(want)
    for name in want:
        assert have[name] == want[name], name
    assert whoosh_index.index_build_id(got.with_suffix(".whoosh")) == whoosh_index.index_build_id(
        expected.with_suffix(".whoosh")
    )


def test_the_cluster_build_equals_the_local_build(local_build, corpus: Path, scheduler: str, tmp_path: Path) -> None:
    expected, local_report = local_build
    db = tmp_path / "cluster.db"
    notes: list[str] = []
    report = build_knowledge_base([corpus], db, cluster=scheduler, announce=notes.append)
    assert_same_knowledge_base(expected, db)
    dump_rows = dump(db)
    assert len(dump_rows["documents"]) == 7 and len(dump_rows["indicators"]) == report.indicators > 1500
    # The document that cannot be read is reported exactly as the local build reports it.
    assert report.failed == local_report.failed == [(str(corpus / "e-binary.txt"), local_report.failed[0][1])]
    assert "不是文本文件" in report.failed[0][1]
    assert (report.documents, report.projects, report.warnings) == (
        local_report.documents,
        local_report.projects,
        local_report.warnings,
    )
    assert len(notes) == 1 and "2 个工作进程" in notes[0] and "http" in notes[0]
    assert report.timings["documents"] > 0 and report.timings["sqlite_index"] > 0


def test_a_worker_killed_mid_build_has_its_documents_retried(
    local_build, corpus: Path, scheduler: str, tmp_path: Path
) -> None:
    expected, _ = local_build
    with Client(scheduler) as client:
        before = client.run(os.getpid)
    victim = sorted(before.values())[0]
    killed: list[int] = []
    seen: list[int] = []

    def kill_once(progress: BuildProgress) -> None:
        seen.append(progress.done)
        if not killed:
            os.kill(victim, signal.SIGKILL)  # the worker and whatever batches it parsed and holds
            killed.append(victim)

    db = tmp_path / "retried.db"
    report = build_knowledge_base([corpus], db, cluster=scheduler, progress=kill_once)
    assert killed == [victim]
    assert seen[-1] == 7 and len(report.failed) == 1
    assert_same_knowledge_base(expected, db)
    with Client(scheduler) as client:
        client.wait_for_workers(2, timeout=60)
        assert victim not in client.run(os.getpid).values()  # the nanny started a new worker


def test_batches_that_no_worker_holds_when_families_are_counted(
    local_build, corpus: Path, scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed just before the families stage leaves batches that no worker holds yet (they are
    being recomputed): their families task goes to any worker, and the result is the local build's."""
    expected, _ = local_build
    who_has = Client.who_has

    def first_batch_lost(self: Client, futures=None, **kwargs):
        holders = dict(who_has(self, futures, **kwargs))
        lost = sorted(holders)[0]
        holders[lost] = ()
        return holders

    monkeypatch.setattr(Client, "who_has", first_batch_lost)
    db = tmp_path / "unheld.db"
    report = build_knowledge_base([corpus], db, cluster=scheduler)
    assert len(report.failed) == 1
    assert_same_knowledge_base(expected, db)


class _WhereTasksRan(SchedulerPlugin):
    """Records, for each task of the last stage, the workers it was asked to run on and where its rows were."""

    name = "kb-test-where-tasks-ran"

    def __init__(self) -> None:
        self.seen: dict[str, tuple[set[str] | None, set[str]]] = {}

    async def start(self, scheduler) -> None:
        self.scheduler = scheduler

    def transition(self, key, start, finish, *args, **kwargs) -> None:
        if finish == "processing" and str(key).startswith("kb-finalize"):
            task = self.scheduler.tasks[key]
            holders = {w.address for dep in task.dependencies if "kb-documents" in str(dep.key) for w in dep.who_has}
            self.seen[str(key)] = (set(task.worker_restrictions or ()) or None, holders)


def test_each_batch_is_finished_where_its_rows_are(local_build, corpus: Path, scheduler: str, tmp_path: Path) -> None:
    """The last stage of a batch is asked of the worker that keeps its rows (moving them would cost pickling,
    copying and unpickling them again), and the knowledge base is the local build's."""
    expected, _ = local_build
    with Client(scheduler) as client:
        client.register_plugin(_WhereTasksRan())
        try:
            db = tmp_path / "pinned.db"
            build_knowledge_base([corpus], db, cluster=scheduler)
            seen = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.plugins[_WhereTasksRan.name].seen)
        finally:
            client.unregister_scheduler_plugin(_WhereTasksRan.name)
    assert len(seen) == 7
    assert all(asked is not None and asked == holders for asked, holders in seen.values()), seen
    assert_same_knowledge_base(expected, db)


def test_the_workers_write_the_whoosh_index_in_segments(
    local_build, corpus: Path, scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The texts are indexed by the workers, a segment each, and the index joined from them searches like the
    one the local build's single writer made."""
    expected, _ = local_build
    monkeypatch.setattr(whoosh_index, "MIN_SEGMENT_TEXTS", 100)
    db = tmp_path / "segments.db"
    report = build_knowledge_base([corpus], db, cluster=scheduler)
    assert_same_knowledge_base(expected, db)
    got, want = db.with_suffix(".whoosh"), expected.with_suffix(".whoosh")
    assert (segment_count(got), segment_count(want)) == (2, 1)
    assert whoosh_index.index_problem(got) is None
    assert report.timings["whoosh_cpu"] > 0 and report.timings["whoosh_join"] >= 0
    with sqlite3.connect(db) as conn:
        for query in ("满意度", "满意度 ≤90%", "培训 经费", "完成率", "党员"):
            assert ranked_hits(got, conn, query) == ranked_hits(want, conn, query), query


class _Dead:
    """A future whose task killed every worker that ran it."""

    def result(self) -> None:
        from distributed import KilledWorker

        raise KilledWorker("kb-task", None, 3)  # type: ignore[arg-type]


class _NoScheduler:
    def scheduler_info(self) -> dict:
        return {"workers": {}}


def test_a_task_that_keeps_killing_workers_is_one_line_naming_what_it_was() -> None:
    executor = kb.cluster.DaskExecutor(_NoScheduler(), None, "原知识库未改动")
    executor._batches = [BatchJob(0, (DocumentJob(1, "/公开/甲单位.pdf"),))]
    with pytest.raises(BuildFailedError) as batch:
        executor._result(_Dead(), 0)
    assert str(batch.value).startswith("/公开/甲单位.pdf: 处理这批文档的工作进程反复意外终止")
    with pytest.raises(BuildFailedError) as whoosh:
        executor._result(_Dead(), whoosh=True)
    assert str(whoosh.value).startswith("kb build --cluster: 写 Whoosh 索引段的工作进程反复意外终止")
    assert "\n" not in str(whoosh.value) and str(whoosh.value).endswith("原知识库未改动")


def test_cli_cluster_option_and_the_parquet_dataset(local_build, corpus: Path, scheduler: str, tmp_path: Path) -> None:
    expected, _ = local_build
    db, dataset = tmp_path / "cli.db", tmp_path / "dataset"
    command = ["build", str(corpus), "--db", str(db), "--cluster", scheduler, "--parquet", str(dataset)]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 1  # one document could not be read: reported, the rest built
    assert "进度面板 (dashboard)：http" in result.stderr
    assert f"错误：{corpus / 'e-binary.txt'}: 不是文本文件" in result.stderr
    assert "kb build: 6 份文档" in result.stdout
    assert_same_knowledge_base(expected, db)
    # The Parquet dataset holds the same rows, partitioned by the documents' year and region.
    tables = dump(db)
    for name in ("documents", "projects", "indicators", "budget_rows", "anomalies", "indicator_families"):
        read = pq.read_table(dataset / name, partitioning="hive" if name != "indicator_families" else None)
        columns = [c for c in read.column_names if c not in ("doc_year", "doc_region")]
        rows = sorted(zip(*(read.column(c).to_pylist() for c in columns), strict=True))
        assert rows == sorted(tables[name]), name
    years = {p.name for p in (dataset / "indicators").iterdir()}
    assert years == {f"doc_year={y}" for y in (2022, 2023, 2024, 2025)}
    seed_year = dataset / "documents" / "doc_year=2024"
    assert {p.name for p in seed_year.iterdir()} >= {"doc_region=130190"}  # the seed: 石家庄高新区
    # A second build refuses to mix its dataset with the first.
    again = CliRunner().invoke(
        cli, ["build", str(corpus), "--db", str(tmp_path / "again.db"), "--parquet", str(dataset)]
    )
    assert again.exit_code == 2 and "Parquet 文件夹不是空的" in again.stderr


def test_documents_at_urls_are_fetched_by_the_workers(
    local_build, corpus: Path, scheduler: str, tmp_path: Path
) -> None:
    """An fsspec URL (here the local:// protocol: no network) read by the client and every worker."""
    db = tmp_path / "url.db"
    url = f"local://{corpus}"
    report = build_knowledge_base([url], db, cluster=scheduler)
    assert report.documents == 6 and report.failed[0][0] == f"{url}/e-binary.txt"
    want, have = dump(local_build[0]), dump(db)
    for name in want:
        if name == "documents":
            assert [r[:2] + r[3:] for r in have[name]] == [r[:2] + r[3:] for r in want[name]]
            assert [r[2] for r in have[name]] == [f"local://{r[2]}" for r in want[name]]
        elif name not in ("parse_warnings", "build_info"):
            assert have[name] == want[name], name


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("local:0", "错误：--cluster local:0: 工作进程数应为正整数"),
        ("nowhere", "错误：--cluster nowhere: 应为调度器地址"),
        ("tcp://127.0.0.1:9", "错误：tcp://127.0.0.1:9: 无法连接 Dask 调度器"),
    ],
)
def test_a_cluster_that_cannot_be_used_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, address: str, message: str
) -> None:
    monkeypatch.setattr(kb.cluster, "CONNECT_TIMEOUT", "2s")
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["build", str(SEED), "--db", str(db), "--cluster", address])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message)
    assert not db.exists() and {p.name for p in tmp_path.iterdir()} <= {".kb.db.lock"}


def test_ctrl_c_stops_a_cluster_build_in_one_line(corpus: Path, tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group, local Dask workers included: the build stops them, one line."""
    db = tmp_path / "kb.db"
    # The build inherits this process's handling of SIGINT: whatever an earlier test left, Ctrl-C as in a shell.
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        build = subprocess.Popen(
            [sys.executable, "-m", "kb.cli", "build", str(corpus), "--db", str(db), "--cluster", "local:1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    assert build.stderr is not None
    first = build.stderr.readline()  # the dashboard's link: the cluster is up and the documents are being parsed
    os.killpg(build.pid, signal.SIGINT)
    _, rest = build.communicate(timeout=120)
    assert build.returncode == 130
    assert "进度面板 (dashboard)：http" in first
    assert rest == "已中断（SIGINT），未完成的工作已清理 (interrupted)\n"
    assert not db.exists() and {p.name for p in tmp_path.iterdir()} <= {".kb.db.lock"}
