"""The query planner (issue 14): how a query is read, what each tier finds, and every path agreeing on the seed."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from indexer.fts import match_expression, search_hits
from indexer.planner import CATEGORY, EXACT, FAMILY, WORDING, WORDS, plan, read_query
from indexer.target_terms import index_target_terms, read_target, split_target
from kb.cli import cli
from kb.web.search import register_functions
from tests.kbtest import DatasetteClient


@pytest.fixture(scope="module")
def conn(seed_db: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{seed_db}?mode=ro", uri=True, check_same_thread=False)
    register_functions(connection)
    return connection


def ids_where(conn: sqlite3.Connection, where: str, params: tuple = ()) -> set[int]:
    """Indicator ids chosen by a condition on the rows as published (never by the search)."""
    sql = f"SELECT i.id FROM indicators i JOIN projects p ON p.id = i.project_id WHERE {where}"
    return {row[0] for row in conn.execute(sql, params)}


def texts_hold(word: str) -> str:
    return (
        f"(i.level3 || ' ' || i.description || ' ' || i.target_raw || ' ' || i.basis || ' ' || p.name) LIKE '%{word}%'"
    )


def found(conn: sqlite3.Connection, query: str) -> list[int]:
    return [hit.id for hit in search_hits(conn, query, limit=None)]


# ---------------------------------------------------------------- reading a query


def test_targets_are_read_with_the_project_parser() -> None:
    assert split_target("满意度≤90%")[0] == "满意度"
    at_most = read_target("≤90%")
    assert at_most is not None and (at_most.op, at_most.value, at_most.unit) == ("≤", 90.0, "%")
    at_least = read_target("不低于95%")
    assert at_least is not None and (at_least.op, at_least.value) == ("≥", 95.0)
    any_op = read_target("100%")
    assert any_op is not None and any_op.op is None and any_op.unit == "%"
    deadline = read_target("12月前")
    assert deadline is not None and deadline.kind == "deadline" and deadline.month == 12
    # A bare number, a year and digits inside a name stay words.
    assert read_target("1.1") is None and read_target("2024年") is None and split_target("4+4") == ("4+4", None)


def test_units_fold_as_the_parser_folds_them() -> None:
    written_short, written_long = read_target("≤2281万"), read_target("≤2281万元")
    assert written_short is not None and written_long is not None
    assert written_short.term() == written_long.term() in index_target_terms("≤2281万")
    assert read_target("≥90%").term() not in index_target_terms("≤90%")  # type: ignore[union-attr]


def test_query_reading() -> None:
    read = read_query("满意度 ≤90%")
    assert [need.text for need in read.needs] == ["满意度"] and [t.label() for t in read.targets] == ["≤90%"]
    assert [need.text for need in read_query("知晓度").needs] == ["知晓度"]  # 知晓 | 度 kept as one word form
    assert [need.text for need in read_query("驻村").needs] == ["驻村"]  # characters the dictionary does not know
    assert read_query('"资金拨付及时性"').needs[0].quoted
    assert read_query("单位面积办公用房年度租赁费").phrases == (("单位", "面积", "办公用房", "年度", "租赁费"),)
    assert read_query("的 和 。").empty


# ---------------------------------------------------------------- what the issue asks to see


def test_at_most_90_percent_finds_exactly_those_targets(conn: sqlite3.Connection) -> None:
    wanted = ids_where(conn, "i.target_op = '≤' AND i.target_value = 90 AND i.target_unit = '%'")
    assert len(wanted) == 3
    assert set(found(conn, "≤90%")) == wanted
    assert set(found(conn, "≥90%")).isdisjoint(wanted)


def test_satisfaction_at_most_90_percent_is_the_two_satisfaction_rows(conn: sqlite3.Connection) -> None:
    hits = found(conn, "满意度 ≤90%")
    assert set(hits) == ids_where(conn, "i.target_raw = '≤90%' AND i.level1 = '满意度指标'")
    assert len(hits) == 2
    assert set(found(conn, "满意度≤90%")) == set(hits)


def test_beneficiary_satisfaction_lists_its_exact_rows_then_the_other_satisfaction_targets(
    conn: sqlite3.Connection,
) -> None:
    hits = search_hits(conn, "受益对象满意度", limit=None)
    exact = ids_where(conn, "i.level3 IN ('受益对象满意度', '受益对象满意度(%)')")
    assert len(exact) == 4
    assert {hit.id for hit in hits[:4]} == exact and {hit.kind for hit in hits[:4]} == {EXACT}
    assert {hit.id for hit in hits} == ids_where(conn, "i.level2 = '服务对象满意度指标'")
    assert [hit.kind for hit in hits[4:]] == sorted((hit.kind for hit in hits[4:]), key=[FAMILY, CATEGORY].index)
    family = ids_where(conn, "i.family_id = (SELECT family_id FROM indicators WHERE level3 = '受益对象满意度' LIMIT 1)")
    assert {hit.id for hit in hits if hit.kind in (EXACT, FAMILY)} == family


def test_number_with_a_unit_matches_that_unit_only(conn: sqlite3.Connection) -> None:
    hits = set(found(conn, "100%"))
    assert hits == ids_where(conn, "i.target_value = 100 AND i.target_unit = '%'")
    assert not hits & ids_where(conn, "i.target_unit = '平方米'")


@pytest.mark.parametrize(
    ("query", "stem", "relevant"),
    [
        ("满意率", "满意", 46),
        ("准确性", "准确", 15),
        ("覆盖面", "覆盖", 3),
        ("及时率", "及时", 38),
        ("及时性", "及时", 38),
    ],
)
def test_word_forms_find_their_measure(conn: sqlite3.Connection, query: str, stem: str, relevant: int) -> None:
    """The counts the issue gives: each form of a measure finds every row of it."""
    wanted = ids_where(conn, texts_hold(stem))
    assert len(wanted) == relevant
    assert set(found(conn, query)) == wanted


def test_other_wordings(conn: sqlite3.Connection) -> None:
    assert set(found(conn, "贴息贷款")) == ids_where(conn, texts_hold("贷款贴息")) != set()
    assert set(found(conn, "知晓度")) == ids_where(conn, texts_hold("知晓")) != set()
    assert set(found(conn, "租金")) == ids_where(conn, texts_hold("租赁费")) != set()
    assert ids_where(conn, texts_hold("工装")) <= set(found(conn, "工作服"))
    assert set(found(conn, "驻村")) == ids_where(conn, texts_hold("驻村")) != set()
    kinds = {hit.kind for hit in search_hits(conn, "满意率", limit=None)}
    assert EXACT not in kinds and WORDING in kinds


def test_words_apart_come_after_the_phrase(conn: sqlite3.Connection) -> None:
    hits = search_hits(conn, "贴息成本", limit=None)
    assert {hit.kind for hit in hits} == {WORDS}
    assert {hit.id for hit in hits} == ids_where(conn, f"{texts_hold('贴息')} AND {texts_hold('成本')}")


def test_beneficiary_family_by_another_wording(conn: sqlite3.Connection) -> None:
    hits = search_hits(conn, "受益人满意度", limit=None)
    first = {hit.id for hit in hits if hit.kind in (EXACT, WORDS)}
    assert first == ids_where(conn, "i.level3 = '受益人员满意度'")
    assert {hit.id for hit in hits} == ids_where(conn, "i.level2 = '服务对象满意度指标'")


@pytest.mark.parametrize("query", ["污水处理", "垃圾分类", "污水处理率", "满意度 ≤50%", "成本 >100万元", "的"])
def test_expansion_never_drags_unrelated_rows_in(conn: sqlite3.Connection, query: str) -> None:
    assert found(conn, query) == []


def test_sewage_does_not_find_business_handling(conn: sqlite3.Connection) -> None:
    business = set(found(conn, "业务处理"))
    assert business and business == ids_where(conn, f"{texts_hold('业务')} AND {texts_hold('处理')}")
    assert not set(found(conn, "污水处理")) & business


def test_tiers_rank_earlier_first_and_bm25_within(conn: sqlite3.Connection) -> None:
    for query in ("受益对象满意度", "满意率", "资金拨付及时性", "贴息成本", "成本"):
        hits = search_hits(conn, query, limit=None)
        assert [h.tier for h in hits] == sorted(h.tier for h in hits), query
        for tier in {h.tier for h in hits}:
            scores = [h.score for h in hits if h.tier == tier]
            assert scores == sorted(scores, reverse=True), query


def test_a_plan_is_the_same_expression_everywhere(conn: sqlite3.Connection) -> None:
    """kb_fts_match in SQL, the Python ranking and the plan's own evaluation agree row for row."""
    for query in ("受益对象满意度", "满意率", "贴息贷款", "≤90%", "创业担保贷款 满意度", "驻村 帮扶"):
        matched = {
            row[0]
            for row in conn.execute(
                "SELECT rowid FROM indicators_fts WHERE indicators_fts MATCH kb_fts_match(?)", (query,)
            )
        }
        assert matched == set(found(conn, query)), query
        assert match_expression(query, conn) == plan(conn, query).fts5()


