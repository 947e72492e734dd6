"""The guard in front of the Datasette site: bounded URLs, bad arguments 400, no debug pages, errors in Chinese."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest

from kb.web.guard import MAX_PARAMETERS, MAX_PATH_BYTES, MAX_QUERY_STRING_BYTES, guard
from tests.kbtest import DatasetteClient


def test_oversized_requests_never_reach_datasette(datasette: DatasetteClient) -> None:
    """The refusals come from the guard itself: the application behind it is never called."""
    called: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        called.append(scope["path"])

    guarded = guard(app, datasette.ds)
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    def status_of(path: str, query: bytes) -> int:
        sent.clear()
        scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": query}
        datasette.run(guarded(scope, None, send))
        return next(m["status"] for m in sent if m["type"] == "http.response.start") if sent else 0

    many = "&".join(f"p{i}=1" for i in range(5000)).encode()
    assert status_of("/kb/indicators", many) == 400
    assert status_of("/kb/indicators", b"_search=" + b"a" * MAX_QUERY_STRING_BYTES) == 400
    assert status_of("/kb/" + "x" * MAX_PATH_BYTES, b"") == 400
    assert status_of("/-/threads.json", b"") == 404
    assert called == []
    assert status_of("/kb/indicators", "&".join(f"p{i}=1" for i in range(MAX_PARAMETERS)).encode()) == 0
    assert called == ["/kb/indicators"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("&".join(f"level1=x{i}" for i in range(MAX_PARAMETERS + 1)), "查询参数过多"),
        ("_search=" + "a" * (MAX_QUERY_STRING_BYTES + 1), "查询参数过长"),
        ("_sort=nosuch", "不能按“nosuch”排序：没有这一列"),
        ("_sort_desc=nosuch", "不能按“nosuch”排序：没有这一列"),
        ("_sort=rowid", "不能按“rowid”排序"),  # indicators has its own primary key
        ("_sort=id&_sort_desc=level3", "不能同时使用 _sort 和 _sort_desc"),
        ("_timelimit=abc", "_timelimit 必须是毫秒数"),
        ("_timelimit=-5", "_timelimit 必须是毫秒数"),
        ("_timelimit=" + "9" * 30, "_timelimit 必须是毫秒数"),
        ("_through=garbage", "_through 无效"),
        ("_through=" + quote(json.dumps({"table": "nosuch", "column": "id", "value": 1})), "_through 无效"),
        ("_through=" + quote(json.dumps({"table": "documents", "column": "id", "value": [1]})), "_through 无效"),
    ],
)
def test_bad_arguments_are_answered_400_in_chinese(datasette: DatasetteClient, query: str, message: str) -> None:
    for suffix in ("", ".json"):
        response = datasette.get(f"/kb/indicators{suffix}?{query}")
        assert response.status_code == 400, (query, suffix)
        text = response.json()["error"] if suffix else response.text
        assert message in text, (query, suffix, text[:300])


@pytest.mark.parametrize(
    "path",
    [
        "/kb?sql=select+1&_timelimit=abc",
        f"/kb/search_indicators?q={quote('满意度')}&_timelimit=abc",
        "/kb/indicator_details?_sort=nosuch",
        "/kb/indicator_details?_sort=rowid",  # a view has no rowid
    ],
)
def test_bad_arguments_on_views_and_queries_are_400(datasette: DatasetteClient, path: str) -> None:
    assert datasette.get(path).status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/kb/indicators?_sort=level3",
        "/kb/indicators?_sort_desc=target_value",
        "/kb/indicator_details?_sort=project_year",
        "/kb/indicators?_timelimit=2000",
        "/kb/indicators?_search=%E6%BB%A1%E6%84%8F%E5%BA%A6&_sort=level3",
        "/kb/projects?_through=" + quote(json.dumps({"table": "indicators", "column": "level2", "value": "数量指标"})),
        "/kb.json?sql=select+1&_timelimit=100",
    ],
)
def test_good_arguments_still_work(datasette: DatasetteClient, path: str) -> None:
    assert datasette.get(path).status_code == 200, path


def test_through_finds_the_rows_it_names(datasette: DatasetteClient) -> None:
    through = quote(json.dumps({"table": "indicators", "column": "target_raw", "value": "≤90%"}))
    rows = datasette.json(f"/kb/projects.json?_through={through}&_shape=array&_size=max")
    sql = quote("select distinct project_id as id from indicators where target_raw = '≤90%'")
    expected = datasette.json(f"/kb.json?sql={sql}&_shape=array")
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in expected) and len(rows) >= 2


DEBUG_PAGES = [
    "/-/threads",
    "/-/threads.json",
    "/-/databases.json",
    "/-/plugins.json",
    "/-/settings.json",
    "/-/config.json",
    "/-/versions.json",
    "/-/actor.json",
    "/-/messages",
    "/-/permissions",
    "/-/allow-debug",
    "/-/patterns",
    "/-/auth-token",
]


@pytest.mark.parametrize("path", DEBUG_PAGES)
def test_debug_pages_are_not_public(datasette: DatasetteClient, path: str) -> None:
    response = datasette.get(path)
    assert response.status_code == 404
    assert "找不到页面" in (response.json()["title"] if path.endswith(".json") else response.text)


@pytest.mark.parametrize("path", ["/-/metadata.json", "/-/kb-style.css", "/-/static/app.css", "/kb/indicators"])
def test_public_pages_stay_public(datasette: DatasetteClient, path: str) -> None:
    assert datasette.get(path).status_code == 200


@pytest.mark.parametrize(
    ("path", "status", "title", "chinese"),
    [
        ("/kb/nosuch", 404, "找不到页面", "找不到"),
        ("/nosuch", 404, "找不到页面", "找不到数据库"),
        ("/kb/indicators?_size=abc", 400, "请求有误", "_size 必须是正整数"),
        ("/kb/indicators?_col=nosuch", 400, "请求有误", "没有这些列"),
        ("/kb/indicators?_where=nosuch", 400, "SQL 无效", "没有这一列：nosuch"),
        ("/kb/indicators?_sort=nosuch", 400, "请求有误", "不能按“nosuch”排序：没有这一列"),
        ("/-/threads", 404, "找不到页面", "找不到页面"),
        ("/_internal", 403, "无权访问", "没有查看权限"),
    ],
)
def test_error_pages_are_in_chinese(
    datasette: DatasetteClient, path: str, status: int, title: str, chinese: str
) -> None:
    page = datasette.get(path)
    assert page.status_code == status and chinese in page.text, page.text[:500]
    assert f"<title>{title}</title>" in page.text
    english = ("not found", "Cannot sort", "must be", "invalid columns", "no such column", "permission")
    shown = re.sub(r"<[^>]+>", " ", re.sub(r'(?s)title="[^"]*"|<script.*?</script>', "", page.text))
    assert not [word for word in english if word in shown], shown[-800:]


def test_the_guard_is_the_outermost_layer(datasette: DatasetteClient) -> None:
    """Every other plugin's wrapper (the exports') sits inside it: an export asked with too many parameters is 400."""
    many = "&".join(f"level1=x{i}" for i in range(MAX_PARAMETERS + 1))
    for path in ("/kb/indicators.xlsx", "/kb/indicators.csv?_excel=1&"):
        response = datasette.get(f"{path}{'&' if '?' in path else '?'}{many}")
        assert response.status_code == 400 and "查询参数过多" in response.text, path
