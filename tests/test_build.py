"""``kb build``: the SQLite knowledge base, its search, idempotence and atomicity."""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from indexer.fts import search
from kb.cli import cli
from kb.db import build as build_module
from kb.db.build import build_knowledge_base
from kb.db.schema import INDICATOR_FTS
from tests.conftest import SEED, write_generated
from tests.seed_ids import seed_indicator, seed_project, seed_project_of


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_counts_equal_the_parse(seed_db: Path) -> None:
    counts = {
        t: rows(seed_db, f"select count(*) from {t}")[0][0]
        for t in (
            "documents",
            "departments",
            "units",
            "projects",
            "indicators",
            "dept_goals",
            "goal_indicators",
            "parse_warnings",
            "indicator_details",
            "goal_indicator_details",
        )
    }
    assert counts == {
        "documents": 1,
        "departments": 1,
        "units": 7,
        "projects": 44,
        "indicators": 289,
        "dept_goals": 21,
        "goal_indicators": 64,
        "parse_warnings": 0,
        "indicator_details": 289,
        "goal_indicator_details": 64,
    }
    assert rows(seed_db, "select round(sum(budget), 2) from projects") == [(7027.99,)]


def test_ids_follow_document_order(seed_db: Path) -> None:
    assert rows(
        seed_db,
        "select id, project_id, level3, target_raw, target_op, target_value, target_unit "
        f"from indicators where id = {seed_indicator(11, 6)}",
    ) == [(seed_indicator(11, 6), seed_project(11), "受益对象满意度", "≤90%", "≤", 90.0, "%")]
    assert rows(seed_db, f"select id, seq, year, code from projects where id = {seed_project(11)}") == [
        (seed_project(11), 11, 2023, "13019023P00G4P410338A")
    ]


def test_document_row(seed_db: Path) -> None:
    assert rows(
        seed_db,
        "select title, dept_code, budget_year, status, project_count, indicator_count, "
        "goal_indicator_count, warning_count from documents",
    ) == [("中共石家庄高新技术产业开发区工委组织部 2024年", "316", 2024, "ok", 44, 289, 64, 0)]


def test_foreign_keys_and_indexes(seed_db: Path) -> None:
    fks = {
        (table, row[3], row[2])
        for table in ("indicators", "projects", "units", "goal_indicators", "documents")
        for row in rows(seed_db, f"pragma foreign_key_list({table})")
    }
    assert {
        ("indicators", "project_id", "projects"),
        ("indicators", "document_id", "documents"),
        ("projects", "document_id", "documents"),
        ("projects", "series_id", "project_series"),
        ("units", "document_id", "documents"),
        ("goal_indicators", "dept_goal_id", "dept_goals"),
        ("documents", "department_id", "departments"),
    } <= fks
    indexed = {
        row[0]
        for row in rows(seed_db, "select name from sqlite_master where type = 'index' and tbl_name = 'indicators'")
    }
    for column in ("level1", "level2", "target_op", "target_unit", "project_year", "project_id"):
        assert f"idx_indicators_{column}" in indexed
    assert rows(seed_db, "pragma foreign_key_check") == []


def test_view_puts_indicator_beside_project(seed_db: Path) -> None:
    assert rows(
        seed_db,
        "select project_name, project_year, dept_name, level3, target_op, target_value "
        f"from indicator_details where id = {seed_indicator(23, 7)}",
    ) == [("社会保险经办工作经费", 2024, "中共石家庄高新技术产业开发区工委组织部", "受益对象满意度", "≤", 90.0)]


def _projects_found(db: Path, query: str, limit: int = 500) -> list[int]:
    with sqlite3.connect(db) as conn:
        return [seed_project_of(rowid) for rowid, _ in search(conn, INDICATOR_FTS, query, limit)]


def test_chinese_queries_find_what_a_person_expects(seed_db: Path) -> None:
    beneficiaries = _projects_found(seed_db, "受益对象满意度")
    assert {11, 23} <= set(beneficiaries)
    assert sorted(beneficiaries) == [5, 11, 16, 23]
    assert len(_projects_found(seed_db, "满意度")) == 40
    assert set(_projects_found(seed_db, "租赁")) == {1, 24, 28, 40, 42}
    assert set(_projects_found(seed_db, "创业担保贷款")) == {29, 32, 33, 34, 35, 36, 37}
    assert set(_projects_found(seed_db, "办公用房")) == {1, 24, 28, 40, 42}


