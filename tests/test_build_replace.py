"""``kb build`` replaces a knowledge base, and nothing else: a file it did not write is refused, untouched."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer import whoosh_index
from kb.cli import cli
from kb.db.build import build_knowledge_base
from kb.errors import DatabaseFileError

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SEED = next(DATA.glob("*.txt"))


def _document(seed_db: Path, path: Path) -> None:
    shutil.copy(SEED, path)  # kb build --db data/某部门.txt data/: the arguments swapped


def _foreign(seed_db: Path, path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("INSERT INTO notes VALUES ('重要')")


def _foreign_with_indicators(seed_db: Path, path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE indicators (id INTEGER PRIMARY KEY, name TEXT)")


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_document, "已存在，且不是 SQLite 数据库，也就不是知识库：不会被覆盖"),
        (_foreign, "已存在，是 SQLite 数据库，但不是本工具构建的知识库（有表 notes）：不会被覆盖"),
        (_foreign_with_indicators, "已存在，是 SQLite 数据库，但不是本工具构建的知识库（有表 indicators）：不会被覆盖"),
    ],
)
def test_a_file_that_is_no_knowledge_base_is_refused_untouched(
    seed_db: Path, tmp_path: Path, make: Callable[[Path, Path], None], says: str
) -> None:
    target = tmp_path / "kb.db"
    make(seed_db, target)
    before = target.read_bytes()
    result = CliRunner().invoke(cli, ["build", str(DATA), "--db", str(target)])
    assert result.exit_code == 2
    assert (
        result.output.strip() == f"错误：{target}: {says}；请换一个知识库文件名，或先把它移走 "
        "(not overwritten: choose another name or move it away)"
    )
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.db"]  # no temporary, no index left beside it


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "kb.db"
    folder.mkdir()
    with pytest.raises(DatabaseFileError, match="已存在，是文件夹"):
        build_knowledge_base([DATA], folder)


def _empty(seed_db: Path, path: Path) -> None:
    path.write_bytes(b"")


def _empty_database(seed_db: Path, path: Path) -> None:
    sqlite3.connect(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 1")  # a header, no table


def _other_version(seed_db: Path, path: Path) -> None:
    shutil.copy(seed_db, path)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE source_lines")


def _truncated(seed_db: Path, path: Path) -> None:
    path.write_bytes(seed_db.read_bytes()[: seed_db.stat().st_size // 2])


def _corrupt_schema(seed_db: Path, path: Path) -> None:
    data = bytearray(seed_db.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("make", [_empty, _empty_database, _other_version, _truncated, _corrupt_schema])
def test_a_knowledge_base_or_nothing_is_replaced(
    seed_db: Path, tmp_path: Path, make: Callable[[Path, Path], None]
) -> None:
    target = tmp_path / "kb.db"
    make(seed_db, target)
    report = build_knowledge_base([DATA], target)
    assert report.indicators == 289
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM indicators").fetchone() == (289,)


def test_a_folder_of_the_users_in_place_of_the_index_is_refused_untouched(tmp_path: Path) -> None:
    """kb.whoosh beside kb.db holds the index; a folder of that name holding something else is not replaced."""
    folder = tmp_path / "kb.whoosh"
    folder.mkdir()
    (folder / "论文.txt").write_text("我的论文", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(DATA), "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 2
    assert result.output.startswith(
        f"错误：{folder}: 已存在，但不是本工具的 Whoosh 索引文件夹（里面有 论文.txt）：不会被覆盖"
    )
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["kb.whoosh", "论文.txt"]
    with pytest.raises(FileExistsError, match="不是本工具的 Whoosh 索引文件夹"):
        whoosh_index.swap_in(tmp_path / "staging", folder)  # the one place an index is replaced refuses too
    assert (folder / "论文.txt").read_text(encoding="utf-8") == "我的论文"


def test_a_file_in_place_of_the_index_is_refused(tmp_path: Path) -> None:
    (tmp_path / "kb.whoosh").write_text("笔记", encoding="utf-8")
    with pytest.raises(DatabaseFileError, match="已存在，是文件，不是 Whoosh 索引文件夹"):
        build_knowledge_base([DATA], tmp_path / "kb.db")


def test_an_empty_folder_or_an_index_in_place_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "kb.whoosh").mkdir()
    build_knowledge_base([DATA], tmp_path / "kb.db")
    assert whoosh_index.index_build_id(tmp_path / "kb.whoosh") is not None
    report = build_knowledge_base([DATA], tmp_path / "kb.db")  # the index of the first build is replaced
    assert report.indicators == 289
