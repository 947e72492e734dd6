"""Helpers for the fault tests: a built knowledge base to spoil, the ``kb`` command in a forked process, processes
seen through ``/proc``, small documents with a chosen fault.

A forked ``kb`` inherits whatever the test patched before the fork (a parser
that sleeps, a Whoosh writer that is killed), so a scripted fault reaches the
build's own child processes too.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

from kb.cli import cli
from tests.checkskit import Proj, Row, render_document
from tests.conftest import SEED


def kb(*args: str | Path) -> Result:
    """``kb ARGS`` in this process."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_error_line(result: Result) -> str:
    """The single line a failing command printed on stderr (asserting it is one line, no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误："), lines[0]
    return lines[0]


def copy_kb(db: Path, folder: Path) -> Path:
    """A copy of the built knowledge base ``db`` (and its Whoosh index) in ``folder``; returns the new db."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / db.name
    shutil.copyfile(db, target)
    index = db.with_suffix(".whoosh")
    if index.exists():
        shutil.copytree(index, target.with_suffix(".whoosh"))
    return target


def listing(folder: Path) -> list[str]:
    """Every name in ``folder``, hidden ones included, sorted."""
    return sorted(os.listdir(folder))


def distinct_seeds(folder: Path, count: int) -> list[Path]:
    """``count`` copies of the seed document, each with different bytes (a trailing comment line)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SEED.read_text(encoding="utf-8")
    paths = []
    for n in range(count):
        path = folder / f"doc{n:02d}.txt"
        path.write_text(f"{text}\n<!-- copy {n} -->\n", encoding="utf-8")
        paths.append(path)
    return paths


def small_document(*projects: Proj) -> str:
    """A disclosure text of the given projects (one harmless project when none)."""
    return render_document(list(projects) or [Proj("印刷经费", [Row("数量指标", "印刷数量", "≥100 份")])])


# ---------------------------------------------------------------- databases that are not knowledge bases


def _truncated(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])


def _pages_overwritten(db: Path) -> None:
    import random

    data = bytearray(db.read_bytes())
    noise = random.Random(13)
    for offset in range(8 * 4096, 24 * 4096):
        data[offset] = noise.randrange(256)
    db.write_bytes(bytes(data))


def _text(db: Path) -> None:
    db.write_text("这不是数据库\n", encoding="utf-8")


def _empty(db: Path) -> None:
    db.write_bytes(b"")


def _foreign(db: Path) -> None:
    db.unlink()
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE indicators (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO indicators VALUES (1, '别人的表')")


def _other_version(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE build_info SET tool_version = '0.0.1'")
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('index', 'view') AND sql LIKE '%target_kind%'"
        ).fetchall():
            kind = conn.execute("SELECT type FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
            conn.execute(f"DROP {kind.upper()} [{name}]")
        conn.execute("ALTER TABLE indicators DROP COLUMN target_kind")


SPOILED = {
    "truncated": (_truncated, "知识库文件已损坏：被截断"),
    "pages overwritten": (_pages_overwritten, "知识库文件已损坏 (corrupt database"),
    "text file": (_text, "不是 SQLite 数据库，也就不是知识库 (not an SQLite database)"),
    "empty file": (_empty, "空文件，不是知识库 (empty file, not a knowledge base)"),
    "foreign SQLite": (_foreign, "是 SQLite 数据库，但不是本工具构建的知识库（缺少表 asset_rows"),
    "other version": (_other_version, "知识库由其他版本的本工具（0.0.1）构建，缺少 indicators.target_kind"),
}


# ---------------------------------------------------------------- processes through /proc


def process_state(pid: int) -> str | None:
    """The state letter of process ``pid`` (R, S, Z …), None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2]


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process: a zombie is dead (its memory is freed), whoever reaps it."""
    return process_state(pid) not in (None, "Z", "X")


def children(pid: int) -> list[int]:
    """The live child processes of ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and alive(int(entry)):
            found.append(int(entry))
    return sorted(found)


def wait_for(condition: Callable[[], bool], timeout: float = 60.0, step: float = 0.05) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; returns whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


# ---------------------------------------------------------------- kb in a forked process


@dataclass
class ForkedKb:
    """A ``kb`` command running in a forked process; its output goes to files in ``folder``."""

    process: multiprocessing.process.BaseProcess
    folder: Path

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def wait(self, timeout: float = 120.0) -> int:
        """Wait for it to end; its exit status (negative: killed by that signal)."""
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
            raise AssertionError(f"kb did not end within {timeout} s")
        assert self.process.exitcode is not None
        return self.process.exitcode

    @property
    def stdout(self) -> str:
        return (self.folder / "stdout").read_text(encoding="utf-8")

    @property
    def stderr(self) -> str:
        return (self.folder / "stderr").read_text(encoding="utf-8")


def _run_kb(args: Sequence[str], folder: str, prepare: Callable[[], None] | None) -> None:
    out = os.open(os.path.join(folder, "stdout"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    err = os.open(os.path.join(folder, "stderr"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    os.dup2(out, 1)
    os.dup2(err, 2)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), encoding="utf-8", line_buffering=True)
    sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), encoding="utf-8", line_buffering=True)
    # pytest's handlers must not outlive the fork: the command sees the signals as a shell would give them.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if prepare is not None:
        prepare()
    code = 0
    try:
        cli.main([str(a) for a in args], prog_name="kb", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def fork_kb(args: Sequence[str | Path], folder: Path, prepare: Callable[[], None] | None = None) -> ForkedKb:
    """Start ``kb ARGS`` in a forked process (``prepare`` runs in it first, e.g. to drop privileges)."""
    folder.mkdir(parents=True, exist_ok=True)
    process = multiprocessing.get_context("fork").Process(
        target=_run_kb, args=([str(a) for a in args], str(folder), prepare)
    )
    process.start()
    return ForkedKb(process, folder)


def drop_privileges() -> None:
    """Run as ``nobody`` (for a test run as root, which no permission stops)."""
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)


@contextlib.contextmanager
def world_writable_folder() -> Iterator[Path]:
    """A folder everybody can write, outside pytest's private temporary tree (for a command run as nobody)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="kb-faults-", dir="/tmp"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
