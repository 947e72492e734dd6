"""kb build --add: adding a document gives what a full rebuild of the same documents gives."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.corpus import department, render
from indexer import whoosh_index
from kb.cli import cli
from kb.db.build import add_to_knowledge_base, build_knowledge_base
from tests.conftest import SEED


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("docs")
    paths = [folder / "a-seed.txt"]
    shutil.copy(SEED, paths[0])
    for name, (index, year) in (("b.txt", (3, 2023)), ("c.txt", (4, 2024))):
        (folder / name).write_text(render(department(index), year, seed=7).text, encoding="utf-8")
        paths.append(folder / name)
    return paths


def _partition(conn: sqlite3.Connection, sql: str) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for group, member in conn.execute(sql):
        groups.setdefault(group, set()).add(member)
    return {frozenset(members) for members in groups.values()}


def _state(db: Path) -> dict:
    """What the knowledge base says, with the numbering of derived groups set aside."""
    with sqlite3.connect(db) as conn:
        return {
            "indicators": conn.execute(
                "select id, project_id, level1, level2, level3, target_raw, target_op, target_value, target_unit "
                "from indicators order by id"
            ).fetchall(),
            "projects": conn.execute("select id, name, year, budget from projects order by id").fetchall(),
            "families": _partition(conn, "select family_id, id from indicators"),
            "family_stats": {
                (row[0], row[1:])
                for row in conn.execute(
                    "select group_concat(i.id), f.name, f.size, f.project_count, f.operators, f.main_unit, "
                    "f.min_value, f.median_value, f.max_value, f.target_spread from indicator_families f "
                    "join (select family_id, id from indicators order by id) i on i.family_id = f.id group by f.id"
                )
            },
            "texts": _partition(conn, "select text_id, id from indicators"),
            "series": _partition(conn, "select series_id, id from projects"),
            "findings": sorted(
                conn.execute(
                    "select rule, severity, document_id, project_id, indicator_id, message, evidence from anomalies"
                )
            ),
            "departments": sorted(conn.execute("select code, name, document_count from departments")),
        }


def test_adding_a_document_equals_rebuilding(tmp_path: Path, documents: list[Path]) -> None:
    full, incremental = tmp_path / "full.db", tmp_path / "incremental.db"
    build_knowledge_base(documents, full)
    build_knowledge_base(documents[:2], incremental)
    report = add_to_knowledge_base(documents[2:], incremental)
    assert report.documents == 1 and report.indicators > 200
    expected, got = _state(full), _state(incremental)
    for key in expected:
        assert got[key] == expected[key], key
    # Whoosh keeps replaced documents in its statistics until segments merge, so scores may differ
    # slightly; what is found may not.
    with sqlite3.connect(full) as full_conn, sqlite3.connect(incremental) as incremental_conn:
        for query in ("受益对象满意度", "满意度", "创业担保贷款 满意度", "办公用房"):
            found = {
                hit.id
                for hit in whoosh_index.search(tmp_path / "incremental.whoosh", incremental_conn, query, limit=1000)
            }
            assert found == {
                hit.id for hit in whoosh_index.search(tmp_path / "full.whoosh", full_conn, query, limit=1000)
            }, query
            assert found


def test_known_documents_are_skipped_and_missing_database_refused(tmp_path: Path, documents: list[Path]) -> None:
    db = tmp_path / "kb.db"
    build_knowledge_base(documents[:1], db)
    before = db.read_bytes()
    result = CliRunner().invoke(cli, ["build", "--add", str(documents[0]), "--db", str(db)])
    assert result.exit_code == 0 and "0 份文档" in result.output
    assert db.read_bytes() == before
    result = CliRunner().invoke(cli, ["build", "--add", str(documents[1]), "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 2 and "知识库不存在" in result.output
    result = CliRunner().invoke(cli, ["build", "--add", "--db", str(db)])
    assert result.exit_code == 2 and "需要给出要加入的文档" in result.output


def test_adding_keeps_the_build_id_chain_and_index_fresh(tmp_path: Path, documents: list[Path]) -> None:
    db = tmp_path / "kb.db"
    build_knowledge_base(documents[:2], db)
    with sqlite3.connect(db) as conn:
        first = conn.execute("select build_id from build_info").fetchone()[0]
    add_to_knowledge_base(documents[2:], db)
    with sqlite3.connect(db) as conn:
        second, count = conn.execute("select build_id, document_count from build_info").fetchone()
    assert second != first and count == 3
    assert whoosh_index.index_build_id(tmp_path / "kb.whoosh") == second
    result = CliRunner().invoke(cli, ["search", "满意度", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0 and "Whoosh" not in result.stderr
    assert len(json.loads(result.stdout)) == 20