@pytest.mark.parametrize(
    "phrase",
    [
        "受益对象满意度",
        "满意度",
        "租赁",
        "创业担保贷款",
        "办公用房",
        "贴息",
        "结案率",
        "公益性岗位",
        "高校毕业生",
        "年度工作计划",
        "1.1",
    ],
)
def test_search_finds_exactly_the_rows_containing_the_phrase(seed_db: Path, phrase: str) -> None:
    """For one-word phrases the index agrees with a plain substring scan, row for row."""
    with sqlite3.connect(seed_db) as conn:
        found = {rowid for rowid, _ in search(conn, INDICATOR_FTS, phrase, 1000)}
    like = {
        row[0]
        for row in rows(
            seed_db,
            """
        select i.id from indicators i join projects p on p.id = i.project_id
        where i.level3 || ' ' || i.description || ' ' || i.target_raw || ' ' || i.basis || ' ' || p.name
              like '%' || ? || '%'""",
            (phrase,),
        )
    }
    assert found == like
    assert found


def test_ranking_puts_the_named_indicator_first(seed_db: Path) -> None:
    with sqlite3.connect(seed_db) as conn:
        hits = search(conn, INDICATOR_FTS, "单位面积办公用房年度租赁费", 10)
        names = [
            conn.execute("select level3 from indicators where id = ?", (rowid,)).fetchone()[0] for rowid, _ in hits
        ]
    assert names[:4] == ["单位面积办公用房年度租赁费"] * 4
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("query", ['"', "AND", "*", "。", "", "   ", "NEAR(", "的"])
def test_queries_without_terms_match_nothing(seed_db: Path, query: str) -> None:
    assert _projects_found(seed_db, query) == []


def _dump(db: Path) -> dict[str, list[tuple]]:
    tables = [
        name
        for (name,) in rows(
            db,
            "select name from sqlite_master where type in ('table', 'view') "
            "and name not like 'sqlite_%' and name not like '%_fts_%' order by name",
        )
    ]
    return {t: rows(db, f"select * from [{t}] order by 1") for t in tables}


def test_rebuild_is_idempotent(tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    build_knowledge_base([SEED], first)
    build_knowledge_base([SEED], second)
    assert _dump(first) == _dump(second)
    build_knowledge_base([SEED], second)  # over an existing database
    assert _dump(first) == _dump(second)


def test_failed_build_leaves_the_old_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "kb.db"
    build_knowledge_base([SEED], db)
    before = db.read_bytes()
    index_before = sorted((p.name, p.stat().st_size) for p in (tmp_path / "kb.whoosh").iterdir())

    def explode(*args, **kwargs) -> None:
        raise RuntimeError("disk full")

    for target in ((build_module.Loader, "finish"), (build_module.whoosh_index, "write_index")):
        with monkeypatch.context() as patch:
            patch.setattr(*target, explode)
            with pytest.raises(RuntimeError):
                build_knowledge_base([SEED], db)
        assert db.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.db", "kb.whoosh"]
        assert sorted((p.name, p.stat().st_size) for p in (tmp_path / "kb.whoosh").iterdir()) == index_before


def _folder_with_broken_documents(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED, folder / "a-seed.txt")
    (folder / "b-empty.txt").write_bytes(b"")
    (folder / "c-scan.txt").write_bytes(b"%PDF\x00\x01\x02")
    (folder / "d-gbk.txt").write_bytes(SEED.read_text(encoding="utf-8").encode("gbk"))
    (folder / "notes.csv").write_text("not a document")
    return folder


def test_folder_with_broken_documents(tmp_path: Path) -> None:
    folder = _folder_with_broken_documents(tmp_path)
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["build", str(folder), "--db", str(db)])
    assert result.exit_code == 1
    assert f"{folder / 'b-empty.txt'}: 文件为空" in result.output
    assert f"{folder / 'c-scan.txt'}: 不是文本文件" in result.output
    assert "2 份文档" in result.output and "失败 2 份" in result.output
    assert rows(db, "select id, status from documents order by id") == [
        (1, "ok"),
        (2, "failed"),
        (3, "failed"),
        (4, "ok"),
    ]
    assert rows(db, "select document_id, code, message from parse_warnings order by id") == [
        (2, "unreadable_document", "文件为空 (empty file)"),
        (3, "unreadable_document", "不是文本文件 (binary file, not a text document)"),
    ]
    assert rows(db, "select count(*) from indicators") == [(578,)]
    assert rows(db, "select encoding from documents where id = 4") == [("gb18030",)]