# ---------------------------------------------------------------- Datasette


def page_ids(datasette: DatasetteClient, path: str) -> list[int]:
    """Every row of a search, page after page (following Datasette's own next links)."""
    out: list[int] = []
    next_path: str | None = path
    while next_path:
        data = datasette.json(next_path)
        out += [row["id"] for row in data["rows"]]
        next_url = data.get("next_url")
        next_path = re.sub(r"^https?://[^/]+", "", next_url) if next_url else None
    return out


@pytest.mark.parametrize("query", ["受益对象满意度", "满意率", "贴息贷款", "≤90%", "成本", "租赁"])
def test_table_page_and_canned_query_agree_row_for_row(
    datasette: DatasetteClient, conn: sqlite3.Connection, query: str
) -> None:
    canned = [r["id"] for r in datasette.json(f"/kb/search_indicators.json?q={quote(query)}&_shape=array")]
    table = page_ids(datasette, f"/kb/indicators.json?_search={quote(query)}&_size=7&_shape=objects")
    view = page_ids(datasette, f"/kb/indicator_details.json?_search={quote(query)}&_size=9&_shape=objects")
    assert table == view == canned == found(conn, query)


def test_search_with_filters_keeps_relevance_order(datasette: DatasetteClient, conn: sqlite3.Connection) -> None:
    rows = page_ids(
        datasette, f"/kb/indicators.json?_search={quote('受益对象满意度')}&project_year=2024&_size=5&_shape=objects"
    )
    in_2024 = ids_where(conn, "i.project_year = 2024")
    assert rows == [i for i in found(conn, "受益对象满意度") if i in in_2024]


