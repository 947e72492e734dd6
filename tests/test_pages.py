"""The reviewer pages (kb/web/pages) through Datasette's test client, on the seed's knowledge base."""

from __future__ import annotations

import html
import json
import re
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.utils import tilde_encode

from kb.checks.registry import RULES
from kb.db.schema import INDICATORS
from kb.web.pages import STATIC
from kb.web.pages.evidence import LABELS, readable
from kb.web.pages.families import percentile
from kb.web.pages.indicator import LABELS as INDICATOR_LABELS
from kb.web.pages.project import _spans, load_project
from tests.kbtest import DatasetteClient
from tests.seed_ids import seed_indicator, seed_project

SEED_CITATION = (
    "中共石家庄高新技术产业开发区工委组织部 · 2024年预算 · 石财社〔2022〕99号提前下达2023年省级就业补助资金"
    " · shijiazhuang-gaoxin-zuzhibu-2024-budget.txt · 第 1233 行"
)


def text_of(page: str) -> str:
    """What a reader sees: the page without tags, scripts and repeated spaces."""
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def get(datasette: DatasetteClient, path: str) -> str:
    response = datasette.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:800])
    return response.text


def family_of(seed_db: Path, indicator_id: int) -> int:
    with sqlite3.connect(seed_db) as conn:
        return int(conn.execute("select family_id from indicators where id = ?", (indicator_id,)).fetchone()[0])


# ---------------------------------------------------------------- indicator


def test_indicator_card_every_field_labelled(datasette: DatasetteClient) -> None:
    assert set(INDICATOR_LABELS) == set(INDICATORS.column_names)
    page = get(datasette, f"/kb/indicators/{seed_indicator(11, 6)}")
    shown = text_of(page)
    for label in INDICATOR_LABELS.values():
        assert label in shown, label
    assert "受益对象对就业资金政策拨付的满意度" in shown and "年度工作计划" in shown
    assert '<html lang="zh-CN"' in page or "<title>指标" in page  # the chrome is the other pages' business
    assert f"<title>指标 {seed_indicator(11, 6)}：受益对象满意度 · 绩效指标知识库</title>" in page


def test_indicator_source_lines_and_citation(datasette: DatasetteClient) -> None:
    page = get(datasette, f"/kb/indicators/{seed_indicator(11, 6)}")
    assert f'value="{SEED_CITATION}"' in page
    marked = re.findall(r'<tr class="kb-marked" id="L(\d+)">.*?<td class="kb-line">(.*?)</td>', page, flags=re.S)
    assert [(line, text_of(cells).strip()) for line, cells in marked] == [
        (
            "1233",
            "满意度指标 │ 服务对象满意度指标 │ 受益对象满意度 │ 受益对象对就业资金政策拨付的满意度 │ ≤90% │ "
            "年度工作计划 │",
        )
    ]
    context = re.findall(r'<tr class="" id="L(\d+)">', page)
    # Five lines either side; a blank line at the end of the window is left out.
    assert context == ["1228", "1229", "1230", "1231", "1232", "1234", "1235", "1236", "1237"]


def test_indicator_links_findings_and_similar(seed_db: Path, datasette: DatasetteClient) -> None:
    family = family_of(seed_db, seed_indicator(11, 6))
    page = get(datasette, f"/kb/indicators/{seed_indicator(11, 6)}")
    assert f'href="/kb/projects/{seed_project(11)}"' in page
    assert 'href="/kb/documents/1"' in page
    assert f'href="/kb/indicator_families/{family}"' in page
    assert re.search(r'href="/kb/series_indicators\?series_id=\d+">项目系列「省级就业补助资金」（2 个项目）', page)
    shown = text_of(page)
    assert "满意度指标写成上限 direction.satisfaction" in shown
    assert RULES["direction.satisfaction"].principle_text in shown
    assert "所属项目另有 2 条发现" in shown  # cost.above_budget on row 4 and copy.related_table on the project
    similar = page.split('id="similar"', 1)[1]
    rows = re.findall(r'<a href="/kb/projects/(\d+)">([^<]+)</a></td>\s*<td><a href="/kb/indicators/(\d+)">', similar)
    assert len(rows) == 10
    assert all(int(project) != seed_project(11) for project, _, _ in rows)
    # The same name and the same target first (issue 14): project 23's 受益对象满意度 ≤90%.
    assert rows[0][1] == "社会保险经办工作经费" and int(rows[0][2]) == seed_indicator(23, 7)
    assert "≤90%" in similar.split("社会保险经办工作经费", 1)[1][:400]


