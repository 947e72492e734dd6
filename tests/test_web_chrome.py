"""The Chinese interface of Datasette's pages, the Excel exports, and metadata that follows the database's name."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import sqlite3
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from urllib.parse import quote

import pytest
from pydantic import BaseModel

from kb.checks.registry import FAMILIES, RULES
from kb.db.schema import TABLES, VIEWS
from kb.models import Document, Finding, IndicatorFamily, IndicatorText, ProjectSeries
from kb.models.budget import TABLE_TITLES
from kb.models.document import Operator
from kb.parse.notes import WARNING_CODES
from kb.web import labels
from kb.web.chrome import translate_error
from kb.web.exports import excel_safe
from tests.kbtest import DatasetteClient
from tests.seed_ids import seed_indicator, seed_project

CJK = re.compile(r"[\u4e00-\u9fff]")

# Datasette 0.65's own words on the home, database, table, row and query pages (its templates, table.js
# and the descriptions its views compose). None may remain on the site's pages.
ENGLISH_CHROME = (
    "rows where",
    "row where",
    "Apply",
    "Links from other tables",
    "Export",
    "Advanced export",
    "Custom SQL query",
    "This data as",
    "Query took",
    "Queries took",
    "Powered by",
    "Data source",
    "Data license",
    "About:",
    "Search:",
    "remove filter",
    "- column -",
    "Sort...",
    "Sort by",
    "descending",
    "Suggested facets",
    "facets timed out",
    "Next page",
    "JSON shape",
    "CSV options",
    "download file",
    "expand labels",
    "stream all rows",
    "Export CSV",
    "View and edit SQL",
    "Tables",
    "Views",
    "Queries",
    "hidden table",
    "Many rows",
    "Download SQLite DB",
    "Run SQL",
    "Format SQL",
    "Query parameters",
    "Edit SQL",
    "returning",
    "records",
    "0 results",
    "(view)",
    "sorted by",
    "search matches",
    "where clause",
    "Error",
    "home",
    "Table actions",
    "Log out",
    "newline-delimited",
    "contains",
    "starts with",
    "ends with",
    "is null",
    "is not blank",
    "Sort ascending",
    "Facet by this",
    "Hide this column",
    "Show all columns",
    "No such",
    "not found",
    "syntax error",
)
_WORDS = re.compile("|".join(rf"(?<![A-Za-z_]){re.escape(w)}(?![A-Za-z_])" for w in ENGLISH_CHROME))

# The exact wording only (quoted): the 4 rows named so, without the family and category tiers (issue 14).
EXACT_QUERY = '"受益对象满意度"'


def visible_text(page: str) -> str:
    """What a reader sees: the text outside tags, scripts and styles, button labels, placeholders, the title."""
    shown = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    attributes = re.findall(r'<input[^>]*type="submit"[^>]*value="([^"]*)"', shown)
    attributes += re.findall(r'placeholder="([^"]*)"', shown)
    text = re.sub(r"<[^>]+>", " ", shown)
    return html.unescape(" ".join([text, *attributes]))


def english_chrome(page: str) -> list[str]:
    """The English chrome strings on a page."""
    return sorted(set(_WORDS.findall(visible_text(page))))


def seed_pages() -> list[str]:
    satisfaction = quote("受益对象满意度")
    return [
        "/",
        "/kb",
        "/kb/indicators",
        f"/kb/indicators?_search={satisfaction}&level1={quote('满意度指标')}&_sort_desc=target_value",
        "/kb/indicators?target_op__contains=%E2%89%A4&target_unit__notblank=1&_facet=target_kind",
        "/kb/indicator_details?_size=5",
        "/kb/anomalies",
        "/kb/budget_rows?_size=5",
        f"/kb/projects/{seed_project(11)}",
        f"/kb/indicators/{seed_indicator(11, 6)}",
        "/kb/anomalies_direction",
        f"/kb/search_indicators?q={satisfaction}",
        "/kb/family_members?family_id=",
        "/kb?sql=" + quote("select id, name, year, budget from projects where year = 2023"),
        "/kb?sql=" + quote("select nope from projects"),
        "/kb/no_such_table",
        "/kb/projects?_sort=no_such_column",
        f"/-/kb/search?q={satisfaction}",
    ]


@pytest.mark.parametrize("path", seed_pages())
def test_no_english_chrome_on_the_pages(datasette: DatasetteClient, path: str) -> None:
    response = datasette.get(path)
    assert response.status_code in (200, 400, 404, 500), path
    page = response.text
    assert '<html lang="zh-CN">' in page
    assert english_chrome(page) == [], path


def test_the_scan_finds_datasette_s_english() -> None:
    from datasette import __file__ as datasette_init

    original = (Path(datasette_init).parent / "templates" / "table.html").read_text(encoding="utf-8")
    assert {"Apply", "Advanced export", "This data as", "Next page"} <= set(english_chrome(original))


def _headers(page: str) -> list[str]:
    head = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    return [
        html.unescape(re.sub(r"<[^>]+>|&nbsp;[▼▲]", "", th)).strip() for th in re.findall(r"(?s)<th\b.*?</th>", head)
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/kb/indicators?_size=1", ["指标编号", "项目编号", "文档编号", "行序", "一级指标", "二级指标", "三级指标"]),
        # A project's own row page is the reviewer's project page (kb/web/pages); a document's is Datasette's.
        (f"/kb/projects?id={seed_project(11)}", ["项目编号", "文档编号", "项目序号", "项目编码", "项目名称"]),
        ("/kb/documents/1", ["文档编号", "部门编号", "源文件路径"]),
        ("/kb/anomalies_direction", ["发现编号", "严重程度", "规则", "项目编号", "项目名称", "项目年度"]),
        ("/kb?sql=" + quote("select id, name, year from projects"), ["项目编号", "项目名称", "项目年度"]),
        ("/kb?sql=" + quote("select code, name, level from budget_rows"), ["科目编码", "科目名称", "科目级次"]),
    ],
)
def test_column_headers_are_chinese_labels(datasette: DatasetteClient, path: str, expected: list[str]) -> None:
    page = datasette.get(path).text
    headers = _headers(page)
    assert headers[: len(expected)] == expected
    assert all(CJK.search(h) for h in headers), headers


def test_the_sql_name_stays_as_the_hint_and_in_the_api(datasette: DatasetteClient) -> None:
    page = datasette.get("/kb/indicators?_size=1").text
    assert 'title="target_raw：指标值：指标值原文"' in page and 'data-column="target_raw"' in page
    row = datasette.json("/kb/indicators.json?_size=1&_shape=array")[0]
    assert {"target_raw", "target_kind", "level3"} <= set(row)


def test_enumerated_values_are_shown_in_chinese_and_stored_as_they_are(datasette: DatasetteClient) -> None:
    page = datasette.get("/kb/anomalies_direction").text
    assert '<span class="kb-value" title="error">错误</span>' in page
    assert '<span class="kb-value" title="direction.satisfaction">满意度指标写成上限</span>' in page
    table = datasette.get(f"/kb/indicators?id={seed_indicator(11, 6)}").text
    assert '<span class="kb-value" title="numeric">数值</span>' in table
    facets = datasette.get("/kb/anomalies?_facet=severity").text
    assert re.search(r">错误</a> 4\b", facets) and re.search(r">警告</a> 22\b", facets)
    stored = datasette.json("/kb/anomalies.json?_facet=severity&_size=0")["facet_results"]["severity"]["results"]
    assert {f["value"] for f in stored} == {"error", "warning", "info"}


def test_home_page_lists_tables_by_title_most_useful_first(datasette: DatasetteClient) -> None:
    page = datasette.get("/").text
    titles = re.findall(r'<li><a href="/kb/(\w+)">([^<]+)</a>', page)
    assert [name for name, _ in titles][:4] == ["indicator_details", "indicators", "projects", "anomalies"]
    assert dict(titles)["indicators"] == "项目绩效指标" and dict(titles)["anomalies"] == "一致性检查发现"
    assert "indicators_fts" not in dict(titles)


def test_filtered_table_says_what_it_shows_in_chinese(datasette: DatasetteClient) -> None:
    path = f"/kb/indicators?_search={quote('受益对象满意度')}&target_op={quote('≤')}&_sort_desc=project_year"
    text = visible_text(datasette.get(path).text)
    assert "共 2 行 条件：比较符 等于“≤”，全文检索“受益对象满意度”；按项目年度降序排列" in re.sub(r"\s+", " ", text)


def test_errors_are_translated() -> None:
    assert translate_error("no such column: nope") == "没有这一列：nope"
    assert translate_error('near "selec": syntax error') == "SQL 语法错误，在“selec”附近"
    assert translate_error("Table not found") == "找不到这张表"
    assert translate_error("something new") == "出错了：something new"


# ---------------------------------------------------------------- exports


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_for_excel_has_a_bom_and_chinese_headers(datasette: DatasetteClient) -> None:
    rows = _csv(datasette.get("/kb/indicators.csv?_excel=1&_size=max&_labels=on&_stream=on&_dl=1"))
    assert rows[0][:6] == ["指标编号", "项目编号", "项目名称", "文档编号", "文档名称", "行序"]
    assert len(rows) == 1 + 289
    by_id = {int(r[0]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    row = by_id[seed_indicator(11, 6)]
    assert (row["三级指标"], row["指标值"], row["指标值类型"]) == ("受益对象满意度", "≤90%", "numeric")
    assert row["项目名称"] == "石财社〔2022〕99号提前下达2023年省级就业补助资金"


def test_search_results_and_findings_export_for_excel(datasette: DatasetteClient) -> None:
    # Quoted: the exact wording's 4 rows (unquoted, issue 14 adds the family and category).
    found = _csv(datasette.get(f"/kb/indicators.csv?_search={quote(EXACT_QUERY)}&_excel=1"))
    assert found[0][:3] == ["指标编号", "项目编号", "文档编号"]
    assert sorted(int(r[0]) for r in found[1:]) == sorted(
        [seed_indicator(5, 6), seed_indicator(11, 6), seed_indicator(16, 6), seed_indicator(23, 7)]
    )
    findings = _csv(datasette.get("/kb/anomalies.csv?_excel=1&_size=max&_stream=on"))
    assert findings[0][:4] == ["发现编号", "规则类别", "规则", "严重程度"] and len(findings) == 1 + 42
    direction = _csv(datasette.get("/kb/anomalies_direction.csv?_excel=1"))
    assert direction[0][:3] == ["发现编号", "严重程度", "规则"]
    assert [(r[1], r[12]) for r in direction[1:]] == [("error", "≤90%"), ("error", "≤90%"), ("warning", "≤90%")]


def test_the_pages_link_the_excel_exports(datasette: DatasetteClient) -> None:
    page = html.unescape(datasette.get(f"/kb/indicators?_search={quote(EXACT_QUERY)}").text)
    csv_link = re.search(r'class="kb-export-csv" href="([^"]+)"', page)
    xlsx_link = re.search(r'class="kb-export-xlsx" href="([^"]+)"', page)
    assert csv_link and xlsx_link
    assert "_excel=1" in csv_link.group(1) and "_stream=on" in csv_link.group(1)
    assert xlsx_link.group(1).startswith("/kb/indicators.xlsx?")
    assert len(_csv(datasette.get(csv_link.group(1)))) == 1 + 4


def test_formulas_stay_text() -> None:
    assert excel_safe("=100%") == "\t=100%"
    assert excel_safe("+1") == "\t+1" and excel_safe("@x") == "\t@x"
    assert excel_safe("-5.2") == "-5.2" and excel_safe("-见附件") == "\t-见附件"
    assert excel_safe("≥95%") == "≥95%"


def test_query_csv_keeps_a_formula_as_text(datasette: DatasetteClient) -> None:
    sql = "select '=100%' as target_raw, code, name from budget_rows where code = '20801' limit 1"
    rows = _csv(datasette.get(f"/kb.csv?sql={quote(sql)}&_excel=1"))
    assert rows == [["指标值", "科目编码", "科目名称"], ["\t=100%", "20801", "人力资源和社会保障管理事务"]]


def test_xlsx_has_chinese_headers_typed_cells_and_no_formulas(datasette: DatasetteClient) -> None:
    from openpyxl import load_workbook

    response = datasette.get("/kb/budget_rows.xlsx?_size=max&_stream=on&table_kind=general_expense")
    assert response.status_code == 200
    assert "filename*=UTF-8''" + quote("预算表行.xlsx") in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:8] == ["行编号", "预算表编号", "文档编号", "表的种类", "序号", "收支栏", "科目编码", "科目名称"]
    code, total = header.index("科目编码"), header.index("合计（万元）")
    account = next(r for r in rows[1:] if r[code] == "20801")
    assert isinstance(account[code], str) and isinstance(account[total], float)
    query = datasette.get(f"/kb.xlsx?sql={quote(chr(32).join(['select', repr('=100%'), 'as target_raw']))}")
    cell = load_workbook(io.BytesIO(query.content)).active["A2"]
    assert (cell.value, cell.data_type) == ("=100%", "s")


# ---------------------------------------------------------------- any database name


@pytest.fixture(scope="module", params=["other.db", "kb.2024.db"])
def renamed(request: pytest.FixtureRequest, seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("renamed") / request.param
    shutil.copyfile(seed_db, path)
    client = DatasetteClient(path)
    yield client, client.ds.urls.database(path.stem)
    client.close()


def test_metadata_and_queries_follow_the_database_name(renamed: Any) -> None:
    client, base = renamed
    name = next(iter(n for n in client.ds.databases if not n.startswith("_")))
    metadata = client.json("/-/metadata.json")["databases"][name]
    assert metadata["tables"]["indicators"]["title"] == "项目绩效指标"
    assert metadata["tables"]["indicators"]["labels"]["target_raw"] == "指标值"
    assert {"search_indicators", "anomalies_direction"} <= set(metadata["queries"])
    page = client.get(f"{base}/indicators?_size=1").text
    assert "项目绩效指标" in page and "<th" in page and "三级指标" in page and english_chrome(page) == []
    rows = client.json(f"{base}/search_indicators.json?q={quote(EXACT_QUERY)}&_shape=array")
    assert len(rows) == 4


def test_a_search_never_returns_unfiltered_rows(renamed: Any) -> None:
    client, base = renamed
    found = client.json(f"{base}/indicators.json?_search={quote(EXACT_QUERY)}&_shape=array")
    assert sorted(r["id"] for r in found) == sorted(
        [seed_indicator(5, 6), seed_indicator(11, 6), seed_indicator(16, 6), seed_indicator(23, 7)]
    )
    for path in (f"{base}/projects.json?_search=x", f"{base}/projects?_search=x", f"{base}/anomalies.csv?_search=x"):
        response = client.get(path)
        assert response.status_code == 400, path
    refusal = client.get(f"{base}/projects?_search={quote('就业')}").text
    assert "“项目”表没有全文索引" in html.unescape(refusal) and "项目绩效指标" in refusal


def test_a_plain_database_gets_no_knowledge_base_metadata(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table indicators (id integer primary key, level3 text)")
        conn.execute("insert into indicators values (1, 'x')")
    client = DatasetteClient(path)
    try:
        assert "notes" not in (client.json("/-/metadata.json").get("databases") or {})
        # Its columns are not the knowledge base's: they keep their names.
        assert _headers(client.get("/notes/indicators").text) == ["id", "level3"]
        assert client.get("/notes/indicators?_search=x").status_code == 400
    finally:
        client.close()


# ---------------------------------------------------------------- labels, defined beside their fields


def test_every_column_has_a_short_chinese_label() -> None:
    for spec in [*TABLES, *VIEWS]:
        columns = spec.columns if hasattr(spec, "model") else spec.described_columns()
        for column in columns:
            label = column.label
            assert CJK.search(label) and len(label) <= 16 and "：" not in label, (spec.name, column.name, label)


def _literal_fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> list[tuple[str, Any, Any]]:
    if model in seen:
        return []
    seen.add(model)
    found = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if get_origin(annotation) in (typing.Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        if get_origin(annotation) is list:
            inner = get_args(annotation)[0]
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                found.extend(_literal_fields(inner, seen))
            continue  # a list of values is not a column
        if get_origin(annotation) is Literal:
            found.append((f"{model.__name__}.{name}", annotation, info.json_schema_extra))
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.extend(_literal_fields(annotation, seen))
    return found


def test_every_enumerated_field_names_each_of_its_values() -> None:
    # Operators are symbols and 类/款/项 are Chinese already: both are shown as stored.
    exempt = {Operator, Literal["类", "款", "项"]}
    seen: set[type[BaseModel]] = set()
    fields = [
        f
        for model in (Document, Finding, IndicatorFamily, IndicatorText, ProjectSeries)
        for f in _literal_fields(model, seen)
    ]
    assert len(fields) >= 7
    for where, annotation, extra in fields:
        if annotation in exempt:
            continue
        assert isinstance(extra, dict) and set(extra["values"]) == set(get_args(annotation)), where


def test_values_defined_by_later_stages_are_labelled() -> None:
    assert labels.value_labels("anomalies", "rule") == {rule.id: rule.title for rule in RULES.values()}
    assert set(labels.value_labels("anomalies", "rule_family") or {}) == set(FAMILIES)
    assert set(labels.value_labels("parse_warnings", "code") or {}) == set(WARNING_CODES)
    assert labels.value_labels("budget_rows", "table_kind") == TABLE_TITLES
    assert labels.value_labels("documents", "status") == {"ok": "成功", "failed": "失败"}
    assert labels.value_labels("budget_tables", "empty") == {"1": "是", "0": "否"}


def test_a_query_column_is_labelled_from_the_tables_the_query_reads() -> None:
    assert labels.label_of("name", labels.tables_of_sql("select name from [budget_rows]")) == "科目名称"
    assert labels.label_of("name", labels.tables_of_sql("select * from units u join documents d")) == "单位名称"
    assert labels.label_of("id", ["projects"]) == "项目编号"
    assert labels.label_of("score") == "相关度" and labels.label_of("no_such_column") == "no_such_column"


# Where a page could load something from another host: script and image sources, stylesheets and other linked
# resources, CSS url() and @import. A hyperlink (<a href>) to another site is a link, not a resource, and so is
# Datasette's <link rel="alternate"> to the page's own JSON (a browser does not fetch it).
_REMOTE_RESOURCE = re.compile(
    r"""<(?:script|img|iframe|source)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//"""
    r"""|<link\b(?![^>]*\brel\s*=\s*["']?alternate)[^>]*\bhref\s*=\s*["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.I,
)


def test_the_scan_finds_remote_resources() -> None:
    for page in (
        '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>',
        "<link rel=stylesheet href=//fonts.googleapis.com/css>",
        "<style>body { background: url('http://example.com/a.png') }</style>",
    ):
        assert _REMOTE_RESOURCE.search(page), page
    assert not _REMOTE_RESOURCE.search('<a href="https://datasette.io/">Datasette</a><script src="/-/static/a.js">')
    assert not _REMOTE_RESOURCE.search('<link rel="alternate" type="application/json+datasette" href="http://h/.json">')


@pytest.mark.parametrize(
    "path",
    [
        *seed_pages(),
        "/kb/-/families",
        "/kb/-/findings",
        "/kb/-/rules",
        "/kb/indicator_families/1",
        "/-/kb-pages/static/pages.css",
        "/-/kb-style.css",
    ],
)
def test_no_page_loads_anything_from_another_host(datasette: DatasetteClient, path: str) -> None:
    """The sites run on intranets: every script, stylesheet, font and image is served by the site itself."""
    response = datasette.get(path)
    assert response.status_code in (200, 400, 404, 500), path
    found = _REMOTE_RESOURCE.search(response.text)
    assert found is None, (path, response.text[max(0, found.start() - 80) : found.end() + 80] if found else "")
