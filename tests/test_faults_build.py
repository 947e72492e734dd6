"""Faults during ``kb build``: killed and interrupted builds, a second build at once, dead builds' leftovers,
a full disk, a folder that cannot be written, a Whoosh or parser process killed, a corrupt or foreign database
to add to.

Each fault is scripted (a patched function, a signal, a planted file, a tiny tmpfs where the test may mount one) and
each case checks the same promises: one line naming the file, the documented exit status, no traceback, the old
knowledge base unchanged, no temporary left behind, no process left running.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import kb.db.build as build_module
from indexer import whoosh_index
from indexer.tokenizer import index_terms
from kb.db.build import build_knowledge_base
from kb.db.writer import Writer
from tests.conftest import SEED
from tests.faultkit import (
    SPOILED,
    alive,
    children,
    copy_kb,
    distinct_seeds,
    drop_privileges,
    fork_kb,
    kb,
    listing,
    one_error_line,
    small_document,
    wait_for,
    world_writable_folder,
)

BUILT = ["kb.db", "kb.whoosh"]


@pytest.fixture()
def old_kb(seed_db: Path, tmp_path: Path) -> Path:
    """A built knowledge base (the seed's) in a folder of its own: what a failed build must leave as it was."""
    return copy_kb(seed_db, tmp_path / "kb")


def _snapshot(db: Path) -> tuple[bytes, list[tuple[str, bytes]]]:
    index = db.with_suffix(".whoosh")
    return db.read_bytes(), [(p.name, p.read_bytes()) for p in sorted(index.iterdir())]


def _slow_parser() -> None:
    """In the forked kb: every document takes a minute to parse, so the build is caught with its workers busy."""
    original = build_module.load_document

    def slow(doc_id: int, path: str):  # type: ignore[no-untyped-def]
        time.sleep(60)
        return original(doc_id, path)

    build_module.load_document = slow


def _start_slow_build(tmp_path: Path, db: Path, documents: int = 4):
    folder = tmp_path / "docs"
    distinct_seeds(folder, documents)
    index_terms("预热")  # loaded once here, so the forked build starts its workers at once
    build = fork_kb(["build", folder, "--db", db, "--workers", "2"], tmp_path / "run", prepare=_slow_parser)
    assert wait_for(lambda: len(children(build.pid)) == 2), "the build's two workers never started"
    return build, children(build.pid)


# ---------------------------------------------------------------- processes


def test_workers_die_with_a_build_killed_by_sigkill(tmp_path: Path, old_kb: Path) -> None:
    before = _snapshot(old_kb)
    build, workers = _start_slow_build(tmp_path, old_kb)
    os.kill(build.pid, signal.SIGKILL)
    assert build.wait() == -signal.SIGKILL
    assert wait_for(lambda: not any(alive(w) for w in workers), timeout=10), [w for w in workers if alive(w)]
    assert _snapshot(old_kb) == before
    # What the killed build left behind is removed by the next one, which the dead build's lock does not stop.
    left = [name for name in listing(old_kb.parent) if name not in BUILT]
    assert left == [".kb.db.building-" + str(build.pid), ".kb.db.lock"]
    result = kb("build", SEED, "--db", old_kb)
    assert result.exit_code == 0, result.output
    assert f"已删除中断的构建留下的临时文件 {old_kb.parent / left[0]}" in result.stderr
    assert listing(old_kb.parent) == BUILT


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_sigterm_and_ctrl_c_stop_the_build_and_clean_up(tmp_path: Path, old_kb: Path, signum: int) -> None:
    before = _snapshot(old_kb)
    build, workers = _start_slow_build(tmp_path, old_kb)
    # Ctrl-C reaches the whole process group: the workers get it too (here first: once the build has it, it stops
    # them at once), and must leave it to the build.
    for pid in [*workers, build.pid] if signum == signal.SIGINT else [build.pid]:
        os.kill(pid, signum)
    assert build.wait() == 128 + signum
    name = signal.Signals(signum).name
    assert build.stderr == f"已中断（{name}），未完成的工作已清理 (interrupted)\n"
    assert build.stdout == ""
    assert wait_for(lambda: not any(alive(w) for w in workers), timeout=10)
    assert _snapshot(old_kb) == before
    assert listing(old_kb.parent) == BUILT


def test_a_second_build_of_the_same_database_is_refused(tmp_path: Path, old_kb: Path) -> None:
    before = _snapshot(old_kb)
    build, _ = _start_slow_build(tmp_path, old_kb)
    lock = old_kb.parent / ".kb.db.lock"
    assert wait_for(lambda: lock.exists() and lock.read_text().strip() == str(build.pid))
    expected = f"错误：{old_kb}: 另一个 kb build（进程 {build.pid}）正在构建这个知识库，请等它结束后再试"
    for args in (["build", SEED], ["build", "--add", tmp_path / "docs" / "doc00.txt"]):
        result = kb(*args, "--db", old_kb)
        assert result.exit_code == 2
        assert one_error_line(result).startswith(expected)
    # kb search must not rebuild a missing index under a running build either.
    index = old_kb.with_suffix(".whoosh")
    hidden = index.rename(tmp_path / "hidden.whoosh")
    result = kb("search", "满意度", "--db", old_kb)
    assert result.exit_code == 2 and expected in result.stderr
    hidden.rename(index)
    os.kill(build.pid, signal.SIGTERM)
    assert build.wait() == 128 + signal.SIGTERM
    assert _snapshot(old_kb) == before
    assert kb("build", SEED, "--db", old_kb).exit_code == 0


def test_stale_temporaries_of_dead_builds_are_removed(tmp_path: Path, old_kb: Path) -> None:
    folder = old_kb.parent
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead = finished.pid
    planted = [
        f".kb.db.building-{dead}",
        f".kb.db.building-{dead}-journal",
        f".kb.whoosh.building-{dead}",
        f".kb.whoosh.old-{dead}",
    ]
    for name in planted[:2]:
        (folder / name).write_bytes(b"half a database")
    for name in planted[2:]:
        (folder / name).mkdir()
        (folder / name / "MAIN_x.seg").write_bytes(b"half an index")
    # Not ours to remove: a live process's temporary (pid 1 always lives) and another database's.
    kept = [".kb.db.building-1", f".other.db.building-{dead}"]
    for name in kept:
        (folder / name).write_bytes(b"")
    result = kb("build", SEED, "--db", old_kb)
    assert result.exit_code == 0, result.output
    removed = [line.split("临时文件 ", 1)[1].split(" ", 1)[0] for line in result.stderr.splitlines()]
    assert removed == [str(folder / name) for name in sorted(planted)]
    assert listing(folder) == sorted([*kept, *BUILT])


# ---------------------------------------------------------------- a full disk


def _tiny_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's own disk-full error: the writer's database may grow by only a few pages."""
    original = Writer.__init__

    def cramped(self: Writer, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.conn.execute(f"PRAGMA max_page_count = {pages + 5}")

    monkeypatch.setattr(Writer, "__init__", cramped)


@pytest.mark.parametrize("add", [False, True], ids=["build", "add"])
def test_disk_full_in_sqlite(tmp_path: Path, old_kb: Path, monkeypatch: pytest.MonkeyPatch, add: bool) -> None:
    before = _snapshot(old_kb)
    _tiny_database(monkeypatch)
    document = distinct_seeds(tmp_path / "new", 1)[0]  # needs far more than the few pages allowed
    result = kb("build", *(["--add"] if add else []), document if add else SEED, "--db", old_kb)
    assert result.exit_code == 2
    assert one_error_line(result) == (
        f"错误：{old_kb}: 磁盘空间不足 (no space left on device)；"
        "构建未完成，原知识库保持不变 (the build did not finish; the old knowledge base is unchanged)"
    )
    assert _snapshot(old_kb) == before
    assert listing(old_kb.parent) == BUILT


def test_disk_full_while_copying_for_add(tmp_path: Path, old_kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _snapshot(old_kb)

    def copy_half(source: Path, target: Path) -> None:
        data = Path(source).read_bytes()
        Path(target).write_bytes(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(build_module.shutil, "copyfile", copy_half)
    document = tmp_path / "new.txt"
    document.write_text(small_document(), encoding="utf-8")
    result = kb("build", "--add", document, "--db", old_kb)
    assert result.exit_code == 2
    assert one_error_line(result).startswith(f"错误：{old_kb}: 磁盘空间不足 (no space left on device)；构建未完成")
    assert _snapshot(old_kb) == before
    assert listing(old_kb.parent) == BUILT


def test_disk_full_in_the_whoosh_process(old_kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _snapshot(old_kb)

    def write_half(staging: Path, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        staging.mkdir(parents=True)
        (staging / "MAIN_half.seg").write_bytes(b"\0" * 1000)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(whoosh_index, "write_index", write_half)
    result = kb("build", SEED, "--db", old_kb)
    assert result.exit_code == 2
    assert one_error_line(result).startswith(
        f"错误：{old_kb.with_suffix('.whoosh')}: 磁盘空间不足 (no space left on device)；构建未完成"
    )
    assert _snapshot(old_kb) == before
    assert listing(old_kb.parent) == BUILT


def test_a_failed_swap_leaves_the_old_database_and_an_index_rebuilt_on_use(
    old_kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = old_kb.read_bytes()
    replace = os.replace

    def refuse_the_database(source: str | Path, target: str | Path) -> None:
        if Path(target) == old_kb:
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(source))
        replace(source, target)

    monkeypatch.setattr(build_module.os, "replace", refuse_the_database)
    document = old_kb.parent / "extra.txt"
    document.write_text(small_document(), encoding="utf-8")
    result = kb("build", SEED, document, "--db", old_kb)
    monkeypatch.undo()
    assert result.exit_code == 2
    assert one_error_line(result).startswith(f"错误：{old_kb}: 没有读写权限 (permission denied)；构建未完成")
    assert old_kb.read_bytes() == before
    assert listing(old_kb.parent) == sorted([*BUILT, "extra.txt"])
    # The new index went in before the database failed to: it does not match the old database, so it is rebuilt.
    result = kb("search", "满意度", "--db", old_kb, "--format", "json")
    assert result.exit_code == 0
    assert "Whoosh 索引已过期" in result.stderr


def _mount_tmpfs(folder: Path, kilobytes: int) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs", str(folder)], capture_output=True, check=False
    )
    return done.returncode == 0


@pytest.fixture()
def tmpfs(tmp_path: Path):
    """Mount a tmpfs of a chosen size (in KB) on a folder of tmp_path; skipped where the test may not mount."""
    mounted: list[Path] = []

    def mount(name: str, kilobytes: int) -> Path:
        folder = tmp_path / name
        if not _mount_tmpfs(folder, kilobytes):
            pytest.skip("cannot mount a tmpfs here (needs root); the patched disk-full tests cover the same path")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=False)


def test_disk_full_on_a_real_small_filesystem(tmp_path: Path, seed_db: Path, tmpfs) -> None:
    size = seed_db.stat().st_size + sum(p.stat().st_size for p in seed_db.with_suffix(".whoosh").iterdir())
    # Too small for even one knowledge base: nothing is built, nothing is left.
    small = tmpfs("small", size // 2 // 1024)
    result = kb("build", SEED, "--db", small / "kb.db")
    assert result.exit_code == 2
    assert "磁盘空间不足 (no space left on device)；构建未完成" in one_error_line(result)
    assert listing(small) == []
    # Room for one knowledge base but not for a second beside it: the first stays, whole.
    roomy = tmpfs("roomy", size * 3 // 2 // 1024)
    assert kb("build", SEED, "--db", roomy / "kb.db").exit_code == 0
    before = _snapshot(roomy / "kb.db")
    document = tmp_path / "other.txt"
    document.write_text(small_document(), encoding="utf-8")
    for args in (["build", SEED], ["build", "--add", document]):
        result = kb(*args, "--db", roomy / "kb.db")
        assert result.exit_code == 2, result.output
        assert "磁盘空间不足 (no space left on device)；构建未完成" in one_error_line(result)
        assert _snapshot(roomy / "kb.db") == before
        assert listing(roomy) == BUILT


# ---------------------------------------------------------------- the database's folder


def test_database_in_a_missing_folder_or_under_a_file(tmp_path: Path) -> None:
    result = kb("build", SEED, "--db", tmp_path / "missing" / "kb.db")
    assert result.exit_code == 2
    assert one_error_line(result) == (
        f"错误：{tmp_path / 'missing'}: 文件夹不存在，无法在其中建立知识库 (folder does not exist)"
    )
    (tmp_path / "file").write_text("")
    result = kb("build", SEED, "--db", tmp_path / "file" / "kb.db")
    assert result.exit_code == 2
    assert one_error_line(result) == f"错误：{tmp_path / 'file'}: 不是文件夹，无法在其中建立知识库 (not a directory)"
    assert listing(tmp_path) == ["file"]


def test_database_in_a_folder_that_cannot_be_written() -> None:
    with world_writable_folder() as folder:
        document = folder / "doc.txt"
        document.write_text(small_document(), encoding="utf-8")
        document.chmod(0o644)
        closed = folder / "closed"
        closed.mkdir(mode=0o755)  # owned by whoever runs the tests, written by nobody else
        prepare = drop_privileges if os.geteuid() == 0 else None
        if prepare is None:
            closed.chmod(0o555)
        run = fork_kb(["build", document, "--db", closed / "kb.db"], folder / "run", prepare=prepare)
        assert run.wait() == 2
        assert run.stderr == f"错误：{closed}: 文件夹不可写，无法在其中建立知识库 (folder is not writable)\n"
        assert listing(closed) == []


# ---------------------------------------------------------------- a process of the build killed


def test_the_whoosh_process_killed(old_kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _snapshot(old_kb)
    monkeypatch.setattr(whoosh_index, "write_index", lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL))
    result = kb("build", SEED, "--db", old_kb)
    assert result.exit_code == 2
    assert one_error_line(result) == (
        f"错误：{old_kb.with_suffix('.whoosh')}: Whoosh 索引进程被信号 SIGKILL 终止（可能因内存不足被系统终止）"
        "(the Whoosh indexing process was killed by SIGKILL)；"
        "构建未完成，原知识库保持不变 (the build did not finish; the old knowledge base is unchanged)"
    )
    assert _snapshot(old_kb) == before
    assert listing(old_kb.parent) == BUILT


def test_a_parser_process_killed(tmp_path: Path, old_kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _snapshot(old_kb)
    documents = distinct_seeds(tmp_path / "docs", 3)
    original = build_module.load_document

    def oom_on_the_second(doc_id: int, path: str):  # type: ignore[no-untyped-def]
        if path.endswith("doc01.txt"):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(doc_id, path)

    monkeypatch.setattr(build_module, "load_document", oom_on_the_second)
    result = kb("build", tmp_path / "docs", "--db", old_kb, "--workers", "2")
    assert result.exit_code == 2
    line = one_error_line(result)
    assert line.startswith("错误：") and "解析进程意外终止（可能因内存不足被系统终止）" in line
    assert any(str(d) in line for d in documents)
    assert _snapshot(old_kb) == before
    assert listing(old_kb.parent) == BUILT


# ---------------------------------------------------------------- adding to a database that is not a knowledge base


@pytest.mark.parametrize("spoil", list(SPOILED))
def test_add_to_a_corrupt_or_foreign_database(tmp_path: Path, old_kb: Path, spoil: str) -> None:
    make, message = SPOILED[spoil]
    make(old_kb)
    before = old_kb.read_bytes()
    document = tmp_path / "new.txt"
    document.write_text(small_document(), encoding="utf-8")
    result = kb("build", "--add", document, "--db", old_kb)
    assert result.exit_code == 2
    assert one_error_line(result).startswith(f"错误：{old_kb}: {message}")
    assert old_kb.read_bytes() == before
    assert listing(old_kb.parent) == BUILT


def test_a_full_build_replaces_a_corrupt_database(old_kb: Path) -> None:
    SPOILED["truncated"][0](old_kb)
    report = build_knowledge_base([SEED], old_kb)
    assert report.documents == 1
    assert kb("lint", "--db", old_kb).exit_code == 1
