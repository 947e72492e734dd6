"""Comparison: indicator families, project series, kb similar / search / series, measured on hand labels."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.families import assign_families, canonical_name
from kb.cli import cli
from tests.seed_ids import seed_indicator, seed_project

LABELS = Path(__file__).parent / "labels"


def _labels(name: str) -> list[list[str]]:
    lines = (LABELS / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def _one(db: Path, sql: str, params: tuple = ()):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchone()


def precision_recall(predicted: list[bool], truth: list[bool]) -> tuple[float, float]:
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
    fn = sum(t and not p for p, t in zip(predicted, truth, strict=True))
    return tp / (tp + fp), tp / (tp + fn)


def test_family_quality_on_hand_labelled_pairs(seed_db: Path) -> None:
    def family(project: str, position: str) -> int:
        return _one(
            seed_db,
            "select family_id from indicators where id = ?",
            (seed_indicator(int(project), int(position)),),
        )[0]

    pairs = _labels("family_pairs.tsv")
    predicted = [family(a, pa) == family(b, pb) for a, pa, b, pb, *_ in pairs]
    truth = [same == "1" for *_, same, _why in pairs]
    precision, recall = precision_recall(predicted, truth)
    print(f"\nindicator families on {len(pairs)} labelled pairs: precision {precision:.3f}, recall {recall:.3f}")
    assert len(pairs) >= 60
    assert precision > 0.9 and recall > 0.9


def test_series_quality_on_hand_labelled_pairs(seed_db: Path) -> None:
    def series(project: str) -> int:
        return _one(seed_db, "select series_id from projects where id = ?", (seed_project(int(project)),))[0]

    pairs = _labels("series_pairs.tsv")
    predicted = [series(a) == series(b) for a, b, *_ in pairs]
    truth = [same == "1" for _a, _b, same, _why in pairs]
    precision, recall = precision_recall(predicted, truth)
    print(f"\nproject series on {len(pairs)} labelled pairs: precision {precision:.3f}, recall {recall:.3f}")
    assert precision > 0.9 and recall > 0.9


def test_beneficiary_satisfaction_family(seed_db: Path) -> None:
    family_id = _one(seed_db, f"select family_id from indicators where id = {seed_indicator(11, 6)}")[0]
    members = _one(
        seed_db,
        "select count(*), count(distinct project_id), sum(target_raw = '≤90%') from indicators where family_id = ?",
        (family_id,),
    )
    assert members == (24, 24, 2)
    assert _one(seed_db, f"select family_id from indicators where id = {seed_indicator(23, 7)}")[0] == family_id
    names = {
        row
        for (row,) in sqlite3.connect(seed_db).execute(
            "select distinct level3 from indicators where family_id = ?", (family_id,)
        )
    }
    assert {"受益对象满意度", "受益群体满意度", "受益人员满意度", "服务对象满意度", "服务群体满意度"} <= names
    family = _one(
        seed_db,
        "select name, size, project_count, year_count, operators, main_unit, min_value, "
        "median_value, max_value from indicator_families where id = ?",
        (family_id,),
    )
    assert family == ("受益人员满意度", 24, 24, 2, '{"≥": 22, "≤": 2}', "%", 85.0, 90.0, 95.0)


def test_rent_family(seed_db: Path) -> None:
    family_id = _one(seed_db, f"select family_id from indicators where id = {seed_indicator(1, 5)}")[0]
    with sqlite3.connect(seed_db) as conn:
        members = conn.execute(
            "select project_id, target_raw from indicators where family_id = ? order by id", (family_id,)
        ).fetchall()
    assert members == [
        (seed_project(1), "≤1.3 元/平方米"),
        (seed_project(28), "1.1元/平方米"),
        (seed_project(40), "1.1 元/平方米"),
        (seed_project(42), "1.1 元/平方米"),
    ]


def test_unrelated_indicators_are_not_one_family(seed_db: Path) -> None:
    poverty = _one(seed_db, "select family_id from indicators where level3 = '返贫户数'")[0]
    training = _one(seed_db, "select family_id from indicators where level3 = '培训合格率'")[0]
    assert poverty != training


def test_canonical_names() -> None:
    assert canonical_name("受益群体满意度") == canonical_name("服务对象满意度") == "服务对象满意度"
    assert canonical_name("通过调查，满意和较满意的服务对象的比例") == "服务对象满意度"
    assert canonical_name("通过调查，满意和较满意的人才占的比例") == "人才满意度"
    assert canonical_name("案件结案率(%)") == "案件结案率"
    assert canonical_name("参保率（%）") == "参保率"


def test_families_do_not_depend_on_input_order() -> None:
    names = ["受益对象满意度", "服务对象满意度", "培训合格率", "租赁面积", "资金支付是否及时", "资金拨付及时性"]
    assert assign_families(names) == assign_families(list(reversed(names)))


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_similar_rent_returns_the_other_rent_rows_first(seed_db: Path) -> None:
    result = run("similar", f"{seed_indicator(1, 5)}", "--db", str(seed_db), "--format", "json", "--limit", "10")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["subject"]["level3"] == "单位面积办公用房年度租赁费"
    first = data["similar"][:3]
    assert sorted(r["id"] for r in first) == [seed_indicator(28, 4), seed_indicator(40, 4), seed_indicator(42, 4)]
    assert all(r["same_family"] for r in first)
    assert {r["target"]["raw"] for r in first} == {"1.1元/平方米", "1.1 元/平方米"}
    assert first[0]["source"].endswith(":1573") or first[0]["source"].split(":")[-1].isdigit()
    assert not data["similar"][3]["same_family"]


def test_similar_satisfaction_returns_satisfaction_rows_first(seed_db: Path) -> None:
    result = run("similar", f"{seed_indicator(11, 6)}", "--db", str(seed_db), "--format", "json", "--limit", "23")
    data = json.loads(result.output)["similar"]
    assert len(data) == 23
    assert all(r["level1"] == "满意度指标" and "满意" in r["level3"] for r in data)
    assert seed_indicator(23, 7) in [r["id"] for r in data]
    assert all(r["same_family"] for r in data)


def test_similar_free_text(seed_db: Path) -> None:
    result = run("similar", "受益群体满意度", "--db", str(seed_db), "--format", "json", "--limit", "5")
    data = json.loads(result.output)
    assert data["subject"] == {"text": "受益群体满意度"}
    assert all(r["same_family"] for r in data["similar"])


def test_similar_table_format(seed_db: Path) -> None:
    result = run("similar", f"{seed_indicator(1, 5)}", "--db", str(seed_db), "--limit", "3")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith(
        f"与 {seed_indicator(1, 5)}「单位面积办公用房年度租赁费」（组织人社运转保障工作经费，2024，≤1.3 元/平方米）"
    )
    assert lines[1].split()[:3] == ["编号", "年度", "项目"]
    assert len(lines) == 3 + 3
    assert all("✓" in line for line in lines[3:])


def test_search_table_and_json(seed_db: Path) -> None:
    result = run("search", "受益对象满意度", "--db", str(seed_db))
    assert result.exit_code == 0
    # The 4 exact rows first, then the family (issue 14); the default limit is 20.
    assert (
        result.output.splitlines()[0]
        == "20 条结果（Whoosh BM25F；查询词：受益对象满意度；精确匹配 4 条，同族指标 16 条）"
    )
    assert "\x1b[" not in result.output  # no colour when the output is not a terminal
    data = json.loads(run("search", "受益对象满意度", "--db", str(seed_db), "--format", "json").output)
    assert sorted(r["id"] for r in data[:4]) == [
        seed_indicator(5, 6),
        seed_indicator(11, 6),
        seed_indicator(16, 6),
        seed_indicator(23, 7),
    ]
    assert all(r["matched_terms"] == ["受益对象满意度"] and r["match_kind"] == "精确匹配" for r in data[:4])
    assert {r["match_kind"] for r in data[4:]} == {"同族指标"}


def test_search_filters(seed_db: Path) -> None:
    def ids(*args: str) -> list[int]:
        result = run("search", *args, "--db", str(seed_db), "--format", "json", "--limit", "100")
        assert result.exit_code == 0, result.output
        return sorted(r["id"] for r in json.loads(result.output))

    # Quoted: the exact wording only (issue 14 adds the family and category otherwise).
    assert ids('"受益对象满意度"', "--year", "2023") == [seed_indicator(11, 6), seed_indicator(16, 6)]
    assert ids("满意度", "--project", "11") == [seed_indicator(11, 6)]
    assert ids("满意度", "--project", "创业担保贷款财政贴息") == [seed_indicator(29, 6)]
    assert len(ids("租赁", "--level2", "数量指标")) == 6
    assert ids("租赁", "--level2", "数量指标", "--year", "2023") == [seed_indicator(28, 1), seed_indicator(42, 1)]


def test_search_highlights_matched_terms_on_a_terminal() -> None:
    from kb.cli.render.indicators import highlighter

    paint = highlighter(["满意度"], enabled=True)
    assert paint("受益对象满意度") == "受益对象\x1b[31m\x1b[1m满意度\x1b[0m"
    assert highlighter(["满意度"], enabled=False)("满意度") == "满意度"


def test_series_command(seed_db: Path) -> None:
    result = run("series", "省级就业", "--db", str(seed_db))
    assert result.exit_code == 0
    assert "省级就业补助资金（2 个项目，年度 2023,2024）" in result.output
    assert f"2023（{seed_project(11)}）" in result.output and f"2024（{seed_project(14)}）" in result.output
    data = json.loads(run("series", "普惠", "--db", str(seed_db), "--format", "json").output)
    assert [[p["id"] for p in s["projects"]] for s in data] == [
        [seed_project(32), seed_project(37)],
        [seed_project(33), seed_project(36)],
        [seed_project(34), seed_project(35)],
    ]
    listing = run("series", "--db", str(seed_db), "--format", "json")
    assert {r["name"] for r in json.loads(listing.output)} == {
        "省级就业补助资金",
        "市级普惠金融发展资金",
        "中央普惠金融发展资金",
        "省级普惠金融发展资金",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["similar", "99999999"], "没有编号为 99999999 的指标"),
        (["similar", "，。！"], "只有停用词或标点"),
        (["search", ""], "只有停用词或标点"),
        (["search", "的 和 。"], "只有停用词或标点"),
        (["search", "满意度", "--project", "不存在的项目"], "没有找到项目"),
        (["series", "不存在的系列"], "没有找到项目系列"),
    ],
)
def test_bad_requests_exit_2(seed_db: Path, args: list[str], message: str) -> None:
    result = run(*args, "--db", str(seed_db))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_database_is_reported(tmp_path: Path) -> None:
    result = run("search", "满意度", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2 and "知识库不存在" in result.output


def test_missing_or_stale_whoosh_index_is_rebuilt(tmp_path: Path) -> None:
    import shutil

    from kb.db.build import build_knowledge_base
    from tests.conftest import SEED

    db = tmp_path / "kb.db"
    build_knowledge_base([SEED], db)
    shutil.rmtree(tmp_path / "kb.whoosh")
    result = run("search", "办公用房", "--db", str(db), "--format", "json")
    assert result.exit_code == 0
    assert "Whoosh 索引缺失" in result.stderr
    expected = json.loads(result.stdout)
    (tmp_path / "kb.whoosh" / "BUILD_ID").write_text("from another build")
    result = run("search", "办公用房", "--db", str(db), "--format", "json")
    assert "Whoosh 索引已过期" in result.stderr
    assert json.loads(result.stdout) == expected
    result = run("search", "办公用房", "--db", str(db), "--format", "json")
    assert result.stderr == "" and json.loads(result.stdout) == expected


def test_whoosh_and_fts5_find_the_same_indicators(seed_db: Path) -> None:
    """Both indexes hold the same terms (segmented once), so they find the same rows for every query."""
    from bench.queries import QUERIES
    from indexer import whoosh_index
    from indexer.fts import search_indicators

    with sqlite3.connect(seed_db) as conn:
        for query in QUERIES:
            whoosh = {hit.id for hit in whoosh_index.search(seed_db.with_suffix(".whoosh"), conn, query, limit=2000)}
            fts = {i for i, _ in search_indicators(conn, query, limit=2000)}
            assert whoosh == fts, query
