"""``kb serve`` on a bad database, on a public address, and the guard over real HTTP."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from kb.web.serve import exposure_warning, is_loopback
from tests.browser import kb_serve

ROOT = Path(__file__).resolve().parent.parent


def serve(db: Path, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb.cli", "serve", "--db", str(db), "--data", str(data), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture()
def no_documents(tmp_path: Path) -> Path:
    """A --data folder older than every database of the test, so nothing is rebuilt."""
    folder = tmp_path / "data"
    folder.mkdir()
    os.utime(folder, (0, 0))
    return folder


def _truncated(seed_db: Path, path: Path) -> None:
    path.write_bytes(seed_db.read_bytes()[: seed_db.stat().st_size // 2])


def _foreign_with_indicators(seed_db: Path, path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE indicators (id INTEGER PRIMARY KEY, name TEXT)")


def _garbage(seed_db: Path, path: Path) -> None:
    path.write_bytes(b"PK\x03\x04 not a database at all" * 10)


def _empty(seed_db: Path, path: Path) -> None:
    path.write_bytes(b"")


def _corrupt_schema(seed_db: Path, path: Path) -> None:
    data = bytearray(seed_db.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the first page holds sqlite_master
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_truncated, "知识库文件已损坏：被截断"),
        (_foreign_with_indicators, "是 SQLite 数据库，但不是本工具构建的知识库"),
        (_garbage, "不是 SQLite 数据库"),
        (_empty, "空文件，不是知识库"),
        (_corrupt_schema, "知识库文件已损坏"),
    ],
)
def test_a_bad_database_is_named_in_one_line_with_exit_2(
    seed_db: Path, tmp_path: Path, no_documents: Path, make, says: str
) -> None:
    db = tmp_path / "kb.db"
    make(seed_db, db)
    done = serve(db, no_documents)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"错误：{db}: {says}"), done.stderr


def test_a_folder_in_place_of_the_database(tmp_path: Path, no_documents: Path) -> None:
    db = tmp_path / "kb.db"
    db.mkdir()
    done = serve(db, no_documents)
    assert done.returncode == 2 and "Traceback" not in done.stderr and str(db) in done.stderr


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts_are_served_without_a_word(host: str) -> None:
    assert is_loopback(host) and exposure_warning(host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "no-such-host.invalid"])
def test_other_hosts_are_served_with_a_warning(host: str) -> None:
    warning = exposure_warning(host)
    assert warning is not None and warning.startswith(f"警告：--host {host} 不是本机回环地址")


@pytest.mark.slow
def test_the_guard_over_real_http_and_the_warning(seed_db: Path, tmp_path: Path, no_documents: Path) -> None:
    db = tmp_path / "kb.db"
    shutil.copy(seed_db, db)
    log = tmp_path / "serve.log"
    with kb_serve(["--db", str(db), "--data", str(no_documents), "--host", "0.0.0.0"], ROOT, log) as url:

        def status(path: str) -> int:
            try:
                return urllib.request.urlopen(url + path, timeout=30).status
            except urllib.error.HTTPError as error:
                return error.code

        assert status("/kb/indicators.json?_search=%E6%BB%A1%E6%84%8F%E5%BA%A6") == 200
        assert status("/kb/indicators?" + "&".join(f"p{i}=1" for i in range(150))) == 400
        assert status("/kb/indicators?_sort=nosuch") == 400
        assert status("/kb/indicators?_timelimit=abc") == 400
        assert status("/-/threads") == 404
        assert status("/-/databases.json") == 404
        refused = quote("select kb_terms(printf('%.*c', 6000, '满'))")
        assert status(f"/kb.json?sql={refused}") == 400
    text = log.read_text()
    assert "警告：--host 0.0.0.0 不是本机回环地址" in text
    assert "Traceback" not in text  # a refused input is an answer, not a fault to log