def test_nothing_to_build_is_exit_2_and_keeps_the_database(tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    build_knowledge_base([SEED], db)
    before = db.read_bytes()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["build", str(empty), "--db", str(db)])
    assert result.exit_code == 2 and "没有找到文档" in result.output
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.txt").write_text("nothing here")
    result = CliRunner().invoke(cli, ["build", str(broken), "--db", str(db)])
    assert result.exit_code == 2 and "没有任何文档可以解析" in result.output
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "missing"), "--db", str(db)])
    assert result.exit_code == 2 and "不存在" in result.output
    assert db.read_bytes() == before
    assert "Traceback" not in result.output


def test_quiet_summary_when_not_a_terminal(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(SEED), "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("kb build: 1 份文档") and "项目指标 289" in lines[0]


def test_progress_is_reported_per_document(tmp_path: Path) -> None:
    folder = _folder_with_broken_documents(tmp_path)
    seen = []
    build_knowledge_base([folder], tmp_path / "kb.db", workers=2, progress=seen.append)
    assert [(p.done, p.total, p.indicators, p.failed) for p in seen] == [
        (1, 4, 289, 0),
        (2, 4, 289, 1),
        (3, 4, 289, 2),
        (4, 4, 578, 2),
    ]


def test_series_group_the_same_fund_across_years(seed_db: Path) -> None:
    def series(seq: int) -> int:
        return rows(seed_db, "select series_id from projects where seq = ?", (seq,))[0][0]

    assert series(11) == series(14)
    assert series(13) != series(14)
    assert (series(32), series(33), series(34)) == (series(37), series(36), series(35))
    assert len({series(32), series(33), series(34)}) == 3
    assert rows(seed_db, "select name, project_count, years from project_series where id = ?", (series(11),)) == [
        ("省级就业补助资金", 2, "2023,2024")
    ]


@pytest.mark.parametrize(
    "query",
    [
        "受益对象满意度",
        "创业担保贷款 满意度",
        "普惠金融 贴息",
        "就业 满意度",
        "办公用房",
        "省级 到位率",
        "仲裁 结案率",
        "年度工作计划",
    ],
)
def test_ranked_search_over_texts_finds_exactly_what_the_indicator_index_matches(seed_db: Path, query: str) -> None:
    """Ranking distinct texts, then checking members against their own project names, loses and adds nothing."""
    from indexer.fts import match_expression, search_hits

    with sqlite3.connect(seed_db) as conn:
        hits = search_hits(conn, query, limit=1000)
        ranked = [(hit.id, hit.score) for hit in hits]
        exact = {
            rowid
            for (rowid,) in conn.execute(
                f"select rowid from {INDICATOR_FTS.name} where {INDICATOR_FTS.name} match ?",
                (match_expression(query, conn),),
            )
        }
    assert {i for i, _ in ranked} == exact
    assert len(ranked) == len(exact) > 0
    # Tiers in order (issue 14), BM25 descending within each.
    assert [hit.tier for hit in hits] == sorted(hit.tier for hit in hits)
    for tier in {hit.tier for hit in hits}:
        scores = [hit.score for hit in hits if hit.tier == tier]
        assert scores == sorted(scores, reverse=True)


def test_project_name_words_only_count_for_their_own_project(seed_db: Path) -> None:
    from indexer.fts import search_indicators

    with sqlite3.connect(seed_db) as conn:
        found = {seed_project_of(i) for i, _ in search_indicators(conn, "创业担保贷款 满意度", limit=100)}
    # 35 and 36 share their satisfaction row's text with 29, 32–34 and 37, but their names lack 创业担保贷款.
    assert found == {29, 32, 33, 34, 37}


def test_distinct_texts(seed_db: Path) -> None:
    # 224 distinct raw texts; three pairs differ only in spacing (≥1 年 / ≥1年) and segment alike.
    assert rows(seed_db, "select count(*), sum(member_count) from indicator_texts") == [(221, 289)]
    assert rows(
        seed_db,
        "select member_count, project_count from indicator_texts where id = "
        f"(select text_id from indicators where id = {seed_indicator(32, 6)})",
    ) == [(7, 7)]
    assert rows(seed_db, "select count(*) from indicators where text_id is null") == [(0,)]


def test_ids_never_collide_whatever_the_size_of_a_project(tmp_path: Path) -> None:
    # Under the old nested ids (project × 1000 + row) a project of 1,000 rows or more aborted the build.
    from tests.checkskit import Proj, Row, render_document

    big = Proj("大型项目", [Row("数量指标", f"指标{n}", f"≥{n}个") for n in range(1, 1201)])
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(render_document([big, Proj("小项目", [Row("质量指标", "合格率", "≥95%")])]))
    (folder / "b.txt").write_text(render_document([Proj("另一项目", [Row("时效指标", "完成时间", "12月前")])]))
    db = tmp_path / "kb.db"
    build_knowledge_base([folder], db)
    with sqlite3.connect(db) as conn:
        counts = conn.execute("select count(*), count(distinct id), max(id) from indicators").fetchone()
        assert counts == (1202, 1202, 1202)
        positions = conn.execute(
            "select d.source_path, p.seq, max(i.position), count(*) from indicators i "
            "join projects p on p.id = i.project_id join documents d on d.id = i.document_id "
            "group by p.id order by p.id"
        ).fetchall()
        assert [(Path(path).name, seq, top, n) for path, seq, top, n in positions] == [
            ("a.txt", 1, 1200, 1200),
            ("a.txt", 2, 1, 1),
            ("b.txt", 1, 1, 1),
        ]
        # Every reference lands on a row of the same document.
        assert conn.execute(
            "select count(*) from indicators i join projects p on p.id = i.project_id "
            "where p.document_id <> i.document_id"
        ).fetchone() == (0,)


@pytest.mark.parametrize(("cores", "first_load_after_whoosh"), [(8, 0), (1, 2)])
def test_whoosh_is_written_beside_the_load_or_beside_the_last_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cores: int, first_load_after_whoosh: int
) -> None:
    """With a core free of workers the Whoosh writer starts with the load; when the workers hold every core it
    starts once the last batches are handed out (6 batches, 4 finished ahead: before the third load). The
    knowledge base and its Whoosh index are the same either way."""
    from indexer import whoosh_index
    from kb.db import pipeline
    from kb.db.loader import Loader
    from kb.db.stages import LoadBatch

    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED, folder / "a-seed.txt")
    write_generated(folder, ((index, 2024) for index in range(3, 8)))
    events: list[str] = []
    load, start = Loader.load, build_module._start_whoosh

    def logged_load(self: Loader, batch: LoadBatch) -> None:
        events.append("load")
        load(self, batch)

    def logged_start(*args: Any) -> Any:
        events.append("whoosh")
        return start(*args)

    monkeypatch.setattr(Loader, "load", logged_load)
    monkeypatch.setattr(build_module, "_start_whoosh", logged_start)
    monkeypatch.setattr(pipeline, "usable_cores", lambda: cores)
    db = tmp_path / "kb.db"
    build_knowledge_base([folder], db, workers=2)
    assert events.count("load") == 6 and events.index("whoosh") == first_load_after_whoosh
    reference = tmp_path / "one-process.db"
    build_knowledge_base([folder], reference, workers=1)
    assert _dump(db) == _dump(reference)
    query = "满意度"
    with sqlite3.connect(db) as conn, sqlite3.connect(reference) as ref:
        hits = [h.id for h in whoosh_index.search(whoosh_index.index_dir_for(db), conn, query, limit=50)]
        expected = [h.id for h in whoosh_index.search(whoosh_index.index_dir_for(reference), ref, query, limit=50)]
    assert hits == expected and len(hits) == 50


def _frozen_in_child(parent: int, send: Any) -> None:
    from kb.db.processes import init_child

    init_child(parent)
    send.send(gc.get_freeze_count())


def test_a_build_child_leaves_what_it_inherited_to_the_parent() -> None:
    """A forked child (a worker of the local build, the Whoosh writer) freezes the heap it inherited out of its
    garbage collector, so no collection in it walks (and copies) the parent's objects."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    kept = [[n] for n in range(50_000)]  # the parent's rows: tracked containers
    child = context.Process(target=_frozen_in_child, args=(os.getpid(), send))
    child.start()
    frozen = receive.recv()
    child.join()
    assert child.exitcode == 0 and frozen > len(kept)