def test_sorting_by_a_column_still_sorts(datasette: DatasetteClient) -> None:
    data = datasette.json(f"/kb/indicators.json?_search={quote('受益对象满意度')}&_sort=level3&_shape=array&_size=max")
    names = [row["level3"] for row in data]
    assert names == sorted(names) and len(names) == 46
    search = quote("受益对象满意度")
    years = [
        r["project_year"]
        for r in datasette.json(f"/kb/indicators.json?_search={search}&_sort_desc=project_year&_shape=array&_size=max")
    ]
    assert years == sorted(years, reverse=True) and len(years) == 46


def test_canned_query_says_which_tier_matched(datasette: DatasetteClient) -> None:
    rows = datasette.json(f"/kb/search_indicators.json?q={quote('受益对象满意度')}&_shape=array")
    kinds = [row["match_kind"] for row in rows]
    assert kinds[:4] == ["精确匹配"] * 4 and set(kinds[4:]) == {"同族指标", "同类指标"}


def test_search_page_shows_tiers_and_reads_targets(datasette: DatasetteClient) -> None:
    html = datasette.get(f"/kb/indicators?_search={quote('受益对象满意度')}").text
    assert html.count('<span class="kb-tier">精确匹配</span>') == 4
    assert '<span class="kb-tier">同族指标</span>' in html and '<span class="kb-tier">同类指标</span>' in html
    targets = datasette.json(f"/kb/indicators.json?_search={quote('满意度 ≤90%')}&_shape=array")
    assert sorted(row["target_raw"] for row in targets) == ["≤90%", "≤90%"]


