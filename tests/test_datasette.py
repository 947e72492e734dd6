"""The knowledge base through Datasette's own test client: pages, search, links, queries, metadata."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from kb.web.metadata import METADATA_FILE, build_metadata, render
from tests.kbtest import DatasetteClient
from tests.seed_ids import seed_indicator, seed_project, seed_seq_of_project

CJK = re.compile(r"[\u4e00-\u9fff]")


def search(datasette: DatasetteClient, table: str, query: str, extra: str = "") -> list[dict]:
    return datasette.json(f"/kb/{table}.json?_search={quote(query)}&_shape=array&_size=max{extra}")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/kb",
        "/kb/indicators",
        "/kb/projects",
        "/kb/documents",
        "/kb/units",
        "/kb/dept_goals",
        "/kb/goal_indicators",
        "/kb/parse_warnings",
        "/kb/departments",
        "/kb/project_series",
        "/kb/indicator_details",
        "/kb/goal_indicator_details",
        f"/kb/indicators/{seed_indicator(11, 6)}",
        f"/kb/projects/{seed_project(11)}",
    ],
)
def test_pages(datasette: DatasetteClient, path: str) -> None:
    response = datasette.get(path)
    assert response.status_code == 200, path


def test_search_api_understands_unsegmented_chinese(datasette: DatasetteClient) -> None:
    found = search(datasette, "indicators", "受益对象满意度")
    # The exact matches first, then the other satisfaction targets (issue 14: family and category tiers).
    assert sorted(row["project_id"] for row in found[:4]) == [
        seed_project(5),
        seed_project(11),
        seed_project(16),
        seed_project(23),
    ]
    assert len(found) == 46 and {row["level1"] for row in found} == {"满意度指标"}
    at_most = sorted(row["id"] for row in found if row["target_op"] == "≤")
    assert at_most == [seed_indicator(11, 6), seed_indicator(23, 7)]


@pytest.mark.parametrize(
    ("query", "projects"),
    [
        ("租赁", {1, 24, 28, 40, 42}),
        ("办公用房", {1, 24, 28, 40, 42}),
        ("创业担保贷款", {29, 32, 33, 34, 35, 36, 37}),
    ],
)
def test_search_box_queries(datasette: DatasetteClient, query: str, projects: set[int]) -> None:
    assert {seed_seq_of_project(row["project_id"]) for row in search(datasette, "indicators", query)} == projects


def test_search_on_the_view_and_the_goal_indicators(datasette: DatasetteClient) -> None:
    found = search(datasette, "indicator_details", "受益对象满意度", "&target_op=%E2%89%A4")
    assert sorted((r["project_seq"], r["project_year"], r["target_raw"]) for r in found) == [
        (11, 2023, "≤90%"),
        (23, 2024, "≤90%"),
    ]
    goals = search(datasette, "goal_indicators", "满意度")
    assert sorted(r["name"] for r in goals) == ["“一站式”服务大厅服务满意度", "群众满意度"]


def test_column_search_is_segmented_too(datasette: DatasetteClient) -> None:
    found = datasette.json(f"/kb/indicators.json?_search_level3={quote('办公用房年度租赁费')}&_shape=array")
    assert len(found) == 4


@pytest.mark.parametrize("query", ['"', "AND", "*", "。", "NEAR(", '"满意度', "a OR", "(", ")", "-", "^"])
def test_invalid_fts_syntax_is_never_a_server_error(datasette: DatasetteClient, query: str) -> None:
    for suffix in ("", ".json"):
        response = datasette.get(f"/kb/indicators{suffix}?_search={quote(query)}")
        assert response.status_code == 200, (query, suffix, response.text[:300])


def test_blank_search_shows_everything(datasette: DatasetteClient) -> None:
    assert datasette.json("/kb/indicators.json?_search=&_size=1")["filtered_table_rows_count"] == 289


def test_search_box_keeps_what_the_user_typed(datasette: DatasetteClient) -> None:
    html = datasette.get(f"/kb/indicators?_search={quote('受益对象满意度')}").text
    assert 'id="_search"' in html
    assert "\\u53d7\\u76ca\\u5bf9\\u8c61\\u6ee1\\u610f\\u5ea6" in html  # restored by the plugin's script
    # Its 4 exact rows, then the rest of the satisfaction targets (issue 14).
    assert "共 46 行" in html and "全文检索“受益对象满意度”" in html


def test_foreign_keys_link_indicator_to_project_and_document(datasette: DatasetteClient) -> None:
    data = datasette.json(f"/kb/indicators.json?id={seed_indicator(11, 6)}&_labels=on&_shape=array")
    assert data[0]["project_id"] == {
        "value": seed_project(11),
        "label": "石财社〔2022〕99号提前下达2023年省级就业补助资金",
    }
    assert data[0]["document_id"]["label"] == "中共石家庄高新技术产业开发区工委组织部 2024年"
    html = datasette.get(f"/kb/indicators?id={seed_indicator(11, 6)}").text
    assert f'href="/kb/projects/{seed_project(11)}"' in html
    backlinks = datasette.get(f"/kb/projects/{seed_project(11)}").text
    assert f"indicators?project_id={seed_project(11)}" in backlinks


def test_default_facets(datasette: DatasetteClient) -> None:
    data = datasette.json("/kb/indicators.json")
    facets = data["facet_results"]
    assert set(facets) == {"level1", "level2", "target_op", "target_unit", "project_year"}
    level1 = {f["value"]: f["count"] for f in facets["level1"]["results"]}
    assert level1 == {"产出指标": 189, "效益指标": 54, "满意度指标": 46}
    years = {f["value"]: f["count"] for f in facets["project_year"]["results"]}
    assert years == {2024: 235, 2023: 54}


def test_the_joined_views_count_facets_only_when_asked(datasette: DatasetteClient) -> None:
    assert datasette.json("/kb/indicator_details.json")["facet_results"] == {}
    asked = datasette.json("/kb/indicator_details.json?_facet=dept_name")["facet_results"]
    departments = [(f["value"], f["count"]) for f in asked["dept_name"]["results"]]
    assert departments == [("中共石家庄高新技术产业开发区工委组织部", 289)]


def test_canned_search_query_ranks_by_relevance(datasette: DatasetteClient) -> None:
    rows = datasette.json(f"/kb/search_indicators.json?q={quote('单位面积办公用房年度租赁费')}&_shape=array")
    assert [r["level3"] for r in rows[:4]] == ["单位面积办公用房年度租赁费"] * 4
    assert {r["target_raw"] for r in rows[:4]} == {"≤1.3 元/平方米", "1.1元/平方米", "1.1 元/平方米"}
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    for query in ("", '"', "AND"):
        response = datasette.get(f"/kb/search_indicators.json?q={quote(query)}&_shape=array")
        assert response.status_code == 200 and response.json() == []


def test_canned_series_query_lays_out_years(datasette: DatasetteClient) -> None:
    series_id = datasette.json(f"/kb/projects/{seed_project(11)}.json?_shape=array")[0]["series_id"]
    rows = datasette.json(f"/kb/series_indicators.json?series_id={series_id}&_shape=array")
    assert {r["project_year"] for r in rows} == {2023, 2024}
    assert len(rows) == 6 + 15
    satisfaction = [(r["project_year"], r["target_raw"]) for r in rows if r["level3"] == "受益对象满意度"]
    assert satisfaction == [(2023, "≤90%")]
    recurring = datasette.json("/kb/recurring_series.json?_shape=array")
    assert {r["name"] for r in recurring} == {
        "省级就业补助资金",
        "市级普惠金融发展资金",
        "中央普惠金融发展资金",
        "省级普惠金融发展资金",
    }


def test_sql_functions_from_the_plugin(datasette: DatasetteClient) -> None:
    data = datasette.json(
        f"/kb.json?sql={quote('select kb_fts_match(:q) as m, kb_terms(:q) as t')}"
        f"&q={quote('受益对象满意度')}&_shape=array"
    )
    # Everything the planner finds: the exact term, then the family's names and the category's (issue 14).
    assert data[0]["m"].startswith('("受益对象满意度" OR {level3} : "受益人员满意度" OR ')
    assert data[0]["t"] == "受益对象满意度 受益 受益对象 对象 满意 满意度"


def test_metadata_is_loaded(datasette: DatasetteClient) -> None:
    served = datasette.json("/-/metadata.json")
    expected = build_metadata("kb")
    assert served["title"] == expected["title"] == "绩效指标知识库"
    for name, table in expected["databases"]["kb"]["tables"].items():
        # Datasette copies source/about/license keys into each table it has shown; the rest is ours.
        shown = served["databases"]["kb"]["tables"][name]
        assert {key: shown[key] for key in table} == table, name
    assert set(served["databases"]["kb"]["queries"]) == set(expected["databases"]["kb"]["queries"])
    home = datasette.get("/").text
    assert "绩效指标知识库" in home
    table = datasette.get("/kb/indicators").text
    assert "项目绩效指标" in table and "三级指标" in table


def test_repository_metadata_file_is_generated() -> None:
    assert METADATA_FILE.read_text(encoding="utf-8") == render(), "run: python -m kb.web.metadata"


def test_everything_is_described_in_chinese(seed_db) -> None:
    import sqlite3

    metadata = json.loads(METADATA_FILE.read_text(encoding="utf-8"))["databases"]["kb"]
    with sqlite3.connect(seed_db) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%' "
                "and name not like '%_fts%'"
            )
        ]
        for name in names:
            table = metadata["tables"][name]
            assert CJK.search(table["title"]) and CJK.search(table["description"]), name
            columns = [r[1] for r in conn.execute(f"pragma table_info([{name}])")]
            assert set(columns) == set(table["columns"]), name
            for column in columns:
                assert CJK.search(table["columns"][column]), (name, column)
    for name, query in metadata["queries"].items():
        assert CJK.search(query["title"]) and CJK.search(query["description"]), name


def test_canned_family_query_lays_members_side_by_side(datasette: DatasetteClient) -> None:
    family_id = datasette.json(f"/kb/indicators.json?id={seed_indicator(11, 6)}&_shape=array")[0]["family_id"]
    rows = datasette.json(f"/kb/family_members.json?family_id={family_id}&_shape=array")
    assert len(rows) == 24
    assert {r["family_name"] for r in rows} == {"受益人员满意度"}
    assert [(r["project_name"], r["target_raw"]) for r in rows if r["target_op"] == "≤"] == [
        ("石财社〔2022〕99号提前下达2023年省级就业补助资金", "≤90%"),
        ("社会保险经办工作经费", "≤90%"),
    ]
    family = datasette.json(f"/kb/indicator_families/{family_id}.json?_shape=array")[0]
    assert (family["size"], family["project_count"], family["operators"]) == (24, 24, '{"≥": 22, "≤": 2}')


def test_families_table_and_facet(datasette: DatasetteClient) -> None:
    data = datasette.json("/kb/indicator_families.json?_sort_desc=size&_size=3")
    assert [row[1] for row in data["rows"]][:1] == ["受益人员满意度"]
    assert datasette.get("/kb/indicators?family_id=31").status_code == 200


def test_build_stores_the_findings_with_facets_and_queries(datasette: DatasetteClient) -> None:
    data = datasette.json("/kb/anomalies.json?_facet=severity&_size=0")
    assert data["filtered_table_rows_count"] == 42
    severities = {f["value"]: f["count"] for f in data["facet_results"]["severity"]["results"]}
    assert severities == {"warning": 22, "error": 4, "info": 16}
    families = {
        f["value"]: f["count"]
        for f in datasette.json("/kb/anomalies.json?_size=0")["facet_results"]["rule_family"]["results"]
    }
    assert families["budget"] == 3 and families["direction"] == 3
    rows = datasette.json("/kb/anomalies_direction.json?_shape=array")
    assert [(r["severity"], r["project_id"], r["target_raw"]) for r in rows] == [
        ("error", seed_project(11), "≤90%"),
        ("error", seed_project(23), "≤90%"),
        ("warning", seed_project(23), "≤90%"),
    ]
    budget = datasette.json("/kb/anomalies_budget.json?_shape=array")
    assert len(budget) == 3 and {(r["rule"], r["severity"]) for r in budget} == {("budget.parent_sum", "info")}


def test_broad_searches_skip_facets_and_count(datasette: DatasetteClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the limits a search page leaves out what would rescan every match, and says so."""
    import kb.web.plugin as plugin

    full = datasette.json(f"/kb/indicators.json?_search={quote('受益对象满意度')}")
    assert full["facet_results"] and full["filtered_table_rows_count"] == 46
    monkeypatch.setattr(plugin, "FACET_LIMIT", 3)
    monkeypatch.setattr(plugin, "COUNT_LIMIT", 3)
    light = datasette.json(f"/kb/indicators.json?_search={quote('受益对象满意度')}")
    assert light["facet_results"] == {} and light["filtered_table_rows_count"] is None
    assert len(light["rows"]) == 46
    html = datasette.get(f"/kb/indicators?_search={quote('受益对象满意度')}").text
    assert "kb-note" in html and "46 \\u6761\\u5339\\u914d" in html  # 共有 46 条匹配
    # Asking for a facet brings it back.
    asked = datasette.json(f"/kb/indicators.json?_search={quote('受益对象满意度')}&_facet=target_op")
    assert set(asked["facet_results"]) >= {"target_op"}
