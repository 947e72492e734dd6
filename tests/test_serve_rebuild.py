"""``kb serve`` rebuilds a stale knowledge base only from the documents it was built from."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.db.build import build_knowledge_base, documents_lost_by_rebuild

ROOT = Path(__file__).resolve().parent.parent
SEED = next((ROOT / "data").glob("*.txt"))


def _documents(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute("SELECT source_path, sha256 FROM documents"))


def _newer(folder: Path) -> None:
    """Make ``folder`` and its files newer than any database built so far."""
    later = time.time() + 60
    for path in [folder, *folder.iterdir()]:
        os.utime(path, (later, later))


def _serve(db: Path, data: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, list[list[str]]]:
    served: list[list[str]] = []
    monkeypatch.setattr("kb.web.serve.run_datasette", served.append)
    result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--data", str(data)])
    return result.exit_code, result.output, served


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture()
def other_document(tmp_path: Path) -> Path:
    """The seed with another department code: a document that is not in ``data``."""
    folder = tmp_path / "other"
    folder.mkdir()
    text = SEED.read_text(encoding="utf-8").replace("2024年", "2025年")
    path = folder / "other-2025.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_stale_knowledge_base_of_the_same_documents_is_rebuilt(
    tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "kb.db"
    build_knowledge_base([data], db)
    _newer(data)
    assert documents_lost_by_rebuild(db, [data]) == []
    code, output, served = _serve(db, data, monkeypatch)
    assert code == 0 and served, output
    assert f"{db} 早于 {data} 中的文档，正在用 {data} 构建…" in output
    assert db.stat().st_mtime >= (data / SEED.name).stat().st_mtime - 60


def test_a_document_edited_in_place_is_rebuilt_not_lost(
    tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A corrected version saved over the old file: the knowledge base is rebuilt with it."""
    db = tmp_path / "kb.db"
    monkeypatch.chdir(tmp_path)  # paths are recorded as given, relative to where kb build ran
    build_knowledge_base([Path("data")], db)
    edited = data / SEED.name
    edited.write_text(SEED.read_text(encoding="utf-8").replace("党建活动经费", "党建活动专项经费"), encoding="utf-8")
    _newer(data)
    assert documents_lost_by_rebuild(db, [Path("data")]) == []
    code, output, served = _serve(db, Path("data"), monkeypatch)
    assert code == 0 and served and "正在用 data 构建" in output, output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM projects WHERE name = '党建活动专项经费'").fetchone() == (1,)


def test_a_knowledge_base_of_other_documents_is_served_as_it_is(
    tmp_path: Path, data: Path, other_document: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "city.db"
    build_knowledge_base([other_document.parent], db)
    before = _documents(db)
    _newer(data)
    code, output, served = _serve(db, data, monkeypatch)
    assert code == 0 and served, output
    assert "正在用" not in output
    assert (
        f"提示：{db} 早于 {data} 中的文档，但其中 1 份文档不在 {data} 中（如 {other_document}），"
        "重建会丢掉它们，所以没有自动重建" in output
    )
    assert _documents(db) == before


def test_a_knowledge_base_added_to_is_not_rebuilt_without_the_added_document(
    tmp_path: Path, data: Path, other_document: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "kb.db"
    build_knowledge_base([data, other_document], db)
    before = _documents(db)
    assert len(before) == 2
    _newer(data)
    assert documents_lost_by_rebuild(db, [data]) == [str(other_document)]
    code, output, _ = _serve(db, data, monkeypatch)
    assert code == 0 and "没有自动重建" in output and "正在用" not in output
    assert _documents(db) == before


def test_a_knowledge_base_of_an_older_version_is_rebuilt_from_its_documents(
    tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "kb.db"
    build_knowledge_base([data], db)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE source_lines")  # what a knowledge base of version 0.1.0 lacks
    os.utime(data, (0, 0))  # not stale: rebuilt for its version alone
    code, output, served = _serve(db, data, monkeypatch)
    assert code == 0 and served, output
    assert f"{db} 由其他版本的本工具构建，正在用 {data} 构建…" in output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM source_lines").fetchone()[0] > 0


def test_a_knowledge_base_of_an_older_version_and_other_documents_is_refused(
    tmp_path: Path, data: Path, other_document: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "city.db"
    build_knowledge_base([other_document], db)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE source_lines")
    before = _documents(db)
    code, output, served = _serve(db, data, monkeypatch)
    assert code == 2 and not served
    lines = output.strip().splitlines()
    assert lines[0].startswith(f"提示：{db} 由其他版本的本工具构建，但其中 1 份文档不在 {data} 中")
    assert lines[1].startswith(f"错误：{db}: 知识库由其他版本的本工具")
    assert _documents(db) == before


def test_documents_that_cannot_be_read_are_unknown(tmp_path: Path, data: Path) -> None:
    not_a_database = tmp_path / "x.db"
    not_a_database.write_bytes(b"not a database" * 100)
    assert documents_lost_by_rebuild(not_a_database, [data]) is None