def test_unknown_indicator_is_a_404(datasette: DatasetteClient) -> None:
    assert datasette.get("/kb/indicators/99999999").status_code == 404
    # Datasette's JSON of a row is untouched.
    assert datasette.json(f"/kb/indicators/{seed_indicator(11, 6)}.json?_shape=array")[0]["target_raw"] == "≤90%"


# ---------------------------------------------------------------- project


def test_project_header_table_findings_and_series(datasette: DatasetteClient) -> None:
    page = get(datasette, f"/kb/projects/{seed_project(11)}")
    shown = text_of(page)
    for label in (
        "项目编码",
        "项目名称",
        "项目年度",
        "预算数",
        "其中：财政资金",
        "其他资金",
        "资金用途",
        "资金支出计划",
        "绩效目标",
    ):
        assert f" {label} " in shown, label
    assert "13019023P00G4P410338A" in shown and "1,219.05 万元" in shown and "2023年" in shown
    assert "3月底 25% 6月底 50% 10月底 75% 12月底 100%" in shown
    assert "社会保险补贴、公益性岗位补贴、吸纳就业补贴等支出。" in shown
    table = page.split('id="table"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<td rowspan="(\d+)" class="kb-merged">([^<]+)</td>', table) == [
        ("4", "产出指标"),
        ("1", "数量指标"),
        ("1", "质量指标"),
        ("1", "时效指标"),
        ("1", "成本指标"),
        ("1", "效益指标"),
        ("1", "社会效益指标"),
        ("1", "满意度指标"),
        ("1", "服务对象满意度指标"),
    ]
    findings = page.split('id="findings"', 1)[1].split('id="series"', 1)[0]
    assert re.findall(r'class="kb-rule-title">([^<]+)<', findings) == [
        "成本上限超过预算数",
        "满意度指标写成上限",
        "与同类资金的指标表相同",
    ]
    assert findings.count('class="kb-principle"') == 3
    series = page.split('id="series"', 1)[1]
    assert f'href="/kb/projects/{seed_project(14)}">石财社〔2023〕143号提前下达2024年省级就业补助资金</a>' in series
    # The rows of the table stay one click away in Datasette's own table (and its CSV).
    assert f"indicators?project_id={seed_project(11)}" in page


def test_merged_cells_follow_the_document(seed_db: Path) -> None:
    assert _spans([("a",), ("a",), ("b",), ("a",)]) == [2, 0, 1, 1]
    with sqlite3.connect(seed_db) as conn:
        page = load_project(conn, seed_project(13), lambda table, pk: f"/{table}/{pk}")
    assert page is not None
    spans = [(r.indicator["level1"], r.level1_span) for r in page.rows if r.level1_span]
    assert spans == [("产出指标", 9), ("效益指标", 4), ("满意度指标", 2)]
    assert sum(r.level2_span for r in page.rows) == len(page.rows) == 15


# ---------------------------------------------------------------- families


def test_family_page_members_chart_and_benchmarks(seed_db: Path, datasette: DatasetteClient) -> None:
    family = family_of(seed_db, seed_indicator(11, 6))
    page = get(datasette, f"/kb/indicator_families/{family}")
    shown = text_of(page)
    assert "受益人员满意度" in shown and "24 条指标" in shown and "方向不一致" in shown
    members = page.split('id="members"', 1)[1]
    assert members.count('<tr class="kb-row-') == 24
    assert re.findall(r'<tr class="kb-row-le">.*?<a href="/kb/projects/(\d+)">', members, flags=re.S) == [
        str(seed_project(11)),
        str(seed_project(23)),
    ]
    benchmarks = re.findall(r"<td>([^<]*)</td>", page.split("kb-benchmarks", 1)[1].split("</table>", 1)[0])
    assert benchmarks == ["%", "24", "85", "90", "90", "95", "95"]
    [spec] = [json.loads(s) for s in re.findall(r'class="kb-chart-spec"[^>]*>(.*?)</script>', page, flags=re.S)]
    points = spec["layer"][0]["data"]["values"]
    assert {(p["op"], p["value"]): p["count"] for p in points} == {
        ("≥", 85.0): 2,
        ("≥", 90.0): 10,
        ("≤", 90.0): 2,
        ("≥", 95.0): 10,
    }
    assert [m["label"] for m in spec["layer"][1]["data"]["values"]] == ["P25/P50 90", "P75 95"]
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == ["≥", "≤"]
    assert "vendor/vega/vega-lite.min.js" in page