def test_stop_words_only_get_a_chinese_message(datasette: DatasetteClient) -> None:
    html = datasette.get(f"/kb/indicators?_search={quote('的 和')}").text
    # The page's script shows it under the search box (the message is in the script as a JSON string).
    assert json.dumps("只有停用词或标点，没有可检索的词")[1:-1] in html and "∅" not in html
    assert datasette.json(f"/kb/indicators.json?_search={quote('的')}&_shape=array") == []


def test_goal_indicators_are_searched_the_same_way(datasette: DatasetteClient) -> None:
    goals = datasette.json(f"/kb/search_goal_indicators.json?q={quote('满意度')}&_shape=array")
    table = datasette.json(f"/kb/goal_indicators.json?_search={quote('满意度')}&_shape=array")
    assert [r["id"] for r in goals] == [r["id"] for r in table]
    assert {r["name"] for r in table} == {"“一站式”服务大厅服务满意度", "群众满意度"}


# ---------------------------------------------------------------- kb search and kb similar


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_kb_search_reads_targets_and_wordings(seed_db: Path, conn: sqlite3.Connection) -> None:
    result = run("search", "满意度 ≤90%", "--db", str(seed_db), "--format", "json")
    assert result.exit_code == 0, result.output
    assert {r["id"] for r in json.loads(result.output)} == set(found(conn, "满意度 ≤90%"))
    table = run("search", "满意率", "--db", str(seed_db), "--limit", "3")
    assert "相近写法：满意率 → 满意" in table.output and "相近写法 3 条" in table.output.splitlines()[0]


def test_kb_similar_ranks_the_identical_row_first(seed_db: Path, conn: sqlite3.Connection) -> None:
    """Project 11's 受益对象满意度 ≤90%: project 23's row with the same name and target comes first."""
    rows = conn.execute(
        "SELECT i.id FROM indicators i JOIN projects p ON p.id = i.project_id "
        "WHERE i.level3 = '受益对象满意度' AND i.target_raw = '≤90%' ORDER BY p.seq"
    ).fetchall()
    (probe,), (twin,) = rows
    result = run("similar", str(probe), "--db", str(seed_db), "--format", "json")
    assert json.loads(result.output)["similar"][0]["id"] == twin
    by_text = json.loads(run("similar", "受益对象满意度 ≤90%", "--db", str(seed_db), "--format", "json").output)
    assert {r["id"] for r in by_text["similar"][:2]} == {probe, twin}
    rent = json.loads(run("similar", "租金", "--db", str(seed_db), "--format", "json", "--limit", "4").output)
    assert {r["level3"] for r in rent["similar"]} == {"单位面积办公用房年度租赁费"}


@pytest.mark.parametrize(
    "query", ["受益对象满意度", "满意率", "创业担保贷款 满意度", "就业 满意度", "贴息成本", "成本"]
)
def test_the_texts_order_is_the_rankings_order(conn: sqlite3.Connection, query: str) -> None:
    """Sorting by text place then id (filtered pages, whole rankings) lists what the lazy ranking lists."""
    from indexer.ranking import Ranking, TextOrder, ranked

    the_plan = plan(conn, query)
    lazy = ranked(conn, the_plan, None)
    whole = Ranking()
    whole.extend(conn, the_plan, None)
    assert [(h.id, h.tier, h.score) for h in whole.hits] == [(h.id, h.tier, h.score) for h in lazy]
    order = TextOrder(conn, the_plan)
    text_of = dict(conn.execute("SELECT id, text_id FROM indicators"))
    keys = [order.key(h.id, text_of[h.id]) for h in lazy]
    assert all(key is not None for key in keys)
    assert [h.id for h in lazy] == [i for _, i in sorted((k[0], h.id) for k, h in zip(keys, lazy, strict=True))]