def test_family_members_filtered_by_operator(seed_db: Path, datasette: DatasetteClient) -> None:
    family = family_of(seed_db, seed_indicator(11, 6))
    page = get(datasette, f"/kb/indicator_families/{family}?op={quote('≤')}")
    members = page.split('id="members"', 1)[1]
    assert members.count('<tr class="kb-row-') == 2 == members.count('<tr class="kb-row-le">')
    assert "2 条（比较符 ≤）" in text_of(members)


def test_percentiles_interpolate_like_a_spreadsheet() -> None:
    values = [(85.0, 2), (90.0, 12), (95.0, 10)]
    assert [percentile(values, q) for q in (0.25, 0.5, 0.75)] == [90.0, 90.0, 95.0]
    assert percentile([(1.0, 1), (2.0, 1), (3.0, 1), (4.0, 1)], 0.25) == 1.75
    assert percentile([(7.0, 1)], 0.75) == 7.0


def test_family_list_largest_first_searchable_singletons_hidden(datasette: DatasetteClient) -> None:
    page = get(datasette, "/kb/-/families")
    names = re.findall(r'<td><a href="/kb/indicator_families/\d+">([^<]+)</a></td>', page)
    assert len(names) == 45 and names[:2] == ["受益人员满意度", "项目预算控制数"]
    assert "共 45 个指标族" in text_of(page) and "另有 125 个只有一条指标的族未列出" in text_of(page)
    found = get(datasette, f"/kb/-/families?q={quote('满意度')}")
    names = re.findall(r'<td><a href="/kb/indicator_families/\d+">([^<]+)</a></td>', found)
    assert names == ["受益人员满意度", "使用人员满意度", "满意度", "公共就业服务满意度", "就业扶持政策经办服务满意度"]
    assert found.count('<tr class="kb-mixed">') == 1
    everything = get(datasette, f"/kb/-/families?q={quote('满意度')}&all=1")
    assert len(re.findall(r'<td><a href="/kb/indicator_families/\d+">', everything)) == 13
    # A wording, not only the family's name, finds its family.
    assert "受益人员满意度" in get(datasette, f"/kb/-/families?q={quote('服务群体满意度')}")


# ---------------------------------------------------------------- findings and rules


def finding_rules(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<span class="kb-sev kb-sev-(\w+)">[^<]+</span>\s*<strong class="kb-rule-title">([^<]+)<', page)


def test_findings_errors_first_with_principles(datasette: DatasetteClient) -> None:
    page = get(datasette, "/kb/-/findings")
    found = finding_rules(page)
    assert len(found) == 42
    severities = [s for s, _ in found]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert found[:4] == [
        ("error", "成本上限超过预算数"),
        ("error", "满意度指标写成上限"),
        ("error", "满意度指标写成上限"),
        ("error", "指标值没有数值"),
    ]
    shown = text_of(page)
    assert "错误 4 警告 22 提示 16" in shown
    assert shown.count("原则 ") >= 42
    # Evidence is labelled, never raw JSON.
    assert '{"' not in shown and "预算数（万元） 1219.05" in shown


@pytest.mark.parametrize(
    ("query", "count", "rules"),
    [
        ("rule=direction.satisfaction", 2, {"满意度指标写成上限"}),
        ("rule=direction", 3, {"满意度指标写成上限", "越高越好的指标写成上限"}),
        ("severity=error", 4, None),
        ("severity=info", 16, None),
        ("rule=budget.parent_sum&severity=info", 3, {"上级科目不等于下级科目之和"}),
        ("year=2024&department=1", 42, None),
        ("year=2023", 0, None),
        (f"project={seed_project(11)}", 3, None),
    ],
)
def test_findings_filters(datasette: DatasetteClient, query: str, count: int, rules: set[str] | None) -> None:
    found = finding_rules(get(datasette, f"/kb/-/findings?{query}"))
    assert len(found) == count
    if rules is not None:
        assert {rule for _, rule in found} == rules


def test_findings_page_of_a_rule_shows_its_principle_and_readable_cells(datasette: DatasetteClient) -> None:
    page = get(datasette, "/kb/-/findings?rule=budget.parent_sum")
    box = text_of(page.split('class="kb-principle-box"', 1)[1].split("</aside>", 1)[0])
    assert RULES["budget.parent_sum"].principle_text in box
    shown = text_of(page)
    assert "收入总表有 6 处相差不超过 0.01 万元" in shown
    assert "表 部门预算收入总表 处数 6 各处差额 说明 行号 表中数（万元） 计算数（万元） 差额（万元）" in shown
    assert "第 133 行 10610.52 10610.51 -0.01" in shown


def test_findings_paged_across_severities(datasette: DatasetteClient) -> None:
    first, second = get(datasette, "/kb/-/findings?page=1"), get(datasette, "/kb/-/findings?page=2")
    assert len(finding_rules(first)) == 42 and len(finding_rules(second)) == 42  # 50 a page: one page
    from kb.web.pages.findings import Filters, load_findings_page

    with sqlite3.connect(datasette.ds.databases["kb"].path) as conn:
        pages = [load_findings_page(conn, Filters(), str(n), lambda t, k: "", size=10) for n in range(1, 6)]
    ids = [f.id for page in pages for f in page.findings]
    severities = [f.severity for page in pages for f in page.findings]
    assert len(ids) == len(set(ids)) == 42 and pages[0].pager.pages == 5
    assert severities == ["error"] * 4 + ["warning"] * 22 + ["info"] * 16


def test_rules_page_every_rule_in_chinese(datasette: DatasetteClient) -> None:
    page = get(datasette, "/kb/-/rules")
    for rule in RULES.values():
        assert f'<article class="kb-rule" id="{rule.id}">' in page, rule.id
        assert html.escape(rule.principle_text, quote=False) in page, rule.id
    assert "本知识库中有 2 条发现" in text_of(page)


def test_every_evidence_key_of_the_seed_has_a_chinese_label(seed_db: Path) -> None:
    with sqlite3.connect(seed_db) as conn:
        evidences = [json.loads(row[0]) for row in conn.execute("select evidence from anomalies")]

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    assert {k for e in evidences for k in keys(e)} - set(LABELS) == set()
    entries = readable(evidences[0], lambda table, pk: f"/{table}/{pk}")
    assert entries and all(re.search(r"[\u4e00-\u9fff]", entry.label) for entry in entries)


# ---------------------------------------------------------------- overview


def test_overview_heads_the_database_page(datasette: DatasetteClient) -> None:
    page = get(datasette, "/kb")
    assert '<form class="kb-search kb-search-main" method="get" action="/kb/indicators">' in page
    assert 'name="_search"' in page
    shown = text_of(page)
    assert "1 份文档 1 个部门 44 个项目 289 条项目绩效指标" in shown
    assert "审核：42 条发现（错误 4）" in shown
    assert "2024 1 1 44 289 发现" in shown
    [spec] = [json.loads(s) for s in re.findall(r'class="kb-chart-spec"[^>]*>(.*?)</script>', page, flags=re.S)]
    bars = {(v["rule"], v["severity"]): v["count"] for v in spec["data"]["values"]}
    assert bars[("满意度指标写成上限", "错误")] == 2 and bars[("上级科目不等于下级科目之和", "提示")] == 3
    largest = page.split("kb-largest-families", 1)[1]
    assert re.findall(r'<a href="/kb/indicator_families/\d+">([^<]+)</a>', largest)[:2] == [
        "受益人员满意度",
        "项目预算控制数",
    ]
    for href in ("/kb/-/findings", "/kb/-/families", "/kb/-/rules"):
        assert f'href="{href}"' in page
    # Datasette's own list of tables and queries follows.
    assert 'href="/kb/indicators"' in page and "search_indicators" in page


def test_sql_on_the_database_page_is_still_datasettes(datasette: DatasetteClient) -> None:
    page = get(datasette, f"/kb?sql={quote('select count(*) as n from indicators')}")
    assert "kb-overview" not in page and ">289<" in page


# ---------------------------------------------------------------- any database name, other databases


@pytest.fixture(scope="module")
def other_name(seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> DatasetteClient:
    """The seed's knowledge base served under another name, beside a database that is not a knowledge base."""
    folder = tmp_path_factory.mktemp("other")
    shutil.copy(seed_db, folder / "审核库.db")
    client = DatasetteClient(folder / "审核库.db")
    yield client
    client.close()


def test_pages_link_by_the_served_database_name(other_name: DatasetteClient, seed_db: Path) -> None:
    name = tilde_encode("审核库")
    indicator = get(other_name, f"/{name}/indicators/{seed_indicator(11, 6)}")
    assert f'href="/{name}/projects/{seed_project(11)}"' in indicator and 'href="/kb/' not in indicator
    family = family_of(seed_db, seed_indicator(11, 6))
    for path in (f"/{name}/projects/{seed_project(11)}", f"/{name}/indicator_families/{family}", f"/{name}/-/findings"):
        page = get(other_name, path)
        assert 'href="/kb/' not in page and f'href="/{name}/' in page, path
    overview = get(other_name, f"/{name}")
    assert f'action="/{name}/indicators"' in overview


def test_a_database_that_is_not_a_knowledge_base_keeps_datasettes_pages(tmp_path: Path) -> None:
    db = tmp_path / "plain.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table indicators (id integer primary key, name text)")
        conn.execute("insert into indicators values (1, '别的表')")
    client = DatasetteClient(db)
    try:
        row = client.get("/plain/indicators/1")
        assert row.status_code == 200 and "别的表" in row.text and "kb-card" not in row.text
        assert client.get("/plain/-/findings").status_code == 404
        assert "kb-overview" not in get(client, "/plain")
    finally:
        client.close()


# ---------------------------------------------------------------- static files


def test_vendored_charts_are_served_with_their_licences(datasette: DatasetteClient) -> None:
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        response = datasette.get(f"/-/kb-pages/static/vendor/vega/{name}")
        assert response.status_code == 200 and len(response.content) > 50_000, name
        assert (
            (STATIC / "vendor" / "vega" / f"LICENSE-{name.removesuffix('.min.js')}").read_text().startswith("Copyright")
        )
    for name in ("pages.css", "pages.js"):
        assert datasette.get(f"/-/kb-pages/static/{name}").status_code == 200


def test_overview_of_an_immutable_database_is_counted_once(
    seed_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kb.web.pages as pages

    calls = []
    real = pages.load_overview
    monkeypatch.setattr(pages, "load_overview", lambda conn: calls.append(1) or real(conn))
    db = tmp_path / "frozen.db"
    shutil.copy(seed_db, db)
    client = DatasetteClient(db, immutable=True)
    try:
        seen = [get(client, "/frozen") for _ in range(3)]
    finally:
        client.close()
    assert len(calls) == 1
    assert all("289 条项目绩效指标" in text_of(page) for page in seen)


def test_no_english_chrome_on_the_reviewer_pages(seed_db: Path, datasette: DatasetteClient) -> None:
    from tests.test_web_chrome import english_chrome

    family = family_of(seed_db, seed_indicator(11, 6))
    paths = [
        f"/kb/indicators/{seed_indicator(11, 6)}",
        f"/kb/projects/{seed_project(11)}",
        f"/kb/indicator_families/{family}",
        f"/kb/indicator_families/{family}?op={quote('≤')}",
        "/kb/-/families",
        f"/kb/-/families?q={quote('满意度')}&all=1",
        "/kb/-/findings",
        "/kb/-/findings?rule=budget.parent_sum",
        "/kb/-/rules",
        "/kb",
    ]
    for path in paths:
        page = get(datasette, path)
        assert '<html lang="zh-CN">' in page, path
        assert english_chrome(page) == [], path
